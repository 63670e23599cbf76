/*
 * Stripe locks (src/emb/slock.c): mutual exclusion, an owner that sleeps
 * is never robbed, a dead owner (reaped or a zombie) is noticed, and a pid
 * reused by another process is not taken for the owner.
 */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bothive/error.h"
#include "emb/region.h"
#include "testutil.h"

struct shared_lock {
    _Atomic uint32_t word;
    _Atomic uint64_t token;
    int64_t counter;
    _Atomic int waiting; /* set by a process just before it waits on word */
};

static struct shared_lock *sl;

static void setup(void)
{
    sl = mmap(NULL, sizeof *sl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(sl, MAP_FAILED);
}

static void teardown(void)
{
    munmap(sl, sizeof *sl);
}

START_TEST(mutual_exclusion)
{
    pid_t pids[3];

    for (int p = 0; p < 3; p++)
        if ((pids[p] = fork()) == 0) {
            for (int i = 0; i < 100000; i++) {
                if (bh_slock_lock(&sl->word, &sl->token) != 0)
                    _exit(1);
                sl->counter++;
                bh_slock_unlock(&sl->word, &sl->token);
            }
            _exit(0);
        }
    for (int p = 0; p < 3; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert(sl->counter == 300000);
}
END_TEST

/* A child that takes the lock, then runs then(); its pid, once it holds
 * the lock. */
static pid_t holder(void (*then)(void))
{
    int fds[2];
    char c;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        bh_slock_lock(&sl->word, &sl->token);
        if (write(fds[1], "x", 1) != 1)
            _exit(2);
        then();
        _exit(0);
    }
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    close(fds[1]);
    return pid;
}

/* The owner of sleeping_owner_is_not_robbed: holds the lock for 400 ms
 * from when the waiter (its parent) is asleep on it. */
static void hold_while_parent_waits(void)
{
    while (!atomic_load(&sl->waiting))
        usleep(1000);
    if (bh_test_wait_asleep(getppid(), 30000) != 0)
        _exit(3);
    usleep(400 * 1000);
    sl->counter = 1;
    bh_slock_unlock(&sl->word, &sl->token);
}

static void hold_for_ever(void)
{
    pause();
}

/* An owner that holds the lock far longer than the waiter's check period
 * is alive: the waiter must wait, not take it. The owner starts counting
 * once the waiter is asleep on the lock, so that the waiter looks at it
 * over several periods however slowly the machine runs it there. */
START_TEST(sleeping_owner_is_not_robbed)
{
    pid_t pid = holder(hold_while_parent_waits);
    atomic_store(&sl->waiting, 1);
    ck_assert_int_eq(bh_slock_lock(&sl->word, &sl->token), 0);
    ck_assert(sl->counter == 1);
    bh_slock_unlock(&sl->word, &sl->token);
    ck_assert_int_eq(bh_test_wait(pid), 0);
}
END_TEST

static pid_t holder_killed(int reap)
{
    pid_t pid = holder(hold_for_ever);
    kill(pid, SIGKILL);
    if (reap)
        bh_test_wait(pid);
    return pid;
}

/* A waiting lock takes the word of a dead owner (within a deadline far
 * above its check periods), and a try takes it at once, without waiting. */
START_TEST(dead_owner_is_noticed)
{
    struct timespec deadline;
    holder_killed(1);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 30;
    ck_assert_int_eq(bh_slock_timedlock(&sl->word, &sl->token, &deadline), 1);
    bh_slock_unlock(&sl->word, &sl->token);
    ck_assert_int_eq(bh_slock_lock(&sl->word, &sl->token), 0);
    bh_slock_unlock(&sl->word, &sl->token);
    holder_killed(1);
    ck_assert_int_eq(bh_slock_trylock(&sl->word, &sl->token), 1);
    bh_slock_unlock(&sl->word, &sl->token);
}
END_TEST

START_TEST(zombie_owner_is_noticed)
{
    pid_t pid = holder_killed(0);
    siginfo_t si;
    /* dead, not reaped: a zombie (WNOWAIT leaves it one) */
    ck_assert_int_eq(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    ck_assert_int_eq(bh_slock_lock(&sl->word, &sl->token), 1);
    bh_slock_unlock(&sl->word, &sl->token);
    bh_test_wait(pid);
}
END_TEST

/* The word names a live process whose start time is not the owner's: the
 * owner's pid was reused. It is taken, but only once that has lasted
 * (BH_SLOCK_REUSE_MS, 100 ms, on a coarse clock): never by a try, and not
 * before 90 ms, a bound that a load on the machine cannot break. */
START_TEST(reused_pid_is_not_the_owner)
{
    pid_t other = fork();
    if (other == 0) {
        pause();
        _exit(0);
    }
    usleep(20 * 1000);
    atomic_store(&sl->word, (uint32_t)other);
    atomic_store(&sl->token, 12345); /* not other's start time */
    ck_assert_int_eq(bh_slock_trylock(&sl->word, &sl->token), BH_EBUSY);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_slock_lock(&sl->word, &sl->token), 1);
    ck_assert_int_ge(bh_test_now_ms() - t0, 90);
    bh_slock_unlock(&sl->word, &sl->token);
    kill(other, SIGKILL);
    bh_test_wait(other);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slock");
    TCase *tc = tcase_create("slock");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, mutual_exclusion);
    tcase_add_test(tc, sleeping_owner_is_not_robbed);
    tcase_add_test(tc, dead_owner_is_noticed);
    tcase_add_test(tc, zombie_owner_is_noticed);
    tcase_add_test(tc, reused_pid_is_not_the_owner);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
