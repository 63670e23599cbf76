/*
 * The examples, run for real: each example bot is started as a process
 * with 4 workers against the emulator, users write through the control API,
 * and the bot's answers (and its file: store afterwards) must be exact.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "5151:EXAMPLES"

static bh_emu_proc emu;
static pid_t bot;
static char *store_path;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    store_path = bh_test_tmppath("examples");
    bot = 0;
}

static void teardown(void)
{
    if (bot > 0) {
        kill(bot, SIGKILL);
        bh_test_wait(bot);
    }
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(store_path);
    free(store_path);
}

/* Starts examples/<name> with 4 workers and a file: store, and waits until
 * it polls (what is sent before would be its skipped backlog): polls more
 * than before, for a bot started again on the same emulator. */
static void start_example(const char *name)
{
    char exe[1024], store[600];
    int64_t before = 0;

    if (bh_emu_stat(&emu, "by_method.getUpdates", &before) != 0)
        before = 0;

    snprintf(exe, sizeof exe, "%s/%s", getenv("BOTHIVE_EXAMPLES"), name);
    snprintf(store, sizeof store, "file:%s", store_path);
    bot = fork();
    ck_assert_int_ge(bot, 0);
    if (bot == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("BOT_TOKEN", TOKEN, 1);
        setenv("BOTHIVE_API_URL", emu.url, 1);
        setenv("BOTHIVE_WORKERS", "4", 1);
        setenv("BOTHIVE_STORE", store, 1);
        setenv("BOTHIVE_LOG", "warn", 1);
        execl(exe, exe, (char *)NULL);
        _exit(127);
    }
    int64_t polls = 0, end = bh_test_now_ms() + 60000;
    while (bh_test_now_ms() < end &&
           (bh_emu_stat(&emu, "by_method.getUpdates", &polls) != 0 || polls <= before))
        usleep(50 * 1000);
    ck_assert_msg(polls > before, "%s never polled", name);
}

/* Stops the bot with SIGTERM: it must finish and exit 0. */
static void stop_example(void)
{
    kill(bot, SIGTERM);
    ck_assert_int_eq(bh_test_wait(bot), 0);
    bot = 0;
}

static void say(int64_t chat, int64_t user, const char *text, const char *type)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"%s\"}",
             (long long)chat, (long long)user, text, type);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 200);
}

/* The text of the last message the bot sent to chat, waiting up to
 * timeout_ms for at least `count` messages there. malloc'd, or NULL. */
static char *last_sent(int64_t chat, int count, int timeout_ms)
{
    char path[64], key[32];
    int64_t end = bh_test_now_ms() + timeout_ms;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    snprintf(key, sizeof key, "result.%d.text", count - 1);
    while (bh_test_now_ms() < end) {
        char *resp = NULL, *t = NULL;
        if (bh_emu_get(&emu, path, &resp) == 200)
            t = bh_emu_json_str(resp, key);
        free(resp);
        if (t)
            return t;
        usleep(50 * 1000);
    }
    return NULL;
}

static int64_t store_int(const char *memory, const char *key)
{
    char url[600];
    bh_store_options o = {.flags = BH_STORE_READONLY};
    bh_store *st;
    bh_shared *m;
    int64_t v = -1;

    snprintf(url, sizeof url, "file:%s", store_path);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

START_TEST(counter_counts_2000_messages_in_50_chats)
{
    char want[64], *t = NULL;

    start_example("counter");
    for (int i = 0; i < 2000; i++) {
        int chat = 1 + i % 50;
        say(chat, chat, "a message", "private");
    }
    snprintf(want, sizeof want, "This bot received %d messages", 2000);
    /* Workers may still be busy with other chats: ask until all counted
     * (for two minutes, not a number of times: a slow machine asks less
     * often). */
    int64_t end = bh_test_now_ms() + 120000;
    for (int n = 1; bh_test_now_ms() < end; n++) {
        say(999, 999, "/count", "private");
        free(t);
        t = last_sent(999, n, 10000);
        ck_assert_ptr_nonnull(t);
        if (!strcmp(t, want))
            break;
        usleep(250 * 1000);
    }
    ck_assert_str_eq(t, want);
    free(t);
    stop_example();
    ck_assert(store_int("bot:5151", "messages") == 2000);
}
END_TEST

START_TEST(locks_example)
{
    start_example("locks");
    for (int round = 0; round < 20; round++)
        for (int chat = 1; chat <= 50; chat++)
            say(-chat, 100 + round, "hi", "group");
    /* per-chat order: each /count runs after its chat's 20 messages */
    for (int chat = 1; chat <= 50; chat++)
        say(-chat, 1, "/count", "group");
    for (int chat = 1; chat <= 50; chat++) {
        char *t = last_sent(-chat, 1, 30000);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "Number of messages: 20");
        free(t);
    }
    stop_example();
}
END_TEST

START_TEST(component_memory_is_isolated)
{
    start_example("component");
    for (int i = 0; i < 30; i++)
        say(7, 7, i % 3 == 0 ? "Hello bot" : "just talking", "private");
    say(7, 7, "/greeted", "private");
    say(7, 7, "/stats", "private");
    char *t = last_sent(7, 12, 30000); /* 10 greetings, then the two answers */
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Messages seen by the bot: 30");
    free(t);
    t = last_sent(7, 11, 1000);
    ck_assert_str_eq(t, "Greetings answered: 10");
    free(t);
    stop_example();
    /* each memory holds only its own keys; the preparers ran once (a second
     * run would have reset the counts) */
    ck_assert(store_int("bot:5151", "messages") == 30);
    ck_assert(store_int("bot:5151/greeter", "greeted") == 10);
}
END_TEST

static void control(const char *path, const char *body)
{
    char *resp = NULL;
    int st = bh_emu_post(&emu, path, body, &resp);
    ck_assert_msg(st == 200, "%s %s: %d %s", path, body, st, resp ? resp : "");
    free(resp);
}

/* The recorded calls of method, as JSON text (malloc'd), once they hold
 * want (waiting up to 30 s). */
static char *answers_with(const char *method, const char *want)
{
    char path[96], *resp = NULL;
    int64_t end = bh_test_now_ms() + 30000;
    snprintf(path, sizeof path, "/control/answers?method=%s", method);
    while (bh_test_now_ms() < end) {
        free(resp);
        resp = NULL;
        ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
        if (strstr(resp, want))
            break;
        usleep(50 * 1000);
    }
    return resp;
}

START_TEST(members_example)
{
    char *t, *resp = NULL;

    start_example("members");
    /* It asked for exactly the kinds it handles. */
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    t = bh_emu_json_str(resp, "result.allowed_updates");
    ck_assert_str_eq(t, "[ \"message\", \"message_reaction\", \"chat_member\", \"chat_join_request\" ]");
    free(t);
    free(resp);
    control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"member\",\"first_name\":\"Ann\"}");
    control("/control/member", "{\"chat_id\":-77,\"user_id\":8,\"status\":\"member\",\"first_name\":\"Bob\"}");
    control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"left\",\"first_name\":\"Ann\"}");
    t = last_sent(-77, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Goodbye, Ann.");
    free(t);
    t = last_sent(-77, 1, 1000);
    ck_assert_str_eq(t, "Welcome, Ann!");
    free(t);
    t = last_sent(-77, 2, 1000);
    ck_assert_str_eq(t, "Welcome, Bob!");
    free(t);
    /* Join requests: even ids approved, odd declined. */
    for (int user = 10; user < 14; user++) {
        char body[96];
        snprintf(body, sizeof body, "{\"chat_id\":-77,\"user_id\":%d}", user);
        control("/control/join_request", body);
    }
    resp = answers_with("approveChatJoinRequest", "\"user_id\":12");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":10"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":11"));
    free(resp);
    resp = answers_with("declineChatJoinRequest", "\"user_id\":13");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":11"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":12"));
    free(resp);
    /* Reactions to the bot's three messages count; one to a user's does not. */
    say(-77, 8, "nice group", "supergroup");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":8,\"message_id\":1,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x94\xa5\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x91\x8d\","
            "\"old_emoji\":\"\xf0\x9f\x94\xa5\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":3,\"emoji\":\"\xf0\x9f\x98\xa2\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":4,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    /* per-chat order: /reactions runs after the reactions of its chat */
    say(-77, 8, "/reactions", "supergroup");
    t = last_sent(-77, 4, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Reactions to my messages: 4");
    free(t);
    stop_example();
    ck_assert(store_int("bot:5151", "reactions") == 4);
}
END_TEST

START_TEST(every_message_answered_despite_faults)
{
    int64_t early = -1, f429 = 0;

    start_example("counter");
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults",
                                 "{\"rate_429\":0.1,\"retry_after\":1,\"rate_500\":0.05,\"seed\":7}",
                                 NULL),
                     200);
    for (int chat = 1; chat <= 30; chat++)
        say(chat, chat, "/count", "private");
    for (int chat = 1; chat <= 30; chat++) {
        char *t = last_sent(chat, 1, 60000);
        ck_assert_msg(t != NULL, "chat %d got no answer", chat);
        ck_assert_str_eq(t, "This bot received 0 messages");
        free(t);
    }
    ck_assert_int_eq(bh_emu_stat(&emu, "early_retries", &early), 0);
    ck_assert_int_eq(bh_emu_stat(&emu, "faults_429", &f429), 0);
    ck_assert_int_gt(f429, 0);
    ck_assert(early == 0);
    bh_emu_post(&emu, "/control/faults", "{}", NULL);
    stop_example();
}
END_TEST

/* With Telegram's flood limits enforced (--flood's defaults: 30 a second
 * overall), the 4 workers' shared rate limiter keeps every answer within
 * them: the emulator answers no 429 at all. (Without the limiter, 4
 * workers answer 120 chats far faster than 30 a second.) */
START_TEST(counter_keeps_within_flood_limits)
{
    int64_t n429 = -1, sent = 0, end;

    control("/control/flood", "{\"enabled\":true}");
    start_example("counter");
    for (int chat = 1; chat <= 120; chat++)
        say(chat, chat, "/count", "private");
    end = bh_test_now_ms() + 120000;
    while (bh_test_now_ms() < end && (bh_emu_stat(&emu, "sent_messages", &sent) != 0 || sent < 120))
        usleep(100 * 1000);
    ck_assert_int_eq(sent, 120);
    ck_assert_int_eq(bh_emu_stat(&emu, "flood_429", &n429), 0);
    ck_assert(n429 == 0);
    stop_example();
}
END_TEST

/* ---- media and moderator ---- */

/* The bot's messages in chat once there are at least count (waiting up
 * to 30 s), as a parsed array (a new reference). */
static json_object *sent_list(int64_t chat, size_t count)
{
    char path[64], *resp = NULL;
    json_object *o = NULL, *list = NULL;
    int64_t end = bh_test_now_ms() + 30000;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    while (bh_test_now_ms() < end) {
        ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
        o = json_tokener_parse(resp);
        free(resp);
        list = json_object_object_get(o, "result");
        if (json_object_array_length(list) >= count)
            break;
        json_object_put(o);
        o = NULL;
        usleep(50 * 1000);
    }
    ck_assert_msg(o != NULL, "chat %lld: fewer than %zu messages from the bot", (long long)chat, count);
    json_object_get(list);
    json_object_put(o);
    return list;
}

/* The string at a dotted path of o ("media.photo.0.file_id"), or NULL. */
static const char *field(json_object *o, const char *path)
{
    char buf[128], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = json_object_is_type(o, json_type_array) ? json_object_array_get_idx(o, atoi(k))
                                                    : json_object_object_get(o, k);
    return o ? json_object_get_string(o) : NULL;
}

/* The bytes of file_id as the emulator serves them (getFile, file URL). */
static char *download(const char *file_id, size_t *len)
{
    bh_client *cl;
    bh_file_info fi;
    char *data = NULL;
    ck_assert_int_eq(bh_client_new(&cl, TOKEN, emu.url, NULL), BH_OK);
    ck_assert_int_eq(bh_client_get_file(cl, file_id, &fi), BH_OK);
    ck_assert_int_eq(bh_client_download_buffer(cl, fi.file_path, 0, &data, len), BH_OK);
    bh_client_free(cl);
    return data;
}

/* The bytes of a file of the source tree. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = malloc(1 << 20);
    ck_assert_ptr_nonnull(f);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* Whether the file of file_id holds the bytes of examples/assets/name. */
static void assert_asset(const char *file_id, const char *name)
{
    char path[512], *got, *want;
    size_t glen, wlen;
    snprintf(path, sizeof path, "%s/examples/assets/%s", BH_TEST_SOURCE_DIR, name);
    want = read_file(path, &wlen);
    got = download(file_id, &glen);
    ck_assert_uint_eq(glen, wlen);
    ck_assert_int_eq(memcmp(got, want, wlen), 0);
    free(got);
    free(want);
}

START_TEST(media_example)
{
    unsigned char blob[3000], md[32];
    char b64[4200], body[4600], caption[80];
    json_object *list;
    size_t len;
    unsigned int mdlen = 0;

    start_example("media");
    /* /photo: an upload of the shipped image. */
    say(5, 5, "/photo", "private");
    list = sent_list(5, 1);
    ck_assert_str_eq(field(list, "0.caption"), "A cell of the hive");
    assert_asset(field(list, "0.media.photo.0.file_id"), "cell-1.png");
    json_object_put(list);

    /* A document: sent back, the same bytes as a new upload, with their SHA-256. */
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (unsigned char)(i * 7 + i / 256);
    EVP_EncodeBlock((unsigned char *)b64, blob, sizeof blob);
    snprintf(body, sizeof body,
             "{\"chat_id\":6,\"kind\":\"document\",\"file_name\":\"blob.bin\",\"data_base64\":\"%s\"}", b64);
    control("/control/media", body);
    list = sent_list(6, 1);
    EVP_Digest(blob, sizeof blob, md, &mdlen, EVP_sha256(), NULL);
    len = (size_t)snprintf(caption, sizeof caption, "sha256: ");
    for (unsigned int i = 0; i < mdlen; i++)
        len += (size_t)snprintf(caption + len, sizeof caption - len, "%02x", md[i]);
    ck_assert_str_eq(field(list, "0.caption"), caption);
    ck_assert_str_eq(field(list, "0.media.document.file_name"), "blob.bin");
    ck_assert_str_eq(field(list, "0.reply_to_message_id"), "1");
    char *got = download(field(list, "0.media.document.file_id"), &len);
    ck_assert_uint_eq(len, sizeof blob);
    ck_assert_int_eq(memcmp(got, blob, len), 0);
    free(got);
    json_object_put(list);

    /* /album: three uploads in one media group. */
    say(7, 7, "/album", "private");
    list = sent_list(7, 3);
    ck_assert_uint_eq(json_object_array_length(list), 3);
    ck_assert_ptr_nonnull(field(list, "0.media_group_id"));
    ck_assert_str_eq(field(list, "0.media_group_id"), field(list, "2.media_group_id"));
    assert_asset(field(list, "0.media.photo.0.file_id"), "cell-1.png");
    assert_asset(field(list, "1.media.photo.0.file_id"), "cell-2.png");
    assert_asset(field(list, "2.media.photo.0.file_id"), "cell-3.png");
    json_object_put(list);
    stop_example();
}
END_TEST

/* getChatMember's status of user in chat (malloc'd), and its until_date. */
static char *member(int64_t chat, int64_t user, int64_t *until)
{
    char body[96], *resp = NULL, *st;
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":%lld}", (long long)chat, (long long)user);
    ck_assert_int_eq(bh_emu_call(&emu, "getChatMember", body, &resp), 200);
    st = bh_emu_json_str(resp, "result.status");
    if (until && bh_emu_json_int(resp, "result.until_date", until) != 0)
        *until = 0;
    free(resp);
    return st;
}

/* A user writes in group -500 (a reply to message reply_to when > 0);
 * the HTTP status. */
static int group_say(int64_t user, const char *text, int64_t reply_to)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":-500,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"supergroup\""
             ",\"reply_to_message_id\":%lld}",
             (long long)user, text, (long long)(reply_to > 0 ? reply_to : 0));
    if (reply_to <= 0)
        snprintf(body, sizeof body,
                 "{\"chat_id\":-500,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"supergroup\"}",
                 (long long)user, text);
    return bh_emu_post(&emu, "/control/message", body, NULL);
}

START_TEST(moderator_example)
{
    char *t, *st;
    int64_t until = 0, before, now;

    start_example("moderator");
    ck_assert_int_eq(group_say(1, "welcome to my group", 0), 200);    /* 1: the creator */
    before = (int64_t)time(NULL);
    ck_assert_int_eq(group_say(2, "cheap SPAM, buy now!", 0), 200);   /* 2 */
    t = last_sent(-500, 1, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 2 was muted for 60 seconds: no spam or scams here.");
    free(t);
    /* Deleted, and its sender muted for 60 seconds. */
    ck_assert_int_eq(bh_emu_call(&emu, "forwardMessage",
                                 "{\"chat_id\":-500,\"from_chat_id\":-500,\"message_id\":2}", NULL),
                     400);
    now = (int64_t)time(NULL);
    st = member(-500, 2, &until);
    ck_assert_str_eq(st, "restricted");
    free(st);
    /* muted at some moment between the spam and now, for 60 seconds
     * (bounds from both sides, however slow the machine was meanwhile) */
    ck_assert_int_ge(until, before + 60);
    ck_assert_int_le(until, now + 60);
    ck_assert_int_eq(group_say(2, "let me talk", 0), 403);

    ck_assert_int_eq(group_say(3, "Is this a ScAm?", 0), 200);        /* 4 (3 is the notice) */
    t = last_sent(-500, 2, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 3 was muted for 60 seconds: no spam or scams here.");
    free(t);
    /* A word that only contains one is no spam. */
    ck_assert_int_eq(group_say(4, "I like scampi", 0), 200);      /* 6 */
    /* /ban from someone who is no administrator, as a reply to 6. */
    ck_assert_int_eq(group_say(4, "/ban", 6), 200);
    t = last_sent(-500, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Only administrators can do that");
    free(t);
    st = member(-500, 4, NULL);
    ck_assert_str_eq(st, "member");  /* "scampi" muted nobody */
    free(st);
    /* /ban from the creator, as a reply to 6: its sender is banned. */
    ck_assert_int_eq(group_say(1, "/ban", 6), 200);
    t = last_sent(-500, 4, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 4 was banned.");
    free(t);
    st = member(-500, 4, NULL);
    ck_assert_str_eq(st, "kicked");
    free(st);
    ck_assert_int_eq(group_say(4, "hello?", 0), 403);
    /* An administrator made by the control API may ban too. */
    control("/control/member", "{\"chat_id\":-500,\"user_id\":9,\"status\":\"administrator\"}");
    ck_assert_int_eq(group_say(5, "hi", 0), 200);                     /* 11 */
    ck_assert_int_eq(group_say(9, "/ban", 11), 200);
    t = last_sent(-500, 5, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 5 was banned.");
    free(t);
    /* The bot's own message (13, that notice) names no one to ban. */
    ck_assert_int_eq(group_say(1, "/ban", 13), 200);
    t = last_sent(-500, 6, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "I will not ban myself.");
    free(t);
    stop_example();
}
END_TEST

/* The n-th message (1-based) the bot sent to chat, waiting up to 30 s. */
static void expect_sent(int64_t chat, int n, const char *want)
{
    char *t = last_sent(chat, n, 30000);
    ck_assert_msg(t != NULL, "chat %lld: no message %d (%s)", (long long)chat, n, want);
    ck_assert_str_eq(t, want);
    free(t);
}

/* Two users sign up in one group at once, on 4 workers; the bot stops and
 * starts again on the same file: store half-way, and both go on. */
START_TEST(signup_two_users_and_a_restart)
{
    setenv("SIGNUP_TIMEOUT", "600", 1);
    start_example("signup");
    say(-500, 11, "/signup", "group");
    say(-500, 12, "/signup", "group");
    expect_sent(-500, 1, "What is your name?");
    expect_sent(-500, 2, "What is your name?");
    say(-500, 12, "Bob", "group");
    say(-500, 11, "Ada", "group");
    expect_sent(-500, 3, "How old are you?");
    expect_sent(-500, 4, "How old are you?");
    say(-500, 11, "old", "group");
    expect_sent(-500, 5, "Please send your age as a number");
    expect_sent(-500, 6, "How old are you?");
    stop_example();
    start_example("signup");
    say(-500, 11, "30", "group");
    expect_sent(-500, 7, "Thanks Ada, you are 30.");
    say(-500, 12, "/cancel", "group");
    expect_sent(-500, 8, "Sign-up cancelled.");
    /* over for both: /cancel is no conversation's now */
    say(-500, 12, "41", "group");
    say(-500, 12, "/signup", "group");
    expect_sent(-500, 9, "What is your name?");
    stop_example();
    unsetenv("SIGNUP_TIMEOUT");
}
END_TEST

/* Unanswered, a sign-up times out though the user never writes again; one
 * finished in time does not. The timeout leaves each step of chat 22 five
 * seconds (its answers wait for the flood limits, 1 a second per chat, and
 * a loaded machine is slow); no fixed sleep: a sign-up started after chat
 * 22's ended times out later than chat 22's would have, so once it has,
 * the sweep has been past chat 22's deadline. */
START_TEST(signup_times_out)
{
    setenv("SIGNUP_TIMEOUT", "5", 1);
    start_example("signup");
    say(21, 21, "/signup", "private");
    say(22, 22, "/signup", "private");
    expect_sent(22, 1, "What is your name?");
    say(22, 22, "Eve", "private");
    say(22, 22, "5", "private");
    expect_sent(22, 3, "Thanks Eve, you are 5.");
    expect_sent(21, 1, "What is your name?");
    expect_sent(21, 2, "Sign-up timed out.");
    say(23, 23, "/signup", "private");
    expect_sent(23, 1, "What is your name?");
    expect_sent(23, 2, "Sign-up timed out.");
    /* nothing more in chat 22 */
    char *t = last_sent(22, 4, 1000);
    ck_assert_ptr_null(t);
    stop_example();
    unsetenv("SIGNUP_TIMEOUT");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, counter_counts_2000_messages_in_50_chats);
    tcase_add_test(tc, locks_example);
    tcase_add_test(tc, component_memory_is_isolated);
    tcase_add_test(tc, every_message_answered_despite_faults);
    tcase_add_test(tc, members_example);
    tcase_add_test(tc, media_example);
    tcase_add_test(tc, counter_keeps_within_flood_limits);
    tcase_add_test(tc, moderator_example);
    tcase_add_test(tc, signup_two_users_and_a_restart);
    tcase_add_test(tc, signup_times_out);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
