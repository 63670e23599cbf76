/*
 * Several hosts serving one bot (getUpdates mode) while Redis itself
 * fails, with real processes: three hosts (tests/common/hosts_proc.h),
 * the emulator, and
 *  - a redis-server with AOF (appendonly yes, fsync always) SIGKILLed
 *    mid-burst and started again on its files: nothing is lost, and
 *    duplicates stay within what was in flight;
 *  - a master, its replica and a Sentinel, the hosts on a
 *    redis+sentinel:// URL: a SENTINEL FAILOVER while the hosts run a
 *    burst (every update of it in Redis and replicated, most not yet run):
 *    every update runs, and a burst after the failover too;
 *  - a proxy in front of the redis-server that loses the answer of a
 *    partition read (done by the server: entries delivered to a host that
 *    never sees them): they run all the same.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "cut_proxy.h"
#include "emu_proc.h"
#include "hosts_proc.h"
#include "redis_proc.h"
#include "runner_app.h"
#include "testutil.h"

#define NHOSTS 3
#define TOKEN "4444:REDISFAIL"
#define BOT "4444"
#define MASTER_NAME "bhhosts"
#define WAIT_MS 90000
#define N 200
#define CHATS 30

static bh_emu_proc emu;
static bh_redis_proc rp, replica, sentinel;
static bh_cut_proxy cp;
static char url[256];      /* the hosts' store */
static bh_store *st;
static char master_port[16], aofdir[64];
static const char *aof_args[] = {"--appendonly", "yes", "--appendfsync", "always",
                                 "--appenddirname", aofdir, NULL};
static const char *replica_args[] = {"--replicaof", "127.0.0.1", master_port, NULL};

static void host_configure(bh_test_hosts *hs, int i, bh_test_runner *r)
{
    (void)hs;
    (void)i;
    bh_test_runner_init(r, &emu, url, 2);
    r->token = TOKEN;
    r->delay_us = 3000;
    r->store_retry = 1; /* a handler's records survive Redis going away */
}

static bh_test_hosts hs = {.n = NHOSTS, .tags = {"r1", "r2", "r3"}, .configure = host_configure};

static void setup_common(void)
{
    if (!getenv("BOTHIVE_LOG"))
        bh_log_set_level(BH_LOG_WARN);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "3000", 1);
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
}

static void setup_aof(void)
{
    snprintf(aofdir, sizeof aofdir, "bh-test-aof-%d", (int)getpid());
    setup_common();
    ck_assert_int_eq(bh_redis_start_with(&rp, aof_args, NULL), 0);
    snprintf(url, sizeof url, "%s", rp.url);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
}

static void teardown(void)
{
    char cmd[128];

    bh_test_hosts_kill_all(&hs);
    bh_cut_proxy_stop(&cp);
    bh_store_close(st);
    st = NULL;
    bh_emu_stop(&emu);
    if (sentinel.pid)
        bh_redis_stop(&sentinel);
    if (replica.pid)
        bh_redis_stop(&replica);
    bh_redis_stop(&rp);
    if (aofdir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf /tmp/%s", aofdir);
        ck_assert_int_eq(system(cmd), 0);
    }
}

static void start_hosts(int port)
{
    for (int i = 0; i < NHOSTS; i++)
        bh_test_host_start(&hs, i);
    ck_assert_msg(bh_test_hosts_settled(&hs, port, BOT, 16), "the hosts did not settle");
    ck_assert_msg(bh_test_hosts_polling(port, BOT), "no host took the intake");
}

/* The burst and the check of hosts_proc.h on this file's emulator, chats
 * and store (st, which reconnects on its own); text NULL: numbered. */
static void burst(int n, int64_t *seq, int64_t *ids, const char *text)
{
    bh_test_hosts_burst(&emu, n, CHATS, seq, text, ids);
}

static void all_processed(const int64_t *ids, int n)
{
    bh_test_hosts_processed(st, ids, n, WAIT_MS);
}

START_TEST(test_aof_restart_mid_burst)
{
    int64_t seq[CHATS + 1], ids[2 * N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    start_hosts(rp.port);
    burst(N, seq, ids, NULL);
    bh_test_runner_wait(st, "total", N / 3, WAIT_MS);
    bh_redis_kill(&rp);
    /* Sent while Redis is down: Telegram keeps them (nothing confirmed). */
    burst(N / 2, seq, ids + N, NULL);
    usleep(1000000);
    ck_assert_int_eq(bh_redis_restart(&rp), 0);
    burst(N / 2, seq, ids + N + N / 2, NULL);
    all_processed(ids, 2 * N);
    int64_t dups = bh_test_runner_get(st, "dups");
    fprintf(stderr, "test_hosts_redis: AOF restart: %lld duplicate(s), %lld order error(s)\n",
            (long long)dups, (long long)bh_test_runner_get(st, "order_errors"));
    /* Reruns of what was running, or done and not yet acknowledged, when
     * Redis went: a few per worker and partition. */
    ck_assert_int_le(dups, 60);
    ck_assert_int_le(bh_test_runner_get(st, "order_errors"), dups + 2 * NHOSTS);
}
END_TEST

static void setup_cut(void)
{
    aofdir[0] = '\0';
    setup_common();
    ck_assert_int_eq(bh_redis_start(&rp), 0);
    ck_assert_int_eq(bh_cut_proxy_start(&cp, rp.port), 0);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", cp.port);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
}

/* The answer of a partition read is lost after the server did it: its
 * entries are pending for the host, which never saw them. The host reads
 * its pending entries again after a failed read, so they run, in order.
 * One host, so that no other takes the partitions over and runs them.
 * (A blocking wait's answer names its stream, ":s:"; a read's does not.) */
START_TEST(test_read_answer_lost)
{
    int64_t seq[CHATS + 1], ids[N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    bh_test_host_start(&hs, 0);
    ck_assert(bh_test_hosts_settled(&hs, rp.port, BOT, 16));
    ck_assert(bh_test_hosts_polling(rp.port, BOT));
    bh_cut_proxy_arm(&cp, "\"update_id\"", ":s:");
    burst(N, seq, ids, NULL);
    all_processed(ids, N);
    ck_assert_int_eq(bh_cut_proxy_cuts(&cp), 1);
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
}
END_TEST

static int replica_attached(void)
{
    return bh_redis_info(&rp, "replication", "connected_slaves") >= 1;
}

static int wait_for(int (*cond)(void))
{
    int64_t end = bh_test_now_ms() + WAIT_MS;
    while (!cond()) {
        if (bh_test_now_ms() > end)
            return 0;
        usleep(50000);
    }
    return 1;
}

static long long master_offset;

static int replica_caught_up(void)
{
    return bh_redis_info(&replica, "replication", "master_repl_offset") >= master_offset;
}

static int failover_accepted(void)
{
    return bh_redis_do(&sentinel, "SENTINEL FAILOVER " MASTER_NAME) == 0;
}

static int old_master_demoted(void)
{
    return bh_redis_info(&rp, "replication", "master_port") == replica.port;
}

static int64_t emu_pending(void)
{
    int64_t v = -1;
    ck_assert_int_eq(bh_emu_stat(&emu, "pending_updates", &v), 0);
    return v;
}

static void setup_sentinel(void)
{
    aofdir[0] = '\0';
    setup_common();
    ck_assert_int_eq(bh_redis_start(&rp), 0);
    snprintf(master_port, sizeof master_port, "%d", rp.port);
    ck_assert_int_eq(bh_redis_start_with(&replica, replica_args, NULL), 0);
    ck_assert(wait_for(replica_attached));
    ck_assert_int_eq(bh_redis_start_sentinel(&sentinel, MASTER_NAME, rp.port), 0);
    snprintf(url, sizeof url,
             "redis+sentinel://127.0.0.1:%d/" MASTER_NAME "/0?timeout_ms=2000", sentinel.port);
    ck_assert_msg(bh_store_open(&st, url, NULL) == BH_OK, "%s", bh_store_errmsg(NULL));
}

START_TEST(test_sentinel_failover_mid_burst)
{
    int64_t seq[CHATS + 1], ids[2 * N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    start_hosts(rp.port);
    /* Slow handlers: most of the burst waits in the streams. */
    burst(N, seq, ids, "sleep:500");
    int64_t end = bh_test_now_ms() + WAIT_MS;
    while (emu_pending() > 0 && bh_test_now_ms() < end)
        usleep(50000);
    ck_assert_int_eq(emu_pending(), 0); /* all in Redis, confirmed to Telegram */
    master_offset = bh_redis_info(&rp, "replication", "master_repl_offset");
    ck_assert(wait_for(replica_caught_up));
    int64_t before = bh_test_runner_get(st, "total");
    ck_assert(wait_for(failover_accepted));
    ck_assert(wait_for(old_master_demoted));
    burst(N, seq, ids + N, "sleep:0");
    all_processed(ids, 2 * N);
    int64_t dups = bh_test_runner_get(st, "dups");
    fprintf(stderr, "test_hosts_redis: failover: %lld duplicate(s); %lld of %d had run before\n",
            (long long)dups, (long long)before, N);
    ck_assert_int_le(dups, 60);
    ck_assert_int_lt(before, N); /* the failover came mid-burst */
    ck_assert(bh_test_hosts_settled(&hs, replica.port, BOT, 16));
}
END_TEST

static Suite *hosts_redis_suite(void)
{
    Suite *s = suite_create("hosts_redis");
    TCase *aof = tcase_create("aof_restart");
    TCase *fo = tcase_create("sentinel_failover");

    tcase_set_timeout(aof, 240);
    tcase_set_timeout(fo, 240);
    tcase_add_checked_fixture(aof, setup_aof, teardown);
    tcase_add_checked_fixture(fo, setup_sentinel, teardown);
    tcase_add_test(aof, test_aof_restart_mid_burst);
    tcase_add_test(fo, test_sentinel_failover_mid_burst);
    suite_add_tcase(s, aof);
    suite_add_tcase(s, fo);
    bh_test_add_case(s, "lost_answer", test_read_answer_lost, setup_cut, teardown, 240);
    return s;
}

int main(void)
{
    return bh_test_run_suite(hosts_redis_suite());
}
