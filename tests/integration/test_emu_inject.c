/*
 * The emulator's control calls for the update kinds beyond text and
 * buttons: the Update each one queues, the 400s of malformed bodies, the
 * kinds Telegram sends only on request, and the checks and records of
 * answerInlineQuery and of join request decisions.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "31338:inject"

static bh_emu_proc emu;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static int post(const char *path, const char *json)
{
    char *resp = NULL;
    int st = bh_emu_post(&emu, path, json, &resp);
    free(resp);
    return st;
}

/* The next update's JSON (getUpdates with allowed_updates `allowed`, or
 * none when NULL), confirming those before; NULL if none is queued. */
static char *next_update(const char *allowed, int64_t *offset)
{
    char body[256], *resp = NULL, *u;
    snprintf(body, sizeof body, "{\"offset\":%lld,\"limit\":1,\"timeout\":0%s%s}",
             (long long)*offset, allowed ? ",\"allowed_updates\":" : "", allowed ? allowed : "");
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, &resp), 200);
    u = bh_emu_json_str(resp, "result.0");
    int64_t id;
    if (u && bh_emu_json_int(resp, "result.0.update_id", &id) == 0)
        *offset = id + 1;
    free(resp);
    return u;
}

START_TEST(each_injection_queues_its_update)
{
    int64_t off = 0;
    const char *all = "[\"chat_member\",\"my_chat_member\",\"chat_join_request\",\"message_reaction\","
                      "\"poll_answer\",\"inline_query\",\"chosen_inline_result\",\"message\"]";
    char *u, *resp = NULL;

    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"user_id\":7,\"status\":\"member\",\"first_name\":\"Ann\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"chat_member\""));
    ck_assert_ptr_nonnull(strstr(u, "\"old_chat_member\": { \"status\": \"left\""));
    ck_assert_ptr_nonnull(strstr(u, "\"first_name\": \"Ann\""));
    free(u);
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"user_id\":31338,\"status\":\"administrator\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"my_chat_member\""));
    ck_assert_ptr_nonnull(strstr(u, "\"old_chat_member\": { \"status\": \"member\""));
    free(u);
    ck_assert_int_eq(post("/control/join_request", "{\"chat_id\":-9,\"user_id\":8,\"bio\":\"hi\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"chat_join_request\""));
    ck_assert_ptr_nonnull(strstr(u, "\"bio\": \"hi\""));
    free(u);
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", "{\"chat_id\":-9,\"text\":\"hello\"}", NULL), 200);
    ck_assert_int_eq(post("/control/reaction", "{\"chat_id\":-9,\"user_id\":7,\"message_id\":1,\"emoji\":\"x\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"new_reaction\": [ { \"type\": \"emoji\", \"emoji\": \"x\" } ]"));
    ck_assert_ptr_nonnull(strstr(u, "\"old_reaction\": [ ]"));
    free(u);
    ck_assert_int_eq(post("/control/poll_answer", "{\"poll_id\":\"p\",\"user_id\":7,\"option_ids\":[0,2]}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"option_ids\": [ 0, 2 ]"));
    free(u);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/inline_query", "{\"user_id\":7,\"query\":\"abc\"}", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"inline_query_id\":\"iq1\""));
    free(resp);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"query\": \"abc\""));
    free(u);
    ck_assert_int_eq(post("/control/chosen_inline_result", "{\"user_id\":7,\"result_id\":\"r\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"result_id\": \"r\""));
    free(u);
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":7,\"kind\":\"document\",\"caption\":\"/cmd x\"}"), 200);
    u = next_update(all, &off);
    ck_assert_ptr_nonnull(strstr(u, "\"document\""));
    ck_assert_ptr_nonnull(strstr(u, "\"caption_entities\""));
    ck_assert_ptr_null(strstr(u, "\"text\""));
    free(u);
    ck_assert_int_eq(post("/control/update", "{\"type\":\"future_kind\",\"object\":{\"a\":1}}"), 200);
    /* (the filter of the last getUpdates is remembered, as in Telegram) */
    u = next_update("[\"future_kind\"]", &off);
    ck_assert_ptr_nonnull(u);
    ck_assert_ptr_nonnull(strstr(u, "\"future_kind\": { \"a\": 1 }"));
    free(u);
}
END_TEST

START_TEST(malformed_bodies_are_400)
{
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"user_id\":7}"), 400);
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"status\":\"member\"}"), 400);
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"user_id\":7,\"status\":\"member\",\"old_status\":3}"), 400);
    ck_assert_int_eq(post("/control/join_request", "{\"chat_id\":\"x\",\"user_id\":8}"), 400);
    ck_assert_int_eq(post("/control/reaction", "{\"chat_id\":-9,\"user_id\":7,\"message_id\":99}"), 400);
    ck_assert_int_eq(post("/control/poll_answer", "{\"poll_id\":\"p\",\"user_id\":7,\"option_ids\":1}"), 400);
    ck_assert_int_eq(post("/control/inline_query", "{\"query\":\"abc\"}"), 400);
    ck_assert_int_eq(post("/control/chosen_inline_result", "{\"user_id\":7}"), 400);
    ck_assert_int_eq(post("/control/media", "{\"chat_id\":7,\"kind\":\"sticker\"}"), 400);
    ck_assert_int_eq(post("/control/update", "{\"type\":\"poll\"}"), 400);
    ck_assert_int_eq(post("/control/update", "not json"), 400);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/member", NULL), 405);
}
END_TEST

/* Without allowed_updates, or with an empty list, chat_member and the
 * reactions are dropped as Telegram would never send them. */
START_TEST(kinds_sent_only_on_request)
{
    int64_t off = 0, filtered = 0;
    char *u;
    ck_assert_int_eq(post("/control/member", "{\"chat_id\":-9,\"user_id\":7,\"status\":\"member\"}"), 200);
    ck_assert_int_eq(post("/control/join_request", "{\"chat_id\":-9,\"user_id\":8}"), 200);
    u = next_update("[]", &off);
    ck_assert_ptr_nonnull(u);
    ck_assert_ptr_nonnull(strstr(u, "\"chat_join_request\""));
    free(u);
    ck_assert_int_eq(bh_emu_stat(&emu, "updates_filtered", &filtered), 0);
    ck_assert(filtered == 1);
}
END_TEST

START_TEST(inline_answers_are_checked_and_recorded)
{
    char many[8192] = "{\"inline_query_id\":\"iq1\",\"results\":[", *resp = NULL;

    /* As on Telegram, an answer needs a query the bot was sent, and a
     * decision a request that is pending. */
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery",
                                 "{\"inline_query_id\":\"iq1\",\"results\":[]}", &resp), 400);
    ck_assert_ptr_nonnull(strstr(resp, "query ID is invalid"));
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "approveChatJoinRequest", "{\"chat_id\":-9,\"user_id\":8}", &resp), 400);
    ck_assert_ptr_nonnull(strstr(resp, "HIDE_REQUESTER_MISSING"));
    free(resp);
    ck_assert_int_eq(post("/control/inline_query", "{\"user_id\":7,\"query\":\"abc\"}"), 200);
    ck_assert_int_eq(post("/control/join_request", "{\"chat_id\":-9,\"user_id\":8}"), 200);
    for (int i = 0; i < 51; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many),
                 "%s{\"type\":\"article\",\"id\":\"%d\",\"title\":\"t\",\"input_message_content\":"
                 "{\"message_text\":\"x\"}}", i ? "," : "", i);
    strcat(many, "]}");
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery", many, NULL), 400);
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery",
                                 "{\"inline_query_id\":\"iq1\",\"results\":[{\"type\":\"contact\",\"id\":\"a\","
                                 "\"phone_number\":\"1\",\"first_name\":\"f\"},{\"type\":\"contact\",\"id\":\"a\","
                                 "\"phone_number\":\"1\",\"first_name\":\"f\"}]}", &resp), 400);
    ck_assert_ptr_nonnull(strstr(resp, "RESULT_ID_DUPLICATE"));
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery",
                                 "{\"inline_query_id\":\"iq1\",\"results\":[{\"type\":\"article\","
                                 "\"id\":\"0123456789012345678901234567890123456789012345678901234567890123X\"}]}",
                                 NULL), 400);
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery", "{\"results\":[]}", NULL), 400);
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery",
                                 "{\"inline_query_id\":\"iq1\",\"cache_time\":0,\"results\":"
                                 "[{\"type\":\"article\",\"id\":\"a\",\"title\":\"A\",\"input_message_content\":"
                                 "{\"message_text\":\"hi\"}}]}", NULL), 200);
    ck_assert_int_eq(bh_emu_call(&emu, "answerInlineQuery",
                                 "{\"inline_query_id\":\"iq2\",\"results\":[]}", NULL), 400);
    ck_assert_int_eq(bh_emu_call(&emu, "approveChatJoinRequest", "{\"chat_id\":-9,\"user_id\":8}", NULL), 200);
    ck_assert_int_eq(bh_emu_call(&emu, "approveChatJoinRequest", "{\"chat_id\":-9,\"user_id\":8}", NULL), 400);
    ck_assert_int_eq(bh_emu_call(&emu, "declineChatJoinRequest", "{\"chat_id\":-9}", NULL), 400);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"method\":\"answerInlineQuery\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"method\":\"approveChatJoinRequest\""));
    ck_assert_ptr_null(strstr(resp, "declineChatJoinRequest"));
    free(resp);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers?method=approveChatJoinRequest", &resp), 200);
    ck_assert_ptr_null(strstr(resp, "answerInlineQuery"));
    free(resp);
    ck_assert_int_eq(post("/control/reset", NULL), 200);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"result\":[]"));
    free(resp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_inject");
    TCase *tc = tcase_create("inject");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, each_injection_queues_its_update);
    tcase_add_test(tc, malformed_bodies_are_400);
    tcase_add_test(tc, kinds_sent_only_on_request);
    tcase_add_test(tc, inline_answers_are_checked_and_recorded);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
