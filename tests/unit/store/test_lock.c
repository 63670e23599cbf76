/*
 * Named locks across real processes: mutual exclusion through hand-offs,
 * timeouts, sleeping waiters, fairness, dead holders, ownership, fencing,
 * record reclamation.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
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
    ck_assert_int_eq(bh_lock_fence(m, "a", &f1), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "a"), 0);
    ck_assert_int_eq(bh_lock_fence(m, "a", &f2), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 100), BH_OK);
    ck_assert_int_eq(bh_lock_fence(m, "a", &f2), BH_OK);
    ck_assert_uint_gt(f2, 0);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
    /* a lock name and a key of the same name are different things */
    ck_assert_int_eq(bh_shared_set_int(m, "a", 1), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "a", 0), BH_OK);
    ck_assert_int_eq(bh_shared_delete(m, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "a"), 1);
    ck_assert_int_eq(bh_lock_release(m, "a"), BH_OK);
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
    pid_t holder = spawn_holder("t", -1);
    int64_t t0 = bh_test_now_ms();

    ck_assert_int_eq(bh_lock_acquire(m, "t", 300), BH_ETIMEDOUT);
    int64_t waited = bh_test_now_ms() - t0;
    ck_assert_int_ge(waited, 300);
    ck_assert_int_lt(waited, 300 + 1500); /* generous: shared machines */
    t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_lock_acquire(m, "t", 0), BH_ETIMEDOUT);
    ck_assert_int_lt(bh_test_now_ms() - t0, 1000);
    kill(holder, SIGKILL);
    bh_test_wait(holder);
}
END_TEST

/* A waiter blocked for a second sleeps in the kernel: it reports its own
 * CPU time through its exit status. */
START_TEST(waiter_uses_no_cpu)
{
    pid_t holder = spawn_holder("cpu", 1200);
    pid_t waiter = fork();

    if (waiter == 0) {
        struct rusage ru;
        int rc = bh_lock_acquire(m, "cpu", -1);
        getrusage(RUSAGE_SELF, &ru);
        long ms = ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
                  ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
        bh_lock_release(m, "cpu");
        _exit(rc == BH_OK ? (ms > 100 ? 100 : (int)ms) : 200);
    }
    ck_assert_int_eq(bh_test_wait(holder), 0);
    int cpu_ms = bh_test_wait(waiter);
    ck_assert_int_lt(cpu_ms, 100);
}
END_TEST

/* Read-modify-write (get, then set) under the lock by several processes,
 * with a check that nobody else is inside while one is. */
START_TEST(mutual_exclusion_through_handoffs)
{
    enum { PROCS = 4, ROUNDS = 3000 };
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
                if (i % 100 == 0)
                    usleep(50);
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

START_TEST(dead_holder_is_abandoned_at_once)
{
    pid_t holder = spawn_holder("dead", -1);
    uint64_t fence_before = 0, fence_after;

    ck_assert_int_eq(bh_lock_held(m, "dead"), 1);
    kill(holder, SIGKILL);
    ck_assert_int_eq(bh_test_wait(holder), 128 + SIGKILL);
    ck_assert_int_eq(bh_lock_held(m, "dead"), 0);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 5000), BH_EABANDONED);
    ck_assert_int_lt(bh_test_now_ms() - t0, 1000); /* at once, not after a lease */
    ck_assert_int_eq(bh_lock_fence(m, "dead", &fence_after), BH_OK);
    ck_assert_uint_gt(fence_after, fence_before);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
    /* afterwards it is an ordinary lock again, and no second record exists */
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "dead"), BH_OK);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_le(ss.locks, 1);
}
END_TEST

/* A waiter already blocked when the holder dies is woken with the lock. */
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

START_TEST(release_all_releases_what_this_process_holds)
{
    ck_assert_int_eq(bh_lock_acquire(m, "r1", 0), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "r2", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release_all(m), 2);
    ck_assert_int_eq(bh_lock_held(m, "r1"), 0);
    ck_assert_int_eq(bh_lock_held(m, "r2"), 0);
    ck_assert_int_eq(bh_lock_release_all(m), 0);
}
END_TEST

START_TEST(million_names_do_not_fill_the_store)
{
    bh_store *small;
    bh_shared *sm;
    bh_store_options o = {.capacity = 2 << 20};
    char name[32];

    ck_assert_int_eq(bh_store_open(&small, "mem:", &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(small, "m", &sm), BH_OK);
    for (int i = 0; i < 1000000; i++) {
        snprintf(name, sizeof name, "name-%d", i);
        ck_assert_int_eq(bh_lock_acquire(sm, name, 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(sm, name), BH_OK);
    }
    /* only a bounded number of idle records is kept (16 per stripe) */
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(small, &ss), BH_OK);
    ck_assert_uint_le(ss.locks, 64 * 16);
    ck_assert_int_eq(bh_store_check(small), BH_OK);
    bh_shared_close(sm);
    bh_store_close(small);
}
END_TEST

/* A file: store reopened after every process died: a lock that was held
 * is free, and its next acquirer is told it was abandoned. */
START_TEST(file_reopen_abandons_held_locks)
{
    char *path = bh_test_tmppath("lockfile"), url[512];
    bh_store *fs;
    bh_shared *fm;

    snprintf(url, sizeof url, "file:%s", path);
    pid_t pid = fork();
    if (pid == 0) {
        if (bh_store_open(&fs, url, NULL) || bh_shared_open(fs, "m", &fm) ||
            bh_lock_acquire(fm, "held", 0) != BH_OK)
            _exit(1);
        kill(getpid(), SIGKILL);
    }
    ck_assert_int_eq(bh_test_wait(pid), 128 + SIGKILL);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    ck_assert_int_eq(bh_lock_held(fm, "held"), 0);
    ck_assert_int_eq(bh_lock_acquire(fm, "held", 0), BH_EABANDONED);
    ck_assert_int_eq(bh_lock_release(fm, "held"), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(fm, "held", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(fm, "held"), BH_OK);
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("locks");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, basic_semantics);
    tcase_add_test(tc, names_are_scoped_to_their_memory);
    tcase_add_test(tc, release_by_non_owner_keeps_it_held);
    tcase_add_test(tc, timeout_is_accurate);
    tcase_add_test(tc, waiter_uses_no_cpu);
    tcase_add_test(tc, mutual_exclusion_through_handoffs);
    tcase_add_test(tc, scoped_block_releases);
    tcase_add_test(tc, dead_holder_is_abandoned_at_once);
    tcase_add_test(tc, blocked_waiter_gets_abandoned_lock);
    tcase_add_test(tc, no_starvation);
    tcase_add_test(tc, fence_grows_across_processes);
    tcase_add_test(tc, release_all_releases_what_this_process_holds);
    tcase_add_test(tc, million_names_do_not_fill_the_store);
    tcase_add_test(tc, file_reopen_abandons_held_locks);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
