/*
 * The emulator's control API and its life cycle: fault injection (429 with
 * retry_after, 500, malformed JSON, delays; faulted sends are not recorded;
 * early retries are counted), blocked chats, statistics, reset, malformed
 * control bodies, oversized bodies, and a clean exit on SIGTERM.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "31337:control"
#define CHAT 5000

static bh_emu_proc emu;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_emu_send_user_message(&emu, CHAT, CHAT, "hi"), 1);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static int64_t stat_of(const char *name)
{
    int64_t v = -1;
    ck_assert_msg(bh_emu_stat(&emu, name, &v) == 0, "no stat %s", name);
    return v;
}

static void set_faults(const char *json)
{
    char *resp = NULL;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", json, &resp), 200);
    free(resp);
}

static int send_hello(char **resp)
{
    return bh_emu_call(&emu, "sendMessage", "{\"chat_id\":5000,\"text\":\"hello\"}", resp);
}

static int64_t sent_count(void)
{
    char *resp = NULL, path[64];
    int64_t n = 0, v;
    ck_assert_int_eq(bh_emu_get(&emu, "/control/sent?chat_id=5000", &resp), 200);
    for (;; n++) {
        snprintf(path, sizeof path, "result.%lld.message_id", (long long)n);
        if (bh_emu_json_int(resp, path, &v) < 0)
            break;
    }
    free(resp);
    return n;
}

START_TEST(fault_429_with_retry_after)
{
    char *resp = NULL, *d;
    int64_t v;
    set_faults("{\"rate_429\":1.0,\"retry_after\":2}");
    ck_assert_int_eq(send_hello(&resp), 429);
    ck_assert_int_eq(bh_emu_json_int(resp, "error_code", &v), 0);
    ck_assert_int_eq(v, 429);
    ck_assert_int_eq(bh_emu_json_int(resp, "parameters.retry_after", &v), 0);
    ck_assert_int_eq(v, 2);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Too Many Requests: retry after 2");
    free(d);
    free(resp);
    ck_assert_int_eq(sent_count(), 0);
    ck_assert_int_eq(stat_of("faults_429"), 1);
    ck_assert_int_eq(stat_of("early_retries"), 0);

    /* Retrying at once, before retry_after passed, is counted for that chat. */
    set_faults("{}");
    ck_assert_int_eq(send_hello(&resp), 200);
    free(resp);
    ck_assert_int_eq(stat_of("early_retries"), 1);
    ck_assert_int_eq(stat_of("early_retries_by_chat.5000"), 1);
    ck_assert_int_eq(sent_count(), 1);

    /* A client that waits retry_after is not counted (another chat: 5000
     * is still inside its 2 s). */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 5001, 5001, "hi"), 2);
    set_faults("{\"rate_429\":1,\"retry_after\":1}");
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", "{\"chat_id\":5001,\"text\":\"x\"}", &resp), 429);
    free(resp);
    set_faults("{}");
    usleep(1100 * 1000);
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", "{\"chat_id\":5001,\"text\":\"x\"}", &resp), 200);
    free(resp);
    ck_assert_int_eq(stat_of("early_retries"), 1);
    ck_assert_int_eq(stat_of("faults_429"), 2);
}
END_TEST

START_TEST(fault_500_and_bad_json_are_not_recorded)
{
    char *resp = NULL;
    int64_t v;
    set_faults("{\"rate_500\":1.0}");
    ck_assert_int_eq(send_hello(&resp), 500);
    ck_assert_int_eq(bh_emu_json_int(resp, "error_code", &v), 0);
    ck_assert_int_eq(v, 500);
    free(resp);
    ck_assert_int_eq(stat_of("faults_500"), 1);

    set_faults("{\"bad_json_rate\":1.0}");
    ck_assert_int_eq(send_hello(&resp), 200);
    json_object *o = json_tokener_parse(resp);
    ck_assert_ptr_null(o); /* the body does not parse */
    free(resp);
    ck_assert_int_eq(stat_of("faults_bad_json"), 1);

    ck_assert_int_eq(sent_count(), 0);
    ck_assert_int_eq(stat_of("sent_messages"), 0);
    /* Faults also keep getUpdates from confirming anything. */
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", "{\"offset\":2}", &resp), 200);
    free(resp);
    ck_assert_int_eq(stat_of("updates_confirmed"), 0);

    /* Control calls are never faulted; with faults off, sends work again. */
    set_faults("{\"rate_429\":0,\"rate_500\":0,\"bad_json_rate\":0}");
    ck_assert_int_eq(send_hello(&resp), 200);
    free(resp);
    ck_assert_int_eq(sent_count(), 1);
}
END_TEST

START_TEST(fault_rates_are_probabilities)
{
    char *resp = NULL;
    int n429 = 0, n200 = 0;
    set_faults("{\"rate_429\":0.5,\"retry_after\":1,\"seed\":12345}");
    for (int i = 0; i < 200; i++) {
        int st = bh_emu_call(&emu, "getMe", NULL, &resp);
        free(resp);
        if (st == 429)
            n429++;
        else if (st == 200)
            n200++;
    }
    ck_assert_int_eq(n429 + n200, 200);
    /* Binomial(200, 0.5): outside [50, 150] has probability ~1e-12. */
    ck_assert_int_gt(n429, 50);
    ck_assert_int_gt(n200, 50);
    ck_assert_int_eq(stat_of("faults_429"), n429);
}
END_TEST

START_TEST(fault_delay)
{
    char *resp = NULL;
    set_faults("{\"delay_ms\":300}");
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(send_hello(&resp), 200);
    free(resp);
    ck_assert_int_ge(bh_test_now_ms() - t0, 290);
    /* Control calls are not delayed; checked by reading the config back. */
    ck_assert_int_eq(bh_emu_get(&emu, "/control/faults", &resp), 200);
    int64_t v;
    ck_assert_int_eq(bh_emu_json_int(resp, "result.delay_ms", &v), 0);
    ck_assert_int_eq(v, 300);
    free(resp);
}
END_TEST

START_TEST(bad_fault_configs)
{
    char *resp = NULL;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"rate_429\":1.5}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"rate_500\":\"x\"}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"retry_after\":0}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"delay_ms\":-1}", &resp), 400);
    free(resp);
}
END_TEST

START_TEST(blocked_chat_answers_403)
{
    char *resp = NULL, *d;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/block", "{\"chat_id\":5000}", &resp), 200);
    free(resp);
    ck_assert_int_eq(send_hello(&resp), 403);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Forbidden: bot was blocked by the user");
    free(d);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "sendChatAction", "{\"chat_id\":5000,\"action\":\"typing\"}", &resp), 403);
    free(resp);
    ck_assert_int_eq(sent_count(), 0);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/block", "{\"chat_id\":5000,\"blocked\":false}", &resp), 200);
    free(resp);
    ck_assert_int_eq(send_hello(&resp), 200);
    free(resp);
    ck_assert_int_eq(sent_count(), 1);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/block", "{\"chat_id\":404}", &resp), 400);
    free(resp);
}
END_TEST

START_TEST(stats_count_requests)
{
    char *resp = NULL;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(send_hello(&resp), 200);
        free(resp);
    }
    ck_assert_int_eq(bh_emu_call(&emu, "getMe", NULL, &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", "{\"offset\":2}", &resp), 200);
    free(resp);
    ck_assert_int_eq(stat_of("requests"), 5);
    ck_assert_int_eq(stat_of("by_method.sendMessage"), 3);
    ck_assert_int_eq(stat_of("by_method.getMe"), 1);
    ck_assert_int_eq(stat_of("by_method.getUpdates"), 1);
    ck_assert_int_eq(stat_of("sent_messages"), 3);
    ck_assert_int_eq(stat_of("updates_queued"), 1);
    ck_assert_int_eq(stat_of("updates_confirmed"), 1);
    ck_assert_int_eq(stat_of("pending_updates"), 0);
    ck_assert_int_eq(stat_of("faults_429"), 0);
    ck_assert_int_eq(stat_of("faults_500"), 0);
    ck_assert_int_eq(stat_of("early_retries"), 0);
}
END_TEST

START_TEST(reset_clears_everything)
{
    char *resp = NULL, *d;
    ck_assert_int_eq(send_hello(&resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "setMyCommands",
                                 "{\"commands\":[{\"command\":\"a\",\"description\":\"b\"}]}", &resp), 200);
    free(resp);
    set_faults("{\"rate_500\":1}");
    ck_assert_int_eq(bh_emu_post(&emu, "/control/reset", NULL, &resp), 200);
    free(resp);
    ck_assert_int_eq(stat_of("requests"), 0);
    ck_assert_int_eq(stat_of("sent_messages"), 0);
    ck_assert_int_eq(stat_of("pending_updates"), 0);
    ck_assert_int_eq(sent_count(), 0);
    /* Faults are gone, the chat too; the token still works. */
    ck_assert_int_eq(send_hello(&resp), 400);
    d = bh_emu_json_str(resp, "description");
    ck_assert_str_eq(d, "Bad Request: chat not found");
    free(d);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "getMyCommands", NULL, &resp), 200);
    ck_assert_ptr_null(bh_emu_json_str(resp, "result.0"));
    free(resp);
    /* Update ids start again at 1. */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, CHAT, CHAT, "again"), 1);
}
END_TEST

START_TEST(malformed_control_bodies)
{
    static const char *bad[] = {
        "{", "not json", "[1,2,3]", "{\"chat_id\":1}x", "{\"chat_id\":\"1\",\"user_id\":1,\"text\":\"t\"}",
        "{\"user_id\":1,\"text\":\"t\"}", "{\"chat_id\":1,\"user_id\":1}", "{\"chat_id\":1,\"text\":\"\"}",
        "{\"chat_id\":1,\"text\":\"t\",\"chat_type\":\"channel\"}", "{\"chat_id\":1,\"text\":5}",
        "{\"chat_id\":1,\"user_id\":-3,\"text\":\"t\"}",
    };
    char *resp = NULL;
    int64_t v;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(bh_emu_post(&emu, "/control/message", bad[i], &resp) == 400, "accepted %s", bad[i]);
        ck_assert_int_eq(bh_emu_json_int(resp, "ok", &v), 0);
        ck_assert_int_eq(v, 0);
        ck_assert_int_eq(bh_emu_json_int(resp, "error_code", &v), 0);
        ck_assert_int_eq(v, 400);
        free(resp);
    }
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback", "{\"chat_id\":5000}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/block", "{\"chat_id\":true}", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/sent?chat_id=abc", &resp), 400);
    free(resp);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/nothing", "{}", &resp), 404);
    free(resp);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/message", &resp), 405);
    free(resp);
    /* Still alive and well. */
    ck_assert_int_eq(stat_of("updates_queued"), 1);
}
END_TEST

START_TEST(huge_body_answers_413)
{
    size_t n = 2 * 1024 * 1024;
    char *big = malloc(n + 1), *resp = NULL;
    memset(big, 'x', n);
    big[0] = '{';
    big[n] = '\0';
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", big, &resp), 413);
    free(resp);
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", big, &resp), 413);
    free(resp);
    free(big);
    ck_assert_int_eq(stat_of("sent_messages"), 0);
}
END_TEST

START_TEST(sigterm_exits_zero_with_a_long_poll_open)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char *r = NULL;
        bh_emu_call(&emu, "getUpdates", "{\"offset\":2,\"timeout\":100}", &r);
        free(r);
        _exit(0);
    }
    for (int i = 0; i < 3000 && stat_of("requests") < 1; i++)
        usleep(10 * 1000);
    ck_assert_int_eq(stat_of("requests"), 1);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    /* It did not wait for the 100 s poll to end. */
    ck_assert_int_lt(bh_test_now_ms() - t0, 60000);
    ck_assert_int_eq(bh_test_wait(child), 0);
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0); /* for the teardown */
}
END_TEST

START_TEST(bad_command_lines)
{
    const char *bin = getenv("BOTHIVE_BIN");
    ck_assert_ptr_nonnull(bin);
    const char *argvs[][6] = {
        {"emu", "--port", "notaport", NULL},
        {"emu", "--token", "nocolon", NULL},
        {"emu", "--bogus", NULL},
    };
    for (size_t i = 0; i < sizeof argvs / sizeof argvs[0]; i++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            const char *a[8] = {bin};
            for (int k = 0; argvs[i][k]; k++)
                a[k + 1] = argvs[i][k];
            execv(bin, (char **)a);
            _exit(127);
        }
        ck_assert_int_eq(bh_test_wait(pid), 2);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_control");
    TCase *tc = tcase_create("control");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fault_429_with_retry_after);
    tcase_add_test(tc, fault_500_and_bad_json_are_not_recorded);
    tcase_add_test(tc, fault_rates_are_probabilities);
    tcase_add_test(tc, fault_delay);
    tcase_add_test(tc, bad_fault_configs);
    tcase_add_test(tc, blocked_chat_answers_403);
    tcase_add_test(tc, stats_count_requests);
    tcase_add_test(tc, reset_clears_everything);
    tcase_add_test(tc, malformed_control_bodies);
    tcase_add_test(tc, huge_body_answers_413);
    tcase_add_test(tc, sigterm_exits_zero_with_a_long_poll_open);
    tcase_add_test(tc, bad_command_lines);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
