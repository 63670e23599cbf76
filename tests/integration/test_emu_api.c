/*
 * The emulator's Bot API methods, through a real `bothive emu` process:
 * authentication, the three request forms, sendMessage / editMessageText /
 * deleteMessage / forwardMessage and their Telegram errors, reply markup,
 * callback queries, commands; the longest texts in a query string, and
 * requests pipelined and kept alive on one connection.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "4242:api-test"
#define USER 1001

static bh_emu_proc emu;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    /* Every test starts with a private chat in which the user wrote once. */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, USER, USER, "hello"), 1);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static size_t collect(char *p, size_t s, size_t n, void *ud)
{
    char **buf = ud;
    size_t old = *buf ? strlen(*buf) : 0;
    char *b = realloc(*buf, old + s * n + 1);
    ck_assert_ptr_nonnull(b);
    memcpy(b + old, p, s * n);
    b[old + s * n] = '\0';
    *buf = b;
    return s * n;
}

/* A raw request: body NULL means GET; content_type NULL sends none. */
static int raw(const char *path, const char *content_type, const char *body, char **resp)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char *url = NULL, hdr[128];
    long status = -1;
    *resp = NULL;
    /* As long as path is: some paths carry a long text in the query. */
    ck_assert_int_ge(asprintf(&url, "%s%s", emu.url, path), 0);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        /* libcurl adds a form content type unless told otherwise. */
        snprintf(hdr, sizeof hdr, "Content-Type:%s%s", content_type ? " " : "",
                 content_type ? content_type : "");
        h = curl_slist_append(h, hdr);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    return (int)status;
}

/* Calls method with a JSON body and checks the error answer. */
static void expect_error(const char *method, const char *json, int status, const char *desc)
{
    char *resp = NULL, *d;
    int64_t v = 0;
    ck_assert_int_eq(bh_emu_call(&emu, method, json, &resp), status);
    ck_assert_int_eq(bh_emu_json_int(resp, "ok", &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(bh_emu_json_int(resp, "error_code", &v), 0);
    ck_assert_int_eq(v, status);
    d = bh_emu_json_str(resp, "description");
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d, desc);
    free(d);
    free(resp);
}

/* Calls method, expects ok:true, returns the body (caller frees). */
static char *expect_ok(const char *method, const char *json)
{
    char *resp = NULL;
    int64_t v = 0;
    int st = bh_emu_call(&emu, method, json, &resp);
    ck_assert_msg(st == 200, "%s -> %d %s", method, st, resp ? resp : "");
    ck_assert_int_eq(bh_emu_json_int(resp, "ok", &v), 0);
    ck_assert_int_eq(v, 1);
    return resp;
}

static int64_t send_text(int64_t chat, const char *text)
{
    char body[256];
    int64_t id = -1;
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"text\":\"%s\"}", (long long)chat, text);
    char *resp = expect_ok("sendMessage", body);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.message_id", &id), 0);
    free(resp);
    return id;
}

/* The /control/sent list of chat as text (caller frees). */
static char *sent(int64_t chat)
{
    char path[64], *resp = NULL;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    return resp;
}

/* "/bot<T>/sendMessage?chat_id=<USER>&text=" and n times the escapes esc
 * (one character), malloc'd. */
static char *query_text(const char *esc, int n)
{
    size_t el = strlen(esc);
    char *q = malloc(64 + (size_t)n * el + 1);
    int off = snprintf(q, 64, "/bot%s/sendMessage?chat_id=%d&text=", TOKEN, USER);

    ck_assert_ptr_nonnull(q);
    for (int i = 0; i < n; i++)
        memcpy(q + off + (size_t)i * el, esc, el);
    q[off + (size_t)n * el] = '\0';
    return q;
}

/* The bot sent exactly n (1 or more) messages to the user. */
static void sent_exactly(int n)
{
    char *list = sent(USER), key[48];
    int64_t id;

    snprintf(key, sizeof key, "result.%d.message_id", n - 1);
    ck_assert_int_eq(bh_emu_json_int(list, key, &id), 0);
    snprintf(key, sizeof key, "result.%d.message_id", n);
    ck_assert_int_ne(bh_emu_json_int(list, key, &id), 0);
    free(list);
}

START_TEST(get_me)
{
    char *resp = expect_ok("getMe", NULL), *s;
    int64_t v;
    ck_assert_int_eq(bh_emu_json_int(resp, "result.id", &v), 0);
    ck_assert_int_eq(v, 4242);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.is_bot", &v), 0);
    ck_assert_int_eq(v, 1);
    s = bh_emu_json_str(resp, "result.username");
    ck_assert_str_eq(s, "emu_bot");
    free(s);
    s = bh_emu_json_str(resp, "result.first_name");
    ck_assert_ptr_nonnull(s);
    free(s);
    free(resp);
}
END_TEST

START_TEST(wrong_token_and_unknown_method)
{
    char *resp = NULL, *d;
    ck_assert_int_eq(raw("/bot4242:wrong/getMe", NULL, NULL, &resp), 401);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Unauthorized");
    free(d);
    free(resp);
    ck_assert_int_eq(raw("/bot4242:api-testX/getMe", NULL, NULL, &resp), 401);
    free(resp);
    ck_assert_int_eq(raw("/bot/getMe", NULL, NULL, &resp), 401);
    free(resp);
    expect_error("noSuchMethod", NULL, 404, "Not Found");
    ck_assert_int_eq(raw("/elsewhere", NULL, NULL, &resp), 404);
    free(resp);
    /* Method names are case-insensitive, as in Telegram. */
    free(expect_ok("getme", NULL));
}
END_TEST

START_TEST(three_request_forms)
{
    char *resp = NULL, *list;
    char path[256];
    snprintf(path, sizeof path, "/bot%s/sendMessage?chat_id=%d&text=via%%20query", TOKEN, USER);
    ck_assert_int_eq(raw(path, NULL, NULL, &resp), 200);
    free(resp);
    snprintf(path, sizeof path, "/bot%s/sendMessage", TOKEN);
    ck_assert_int_eq(raw(path, "application/x-www-form-urlencoded",
                         "chat_id=1001&text=via+form%21&disable_notification=true", &resp), 200);
    free(resp);
    ck_assert_int_eq(raw(path, "application/json; charset=utf-8",
                         "{\"chat_id\":1001,\"text\":\"via json\"}", &resp), 200);
    free(resp);
    /* A JSON body without a content type is recognised too. */
    ck_assert_int_eq(raw(path, NULL, "{\"chat_id\":\"1001\",\"text\":\"untyped\"}", &resp), 200);
    free(resp);
    /* multipart/form-data, as libcurl's mime API sends it. */
    {
        CURL *c = curl_easy_init();
        curl_mime *mime = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(mime);
        char url[256];
        long st = 0;
        curl_mime_name(part, "chat_id");
        curl_mime_data(part, "1001", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(mime);
        curl_mime_name(part, "text");
        curl_mime_data(part, "via\r\nmultipart", CURL_ZERO_TERMINATED);
        snprintf(url, sizeof url, "%s/bot%s/sendMessage", emu.url, TOKEN);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        resp = NULL;
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
        ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        ck_assert_msg(st == 200, "multipart: %ld %s", st, resp);
        free(resp);
        curl_mime_free(mime);
        curl_easy_cleanup(c);
    }
    list = sent(USER);
    char *t0 = bh_emu_json_str(list, "result.0.text"), *t1 = bh_emu_json_str(list, "result.1.text");
    char *t2 = bh_emu_json_str(list, "result.2.text"), *t3 = bh_emu_json_str(list, "result.3.text");
    int64_t dn = 0;
    ck_assert_str_eq(t0, "via query");
    ck_assert_str_eq(t1, "via form!");
    ck_assert_str_eq(t2, "via json");
    ck_assert_str_eq(t3, "untyped");
    char *t5 = bh_emu_json_str(list, "result.4.text");
    ck_assert_str_eq(t5, "via\r\nmultipart");
    free(t5);
    ck_assert_int_eq(bh_emu_json_int(list, "result.1.disable_notification", &dn), 0);
    ck_assert_int_eq(dn, 1);
    free(t0);
    free(t1);
    free(t2);
    free(t3);
    free(list);
    /* A long text fits in a query string too (24 KiB of escapes). */
    char *q = query_text("%C3%A9", 4096);
    ck_assert_int_eq(raw(q, NULL, NULL, &resp), 200);
    free(resp);
    free(q);
    /* A malformed JSON body is a 400, not a crash. */
    ck_assert_int_eq(raw(path, "application/json", "{\"chat_id\":1001,", &resp), 400);
    free(resp);
    ck_assert_int_eq(raw(path, "application/json", "[1,2]", &resp), 400);
    free(resp);
}
END_TEST

START_TEST(send_message_validation)
{
    char *big = malloc(4097 * 2 + 64), *body = malloc(4097 * 2 + 128);
    expect_error("sendMessage", "{\"chat_id\":1001,\"text\":\"   \"}", 400,
                 "Bad Request: message text is empty");
    expect_error("sendMessage", "{\"chat_id\":1001}", 400, "Bad Request: message text is empty");
    expect_error("sendMessage", "{\"text\":\"x\"}", 400, "Bad Request: chat_id is empty");
    expect_error("sendMessage", "{\"chat_id\":999999,\"text\":\"x\"}", 400, "Bad Request: chat not found");
    expect_error("sendMessage", "{\"chat_id\":\"@nobody\",\"text\":\"x\"}", 400,
                 "Bad Request: chat not found");
    expect_error("sendMessage", "{\"chat_id\":1001,\"text\":\"x\",\"reply_to_message_id\":77}", 400,
                 "Bad Request: message to be replied not found");
    expect_error("sendMessage", "{\"chat_id\":1001,\"text\":\"x\",\"parse_mode\":\"BBCode\"}", 400,
                 "Bad Request: unsupported parse_mode");

    memset(big, 'a', 4097);
    big[4097] = '\0';
    snprintf(body, 4097 * 2 + 128, "{\"chat_id\":1001,\"text\":\"%s\"}", big);
    expect_error("sendMessage", body, 400, "Bad Request: message is too long");
    big[4096] = '\0';
    snprintf(body, 4097 * 2 + 128, "{\"chat_id\":1001,\"text\":\"  %s \"}", big);
    free(expect_ok("sendMessage", body)); /* 4096 after trimming is fine */
    /* Length is counted in characters, not bytes: 4096 two-byte letters pass. */
    for (int i = 0; i < 4096; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[2 * 4096] = '\0';
    snprintf(body, 4097 * 2 + 128, "{\"chat_id\":1001,\"text\":\"%s\"}", big);
    free(expect_ok("sendMessage", body));

    /* Nothing that failed was recorded: exactly the two good sends. */
    sent_exactly(2);
    free(big);
    free(body);
}
END_TEST

START_TEST(send_message_shape_and_reply)
{
    char *resp = expect_ok("sendMessage", "{\"chat_id\":1001,\"text\":\"answer\",\"reply_to_message_id\":1,"
                                          "\"parse_mode\":\"HTML\"}");
    int64_t v;
    char *s;
    ck_assert_int_eq(bh_emu_json_int(resp, "result.message_id", &v), 0);
    ck_assert_int_eq(v, 2); /* the user's "hello" is message 1 of the chat */
    ck_assert_int_eq(bh_emu_json_int(resp, "result.chat.id", &v), 0);
    ck_assert_int_eq(v, USER);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.from.id", &v), 0);
    ck_assert_int_eq(v, 4242);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.from.is_bot", &v), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.date", &v), 0);
    ck_assert_int_gt(v, 1600000000);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.reply_to_message.message_id", &v), 0);
    ck_assert_int_eq(v, 1);
    s = bh_emu_json_str(resp, "result.text");
    ck_assert_str_eq(s, "answer");
    free(s);
    free(resp);
    resp = sent(USER);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.reply_to_message_id", &v), 0);
    ck_assert_int_eq(v, 1);
    s = bh_emu_json_str(resp, "result.0.parse_mode");
    ck_assert_str_eq(s, "HTML");
    free(s);
    free(resp);
}
END_TEST

START_TEST(reply_markup_round_trip)
{
    const char *kb = "{\"inline_keyboard\":[[{\"text\":\"Yes\",\"callback_data\":\"y\"},"
                     "{\"text\":\"Site\",\"url\":\"https://example.org\"}]]}";
    char body[512], *resp, *m;
    snprintf(body, sizeof body, "{\"chat_id\":1001,\"text\":\"pick\",\"reply_markup\":%s}", kb);
    resp = expect_ok("sendMessage", body);
    m = bh_emu_json_str(resp, "result.reply_markup.inline_keyboard.0.0.callback_data");
    ck_assert_str_eq(m, "y");
    free(m);
    free(resp);
    /* As a JSON string (the way form bodies carry it) too. */
    char path[128];
    snprintf(path, sizeof path, "/bot%s/sendMessage", TOKEN);
    ck_assert_int_eq(raw(path, "application/x-www-form-urlencoded",
                         "chat_id=1001&text=kb2&reply_markup=%7B%22keyboard%22%3A%5B%5B%7B%22text%22%3A%22k%22%7D%5D%5D%7D",
                         &resp), 200);
    free(resp);
    resp = sent(USER);
    m = bh_emu_json_str(resp, "result.0.reply_markup.inline_keyboard.0.0.callback_data");
    ck_assert_str_eq(m, "y");
    free(m);
    m = bh_emu_json_str(resp, "result.0.reply_markup.inline_keyboard.0.1.url");
    ck_assert_str_eq(m, "https://example.org");
    free(m);
    m = bh_emu_json_str(resp, "result.1.reply_markup.keyboard.0.0.text");
    ck_assert_str_eq(m, "k");
    free(m);
    ck_assert_ptr_null(bh_emu_json_str(resp, "result.1.reply_to_message_id"));
    free(resp);

    expect_error("sendMessage", "{\"chat_id\":1001,\"text\":\"x\",\"reply_markup\":\"{oops\"}", 400,
                 "Bad Request: can't parse reply keyboard markup JSON object");
    expect_error("sendMessage",
                 "{\"chat_id\":1001,\"text\":\"x\",\"reply_markup\":{\"inline_keyboard\":[[{\"text\":\"t\"}]]}}",
                 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
}
END_TEST

START_TEST(edit_message)
{
    int64_t id = send_text(USER, "draft"), v;
    char body[256], *resp, *s;
    snprintf(body, sizeof body, "{\"chat_id\":1001,\"message_id\":%lld,\"text\":\"final\"}", (long long)id);
    resp = expect_ok("editMessageText", body);
    s = bh_emu_json_str(resp, "result.text");
    ck_assert_str_eq(s, "final");
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.edit_date", &v), 0);
    free(resp);
    expect_error("editMessageText", body, 400,
                 "Bad Request: message is not modified: specified new message content and reply markup "
                 "are exactly the same as a current content and reply markup of the message");
    expect_error("editMessageText", "{\"chat_id\":1001,\"message_id\":99,\"text\":\"x\"}", 400,
                 "Bad Request: message to edit not found");
    expect_error("editMessageText", "{\"chat_id\":1001,\"message_id\":1,\"text\":\"x\"}", 400,
                 "Bad Request: message can't be edited");
    expect_error("editMessageText", "{\"chat_id\":1001,\"text\":\"x\"}", 400,
                 "Bad Request: message identifier is not specified");
    snprintf(body, sizeof body, "{\"chat_id\":1001,\"message_id\":%lld,\"text\":\"\"}", (long long)id);
    expect_error("editMessageText", body, 400, "Bad Request: message text is empty");
    snprintf(body, sizeof body, "{\"chat_id\":5,\"message_id\":%lld,\"text\":\"y\"}", (long long)id);
    expect_error("editMessageText", body, 400, "Bad Request: chat not found");
    resp = sent(USER);
    s = bh_emu_json_str(resp, "result.0.text");
    ck_assert_str_eq(s, "final");
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.edited", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);
}
END_TEST

START_TEST(delete_message)
{
    int64_t id = send_text(USER, "oops"), v;
    char body[128], *resp;
    snprintf(body, sizeof body, "{\"chat_id\":1001,\"message_id\":%lld}", (long long)id);
    resp = expect_ok("deleteMessage", body);
    ck_assert_int_eq(bh_emu_json_int(resp, "result", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);
    expect_error("deleteMessage", body, 400, "Bad Request: message to delete not found");
    expect_error("deleteMessage", "{\"chat_id\":1001,\"message_id\":50}", 400,
                 "Bad Request: message to delete not found");
    expect_error("deleteMessage", "{\"chat_id\":77,\"message_id\":1}", 400, "Bad Request: chat not found");
    resp = sent(USER);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.deleted", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);
    /* A deleted message can no longer be replied to or edited. */
    snprintf(body, sizeof body, "{\"chat_id\":1001,\"text\":\"r\",\"reply_to_message_id\":%lld}", (long long)id);
    expect_error("sendMessage", body, 400, "Bad Request: message to be replied not found");
}
END_TEST

START_TEST(forward_message)
{
    int64_t v;
    char *resp, *s;
    ck_assert_int_gt(bh_emu_send_user_message(&emu, 2002, 2002, "other chat"), 0);
    resp = expect_ok("forwardMessage", "{\"chat_id\":2002,\"from_chat_id\":1001,\"message_id\":1}");
    ck_assert_int_eq(bh_emu_json_int(resp, "result.chat.id", &v), 0);
    ck_assert_int_eq(v, 2002);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.forward_from_message_id", &v), 0);
    ck_assert_int_eq(v, 1);
    s = bh_emu_json_str(resp, "result.text");
    ck_assert_str_eq(s, "hello");
    free(s);
    free(resp);
    expect_error("forwardMessage", "{\"chat_id\":2002,\"from_chat_id\":1001,\"message_id\":42}", 400,
                 "Bad Request: message to forward not found");
    expect_error("forwardMessage", "{\"chat_id\":2002,\"from_chat_id\":3003,\"message_id\":1}", 400,
                 "Bad Request: chat not found");
    expect_error("forwardMessage", "{\"chat_id\":3003,\"from_chat_id\":1001,\"message_id\":1}", 400,
                 "Bad Request: chat not found");
    resp = sent(2002);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.forward_from_chat_id", &v), 0);
    ck_assert_int_eq(v, USER);
    free(resp);
}
END_TEST

START_TEST(callback_queries)
{
    char *resp, *s, body[256];
    int64_t msg, v;
    resp = expect_ok("sendMessage", "{\"chat_id\":1001,\"text\":\"pick\",\"reply_markup\":"
                                    "{\"inline_keyboard\":[[{\"text\":\"A\",\"callback_data\":\"choice:a\"}]]}}");
    ck_assert_int_eq(bh_emu_json_int(resp, "result.message_id", &msg), 0);
    free(resp);
    /* Drain the user's first message. */
    free(expect_ok("getUpdates", "{\"offset\":2}"));

    snprintf(body, sizeof body, "{\"chat_id\":1001,\"user_id\":1001,\"message_id\":%lld,\"data\":\"choice:a\"}",
             (long long)msg);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback", body, &resp), 200);
    char *cbid = bh_emu_json_str(resp, "result.callback_query_id");
    ck_assert_ptr_nonnull(cbid);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.update_id", &v), 0);
    ck_assert_int_eq(v, 2);
    free(resp);

    resp = expect_ok("getUpdates", "{\"timeout\":5}");
    s = bh_emu_json_str(resp, "result.0.callback_query.data");
    ck_assert_str_eq(s, "choice:a");
    free(s);
    s = bh_emu_json_str(resp, "result.0.callback_query.id");
    ck_assert_str_eq(s, cbid);
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.callback_query.message.message_id", &v), 0);
    ck_assert_int_eq(v, msg);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.callback_query.from.id", &v), 0);
    ck_assert_int_eq(v, USER);
    free(resp);

    snprintf(body, sizeof body, "{\"callback_query_id\":\"%s\",\"text\":\"Got it\"}", cbid);
    free(expect_ok("answerCallbackQuery", body));
    expect_error("answerCallbackQuery", body, 400,
                 "Bad Request: query is too old and response timeout expired or query ID is invalid");
    expect_error("answerCallbackQuery", "{\"callback_query_id\":\"nope\"}", 400,
                 "Bad Request: query is too old and response timeout expired or query ID is invalid");
    ck_assert_int_eq(bh_emu_get(&emu, "/control/callbacks", &resp), 200);
    s = bh_emu_json_str(resp, "result.0.text");
    ck_assert_str_eq(s, "Got it");
    free(s);
    free(resp);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/stats", &resp), 200);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.callback_answers", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);

    /* Pressing a button of a message that does not exist, or is the user's. */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback",
                                 "{\"chat_id\":1001,\"user_id\":1001,\"message_id\":99,\"data\":\"x\"}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback",
                                 "{\"chat_id\":1001,\"user_id\":1001,\"message_id\":1,\"data\":\"x\"}", &resp), 400);
    free(resp);
    free(cbid);
}
END_TEST

START_TEST(commands_and_chat_action)
{
    char *resp, *s;
    free(expect_ok("setMyCommands", "{\"commands\":[{\"command\":\"count\",\"description\":\"Show the count\"},"
                                    "{\"command\":\"help\",\"description\":\"Help\"}]}"));
    resp = expect_ok("getMyCommands", NULL);
    s = bh_emu_json_str(resp, "result.1.command");
    ck_assert_str_eq(s, "help");
    free(s);
    s = bh_emu_json_str(resp, "result.0.description");
    ck_assert_str_eq(s, "Show the count");
    free(s);
    free(resp);
    expect_error("setMyCommands", "{\"commands\":[{\"command\":\"Bad Cmd\",\"description\":\"x\"}]}", 400,
                 "Bad Request: BOT_COMMAND_INVALID");
    expect_error("setMyCommands", "{\"commands\":\"[nope\"}", 400, "Bad Request: can't parse commands JSON object");

    free(expect_ok("sendChatAction", "{\"chat_id\":1001,\"action\":\"typing\"}"));
    expect_error("sendChatAction", "{\"chat_id\":1001,\"action\":\"dancing\"}", 400,
                 "Bad Request: wrong parameter action in request");
    expect_error("sendChatAction", "{\"chat_id\":31337,\"action\":\"typing\"}", 400, "Bad Request: chat not found");
}
END_TEST

START_TEST(group_chats_and_commands_entities)
{
    char *resp, *s;
    int64_t v;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-500,\"user_id\":7,\"text\":\"/count@emu_bot now\",\"chat_type\":\"group\"}",
                                 &resp), 200);
    free(resp);
    resp = expect_ok("getUpdates", "{\"offset\":2}");
    s = bh_emu_json_str(resp, "result.0.message.chat.type");
    ck_assert_str_eq(s, "group");
    free(s);
    s = bh_emu_json_str(resp, "result.0.message.chat.title");
    ck_assert_ptr_nonnull(s);
    free(s);
    s = bh_emu_json_str(resp, "result.0.message.from.first_name");
    ck_assert_str_eq(s, "User 7");
    free(s);
    s = bh_emu_json_str(resp, "result.0.message.entities.0.type");
    ck_assert_str_eq(s, "bot_command");
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.message.entities.0.length", &v), 0);
    ck_assert_int_eq(v, 14);
    free(resp);
    free(expect_ok("sendMessage", "{\"chat_id\":-500,\"text\":\"to the group\"}"));
    /* Extreme ids are just ids. */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-9223372036854775808,\"user_id\":9223372036854775807,"
                                 "\"text\":\"edge\",\"chat_type\":\"supergroup\"}", &resp), 200);
    free(resp);
    free(expect_ok("sendMessage", "{\"chat_id\":\"-9223372036854775808\",\"text\":\"ok\"}"));
}
END_TEST

START_TEST(garbage_never_crashes)
{
    static const char *types[] = {"application/json", "application/x-www-form-urlencoded",
                                  "multipart/form-data; boundary=xyz", "multipart/form-data",
                                  "text/plain", NULL};
    static const char *seeds[] = {"{\"chat_id\":1001,\"text\":\"t\"}", "chat_id=1001&text=t",
                                  "--xyz\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nv\r\n--xyz--\r\n",
                                  "%%%&&==&", "{\"reply_markup\":[[[[[[[[[[", ""};
    char path[128], *resp = NULL, buf[256];
    unsigned rnd = 12345;
    snprintf(path, sizeof path, "/bot%s/sendMessage", TOKEN);
    for (int i = 0; i < 300; i++) {
        const char *seed = seeds[(i / 6) % 6];
        size_t n = strlen(seed);
        memcpy(buf, seed, n + 1);
        /* Flip a few bytes and cut at a random place. */
        for (int k = 0; k < 3 && n; k++) {
            rnd = rnd * 1103515245 + 12345;
            buf[(rnd >> 8) % n] = (char)(1 + (rnd >> 16) % 255);
        }
        rnd = rnd * 1103515245 + 12345;
        if (n)
            buf[(rnd >> 8) % (n + 1)] = '\0';
        int st = raw((i / 36) % 2 ? path : "/control/message", types[i % 6], buf, &resp);
        ck_assert_msg(st >= 200 && st < 500, "status %d for %s", st, buf);
        free(resp);
    }
    free(expect_ok("getMe", NULL));
}
END_TEST

/* A text at the limit in three-byte characters is the longest request
 * line the Bot API takes (36 KiB of escapes): it is served; one beyond the
 * limit in four-byte characters (48 KiB) is still read whole, and refused
 * by the method, not cut off by the HTTP layer. */
START_TEST(longest_query_strings)
{
    char *q = query_text("%E4%B8%AD", 4096), *resp = NULL, *text;
    ck_assert_int_eq(raw(q, NULL, NULL, &resp), 200);
    ck_assert_ptr_nonnull(text = bh_emu_json_str(resp, "result.text"));
    ck_assert_uint_eq(strlen(text), 4096 * 3); /* the whole text came through */
    free(text);
    free(resp);
    free(q);
    q = query_text("%F0%9F%98%80", 4096);
    ck_assert_int_eq(raw(q, NULL, NULL, &resp), 400);
    ck_assert_ptr_nonnull(strstr(resp, "message is too long"));
    free(resp);
    free(q);
}
END_TEST

/* A connection to the emulator on loopback. */
static int connect_emu(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    const char *colon = strrchr(emu.url, ':');
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_ptr_nonnull(colon);
    ck_assert_int_ge(fd, 0);
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* What an answer's body is: not "ok":true, a result without a message
 * (getMe's), a message, a message with a text longer than 12 KiB. */
enum { ANSWER_FAILED, ANSWER_NO_MESSAGE, ANSWER_MESSAGE, ANSWER_LONG_MESSAGE };

static int answer_kind(const char *body, size_t n)
{
    if (!memmem(body, n, "\"ok\":true", 9))
        return ANSWER_FAILED;
    if (!memmem(body, n, "\"message_id\":", 13))
        return ANSWER_NO_MESSAGE;
    return n > 4096 * 3 ? ANSWER_LONG_MESSAGE : ANSWER_MESSAGE;
}

/* The complete answers at the start of buf[0..len) (up to max): each's
 * status into st and what its body is into kind. */
static int parse_answers(const char *buf, size_t len, int *st, int *kind, int max)
{
    const char *p = buf, *end = buf + len;
    int n = 0;

    while (n < max) {
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        char head[1024];
        if (!hend || hend - p >= (long)sizeof head)
            break;
        memcpy(head, p, (size_t)(hend - p));
        head[hend - p] = '\0';
        const char *cl = strcasestr(head, "\r\nContent-Length:");
        ck_assert_msg(cl != NULL, "an answer without a length: %s", head);
        size_t blen = (size_t)strtoull(cl + 17, NULL, 10);
        if ((size_t)(end - (hend + 4)) < blen)
            break;
        st[n] = atoi(head + 9); /* "HTTP/1.1 200 OK" */
        kind[n] = answer_kind(hend + 4, blen);
        p = hend + 4 + blen;
        n++;
    }
    return n;
}

/* Writes req[0..len) to fd while reading the answers (so that neither
 * side's buffers fill and stall the other), until want of them came or
 * 30 s passed; returns how many, with their statuses and kinds. */
static int exchange(int fd, const char *req, size_t len, int want, int *st, int *kind)
{
    size_t wrote = 0, got = 0, cap = 1 << 20;
    char *buf = malloc(cap);
    int64_t end = bh_test_now_ms() + 30000;
    int n = 0;

    ck_assert_ptr_nonnull(buf);
    while ((n = parse_answers(buf, got, st, kind, want)) < want && bh_test_now_ms() < end) {
        struct pollfd pf = {.fd = fd, .events = POLLIN | (wrote < len ? POLLOUT : 0)};
        if (poll(&pf, 1, 1000) <= 0)
            continue;
        if ((pf.revents & POLLOUT) && wrote < len) {
            ssize_t w = send(fd, req + wrote, len - wrote, MSG_DONTWAIT | MSG_NOSIGNAL);
            ck_assert_int_gt(w, 0);
            wrote += (size_t)w;
        }
        if (pf.revents & (POLLIN | POLLHUP)) {
            ck_assert_uint_lt(got, cap);
            ssize_t r = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
            ck_assert_int_gt(r, 0); /* the emulator keeps the connection open */
            got += (size_t)r;
        }
    }
    free(buf);
    return n;
}

/* Many requests on one connection, written back to back before any
 * answer is read (pipelined), of every size and form: short GETs, request
 * lines of 36 KiB, JSON bodies. Each is answered, in order, as it would be
 * alone (its kind of answer in its place): the connection's memory, reset between requests, carries over
 * only the next request's bytes. Then the same connection serves one more
 * request, sent after the answers (kept alive). */
START_TEST(pipelined_and_kept_alive)
{
    enum { ROUNDS = 8, PER = 3 };
    char *big = query_text("%E4%B8%AD", 4096), *req = malloc(ROUNDS * (strlen(big) + 1024));
    const char *body = "{\"chat_id\":1001,\"text\":\"pipelined\"}";
    static const int expect[PER] = {ANSWER_NO_MESSAGE, ANSWER_LONG_MESSAGE, ANSWER_MESSAGE};
    int st[ROUNDS * PER], kind[ROUNDS * PER], fd = connect_emu();
    size_t len = 0;

    ck_assert_ptr_nonnull(req);
    for (int i = 0; i < ROUNDS; i++) {
        len += (size_t)sprintf(req + len, "GET /bot%s/getMe HTTP/1.1\r\nHost: emu\r\n\r\n", TOKEN);
        len += (size_t)sprintf(req + len, "GET %s HTTP/1.1\r\nHost: emu\r\n\r\n", big);
        len += (size_t)sprintf(req + len,
                               "POST /bot%s/sendMessage HTTP/1.1\r\nHost: emu\r\n"
                               "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                               TOKEN, strlen(body), body);
    }
    ck_assert_int_eq(exchange(fd, req, len, ROUNDS * PER, st, kind), ROUNDS * PER);
    for (int i = 0; i < ROUNDS * PER; i++)
        ck_assert_msg(st[i] == 200 && kind[i] == expect[i % PER], "answer %d: status %d, kind %d",
                      i, st[i], kind[i]);
    len = (size_t)sprintf(req, "GET /bot%s/getMe HTTP/1.1\r\nHost: emu\r\n\r\n", TOKEN);
    ck_assert_int_eq(exchange(fd, req, len, 1, st, kind), 1);
    ck_assert(st[0] == 200 && kind[0] == ANSWER_NO_MESSAGE);
    close(fd);
    sent_exactly(2 * ROUNDS); /* every message recorded once: two a round */
    free(req);
    free(big);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_api");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, get_me);
    tcase_add_test(tc, wrong_token_and_unknown_method);
    tcase_add_test(tc, three_request_forms);
    tcase_add_test(tc, send_message_validation);
    tcase_add_test(tc, send_message_shape_and_reply);
    tcase_add_test(tc, reply_markup_round_trip);
    tcase_add_test(tc, edit_message);
    tcase_add_test(tc, delete_message);
    tcase_add_test(tc, forward_message);
    tcase_add_test(tc, callback_queries);
    tcase_add_test(tc, commands_and_chat_action);
    tcase_add_test(tc, group_chats_and_commands_entities);
    tcase_add_test(tc, garbage_never_crashes);
    tcase_add_test(tc, longest_query_strings);
    tcase_add_test(tc, pipelined_and_kept_alive);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
