/*
 * Typed views of updates: every field, 64-bit ids, commands, unknown kinds,
 * malformed updates (an error, never a crash).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "capture.h"
#include "testutil.h"

/* Parses text into an update, asserting the JSON itself is valid. */
static int parse(const char *text, bh_update **u)
{
    json_object *o = json_tokener_parse(text);
    ck_assert_msg(o != NULL, "test JSON invalid: %s", text);
    int rc = bh_update_parse(o, u);
    json_object_put(o); /* the view keeps its own reference */
    return rc;
}

START_TEST(test_message_every_field)
{
    bh_update *u = NULL;
    ck_assert_int_eq(parse("{\"update_id\":9007199254740993,\"message\":{"
                           "\"message_id\":2147483649,\"date\":1700000000,\"edit_date\":1700000100,"
                           "\"chat\":{\"id\":-1001234567890123,\"type\":\"supergroup\",\"title\":\"Hive\",\"username\":\"hivegroup\"},"
                           "\"from\":{\"id\":5000000001,\"is_bot\":false,\"first_name\":\"Ada\",\"last_name\":\"L\","
                           "\"username\":\"ada\",\"language_code\":\"en\"},"
                           "\"text\":\"hello\","
                           "\"reply_to_message\":{\"message_id\":41,\"date\":1699999999,"
                           "\"chat\":{\"id\":-1001234567890123,\"type\":\"supergroup\"},\"text\":\"/start\"}}}",
                           &u),
                     BH_OK);
    ck_assert(u->update_id == 9007199254740993LL);
    ck_assert_int_eq(u->kind, BH_UPDATE_MESSAGE);
    ck_assert_str_eq(bh_update_kind_name(u->kind), "message");
    ck_assert_ptr_null(u->callback_query);
    const bh_message *m = u->message;
    ck_assert_ptr_nonnull(m);
    ck_assert(m->message_id == 2147483649LL);
    ck_assert(m->date == 1700000000);
    ck_assert(m->edit_date == 1700000100);
    ck_assert(m->chat.id == -1001234567890123LL);
    ck_assert_str_eq(m->chat.type, "supergroup");
    ck_assert_str_eq(m->chat.title, "Hive");
    ck_assert_str_eq(m->chat.username, "hivegroup");
    ck_assert_ptr_null(m->chat.first_name);
    ck_assert_ptr_nonnull(m->from);
    ck_assert(m->from->id == 5000000001LL);
    ck_assert_int_eq(m->from->is_bot, 0);
    ck_assert_str_eq(m->from->first_name, "Ada");
    ck_assert_str_eq(m->from->last_name, "L");
    ck_assert_str_eq(m->from->username, "ada");
    ck_assert_str_eq(m->from->language_code, "en");
    ck_assert_str_eq(m->text, "hello");
    ck_assert_ptr_null(m->command);
    ck_assert_ptr_null(m->command_bot);
    ck_assert_ptr_null(m->command_args);
    ck_assert_ptr_nonnull(m->reply_to);
    ck_assert(m->reply_to->message_id == 41);
    ck_assert_str_eq(m->reply_to->text, "/start");
    ck_assert_ptr_null(m->reply_to->from);
    /* the raw JSON stays reachable for fields without a view */
    json_object *raw = bh_update_json(u), *msg;
    ck_assert(json_object_object_get_ex(raw, "message", &msg));
    ck_assert_ptr_eq(msg, m->json);
    bh_update_free(u);
}
END_TEST

START_TEST(test_missing_optional_fields_are_null)
{
    bh_update *u = NULL;
    ck_assert_int_eq(parse("{\"update_id\":1,\"message\":{\"message_id\":1,\"chat\":{\"id\":7}}}", &u), BH_OK);
    const bh_message *m = u->message;
    ck_assert(m->date == 0);
    ck_assert_str_eq(m->chat.type, "");
    ck_assert_ptr_null(m->chat.title);
    ck_assert_ptr_null(m->from);
    ck_assert_ptr_null(m->text);
    ck_assert_ptr_null(m->reply_to);
    ck_assert_ptr_null(m->command);
    bh_update_free(u);

    /* malformed optional fields read as absent */
    ck_assert_int_eq(parse("{\"update_id\":1,\"message\":{\"message_id\":1,\"chat\":{\"id\":7,\"title\":5},"
                           "\"from\":{\"id\":\"x\"},\"text\":12,\"date\":\"today\",\"reply_to_message\":[]}}",
                           &u),
                     BH_OK);
    ck_assert_ptr_null(u->message->from);
    ck_assert_ptr_null(u->message->text);
    ck_assert_ptr_null(u->message->chat.title);
    ck_assert_ptr_null(u->message->reply_to);
    ck_assert(u->message->date == 0);
    bh_update_free(u);
}
END_TEST

static bh_update *command_update(const char *text_json, const char *entities_json)
{
    char buf[1024];
    bh_update *u = NULL;
    snprintf(buf, sizeof buf,
             "{\"update_id\":3,\"message\":{\"message_id\":1,\"chat\":{\"id\":1,\"type\":\"private\"},"
             "\"text\":%s%s%s}}",
             text_json, entities_json ? ",\"entities\":" : "", entities_json ? entities_json : "");
    ck_assert_int_eq(parse(buf, &u), BH_OK);
    return u;
}

START_TEST(test_bot_commands)
{
    bh_update *u = command_update("\"/start@hive_bot   hello world \"",
                                  "[{\"type\":\"bot_command\",\"offset\":0,\"length\":15}]");
    ck_assert_str_eq(u->message->command, "start");
    ck_assert_str_eq(u->message->command_bot, "hive_bot");
    ck_assert_str_eq(u->message->command_args, "hello world ");
    bh_update_free(u);

    u = command_update("\"/count\"", "[{\"type\":\"bot_command\",\"offset\":0,\"length\":6}]");
    ck_assert_str_eq(u->message->command, "count");
    ck_assert_ptr_null(u->message->command_bot);
    ck_assert_str_eq(u->message->command_args, "");
    bh_update_free(u);

    /* args after multi-byte text: offsets are UTF-16 units, not bytes */
    u = command_update("\"/echo h\\u00e9llo \\ud83d\\ude00 ok\"",
                       "[{\"type\":\"bold\",\"offset\":6,\"length\":5},"
                       "{\"type\":\"bot_command\",\"offset\":0,\"length\":5}]");
    ck_assert_str_eq(u->message->command, "echo");
    ck_assert_str_eq(u->message->command_args, "h\xc3\xa9llo \xf0\x9f\x98\x80 ok");
    bh_update_free(u);

    /* a command not at the start is not the message's command */
    u = command_update("\"\\ud83d\\ude00 /start\"", "[{\"type\":\"bot_command\",\"offset\":3,\"length\":6}]");
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);

    /* entities without a bot_command: not a command even if it starts with '/' */
    u = command_update("\"/not a command\"", "[{\"type\":\"italic\",\"offset\":0,\"length\":4}]");
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);

    /* no entities at all (emulators): a leading /command is recognised */
    u = command_update("\"/help@hive_bot\\nmore\"", NULL);
    ck_assert_str_eq(u->message->command, "help");
    ck_assert_str_eq(u->message->command_bot, "hive_bot");
    ck_assert_str_eq(u->message->command_args, "more");
    bh_update_free(u);
    /* "/cmd@" with an empty bot name is for no bot (issue 15) */
    u = command_update("\"/count@ x\"", "[{\"type\":\"bot_command\",\"offset\":0,\"length\":7}]");
    ck_assert_str_eq(u->message->command, "count");
    ck_assert_ptr_nonnull(u->message->command_bot);
    ck_assert_str_eq(u->message->command_bot, "");
    bh_update_free(u);
    u = command_update("\"/ nothing\"", NULL);
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);

    /* an entity longer than the text does not read past it */
    u = command_update("\"/x\"", "[{\"type\":\"bot_command\",\"offset\":0,\"length\":400}]");
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);
}
END_TEST

START_TEST(test_message_kinds)
{
    static const struct {
        const char *key;
        bh_update_kind kind;
    } kinds[] = {
        {"message", BH_UPDATE_MESSAGE},
        {"edited_message", BH_UPDATE_EDITED_MESSAGE},
        {"channel_post", BH_UPDATE_CHANNEL_POST},
        {"edited_channel_post", BH_UPDATE_EDITED_CHANNEL_POST},
    };
    for (size_t i = 0; i < 4; i++) {
        char buf[256];
        bh_update *u = NULL;
        snprintf(buf, sizeof buf,
                 "{\"update_id\":%zu,\"%s\":{\"message_id\":3,\"chat\":{\"id\":-1002000000000,\"type\":\"channel\"},"
                 "\"text\":\"post\"}}",
                 i, kinds[i].key);
        ck_assert_int_eq(parse(buf, &u), BH_OK);
        ck_assert_int_eq(u->kind, kinds[i].kind);
        ck_assert_str_eq(bh_update_kind_name(u->kind), kinds[i].key);
        ck_assert_ptr_nonnull(u->message);
        ck_assert(u->message->chat.id == -1002000000000LL);
        ck_assert_ptr_null(u->message->from);
        bh_update_free(u);
    }
}
END_TEST

START_TEST(test_callback_query)
{
    bh_update *u = NULL;
    ck_assert_int_eq(parse("{\"update_id\":10,\"callback_query\":{\"id\":\"4382bfdwdsb323b2d9\","
                           "\"from\":{\"id\":6000000000,\"is_bot\":false,\"first_name\":\"Bo\"},"
                           "\"message\":{\"message_id\":77,\"date\":1,\"chat\":{\"id\":6000000000,\"type\":\"private\"},"
                           "\"text\":\"pick\"},\"chat_instance\":\"-123\",\"data\":\"vote:1\"}}",
                           &u),
                     BH_OK);
    ck_assert_int_eq(u->kind, BH_UPDATE_CALLBACK_QUERY);
    ck_assert_ptr_null(u->message);
    const bh_callback_query *q = u->callback_query;
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->id, "4382bfdwdsb323b2d9");
    ck_assert(q->from.id == 6000000000LL);
    ck_assert_str_eq(q->from.first_name, "Bo");
    ck_assert_ptr_nonnull(q->message);
    ck_assert(q->message->message_id == 77);
    ck_assert(q->message->chat.id == 6000000000LL);
    ck_assert_str_eq(q->chat_instance, "-123");
    ck_assert_str_eq(q->data, "vote:1");
    ck_assert_ptr_null(q->inline_message_id);
    bh_update_free(u);

    /* from an inline message: no message, no data (a game) */
    ck_assert_int_eq(parse("{\"update_id\":11,\"callback_query\":{\"id\":\"q\",\"from\":{\"id\":1},"
                           "\"inline_message_id\":\"AAA\"}}",
                           &u),
                     BH_OK);
    ck_assert_ptr_null(u->callback_query->message);
    ck_assert_ptr_null(u->callback_query->data);
    ck_assert_str_eq(u->callback_query->inline_message_id, "AAA");
    ck_assert_str_eq(u->callback_query->chat_instance, "");
    ck_assert_str_eq(u->callback_query->from.first_name, "");
    bh_update_free(u);
}
END_TEST

START_TEST(test_unknown_kind_is_other)
{
    bh_update *u = NULL;
    ck_assert_int_eq(parse("{\"update_id\":12,\"future_kind\":{\"id\":\"p\",\"question\":\"?\"}}", &u), BH_OK);
    ck_assert_int_eq(u->kind, BH_UPDATE_OTHER);
    ck_assert_str_eq(bh_update_kind_name(u->kind), "other");
    ck_assert_str_eq(u->kind_key, "future_kind");
    ck_assert_ptr_nonnull(bh_update_object(u));
    ck_assert_ptr_null(u->message);
    ck_assert_ptr_null(u->callback_query);
    json_object *poll;
    ck_assert(json_object_object_get_ex(bh_update_json(u), "future_kind", &poll));
    ck_assert_ptr_eq(poll, bh_update_object(u));
    bh_update_free(u);

    ck_assert_int_eq(parse("{\"update_id\":13}", &u), BH_OK);
    ck_assert_int_eq(u->kind, BH_UPDATE_OTHER);
    bh_update_free(u);
}
END_TEST

START_TEST(test_malformed_updates)
{
    static const char *bad[] = {
        "{}",
        "{\"update_id\":\"12\"}",
        "{\"update_id\":1.5}",
        "{\"update_id\":null}",
        "[1]",
        "\"text\"",
        "{\"update_id\":1,\"message\":{\"chat\":{\"id\":1}}}",
        "{\"update_id\":1,\"message\":{\"message_id\":\"1\",\"chat\":{\"id\":1}}}",
        "{\"update_id\":1,\"message\":{\"message_id\":1}}",
        "{\"update_id\":1,\"message\":{\"message_id\":1,\"chat\":{\"id\":\"-100\"}}}",
        "{\"update_id\":1,\"message\":{\"message_id\":1,\"chat\":[]}}",
        "{\"update_id\":1,\"message\":42}",
        "{\"update_id\":1,\"callback_query\":{\"from\":{\"id\":1}}}",
        "{\"update_id\":1,\"callback_query\":{\"id\":\"x\"}}",
        "{\"update_id\":1,\"callback_query\":{\"id\":\"x\",\"from\":{\"first_name\":\"no id\"}}}",
        "{\"update_id\":1,\"edited_message\":null}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bh_update *u = (bh_update *)1;
        ck_assert_msg(parse(bad[i], &u) == BH_EPROTO, "accepted: %s", bad[i]);
        ck_assert_ptr_null(u);
    }
    bh_update *u;
    ck_assert_int_eq(bh_update_parse(NULL, &u), BH_EINVAL);
    json_object *o = json_object_new_object();
    ck_assert_int_eq(bh_update_parse(o, NULL), BH_EINVAL);
    json_object_put(o);
    bh_update_free(NULL);
}
END_TEST

START_TEST(test_updates_batch)
{
    json_object *arr = json_tokener_parse(
        "[{\"update_id\":100,\"message\":{\"message_id\":1,\"chat\":{\"id\":1}}},"
        " {\"update_id\":101,\"message\":{\"message_id\":\"bad\"}},"
        " {\"no_id\":true},"
        " {\"update_id\":102,\"poll\":{}}]");
    bh_update_batch b;
    bh_test_capture_start();
    int rc = bh_updates_parse(arr, &b);
    char *log = bh_test_capture_stop();
    ck_assert_int_eq(rc, BH_OK);
    ck_assert_int_eq((int)b.count, 2);
    ck_assert_int_eq((int)b.skipped, 2);
    ck_assert(b.items[0]->update_id == 100);
    ck_assert(b.items[1]->update_id == 102);
    ck_assert(b.next_offset == 103);
    ck_assert_ptr_nonnull(strstr(log, "malformed update 101"));
    free(log);
    bh_update_batch_free(&b);
    ck_assert_int_eq((int)b.count, 0);
    json_object_put(arr);

    /* the skipped update is the last one: the offset still passes it */
    arr = json_tokener_parse("[{\"update_id\":7,\"message\":{}}]");
    bh_log_set_level(BH_LOG_OFF);
    ck_assert_int_eq(bh_updates_parse(arr, &b), BH_OK);
    ck_assert_int_eq((int)b.count, 0);
    ck_assert(b.next_offset == 8);
    bh_update_batch_free(&b);
    json_object_put(arr);

    arr = json_tokener_parse("[]");
    ck_assert_int_eq(bh_updates_parse(arr, &b), BH_OK);
    ck_assert_int_eq((int)b.count, 0);
    ck_assert(b.next_offset == 0);
    bh_update_batch_free(&b);
    json_object_put(arr);

    arr = json_tokener_parse("{\"update_id\":1}");
    ck_assert_int_eq(bh_updates_parse(arr, &b), BH_EPROTO);
    json_object_put(arr);
    ck_assert_int_eq(bh_updates_parse(NULL, &b), BH_EINVAL);
    bh_update_batch_free(NULL);
}
END_TEST

START_TEST(test_views_outlive_the_caller_json)
{
    /* the view holds its own references: freeing the parsed document
     * first must not invalidate its strings */
    json_object *o = json_tokener_parse("{\"message_id\":5,\"chat\":{\"id\":2,\"type\":\"group\"},"
                                        "\"from\":{\"id\":3,\"first_name\":\"Z\"},\"text\":\"/go now\"}");
    bh_message *m = NULL;
    ck_assert_int_eq(bh_message_parse(o, &m), BH_OK);
    json_object_put(o);
    ck_assert_str_eq(m->chat.type, "group");
    ck_assert_str_eq(m->from->first_name, "Z");
    ck_assert_str_eq(m->command, "go");
    ck_assert_str_eq(m->command_args, "now");
    bh_message_free(m);

    bh_user *usr = NULL;
    o = json_tokener_parse("{\"id\":8000000000,\"is_bot\":true,\"first_name\":\"Bot\",\"username\":\"b_bot\"}");
    ck_assert_int_eq(bh_user_parse(o, &usr), BH_OK);
    json_object_put(o);
    ck_assert(usr->id == 8000000000LL);
    ck_assert_int_eq(usr->is_bot, 1);
    ck_assert_str_eq(usr->username, "b_bot");
    bh_user_free(usr);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tg_update");
    TCase *tc = tcase_create("update");
    tcase_add_test(tc, test_message_every_field);
    tcase_add_test(tc, test_missing_optional_fields_are_null);
    tcase_add_test(tc, test_bot_commands);
    tcase_add_test(tc, test_message_kinds);
    tcase_add_test(tc, test_callback_query);
    tcase_add_test(tc, test_unknown_kind_is_other);
    tcase_add_test(tc, test_malformed_updates);
    tcase_add_test(tc, test_updates_batch);
    tcase_add_test(tc, test_views_outlive_the_caller_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
