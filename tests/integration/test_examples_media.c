/*
 * The media and moderator examples, run for real against the emulator with
 * 4 workers (the fixture: tests/common/examples_fixture.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bothive/bothive.h"
#include "examples_fixture.h"
#include "testutil.h"

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
        ck_assert_int_eq(bh_emu_get(&bh_ex_emu, path, &resp), 200);
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
    ck_assert_int_eq(bh_client_new(&cl, BH_EX_TOKEN, bh_ex_emu.url, NULL), BH_OK);
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

    bh_ex_start("media");
    /* /photo: an upload of the shipped image. */
    bh_ex_say(5, 5, "/photo", "private");
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
    bh_ex_control("/control/media", body);
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
    bh_ex_say(7, 7, "/album", "private");
    list = sent_list(7, 3);
    ck_assert_uint_eq(json_object_array_length(list), 3);
    ck_assert_ptr_nonnull(field(list, "0.media_group_id"));
    ck_assert_str_eq(field(list, "0.media_group_id"), field(list, "2.media_group_id"));
    assert_asset(field(list, "0.media.photo.0.file_id"), "cell-1.png");
    assert_asset(field(list, "1.media.photo.0.file_id"), "cell-2.png");
    assert_asset(field(list, "2.media.photo.0.file_id"), "cell-3.png");
    json_object_put(list);
    bh_ex_stop();
}
END_TEST

/* getChatMember's status of user in chat (malloc'd), and its until_date. */
static char *member(int64_t chat, int64_t user, int64_t *until)
{
    char body[96], *resp = NULL, *st;
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":%lld}", (long long)chat, (long long)user);
    ck_assert_int_eq(bh_emu_call(&bh_ex_emu, "getChatMember", body, &resp), 200);
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
    return bh_emu_post(&bh_ex_emu, "/control/message", body, NULL);
}

START_TEST(moderator_example)
{
    char *t, *st;
    int64_t until = 0, before, now;

    bh_ex_start("moderator");
    ck_assert_int_eq(group_say(1, "welcome to my group", 0), 200);    /* 1: the creator */
    before = (int64_t)time(NULL);
    ck_assert_int_eq(group_say(2, "cheap SPAM, buy now!", 0), 200);   /* 2 */
    t = bh_ex_last_sent(-500, 1, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 2 was muted for 60 seconds: no spam or scams here.");
    free(t);
    /* Deleted, and its sender muted for 60 seconds. */
    ck_assert_int_eq(bh_emu_call(&bh_ex_emu, "forwardMessage",
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
    t = bh_ex_last_sent(-500, 2, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 3 was muted for 60 seconds: no spam or scams here.");
    free(t);
    /* A word that only contains one is no spam. */
    ck_assert_int_eq(group_say(4, "I like scampi", 0), 200);      /* 6 */
    /* /ban from someone who is no administrator, as a reply to 6. */
    ck_assert_int_eq(group_say(4, "/ban", 6), 200);
    t = bh_ex_last_sent(-500, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Only administrators can do that");
    free(t);
    st = member(-500, 4, NULL);
    ck_assert_str_eq(st, "member");  /* "scampi" muted nobody */
    free(st);
    /* /ban from the creator, as a reply to 6: its sender is banned. */
    ck_assert_int_eq(group_say(1, "/ban", 6), 200);
    t = bh_ex_last_sent(-500, 4, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 4 was banned.");
    free(t);
    st = member(-500, 4, NULL);
    ck_assert_str_eq(st, "kicked");
    free(st);
    ck_assert_int_eq(group_say(4, "hello?", 0), 403);
    /* An administrator made by the control API may ban too. */
    bh_ex_control("/control/member", "{\"chat_id\":-500,\"user_id\":9,\"status\":\"administrator\"}");
    ck_assert_int_eq(group_say(5, "hi", 0), 200);                     /* 11 */
    ck_assert_int_eq(group_say(9, "/ban", 11), 200);
    t = bh_ex_last_sent(-500, 5, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "User 5 was banned.");
    free(t);
    /* The bot's own message (13, that notice) names no one to ban. */
    ck_assert_int_eq(group_say(1, "/ban", 13), 200);
    t = bh_ex_last_sent(-500, 6, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "I will not ban myself.");
    free(t);
    bh_ex_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("examples_media");
    TCase *tc = tcase_create("examples_media");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, bh_ex_setup, bh_ex_teardown);
    tcase_add_test(tc, media_example);
    tcase_add_test(tc, moderator_example);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
