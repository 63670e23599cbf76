/*
 * The method table (src/telegram/methods.def): its rows as the program
 * reads them, the type rules both the client and the emulator check with,
 * the emulator serving every row (its own handlers, the others from the
 * row) and answering Telegram's 400s for what the row says is wrong, and
 * `bothive api` listing it all with the counts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "emu_proc.h"
#include "tg_fixture.h"
#include "testutil.h"

#define TOKEN "4545:TABLEsecretTOKEN"
#define USER 91

static bh_emu_proc emu;
static bh_client *cl;

START_TEST(rows_of_the_table)
{
    const bh_api_method *m;
    bh_api_param p;
    size_t typed = 0;
    ck_assert_uint_eq(bh_api_method_count(), 185);
    ck_assert_ptr_null(bh_api_method_at(185));
    for (size_t i = 0; i < bh_api_method_count(); i++) {
        m = bh_api_method_at(i);
        ck_assert_ptr_eq(bh_api_method_find(m->name), m);
        typed += m->wrapper != NULL;
        ck_assert(*m->result);
    }
    ck_assert_uint_ge(typed, 114);
    ck_assert_str_eq(bh_api_method_at(0)->name, "getUpdates");
    m = bh_api_method_find("SENDMESSAGE"); /* case-insensitive, as Telegram */
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->result, "Message");
    ck_assert_str_eq(m->wrapper_name, "bh_client_send_message");
    ck_assert(bh_api_method_param(m, "chat_id", &p));
    ck_assert(p.type == 'c' && p.required);
    ck_assert(bh_api_method_param(m, "parse_mode", &p));
    ck_assert(p.type == 's' && !p.required);
    ck_assert(!bh_api_method_param(m, "no_such_thing", NULL));
    ck_assert_ptr_null(bh_api_method_find("sendTomorrowsThing"));
    m = bh_api_method_find("setChatPhoto");
    ck_assert(bh_api_method_param(m, "photo", &p) && p.type == 'u');
    m = bh_api_method_find("sendLocation");
    ck_assert(bh_api_method_param(m, "latitude", &p) && p.type == 'n' && p.required);
}
END_TEST

/* Whether value (JSON text) is of type as the Bot API reads it. */
static int ok(char type, const char *json)
{
    json_object *v = json_tokener_parse(json);
    int r = bh_api_value_ok(type, v);
    json_object_put(v);
    return r;
}

START_TEST(types_as_the_bot_api_reads_them)
{
    const bh_api_method *m = bh_api_method_find("sendMessage");
    json_object *o = json_tokener_parse("{\"chat_id\":\"@chan\",\"text\":\"x\"}");
    const char *ups[] = {"photo"};
    bh_api_param bad;
    ck_assert(ok('i', "42") && ok('i', "\"-42\"") && !ok('i', "\"4x\"") && !ok('i', "4.5"));
    ck_assert(ok('n', "4.5") && ok('n', "\"4.5\"") && ok('n', "4") && !ok('n', "\"x\""));
    ck_assert(ok('b', "true") && ok('b', "\"false\"") && ok('b', "1") && !ok('b', "\"yes\""));
    ck_assert(ok('s', "\"\"") && ok('s', "7") && !ok('s', "{}") && !ok('s', "[]"));
    ck_assert(ok('c', "5") && ok('c', "\"@name\"") && !ok('c', "\"\"") && !ok('c', "true"));
    ck_assert(ok('j', "{}") && ok('j', "\"[1,2]\"") && !ok('j', "\"{oops\"") && !ok('j', "3"));
    ck_assert(ok('f', "\"AgAD\"") && !ok('f', "\"\"") && !ok('u', "\"AgAD\""));
    ck_assert_int_eq(bh_api_method_check(m, o, NULL, 0, &bad), BH_OK);
    json_object_object_del(o, "text");
    ck_assert_int_eq(bh_api_method_check(m, o, NULL, 0, &bad), BH_EINVAL);
    ck_assert_str_eq(bad.name, "text");
    ck_assert_int_eq(bad.required, 1);
    json_object_object_add(o, "text", json_object_new_string("x"));
    json_object_object_add(o, "protect_content", json_object_new_string("maybe"));
    ck_assert_int_eq(bh_api_method_check(m, o, NULL, 0, &bad), BH_EINVAL);
    ck_assert_str_eq(bad.name, "protect_content");
    ck_assert_int_eq(bad.required, 0);
    json_object_object_del(o, "protect_content");
    /* an upload fits a file parameter only */
    m = bh_api_method_find("sendPhoto");
    ck_assert_int_eq(bh_api_method_check(m, o, ups, 1, &bad), BH_OK);
    ck_assert_int_eq(bh_api_method_check(m, o, NULL, 0, &bad), BH_EINVAL);
    ck_assert_str_eq(bad.name, "photo");
    ck_assert_int_eq(bh_api_method_check(NULL, o, NULL, 0, &bad), BH_EINVAL);
    json_object_put(o);
}
END_TEST

/* Calls method with the JSON text params straight (past the builder's
 * checks), and returns the answer's description ("" when ok). */
static char *raw(const char *method, const char *params)
{
    char *resp = NULL, *d;
    ck_assert_int_ge(bh_emu_call(&emu, method, params, &resp), 200); /* the HTTP status */
    d = bh_emu_json_str(resp, "description");
    free(resp);
    return d ? d : strdup("");
}

#define RAW_EQ(method, params, want)          \
    do {                                      \
        char *d_ = raw(method, params);       \
        ck_assert_str_eq(d_, want);           \
        free(d_);                             \
    } while (0)

START_TEST(emulator_checks_every_row)
{
    /* rows with a handler of their own get the table's checks first */
    RAW_EQ("sendMessage", "{\"text\":\"x\"}", "Bad Request: chat_id is empty");
    RAW_EQ("sendMessage", "{\"chat_id\":91,\"text\":\"x\",\"reply_parameters\":\"{no\"}",
           "Bad Request: can't parse reply_parameters JSON object");
    RAW_EQ("sendMessage", "{\"chat_id\":91,\"text\":\"x\",\"message_thread_id\":\"one\"}",
           "Bad Request: invalid message_thread_id specified: must be an Integer");
    RAW_EQ("banChatMember", "{\"chat_id\":91}", "Bad Request: user_id is empty");
    /* rows served from the table */
    RAW_EQ("sendChecklist", "{\"chat_id\":91,\"business_connection_id\":\"b\"}",
           "Bad Request: parameter \"checklist\" is required");
    RAW_EQ("setStickerSetTitle", "{\"name\":\"set\"}", "Bad Request: title is empty");
    RAW_EQ("setBusinessAccountName", "{\"business_connection_id\":\"b\",\"first_name\":\"A\"}", "");
    RAW_EQ("deleteMessageReaction", "{\"chat_id\":91,\"message_id\":1,\"user_id\":\"x\"}",
           "Bad Request: invalid user_id specified: must be an Integer");
    RAW_EQ("sendTomorrowsThing", "{}", "Not Found");
}
END_TEST

START_TEST(builder_reaches_rows_served_from_the_table)
{
    bh_params *p;
    json_object *res = NULL;
    int64_t sent = 0;
    /* a Message: kept in the chat, with its text */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_int(p, "chat_id", USER);
    bh_params_json_text(p, "rich_message", "{\"blocks\":[]}");
    ck_assert_int_eq(bh_client_call_params(cl, "sendRichMessage", p, &res), BH_OK);
    ck_assert(json_object_is_type(res, json_type_object));
    ck_assert_int_gt(json_object_get_int64(json_object_object_get(res, "message_id")), 0);
    json_object_put(res);
    ck_assert_int_eq(bh_emu_stat(&emu, "sent_messages", &sent), 0);
    ck_assert_int_eq(sent, 1);
    bh_params_free(p);
    /* an object of its type, and True */
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_str(p, "business_connection_id", "b");
    ck_assert_int_eq(bh_client_call_params(cl, "getBusinessAccountStarBalance", p, &res), BH_OK);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(res, "amount")), 0);
    json_object_put(res);
    ck_assert_int_eq(bh_client_call_params(cl, "readBusinessMessage", p, &res), BH_EINVAL);
    ck_assert_str_eq(bh_tgfx_desc(),
                     "readBusinessMessage: the required parameter chat_id is missing");
    bh_params_int(p, "chat_id", USER);
    bh_params_int(p, "message_id", 1);
    ck_assert_int_eq(bh_client_call_params(cl, "readBusinessMessage", p, &res), BH_OK);
    ck_assert(json_object_get_boolean(res));
    json_object_put(res);
    bh_params_free(p);
}
END_TEST

/* The output of `bothive api ARGS` (malloc'd) and its exit status. */
static char *run_api(const char *args, int *status)
{
    char cmd[512], *out = NULL;
    size_t cap = 0, len = 0, n;
    char buf[4096];
    FILE *f;
    snprintf(cmd, sizeof cmd, "'%s/tools/bothive' api %s 2>/dev/null", BH_TEST_BINARY_DIR, args);
    ck_assert_ptr_nonnull(f = popen(cmd, "r"));
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            ck_assert_ptr_nonnull(out = realloc(out, cap));
        }
        memcpy(out + len, buf, n);
        len += n;
    }
    *status = pclose(f);
    if (!out)
        out = strdup("");
    else
        out[len] = '\0';
    return out;
}

START_TEST(bothive_api_lists_every_method)
{
    int st;
    char *out = run_api("", &st), want[256];
    size_t lines = 0, typed = 0;
    ck_assert_int_eq(st, 0);
    for (char *s = out; (s = strchr(s, '\n')); s++)
        lines++;
    ck_assert_uint_eq(lines, 1 + 185 + 1); /* the head, a line a method, the counts */
    for (size_t i = 0; i < bh_api_method_count(); i++)
        typed += bh_api_method_at(i)->wrapper != NULL;
    snprintf(want, sizeof want, "185 methods: %zu typed, %zu builder only; the emulator serves 185",
             typed, 185 - typed);
    ck_assert_ptr_nonnull(strstr(out, want));
    ck_assert_ptr_nonnull(strstr(out, "), 0 not yet\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nsendMessage "));
    ck_assert_ptr_nonnull(strstr(out, "bh_client_send_photo"));
    ck_assert_ptr_nonnull(strstr(out, "own handler"));
    ck_assert_ptr_nonnull(strstr(out, "from the table"));
    free(out);
    out = run_api("--method sendMessage", &st);
    ck_assert_int_eq(st, 0);
    ck_assert_ptr_nonnull(strstr(out, "sendMessage -> Message\n"));
    ck_assert_ptr_nonnull(strstr(out, "chat_id"));
    ck_assert_ptr_nonnull(strstr(out, "an Integer or a String (@username), required\n"));
    free(out);
    out = run_api("--method sendTomorrowsThing", &st);
    ck_assert_int_ne(st, 0);
    free(out);
    out = run_api("--bogus", &st);
    ck_assert_int_ne(st, 0);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_table");
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_test_add_case(s, "rows", rows_of_the_table, NULL, NULL, 30);
    bh_test_add_case(s, "types", types_as_the_bot_api_reads_them, NULL, NULL, 30);
    bh_tgfx_add(s, "emulator_checks", emulator_checks_every_row);
    bh_tgfx_add(s, "from_the_table", builder_reaches_rows_served_from_the_table);
    bh_test_add_case(s, "bothive_api", bothive_api_lists_every_method, NULL, NULL, 60);
    return bh_test_run_suite(s);
}
