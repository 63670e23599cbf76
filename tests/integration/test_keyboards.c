/*
 * Keyboards of every kind and inline mode, against the emulator: each
 * markup and button kind built, sent and shown as sent; the builder's
 * limits; the emulator refusing what Telegram refuses; every inline result
 * kind answered; paging; edits of messages sent via inline mode; presses
 * of reply keyboard buttons of every kind.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "31339:keyboards"

static bh_emu_proc emu;
static bh_client *cl;

static void setup(void)
{
    bh_client_options o = {.max_retries = BH_TG_NO_RETRY};
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_client_new(&cl, TOKEN, emu.url, &o), BH_OK);
    /* chat 7 exists once its user wrote */
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 7, 7, "hi"), 1);
}

static void teardown(void)
{
    bh_client_free(cl);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

/* s (JSON text, freed) printed again without spaces (malloc'd). */
static char *plain(char *s)
{
    json_object *o = s ? json_tokener_parse(s) : NULL;
    char *out = o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : s;
    if (o)
        free(s);
    json_object_put(o);
    return out;
}

/* The reply_markup of the last message the bot sent to chat 7, as JSON text. */
static char *last_markup(void)
{
    char *resp = NULL, *m;
    int64_t n = 0;
    ck_assert_int_eq(bh_emu_get(&emu, "/control/sent?chat_id=7", &resp), 200);
    char key[64];
    for (n = 0;; n++) {
        snprintf(key, sizeof key, "result.%lld.message_id", (long long)n);
        int64_t id;
        if (bh_emu_json_int(resp, key, &id) != 0)
            break;
    }
    ck_assert_int_gt(n, 0);
    snprintf(key, sizeof key, "result.%lld.reply_markup", (long long)(n - 1));
    m = plain(bh_emu_json_str(resp, key));
    free(resp);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Sends "x" with k to chat 7; the emulator must take it and show it. */
static void send_ok(bh_keyboard *k, const char *want)
{
    bh_send_options o = {.reply_markup = k};
    int rc = bh_client_send_message(cl, 7, "x", &o, NULL);
    ck_assert_msg(rc == BH_OK, "%s: %s", want, bh_client_last_error(cl)->description);
    char *m = last_markup();
    ck_assert_msg(strstr(m, want), "%s not in %s", want, m);
    free(m);
}

START_TEST(every_inline_button_kind)
{
    bh_keyboard *k;
    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_pay(k, "Pay"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "Plain", "plain-data"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_url(k, "Site", "https://example.org"), BH_OK);
    ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_switch_inline(k, "Share", "q", 0), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_switch_inline(k, "Here", NULL, 1), BH_OK);
    bh_switch_inline_chosen ch = {.query = "z", .allow_group_chats = 1};
    ck_assert_int_eq(bh_keyboard_button_switch_inline_chosen(k, "Pick", &ch), BH_OK);
    ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_web_app(k, "App", "https://example.org/app"), BH_OK);
    bh_login_url lu = {.url = "https://example.org/login", .request_write_access = 1};
    ck_assert_int_eq(bh_keyboard_button_login_url(k, "Login", &lu), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_copy_text(k, "Copy", "the code"), BH_OK);
    ck_assert_uint_eq(bh_keyboard_count(k), 9);
    /* pay must be first: on a keyboard of its own a callback_game is too */
    send_ok(k, "\"pay\":true");
    char *m = last_markup();
    static const char *const want[] = {
        "\"callback_data\":\"plain-data\"", "\"url\":\"https:\\/\\/example.org\"",
        "\"switch_inline_query\":\"q\"", "\"switch_inline_query_current_chat\":\"\"",
        "\"switch_inline_query_chosen_chat\":{\"query\":\"z\",\"allow_group_chats\":true}",
        "\"web_app\":{\"url\":", "\"login_url\":{\"url\":", "\"request_write_access\":true",
        "\"copy_text\":{\"text\":\"the code\"}"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(m, want[i]), "%s not in %s", want[i], m);
    free(m);
    bh_keyboard_free(k);
    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback_game(k, "Play"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_pay(k, "Pay"), BH_EINVAL); /* not first */
    ck_assert_ptr_nonnull(strstr(bh_keyboard_error(k), "first button"));
    send_ok(k, "\"callback_game\":{}");
    bh_keyboard_free(k);
}
END_TEST

START_TEST(every_reply_keyboard_kind)
{
    bh_reply_keyboard_options o = {.resize = 1, .one_time = 1, .persistent = 1, .selective = 1,
                                   .input_field_placeholder = "Choose"};
    bh_keyboard *k;
    ck_assert_int_eq(bh_keyboard_new_reply(&k, &o), BH_OK);
    ck_assert_int_eq(bh_keyboard_kind_of(k), BH_KEYBOARD_REPLY);
    ck_assert_int_eq(bh_keyboard_button_text(k, "Plain"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_request_contact(k, "Phone"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_request_location(k, "Where"), BH_OK);
    ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_request_poll(k, "Quiz", "quiz"), BH_OK);
    bh_request_users ru = {.request_id = 5, .user_is_bot = -1, .max_quantity = 3};
    ck_assert_int_eq(bh_keyboard_button_request_users(k, "Users", &ru), BH_OK);
    bh_admin_rights rights = {.can_invite_users = 1};
    bh_request_chat rc = {.request_id = 6, .chat_is_channel = 0, .chat_is_forum = 1,
                          .bot_administrator_rights = &rights};
    ck_assert_int_eq(bh_keyboard_button_request_chat(k, "Group", &rc), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_web_app(k, "App", "https://example.org/app"), BH_OK);
    send_ok(k, "\"keyboard\":");
    char *m = last_markup();
    static const char *const want[] = {
        "{\"text\":\"Plain\"}", "\"request_contact\":true", "\"request_location\":true",
        "\"request_poll\":{\"type\":\"quiz\"}", "\"request_id\":5", "\"user_is_bot\":false",
        "\"max_quantity\":3", "\"request_id\":6", "\"chat_is_channel\":false",
        "\"chat_is_forum\":true", "\"can_invite_users\":true", "\"is_persistent\":true",
        "\"resize_keyboard\":true", "\"one_time_keyboard\":true",
        "\"input_field_placeholder\":\"Choose\"", "\"selective\":true"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(m, want[i]), "%s not in %s", want[i], m);
    free(m);
    bh_keyboard_free(k);

    ck_assert_int_eq(bh_keyboard_new_remove(&k, 1), BH_OK);
    send_ok(k, "\"remove_keyboard\":true");
    bh_keyboard_free(k);
    ck_assert_int_eq(bh_keyboard_new_force_reply(&k, "Your name", 0), BH_OK);
    send_ok(k, "\"force_reply\":true,\"input_field_placeholder\":\"Your name\"");
    /* a forced reply has no buttons */
    ck_assert_int_eq(bh_keyboard_button_text(k, "x"), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_row(k), BH_EINVAL);
    bh_keyboard_free(k);
}
END_TEST

START_TEST(limits_are_checked_when_built)
{
    bh_keyboard *k;
    char data[80];
    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    memset(data, 'd', 65);
    data[65] = 0;
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", data), BH_EINVAL);
    ck_assert_ptr_nonnull(strstr(bh_keyboard_error(k), "1..64 bytes"));
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(bh_keyboard_button_callback(k, "t", "d"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", "d"), BH_ETOOBIG); /* 9th in a row */
    ck_assert_ptr_nonnull(strstr(bh_keyboard_error(k), "at most 8"));
    for (int i = 8; i < 100; i++) {
        if (i % 8 == 0)
            ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
        ck_assert_int_eq(bh_keyboard_button_callback(k, "t", "d"), BH_OK);
    }
    ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", "d"), BH_ETOOBIG); /* 101st */
    ck_assert_ptr_nonnull(strstr(bh_keyboard_error(k), "at most 100"));
    ck_assert_uint_eq(bh_keyboard_count(k), 100);
    /* reply-only buttons are refused on an inline keyboard, and back */
    ck_assert_int_eq(bh_keyboard_button_request_location(k, "Where"), BH_EINVAL);
    ck_assert_ptr_nonnull(strstr(bh_keyboard_error(k), "reply keyboard"));
    ck_assert_int_eq(bh_keyboard_button_web_app(k, "App", "http://insecure"), BH_EINVAL);
    bh_keyboard_free(k);
    ck_assert_int_eq(bh_keyboard_new_reply(&k, NULL), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", "d"), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_button_text(k, ""), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_button_request_poll(k, "P", "survey"), BH_EINVAL);
    bh_request_users ru = {.max_quantity = 11};
    ck_assert_int_eq(bh_keyboard_button_request_users(k, "U", &ru), BH_EINVAL);
    bh_keyboard_free(k);
    bh_reply_keyboard_options o = {.input_field_placeholder =
                                       "a placeholder that is much longer than sixty-four characters, "
                                       "which Telegram refuses"};
    ck_assert_int_eq(bh_keyboard_new_reply(&k, &o), BH_EINVAL);
    ck_assert_ptr_null(k);
}
END_TEST

/* sendMessage to chat 7 with markup (JSON text) must be refused with a
 * description holding want. */
static void refused(const char *markup, const char *want)
{
    json_object *p = json_object_new_object();
    char *resp = NULL;
    json_object_object_add(p, "chat_id", json_object_new_int(7));
    json_object_object_add(p, "text", json_object_new_string("x"));
    json_object_object_add(p, "reply_markup", json_tokener_parse(markup));
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", json_object_to_json_string(p), &resp), 400);
    ck_assert_msg(strstr(resp, want), "%s: %s", markup, resp);
    free(resp);
    json_object_put(p);
}

START_TEST(emulator_refuses_what_telegram_refuses)
{
    char nine[512] = "{\"inline_keyboard\":[[";
    for (int i = 0; i < 9; i++)
        strcat(nine, i ? ",{\"text\":\"t\",\"callback_data\":\"d\"}" : "{\"text\":\"t\",\"callback_data\":\"d\"}");
    strcat(nine, "]]}");
    refused(nine, "at most 8 buttons a row");
    char *many = malloc(16384);
    strcpy(many, "{\"inline_keyboard\":[");
    for (int r = 0; r < 13; r++) {
        strcat(many, r ? ",[" : "[");
        for (int i = 0; i < 8; i++)
            strcat(many, i ? ",{\"text\":\"t\",\"url\":\"u\"}" : "{\"text\":\"t\",\"url\":\"u\"}");
        strcat(many, "]");
    }
    strcat(many, "]}");
    refused(many, "at most 100 buttons");
    free(many);
    refused("{\"inline_keyboard\":[[{\"text\":\"t\",\"callback_data\":"
            "\"01234567890123456789012345678901234567890123456789012345678901234\"}]]}",
            "BUTTON_DATA_INVALID");
    refused("{\"inline_keyboard\":[[{\"text\":\"t\",\"callback_data\":\"d\",\"url\":\"u\"}]]}",
            "exactly one");
    refused("{\"inline_keyboard\":[[{\"text\":\"t\"}]]}", "Text buttons are unallowed");
    refused("{\"inline_keyboard\":[[{\"text\":\"t\",\"web_app\":{\"url\":\"http://x\"}}]]}",
            "BUTTON_URL_INVALID");
    refused("{\"inline_keyboard\":[[{\"text\":\"t\",\"url\":\"u\"},{\"text\":\"p\",\"pay\":true}]]}",
            "BUTTON_POSITION_INVALID");
    refused("{\"keyboard\":[[{\"text\":\"t\",\"request_chat\":{\"request_id\":1}}]]}",
            "chat_is_channel");
    refused("{\"keyboard\":[[{\"text\":\"t\",\"request_contact\":true,\"request_location\":true}]]}",
            "at most one");
    refused("{\"keyboard\":[]}", "non-empty");
    refused("{\"remove_keyboard\":false}", "must be true");
    refused("{\"force_reply\":true,\"input_field_placeholder\":"
            "\"01234567890123456789012345678901234567890123456789012345678901234\"}",
            "placeholder");
    refused("{\"nothing\":1}", "can't parse reply keyboard markup");

    /* an edit takes an inline keyboard only */
    bh_keyboard *k;
    bh_message *sent = NULL;
    ck_assert_int_eq(bh_client_send_message(cl, 7, "first", NULL, &sent), BH_OK);
    ck_assert_int_eq(bh_keyboard_new_reply(&k, NULL), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_text(k, "b"), BH_OK);
    bh_send_options o = {.reply_markup = k};
    ck_assert_int_eq(bh_client_edit_message_text(cl, 7, sent->message_id, "second", &o, NULL),
                     BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_client_last_error(cl)->description, "inline keyboard expected"));
    bh_keyboard_free(k);
    bh_message_free(sent);
}
END_TEST

/* Injects an inline query; its id (malloc'd). */
static char *inline_query(const char *query)
{
    char body[128], *resp = NULL, *id;
    snprintf(body, sizeof body, "{\"user_id\":7,\"query\":\"%s\"}", query);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/inline_query", body, &resp), 200);
    id = bh_emu_json_str(resp, "result.inline_query_id");
    free(resp);
    ck_assert_ptr_nonnull(id);
    return id;
}

START_TEST(every_inline_result_kind)
{
    bh_inline_results *r;
    bh_keyboard *kb;
    bh_labeled_price price = {"One", 100};
    bh_invoice inv = {.title = "T", .description = "D", .payload = "p", .currency = "XTR",
                      .prices = &price, .nprices = 1};
    bh_input_content text = {.kind = BH_CONTENT_TEXT, .text = "hello", .parse_mode = "HTML"};
    bh_input_content loc = {.kind = BH_CONTENT_LOCATION, .latitude = 1, .longitude = 2};
    bh_input_content venue = {.kind = BH_CONTENT_VENUE, .latitude = 1, .longitude = 2,
                              .title = "V", .address = "A"};
    bh_input_content contact = {.kind = BH_CONTENT_CONTACT, .phone_number = "+1", .first_name = "F"};
    bh_input_content invoice = {.kind = BH_CONTENT_INVOICE, .invoice = &inv};
    ck_assert_int_eq(bh_keyboard_new(&kb), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(kb, "b", "d"), BH_OK);
    const bh_inline_result all[] = {
        {.type = "article", .id = "a", .title = "A", .content = &text, .reply_markup = kb},
        {.type = "article", .id = "a2", .title = "A", .content = &loc},
        {.type = "article", .id = "a3", .title = "A", .content = &venue},
        {.type = "article", .id = "a4", .title = "A", .content = &contact},
        {.type = "article", .id = "a5", .title = "A", .content = &invoice},
        {.type = "photo", .id = "p", .url = "https://x/p.jpg", .thumbnail_url = "https://x/t.jpg"},
        {.type = "photo", .id = "pc", .file_id = "PHOTOID", .caption = "c"},
        {.type = "gif", .id = "g", .url = "https://x/g.gif", .thumbnail_url = "https://x/t.jpg"},
        {.type = "gif", .id = "gc", .file_id = "GIFID"},
        {.type = "mpeg4_gif", .id = "m", .url = "https://x/m.mp4", .thumbnail_url = "https://x/t.jpg"},
        {.type = "mpeg4_gif", .id = "mc", .file_id = "MP4ID"},
        {.type = "video", .id = "v", .url = "https://x/v.mp4", .mime_type = "video/mp4",
         .thumbnail_url = "https://x/t.jpg", .title = "V"},
        {.type = "video", .id = "vc", .file_id = "VIDID", .title = "V"},
        {.type = "audio", .id = "au", .url = "https://x/a.mp3", .title = "A", .performer = "P"},
        {.type = "audio", .id = "auc", .file_id = "AUDID"},
        {.type = "voice", .id = "vo", .url = "https://x/v.ogg", .title = "V"},
        {.type = "voice", .id = "voc", .file_id = "VOID", .title = "V"},
        {.type = "document", .id = "d", .url = "https://x/d.pdf", .mime_type = "application/pdf",
         .title = "D"},
        {.type = "document", .id = "dc", .file_id = "DOCID", .title = "D", .content = &text},
        {.type = "sticker", .id = "s", .file_id = "STKID"},
        {.type = "location", .id = "l", .latitude = 45, .longitude = 9, .title = "L"},
        {.type = "venue", .id = "ve", .latitude = 45, .longitude = 9, .title = "V", .address = "A"},
        {.type = "contact", .id = "c", .phone_number = "+1", .first_name = "F"},
        {.type = "game", .id = "ga", .game_short_name = "tetris"},
    };
    ck_assert_int_eq(bh_inline_results_new(&r), BH_OK);
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        ck_assert_msg(bh_inline_results_add(r, &all[i]) == BH_OK, "%s: %s", all[i].id,
                      bh_inline_results_error(r));
    bh_keyboard_free(kb);
    const char *js = json_object_to_json_string_ext(bh_inline_results_json(r), JSON_C_TO_STRING_PLAIN);
    static const char *const want[] = {"\"photo_url\"", "\"photo_file_id\":\"PHOTOID\"",
                                       "\"gif_file_id\"", "\"mpeg4_url\"", "\"video_file_id\"",
                                       "\"audio_url\"", "\"voice_file_id\"", "\"document_url\"",
                                       "\"sticker_file_id\"", "\"game_short_name\"",
                                       "\"payload\":\"p\"", "\"message_text\":\"hello\"",
                                       "\"inline_keyboard\""};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        ck_assert_msg(strstr(js, want[i]), "%s not in %s", want[i], js);
    char *id = inline_query("q");
    bh_inline_answer_options o = {.cache_time = 0, .is_personal = 1, .next_offset = "24",
                                  .button_text = "Start", .button_start_parameter = "go-1"};
    ck_assert_msg(bh_client_answer_inline(cl, id, r, &o) == BH_OK, "%s",
                  bh_client_last_error(cl)->description);
    free(id);
    char *resp = NULL;
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers?method=answerInlineQuery", &resp), 200);
    ck_assert_msg(strstr(resp, "\"start_parameter\":\"go-1\"") && strstr(resp, "\"cache_time\":0") &&
                  strstr(resp, "\"next_offset\":\"24\""), "%s", resp);
    free(resp);
    /* a bad button is refused before sending */
    o.button_web_app_url = "https://x/app";
    ck_assert_int_eq(bh_client_answer_inline(cl, "iq1", r, &o), BH_EINVAL);
    bh_inline_results_free(r);
}
END_TEST

START_TEST(inline_rules_checked_before_sending)
{
    bh_inline_results *r;
    char id[80];
    ck_assert_int_eq(bh_inline_results_new(&r), BH_OK);
    for (int i = 0; i < 50; i++) {
        snprintf(id, sizeof id, "r%d", i);
        ck_assert_int_eq(bh_inline_results_article(r, id, "t", "x"), BH_OK);
    }
    ck_assert_int_eq(bh_inline_results_article(r, "r50", "t", "x"), BH_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(bh_inline_results_error(r), "at most 50"));
    ck_assert_int_eq(bh_inline_results_article(r, "r7", "t", "x"), BH_EEXISTS);
    ck_assert_ptr_nonnull(strstr(bh_inline_results_error(r), "already used"));
    memset(id, 'i', 65);
    id[65] = 0;
    ck_assert_int_eq(bh_inline_results_article(r, id, "t", "x"), BH_EINVAL);
    ck_assert_uint_eq(bh_inline_results_count(r), 50);
    bh_inline_results_free(r);

    ck_assert_int_eq(bh_inline_results_new(&r), BH_OK);
    bh_inline_result photo = {.type = "photo", .id = "p", .url = "https://x/p.jpg"};
    ck_assert_int_eq(bh_inline_results_add(r, &photo), BH_EINVAL);
    ck_assert_ptr_nonnull(strstr(bh_inline_results_error(r), "thumbnail_url"));
    bh_inline_result nope = {.type = "hologram", .id = "h"};
    ck_assert_int_eq(bh_inline_results_add(r, &nope), BH_EINVAL);
    bh_inline_result art = {.type = "article", .id = "a", .title = "A"};
    ck_assert_int_eq(bh_inline_results_add(r, &art), BH_EINVAL); /* no content */
    bh_keyboard *kb;
    bh_input_content c = {.kind = BH_CONTENT_TEXT, .text = "x"};
    ck_assert_int_eq(bh_keyboard_new_reply(&kb, NULL), BH_OK);
    art.content = &c;
    art.reply_markup = kb;
    ck_assert_int_eq(bh_inline_results_add(r, &art), BH_EINVAL);
    ck_assert_ptr_nonnull(strstr(bh_inline_results_error(r), "inline keyboard"));
    bh_keyboard_free(kb);
    ck_assert_uint_eq(bh_inline_results_count(r), 0);
    bh_inline_results_free(r);

    /* the emulator checks the same rules on raw answers */
    static const char *const bad[][2] = {
        {"[{\"type\":\"photo\",\"id\":\"p\",\"photo_url\":\"https://x\"}]", "thumbnail_url"},
        {"[{\"type\":\"article\",\"id\":\"a\",\"title\":\"t\"}]", "input_message_content"},
        {"[{\"type\":\"hologram\",\"id\":\"h\"}]", "RESULT_TYPE_INVALID"},
        {"[{\"type\":\"contact\",\"id\":\"c\",\"phone_number\":\"1\",\"first_name\":\"f\"},"
         "{\"type\":\"contact\",\"id\":\"c\",\"phone_number\":\"1\",\"first_name\":\"f\"}]",
         "RESULT_ID_DUPLICATE"},
        {"[{\"type\":\"article\",\"id\":\"a\",\"title\":\"t\",\"input_message_content\":"
         "{\"message_text\":\"x\"},\"reply_markup\":{\"keyboard\":[[\"k\"]]}}]",
         "inline keyboard expected"},
    };
    char *qid = inline_query("x");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_object *p = json_object_new_object();
        char *resp = NULL;
        json_object_object_add(p, "inline_query_id", json_object_new_string(qid));
        json_object_object_add(p, "results", json_tokener_parse(bad[i][0]));
        ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery", json_object_to_json_string(p), &resp),
                         400);
        ck_assert_msg(strstr(resp, bad[i][1]), "%s: %s", bad[i][0], resp);
        free(resp);
        json_object_put(p);
    }
    free(qid);
}
END_TEST

START_TEST(pages_of_results)
{
    bh_inline_page p;
    ck_assert_int_eq(bh_inline_page_of("", 120, 50, &p), BH_OK);
    ck_assert_uint_eq(p.start, 0);
    ck_assert_uint_eq(p.count, 50);
    ck_assert_str_eq(p.next_offset, "50");
    ck_assert_int_eq(bh_inline_page_of(p.next_offset, 120, 50, &p), BH_OK);
    ck_assert_uint_eq(p.start, 50);
    ck_assert_str_eq(p.next_offset, "100");
    ck_assert_int_eq(bh_inline_page_of(p.next_offset, 120, 50, &p), BH_OK);
    ck_assert_uint_eq(p.start, 100);
    ck_assert_uint_eq(p.count, 20);
    ck_assert_str_eq(p.next_offset, "");
    ck_assert_int_eq(bh_inline_page_of("500", 120, 50, &p), BH_OK);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_int_eq(bh_inline_page_of(NULL, 0, 50, &p), BH_OK);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_str_eq(p.next_offset, "");
    /* an offset this helper never made: the first page, and said */
    ck_assert_int_eq(bh_inline_page_of("-3", 120, 50, &p), BH_EINVAL);
    ck_assert_uint_eq(p.start, 0);
    ck_assert_uint_eq(p.count, 50);
    ck_assert_int_eq(bh_inline_page_of("abc", 120, 50, &p), BH_EINVAL);
    ck_assert_int_eq(bh_inline_page_of("", 120, 51, &p), BH_EINVAL);
    ck_assert_int_eq(bh_inline_page_of("", 120, 0, &p), BH_EINVAL);
    ck_assert_int_eq(bh_inline_page_of("", 120, 10, NULL), BH_EINVAL);
}
END_TEST

/* Answers a fresh query with results r, then has user 7 choose result_id
 * with an inline message; returns its inline_message_id (malloc'd). */
static char *choose(bh_inline_results *r, const char *result_id)
{
    char *qid = inline_query("e"), body[128], *resp = NULL, *imid;
    ck_assert_int_eq(bh_client_answer_inline(cl, qid, r, NULL), BH_OK);
    free(qid);
    snprintf(body, sizeof body, "{\"user_id\":7,\"result_id\":\"%s\",\"inline_message\":true}",
             result_id);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/chosen_inline_result", body, &resp), 200);
    imid = bh_emu_json_str(resp, "result.inline_message_id");
    free(resp);
    ck_assert_ptr_nonnull(imid);
    return imid;
}

/* The field of the inline message id, as the emulator shows it (malloc'd). */
static char *inline_field(const char *id, const char *field)
{
    char path[128], key[64], *resp = NULL, *v;
    snprintf(path, sizeof path, "/control/inline_messages?inline_message_id=%s", id);
    snprintf(key, sizeof key, "result.0.%s", field);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    v = plain(bh_emu_json_str(resp, key));
    free(resp);
    return v;
}

START_TEST(edits_of_inline_messages)
{
    bh_inline_results *r;
    bh_keyboard *kb, *reply;
    char *text_id, *photo_id, *v;
    bh_inline_result photo = {.type = "photo", .id = "ph", .file_id = "PHOTO1", .caption = "old"};

    ck_assert_int_eq(bh_inline_results_new(&r), BH_OK);
    ck_assert_int_eq(bh_inline_results_article(r, "t", "Title", "first text"), BH_OK);
    ck_assert_int_eq(bh_inline_results_add(r, &photo), BH_OK);
    /* a chosen result must be one the bot answered */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/chosen_inline_result",
                                 "{\"user_id\":7,\"result_id\":\"t\",\"inline_message\":true}", NULL),
                     400);
    text_id = choose(r, "t");
    photo_id = choose(r, "ph");
    bh_inline_results_free(r);
    v = inline_field(text_id, "text");
    ck_assert_str_eq(v, "first text");
    free(v);

    ck_assert_int_eq(bh_keyboard_new(&kb), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(kb, "Again", "again"), BH_OK);
    bh_send_options o = {.reply_markup = kb};
    ck_assert_msg(bh_client_edit_inline_text(cl, text_id, "second text", &o) == BH_OK, "%s",
                  bh_client_last_error(cl)->description);
    v = inline_field(text_id, "text");
    ck_assert_str_eq(v, "second text");
    free(v);
    v = inline_field(text_id, "reply_markup");
    ck_assert_ptr_nonnull(strstr(v, "\"again\""));
    free(v);
    /* the same again is not a change; a caption on a text is refused */
    ck_assert_int_eq(bh_client_edit_inline_text(cl, text_id, "second text", &o), BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_client_last_error(cl)->description, "not modified"));
    ck_assert_int_eq(bh_client_edit_inline_caption(cl, text_id, "c", NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_edit_inline_reply_markup(cl, text_id, NULL), BH_OK);
    v = inline_field(text_id, "reply_markup");
    ck_assert_ptr_null(v);

    ck_assert_int_eq(bh_client_edit_inline_caption(cl, photo_id, "new caption", NULL), BH_OK);
    v = inline_field(photo_id, "caption");
    ck_assert_str_eq(v, "new caption");
    free(v);
    ck_assert_int_eq(bh_client_edit_inline_text(cl, photo_id, "text", NULL), BH_EAPI);
    bh_input_media m = {.type = "document", .file = bh_file_url("https://example.org/d.pdf"),
                        .caption = "a document"};
    ck_assert_msg(bh_client_edit_inline_media(cl, photo_id, &m, kb) == BH_OK, "%s",
                  bh_client_last_error(cl)->description);
    v = inline_field(photo_id, "media");
    ck_assert_str_eq(v, "document");
    free(v);
    /* no uploads into an inline message, no reply keyboards, no unknown ids */
    m.file = bh_file_memory("abc", 3, "a.txt");
    ck_assert_int_eq(bh_client_edit_inline_media(cl, photo_id, &m, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_new_reply(&reply, NULL), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_text(reply, "x"), BH_OK);
    ck_assert_int_eq(bh_client_edit_inline_reply_markup(cl, photo_id, reply), BH_EINVAL);
    bh_keyboard_free(reply);
    ck_assert_int_eq(bh_client_edit_inline_text(cl, "im999", "x", NULL), BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_client_last_error(cl)->description, "MESSAGE_ID_INVALID"));
    bh_keyboard_free(kb);
    free(text_id);
    free(photo_id);
}
END_TEST

static int on_press(bh_ctx *ctx, const bh_callback_query *q)
{
    int rc = bh_callback_edit_text(ctx, q, "pressed", NULL);
    if (rc != BH_OK)
        return rc;
    return bh_callback_answer(ctx, q, q->data);
}

START_TEST(buttons_of_inline_messages)
{
    bh_inline_results *r;
    bh_keyboard *kb;
    bh_input_content c = {.kind = BH_CONTENT_TEXT, .text = "with a button"};
    bh_inline_result art = {.type = "article", .id = "b", .title = "B", .content = &c};
    char body[160], *imid, *resp = NULL, *v;

    ck_assert_int_eq(bh_keyboard_new(&kb), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(kb, "Again", "again"), BH_OK);
    art.reply_markup = kb;
    ck_assert_int_eq(bh_inline_results_new(&r), BH_OK);
    ck_assert_int_eq(bh_inline_results_add(r, &art), BH_OK);
    bh_keyboard_free(kb);
    imid = choose(r, "b");
    bh_inline_results_free(r);
    /* only a button the message shows can be pressed */
    snprintf(body, sizeof body, "{\"inline_message_id\":\"%s\",\"user_id\":7,\"data\":\"other\"}", imid);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/inline_callback", body, NULL), 400);
    snprintf(body, sizeof body, "{\"inline_message_id\":\"%s\",\"user_id\":7,\"data\":\"again\"}", imid);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/inline_callback", body, NULL), 200);

    /* the bot takes the press: the query names the message by its id only */
    int64_t last = 0;
    char key[48], *update = NULL;
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", "{\"timeout\":0}", &resp), 200);
    for (int i = 0; bh_emu_json_int(resp, (snprintf(key, sizeof key, "result.%d.update_id", i), key),
                                    &last) == 0; i++) {
        free(update);
        snprintf(key, sizeof key, "result.%d", i);
        update = bh_emu_json_str(resp, key);
    }
    free(resp);
    ck_assert_ptr_nonnull(update);
    ck_assert_msg(strstr(update, "\"inline_message_id\"") && !strstr(update, "\"message\""), "%s",
                  update);
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_callback_query(bot, on_press), BH_OK);
    ck_assert_int_eq(bh_bot_process(bot, update), BH_OK);
    free(update);
    bh_bot_free(bot);
    v = inline_field(imid, "text");
    ck_assert_str_eq(v, "pressed");
    free(v);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/callbacks", &resp), 200);
    ck_assert_msg(strstr(resp, "\"answered\": true") || strstr(resp, "\"answered\":true"), "%s", resp);
    free(resp);
    free(imid);
}
END_TEST

/* Presses the reply button text in chat; the status, and the update's
 * JSON text (malloc'd, or NULL) in *update. */
static int press(int64_t chat, const char *text, char **update, int64_t *offset)
{
    char body[160], *resp = NULL;
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":7,\"text\":\"%s\"}", (long long)chat, text);
    int st = bh_emu_post(&emu, "/control/reply_button", body, &resp);
    free(resp);
    *update = NULL;
    if (st != 200)
        return st;
    snprintf(body, sizeof body, "{\"offset\":%lld,\"timeout\":0}", (long long)*offset);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, &resp), 200);
    int64_t id;
    for (int i = 0;; i++) {
        char key[48];
        snprintf(key, sizeof key, "result.%d.update_id", i);
        if (bh_emu_json_int(resp, key, &id) != 0)
            break;
        *offset = id + 1;
        free(*update);
        snprintf(key, sizeof key, "result.%d.message", i);
        *update = plain(bh_emu_json_str(resp, key));
    }
    free(resp);
    return st;
}

START_TEST(presses_of_reply_buttons)
{
    bh_keyboard *k;
    int64_t offset = 0;
    char *u;
    ck_assert_int_eq(bh_keyboard_new_reply(&k, NULL), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_text(k, "Plain"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_request_contact(k, "Phone"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_request_location(k, "Where"), BH_OK);
    bh_request_users ru = {.request_id = 5};
    ck_assert_int_eq(bh_keyboard_button_request_users(k, "Users", &ru), BH_OK);
    bh_request_chat rc = {.request_id = 6, .chat_is_channel = 1};
    ck_assert_int_eq(bh_keyboard_button_request_chat(k, "Chan", &rc), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_web_app(k, "App", "https://example.org/app"), BH_OK);
    /* none shown yet */
    ck_assert_int_eq(press(7, "Plain", &u, &offset), 400);
    send_ok(k, "\"keyboard\"");
    static const char *const presses[][2] = {
        {"Plain", "\"text\":\"Plain\""},
        {"Phone", "\"contact\":{\"phone_number\""},
        {"Where", "\"location\":{\"latitude\""},
        {"Users", "\"users_shared\":{\"request_id\":5"},
        {"Chan", "\"chat_shared\":{\"request_id\":6"},
    };
    for (size_t i = 0; i < sizeof presses / sizeof *presses; i++) {
        ck_assert_int_eq(press(7, presses[i][0], &u, &offset), 200);
        ck_assert_msg(u && strstr(u, presses[i][1]), "%s: %s", presses[i][0], u);
        if (!strcmp(presses[i][0], "Where")) { /* the message reads as a location */
            bh_message *m = NULL;
            bh_location l;
            json_object *o = json_tokener_parse(u);
            ck_assert_int_eq(bh_message_parse(o, &m), BH_OK);
            ck_assert_int_eq(bh_message_location(m, &l), BH_OK);
            bh_message_free(m);
            json_object_put(o);
        }
        free(u);
    }
    ck_assert_int_eq(press(7, "App", &u, &offset), 400);
    ck_assert_int_eq(press(7, "Absent", &u, &offset), 400);
    bh_keyboard_free(k);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("keyboards");
    TCase *tc = tcase_create("keyboards");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_inline_button_kind);
    tcase_add_test(tc, every_reply_keyboard_kind);
    tcase_add_test(tc, limits_are_checked_when_built);
    tcase_add_test(tc, emulator_refuses_what_telegram_refuses);
    tcase_add_test(tc, every_inline_result_kind);
    tcase_add_test(tc, inline_rules_checked_before_sending);
    tcase_add_test(tc, pages_of_results);
    tcase_add_test(tc, edits_of_inline_messages);
    tcase_add_test(tc, presses_of_reply_buttons);
    tcase_add_test(tc, buttons_of_inline_messages);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
