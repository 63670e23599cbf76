/*
 * The semantics of preparers, the same for every backend:
 * tests/unit/store/test_prepare.c runs them on the embedded store,
 * tests/unit/redis/test_redis_prepare.c on redis://. The suite's fixture
 * points bh_cases_pst and bh_cases_pm at a store and a memory, and sets how
 * slowly the racing preparer writes (bh_prep_cases_step_us).
 */
#include <check.h>
#include <stdio.h>
#include <unistd.h>

#include "prepare_cases.h"
#include "testutil.h"

bh_store *bh_cases_pst;
bh_shared *bh_cases_pm;
int bh_prep_cases_step_us = 2000;

/* Counts its runs in a key of another memory (which must stay usable while
 * it runs), writes slowly (on redis://, for longer than the lease, which must
 * then be renewed), then marks the memory complete. */
static int slow_preparer(bh_shared *mm, void *arg)
{
    bh_shared *counter = arg;
    if (bh_shared_incr(counter, "runs", 1, NULL) != BH_OK)
        return BH_EIO;
    for (int i = 0; i < 50; i++) {
        char k[16];
        snprintf(k, sizeof k, "item%d", i);
        if (bh_shared_set_int(mm, k, i) != BH_OK)
            return BH_EIO;
        usleep((useconds_t)bh_prep_cases_step_us);
    }
    return bh_shared_set_int(mm, "complete", 1);
}

static int failing_preparer(bh_shared *mm, void *arg)
{
    int *calls = arg;
    (*calls)++;
    bh_shared_set_int(mm, "partial", 1);
    return *calls == 1 ? BH_EIO : BH_OK;
}

int bh_prep_cases_counting(bh_shared *mm, void *arg)
{
    (void)arg;
    return bh_shared_incr(mm, "runs", 1, NULL);
}

static int nested_preparer(bh_shared *mm, void *arg)
{
    (void)arg;
    return bh_shared_prepare(mm, bh_prep_cases_counting, NULL);
}

START_TEST(exactly_once_with_racing_processes)
{
    enum { PROCS = 8 };
    bh_shared *counter;
    pid_t pids[PROCS];
    int64_t runs;

    ck_assert_int_eq(bh_shared_open(bh_cases_pst, "counter", &counter), BH_OK);
    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            int64_t complete = 0, last = 0;
            if (bh_shared_prepare(bh_cases_pm, slow_preparer, counter) != BH_OK)
                _exit(1);
            /* nobody sees the memory half prepared */
            if (bh_shared_get_int(bh_cases_pm, "complete", &complete) != BH_OK || complete != 1)
                _exit(2);
            if (bh_shared_get_int(bh_cases_pm, "item49", &last) != BH_OK || last != 49)
                _exit(3);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_eq(bh_shared_get_int(counter, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    ck_assert_int_eq(bh_shared_prepared(bh_cases_pm), 1);
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, slow_preparer, counter), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(counter, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    bh_shared_close(counter);
}
END_TEST

START_TEST(error_leaves_unprepared_and_is_retried)
{
    int calls = 0;

    ck_assert_int_eq(bh_shared_prepared(bh_cases_pm), 0);
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, failing_preparer, &calls), BH_EIO);
    ck_assert_int_eq(bh_shared_prepared(bh_cases_pm), 0);
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, failing_preparer, &calls), BH_OK);
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(bh_shared_prepared(bh_cases_pm), 1);
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, failing_preparer, &calls), BH_OK);
    ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(preparer_preparing_itself_is_edeadlk)
{
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, nested_preparer, NULL), BH_EDEADLK);
    ck_assert_int_eq(bh_shared_prepared(bh_cases_pm), 0);
    /* and it left the memory free for the next one */
    ck_assert_int_eq(bh_shared_prepare(bh_cases_pm, bh_prep_cases_counting, NULL), BH_OK);
}
END_TEST

static int hanging_preparer(bh_shared *mm, void *arg)
{
    int fd = *(int *)arg;
    bh_shared_set_int(mm, "half", 1);
    if (write(fd, "x", 1) != 1)
        return BH_EIO;
    for (;;)
        pause();
}

pid_t bh_prep_cases_hanging(bh_shared *m)
{
    int fds[2];
    char c;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        bh_shared_prepare(m, hanging_preparer, &fds[1]);
        _exit(1);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

void bh_prep_cases_add(TCase *tc)
{
    tcase_add_test(tc, exactly_once_with_racing_processes);
    tcase_add_test(tc, error_leaves_unprepared_and_is_retried);
    tcase_add_test(tc, preparer_preparing_itself_is_edeadlk);
}
