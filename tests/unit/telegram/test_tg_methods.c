/*
 * Typed methods against the loopback HTTP stub: the request each one sends
 * (path and JSON fields) and how its answer is parsed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "httpstub.h"
#include "testutil.h"

#define TOKEN "42:methods-test-token"

static bh_httpstub *stub;
static bh_client *cl;

static void setup(void)
{
    bh_client_options o = {0};
    o.max_retries = BH_TG_NO_RETRY;
    stub = bh_httpstub_start();
    ck_assert_int_eq(bh_client_new(&cl, TOKEN, bh_httpstub_url(stub), &o), BH_OK);
}

static void teardown(void)
{
    bh_client_free(cl);
    bh_httpstub_stop(stub);
}

/* The JSON body of request i, checked to go to method. */
static json_object *request(size_t i, const char *method)
{
    char path[128];
    bh_stub_request *r = bh_httpstub_request(stub, i);
    ck_assert_ptr_nonnull(r);
    snprintf(path, sizeof path, "/bot%s/%s", TOKEN, method);
    ck_assert_str_eq(r->path, path);
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->content_type, "application/json");
    json_object *o = json_tokener_parse(r->body);
    ck_assert_msg(o && json_object_is_type(o, json_type_object), "body: %s", r->body);
    bh_stub_request_free(r);
    return o;
}

static int64_t field_int(json_object *o, const char *k)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "missing %s", k);
    ck_assert_msg(json_object_is_type(v, json_type_int), "%s not an int", k);
    return json_object_get_int64(v);
}

static const char *field_str(json_object *o, const char *k)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(o, k, &v), "missing %s", k);
    ck_assert_msg(json_object_is_type(v, json_type_string), "%s not a string", k);
    return json_object_get_string(v);
}

static int field_true(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

static int has(json_object *o, const char *k)
{
    return json_object_object_get_ex(o, k, NULL);
}

#define MSG_RESULT(chat)                                                                   \
    "{\"ok\":true,\"result\":{\"message_id\":321,\"date\":1700000000,\"chat\":{\"id\":" chat \
    ",\"type\":\"private\"},\"from\":{\"id\":42,\"is_bot\":true,\"first_name\":\"Hive\"},\"text\":\"hi\"}}"

START_TEST(test_get_me)
{
    bh_user *me = NULL;
    bh_httpstub_push(stub, 200,
                     "{\"ok\":true,\"result\":{\"id\":7000000042,\"is_bot\":true,\"first_name\":\"Hive\","
                     "\"username\":\"hive_bot\"}}",
                     0);
    ck_assert_int_eq(bh_client_get_me(cl, &me), BH_OK);
    ck_assert(me->id == 7000000042LL);
    ck_assert_int_eq(me->is_bot, 1);
    ck_assert_str_eq(me->first_name, "Hive");
    ck_assert_str_eq(me->username, "hive_bot");
    bh_user_free(me);
    json_object *b = request(0, "getMe");
    json_object_put(b);

    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_get_me(cl, &me), BH_EPROTO);
    ck_assert_ptr_null(me);
}
END_TEST

START_TEST(test_get_updates)
{
    static const char *const kinds[] = {"message", "callback_query", NULL};
    bh_update_batch b;
    bh_httpstub_push(stub, 200,
                     "{\"ok\":true,\"result\":["
                     "{\"update_id\":500,\"message\":{\"message_id\":1,\"chat\":{\"id\":-1001234567890123}}},"
                     "{\"update_id\":501,\"callback_query\":{\"id\":\"c\",\"from\":{\"id\":2},\"data\":\"d\"}}]}",
                     0);
    ck_assert_int_eq(bh_client_get_updates(cl, 500, 10, 0, kinds, &b), BH_OK);
    ck_assert_int_eq((int)b.count, 2);
    ck_assert(b.next_offset == 502);
    ck_assert(b.items[0]->message->chat.id == -1001234567890123LL);
    ck_assert_str_eq(b.items[1]->callback_query->data, "d");
    bh_update_batch_free(&b);

    json_object *o = request(0, "getUpdates");
    ck_assert(field_int(o, "offset") == 500);
    ck_assert(field_int(o, "limit") == 10);
    ck_assert(field_int(o, "timeout") == 0);
    json_object *au = json_object_object_get(o, "allowed_updates");
    ck_assert_int_eq((int)json_object_array_length(au), 2);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(au, 1)), "callback_query");
    json_object_put(o);

    /* defaults are left to the server */
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":[]}", 0);
    ck_assert_int_eq(bh_client_get_updates(cl, 0, 0, 0, NULL, &b), BH_OK);
    bh_update_batch_free(&b);
    o = request(1, "getUpdates");
    ck_assert(!has(o, "offset") && !has(o, "limit") && !has(o, "allowed_updates"));
    json_object_put(o);

    /* a result that is not an array */
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":{}}", 0);
    ck_assert_int_eq(bh_client_get_updates(cl, 0, 0, 0, NULL, &b), BH_EPROTO);
    ck_assert_int_eq(bh_client_get_updates(cl, 0, 101, 0, NULL, &b), BH_EINVAL);
    ck_assert_int_eq(bh_client_get_updates(cl, 0, 0, -1, NULL, &b), BH_EINVAL);
    ck_assert_int_eq(bh_client_get_updates(cl, 0, 0, 0, NULL, NULL), BH_EINVAL);
}
END_TEST

START_TEST(test_send_message_with_every_option)
{
    bh_keyboard *k = NULL;
    bh_message *m = NULL;
    bh_send_options opt = {0};
    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "Yes", "vote:yes"), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "No", "vote:no"), BH_OK);
    ck_assert_int_eq(bh_keyboard_row(k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_url(k, "Docs", "https://example.org/docs"), BH_OK);
    opt.parse_mode = "HTML";
    opt.reply_to_message_id = 2147483650LL;
    opt.disable_notification = 1;
    opt.disable_web_page_preview = 1;
    opt.reply_markup = k;

    bh_httpstub_push(stub, 200, MSG_RESULT("-1001234567890123"), 0);
    ck_assert_int_eq(bh_client_send_message(cl, -1001234567890123LL, "<b>hi</b>", &opt, &m), BH_OK);
    ck_assert(m->message_id == 321);
    ck_assert(m->chat.id == -1001234567890123LL);
    ck_assert_str_eq(m->text, "hi");
    ck_assert(m->from->id == 42);
    bh_message_free(m);

    json_object *o = request(0, "sendMessage");
    ck_assert(field_int(o, "chat_id") == -1001234567890123LL);
    ck_assert_str_eq(field_str(o, "text"), "<b>hi</b>");
    ck_assert_str_eq(field_str(o, "parse_mode"), "HTML");
    ck_assert(field_int(o, "reply_to_message_id") == 2147483650LL);
    ck_assert(field_true(o, "disable_notification"));
    ck_assert(field_true(o, "disable_web_page_preview"));
    json_object *rows = json_object_object_get(json_object_object_get(o, "reply_markup"), "inline_keyboard");
    ck_assert_int_eq((int)json_object_array_length(rows), 2);
    json_object *r0 = json_object_array_get_idx(rows, 0), *r1 = json_object_array_get_idx(rows, 1);
    ck_assert_int_eq((int)json_object_array_length(r0), 2);
    ck_assert_str_eq(field_str(json_object_array_get_idx(r0, 0), "text"), "Yes");
    ck_assert_str_eq(field_str(json_object_array_get_idx(r0, 1), "callback_data"), "vote:no");
    ck_assert_str_eq(field_str(json_object_array_get_idx(r1, 0), "url"), "https://example.org/docs");
    json_object_put(o);

    /* the keyboard is still usable after being sent */
    bh_httpstub_push(stub, 200, MSG_RESULT("5"), 0);
    ck_assert_int_eq(bh_client_send_message(cl, 5, "again", &opt, NULL), BH_OK);
    bh_keyboard_free(k);

    /* no options: only chat_id and text */
    bh_httpstub_push(stub, 200, MSG_RESULT("5"), 0);
    ck_assert_int_eq(bh_client_send_message(cl, 5, "plain", NULL, NULL), BH_OK);
    o = request(2, "sendMessage");
    ck_assert_int_eq(json_object_object_length(o), 2);
    json_object_put(o);

    ck_assert_int_eq(bh_client_send_message(cl, 5, "", NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_send_message(cl, 5, NULL, NULL, NULL), BH_EINVAL);
    /* a result of the wrong type */
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_send_message(cl, 5, "x", NULL, &m), BH_EPROTO);
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(test_keyboard_limits)
{
    bh_keyboard *k = NULL;
    char data[66];
    memset(data, 'd', 65);
    data[65] = '\0';
    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", data), BH_EINVAL);
    data[64] = '\0';
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", data), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "", "x"), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "t", ""), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_button_url(k, "t", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_keyboard_button_url(NULL, "t", "u"), BH_EINVAL);
    ck_assert_str_eq(json_object_to_json_string_ext(bh_keyboard_json(k), JSON_C_TO_STRING_PLAIN),
                     "{\"inline_keyboard\":[[{\"text\":\"t\",\"callback_data\":\""
                     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\"}]]}");
    bh_keyboard_free(k);
    ck_assert_int_eq(bh_keyboard_new(NULL), BH_EINVAL);
}
END_TEST

START_TEST(test_edit_delete_forward)
{
    bh_message *m = NULL;
    bh_send_options opt = {0};
    opt.parse_mode = "MarkdownV2";
    opt.disable_notification = 1; /* not an editMessageText parameter: not sent */
    bh_httpstub_push(stub, 200, MSG_RESULT("-100777"), 0);
    ck_assert_int_eq(bh_client_edit_message_text(cl, -100777, 321, "new *text*", &opt, &m), BH_OK);
    ck_assert(m->message_id == 321);
    bh_message_free(m);
    json_object *o = request(0, "editMessageText");
    ck_assert(field_int(o, "chat_id") == -100777);
    ck_assert(field_int(o, "message_id") == 321);
    ck_assert_str_eq(field_str(o, "text"), "new *text*");
    ck_assert_str_eq(field_str(o, "parse_mode"), "MarkdownV2");
    ck_assert(!has(o, "disable_notification"));
    json_object_put(o);

    ck_assert_int_eq(bh_client_delete_message(cl, -1001234567890123LL, 99), BH_OK);
    o = request(1, "deleteMessage");
    ck_assert(field_int(o, "chat_id") == -1001234567890123LL);
    ck_assert(field_int(o, "message_id") == 99);
    json_object_put(o);
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":{}}", 0);
    ck_assert_int_eq(bh_client_delete_message(cl, 1, 99), BH_EPROTO);
    ck_assert_int_eq(bh_client_delete_message(cl, 1, 0), BH_EINVAL);

    bh_httpstub_push(stub, 200, MSG_RESULT("10"), 0);
    ck_assert_int_eq(bh_client_forward_message(cl, 10, -1002000000000LL, 55, 1, &m), BH_OK);
    ck_assert(m->chat.id == 10);
    bh_message_free(m);
    o = request(3, "forwardMessage");
    ck_assert(field_int(o, "chat_id") == 10);
    ck_assert(field_int(o, "from_chat_id") == -1002000000000LL);
    ck_assert(field_int(o, "message_id") == 55);
    ck_assert(field_true(o, "disable_notification"));
    json_object_put(o);
}
END_TEST

START_TEST(test_chat_action_and_callback_answer)
{
    ck_assert_int_eq(bh_client_send_chat_action(cl, 12, "typing"), BH_OK);
    json_object *o = request(0, "sendChatAction");
    ck_assert(field_int(o, "chat_id") == 12);
    ck_assert_str_eq(field_str(o, "action"), "typing");
    json_object_put(o);
    ck_assert_int_eq(bh_client_send_chat_action(cl, 12, ""), BH_EINVAL);

    ck_assert_int_eq(bh_client_answer_callback_query(cl, "q-1", "Saved", 1), BH_OK);
    o = request(1, "answerCallbackQuery");
    ck_assert_str_eq(field_str(o, "callback_query_id"), "q-1");
    ck_assert_str_eq(field_str(o, "text"), "Saved");
    ck_assert(field_true(o, "show_alert"));
    json_object_put(o);
    ck_assert_int_eq(bh_client_answer_callback_query(cl, "q-2", NULL, 0), BH_OK);
    o = request(2, "answerCallbackQuery");
    ck_assert(!has(o, "text") && !has(o, "show_alert"));
    json_object_put(o);
    ck_assert_int_eq(bh_client_answer_callback_query(cl, NULL, NULL, 0), BH_EINVAL);
}
END_TEST

START_TEST(test_set_my_commands)
{
    bh_bot_command_info cmds[] = {{"start", "Start the bot"}, {"count_2", "Show the count"}};
    ck_assert_int_eq(bh_client_set_my_commands(cl, cmds, 2), BH_OK);
    json_object *o = request(0, "setMyCommands");
    json_object *arr = json_object_object_get(o, "commands");
    ck_assert_int_eq((int)json_object_array_length(arr), 2);
    ck_assert_str_eq(field_str(json_object_array_get_idx(arr, 1), "command"), "count_2");
    ck_assert_str_eq(field_str(json_object_array_get_idx(arr, 1), "description"), "Show the count");
    json_object_put(o);

    ck_assert_int_eq(bh_client_set_my_commands(cl, NULL, 0), BH_OK);
    o = request(1, "setMyCommands");
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(o, "commands")), 0);
    json_object_put(o);

    bh_bot_command_info bad1[] = {{"Start", "x"}};
    bh_bot_command_info bad2[] = {{"/start", "x"}};
    bh_bot_command_info bad3[] = {{"start", ""}};
    bh_bot_command_info bad4[] = {{"abcdefghijabcdefghijabcdefghijabc", "33 chars"}};
    ck_assert_int_eq(bh_client_set_my_commands(cl, bad1, 1), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_my_commands(cl, bad2, 1), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_my_commands(cl, bad3, 1), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_my_commands(cl, bad4, 1), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_my_commands(cl, NULL, 1), BH_EINVAL);
    ck_assert_int_eq((int)bh_httpstub_count(stub), 2);
}
END_TEST

START_TEST(test_set_my_commands_scoped)
{
    bh_bot_command_info cmds[1] = {{"ban", "Ban a user"}};
    bh_command_scope scope = {.type = "chat_member", .chat_id = -1001, .user_id = 5};
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_set_my_commands_ex(cl, cmds, 1, &scope, "it"), BH_OK);
    json_object *o = request(0, "setMyCommands");
    json_object *sc = json_object_object_get(o, "scope");
    ck_assert_str_eq(field_str(sc, "type"), "chat_member");
    ck_assert(field_int(sc, "chat_id") == -1001);
    ck_assert(field_int(sc, "user_id") == 5);
    ck_assert_str_eq(field_str(o, "language_code"), "it");
    json_object_put(o);

    bh_command_scope groups = {.type = "all_group_chats"};
    bh_httpstub_push(stub, 200, "{\"ok\":true,\"result\":true}", 0);
    ck_assert_int_eq(bh_client_set_my_commands_ex(cl, cmds, 1, &groups, NULL), BH_OK);
    o = request(1, "setMyCommands");
    sc = json_object_object_get(o, "scope");
    ck_assert_str_eq(field_str(sc, "type"), "all_group_chats");
    ck_assert(!has(sc, "chat_id") && !has(o, "language_code"));
    json_object_put(o);
}
END_TEST

START_TEST(test_typed_methods_report_api_errors)
{
    bh_message *m = (bh_message *)1;
    bh_httpstub_push(stub, 400, "{\"ok\":false,\"error_code\":400,\"description\":\"Bad Request: message text is empty\"}", 0);
    ck_assert_int_eq(bh_client_send_message(cl, 1, "x", NULL, &m), BH_EAPI);
    ck_assert_ptr_null(m);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 400);
    ck_assert_str_eq(bh_client_last_error(cl)->description, "Bad Request: message text is empty");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tg_methods");
    TCase *tc = tcase_create("methods");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_get_me);
    tcase_add_test(tc, test_get_updates);
    tcase_add_test(tc, test_send_message_with_every_option);
    tcase_add_test(tc, test_keyboard_limits);
    tcase_add_test(tc, test_edit_delete_forward);
    tcase_add_test(tc, test_chat_action_and_callback_answer);
    tcase_add_test(tc, test_set_my_commands);
    tcase_add_test(tc, test_set_my_commands_scoped);
    tcase_add_test(tc, test_typed_methods_report_api_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
