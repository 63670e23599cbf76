/*
 * The send options of the current Bot API, through the typed wrappers and
 * against the emulator, which checks each as Telegram does and shows what
 * it adds to the sent message: parse_mode with escaped text, entities and
 * caption_entities, link_preview_options, disable_notification,
 * protect_content, reply_parameters (a quote, another chat),
 * message_thread_id, business_connection_id, message_effect_id,
 * allow_paid_broadcast, and any reply markup.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/telegram.h"
#include "emu_proc.h"
#include "testutil.h"
#include "tg_fixture.h"

#define TOKEN "4646:OPTIONSsecretTOKEN"
#define USER 93
#define OTHER 94
#define GROUP (-100777)
#define HELLO 2 /* USER's "hello there world", after the fixture's "hi" */

static bh_emu_proc emu;
static bh_client *cl;

/* The common fixture, then a message to quote, one in another private
 * chat, and a supergroup with USER in it. */
static void setup(void)
{
    char body[256], *resp = NULL;
    bh_tgfx_setup();
    ck_assert_int_ge(bh_emu_send_user_message(&emu, USER, USER, "hello there world"), 1);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, OTHER, OTHER, "from elsewhere"), 1);
    snprintf(body, sizeof body,
             "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"hi\",\"chat_type\":\"supergroup\"}", GROUP,
             USER);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, &resp), 200);
    free(resp);
}

/* The field at a dotted path of m's JSON (borrowed), or NULL. */
static json_object *at(const bh_message *m, const char *path)
{
    char buf[128], *save = NULL;
    json_object *o;
    snprintf(buf, sizeof buf, "%s", path);
    o = bh_message_field(m, strtok_r(buf, ".", &save));
    for (char *k = strtok_r(NULL, ".", &save); o && k; k = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array))
            o = json_object_array_get_idx(o, (size_t)atoi(k));
        else if (!json_object_object_get_ex(o, k, &o))
            o = NULL;
    }
    return o;
}

static const char *str_at(const bh_message *m, const char *path)
{
    json_object *v = at(m, path);
    return v ? json_object_get_string(v) : "";
}

static int64_t int_at(const bh_message *m, const char *path)
{
    json_object *v = at(m, path);
    return v ? json_object_get_int64(v) : -1;
}

START_TEST(text_formatting)
{
    bh_message *m = NULL;
    char *esc = bh_text_escape_html("a <b> & c"), *text;
    bh_send_options o = {.parse_mode = "HTML"};
    ck_assert_int_ge(asprintf(&text, "<b>%s</b>", esc), 0);
    ck_assert_int_eq(bh_client_send_message(cl, USER, text, &o, &m), BH_OK);
    ck_assert_str_eq(str_at(m, "text"), "<b>a &lt;b&gt; &amp; c</b>");
    bh_message_free(m);
    free(text);
    free(esc);
    esc = bh_text_escape_markdown_v2("1.5 (x)!");
    ck_assert_str_eq(esc, "1\\.5 \\(x\\)\\!");
    o.parse_mode = "MarkdownV2";
    ck_assert_int_eq(bh_client_send_message(cl, USER, esc, &o, NULL), BH_OK);
    free(esc);
    o.parse_mode = "Shouting";
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: unsupported parse_mode");

    /* entities instead of parse_mode, checked against the text */
    o = (bh_send_options){.entities = json_tokener_parse("[{\"type\":\"bold\",\"offset\":0,\"length\":4}]")};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "bold text", &o, &m), BH_OK);
    ck_assert_str_eq(str_at(m, "entities.0.type"), "bold");
    ck_assert_int_eq(int_at(m, "entities.0.length"), 4);
    bh_message_free(m);
    json_object_put(o.entities);
    o.entities = json_tokener_parse("[{\"type\":\"bold\",\"offset\":2,\"length\":9}]");
    ck_assert_int_eq(bh_client_send_message(cl, USER, "short", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: entity beyond the end of the text");
    json_object_put(o.entities);
    o.entities = json_tokener_parse("[{\"type\":\"glitter\",\"offset\":0,\"length\":1}]");
    ck_assert_int_eq(bh_client_send_message(cl, USER, "short", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: can't parse entities: Unsupported type specified");
    json_object_put(o.entities);

    /* a caption's entities are caption_entities */
    bh_input_file f = bh_file_memory("img", 3, "i.jpg");
    o.entities = json_tokener_parse("[{\"type\":\"italic\",\"offset\":0,\"length\":3}]");
    ck_assert_int_eq(bh_client_send_photo(cl, USER, &f, "cap", &o, &m), BH_OK);
    ck_assert_str_eq(str_at(m, "caption_entities.0.type"), "italic");
    ck_assert_ptr_null(at(m, "entities"));
    bh_message_free(m);
    json_object_put(o.entities);
}
END_TEST

START_TEST(previews_and_flags)
{
    bh_message *m = NULL;
    bh_send_options o = {.link_preview_options = json_tokener_parse("{\"is_disabled\":true}"),
                         .disable_notification = 1,
                         .protect_content = 1,
                         .allow_paid_broadcast = 1,
                         .message_effect_id = "5104841245755180586",
                         .business_connection_id = "biz-1"};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "see https://example.org", &o, &m), BH_OK);
    ck_assert(json_object_get_boolean(at(m, "link_preview_options.is_disabled")));
    ck_assert(json_object_get_boolean(at(m, "has_protected_content")));
    ck_assert_str_eq(str_at(m, "effect_id"), "5104841245755180586");
    ck_assert_str_eq(str_at(m, "business_connection_id"), "biz-1");
    bh_message_free(m);
    json_object_put(o.link_preview_options);
    o.link_preview_options =
        json_tokener_parse("{\"prefer_small_media\":true,\"prefer_large_media\":true}");
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(),
                     "Bad Request: prefer_small_media and prefer_large_media can't be both specified");
    json_object_put(o.link_preview_options);
    o.link_preview_options = NULL;
    /* effects only in private chats, and only real effect ids */
    ck_assert_int_eq(bh_client_send_message(cl, GROUP, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message effects are available only in private chats");
    o.message_effect_id = "sparkles";
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: EFFECT_ID_INVALID");
}
END_TEST

START_TEST(replies_and_quotes)
{
    bh_message *m = NULL;
    bh_send_options o = {.reply = {.message_id = HELLO, .quote = "there"}};
    /* a quote of this chat's message "hello there world" */
    ck_assert_int_eq(bh_client_send_message(cl, USER, "quoting", &o, &m), BH_OK);
    ck_assert_int_eq(int_at(m, "reply_to_message.message_id"), HELLO);
    ck_assert_str_eq(str_at(m, "quote.text"), "there");
    ck_assert_int_eq(int_at(m, "quote.position"), 6);
    bh_message_free(m);
    o.reply.quote = "nowhere";
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: QUOTE_TEXT_INVALID");
    /* a message of another chat: external_reply */
    o.reply = (bh_reply_parameters){.message_id = 1, .chat_id = OTHER, .quote = "elsewhere"};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "about that", &o, &m), BH_OK);
    ck_assert_int_eq(int_at(m, "external_reply.chat.id"), OTHER);
    ck_assert_int_eq(int_at(m, "external_reply.message_id"), 1);
    ck_assert_str_eq(str_at(m, "external_reply.origin.type"), "user");
    ck_assert_ptr_null(at(m, "reply_to_message"));
    ck_assert_str_eq(str_at(m, "quote.text"), "elsewhere");
    bh_message_free(m);
    o.reply = (bh_reply_parameters){.message_id = 99, .chat_id = OTHER};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message to be replied not found");
    o.reply.allow_sending_without_reply = 1;
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_OK);
    o.reply = (bh_reply_parameters){.message_id = 1, .chat_id = 555};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: chat not found");
}
END_TEST

START_TEST(topics_and_markup)
{
    bh_message *m = NULL;
    int64_t thread = 0;
    bh_send_options o = {.message_thread_id = 4242};
    ck_assert_int_eq(bh_client_send_message(cl, GROUP, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message thread not found");
    ck_assert_int_eq(bh_client_create_forum_topic(cl, GROUP, "News", 0, &thread), BH_OK);
    o.message_thread_id = thread;
    ck_assert_int_eq(bh_client_send_message(cl, GROUP, "in the topic", &o, &m), BH_OK);
    ck_assert_int_eq(int_at(m, "message_thread_id"), thread);
    ck_assert(json_object_get_boolean(at(m, "is_topic_message")));
    bh_message_free(m);
    /* any reply markup, as JSON */
    o = (bh_send_options){.markup = json_tokener_parse(
                              "{\"keyboard\":[[{\"text\":\"Yes\"}]],\"resize_keyboard\":true}")};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "pick", &o, NULL), BH_OK);
    json_object_put(o.markup);
    o.markup = json_tokener_parse("{\"force_reply\":true}");
    ck_assert_int_eq(bh_client_send_message(cl, USER, "answer me", &o, NULL), BH_OK);
    json_object_put(o.markup);
    o.markup = json_tokener_parse("{\"keyboard\":\"rows\"}");
    ck_assert_int_eq(bh_client_send_message(cl, USER, "x", &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(),
                     "Bad Request: field \"keyboard\" of the ReplyKeyboardMarkup should be an Array");
    json_object_put(o.markup);
}
END_TEST

/* The emulator checks the options' types from the method table. */
START_TEST(option_types_checked)
{
    char *resp = NULL, *d;
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage",
                                 "{\"chat_id\":93,\"text\":\"x\",\"allow_paid_broadcast\":\"maybe\"}",
                                 &resp), 400);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Bad Request: invalid allow_paid_broadcast specified: must be a Boolean");
    free(d);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage",
                                 "{\"chat_id\":93,\"text\":\"x\",\"link_preview_options\":7}", &resp),
                     400);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Bad Request: can't parse link_preview_options JSON object");
    free(d);
    free(resp);
}
END_TEST

/* The options hold for the other kinds of sends: places, albums. */
START_TEST(options_of_other_sends)
{
    bh_message *m = NULL, **album = NULL;
    size_t n = 0;
    bh_send_options o = {.protect_content = 1, .reply = {.message_id = HELLO, .quote = "world"}};
    bh_input_media items[2] = {{.type = "photo", .file = bh_file_memory("a", 1, "a.jpg")},
                               {.type = "photo", .file = bh_file_memory("b", 1, "b.jpg")}};
    ck_assert_int_eq(bh_client_send_location(cl, USER, 45.0, 9.0, &o, &m), BH_OK);
    ck_assert(json_object_get_boolean(at(m, "has_protected_content")));
    ck_assert_str_eq(str_at(m, "quote.text"), "world");
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_media_group(cl, USER, items, 2, &o, &album, &n), BH_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(json_object_get_boolean(at(album[1], "has_protected_content")));
    bh_messages_free(album, n);
    o.reply = (bh_reply_parameters){0};
    o.message_thread_id = 77;
    ck_assert_int_eq(bh_client_send_dice(cl, GROUP, NULL, &o, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message thread not found");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_options");
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_test_add_case(s, "formatting", text_formatting, setup, bh_tgfx_teardown, 60);
    bh_test_add_case(s, "previews_and_flags", previews_and_flags, setup, bh_tgfx_teardown, 60);
    bh_test_add_case(s, "replies", replies_and_quotes, setup, bh_tgfx_teardown, 60);
    bh_test_add_case(s, "topics_and_markup", topics_and_markup, setup, bh_tgfx_teardown, 60);
    bh_test_add_case(s, "types", option_types_checked, setup, bh_tgfx_teardown, 60);
    bh_test_add_case(s, "other_sends", options_of_other_sends, setup, bh_tgfx_teardown, 60);
    return bh_test_run_suite(s);
}
