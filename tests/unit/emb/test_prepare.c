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
#include "prepare_cases.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "prep", &m), BH_OK);
    bh_cases_pst = st;
    bh_cases_pm = m;
    bh_prep_cases_step_us = 2000;
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

START_TEST(killed_preparer_is_redone)
{
    int64_t runs;

    pid_t pid = bh_prep_cases_hanging(m);
    /* a second process now waits for the preparer... */
    pid_t waiter = fork();
    if (waiter == 0)
        _exit(bh_shared_prepare(m, bh_prep_cases_counting, NULL) == BH_OK ? 0 : 1);
    ck_assert_int_eq(bh_test_wait_asleep(waiter, 30000), 0);
    /* ...which dies half-way: the waiter prepares again */
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_test_wait(waiter), 0);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
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
        ck_assert_int_eq(bh_shared_prepare(fm, bh_prep_cases_counting, NULL), BH_OK);
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
    bh_prep_cases_add(tc);
    tcase_add_test(tc, killed_preparer_is_redone);
    tcase_add_test(tc, file_store_stays_prepared);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
