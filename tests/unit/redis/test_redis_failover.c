/*
 * Failover of the redis:// backend, with real processes: a master, its
 * replica and a Sentinel (redis-server --sentinel) that watches the
 * master. Through a redis+sentinel:// URL (whose first sentinel is not
 * there: each is tried), writes succeed again after SENTINEL FAILOVER and
 * after the master is killed, and they land on the promoted replica. With
 * a plain redis:// URL, a master demoted under the client answers READONLY
 * and the client connects again instead of staying on it.
 */
#include <check.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

#define MASTER_NAME "bhmaster"
#define DEADLINE_MS 60000 /* generous: a failover takes a few seconds */

static bh_redis_proc master, replica, sentinel;
static char master_port[16];
static const char *replica_args[] = {"--replicaof", "127.0.0.1", master_port, NULL};

/* The number of elements of the array reply to cmd at port, or -1. */
static long long array_len(int port, const char *cmd)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    redisReply *rep = NULL;
    long long n = -1;

    if (c && !c->err && (rep = redisCommand(c, cmd)) && rep->type == REDIS_REPLY_ARRAY)
        n = (long long)rep->elements;
    if (rep)
        freeReplyObject(rep);
    if (c)
        redisFree(c);
    return n;
}

/* Waits until cond() holds, up to DEADLINE_MS. */
static int wait_for(int (*cond)(void))
{
    int64_t end = bh_test_now_ms() + DEADLINE_MS;

    while (!cond()) {
        if (bh_test_now_ms() > end)
            return 0;
        usleep(50 * 1000);
    }
    return 1;
}

static int replica_attached(void)
{
    return bh_redis_info(&master, "replication", "connected_slaves") >= 1;
}

static int sentinel_sees_replica(void)
{
    return array_len(sentinel.port, "SENTINEL REPLICAS " MASTER_NAME) >= 1;
}

static void setup(void)
{
    ck_assert_int_eq(bh_redis_start(&master), 0);
    snprintf(master_port, sizeof master_port, "%d", master.port);
    ck_assert_int_eq(bh_redis_start_with(&replica, replica_args, NULL), 0);
    ck_assert(wait_for(replica_attached));
    ck_assert_int_eq(bh_redis_start_sentinel(&sentinel, MASTER_NAME, master.port), 0);
    ck_assert(wait_for(sentinel_sees_replica));
}

static void teardown(void)
{
    bh_redis_stop(&sentinel);
    bh_redis_stop(&replica);
    bh_redis_stop(&master);
}

/* The store through the sentinels: the first address has no sentinel. */
static bh_shared *open_via_sentinel(bh_store **st)
{
    char url[256];
    bh_shared *m;

    snprintf(url, sizeof url, "redis+sentinel://127.0.0.1:1,127.0.0.1:%d/" MASTER_NAME
             "/0?timeout_ms=1000&connect_timeout_ms=500", sentinel.port);
    ck_assert_msg(bh_store_open(st, url, NULL) == BH_OK, "%s", bh_store_errmsg(NULL));
    ck_assert_int_eq(bh_shared_open(*st, "f", &m), BH_OK);
    return m;
}

/* Writes key = v until it succeeds, up to DEADLINE_MS; how many failed. */
static int write_until_ok(bh_store *st, bh_shared *m, const char *key, int64_t v)
{
    int64_t end = bh_test_now_ms() + DEADLINE_MS;
    int failed = 0, rc;

    while ((rc = bh_shared_set_int(m, key, v)) != BH_OK) {
        failed++;
        ck_assert_msg(bh_test_now_ms() < end, "writes still fail: %s (%s)", bh_strerror(rc),
                      bh_store_errmsg(st));
        usleep(100 * 1000);
    }
    return failed;
}

/* The value of key in memory "f" read on the server at port directly. */
static int64_t read_at(int port, const char *key)
{
    char url[128];
    bh_store *st;
    bh_shared *m;
    int64_t v = -1;

    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "f", &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

static int failover_accepted(void)
{
    return bh_redis_do(&sentinel, "SENTINEL FAILOVER " MASTER_NAME) == 0;
}

/* The old master follows the new one: the failover is over. */
static int old_master_demoted(void)
{
    return bh_redis_info(&master, "replication", "master_port") == replica.port;
}

static long long master_offset;

static int replica_caught_up(void)
{
    return bh_redis_info(&replica, "replication", "master_repl_offset") >= master_offset;
}

/* Waits until the replica has every write the master took. */
static void replicated(void)
{
    master_offset = bh_redis_info(&master, "replication", "master_repl_offset");
    ck_assert_int_gt(master_offset, 0);
    ck_assert(wait_for(replica_caught_up));
}

START_TEST(writes_follow_a_sentinel_failover)
{
    bh_store *st;
    bh_shared *m = open_via_sentinel(&st);

    ck_assert_int_eq(bh_shared_set_int(m, "before", 1), BH_OK);
    ck_assert_int_eq(read_at(master.port, "before"), 1);
    replicated();
    ck_assert(wait_for(failover_accepted));
    ck_assert(wait_for(old_master_demoted));
    /* The old master is a replica of the new one: the client's next write
     * there is answered READONLY, and it asks the sentinels again. */
    int failed = write_until_ok(st, m, "after", 2);
    ck_assert_int_eq(read_at(replica.port, "after"), 2);
    ck_assert_int_eq(read_at(replica.port, "before"), 1);
    fprintf(stderr, "SENTINEL FAILOVER: %d writes failed before one went to the new master\n",
            failed);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

START_TEST(writes_follow_a_killed_master)
{
    bh_store *st;
    bh_shared *m = open_via_sentinel(&st);

    ck_assert_int_eq(bh_shared_set_int(m, "before", 1), BH_OK);
    replicated();
    bh_redis_kill(&master);
    int failed = write_until_ok(st, m, "after", 3);
    ck_assert_int_eq(read_at(replica.port, "after"), 3);
    ck_assert_int_eq(read_at(replica.port, "before"), 1);
    fprintf(stderr, "master killed: %d writes failed before one went to the new master\n",
            failed);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* A plain URL names one server: demoted, it answers READONLY, and the
 * client drops the connection rather than staying on a replica (with a
 * name that moves, a proxy or the sentinels, the next one reaches the new
 * master); promoted again, it takes writes at once. */
START_TEST(a_demoted_master_is_left)
{
    char url[128];
    bh_store *st;
    bh_shared *m;

    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", master.port);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "f", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 1), BH_OK);
    ck_assert_int_eq(bh_redis_do(&replica, "REPLICAOF NO ONE"), 0);
    char port[16];
    snprintf(port, sizeof port, "%d", replica.port);
    ck_assert_int_eq(bh_redis_do(&master, "REPLICAOF 127.0.0.1 %s", port), 0);
    long long conns = bh_redis_info(&master, "stats", "total_connections_received");
    ck_assert_int_eq(bh_shared_set_int(m, "k", 2), BH_EREADONLY);
    ck_assert_msg(strstr(bh_store_errmsg(st), "replica") != NULL, "%s", bh_store_errmsg(st));
    /* bh_redis_info's own connection is one; the client's new one another. */
    ck_assert_int_ge(bh_redis_info(&master, "stats", "total_connections_received"), conns + 2);
    ck_assert_int_eq(bh_redis_do(&master, "REPLICAOF NO ONE"), 0);
    ck_assert_int_eq(bh_shared_set_int(m, "k", 3), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("redis_failover");
    bh_test_add_case(s, "sentinel_failover", writes_follow_a_sentinel_failover, setup, teardown,
                     180);
    bh_test_add_case(s, "master_killed", writes_follow_a_killed_master, setup, teardown, 180);
    bh_test_add_case(s, "demoted", a_demoted_master_is_left, setup, teardown, 180);
    return bh_test_run_suite(s);
}
