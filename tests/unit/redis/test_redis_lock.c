/*
 * Named locks of the redis:// backend across real processes: mutual
 * exclusion through hand-offs, timeouts, fairness, ownership, fencing, and
 * a holder killed on the spot, whose lock is handed on with BH_EABANDONED:
 * at once when it lived on this host (the lease here, 60 s, never runs
 * out during a test), when its lease runs out when it lived elsewhere.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "lock_cases.h"
#include "testutil.h"

#define LEASE_MS 60000
#define SHORT_LEASE_MS 3000 /* the renewal case's: renewed every second */

static bh_redis_proc rp;
static bh_store *st;
static bh_shared *m;

/* A lock's records in Redis are keys: their count is the database's size. */
static long long db_keys(void)
{
    return bh_redis_do(&rp, "DBSIZE");
}

static void setup(void)
{
    char url[256];

    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    snprintf(url, sizeof url, "%s?lock_lease_ms=%d", rp.url, LEASE_MS);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "locks", &m), BH_OK);
    bh_cases_lst = st;
    bh_cases_lm = m;
    bh_lock_cases_rounds = 300;
    bh_lock_cases_records = db_keys;
    bh_lock_cases_idle_max = 0; /* nothing of a free lock is kept */
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

START_TEST(timeout_is_kept)
{
    int let_go;
    pid_t holder = bh_lock_cases_holder("t", &let_go); /* within its lease */
    int64_t t0 = bh_test_now_ms();

    ck_assert_int_eq(bh_lock_acquire(m, "t", 300), BH_ETIMEDOUT);
    /* not before its time (a loaded machine only makes it later) */
    ck_assert_int_ge(bh_test_now_ms() - t0, 300);
    ck_assert_int_eq(bh_lock_acquire(m, "t", 0), BH_ETIMEDOUT);
    /* a waiter is woken by the release, not by its next poll */
    bh_lock_cases_let_go(let_go);
    ck_assert_int_eq(bh_lock_acquire(m, "t", 10000), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "t"), BH_OK);
    ck_assert_int_eq(bh_test_wait(holder), 0);
}
END_TEST

/* Read-modify-write (get, then set) under the lock by several processes,
 * with a check that nobody else is inside while one is. */
/* A holder on this host that dies is seen at once, long before its lease
 * (60 s): the 5 s wait succeeding says so, without reading a clock. */
START_TEST(dead_holder_here_is_abandoned_at_once)
{
    pid_t holder = bh_lock_cases_holder("dead", NULL);
    uint64_t fence_after;

    ck_assert_int_eq(bh_lock_held(m, "dead"), 1);
    kill(holder, SIGKILL);
    ck_assert_int_eq(bh_test_wait(holder), 128 + SIGKILL);
    ck_assert_int_eq(bh_lock_held(m, "dead"), 0);
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 5000), BH_EABANDONED);
    ck_assert_int_eq(bh_lock_fence(m, "dead", &fence_after), BH_OK);
    ck_assert_uint_gt(fence_after, 1);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
    /* afterwards it is an ordinary lock again */
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
}
END_TEST

/* A holder on another host (planted: its token names another host) is
 * judged by its lease alone: the lock is handed on when the lease runs
 * out, with BH_EABANDONED, and not before. */
START_TEST(remote_holder_is_abandoned_after_its_lease)
{
    const char *tok = "00112233445566778899aabbccddeeff:1:12345@another-host.1";

    ck_assert_int_eq(bh_redis_do(&rp, "SET bothive:m:{locks}:l:far %s PX 1000", tok), 0);
    ck_assert_int_eq(bh_redis_do(&rp, "HSET bothive:m:{locks}:lh:far owner %s fence 1", tok), 2);
    ck_assert_int_eq(bh_lock_held(m, "far"), 1);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_lock_acquire(m, "far", 0), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_lock_acquire(m, "far", 5000), BH_EABANDONED);
    ck_assert_int_ge(bh_test_now_ms() - t0, 800);
    ck_assert_int_eq(bh_lock_release(m, "far"), BH_OK);
}
END_TEST

/* A holder that keeps a lock for several leases keeps it: its process
 * renews the lease while it lives. */
START_TEST(lease_is_renewed_while_held)
{
    char short_url[256];
    bh_store *st2;
    bh_shared *m2;

    /* short, yet long enough that a loaded machine still renews in time
     * (every third of it) */
    snprintf(short_url, sizeof short_url, "%s?lock_lease_ms=%d", rp.url, SHORT_LEASE_MS);
    ck_assert_int_eq(bh_store_open(&st2, short_url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st2, "locks", &m2), BH_OK);
    bh_cases_lm = m2;
    int let_go;
    pid_t holder = bh_lock_cases_holder("long", &let_go);
    bh_cases_lm = m;
    usleep(2 * SHORT_LEASE_MS * 1000 + 200 * 1000); /* more than two leases */
    ck_assert_int_eq(bh_lock_held(m, "long"), 1);
    ck_assert_int_eq(bh_lock_acquire(m, "long", 0), BH_ETIMEDOUT);
    /* the holder's release finds its lock still its own */
    bh_lock_cases_let_go(let_go);
    ck_assert_int_eq(bh_test_wait(holder), 0);
    ck_assert_int_eq(bh_lock_acquire(m, "long", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "long"), BH_OK);
    bh_shared_close(m2);
    bh_store_close(st2);
}
END_TEST

/* Releasing all releases every lock taken through this handle, and so
 * does closing it. */
START_TEST(release_all_releases_what_this_handle_holds)
{
    ck_assert_int_eq(bh_lock_acquire(m, "r1", 0), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "r2", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release_all(m), 2);
    ck_assert_int_eq(bh_lock_held(m, "r1"), 0);
    ck_assert_int_eq(bh_lock_held(m, "r2"), 0);
    ck_assert_int_eq(bh_lock_release_all(m), 0);
    /* closing a handle releases its locks */
    bh_shared *h;
    ck_assert_int_eq(bh_shared_open(st, "locks", &h), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(h, "r3", 0), BH_OK);
    bh_shared_close(h);
    ck_assert_int_eq(bh_lock_held(m, "r3"), 0);
}
END_TEST

/* Nothing of a free lock stays in Redis but the memory's counter. */
START_TEST(many_names_leave_nothing_behind)
{
    char name[32];

    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "name-%d", i);
        ck_assert_int_eq(bh_lock_acquire(m, name, 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(m, name), BH_OK);
    }
    /* the registry of memories and the memory's counters */
    ck_assert_int_eq(bh_redis_do(&rp, "DBSIZE"), 2);
    /* and after a waiter timed out */
    int let_go;
    pid_t holder = bh_lock_cases_holder("busy", &let_go);
    ck_assert_int_eq(bh_lock_acquire(m, "busy", 100), BH_ETIMEDOUT);
    bh_lock_cases_let_go(let_go);
    ck_assert_int_eq(bh_test_wait(holder), 0);
    ck_assert_int_eq(bh_redis_do(&rp, "DBSIZE"), 2);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_lock");
    TCase *tc = tcase_create("locks");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    bh_lock_cases_add(tc);
    tcase_add_test(tc, timeout_is_kept);
    tcase_add_test(tc, dead_holder_here_is_abandoned_at_once);
    tcase_add_test(tc, remote_holder_is_abandoned_after_its_lease);
    tcase_add_test(tc, lease_is_renewed_while_held);
    tcase_add_test(tc, release_all_releases_what_this_handle_holds);
    tcase_add_test(tc, many_names_leave_nothing_behind);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
