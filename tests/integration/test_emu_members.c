/*
 * The emulator's world reacting to what the bot does and what users do,
 * against a real emulator process: files users send through the control
 * API are served back byte for byte by getFile and the file URL; bans,
 * restrictions and promotions change what users may do and what
 * getChatMember and getChatAdministrators answer; and --flood (or
 * /control/flood) refuses sends beyond Telegram's limits with 429 and
 * retry_after. Limits that a test relies on are set so low (a few sends a
 * minute) that no machine is slow enough to miss them.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "31339:members"

static bh_emu_proc emu;
static bh_client *cl;

static void setup(void)
{
    bh_client_options o = {.max_retries = BH_TG_NO_RETRY};
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_client_new(&cl, TOKEN, emu.url, &o), BH_OK);
}

static void teardown(void)
{
    bh_client_free(cl);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

/* POSTs json to path; the HTTP status, and the description in desc. */
static int post(const char *path, const char *json, char *desc, size_t n)
{
    char *resp = NULL, *d;
    int st = bh_emu_post(&emu, path, json, &resp);
    if (desc) {
        d = resp ? bh_emu_json_str(resp, "description") : NULL;
        snprintf(desc, n, "%s", d ? d : "");
        free(d);
    }
    free(resp);
    return st;
}

static void say(int64_t chat, int64_t user, const char *text, int want)
{
    char body[256], desc[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"supergroup\"}",
             (long long)chat, (long long)user, text);
    ck_assert_int_eq(post("/control/message", body, desc, sizeof desc), want);
}

/* The newest update's JSON (malloc'd), the queue confirmed up to it. */
static char *last_update(void)
{
    char *resp = NULL, *u = NULL;
    int64_t n = 0, id;
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", "{\"timeout\":0}", &resp), 200);
    json_object *o = json_tokener_parse(resp), *res = json_object_object_get(o, "result");
    n = (int64_t)json_object_array_length(res);
    ck_assert_int_gt(n, 0);
    u = strdup(json_object_to_json_string_ext(json_object_array_get_idx(res, n - 1),
                                              JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    ck_assert_int_eq(bh_emu_json_int(u, "update_id", &id), 0);
    json_object_put(o);
    free(resp);
    char body[64];
    snprintf(body, sizeof body, "{\"offset\":%lld,\"timeout\":0}", (long long)id + 1);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, NULL), 200);
    return u;
}

/* getFile of file_id and a download of its bytes through the client. */
static void download(const char *file_id, char **data, size_t *len)
{
    bh_file_info fi;
    ck_assert_int_eq(bh_client_get_file(cl, file_id, &fi), BH_OK);
    ck_assert_str_ne(fi.file_path, "");
    ck_assert_int_eq(bh_client_download_buffer(cl, fi.file_path, 0, data, len), BH_OK);
    ck_assert_int_eq(fi.file_size, (int64_t)*len);
}

START_TEST(files_users_send_are_served_byte_for_byte)
{
    /* Bytes with a NUL, a high byte and no trailing newline: base64 */
    static const unsigned char bin[] = {0x89, 'P', 'N', 'G', 0, 0xff, 0x10, 'x'};
    char *u, *id, *data = NULL;
    size_t len = 0;

    ck_assert_int_eq(post("/control/media",
                          "{\"chat_id\":7,\"kind\":\"document\",\"file_name\":\"a.bin\","
                          "\"data_base64\":\"iVBORwD/EHg=\",\"caption\":\"/save it\"}",
                          NULL, 0),
                     200);
    u = last_update();
    ck_assert_ptr_nonnull(strstr(u, "\"file_name\":\"a.bin\""));
    ck_assert_ptr_nonnull(strstr(u, "\"caption\":\"/save it\""));
    ck_assert_ptr_nonnull(strstr(u, "\"caption_entities\""));
    id = bh_emu_json_str(u, "message.document.file_id");
    ck_assert_ptr_nonnull(id);
    download(id, &data, &len);
    ck_assert_uint_eq(len, sizeof bin);
    ck_assert_int_eq(memcmp(data, bin, len), 0);
    /* The bot may send the same file_id back. */
    char body[160];
    snprintf(body, sizeof body, "{\"chat_id\":7,\"document\":\"%s\"}", id);
    ck_assert_int_eq(bh_emu_call(&emu, "sendDocument", body, NULL), 200);
    free(data);
    free(id);
    free(u);

    /* A photo given as text bytes. */
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":7,\"kind\":\"photo\",\"data\":\"not really a jpeg\"}",
                          NULL, 0),
                     200);
    u = last_update();
    id = bh_emu_json_str(u, "message.photo.0.file_id");
    ck_assert_ptr_nonnull(id);
    download(id, &data, &len);
    ck_assert_uint_eq(len, strlen("not really a jpeg"));
    ck_assert_int_eq(memcmp(data, "not really a jpeg", len), 0);
    free(data);
    free(id);
    free(u);

    /* Bad bytes are a 400, not a file. */
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":7,\"kind\":\"photo\",\"data_base64\":\"abc\"}",
                          NULL, 0),
                     400);
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":7,\"kind\":\"photo\",\"data\":12}", NULL, 0),
                     400);
}
END_TEST

/* getChatMember's status of user in chat, into st. */
static void member_status(int64_t chat, int64_t user, char *st, size_t n)
{
    bh_chat_member cm;
    ck_assert_int_eq(bh_client_get_chat_member(cl, chat, user, &cm), BH_OK);
    snprintf(st, n, "%s", cm.status);
    bh_chat_member_clear(&cm);
}

START_TEST(bans_and_restrictions_change_what_users_may_do)
{
    const int64_t g = -4242;
    bh_chat_permissions none = {0}, media = {.can_send_messages = 1, .can_send_documents = 1};
    char st[32], desc[256];

    say(g, 1, "I made this group", 200);  /* the first writer is the creator */
    say(g, 2, "hello", 200);
    say(g, 3, "hi", 200);
    member_status(g, 1, st, sizeof st);
    ck_assert_str_eq(st, "creator");

    /* A ban: the user's messages are refused until unbanned. */
    ck_assert_int_eq(bh_client_ban_chat_member(cl, g, 2, 0, 0), BH_OK);
    member_status(g, 2, st, sizeof st);
    ck_assert_str_eq(st, "kicked");
    say(g, 2, "let me in", 403);
    ck_assert_int_eq(post("/control/message",
                          "{\"chat_id\":-4242,\"user_id\":2,\"text\":\"x\",\"chat_type\":\"supergroup\"}",
                          desc, sizeof desc),
                     403);
    ck_assert_str_eq(desc, "Forbidden: the user is banned from this chat");
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":-4242,\"user_id\":2,\"kind\":\"photo\",\"data\":\"x\"}",
                          NULL, 0),
                     403);
    say(g, 3, "others still write", 200);
    /* In a supergroup a ban deletes the user's messages (2 was theirs). */
    ck_assert_int_eq(bh_emu_call(&emu, "forwardMessage", "{\"chat_id\":-4242,\"from_chat_id\":-4242,\"message_id\":2}",
                                 NULL),
                     400);
    ck_assert_int_eq(bh_emu_call(&emu, "forwardMessage", "{\"chat_id\":-4242,\"from_chat_id\":-4242,\"message_id\":3}",
                                 NULL),
                     200);
    ck_assert_int_eq(bh_client_unban_chat_member(cl, g, 2, 1), BH_OK);
    say(g, 2, "back", 200);

    /* A restriction: nothing at all, then text and documents but no photos. */
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, g, 3, &none, 0), BH_OK);
    say(g, 3, "muted?", 403);
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, g, 3, &media, 0), BH_OK);
    say(g, 3, "text again", 200);
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":-4242,\"user_id\":3,\"kind\":\"document\",\"data\":\"d\"}",
                          NULL, 0),
                     200);
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":-4242,\"user_id\":3,\"kind\":\"photo\",\"data\":\"p\"}",
                          desc, sizeof desc),
                     403);
    ck_assert_ptr_nonnull(strstr(desc, "restricted"));

    /* A restriction whose until_date has passed is lifted by itself. */
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, g, 3, &none, 1000), BH_OK);
    say(g, 3, "free again", 200);
    member_status(g, 3, st, sizeof st);
    ck_assert_str_eq(st, "member");

    /* The owner cannot be banned; private chats have no members to ban. */
    ck_assert_int_eq(bh_client_ban_chat_member(cl, g, 1, 0, 0), BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description, "Bad Request: can't remove chat owner");
    /* In a private chat nobody is ever refused. */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 5, 5, "private") > 0, 1);
}
END_TEST

START_TEST(promotions_make_administrators)
{
    const int64_t g = -4343;
    bh_admin_rights rights = {.can_delete_messages = 1, .can_restrict_members = 1};
    bh_admin_rights none = {0};
    bh_chat_member *admins = NULL;
    size_t n = 0;
    char st[32];

    say(g, 1, "owner", 200);
    say(g, 2, "user", 200);
    ck_assert_int_eq(bh_client_promote_chat_member(cl, g, 2, &rights), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_administrators(cl, g, &admins, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(admins[0].status, "creator");
    ck_assert_int_eq(admins[0].user_id, 1);
    ck_assert_str_eq(admins[1].status, "administrator");
    ck_assert_int_eq(admins[1].user_id, 2);
    ck_assert(json_object_get_boolean(json_object_object_get(admins[1].json, "can_restrict_members")));
    ck_assert_int_eq(admins[2].user_id, 31339);  /* the bot */
    bh_chat_members_free(admins, n);
    /* An administrator made by a user (the control API) counts too. */
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-4343,\"user_id\":9,\"status\":\"administrator\"}",
                          NULL, 0),
                     200);
    member_status(g, 9, st, sizeof st);
    ck_assert_str_eq(st, "administrator");
    ck_assert_int_eq(bh_client_get_chat_administrators(cl, g, &admins, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
    bh_chat_members_free(admins, n);
    /* The bot may restrict only the administrators it promoted. */
    ck_assert_int_eq(bh_client_ban_chat_member(cl, g, 9, 0, 0), BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description,
                     "Bad Request: user is an administrator of the chat");
    /* Demoted, a member again. */
    ck_assert_int_eq(bh_client_promote_chat_member(cl, g, 2, &none), BH_OK);
    member_status(g, 2, st, sizeof st);
    ck_assert_str_eq(st, "member");
    ck_assert_int_eq(bh_client_get_chat_administrators(cl, g, &admins, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
    bh_chat_members_free(admins, n);
    /* A member who left (the control API) is refused nothing, but a ban
     * made by a user's report is kept too. */
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-4343,\"user_id\":2,\"status\":\"kicked\"}", NULL, 0),
                     200);
    say(g, 2, "still here?", 403);
    /* A status the Bot API does not have is a 400, not a member record. */
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-4343,\"user_id\":3,\"status\":\"banned\"}", NULL, 0),
                     400);
    ck_assert_int_eq(post("/control/member",
                          "{\"chat_id\":-4343,\"user_id\":3,\"status\":\"left\",\"old_status\":\"x\"}", NULL,
                          0),
                     400);
}
END_TEST

/* A raw sendMessage to chat: its HTTP status, and retry_after of a 429. */
static int send_raw(int64_t chat, int *retry_after)
{
    char body[96], *resp = NULL;
    int64_t ra = 0;
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"text\":\"flood\"}", (long long)chat);
    int st = bh_emu_call(&emu, "sendMessage", body, &resp);
    if (retry_after) {
        *retry_after = 0;
        if (resp && bh_emu_json_int(resp, "parameters.retry_after", &ra) == 0)
            *retry_after = (int)ra;
    }
    free(resp);
    return st;
}

START_TEST(flood_limits_answer_429_with_retry_after)
{
    int ra = 0;
    int64_t n429 = 0;
    char *resp = NULL;

    for (int64_t chat = 1; chat <= 4; chat++)
        bh_emu_send_user_message(&emu, chat, chat, "hi");
    say(-50, 1, "group", 200);
    /* Off by default: any number of sends go. */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(send_raw(1, NULL), 200);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/flood", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"enabled\":false"));
    ck_assert_ptr_nonnull(strstr(resp, "\"global_per_sec\":30"));
    free(resp);

    /* One chat: a burst of 2, then one a minute. */
    ck_assert_int_eq(post("/control/flood", "{\"enabled\":true,\"chat_per_sec\":0.0166667,\"chat_burst\":2}",
                          NULL, 0),
                     200);
    ck_assert_int_eq(send_raw(1, NULL), 200);
    ck_assert_int_eq(send_raw(1, NULL), 200);
    ck_assert_int_eq(send_raw(1, &ra), 429);
    ck_assert_int_ge(ra, 30);
    ck_assert_int_le(ra, 60);
    ck_assert_int_eq(send_raw(2, NULL), 200);  /* another chat is not held back */
    /* The refused send was not stored. */
    ck_assert_int_eq(bh_emu_stat(&emu, "flood_429", &n429), 0);
    ck_assert_int_eq(n429, 1);

    /* Every chat together: 3 at once, then one a minute. */
    ck_assert_int_eq(post("/control/flood", "{\"chat_per_sec\":1,\"chat_burst\":4,"
                                            "\"global_per_sec\":0.0166667,\"global_burst\":3}",
                          NULL, 0),
                     200);
    ck_assert_int_eq(send_raw(1, NULL), 200);
    ck_assert_int_eq(send_raw(2, NULL), 200);
    ck_assert_int_eq(send_raw(3, NULL), 200);
    ck_assert_int_eq(send_raw(4, &ra), 429);
    ck_assert_int_ge(ra, 30);
    /* Not a send: never limited. */
    ck_assert_int_eq(bh_emu_call(&emu, "getMe", NULL, NULL), 200);
    ck_assert_int_eq(bh_emu_call(&emu, "sendChatAction", "{\"chat_id\":4,\"action\":\"typing\"}", NULL), 200);

    /* A group: 20 a minute by default, here 2 at once then one a minute. */
    ck_assert_int_eq(post("/control/flood", "{\"global_per_sec\":30,\"global_burst\":10,"
                                            "\"group_per_min\":1,\"group_burst\":2}",
                          NULL, 0),
                     200);
    ck_assert_int_eq(send_raw(-50, NULL), 200);
    ck_assert_int_eq(send_raw(-50, NULL), 200);
    ck_assert_int_eq(send_raw(-50, &ra), 429);
    ck_assert_int_ge(ra, 30);
    ck_assert_int_eq(send_raw(1, NULL), 200);  /* a private chat is not a group */

    /* Bad limits are 400s; disabled again, everything goes. */
    ck_assert_int_eq(post("/control/flood", "{\"chat_burst\":0}", NULL, 0), 400);
    ck_assert_int_eq(post("/control/flood", "{\"global_per_sec\":\"fast\"}", NULL, 0), 400);
    ck_assert_int_eq(post("/control/flood", "{\"enabled\":1}", NULL, 0), 400);
    ck_assert_int_eq(post("/control/flood", "{\"enabled\":false}", NULL, 0), 200);
    ck_assert_int_eq(send_raw(-50, NULL), 200);
    ck_assert_int_eq(bh_emu_stat(&emu, "flood_429", &n429), 0);
    ck_assert_int_eq(n429, 3);
}
END_TEST

/* --flood on the command line: Telegram's limits from the start. One
 * private chat allows a burst of 4, then one a second: of 50 sends in a
 * row a 429 comes (unless the 50 took over 45 s), with retry_after 1. */
START_TEST(flood_flag_enforces_telegrams_limits)
{
    static const char *const flood[] = {"--flood", NULL};
    bh_emu_proc fe;
    char *resp = NULL;
    int ok = 0, refused = 0, ra = 0;
    int64_t stat = 0;

    ck_assert_int_eq(bh_emu_start_args(&fe, TOKEN, flood), 0);
    ck_assert_int_eq(bh_emu_get(&fe, "/control/flood", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"enabled\":true"));
    free(resp);
    ck_assert_int_gt(bh_emu_send_user_message(&fe, 8, 8, "hi"), 0);
    for (int i = 0; i < 50 && !refused; i++) {
        int st = bh_emu_call(&fe, "sendMessage", "{\"chat_id\":8,\"text\":\"x\"}", &resp);
        if (st == 429) {
            int64_t v = 0;
            ck_assert_int_eq(bh_emu_json_int(resp, "parameters.retry_after", &v), 0);
            ra = (int)v;
            refused = 1;
        } else {
            ck_assert_int_eq(st, 200);
            ok++;
        }
        free(resp);
    }
    ck_assert_int_eq(refused, 1);
    ck_assert_int_ge(ok, 4);
    ck_assert_int_eq(ra, 1);
    /* A reset empties the buckets but keeps --flood. */
    ck_assert_int_eq(bh_emu_post(&fe, "/control/reset", NULL, NULL), 200);
    ck_assert_int_eq(bh_emu_get(&fe, "/control/flood", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"enabled\":true"));
    free(resp);
    ck_assert_int_eq(bh_emu_stat(&fe, "flood_429", &stat), 0);
    ck_assert_int_eq(stat, 0);
    ck_assert_int_eq(bh_emu_stop(&fe), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_members");
    TCase *tc = tcase_create("members");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, files_users_send_are_served_byte_for_byte);
    tcase_add_test(tc, bans_and_restrictions_change_what_users_may_do);
    tcase_add_test(tc, promotions_make_administrators);
    tcase_add_test(tc, flood_limits_answer_429_with_retry_after);
    tcase_add_test(tc, flood_flag_enforces_telegrams_limits);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
