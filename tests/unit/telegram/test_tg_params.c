/*
 * Array parameters built item by item (bh_tg_params_array): the array the
 * builder holds, the first error kept in it with the parameter and the
 * index named, and the three sends built with it (an album, a sticker
 * set, paid media) refusing a bad item before anything reaches the
 * emulator, and sending good ones whole.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "emu_proc.h"
#include "telegram/tg.h"
#include "testutil.h"
#include "tg_fixture.h"

#define TOKEN "4848:PARAMSsecretTOKEN"
#define USER 97

static bh_emu_proc emu;
static bh_client *cl;
static int item_calls;

/* Item i of an array of ints: {"n": v}; a negative value is not valid. */
static int int_item(bh_params *p, const void *items, size_t i, json_object **out)
{
    const int *v = (const int *)items + i;
    (void)p;
    item_calls++;
    if (*v < 0)
        return BH_EINVAL;
    *out = json_object_new_object();
    json_object_object_add(*out, "n", json_object_new_int(*v));
    return BH_OK;
}

/* p's parameter key as JSON text (malloc'd), or NULL when it is not set. */
static char *param_text(const bh_params *p, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(bh_params_object(p), key, &v))
        return NULL;
    return strdup(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

START_TEST(array_of_items)
{
    int v[3] = {1, 2, 3};
    bh_params *p = bh_tg_params_new();
    char *t;
    ck_assert_ptr_nonnull(p);
    item_calls = 0;
    ck_assert_int_eq(bh_tg_params_array(p, "items", v, 3, int_item), BH_OK);
    ck_assert_int_eq(item_calls, 3);
    t = param_text(p, "items");
    ck_assert_str_eq(t, "[{\"n\":1},{\"n\":2},{\"n\":3}]");
    free(t);
    /* none: an empty array */
    ck_assert_int_eq(bh_tg_params_array(p, "none", NULL, 0, int_item), BH_OK);
    t = param_text(p, "none");
    ck_assert_str_eq(t, "[]");
    free(t);
    ck_assert_str_eq(bh_params_error(p), "");
    bh_params_free(p);
}
END_TEST

START_TEST(first_error_is_kept)
{
    int v[4] = {1, -2, 3, -4};
    bh_params *p = bh_tg_params_new();
    ck_assert_ptr_nonnull(p);
    item_calls = 0;
    ck_assert_int_eq(bh_tg_params_array(p, "items", v, 4, int_item), BH_EINVAL);
    /* stops at the bad item; the parameter is not set */
    ck_assert_int_eq(item_calls, 2);
    ck_assert_ptr_null(param_text(p, "items"));
    ck_assert_str_eq(bh_params_error(p), "items[1]: not a valid item");
    /* the builder keeps its first error: later arrays are not built */
    ck_assert_int_eq(bh_tg_params_array(p, "more", v, 1, int_item), BH_EINVAL);
    ck_assert_int_eq(item_calls, 2);
    ck_assert_int_eq(bh_params_int(p, "x", 1), BH_EINVAL);
    ck_assert_str_eq(bh_params_error(p), "items[1]: not a valid item");
    bh_params_free(p);
}
END_TEST

START_TEST(bad_arguments)
{
    int v[1] = {1};
    bh_params *p = bh_tg_params_new();
    ck_assert_int_eq(bh_tg_params_array(NULL, "items", v, 1, int_item), BH_EINVAL);
    ck_assert_int_eq(bh_tg_params_array(p, "items", NULL, 1, int_item), BH_EINVAL);
    ck_assert_str_eq(bh_params_error(p), "items: no items");
    bh_params_free(p);
    p = bh_tg_params_new();
    ck_assert_int_eq(bh_tg_params_array(p, "items", v, 1, NULL), BH_EINVAL);
    bh_params_free(p);
    p = bh_tg_params_new();
    ck_assert_int_eq(bh_tg_params_array(p, "", v, 1, int_item), BH_EINVAL);
    ck_assert_str_eq(bh_params_error(p), ": no items");
    bh_params_free(p);
}
END_TEST

/* A call the client refused: BH_EINVAL, its description, nothing sent. */
static void assert_refused(int rc, const char *method, const char *desc)
{
    ck_assert_int_eq(rc, BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(), desc);
    ck_assert_int_eq(bh_tgfx_calls(method), 0);
}

START_TEST(album_with_a_bad_item)
{
    static const char png[] = "\x89PNG fake";
    bh_message **msgs = NULL;
    size_t n = 0;
    bh_input_media media[3] = {
        {.type = "photo", .file = bh_file_memory(png, sizeof png, "a.png")},
        {.type = NULL, .file = bh_file_memory(png, sizeof png, "b.png")},
        {.type = "document", .file = bh_file_memory(png, sizeof png, "c.bin")},
    };
    assert_refused(bh_client_send_media_group(cl, USER, media, 3, NULL, &msgs, &n),
                   "sendMediaGroup", "sendMediaGroup: media[1]: not a valid item");
    ck_assert_ptr_null(msgs);
    ck_assert_uint_eq(n, 0);
    /* an upload of an item keeps its own error */
    media[1] = (bh_input_media){.type = "photo", .file = bh_file_path("/nonexistent/x.png")};
    ck_assert_int_eq(bh_client_send_media_group(cl, USER, media, 3, NULL, NULL, NULL), BH_EIO);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "/nonexistent/x.png"));
    ck_assert_int_eq(bh_tgfx_calls("sendMediaGroup"), 0);
    media[1].file = bh_file_memory(png, sizeof png, "b.png");
    ck_assert_int_eq(bh_client_send_media_group(cl, USER, media, 3, NULL, &msgs, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(bh_tgfx_calls("sendMediaGroup"), 1);
    bh_messages_free(msgs, n);
}
END_TEST

START_TEST(sticker_set_with_a_bad_item)
{
    static const char png[] = "\x89PNG fake";
    const char *const emoji[] = {"\xF0\x9F\x98\x80", NULL};
    bh_input_sticker s[2] = {
        {.file = bh_file_memory(png, sizeof png, "s.png"), .format = "static", .emoji = emoji},
        {.file = bh_file_memory(png, sizeof png, "t.png"), .format = "static", .emoji = NULL},
    };
    assert_refused(bh_client_create_new_sticker_set(cl, USER, "set_by_emu_bot", "Set", s, 2, NULL),
                   "createNewStickerSet", "createNewStickerSet: stickers[1]: not a valid item");
    s[1].emoji = emoji;
    ck_assert_int_eq(bh_client_create_new_sticker_set(cl, USER, "set_by_emu_bot", "Set", s, 2, NULL),
                     BH_OK);
    ck_assert_int_eq(bh_tgfx_calls("createNewStickerSet"), 1);
}
END_TEST

START_TEST(paid_media_with_a_bad_item)
{
    static const char png[] = "\x89PNG fake";
    bh_message *m = NULL;
    bh_input_media paid[2] = {
        {.type = "photo", .file = bh_file_memory(png, sizeof png, "a.png")},
        {.type = "document", .file = bh_file_memory(png, sizeof png, "b.bin")},
    };
    assert_refused(bh_client_send_paid_media(cl, USER, 5, paid, 2, NULL, NULL, &m),
                   "sendPaidMedia", "sendPaidMedia: media[1]: not a valid item");
    ck_assert_ptr_null(m);
    paid[1].type = "video";
    ck_assert_int_eq(bh_client_send_paid_media(cl, USER, 5, paid, 2, NULL, NULL, &m), BH_OK);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(bh_tgfx_calls("sendPaidMedia"), 1);
    bh_message_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_params");
    bh_log_set_level(BH_LOG_ERROR + 1);
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_test_add_case(s, "array_of_items", array_of_items, NULL, NULL, 30);
    bh_test_add_case(s, "first_error_is_kept", first_error_is_kept, NULL, NULL, 30);
    bh_test_add_case(s, "bad_arguments", bad_arguments, NULL, NULL, 30);
    bh_tgfx_add(s, "album_with_a_bad_item", album_with_a_bad_item);
    bh_tgfx_add(s, "sticker_set_with_a_bad_item", sticker_set_with_a_bad_item);
    bh_tgfx_add(s, "paid_media_with_a_bad_item", paid_media_with_a_bad_item);
    return bh_test_run_suite(s);
}
