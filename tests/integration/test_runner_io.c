/*
 * The runner's edges, against the emulator: webhooks (secret checked, body
 * capped), the backlog at start, timers, 409 from a second instance, a
 * server that fails every call, and one that drops every connection.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "runner_app.h"
#include "testutil.h"

static bh_test_runner_fx fx;

static void setup(void)
{
    bh_test_runner_fx_setup(&fx, "888:RUNNERIO", "runner_io", BH_LOG_WARN);
}

static void teardown(void)
{
    bh_test_runner_fx_teardown(&fx);
}

static void runner_init(bh_test_runner *r, int workers)
{
    bh_test_runner_fx_init(&fx, r, workers);
}

/* Waits until the emulator has answered at least n getUpdates calls. */
static void wait_polls(int64_t n)
{
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_runner_fx_stat(&fx, "by_method.getUpdates") < n && bh_test_now_ms() < end)
        usleep(10000);
    ck_assert_int_ge(bh_test_runner_fx_stat(&fx, "by_method.getUpdates"), n);
}

START_TEST(test_webhook)
{
    bh_test_runner r;
    char url[128], listen[64], *resp = NULL, *big;
    long st_code = 0;

    runner_init(&r, 2);
    r.opts.webhook_secret = "s3cr3t-Token_1";
    r.opts.webhook_max_body = 4096;
    ck_assert_uint_gt(bh_test_runner_start_webhook(&r, &fx.emu, "127.0.0.1", url, sizeof url,
                                                   listen, sizeof listen),
                      0);
    /* Wait until the hook is serving. */
    for (int64_t end = bh_test_now_ms() + 30000; bh_test_now_ms() < end; usleep(20000))
        if ((st_code = bh_test_webhook_post(url, "wrong", "{\"update_id\":1}")) == 403)
            break;
    ck_assert_int_eq(st_code, 403);
    ck_assert_int_eq(bh_test_webhook_post(url, NULL, "{\"update_id\":1}"), 403);
    ck_assert_int_eq(bh_test_webhook_post(url, "s3cr3t-Token_", "{\"update_id\":1}"), 403);
    big = malloc(8192);
    memset(big, ' ', 8191);
    big[8191] = '\0';
    memcpy(big, "{\"update_id\":5", 14);
    big[8190] = '}';
    ck_assert_int_eq(bh_test_webhook_post(url, "s3cr3t-Token_1", big), 413);
    free(big);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 0);
    /* The right secret: accepted and processed, once even if sent twice. */
    const char *u = "{\"update_id\":900001,\"message\":{\"message_id\":1,\"date\":1,"
                    "\"chat\":{\"id\":77,\"type\":\"private\"},\"text\":\"1\"}}";
    ck_assert_int_eq(bh_test_webhook_post(url, "s3cr3t-Token_1", u), 200);
    ck_assert_int_eq(bh_test_webhook_post(url, "s3cr3t-Token_1", u), 200);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 30000), 1);
    /* Telegram's own deliveries. */
    int64_t id = bh_emu_send_user_message(&fx.emu, 78, 78, "1");
    char key[64];
    snprintf(key, sizeof key, "p:%lld", (long long)id);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 2);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "dups"), 0);
    /* deleteWebhook at the end. */
    resp = NULL;
    ck_assert_int_eq(bh_emu_call(&fx.emu, "getWebhookInfo", NULL, &resp), 200);
    ck_assert_ptr_null(strstr(resp, url));
    free(resp);
}
END_TEST

START_TEST(test_backlog)
{
    bh_test_runner r;
    int64_t old[3], fresh;
    char key[64];

    for (int i = 0; i < 3; i++)
        old[i] = bh_emu_send_user_message(&fx.emu, 50, 50, "sleep:0");
    runner_init(&r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    wait_polls(2); /* the skip, then the first long poll */
    fresh = bh_emu_send_user_message(&fx.emu, 50, 50, "sleep:0");
    snprintf(key, sizeof key, "p:%lld", (long long)fresh);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1);
    usleep(200000);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 1);
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "p:%lld", (long long)old[i]);
        ck_assert_int_eq(bh_test_runner_get(fx.st, key), 0);
    }
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
    /* With the option, the backlog is processed. */
    bh_emu_send_user_message(&fx.emu, 51, 51, "sleep:0");
    bh_emu_send_user_message(&fx.emu, 51, 51, "sleep:0");
    r.opts.process_backlog = 1;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 3, 30000), 3);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

START_TEST(test_timers_never_overlap)
{
    bh_test_runner r;

    runner_init(&r, 3);
    r.timer_seconds = 1;
    r.timer_sleep_ms = 1500; /* longer than the period */
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    ck_assert_int_ge(bh_test_runner_wait(fx.st, "timer_runs", 3, 30000), 3);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "timer_overlap"), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "timer_running"), 0);
}
END_TEST

START_TEST(test_conflict_no_spin)
{
    bh_test_runner a, b;
    char *path2 = bh_test_tmppath("runner_io2"), url2[512];

    snprintf(url2, sizeof url2, "file:%s", path2);
    runner_init(&a, 2);
    runner_init(&b, 2);
    b.store_url = url2;
    a.opts.conflict_wait_ms = 1000;
    b.opts.conflict_wait_ms = 1000;
    ck_assert_int_eq(bh_test_runner_start(&a), 0);
    ck_assert_int_eq(bh_test_runner_start(&b), 0);
    usleep(4000000);
    /* Two pollers that kept ending each other's long polls without waiting
     * would make hundreds of calls in 4 s; waiting 1 s, 2 s ... a handful. */
    int64_t calls = bh_test_runner_fx_stat(&fx, "by_method.getUpdates");
    ck_assert_int_lt(calls, 40);
    /* Both still work: an update is processed by one of them. */
    ck_assert_int_eq(bh_test_runner_stop(&b), 0);
    bh_emu_send_user_message(&fx.emu, 60, 60, "sleep:0");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 60000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&a), 0);
    unlink(path2);
    free(path2);
}
END_TEST

/* A server answering 500 to everything is retried with a growing delay, not
 * hammered; once it recovers, the update sent meanwhile is processed. */
START_TEST(test_server_errors_back_off)
{
    bh_test_runner a;
    char *resp = NULL;

    runner_init(&a, 2);
    ck_assert_int_eq(bh_emu_post(&fx.emu, "/control/faults", "{\"rate_500\":1.0}", &resp), 200);
    free(resp);
    ck_assert_int_eq(bh_test_runner_start(&a), 0);
    /* The 5 s count from the first failure, however long the start took. */
    for (int64_t end = bh_test_now_ms() + 30000;
         bh_test_runner_fx_stat(&fx, "faults_500") < 1 && bh_test_now_ms() < end;)
        usleep(10000);
    usleep(5000000);
    /* The client retries thrice from 0.5 s, then the poller waits 1 s, 2 s,
     * 4 s: about ten calls in 5 s. A loop without backoff makes thousands. */
    int64_t failed = bh_test_runner_fx_stat(&fx, "faults_500");
    ck_assert_int_gt(failed, 0);
    ck_assert_int_lt(failed, 25);
    ck_assert_int_eq(bh_emu_post(&fx.emu, "/control/faults", "{}", &resp), 200);
    free(resp);
    /* The first poll that succeeds skips the backlog; send after it. */
    wait_polls(bh_test_runner_fx_stat(&fx, "by_method.getUpdates") + 2);
    bh_emu_send_user_message(&fx.emu, 61, 61, "sleep:0");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 60000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&a), 0);
}
END_TEST

/* A listener that takes every connection and closes it at once, without a
 * word: to the runner, a network error on every call. */
static int dropping_listener(unsigned *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(listen(fd, 64), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Network errors are retried with a growing delay, and the runner lives on
 * through them: a handful of connections in 4 s, where a loop without
 * backoff would make thousands. */
START_TEST(test_network_errors_back_off)
{
    bh_test_runner a;
    unsigned port;
    int lfd = dropping_listener(&port), conns = 0, status;
    char url[64];

    snprintf(url, sizeof url, "http://127.0.0.1:%u", port);
    runner_init(&a, 2);
    a.opts.api_url = url;
    ck_assert_int_eq(bh_test_runner_start(&a), 0);
    /* The 4 s count from the first connection, however long the start
     * took (30 s at most). */
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_now_ms() < end) {
        int c = accept(lfd, NULL, NULL);
        if (c >= 0) {
            if (!conns++)
                end = bh_test_now_ms() + 4000;
            close(c);
        } else {
            usleep(5000);
        }
    }
    ck_assert_int_eq(waitpid(a.pid, &status, WNOHANG), 0); /* still running */
    ck_assert_int_gt(conns, 0);
    ck_assert_int_lt(conns, 25);
    bh_test_runner_stop(&a);
    close(lfd);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, setup, teardown, 200);
}

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner_io");
    add(s, "webhook", test_webhook);
    add(s, "backlog", test_backlog);
    add(s, "timers", test_timers_never_overlap);
    add(s, "conflict", test_conflict_no_spin);
    add(s, "server_errors", test_server_errors_back_off);
    add(s, "network_errors", test_network_errors_back_off);
    return s;
}

int main(void)
{
    return bh_test_run_suite(runner_suite());
}
