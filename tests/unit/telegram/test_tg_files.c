/*
 * Files up and down, the parameter builder and the limiter, against the
 * real emulator over loopback: uploads from a path, from memory, by
 * file_id and by URL (multipart when a file is present), albums with
 * attach://, getFile and downloads that give back exactly the bytes sent,
 * and each error: too big, unreadable path, a failed download that leaves
 * nothing, Telegram's 400 texts, the token in no error.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/telegram.h"
#include "emu_proc.h"
#include "httpstub.h"
#include "testutil.h"
#include "tg_fixture.h"

#define TOKEN "4343:FILESsecretTOKEN"
#define USER 77

static bh_emu_proc emu;
static bh_client *cl;
static char *dir;

/* The common fixture, and a fresh folder of the case's files. mkdtemp: a
 * folder some earlier run left behind under the same pid is not an error. */
static void setup(void)
{
    char *base = bh_test_tmppath("files");
    bh_tgfx_setup();
    ck_assert_int_ge(asprintf(&dir, "%s-XXXXXX", base), 0);
    free(base);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* The number of entries in dir, . and .. aside. */
static int dir_entries(const char *d)
{
    DIR *dp = opendir(d);
    struct dirent *de;
    int n = 0;
    ck_assert_ptr_nonnull(dp);
    while ((de = readdir(dp)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(dp);
    return n;
}

static void teardown(void)
{
    char cmd[512];
    bh_tgfx_teardown();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(dir);
}

/* n pseudo-random bytes (malloc'd), so a byte lost or changed shows. */
static char *bytes(size_t n, unsigned seed)
{
    char *b = malloc(n);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        b[i] = (char)(seed >> 16);
    }
    return b;
}

/* Writes n bytes to a new file in dir; returns its path (malloc'd). */
static char *write_file(const char *name, const char *data, size_t n)
{
    char *path;
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

/* A sparse file of n bytes (for the limits: no disk is spent). */
static char *sparse_file(const char *name, off_t n)
{
    char *path;
    ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, n), 0);
    close(fd);
    return path;
}

/* The file_id of a sent message's photo (largest size) or document. */
static const char *sent_file_id(const bh_message *m)
{
    json_object *v, *f;
    if (json_object_object_get_ex(m->json, "photo", &v))
        f = json_object_array_get_idx(v, json_object_array_length(v) - 1);
    else
        ck_assert(json_object_object_get_ex(m->json, "document", &f));
    return json_object_get_string(json_object_object_get(f, "file_id"));
}

/* Downloads file_id to a buffer and checks it holds exactly want. */
static void assert_file_is(const char *file_id, const char *want, size_t n)
{
    bh_file_info fi;
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(bh_client_get_file(cl, file_id, &fi), BH_OK);
    ck_assert_str_eq(fi.file_id, file_id);
    ck_assert_int_eq(fi.file_size, (int64_t)n);
    ck_assert_int_eq(bh_client_download_buffer(cl, fi.file_path, 0, &data, &len), BH_OK);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(data, want, n) == 0);
    free(data);
}

START_TEST(photo_from_path_comes_back_identical)
{
    size_t n = 300 * 1024 + 7;
    char *data = bytes(n, 1), *path = write_file("cat.jpg", data, n), *dest;
    bh_input_file f = bh_file_path(path);
    bh_message *m = NULL;
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, "a cat", NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(m->json, "caption")), "a cat");
    assert_file_is(sent_file_id(m), data, n);

    /* to disk: the same bytes, and nothing else left in the folder */
    ck_assert_int_ge(asprintf(&dest, "%s/copy.jpg", dir), 0);
    ck_assert_int_eq(bh_client_download_file(cl, sent_file_id(m), dest, 0), BH_OK);
    char *back = NULL;
    size_t len = 0;
    ck_assert_int_eq(bh_client_download_buffer(cl, dest, 0, &back, &len), BH_OK); /* local path */
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(back, data, n) == 0);
    ck_assert_int_eq(dir_entries(dir), 2);
    free(back);
    free(dest);
    bh_message_free(m);
    free(path);
    free(data);
}
END_TEST

START_TEST(document_from_memory_file_id_and_url)
{
    const char text[] = "line one\nline two\0with a NUL";
    bh_input_file f = bh_file_memory(text, sizeof text, "notes.txt");
    bh_message *m = NULL, *again = NULL;
    ck_assert_int_eq(bh_client_send_document(cl, USER, &f, NULL, NULL, &m), BH_OK);
    json_object *doc = json_object_object_get(m->json, "document");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(doc, "file_name")), "notes.txt");
    assert_file_is(sent_file_id(m), text, sizeof text);

    /* sent again by file_id: the same file */
    bh_input_file byid = bh_file_id(sent_file_id(m));
    ck_assert_int_eq(bh_client_send_document(cl, USER, &byid, "again", NULL, &again), BH_OK);
    ck_assert_str_eq(sent_file_id(again), sent_file_id(m));
    bh_message_free(again);

    bh_input_file url = bh_file_url("https://example.org/cat.jpg");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &url, NULL, NULL, NULL), BH_OK);

    bh_input_file bad = bh_file_id("no-such-file");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &bad, NULL, NULL, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 400);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: wrong file identifier/HTTP URL specified");
    ck_assert_int_eq(bh_client_get_file(cl, "no-such-file", &(bh_file_info){0}), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: invalid file_id");
    bh_message_free(m);
}
END_TEST

START_TEST(limits_are_checked_before_sending)
{
    char *photo = sparse_file("big.jpg", (off_t)BH_PHOTO_MAX + 1);
    char *doc = sparse_file("big.bin", (off_t)BH_UPLOAD_MAX + 1);
    bh_input_file f = bh_file_path(photo);
    int64_t before = 0, after = 0;
    ck_assert_int_eq(bh_emu_stat(&emu, "requests", &before), 0);

    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, NULL, NULL, NULL), BH_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "10 MB"));
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), photo));
    /* the same file is a fine document */
    f = bh_file_path(doc);
    ck_assert_int_eq(bh_client_send_document(cl, USER, &f, NULL, NULL, NULL), BH_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "50 MB"));
    char *mem = calloc(1, (size_t)BH_PHOTO_MAX + 1);
    f = bh_file_memory(mem, (size_t)BH_PHOTO_MAX + 1, "big.jpg");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, NULL, NULL, NULL), BH_ETOOBIG);
    free(mem);

    ck_assert_int_eq(bh_emu_stat(&emu, "requests", &after), 0);
    ck_assert_int_eq(after, before); /* nothing reached the server */
    free(photo);
    free(doc);
}
END_TEST

START_TEST(unreadable_path_is_named)
{
    char *path;
    ck_assert_int_ge(asprintf(&path, "%s/missing.png", dir), 0);
    bh_input_file f = bh_file_path(path);
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, NULL, NULL, NULL), BH_EIO);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), path));
    f = bh_file_path(dir); /* a folder is not a file */
    ck_assert_int_eq(bh_client_send_document(cl, USER, &f, NULL, NULL, NULL), BH_EIO);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), dir));
    free(path);
}
END_TEST

START_TEST(failed_download_leaves_nothing)
{
    char *dest, *data = bytes(5000, 3), *back = NULL;
    size_t len = 9;
    bh_input_file f = bh_file_memory(data, 5000, "d.bin");
    bh_message *m = NULL;
    bh_file_info fi;
    ck_assert_int_ge(asprintf(&dest, "%s/out.bin", dir), 0);

    ck_assert_int_eq(bh_client_download(cl, "documents/nope.bin", dest, 0), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 404);
    ck_assert_ptr_null(strstr(bh_tgfx_desc(), TOKEN));
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "documents/nope.bin"));
    ck_assert_int_eq(dir_entries(dir), 0);

    /* above the cap: refused mid-way, nothing left either */
    ck_assert_int_eq(bh_client_send_document(cl, USER, &f, NULL, NULL, &m), BH_OK);
    ck_assert_int_eq(bh_client_get_file(cl, sent_file_id(m), &fi), BH_OK);
    ck_assert_int_eq(bh_client_download(cl, fi.file_path, dest, 1000), BH_ETOOBIG);
    ck_assert_int_eq(dir_entries(dir), 0);
    ck_assert_int_eq(bh_client_download_buffer(cl, fi.file_path, 1000, &back, &len), BH_ETOOBIG);
    ck_assert_ptr_null(back);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(bh_client_download_file(cl, sent_file_id(m), dest, 1000), BH_ETOOBIG);
    ck_assert_int_eq(dir_entries(dir), 0);

    /* then a good one, and the client still makes JSON calls after downloads */
    ck_assert_int_eq(bh_client_download(cl, fi.file_path, dest, 0), BH_OK);
    ck_assert_int_eq(dir_entries(dir), 1);
    ck_assert_int_eq(bh_client_send_message(cl, USER, "still works", NULL, NULL), BH_OK);
    bh_message_free(m);
    free(dest);
    free(data);
}
END_TEST

START_TEST(album_with_attach_references)
{
    size_t n = 2000;
    char *a = bytes(n, 5), *b = bytes(n, 6), *pa = write_file("a.png", a, n);
    bh_message *first = NULL, **msgs = NULL;
    size_t count = 0;
    bh_input_file fb = bh_file_memory(b, n, "b.png");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &fb, NULL, NULL, &first), BH_OK);
    bh_input_media media[3] = {
        {.type = "photo", .file = bh_file_path(pa), .caption = "one"},
        {.type = "document", .file = bh_file_memory(b, n, "b.bin")},
        {.type = "photo", .file = bh_file_id(sent_file_id(first))},
    };
    ck_assert_int_eq(bh_client_send_media_group(cl, USER, media, 3, NULL, &msgs, &count), BH_OK);
    ck_assert_uint_eq(count, 3);
    const char *group = json_object_get_string(json_object_object_get(msgs[0]->json, "media_group_id"));
    ck_assert_ptr_nonnull(group);
    for (size_t i = 1; i < 3; i++)
        ck_assert_str_eq(json_object_get_string(json_object_object_get(msgs[i]->json, "media_group_id")), group);
    assert_file_is(sent_file_id(msgs[0]), a, n);
    assert_file_is(sent_file_id(msgs[1]), b, n);
    ck_assert_str_eq(sent_file_id(msgs[2]), sent_file_id(first));
    bh_messages_free(msgs, count);

    ck_assert_int_eq(bh_client_send_media_group(cl, USER, media, 1, NULL, NULL, NULL), BH_EINVAL);
    bh_message_free(first);
    free(pa);
    free(a);
    free(b);
}
END_TEST

START_TEST(builder_and_telegram_errors)
{
    bh_params *p = NULL;
    bh_keyboard *k = NULL;
    json_object *res = NULL, *v;
    char caption[1100];

    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "Yes", "yes"), BH_OK);
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_int(p, "chat_id", USER);
    bh_params_str(p, "text", "built \"quoted\" \\ text");
    bh_params_bool(p, "disable_notification", 1);
    bh_params_keyboard(p, k);
    ck_assert_int_eq(bh_params_json_text(p, "reply_parameters", "{\"message_id\":1}"), BH_OK);
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, &res), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(res, "text")), "built \"quoted\" \\ text");
    ck_assert(json_object_object_get_ex(res, "reply_markup", &v));
    ck_assert(json_object_object_get_ex(res, "reply_to_message", &v));
    json_object_put(res);
    bh_params_free(p);
    bh_keyboard_free(k);

    /* The builder's checks from the method table: nothing is sent */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_str(p, "text", "no chat");
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "sendMessage: the required parameter chat_id is missing");
    bh_params_str(p, "chat_id", "");
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "sendMessage: parameter chat_id must be an Integer or a String (@username)");
    bh_params_int(p, "chat_id", USER);
    bh_params_str(p, "reply_to_message_id", "one");
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "sendMessage: parameter reply_to_message_id must be an Integer");
    bh_params_str(p, "reply_to_message_id", "0");
    bh_params_str(p, "reply_markup", "{not json");
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "sendMessage: parameter reply_markup must be a JSON object or array");
    json_object_object_del(bh_params_object(p), "reply_markup");
    json_object_object_del(bh_params_object(p), "reply_to_message_id");
    ck_assert_int_eq(bh_client_call_params(cl, "sendPhoto", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "sendPhoto: the required parameter photo is missing");
    ck_assert_int_eq(bh_client_call_params(cl, "setChatPhoto", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "setChatPhoto: the required parameter photo is missing");
    bh_params_str(p, "photo", "a-file-id");
    ck_assert_int_eq(bh_client_call_params(cl, "setChatPhoto", p, NULL), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), "setChatPhoto: parameter photo must be an uploaded file");
    /* a method the table does not know goes as it is (the emulator: 404) */
    ck_assert_int_eq(bh_client_call_params(cl, "sendTomorrowsThing", p, NULL), BH_EAPI);
    bh_params_free(p);

    /* Telegram's own texts, past the builder (a raw JSON call) */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_str(p, "text", "no chat");
    ck_assert_int_eq(bh_client_call_json(cl, "sendMessage", bh_params_object(p), NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: chat_id is empty");
    bh_params_int(p, "chat_id", USER);
    bh_params_str(p, "text", "  ");
    ck_assert_int_eq(bh_client_call_json(cl, "sendMessage", bh_params_object(p), NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message text is empty");
    ck_assert_int_eq(bh_client_call_json(cl, "sendPhoto", bh_params_object(p), NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: there is no photo in the request");
    bh_params_free(p);

    memset(caption, 'c', 1025);
    caption[1025] = '\0';
    bh_input_file f = bh_file_memory("x", 1, "x.jpg");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, caption, NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message caption is too long");
    caption[1024] = '\0';
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, caption, NULL, NULL), BH_OK);

    /* a failed setter is returned by the call, with its reason */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    ck_assert_int_eq(bh_params_json_text(p, "reply_markup", "{nope"), BH_EJSON);
    ck_assert_int_eq(bh_params_int(p, "chat_id", USER), BH_EJSON);
    ck_assert_int_eq(bh_client_call_params(cl, "sendMessage", p, NULL), BH_EJSON);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "reply_markup"));
    bh_params_free(p);
}
END_TEST

START_TEST(builder_argument_checks)
{
    bh_params *p = NULL;
    char ref[16];
    bh_input_file none = {0}, empty_path = bh_file_path("");
    ck_assert_int_eq(bh_params_new(NULL), BH_EINVAL);
    ck_assert_int_eq(bh_params_str(NULL, "a", "b"), BH_EINVAL);
    ck_assert_str_eq(bh_params_error(NULL), "");
    bh_params_free(NULL);

    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    ck_assert_int_eq(bh_params_file(p, "document", &none), BH_EINVAL);
    bh_params_free(p);
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    ck_assert_int_eq(bh_params_file(p, "document", &empty_path), BH_EINVAL);
    bh_params_free(p);
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    ck_assert_int_eq(bh_params_str(p, "", "x"), BH_EINVAL);
    bh_params_free(p);

    /* attach: a file_id goes as it is, an upload as a part of its own */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_input_file id = bh_file_id("AgAD"), mem = bh_file_memory("x", 1, NULL);
    ck_assert_int_eq(bh_params_attach(p, &id, 0, ref, sizeof ref), BH_OK);
    ck_assert_str_eq(ref, "AgAD");
    ck_assert_int_eq(bh_params_attach(p, &mem, 0, ref, sizeof ref), BH_OK);
    ck_assert_str_eq(ref, "attach://file0");
    ck_assert_int_eq(bh_params_attach(p, &mem, 0, ref, 8), BH_ETOOBIG);
    bh_params_free(p);

    /* a later value replaces an earlier one, a file replaces a string */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_str(p, "document", "old");
    bh_params_int(p, "chat_id", 1);
    bh_params_int(p, "chat_id", USER);
    ck_assert_int_eq(bh_params_file(p, "document", &mem), BH_OK);
    ck_assert(!json_object_object_get_ex(bh_params_object(p), "document", NULL));
    ck_assert_int_eq(bh_client_call_params(cl, "sendDocument", p, NULL), BH_OK);
    bh_params_free(p);
    ck_assert_int_eq(bh_client_call_params(cl, "getMe", NULL, NULL), BH_OK);
    ck_assert_int_eq(bh_client_call_params(cl, "no such", NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_call_params(cl, "noSuchMethod", NULL, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 404);
}
END_TEST

/* A user writes in group chat (so that the emulator knows it). */
static void group_message(int64_t chat, int64_t user, const char *text)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"supergroup\"}",
             (long long)chat, (long long)user, text);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 200);
}

START_TEST(chat_management)
{
    const int64_t group = -100500;
    bh_chat_member cm;
    bh_chat_permissions none = {0};
    int64_t ids[2] = {1, 2};
    group_message(group, 9, "first"); /* 9 is the group's creator */
    group_message(group, 6, "second");

    ck_assert_int_eq(bh_client_pin_chat_message(cl, group, 1, 1), BH_OK);
    ck_assert_int_eq(bh_client_pin_chat_message(cl, group, 99, 0), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message to pin not found");
    ck_assert_int_eq(bh_client_delete_messages(cl, group, ids, 2), BH_OK);
    ck_assert_int_eq(bh_client_pin_chat_message(cl, group, 1, 0), BH_EAPI);
    ck_assert_int_eq(bh_client_delete_messages(cl, group, ids, 0), BH_EINVAL);

    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 5, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "member");
    ck_assert_int_eq(cm.user_id, 5);
    bh_chat_member_clear(&cm);
    ck_assert_int_eq(bh_client_ban_chat_member(cl, group, 5, 0, 1), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 5, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "kicked");
    bh_chat_member_clear(&cm);

    none.can_send_messages = 0;
    none.can_invite_users = 1;
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, group, 6, &none, 2000000000), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 6, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "restricted");
    ck_assert_int_eq(cm.until_date, 2000000000);
    ck_assert(!json_object_get_boolean(json_object_object_get(cm.json, "can_send_messages")));
    ck_assert(json_object_get_boolean(json_object_object_get(cm.json, "can_invite_users")));
    bh_chat_member_clear(&cm);

    ck_assert_int_eq(bh_client_unban_chat_member(cl, group, 5, 1), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 5, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "member");
    bh_chat_member_clear(&cm);
    /* only_if_banned leaves the restricted member restricted */
    ck_assert_int_eq(bh_client_unban_chat_member(cl, group, 6, 1), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 6, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "restricted");
    bh_chat_member_clear(&cm);

    group_message(group, 7, "third");
    group_message(group, 7, "fourth");
    ck_assert_int_eq(bh_client_pin_chat_message(cl, group, 3, 0), BH_OK);
    ck_assert_int_eq(bh_client_pin_chat_message(cl, group, 4, 0), BH_OK);
    ck_assert_int_eq(bh_client_unpin_chat_message(cl, group, 0), BH_OK);  /* 4, the latest */
    ck_assert_int_eq(bh_client_unpin_chat_message(cl, group, 4), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message to unpin not found");
    ck_assert_int_eq(bh_client_unpin_all_chat_messages(cl, group), BH_OK);
    ck_assert_int_eq(bh_client_unpin_chat_message(cl, group, 3), BH_EAPI);

    ck_assert_int_eq(bh_client_ban_chat_member(cl, USER, USER, 0, 0), BH_EAPI);
    ck_assert_int_eq(bh_client_ban_chat_member(cl, -1, 5, 0, 0), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: chat not found");
}
END_TEST

typedef int (*send_fn)(bh_client *, int64_t, const bh_input_file *, const char *,
                       const bh_send_options *, bh_message **);

static int send_sticker(bh_client *c, int64_t chat, const bh_input_file *f, const char *caption,
                        const bh_send_options *opt, bh_message **sent)
{
    (void)caption;
    return bh_client_send_sticker(c, chat, f, opt, sent);
}

START_TEST(every_kind_of_file_message)
{
    static const struct {
        const char *field;
        send_fn fn;
    } kinds[] = {
        {"audio", bh_client_send_audio},       {"video", bh_client_send_video},
        {"animation", bh_client_send_animation}, {"voice", bh_client_send_voice},
        {"video_note", bh_client_send_video_note}, {"sticker", send_sticker},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char *data = bytes(1000 + i, (unsigned)i);
        bh_input_file f = bh_file_memory(data, 1000 + i, "file.bin");
        bh_message *m = NULL;
        json_object *v;
        ck_assert_int_eq(kinds[i].fn(cl, USER, &f, NULL, NULL, &m), BH_OK);
        ck_assert_msg(json_object_object_get_ex(m->json, kinds[i].field, &v), "%s", kinds[i].field);
        assert_file_is(json_object_get_string(json_object_object_get(v, "file_id")), data, 1000 + i);
        bh_message_free(m);
        free(data);
    }
}
END_TEST

START_TEST(large_upload_streams_and_comes_back)
{
    size_t n = (size_t)12 << 20;
    char *data = bytes(n, 9), *path = write_file("big.bin", data, n), *dest;
    bh_input_file f = bh_file_path(path);
    bh_message *m = NULL;
    ck_assert_int_eq(bh_client_send_document(cl, USER, &f, "big", NULL, &m), BH_OK);
    ck_assert_int_ge(asprintf(&dest, "%s/back.bin", dir), 0);
    ck_assert_int_eq(bh_client_download_file(cl, sent_file_id(m), dest, 0), BH_OK);
    char *back = NULL;
    size_t len = 0;
    ck_assert_int_eq(bh_client_download_buffer(cl, dest, 0, &back, &len), BH_OK);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(back, data, n) == 0);
    free(back);
    free(dest);
    bh_message_free(m);
    free(path);
    free(data);
}
END_TEST

/* A retried upload sends the whole file again: the multipart body is made
 * anew for each attempt, the file read again from disk. */
START_TEST(retried_upload_rereads_the_file)
{
    bh_httpstub *stub = bh_httpstub_start();
    bh_client *c = NULL;
    bh_client_options o = {.max_retries = 1, .backoff_initial_ms = 10, .backoff_max_ms = 10};
    char *data = bytes(4000, 11), *path = write_file("r.bin", data, 4000);
    bh_input_file f = bh_file_path(path);
    ck_assert_int_eq(bh_client_new(&c, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
    bh_httpstub_push(stub, 502, "{\"ok\":false,\"error_code\":502,\"description\":\"Bad Gateway\"}", 0);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":{\"message_id\":1,\"date\":1,\"chat\":{\"id\":77}}}", 0);
    ck_assert_int_eq(bh_client_send_document(c, USER, &f, "again", NULL, NULL), BH_OK);
    ck_assert_uint_eq(bh_httpstub_count(stub), 2);
    for (size_t i = 0; i < 2; i++) {
        bh_stub_request *r = bh_httpstub_request(stub, i);
        ck_assert_ptr_nonnull(strstr(r->content_type, "multipart/form-data"));
        ck_assert_ptr_nonnull(memmem(r->body, r->body_len, data, 4000));
        ck_assert_ptr_nonnull(memmem(r->body, r->body_len, "name=\"caption\"", 14));
        ck_assert_ptr_null(memmem(r->body, r->body_len, TOKEN, strlen(TOKEN)));
        bh_stub_request_free(r);
    }
    bh_client_free(c);
    bh_httpstub_stop(stub);
    free(path);
    free(data);
}
END_TEST

START_TEST(edit_media_caption_and_copy)
{
    char *a = bytes(3000, 21), *b = bytes(3000, 22);
    bh_input_file fa = bh_file_memory(a, 3000, "a.jpg");
    bh_message *m = NULL, *ed = NULL;
    int64_t copy_id = 0, text_id;
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &fa, "first", NULL, &m), BH_OK);

    /* a new file, uploaded as attach:// */
    bh_input_media nm = {.type = "document", .file = bh_file_memory(b, 3000, "b.bin"), .caption = "second"};
    ck_assert_int_eq(bh_client_edit_message_media(cl, USER, m->message_id, &nm, NULL, &ed), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(ed->json, "caption")), "second");
    assert_file_is(sent_file_id(ed), b, 3000);
    bh_message_free(ed);

    ck_assert_int_eq(bh_client_edit_message_caption(cl, USER, m->message_id, "third", NULL, &ed), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(ed->json, "caption")), "third");
    bh_message_free(ed);
    ck_assert_int_eq(bh_client_edit_message_caption(cl, USER, m->message_id, "third", NULL, NULL), BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "message is not modified"));

    ck_assert_int_eq(bh_client_copy_message(cl, USER, USER, m->message_id, NULL, NULL, &copy_id), BH_OK);
    ck_assert_int_gt(copy_id, m->message_id);
    ck_assert_int_eq(bh_client_copy_message(cl, USER, USER, 999, NULL, NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message to copy not found");

    /* a text message has no caption nor media to edit */
    bh_message *t = NULL;
    ck_assert_int_eq(bh_client_send_message(cl, USER, "text", NULL, &t), BH_OK);
    text_id = t->message_id;
    bh_message_free(t);
    ck_assert_int_eq(bh_client_edit_message_caption(cl, USER, text_id, "x", NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: there is no caption in the message to edit");
    ck_assert_int_eq(bh_client_edit_message_media(cl, USER, text_id, &nm, NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: there is no media in the message to edit");
    bh_message_free(m);
    free(a);
    free(b);
}
END_TEST

/* A limiter that counts what the client tells it. */
typedef struct counting_limiter {
    int waits, pauses, last_retry_after;
    int64_t last_chat;
} counting_limiter;

static int count_wait(void *arg, const char *method, int64_t chat_id)
{
    counting_limiter *l = arg;
    (void)method;
    l->waits++;
    l->last_chat = chat_id;
    return BH_OK;
}

static void count_paused(void *arg, const char *method, int64_t chat_id, int retry_after)
{
    counting_limiter *l = arg;
    (void)method, (void)chat_id;
    l->pauses++;
    l->last_retry_after = retry_after;
}

START_TEST(limiter_is_asked_before_sends_and_told_of_429)
{
    counting_limiter cnt = {0};
    bh_limiter l = {count_wait, count_paused, &cnt};
    bh_input_file f = bh_file_memory("x", 1, "x.jpg");
    ck_assert_int_eq(bh_client_set_limiter(cl, &l), BH_OK);

    ck_assert_int_eq(bh_client_send_message(cl, USER, "one", NULL, NULL), BH_OK);
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, NULL, NULL, NULL), BH_OK);
    ck_assert_int_eq(cnt.waits, 2);
    ck_assert_int_eq(cnt.last_chat, USER);
    ck_assert_int_eq(bh_client_send_chat_action(cl, USER, "typing"), BH_OK);
    ck_assert_int_eq(bh_client_get_me(cl, NULL), BH_OK);
    ck_assert_int_eq(cnt.waits, 2);

    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"rate_429\":1.0,\"retry_after\":3}", NULL), 200);
    ck_assert_int_eq(bh_client_send_message(cl, USER, "two", NULL, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 429);
    ck_assert_int_eq(bh_client_last_error(cl)->retry_after, 3);
    ck_assert_int_eq(cnt.pauses, 1);
    ck_assert_int_eq(cnt.last_retry_after, 3);
    ck_assert_int_eq(bh_client_set_limiter(cl, NULL), BH_OK);

    ck_assert(bh_method_sends_to_chat("sendMediaGroup"));
    ck_assert(bh_method_sends_to_chat("copyMessages"));
    ck_assert(bh_method_sends_to_chat("forwardMessages"));
    ck_assert(!bh_method_sends_to_chat("sendChatAction"));
    ck_assert(!bh_method_sends_to_chat("getChat"));
}
END_TEST

START_TEST(escaping_for_parse_modes)
{
    char *h = bh_text_escape_html("a < b & \"c\" > d");
    char *m = bh_text_escape_markdown_v2("1.5 * (x_y) - [z]! \\ é");
    ck_assert_str_eq(h, "a &lt; b &amp; &quot;c&quot; &gt; d");
    ck_assert_str_eq(m, "1\\.5 \\* \\(x\\_y\\) \\- \\[z\\]\\! \\\\ é");
    free(h);
    free(m);
    ck_assert_ptr_null(bh_text_escape_html(NULL));
    /* escaped text is taken by the emulator with that parse mode */
    bh_send_options o = {.parse_mode = "MarkdownV2"};
    char *t = bh_text_escape_markdown_v2("done.");
    ck_assert_int_eq(bh_client_send_message(cl, USER, t, &o, NULL), BH_OK);
    free(t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_files");
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_test_add_case(s, "photo_from_path", photo_from_path_comes_back_identical, setup, teardown, 60);
    bh_test_add_case(s, "document_memory_id_url", document_from_memory_file_id_and_url, setup, teardown, 60);
    bh_test_add_case(s, "limits", limits_are_checked_before_sending, setup, teardown, 60);
    bh_test_add_case(s, "unreadable_path", unreadable_path_is_named, setup, teardown, 60);
    bh_test_add_case(s, "failed_download", failed_download_leaves_nothing, setup, teardown, 60);
    bh_test_add_case(s, "album", album_with_attach_references, setup, teardown, 60);
    bh_test_add_case(s, "builder_errors", builder_and_telegram_errors, setup, teardown, 60);
    bh_test_add_case(s, "builder_checks", builder_argument_checks, setup, teardown, 60);
    bh_test_add_case(s, "chat_management", chat_management, setup, teardown, 60);
    bh_test_add_case(s, "every_kind", every_kind_of_file_message, setup, teardown, 60);
    bh_test_add_case(s, "large_upload", large_upload_streams_and_comes_back, setup, teardown, 120);
    bh_test_add_case(s, "retried_upload", retried_upload_rereads_the_file, setup, teardown, 60);
    bh_test_add_case(s, "edit_and_copy", edit_media_caption_and_copy, setup, teardown, 60);
    bh_test_add_case(s, "escaping", escaping_for_parse_modes, setup, teardown, 60);
    bh_test_add_case(s, "limiter", limiter_is_asked_before_sends_and_told_of_429, setup, teardown, 60);
    return bh_test_run_suite(s);
}
