/*
 * The semantics of named locks, the same for every backend:
 * tests/unit/store/test_lock.c runs them on the embedded store,
 * tests/unit/redis/test_redis_lock.c on redis://. The suite's fixture
 * points bh_cases_lst and bh_cases_lm at a store and a memory, and sets
 * bh_lock_cases_rounds (how many hand-offs the exclusion case makes).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lock_cases.h"
#include "testutil.h"

bh_store *bh_cases_lst;
bh_shared *bh_cases_lm;
int bh_lock_cases_rounds = 300;
long long (*bh_lock_cases_records)(void);
long long bh_lock_cases_idle_max;
int bh_lock_cases_names = 200000;

/* Blocks until the parent writes to fd, or is gone (end of file). */
static void await_parent(int fd)
{
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
}

pid_t bh_lock_cases_holder(const char *name, int *let_go)
{
    int held[2], go[2];
    char c;

    ck_assert_int_eq(pipe(held), 0);
    ck_assert_int_eq(pipe(go), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(held[0]);
        close(go[1]);
        if (bh_lock_acquire(bh_cases_lm, name, -1) != BH_OK)
            _exit(1);
        if (write(held[1], "x", 1) != 1)
            _exit(2);
        if (!let_go)
            for (;;)
                pause();
        await_parent(go[0]);
        _exit(bh_lock_release(bh_cases_lm, name) == BH_OK ? 0 : 3);
    }
    close(held[1]);
    close(go[0]);
    ck_assert_int_eq(read(held[0], &c, 1), 1);
    close(held[0]);
    if (let_go)
        *let_go = go[1];
    else
        close(go[1]);
    return pid;
}

/* A byte, not the end of file: children forked since hold copies of the
 * descriptor, which would keep the pipe open. */
void bh_lock_cases_let_go(int let_go)
{
    ck_assert_int_eq(write(let_go, "x", 1), 1);
    close(let_go);
}

START_TEST(basic_semantics)
{
    uint64_t f1, f2;

    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "a"), 0);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "a"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "a", 0), BH_OK);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "a"), 1);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "a", 0), BH_EDEADLK);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "a", 100), BH_EDEADLK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "a", &f1), BH_OK);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "a"), 0);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "a", &f2), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "a"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "a", 100), BH_OK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "a", &f2), BH_OK);
    ck_assert_uint_gt(f2, f1);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "a"), BH_OK);
    /* a lock name and a key of the same name are different things */
    ck_assert_int_eq(bh_shared_set_int(bh_cases_lm, "a", 1), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "a", 0), BH_OK);
    ck_assert_int_eq(bh_shared_delete(bh_cases_lm, "a"), BH_OK);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "a"), 1);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "a"), BH_OK);
    size_t n;
    ck_assert_int_eq(bh_shared_len(bh_cases_lm, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(names_are_scoped_to_their_memory)
{
    bh_shared *other;

    ck_assert_int_eq(bh_shared_open(bh_cases_lst, "other", &other), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "x", 0), BH_OK);
    ck_assert_int_eq(bh_lock_held(other, "x"), 0);
    ck_assert_int_eq(bh_lock_acquire(other, "x", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(other, "x"), BH_OK);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "x"), BH_OK);
    bh_shared_close(other);
}
END_TEST

START_TEST(release_by_non_owner_keeps_it_held)
{
    int let_go;
    pid_t holder = bh_lock_cases_holder("l", &let_go);

    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "l"), BH_ENOTOWNER);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "l"), 1);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "l", 0), BH_ETIMEDOUT);
    bh_lock_cases_let_go(let_go);
    ck_assert_int_eq(bh_test_wait(holder), 0);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "l", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "l"), BH_OK);
}
END_TEST

START_TEST(mutual_exclusion_through_handoffs)
{
    enum { PROCS = 4 };
    const int ROUNDS = bh_lock_cases_rounds;
    pid_t pids[PROCS];
    int64_t v;

    ck_assert_int_eq(bh_shared_set_int(bh_cases_lm, "total", 0), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_lm, "inside", 0), BH_OK);
    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            for (int i = 0; i < ROUNDS; i++) {
                int64_t in, total;
                if (bh_lock_acquire(bh_cases_lm, "rmw", -1) != BH_OK)
                    _exit(1);
                if (bh_shared_incr(bh_cases_lm, "inside", 1, &in) || in != 1)
                    _exit(2);
                if (bh_shared_get_int(bh_cases_lm, "total", &total))
                    _exit(3);
                if (i % 50 == 0)
                    usleep(1000);
                if (bh_shared_set_int(bh_cases_lm, "total", total + 1))
                    _exit(4);
                if (bh_shared_incr(bh_cases_lm, "inside", -1, &in) || in != 0)
                    _exit(5);
                if (bh_lock_release(bh_cases_lm, "rmw") != BH_OK)
                    _exit(6);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_lm, "total", &v), BH_OK);
    ck_assert(v == PROCS * ROUNDS);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "rmw"), 0);
}
END_TEST

START_TEST(scoped_block_releases)
{
    int ran = 0;

    BH_WITH_LOCK(bh_cases_lm, "scoped")
    {
        ck_assert_int_eq(bh_lock_held(bh_cases_lm, "scoped"), 1);
        ran = 1;
    }
    ck_assert_int_eq(ran, 1);
    ck_assert_int_eq(bh_lock_held(bh_cases_lm, "scoped"), 0);
}
END_TEST

/* A hog takes and releases the lock in a tight loop for as long as the
 * test needs it (not for a time: a slow machine could end it before the
 * test begins), while the test acquires it five times. */
START_TEST(no_starvation)
{
    int fds[2];
    char c;
    _Atomic int *done = mmap(NULL, sizeof *done, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t parent = getpid();

    ck_assert_ptr_ne(done, MAP_FAILED);
    *done = 0;
    ck_assert_int_eq(pipe(fds), 0);
    pid_t hog = fork();
    if (hog == 0) {
        close(fds[0]);
        /* stops with the test, also when the test died */
        for (int signalled = 0; !*done && getppid() == parent;) {
            if (bh_lock_acquire(bh_cases_lm, "hog", -1) != BH_OK)
                _exit(1);
            if (!signalled++ && write(fds[1], "x", 1) != 1)
                _exit(2);
            if (bh_lock_release(bh_cases_lm, "hog") != BH_OK)
                _exit(3);
        }
        _exit(0);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "hog", 2000), BH_OK);
        ck_assert_int_eq(bh_lock_release(bh_cases_lm, "hog"), BH_OK);
    }
    *done = 1;
    ck_assert_int_eq(bh_test_wait(hog), 0);
    munmap((void *)done, sizeof *done);
}
END_TEST

START_TEST(fence_grows_across_processes)
{
    uint64_t f1, f2;

    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "f", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "f", &f1), BH_OK);
    pid_t child = fork();
    if (child == 0) {
        uint64_t fc;
        /* the child is another process: it does not hold its parent's lock */
        if (bh_lock_fence(bh_cases_lm, "f", &fc) != BH_ENOTOWNER ||
            bh_lock_release_all(bh_cases_lm) != 0)
            _exit(4);
        if (bh_lock_acquire(bh_cases_lm, "f", 5000) != BH_OK ||
            bh_lock_fence(bh_cases_lm, "f", &fc) != BH_OK)
            _exit(1);
        if (bh_shared_set_int(bh_cases_lm, "child_fence", (int64_t)fc) != BH_OK)
            _exit(2);
        _exit(bh_lock_release(bh_cases_lm, "f") == BH_OK ? 0 : 3);
    }
    /* released once the child waits for it: the fence passes a hand-off */
    ck_assert_int_eq(bh_test_wait_asleep(child, 30000), 0);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "f"), BH_OK);
    ck_assert_int_eq(bh_test_wait(child), 0);
    int64_t cf;
    ck_assert_int_eq(bh_shared_get_int(bh_cases_lm, "child_fence", &cf), BH_OK);
    ck_assert_uint_gt((uint64_t)cf, f1);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "f", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "f", &f2), BH_OK);
    ck_assert_uint_gt(f2, (uint64_t)cf);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "f"), BH_OK);
}
END_TEST

/* A waiter already blocked when the holder dies gets the lock, told that
 * its holder died. */
START_TEST(blocked_waiter_gets_abandoned_lock)
{
    pid_t holder = bh_lock_cases_holder("w", NULL);
    pid_t waiter = fork();

    if (waiter == 0) {
        int rc = bh_lock_acquire(bh_cases_lm, "w", 60000);
        _exit(rc == BH_EABANDONED ? 0 : 1);
    }
    ck_assert_int_eq(bh_test_wait_asleep(waiter, 30000), 0);
    kill(holder, SIGKILL);
    bh_test_wait(holder);
    ck_assert_int_eq(bh_test_wait(waiter), 0);
}
END_TEST

/* ---- Reclamation: a lock's records live only while it is held or waited on ---- */

/* Acquires and releases n distinct names one after another; 0 or the line of
 * the first failure (for a child's exit status, hence no ck_assert). */
static int churn(const char *prefix, int n)
{
    char name[64];

    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s-%d", prefix, i);
        int rc = bh_lock_acquire(bh_cases_lm, name, 0);
        if (rc != BH_OK) {
            fprintf(stderr, "acquiring %s: %s\n", name, bh_strerror(rc));
            return __LINE__;
        }
        if (bh_lock_release(bh_cases_lm, name) != BH_OK)
            return __LINE__;
    }
    return 0;
}

/* The records the store holds once the memory has had a lock: what stays
 * for good (redis://: the memory's counters) is not a lock's. */
static long long records_base(void)
{
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "warm", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "warm"), BH_OK);
    return bh_lock_cases_records();
}

/* The records left beyond base must be idle ones kept for reuse, no more. */
static void assert_records_bounded(long long base)
{
    long long now = bh_lock_cases_records();

    if (now > base + bh_lock_cases_idle_max)
        ck_abort_msg("%lld lock records, more than %lld at the start plus %lld idle", now, base,
                     bh_lock_cases_idle_max);
}

/* The same, allowing time for what the backend lets lapse (redis://: the
 * queue of waiters that died, once their heartbeats are past). */
static void assert_records_bounded_soon(long long base)
{
    int64_t end = bh_test_now_ms() + 10000;

    while (bh_lock_cases_records() > base + bh_lock_cases_idle_max && bh_test_now_ms() < end)
        usleep(100 * 1000);
    assert_records_bounded(base);
}

/* A bot that locks per chat ("chat-<id>") meets a new name with nearly every
 * update: after as many names as the suite says, on a store of the smallest
 * capacity, the records are back to the bound and writes still succeed. */
START_TEST(distinct_names_are_reclaimed)
{
    long long base = records_base();
    char key[32];
    size_t n;

    ck_assert_int_eq(churn("chat", bh_lock_cases_names), 0);
    assert_records_bounded(base);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "key-%d", i);
        ck_assert_int_eq(bh_shared_set_int(bh_cases_lm, key, i), BH_OK);
    }
    for (int i = 0; i < 100; i++) {
        int64_t v;
        snprintf(key, sizeof key, "key-%d", i);
        ck_assert_int_eq(bh_shared_get_int(bh_cases_lm, key, &v), BH_OK);
        ck_assert(v == i);
    }
    ck_assert_int_eq(bh_shared_clear(bh_cases_lm), BH_OK);
    ck_assert_int_eq(bh_shared_len(bh_cases_lm, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* A fence is larger than every earlier fence of its name, also once the
 * name's record was reclaimed in between, here by another process. */
START_TEST(fence_grows_after_its_record_is_reclaimed)
{
    long long base = records_base();
    uint64_t f1, f2;
    int64_t fc;

    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "fenced", 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(bh_cases_lm, "fenced"), BH_OK);
    }
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "fenced", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "fenced", &f1), BH_OK);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "fenced"), BH_OK);
    pid_t child = fork();
    if (child == 0) {
        uint64_t f;
        int line = churn("other", 5000);
        if (line)
            _exit(1);
        if (bh_lock_acquire(bh_cases_lm, "fenced", 0) != BH_OK ||
            bh_lock_fence(bh_cases_lm, "fenced", &f) != BH_OK ||
            bh_lock_release(bh_cases_lm, "fenced") != BH_OK)
            _exit(2);
        if (bh_shared_set_int(bh_cases_lm, "child_fence", (int64_t)f) != BH_OK)
            _exit(3);
        _exit(churn("again", 5000) ? 4 : 0);
    }
    ck_assert_int_eq(bh_test_wait(child), 0);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_lm, "child_fence", &fc), BH_OK);
    ck_assert_uint_gt((uint64_t)fc, f1);
    ck_assert_int_eq(bh_shared_delete(bh_cases_lm, "child_fence"), BH_OK);
    assert_records_bounded(base);
    ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, "fenced", 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(bh_cases_lm, "fenced", &f2), BH_OK);
    ck_assert_uint_gt(f2, (uint64_t)fc);
    ck_assert_int_eq(bh_lock_release(bh_cases_lm, "fenced"), BH_OK);
}
END_TEST

/* A child takes n locks "dead-<i>", says so on the pipe and waits to be
 * killed holding them. */
static pid_t holder_of_many(int n)
{
    int fds[2];
    char name[32], c;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < n; i++) {
            snprintf(name, sizeof name, "dead-%d", i);
            if (bh_lock_acquire(bh_cases_lm, name, 0) != BH_OK)
                _exit(1);
        }
        if (write(fds[1], "x", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

/* Locks whose holder died are handed on with BH_EABANDONED; released, their
 * records go like any other. */
START_TEST(abandoned_records_are_reclaimed)
{
    enum { N = 300 };
    long long base = records_base();
    pid_t holder = holder_of_many(N);
    char name[32];

    kill(holder, SIGKILL);
    ck_assert_int_eq(bh_test_wait(holder), 128 + SIGKILL);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "dead-%d", i);
        ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, name, 5000), BH_EABANDONED);
        ck_assert_int_eq(bh_lock_release(bh_cases_lm, name), BH_OK);
    }
    assert_records_bounded(base);
}
END_TEST

/* Waiters killed while they wait pin nothing for ever: once the locks they
 * waited for are released, their records go too. Churns first and after, so
 * that every idle record the store may keep is taken by another name. */
START_TEST(dead_waiters_leave_no_records)
{
    enum { N = 4 };
    long long base = records_base();
    pid_t waiters[N];
    char name[32];

    ck_assert_int_eq(churn("before", 5000), 0);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "waited-%d", i);
        ck_assert_int_eq(bh_lock_acquire(bh_cases_lm, name, 0), BH_OK);
        if ((waiters[i] = fork()) == 0)
            _exit(bh_lock_acquire(bh_cases_lm, name, -1) == BH_OK ? 0 : 1);
    }
    usleep(300 * 1000); /* they are asleep in the lock by now */
    for (int i = 0; i < N; i++) {
        kill(waiters[i], SIGKILL);
        ck_assert_int_eq(bh_test_wait(waiters[i]), 128 + SIGKILL);
    }
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "waited-%d", i);
        ck_assert_int_eq(bh_lock_release(bh_cases_lm, name), BH_OK);
    }
    ck_assert_int_eq(churn("after", 5000), 0);
    assert_records_bounded_soon(base);
}
END_TEST

/* Exclusion holds while records are freed and made again under waiters:
 * processes take turns on a few hot names while each also churns names of
 * its own, which makes the hot records idle, reclaimed and remade. */
START_TEST(exclusion_holds_while_records_come_and_go)
{
    enum { PROCS = 3, HOT = 4 };
    const int ROUNDS = bh_lock_cases_rounds;
    pid_t pids[PROCS];
    char name[32], in[40], cold[48];

    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            for (int i = 0; i < ROUNDS; i++) {
                int64_t v;
                snprintf(name, sizeof name, "hot-%d", (i + p) % HOT);
                snprintf(in, sizeof in, "in:%s", name);
                snprintf(cold, sizeof cold, "cold-%d-%d", p, i);
                if (bh_lock_acquire(bh_cases_lm, name, -1) != BH_OK)
                    _exit(1);
                if (bh_shared_incr(bh_cases_lm, in, 1, &v) || v != 1)
                    _exit(2);
                if (bh_lock_acquire(bh_cases_lm, cold, 0) != BH_OK ||
                    bh_lock_release(bh_cases_lm, cold) != BH_OK)
                    _exit(3);
                if (bh_shared_incr(bh_cases_lm, in, -1, &v) || v != 0)
                    _exit(4);
                if (bh_lock_release(bh_cases_lm, name) != BH_OK)
                    _exit(5);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
}
END_TEST

void bh_lock_cases_add(TCase *tc)
{
    tcase_add_test(tc, basic_semantics);
    tcase_add_test(tc, names_are_scoped_to_their_memory);
    tcase_add_test(tc, release_by_non_owner_keeps_it_held);
    tcase_add_test(tc, mutual_exclusion_through_handoffs);
    tcase_add_test(tc, scoped_block_releases);
    tcase_add_test(tc, no_starvation);
    tcase_add_test(tc, fence_grows_across_processes);
    tcase_add_test(tc, blocked_waiter_gets_abandoned_lock);
    tcase_add_test(tc, distinct_names_are_reclaimed);
    tcase_add_test(tc, fence_grows_after_its_record_is_reclaimed);
    tcase_add_test(tc, abandoned_records_are_reclaimed);
    tcase_add_test(tc, dead_waiters_leave_no_records);
    tcase_add_test(tc, exclusion_holds_while_records_come_and_go);
}
