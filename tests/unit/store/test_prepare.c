/*
 * Preparers across processes: exactly once, readers wait for completion,
 * errors and deaths leave the memory unprepared for the next caller, and a
 * file: store remembers that it was prepared.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "prep", &m), BH_OK);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

/* Counts its runs in a key of another memory (which must stay usable while
 * it runs), writes slowly, then marks the memory complete. */
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
        usleep(2000);
    }
    return bh_shared_set_int(mm, "complete", 1);
}

START_TEST(exactly_once_with_racing_processes)
{
    enum { PROCS = 8 };
    bh_shared *counter;
    pid_t pids[PROCS];
    int64_t runs;

    ck_assert_int_eq(bh_shared_open(st, "counter", &counter), BH_OK);
    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            int64_t complete = 0, last = 0;
            if (bh_shared_prepare(m, slow_preparer, counter) != BH_OK)
                _exit(1);
            /* nobody sees the memory half prepared */
            if (bh_shared_get_int(m, "complete", &complete) != BH_OK || complete != 1)
                _exit(2);
            if (bh_shared_get_int(m, "item49", &last) != BH_OK || last != 49)
                _exit(3);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_eq(bh_shared_get_int(counter, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
    ck_assert_int_eq(bh_shared_prepare(m, slow_preparer, counter), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(counter, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    bh_shared_close(counter);
}
END_TEST

static int failing_preparer(bh_shared *mm, void *arg)
{
    int *calls = arg;
    (*calls)++;
    bh_shared_set_int(mm, "partial", 1);
    return *calls == 1 ? BH_EIO : BH_OK;
}

START_TEST(error_leaves_unprepared_and_is_retried)
{
    int calls = 0;

    ck_assert_int_eq(bh_shared_prepare(m, failing_preparer, &calls), BH_EIO);
    ck_assert_int_eq(bh_shared_prepared(m), 0);
    ck_assert_int_eq(bh_shared_prepare(m, failing_preparer, &calls), BH_OK);
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
    ck_assert_int_eq(bh_shared_prepare(m, failing_preparer, &calls), BH_OK);
    ck_assert_int_eq(calls, 2);
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

static int counting_preparer(bh_shared *mm, void *arg)
{
    (void)arg;
    return bh_shared_incr(mm, "runs", 1, NULL);
}

START_TEST(killed_preparer_is_redone)
{
    int fds[2];
    char c;
    int64_t runs;

    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        bh_shared_prepare(m, hanging_preparer, &fds[1]);
        _exit(1);
    }
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], &c, 1), 1);
    close(fds[0]);
    /* a second process now waits for the preparer... */
    pid_t waiter = fork();
    if (waiter == 0)
        _exit(bh_shared_prepare(m, counting_preparer, NULL) == BH_OK ? 0 : 1);
    usleep(100 * 1000);
    /* ...which dies half-way: the waiter prepares again */
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_test_wait(waiter), 0);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
}
END_TEST

static int nested_preparer(bh_shared *mm, void *arg)
{
    (void)arg;
    return bh_shared_prepare(mm, counting_preparer, NULL);
}

START_TEST(preparer_preparing_itself_is_edeadlk)
{
    ck_assert_int_eq(bh_shared_prepare(m, nested_preparer, NULL), BH_EDEADLK);
    ck_assert_int_eq(bh_shared_prepared(m), 0);
}
END_TEST

START_TEST(file_store_stays_prepared)
{
    char *path = bh_test_tmppath("prep"), url[512];
    bh_store *fs;
    bh_shared *fm;
    int64_t runs;

    snprintf(url, sizeof url, "file:%s", path);
    for (int round = 0; round < 3; round++) {
        ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
        ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
        ck_assert_int_eq(bh_shared_prepare(fm, counting_preparer, NULL), BH_OK);
        bh_shared_close(fm);
        bh_store_close(fs);
    }
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(fm, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prepare");
    TCase *tc = tcase_create("prepare");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, exactly_once_with_racing_processes);
    tcase_add_test(tc, error_leaves_unprepared_and_is_retried);
    tcase_add_test(tc, killed_preparer_is_redone);
    tcase_add_test(tc, preparer_preparing_itself_is_edeadlk);
    tcase_add_test(tc, file_store_stays_prepared);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
