/*
 * Preparers of the redis:// backend across processes: exactly once among
 * 8 racing processes, readers wait for completion, an error leaves the
 * memory unprepared, a killed preparer is redone after its lease, a slow
 * one keeps its lease, and the state lives on the server.
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

#define LEASE_MS 600

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
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

/* Counts its runs in a key of another memory, writes slowly (longer than
 * the lease: the lease must be renewed), then marks the memory complete. */
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
        usleep(30 * 1000);
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

    ck_assert_int_eq(bh_shared_prepared(m), 0);
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
    /* ...which is alive for longer than a lease (its helper renews it)... */
    usleep(3 * LEASE_MS * 1000);
    ck_assert_int_eq(bh_shared_prepared(m), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_ENOTFOUND);
    /* ...then dies half-way: the waiter prepares again after the lease */
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    int64_t t0 = bh_test_now_ms();
    ck_assert_int_eq(bh_test_wait(waiter), 0);
    ck_assert_int_lt(bh_test_now_ms() - t0, LEASE_MS + 1500);
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
    /* and it left the memory free for the next one */
    ck_assert_int_eq(bh_shared_prepare(m, counting_preparer, NULL), BH_OK);
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
        ck_assert_int_eq(bh_shared_prepare(m2, counting_preparer, NULL), BH_OK);
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
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, exactly_once_with_racing_processes);
    tcase_add_test(tc, error_leaves_unprepared_and_is_retried);
    tcase_add_test(tc, killed_preparer_is_redone);
    tcase_add_test(tc, preparer_preparing_itself_is_edeadlk);
    tcase_add_test(tc, state_outlives_the_handle);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
