/*
 * Webhook mode with several hosts serving one bot through Redis, end to
 * end: three runners of the test application (tests/common/runner_app.c),
 * each a separate process tree in its own PID and UTS namespace (plain
 * process trees when unshare is refused), one redis-server the test
 * starts, and the emulator in front of them as a round-robin load
 * balancer (--webhook-spread): each delivery, a retry too, goes to the
 * next host. Bursts over many chats check that no update is lost, none
 * runs twice in steady state, per-chat order holds and the work spreads;
 * a host SIGKILLed mid-burst loses nothing; a host stopped cleanly leaves
 * the webhook in place; setWebhook is called once for the bot; a host
 * whose Redis does not answer answers the hook with an error, so that
 * the update comes again.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "hosts_proc.h"
#include "redis_proc.h"
#include "runner_app.h"
#include "testutil.h"

#define NHOSTS 3
#define TOKEN "4343:HOOKHOSTS"
#define SECRET "hosts-Secret_42"
#define PUBLIC_URL "https://bot.example.org/hook"
#define WAIT_MS 90000
#define N 300
#define CHATS 40

static bh_emu_proc emu;
static bh_redis_proc rp;
static bh_store *st;
static unsigned ports[NHOSTS];
static void host_configure(bh_test_hosts *hs, int i, bh_test_runner *r);
static bh_test_hosts hs = {.n = NHOSTS, .tags = {"w1", "w2", "w3"}, .configure = host_configure};

static unsigned free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* The emulator spreads its deliveries over the hosts' listen ports. */
static void setup(void)
{
    char spread[256];
    size_t n = 0;

    if (!getenv("BOTHIVE_LOG"))
        bh_log_set_level(BH_LOG_WARN);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "3000", 1);
    for (int i = 0; i < NHOSTS; i++) {
        ports[i] = free_port();
        n += (size_t)snprintf(spread + n, sizeof spread - n, "%shttp://127.0.0.1:%u/hook",
                              i ? "," : "", ports[i]);
    }
    const char *args[] = {"--webhook-spread", spread, NULL};
    ck_assert_int_eq(bh_redis_start(&rp), 0);
    ck_assert_int_eq(bh_emu_start_args(&emu, TOKEN, args), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
}

static void teardown(void)
{
    bh_test_hosts_kill_all(&hs);
    bh_store_close(st);
    bh_emu_stop(&emu);
    bh_redis_stop(&rp);
}

/* In host i's first process: the runner, in webhook mode on its own
 * port. */
static void host_configure(bh_test_hosts *h, int i, bh_test_runner *r)
{
    static char listen[32];

    (void)h;
    snprintf(listen, sizeof listen, "127.0.0.1:%u", ports[i]);
    bh_test_runner_init(r, &emu, rp.url, 2);
    r->token = TOKEN;
    r->delay_us = 3000;
    r->opts.webhook_url = PUBLIC_URL;
    r->opts.webhook_listen = listen;
    r->opts.webhook_secret = SECRET;
}

static int64_t emu_stat(const char *name)
{
    int64_t v = -1;
    ck_assert_int_eq(bh_emu_stat(&emu, name, &v), 0);
    return v;
}

/* The stat name, 0 when the emulator has not counted it yet. */
static int64_t emu_count(const char *name)
{
    int64_t v = 0;
    return bh_emu_stat(&emu, name, &v) == 0 ? v : 0;
}

/* The webhook's URL as getWebhookInfo tells it (malloc'd; "" when none). */
static char *webhook_url(void)
{
    char *resp = NULL, *url;
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    url = bh_emu_json_str(resp, "result.url");
    free(resp);
    return url ? url : strdup("");
}

/* getWebhookInfo's max_connections. */
static int64_t webhook_connections(void)
{
    char *resp = NULL;
    int64_t v = -1;
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    bh_emu_json_int(resp, "result.max_connections", &v);
    free(resp);
    return v;
}

/* Waits until the webhook is set, the partitions are shared, and a first
 * update sent through each host ran. */
static void hosts_ready(void)
{
    int64_t end = bh_test_now_ms() + WAIT_MS;
    ck_assert_msg(bh_test_hosts_settled(&hs, rp.port, "4343", 16),
                  "the hosts did not share the partitions");
    while (emu_count("by_method.setWebhook") < 1 && bh_test_now_ms() < end)
        usleep(50000);
    ck_assert_int_ge(emu_count("by_method.setWebhook"), 1);
    for (int i = 0; i < NHOSTS; i++) {
        int64_t id = bh_emu_send_user_message(&emu, 1000 + i, 1000 + i, "sleep:0");
        char key[64];
        snprintf(key, sizeof key, "p:%lld", (long long)id);
        ck_assert_int_ge(bh_test_runner_wait(st, key, 1, WAIT_MS), 1);
    }
}

/* The burst and the check of hosts_proc.h on this file's emulator and
 * store: n numbered messages over chats 1..chats; every update of ids
 * processed at least once. */
static void burst(int n, int chats, int64_t *seq, int64_t *ids)
{
    bh_test_hosts_burst(&emu, n, chats, seq, NULL, ids);
}

static void all_processed(const int64_t *ids, int n)
{
    bh_test_hosts_processed(st, ids, n, WAIT_MS);
}

static void start_all(int64_t *seq)
{
    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        bh_test_host_start(&hs, i);
    hosts_ready();
}

START_TEST(test_webhook_burst)
{
    int64_t seq[CHATS + 1], ids[N];

    start_all(seq);
    int64_t base = bh_test_runner_get(st, "total");
    burst(N, CHATS, seq, ids);
    all_processed(ids, N);
    usleep(500000);
    ck_assert_int_eq(bh_test_runner_get(st, "total") - base, N);
    ck_assert_int_eq(bh_test_runner_get(st, "dups"), 0);
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
    for (int i = 0; i < NHOSTS; i++) {
        char key[32];
        snprintf(key, sizeof key, "host:%s", hs.tags[i]);
        int64_t got = bh_test_runner_get(st, key);
        fprintf(stderr, "test_hosts_webhook: %s ran %lld of %d\n", hs.tags[i], (long long)got,
                N + NHOSTS);
        ck_assert_int_gt(got, N / 10);
    }
    /* Once for the bot, by the intake lease's holder; never deleted. */
    ck_assert_int_eq(emu_stat("by_method.setWebhook"), 1);
    ck_assert_int_eq(emu_count("by_method.deleteWebhook"), 0);
    ck_assert_int_eq(emu_stat("pending_updates"), 0);
    /* One connection: Telegram keeps the updates' order. */
    ck_assert_int_eq(webhook_connections(), 1);
}
END_TEST

/* The backlog is dropped at the bot's very first start only (setWebhook
 * with drop_pending_updates); what waits while every host is down is
 * processed when one comes back, with no second setWebhook. */
START_TEST(test_webhook_backlog_first_start_only)
{
    int64_t old[3], later[3];
    char key[64];

    for (int k = 0; k < 3; k++)
        old[k] = bh_emu_send_user_message(&emu, 7, 7, "sleep:0");
    int64_t seq[CHATS + 1];
    start_all(seq);
    for (int i = 0; i < NHOSTS; i++)
        bh_test_host_kill(&hs, i);
    for (int k = 0; k < 3; k++)
        later[k] = bh_emu_send_user_message(&emu, 9, 9, "sleep:0");
    bh_test_host_start(&hs, 2);
    all_processed(later, 3);
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "p:%lld", (long long)old[k]);
        ck_assert_int_eq(bh_test_runner_get(st, key), 0);
    }
    ck_assert_int_eq(emu_stat("by_method.setWebhook"), 1);
}
END_TEST

/* The emulator's balancer refuses what is not a list of http(s) URLs,
 * and setWebhook's max_connections is clamped as the Bot API does. */
START_TEST(test_spread_and_connections)
{
    const char *bad[] = {"ftp://h/x", "http://a/x,", "http://a/x,,http://b/y", ""};
    bh_emu_proc other;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *args[] = {"--webhook-spread", bad[i], NULL};
        ck_assert_int_eq(bh_emu_start_args(&other, TOKEN, args), -1);
    }
    const char *sets[] = {"{\"url\":\"https://a.example/h\",\"max_connections\":0}",
                          "{\"url\":\"https://a.example/h\",\"max_connections\":500}",
                          "{\"url\":\"https://a.example/h\"}"};
    const int64_t want[] = {1, 100, 40};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(bh_emu_call(&emu, "setWebhook", sets[i], NULL), 200);
        ck_assert_int_eq(webhook_connections(), want[i]);
    }
}
END_TEST

START_TEST(test_webhook_kill_mid_burst)
{
    int64_t seq[CHATS + 1], ids[2 * N];

    start_all(seq);
    burst(N, CHATS, seq, ids);
    bh_test_runner_wait(st, "total", N / 3, WAIT_MS);
    bh_test_host_kill(&hs, 0);
    burst(N, CHATS, seq, ids + N);
    all_processed(ids, 2 * N);
    int64_t dups = bh_test_runner_get(st, "dups");
    fprintf(stderr, "test_hosts_webhook: after a kill, %lld duplicate(s), %lld order error(s), "
            "%lld failed deliveries\n", (long long)dups,
            (long long)bh_test_runner_get(st, "order_errors"),
            (long long)emu_count("webhook_failures"));
    /* Reruns are of what was in flight on the dead host (see test_hosts). */
    ck_assert_int_le(dups, 40);
    ck_assert_int_le(bh_test_runner_get(st, "order_errors"), dups + 2);
    ck_assert_int_eq(emu_stat("by_method.setWebhook"), 1);
    ck_assert_int_eq(emu_stat("pending_updates"), 0);
}
END_TEST

START_TEST(test_webhook_clean_stop_keeps_hook)
{
    int64_t seq[CHATS + 1], ids[N];

    start_all(seq);
    ck_assert_int_eq(bh_test_host_stop(&hs, 1), 0);
    char *url = webhook_url();
    ck_assert_str_eq(url, PUBLIC_URL);
    free(url);
    ck_assert_int_eq(emu_count("by_method.deleteWebhook"), 0);
    /* The others serve it on: the balancer's deliveries to the stopped
     * host fail and go to the next. */
    burst(N / 2, CHATS, seq, ids);
    all_processed(ids, N / 2);
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
    ck_assert_int_eq(bh_test_runner_get(st, "dups"), 0);
    /* Every host stopped: still no deleteWebhook, still one setWebhook. */
    ck_assert_int_eq(bh_test_host_stop(&hs, 0), 0);
    ck_assert_int_eq(bh_test_host_stop(&hs, 2), 0);
    ck_assert_int_eq(emu_count("by_method.deleteWebhook"), 0);
    ck_assert_int_eq(emu_stat("by_method.setWebhook"), 1);
    url = webhook_url();
    ck_assert_str_eq(url, PUBLIC_URL);
    free(url);
}
END_TEST

/* Redis stopped: the hosts answer the hook with an error (the emulator
 * counts failed deliveries and keeps the updates), and once it answers
 * again everything is processed. */
START_TEST(test_webhook_redis_stopped)
{
    int64_t seq[CHATS + 1], ids[100];

    start_all(seq);
    int64_t failures0 = emu_count("webhook_failures");
    kill(rp.pid, SIGSTOP);
    burst(100, CHATS, seq, ids);
    int64_t end = bh_test_now_ms() + WAIT_MS;
    while (emu_count("webhook_failures") < failures0 + 3 && bh_test_now_ms() < end)
        usleep(100000);
    ck_assert_int_ge(emu_count("webhook_failures"), failures0 + 3);
    ck_assert_int_gt(emu_stat("pending_updates"), 0);
    kill(rp.pid, SIGCONT);
    all_processed(ids, 100);
    ck_assert_int_le(bh_test_runner_get(st, "order_errors"),
                     bh_test_runner_get(st, "dups") + 2 * NHOSTS);
    ck_assert_int_eq(emu_stat("by_method.setWebhook"), 1);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, setup, teardown, 240);
}

static Suite *hosts_webhook_suite(void)
{
    Suite *s = suite_create("hosts_webhook");
    add(s, "burst", test_webhook_burst);
    add(s, "kill", test_webhook_kill_mid_burst);
    add(s, "clean_stop", test_webhook_clean_stop_keeps_hook);
    add(s, "redis_stopped", test_webhook_redis_stopped);
    add(s, "spread", test_spread_and_connections);
    add(s, "backlog", test_webhook_backlog_first_start_only);
    return s;
}

int main(void)
{
    return bh_test_run_suite(hosts_webhook_suite());
}
