/*
 * Preparers of the redis:// backend across processes: exactly once among
 * 8 racing processes, readers wait for completion, an error leaves the
 * memory unprepared, a killed preparer is redone (at once when it ran on
 * this host, after its lease when it ran elsewhere), a slow one keeps its
 * lease, and the state lives on the server.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "prepare_cases.h"
#include "testutil.h"

/* Short, so that the cases outlast leases quickly, yet long enough that a
 * loaded machine (a load average of 10) still renews in time: every third
 * of it, so a renewal may be more than a second late. */
#define LEASE_MS 3000

static bh_redis_proc rp;
static char url[256];
static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    snprintf(url, sizeof url, "%s?lock_lease_ms=%d", rp.url, LEASE_MS);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "prep", &m), BH_OK);
    bh_cases_pst = st;
    bh_cases_pm = m;
    bh_prep_cases_step_us = 150 * 1000; /* 50 steps: 7.5 s, two leases and a half */
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
    /* ...which is alive for longer than a lease (its helper renews it)... */
    usleep(2 * LEASE_MS * 1000);
    ck_assert_int_eq(bh_shared_prepared(m), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_ENOTFOUND);
    /* ...then dies half-way: the waiter prepares again after the lease */
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_test_wait(waiter), 0);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
}
END_TEST

/* With a lease far longer than the test (and its timeout), a preparer
 * killed on this host is still redone: its token says it was here, and it
 * is gone. No clock is read: that it finishes at all says it did not wait
 * for the lease. */
START_TEST(dead_preparer_here_is_redone_at_once)
{
    char long_url[256];
    bh_store *st2;
    bh_shared *m2;
    int64_t runs;

    snprintf(long_url, sizeof long_url, "%s?lock_lease_ms=600000", rp.url);
    ck_assert_int_eq(bh_store_open(&st2, long_url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st2, "prep-here", &m2), BH_OK);
    pid_t pid = bh_prep_cases_hanging(m2);
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_shared_prepare(m2, bh_prep_cases_counting, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m2, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    bh_shared_close(m2);
    bh_store_close(st2);
}
END_TEST

/* A preparer on another host (planted: its token names another host) is
 * waited out until its lease runs out, then prepared again. */
START_TEST(remote_preparer_is_waited_out)
{
    const char *tok = "00112233445566778899aabbccddeeff:1:12345@another-host.1";
    int64_t runs;

    ck_assert_int_eq(bh_redis_do(&rp, "SET bothive:m:{prep}:preparing %s PX 1000", tok), 0);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_shared_prepare(m, bh_prep_cases_counting, NULL), BH_OK);
    ck_assert_int_ge(bh_test_now_ms() - t0, 800);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
}
END_TEST

/* A wait for another process's preparer keeps its timeout: BH_ETIMEDOUT,
 * not at once unless asked (0), and the memory is prepared later. */
START_TEST(timed_wait_times_out)
{
    pid_t pid = bh_prep_cases_hanging(m);
    int64_t runs;

    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 0), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 200), BH_ETIMEDOUT);
    ck_assert_msg(strstr(bh_store_errmsg(st), "still preparing") != NULL, "%s", bh_store_errmsg(st));
    ck_assert_int_eq(bh_shared_prepared(m), 0);
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, -2), BH_EINVAL);
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    /* the dead preparer was on this host: the next caller prepares */
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 0), BH_OK);
}
END_TEST

/* With the server stopped (SIGSTOP) while another process prepares, a
 * 1000 ms wait gives up with BH_ETIMEDOUT (the URL's per-command timeout,
 * 20 s here, would have kept it waiting for an answer, and then said
 * BH_ENET); the bound checked is ten times the timeout, for a loaded
 * machine. */
START_TEST(timed_wait_holds_on_a_hung_server)
{
    char slow_url[256];
    bh_store *st2;
    bh_shared *m2;

    snprintf(slow_url, sizeof slow_url, "%s?timeout_ms=20000&lock_lease_ms=600000", rp.url);
    ck_assert_int_eq(bh_store_open(&st2, slow_url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st2, "prep-hung", &m2), BH_OK);
    pid_t pid = bh_prep_cases_hanging(m2);
    ck_assert_int_eq(kill(rp.pid, SIGSTOP), 0);
    int64_t t0 = bh_test_now_ms();
    int rc = bh_shared_prepare_timed(m2, bh_prep_cases_counting, NULL, 1000);
    int64_t took = bh_test_now_ms() - t0;
    ck_assert_int_eq(kill(rp.pid, SIGCONT), 0);
    ck_assert_int_eq(rc, BH_ETIMEDOUT);
    ck_assert_msg(strstr(bh_store_errmsg(st2), "timed out") != NULL, "%s", bh_store_errmsg(st2));
    ck_assert_int_lt(took, 10 * 1000);
    fprintf(stderr, "a 1000 ms preparer wait on a stopped server returned after %lld ms\n",
            (long long)took);
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_shared_prepare_timed(m2, bh_prep_cases_counting, NULL, 10000), BH_OK);
    ck_assert_int_eq(bh_shared_prepared(m2), 1);
    bh_shared_close(m2);
    bh_store_close(st2);
}
END_TEST

/* The prepared state lives on the server: a new store handle (another
 * host, a restarted runner) does not prepare again. */
START_TEST(state_outlives_the_handle)
{
    int64_t runs;

    for (int round = 0; round < 3; round++) {
        bh_store *s2;
        bh_shared *m2;
        ck_assert_int_eq(bh_store_open(&s2, url, NULL), BH_OK);
        ck_assert_int_eq(bh_shared_open(s2, "prep", &m2), BH_OK);
        ck_assert_int_eq(bh_shared_prepare(m2, bh_prep_cases_counting, NULL), BH_OK);
        bh_shared_close(m2);
        bh_store_close(s2);
    }
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
    /* clear removes the keys, not the prepared state */
    ck_assert_int_eq(bh_shared_clear(m), BH_OK);
    ck_assert_int_eq(bh_shared_prepared(m), 1);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_prepare");
    TCase *tc = tcase_create("prepare");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    bh_prep_cases_add(tc);
    tcase_add_test(tc, killed_preparer_is_redone);
    tcase_add_test(tc, dead_preparer_here_is_redone_at_once);
    tcase_add_test(tc, remote_preparer_is_waited_out);
    tcase_add_test(tc, state_outlives_the_handle);
    tcase_add_test(tc, timed_wait_times_out);
    tcase_add_test(tc, timed_wait_holds_on_a_hung_server);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
