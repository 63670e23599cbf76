/*
 * Named locks of the redis:// backend across real processes: mutual
 * exclusion through hand-offs, timeouts, fairness, ownership, fencing, and
 * a holder killed on the spot, whose lock is handed on with BH_EABANDONED
 * once its lease (1 s here, from the URL) runs out.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

#define LEASE_MS 1000

static bh_redis_proc rp;
static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    char url[256];

    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    snprintf(url, sizeof url, "%s?lock_lease_ms=%d", rp.url, LEASE_MS);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "locks", &m), BH_OK);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

/* A child that takes the lock, says so on the pipe, and holds it for
 * hold_ms (or until killed when hold_ms < 0). */
static pid_t spawn_holder(const char *name, int hold_ms)
{
    int fds[2];
    char c;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        if (bh_lock_acquire(m, name, -1) != BH_OK)
            _exit(1);
        if (write(fds[1], "x", 1) != 1)
            _exit(2);
        if (hold_ms < 0)
            for (;;)
                pause();
        usleep((useconds_t)hold_ms * 1000);
        _exit(bh_lock_release(m, name) == BH_OK ? 0 : 3);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

START_TEST(basic_semantics)
{
    uint64_t f1, f2;

    ck_assert_int_eq(bh_lock_held(m, "a"), 0);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 0), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "a"), 1);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 0), BH_EDEADLK);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 100), BH_EDEADLK);
    ck_assert_int_eq(bh_lock_fence(m, "a", &f1), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "a"), 0);
    ck_assert_int_eq(bh_lock_fence(m, "a", &f2), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 100), BH_OK);
    ck_assert_int_eq(bh_lock_fence(m, "a", &f2), BH_OK);
    ck_assert_uint_gt(f2, f1);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
    /* a lock name and a key of the same name are different things */
    ck_assert_int_eq(bh_shared_set_int(m, "a", 1), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 0), BH_OK);
    ck_assert_int_eq(bh_shared_delete(m, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "a"), 1);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
    size_t n;
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(names_are_scoped_to_their_memory)
{
    bh_shared *other;

    ck_assert_int_eq(bh_shared_open(st, "other", &other), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "x", 0), BH_OK);
    ck_assert_int_eq(bh_lock_held(other, "x"), 0);
    ck_assert_int_eq(bh_lock_acquire(other, "x", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(other, "x"), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "x"), BH_OK);
    bh_shared_close(other);
}
END_TEST

START_TEST(release_by_non_owner_keeps_it_held)
{
    pid_t holder = spawn_holder("l", 500);

    ck_assert_int_eq(bh_lock_release(m, "l"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_held(m, "l"), 1);
    ck_assert_int_eq(bh_lock_acquire(m, "l", 0), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_test_wait(holder), 0);
    ck_assert_int_eq(bh_lock_acquire(m, "l", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "l"), BH_OK);
}
END_TEST

START_TEST(timeout_is_accurate)
{
    pid_t holder = spawn_holder("t", 800); /* within its lease */
    int64_t t0 = bh_test_now_ms();

    ck_assert_int_eq(bh_lock_acquire(m, "t", 300), BH_ETIMEDOUT);
    int64_t waited = bh_test_now_ms() - t0;
    ck_assert_int_ge(waited, 300);
    ck_assert_int_lt(waited, 300 + 1500);
    t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_lock_acquire(m, "t", 0), BH_ETIMEDOUT);
    ck_assert_int_lt(bh_test_now_ms() - t0, 1000);
    /* a waiter is woken by the release, not by its next poll */
    ck_assert_int_eq(bh_lock_acquire(m, "t", 10000), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "t"), BH_OK);
    ck_assert_int_eq(bh_test_wait(holder), 0);
}
END_TEST

/* Read-modify-write (get, then set) under the lock by several processes,
 * with a check that nobody else is inside while one is. */
START_TEST(mutual_exclusion_through_handoffs)
{
    enum { PROCS = 4, ROUNDS = 300 };
    pid_t pids[PROCS];
    int64_t v;

    ck_assert_int_eq(bh_shared_set_int(m, "total", 0), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "inside", 0), BH_OK);
    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            for (int i = 0; i < ROUNDS; i++) {
                int64_t in, total;
                if (bh_lock_acquire(m, "rmw", -1) != BH_OK)
                    _exit(1);
                if (bh_shared_incr(m, "inside", 1, &in) || in != 1)
                    _exit(2);
                if (bh_shared_get_int(m, "total", &total))
                    _exit(3);
                if (i % 50 == 0)
                    usleep(1000);
                if (bh_shared_set_int(m, "total", total + 1))
                    _exit(4);
                if (bh_shared_incr(m, "inside", -1, &in) || in != 0)
                    _exit(5);
                if (bh_lock_release(m, "rmw") != BH_OK)
                    _exit(6);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "total", &v), BH_OK);
    ck_assert(v == PROCS * ROUNDS);
    ck_assert_int_eq(bh_lock_held(m, "rmw"), 0);
}
END_TEST

START_TEST(scoped_block_releases)
{
    int ran = 0;

    BH_WITH_LOCK(m, "scoped")
    {
        ck_assert_int_eq(bh_lock_held(m, "scoped"), 1);
        ran = 1;
    }
    ck_assert_int_eq(ran, 1);
    ck_assert_int_eq(bh_lock_held(m, "scoped"), 0);
}
END_TEST

/* On redis:// a dead holder is noticed when its lease runs out. */
START_TEST(dead_holder_is_abandoned_after_its_lease)
{
    pid_t holder = spawn_holder("dead", -1);
    uint64_t fence_after;

    ck_assert_int_eq(bh_lock_held(m, "dead"), 1);
    int64_t t0 = bh_test_now_ms();
    kill(holder, SIGKILL);
    ck_assert_int_eq(bh_test_wait(holder), 128 + SIGKILL);
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 5000), BH_EABANDONED);
    int64_t waited = bh_test_now_ms() - t0;
    ck_assert_int_lt(waited, LEASE_MS + 1000);
    ck_assert_int_eq(bh_lock_fence(m, "dead", &fence_after), BH_OK);
    ck_assert_uint_gt(fence_after, 1);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
    /* afterwards it is an ordinary lock again */
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
}
END_TEST

/* A waiter already blocked when the holder dies gets the lock. */
START_TEST(blocked_waiter_gets_abandoned_lock)
{
    pid_t holder = spawn_holder("w", -1);
    pid_t waiter = fork();

    if (waiter == 0) {
        int rc = bh_lock_acquire(m, "w", 10000);
        _exit(rc == BH_EABANDONED ? 0 : 1);
    }
    usleep(200 * 1000);
    kill(holder, SIGKILL);
    bh_test_wait(holder);
    ck_assert_int_eq(bh_test_wait(waiter), 0);
}
END_TEST

/* One process acquires and releases in a tight loop; a waiter must still
 * get the lock well within its timeout. */
START_TEST(no_starvation)
{
    int fds[2];
    char c;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t hog = fork();
    if (hog == 0) {
        close(fds[0]);
        int64_t end = bh_test_now_ms() + 3000;
        int signalled = 0;
        while (bh_test_now_ms() < end) {
            if (bh_lock_acquire(m, "hog", -1) != BH_OK)
                _exit(1);
            if (!signalled++ && write(fds[1], "x", 1) != 1)
                _exit(2);
            if (bh_lock_release(m, "hog") != BH_OK)
                _exit(3);
        }
        _exit(0);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(bh_lock_acquire(m, "hog", 2000), BH_OK);
        ck_assert_int_eq(bh_lock_release(m, "hog"), BH_OK);
    }
    ck_assert_int_eq(bh_test_wait(hog), 0);
}
END_TEST

START_TEST(fence_grows_across_processes)
{
    uint64_t f1, f2;

    ck_assert_int_eq(bh_lock_acquire(m, "f", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(m, "f", &f1), BH_OK);
    pid_t child = fork();
    if (child == 0) {
        uint64_t fc;
        /* the child is another process: it does not hold its parent's lock */
        if (bh_lock_fence(m, "f", &fc) != BH_ENOTOWNER || bh_lock_release_all(m) != 0)
            _exit(4);
        if (bh_lock_acquire(m, "f", 5000) != BH_OK || bh_lock_fence(m, "f", &fc) != BH_OK)
            _exit(1);
        if (bh_shared_set_int(m, "child_fence", (int64_t)fc) != BH_OK)
            _exit(2);
        _exit(bh_lock_release(m, "f") == BH_OK ? 0 : 3);
    }
    usleep(100 * 1000);
    ck_assert_int_eq(bh_lock_release(m, "f"), BH_OK);
    ck_assert_int_eq(bh_test_wait(child), 0);
    int64_t cf;
    ck_assert_int_eq(bh_shared_get_int(m, "child_fence", &cf), BH_OK);
    ck_assert_uint_gt((uint64_t)cf, f1);
    ck_assert_int_eq(bh_lock_acquire(m, "f", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(m, "f", &f2), BH_OK);
    ck_assert_uint_gt(f2, (uint64_t)cf);
    ck_assert_int_eq(bh_lock_release(m, "f"), BH_OK);
}
END_TEST

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
    pid_t holder = spawn_holder("busy", 600);
    ck_assert_int_eq(bh_lock_acquire(m, "busy", 100), BH_ETIMEDOUT);
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
    tcase_add_test(tc, basic_semantics);
    tcase_add_test(tc, names_are_scoped_to_their_memory);
    tcase_add_test(tc, release_by_non_owner_keeps_it_held);
    tcase_add_test(tc, timeout_is_accurate);
    tcase_add_test(tc, mutual_exclusion_through_handoffs);
    tcase_add_test(tc, scoped_block_releases);
    tcase_add_test(tc, dead_holder_is_abandoned_after_its_lease);
    tcase_add_test(tc, blocked_waiter_gets_abandoned_lock);
    tcase_add_test(tc, no_starvation);
    tcase_add_test(tc, fence_grows_across_processes);
    tcase_add_test(tc, release_all_releases_what_this_handle_holds);
    tcase_add_test(tc, many_names_leave_nothing_behind);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
