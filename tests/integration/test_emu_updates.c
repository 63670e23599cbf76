/*
 * getUpdates against a real emulator: offset and limit, allowed_updates
 * (remembered across calls), long polls that return as soon as a message
 * is queued from another process and time out empty otherwise, a second
 * poller ending the first with 409, and several client processes sending
 * at once over keep-alive connections.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "777:updates"

static bh_emu_proc emu;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

/* getUpdates with a JSON body; returns the body, asserting HTTP 200. */
static char *get_updates(const char *json)
{
    char *resp = NULL;
    int st = bh_emu_call(&emu, "getUpdates", json, &resp);
    ck_assert_msg(st == 200, "getUpdates -> %d %s", st, resp ? resp : "");
    return resp;
}

static int64_t count_results(const char *resp)
{
    int64_t n = 0, v;
    char path[64];
    for (;; n++) {
        snprintf(path, sizeof path, "result.%" PRId64 ".update_id", n);
        if (bh_emu_json_int(resp, path, &v) < 0)
            return n;
    }
}

static int64_t stat_of(const char *name)
{
    int64_t v = -1;
    ck_assert_msg(bh_emu_stat(&emu, name, &v) == 0, "no stat %s", name);
    return v;
}

START_TEST(offset_and_limit)
{
    char *resp;
    int64_t v;
    for (int i = 0; i < 5; i++) {
        char text[16];
        snprintf(text, sizeof text, "m%d", i);
        ck_assert_int_eq(bh_emu_send_user_message(&emu, 10, 10, text), i + 1);
    }
    resp = get_updates("{\"limit\":2}");
    ck_assert_int_eq(count_results(resp), 2);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 1);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.1.update_id", &v), 0);
    ck_assert_int_eq(v, 2);
    free(resp);
    /* Without an offset nothing is confirmed: the same updates again. */
    resp = get_updates("{\"limit\":1}");
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);
    ck_assert_int_eq(stat_of("updates_confirmed"), 0);

    resp = get_updates("{\"offset\":3}");
    ck_assert_int_eq(count_results(resp), 3);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 3);
    char *text = bh_emu_json_str(resp, "result.2.message.text");
    ck_assert_str_eq(text, "m4");
    free(text);
    free(resp);
    ck_assert_int_eq(stat_of("updates_confirmed"), 2);
    ck_assert_int_eq(stat_of("pending_updates"), 3);

    /* limit out of range is clamped, as Telegram does: 0 means 1. */
    resp = get_updates("{\"offset\":3,\"limit\":0}");
    ck_assert_int_eq(count_results(resp), 1);
    free(resp);

    resp = get_updates("{\"offset\":6}");
    ck_assert_int_eq(count_results(resp), 0);
    free(resp);
    ck_assert_int_eq(stat_of("updates_confirmed"), 5);
    ck_assert_int_eq(stat_of("pending_updates"), 0);
    ck_assert_int_eq(stat_of("updates_queued"), 5);
    /* Ids keep growing after confirmation. */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 10, 10, "later"), 6);
}
END_TEST

START_TEST(allowed_updates_filter_is_remembered)
{
    char *resp, body[128];
    int64_t v;
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 11, 11, "hi"), 1);
    resp = get_updates("{\"offset\":2}");
    free(resp);
    char *s;
    ck_assert_int_eq(bh_emu_call(&emu, "sendMessage", "{\"chat_id\":11,\"text\":\"btn\"}", &resp), 200);
    free(resp);
    snprintf(body, sizeof body, "{\"chat_id\":11,\"user_id\":11,\"message_id\":2,\"data\":\"d\"}");
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 11, 11, "text before"), 2);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback", body, &resp), 200);
    free(resp);

    resp = get_updates("{\"allowed_updates\":[\"callback_query\"]}");
    ck_assert_int_eq(count_results(resp), 1);
    s = bh_emu_json_str(resp, "result.0.callback_query.data");
    ck_assert_str_eq(s, "d");
    free(s);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 3);
    free(resp);

    /* Remembered: a later call without the parameter still filters. */
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 11, 11, "ignored"), 4);
    resp = get_updates("{\"offset\":4}");
    ck_assert_int_eq(count_results(resp), 0);
    free(resp);
    ck_assert_int_eq(stat_of("updates_filtered"), 2);

    /* An empty list means every kind again; the query-string form works too. */
    resp = NULL;
    char path[128];
    snprintf(path, sizeof path, "/bot%s/getUpdates?allowed_updates=%%5B%%5D", TOKEN);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 11, 11, "seen"), 5);
    resp = get_updates(NULL);
    s = bh_emu_json_str(resp, "result.0.message.text");
    ck_assert_str_eq(s, "seen");
    free(s);
    free(resp);

    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", "{\"allowed_updates\":\"[oops\"}", &resp), 400);
    free(resp);
}
END_TEST

START_TEST(long_poll_wakes_when_a_message_arrives)
{
    char *resp;
    int64_t t0, elapsed, v;
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        /* Another process: the user writes while the bot is polling. */
        usleep(300 * 1000);
        _exit(bh_emu_send_user_message(&emu, 20, 20, "wake up") == 1 ? 0 : 1);
    }
    t0 = bh_test_now_ms();
    resp = get_updates("{\"timeout\":60}");
    elapsed = bh_test_now_ms() - t0;
    ck_assert_int_eq(bh_test_wait(child), 0);
    ck_assert_int_eq(count_results(resp), 1);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 1);
    free(resp);
    /* Far below the 60 s timeout: the poll was woken, not timed out. */
    ck_assert_msg(elapsed < 30000, "long poll took %lld ms", (long long)elapsed);
}
END_TEST

static void *queue_later(void *arg)
{
    (void)arg;
    usleep(200 * 1000);
    bh_emu_send_user_message(&emu, 21, 21, "from a thread");
    return NULL;
}

START_TEST(long_poll_wakes_from_another_thread)
{
    pthread_t t;
    char *resp, *s;
    ck_assert_int_eq(pthread_create(&t, NULL, queue_later, NULL), 0);
    resp = get_updates("{\"timeout\":60}");
    pthread_join(t, NULL);
    s = bh_emu_json_str(resp, "result.0.message.text");
    ck_assert_str_eq(s, "from a thread");
    free(s);
    free(resp);
}
END_TEST

START_TEST(long_poll_times_out_empty)
{
    int64_t t0 = bh_test_now_ms(), elapsed;
    char *resp = get_updates("{\"timeout\":1}");
    elapsed = bh_test_now_ms() - t0;
    ck_assert_int_eq(count_results(resp), 0);
    free(resp);
    ck_assert_msg(elapsed >= 900, "returned after %lld ms", (long long)elapsed);
    ck_assert_msg(elapsed < 30000, "returned after %lld ms", (long long)elapsed);
    /* timeout 0 answers at once. */
    resp = get_updates("{\"timeout\":0}");
    ck_assert_int_eq(count_results(resp), 0);
    free(resp);
}
END_TEST

START_TEST(second_poller_ends_the_first_with_409)
{
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        char *resp = NULL, *d;
        int st = bh_emu_call(&emu, "getUpdates", "{\"timeout\":30}", &resp);
        d = bh_emu_json_str(resp, "description");
        int ok = st == 409 && d &&
                 !strcmp(d, "Conflict: terminated by other getUpdates request; "
                            "make sure that only one bot instance is running");
        _exit(ok ? 0 : 1);
    }
    /* Wait until the child's poll is in (the request is counted), then poll. */
    for (int i = 0; i < 3000 && stat_of("requests") < 1; i++)
        usleep(10 * 1000);
    ck_assert_int_eq(stat_of("requests"), 1);
    usleep(100 * 1000);
    char *resp = get_updates("{\"timeout\":0}");
    free(resp);
    ck_assert_int_eq(bh_test_wait(child), 0);
}
END_TEST

START_TEST(negative_offset_keeps_the_last_updates)
{
    char *resp;
    int64_t v;
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(bh_emu_send_user_message(&emu, 12, 12, "x"), i + 1);
    resp = get_updates("{\"offset\":-1}");
    ck_assert_int_eq(count_results(resp), 1);
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.update_id", &v), 0);
    ck_assert_int_eq(v, 4);
    free(resp);
}
END_TEST

/* A client process: one curl handle (keep-alive) sending n messages. */
static int client_sends(int64_t chat, int n)
{
    CURL *c = curl_easy_init();
    char url[256], body[128];
    int ok = 1;
    FILE *devnull = fopen("/dev/null", "w");
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s/bot%s/sendMessage", emu.url, TOKEN);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
    for (int i = 0; i < n && ok; i++) {
        long st = 0;
        snprintf(body, sizeof body, "{\"chat_id\":%lld,\"text\":\"%d\"}", (long long)chat, i);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        ok = curl_easy_perform(c) == CURLE_OK &&
             curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st) == CURLE_OK && st == 200;
    }
    long conns = -1;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    fclose(devnull);
    return ok && conns == 0 ? 0 : 1;  /* the last request reused the connection */
}

START_TEST(many_clients_keep_alive_and_order)
{
    enum { CLIENTS = 4, EACH = 50 };
    pid_t kids[CLIENTS];
    char *resp, path[64];
    for (int k = 0; k < CLIENTS; k++)
        ck_assert_int_gt(bh_emu_send_user_message(&emu, 100 + k, 100 + k, "hi"), 0);
    /* A long poll stays open meanwhile, as the runner's master would keep it. */
    pid_t poller = fork();
    ck_assert_int_ge(poller, 0);
    if (poller == 0) {
        char *r = NULL;
        int st = bh_emu_call(&emu, "getUpdates", "{\"offset\":5,\"timeout\":60}", &r);
        free(r);
        _exit(st == 200 ? 0 : 1);
    }
    for (int k = 0; k < CLIENTS; k++) {
        kids[k] = fork();
        ck_assert_int_ge(kids[k], 0);
        if (kids[k] == 0)
            _exit(client_sends(100 + k, EACH));
    }
    for (int k = 0; k < CLIENTS; k++)
        ck_assert_int_eq(bh_test_wait(kids[k]), 0);
    ck_assert_int_eq(stat_of("sent_messages"), CLIENTS * EACH);
    for (int k = 0; k < CLIENTS; k++) {
        snprintf(path, sizeof path, "/control/sent?chat_id=%d", 100 + k);
        ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
        for (int i = 0; i < EACH; i++) {
            char p2[64], want[16];
            snprintf(p2, sizeof p2, "result.%d.text", i);
            snprintf(want, sizeof want, "%d", i);
            char *t = bh_emu_json_str(resp, p2);
            ck_assert_ptr_nonnull(t);
            ck_assert_str_eq(t, want);
            free(t);
        }
        free(resp);
    }
    /* The poller is woken by a new message. */
    ck_assert_int_gt(bh_emu_send_user_message(&emu, 100, 100, "done"), 0);
    ck_assert_int_eq(bh_test_wait(poller), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emu_updates");
    TCase *tc = tcase_create("updates");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, offset_and_limit);
    tcase_add_test(tc, allowed_updates_filter_is_remembered);
    tcase_add_test(tc, long_poll_wakes_when_a_message_arrives);
    tcase_add_test(tc, long_poll_wakes_from_another_thread);
    tcase_add_test(tc, long_poll_times_out_empty);
    tcase_add_test(tc, second_poller_ends_the_first_with_409);
    tcase_add_test(tc, negative_offset_keeps_the_last_updates);
    tcase_add_test(tc, many_clients_keep_alive_and_order);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
