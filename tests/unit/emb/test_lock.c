/*
 * Named locks across real processes: mutual exclusion through hand-offs,
 * timeouts, sleeping waiters, fairness, dead holders, ownership, fencing,
 * record reclamation; the shared cases on mem: and on file: stores.
 */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "lock_cases.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *m;
static char *file_path; /* the file: fixture's store */

static long long lock_records(void)
{
    struct bh_store_stats ss;

    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    return (long long)ss.locks;
}

/* Stores of the smallest capacity, where records that are not reclaimed
 * soon fill the store. */
static void open_fixture(const char *url)
{
    bh_store_options o = {.capacity = BH_CAPACITY_MIN};

    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "locks", &m), BH_OK);
    bh_cases_lst = st;
    bh_cases_lm = m;
    bh_lock_cases_rounds = 3000;
    bh_lock_cases_records = lock_records;
    bh_lock_cases_idle_max = 64; /* one idle record kept per stripe */
}

static void setup(void)
{
    open_fixture("mem:");
}

static void setup_file(void)
{
    char url[512];

    file_path = bh_test_tmppath("locks");
    snprintf(url, sizeof url, "file:%s", file_path);
    open_fixture(url);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

static void teardown_file(void)
{
    teardown();
    unlink(file_path);
    free(file_path);
}

/* A held lock times out: not before its timeout (a load on the machine
 * can only make the wait longer, so that bound holds anywhere), and a
 * try-once gives up without waiting. How much later a timed wait returns
 * is the scheduler's business: the case's own timeout bounds it. */
START_TEST(timeout_is_kept)
{
    pid_t holder = bh_lock_cases_holder("t", NULL);
    int64_t t0 = bh_test_now_ms();

    ck_assert_int_eq(bh_lock_acquire(m, "t", 300), BH_ETIMEDOUT);
    ck_assert_int_ge(bh_test_now_ms() - t0, 300);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(bh_lock_acquire(m, "t", 0), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_lock_held(m, "t"), 1);
    kill(holder, SIGKILL);
    bh_test_wait(holder);
}
END_TEST

/* A waiter blocked for a second sleeps in the kernel: it reports its own
 * CPU time through its exit status. The second counts from when it is
 * blocked, not from its fork, which a slow machine may take long over. */
START_TEST(waiter_uses_no_cpu)
{
    int let_go;
    pid_t holder = bh_lock_cases_holder("cpu", &let_go);
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
    ck_assert_int_eq(bh_test_wait_asleep(waiter, 30000), 0);
    usleep(1000 * 1000);
    bh_lock_cases_let_go(let_go);
    ck_assert_int_eq(bh_test_wait(holder), 0);
    int cpu_ms = bh_test_wait(waiter);
    ck_assert_int_lt(cpu_ms, 100);
}
END_TEST

/* Read-modify-write (get, then set) under the lock by several processes,
 * with a check that nobody else is inside while one is. */
START_TEST(dead_holder_is_abandoned_at_once)
{
    pid_t holder = bh_lock_cases_holder("dead", NULL);
    uint64_t fence_before = 0, fence_after;

    ck_assert_int_eq(bh_lock_held(m, "dead"), 1);
    kill(holder, SIGKILL);
    ck_assert_int_eq(bh_test_wait(holder), 128 + SIGKILL);
    ck_assert_int_eq(bh_lock_held(m, "dead"), 0);
    /* at once, not after a lease: a try-once already gets it */
    ck_assert_int_eq(bh_lock_acquire(m, "dead", 0), BH_EABANDONED);
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

/* Releasing all releases every lock this process holds through m. */
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

/* A file: store reopened after every process died, with locks held and
 * idle ones of many names: the held ones are abandoned, each once, and
 * once released no more records are left than the idle ones kept. */
START_TEST(file_reopen_reclaims_the_records_of_abandoned_locks)
{
    enum { N = 200 };
    char *path = bh_test_tmppath("lockfile"), url[512], name[32];
    struct bh_store_stats ss;
    bh_store *fs;
    bh_shared *fm;

    snprintf(url, sizeof url, "file:%s", path);
    pid_t pid = fork();
    if (pid == 0) {
        if (bh_store_open(&fs, url, NULL) || bh_shared_open(fs, "m", &fm))
            _exit(1);
        for (int i = 0; i < N; i++) {
            snprintf(name, sizeof name, "held-%d", i);
            if (bh_lock_acquire(fm, name, 0) != BH_OK)
                _exit(2);
        }
        kill(getpid(), SIGKILL);
    }
    ck_assert_int_eq(bh_test_wait(pid), 128 + SIGKILL);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "held-%d", i);
        ck_assert_int_eq(bh_lock_acquire(fm, name, 0), BH_EABANDONED);
        ck_assert_int_eq(bh_lock_release(fm, name), BH_OK);
        ck_assert_int_eq(bh_lock_acquire(fm, name, 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(fm, name), BH_OK);
    }
    ck_assert_int_eq(bh_store_stats(fs, &ss), BH_OK);
    ck_assert_uint_le(ss.locks, 64);
    ck_assert_int_eq(bh_store_check(fs), BH_OK);
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

/* The bytes in use come back to where they were, but for the idle records
 * kept for reuse (one per stripe, with the index that finds it). */
START_TEST(distinct_names_leave_the_bytes_in_use_as_they_were)
{
    struct bh_store_stats before, after;
    char name[32];

    ck_assert_int_eq(bh_store_stats(st, &before), BH_OK);
    for (int i = 0; i < 200000; i++) {
        snprintf(name, sizeof name, "chat-%d", i);
        ck_assert_int_eq(bh_lock_acquire(m, name, 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(m, name), BH_OK);
    }
    ck_assert_int_eq(bh_store_stats(st, &after), BH_OK);
    ck_assert_uint_le(after.locks, 64);
    ck_assert_uint_le(after.used, before.used + 32 * 1024);
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

/* Waits (30 s at most) for *v to become want; returns what it holds then. */
static int wait_for_value(_Atomic int *v, int want)
{
    int64_t end = bh_test_now_ms() + 30000;

    while (atomic_load(v) != want && bh_test_now_ms() < end)
        usleep(1000);
    return atomic_load(v);
}

/*
 * Fairness, strictly: a process that releases a lock and takes it again at
 * once lets in the waiter asleep on it first. The child, told to go, asks
 * for the lock the parent holds and falls asleep on it; the parent then
 * releases and re-acquires, and must find that the child had it between.
 * A lock without the deferral hands it back to the parent nearly every
 * round (the child needs microseconds to wake). The deferral is bounded
 * (200 ms, in case waiters died), so a child that the kernel does not run
 * for that long loses a round, which a loaded machine makes more likely:
 * the child must win most rounds, which an unfair lock never lets it.
 */
START_TEST(releaser_lets_the_sleeping_waiter_in_first)
{
    enum { ROUNDS = 20 };
    _Atomic int *sh = mmap(NULL, 2 * sizeof *sh, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int go[2], won = 0;
    char c = 'g';

    ck_assert_ptr_ne(sh, MAP_FAILED);
    sh[0] = sh[1] = 0; /* the round the child is ready for, and had */
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(bh_lock_acquire(m, "fair", -1), BH_OK);
    pid_t child = fork();
    if (child == 0) {
        close(go[1]);
        for (int r = 1; r <= ROUNDS; r++) {
            if (read(go[0], &c, 1) != 1)
                _exit(1);
            atomic_store(&sh[0], r);
            if (bh_lock_acquire(m, "fair", -1) != BH_OK)
                _exit(2);
            atomic_store(&sh[1], r);
            if (bh_lock_release(m, "fair") != BH_OK)
                _exit(3);
        }
        _exit(0);
    }
    close(go[0]);
    for (int r = 1; r <= ROUNDS; r++) {
        ck_assert_int_eq(write(go[1], &c, 1), 1);
        ck_assert_int_eq(wait_for_value(&sh[0], r), r);
        ck_assert_int_eq(bh_test_wait_asleep(child, 30000), 0); /* in the acquire */
        ck_assert_int_eq(bh_lock_release(m, "fair"), BH_OK);
        ck_assert_int_eq(bh_lock_acquire(m, "fair", -1), BH_OK);
        if (atomic_load(&sh[1]) == r) {
            won++;
            continue;
        }
        /* barged in: let the child have its round before the next one */
        ck_assert_int_eq(bh_lock_release(m, "fair"), BH_OK);
        ck_assert_int_eq(wait_for_value(&sh[1], r), r);
        ck_assert_int_eq(bh_lock_acquire(m, "fair", -1), BH_OK);
    }
    ck_assert_int_eq(bh_lock_release(m, "fair"), BH_OK);
    close(go[1]);
    ck_assert_int_eq(bh_test_wait(child), 0);
    ck_assert_int_gt(won, ROUNDS / 2);
    munmap((void *)sh, 2 * sizeof *sh);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lock");
    TCase *tc = tcase_create("locks");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    bh_lock_cases_add(tc);
    tcase_add_test(tc, timeout_is_kept);
    tcase_add_test(tc, waiter_uses_no_cpu);
    tcase_add_test(tc, releaser_lets_the_sleeping_waiter_in_first);
    tcase_add_test(tc, dead_holder_is_abandoned_at_once);
    tcase_add_test(tc, release_all_releases_what_this_process_holds);
    tcase_add_test(tc, distinct_names_leave_the_bytes_in_use_as_they_were);
    tcase_add_test(tc, file_reopen_abandons_held_locks);
    tcase_add_test(tc, file_reopen_reclaims_the_records_of_abandoned_locks);
    suite_add_tcase(s, tc);
    TCase *tcf = tcase_create("locks_file");
    tcase_set_timeout(tcf, 120);
    tcase_add_checked_fixture(tcf, setup_file, teardown_file);
    bh_lock_cases_add(tcf);
    tcase_add_test(tcf, distinct_names_leave_the_bytes_in_use_as_they_were);
    suite_add_tcase(s, tcf);
    return bh_test_run_suite(s);
}
