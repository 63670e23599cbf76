/*
 * What the fenced put is for, across real processes on a redis:// store:
 * a lock holder that is stopped (SIGSTOP) for longer than its lease loses
 * the lock to another process; when it resumes, its write with its old
 * fence is refused (BH_EFENCED) and the new holder's value stays.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

/* Short, so that the stopped holder's lease runs out soon. */
#define LEASE_MS 1000

static bh_redis_proc rp;

static bh_shared *open_memory(bh_store **st)
{
    char url[256];
    bh_shared *m;

    snprintf(url, sizeof url, "%s?lock_lease_ms=%d", rp.url, LEASE_MS);
    if (bh_store_open(st, url, NULL) != BH_OK || bh_shared_open(*st, "fence", &m) != BH_OK)
        return NULL;
    return m;
}

/* The first holder: takes the lock, writes under its fence, stops itself,
 * and once continued writes again; exits 0 if that write was refused as
 * stale, 1 if it went through, 2 and up on other failures. */
static int first_holder(void)
{
    bh_value v1 = bh_value_str("first"), v2 = bh_value_str("first, late");
    bh_store *st;
    bh_shared *m = open_memory(&st);
    uint64_t fence;

    if (!m || bh_lock_acquire(m, "w", 0) != BH_OK || bh_lock_fence(m, "w", &fence) != BH_OK)
        return 2;
    if (bh_shared_put_fenced(m, "doc", &v1, 0, 0, fence) != BH_OK)
        return 3;
    raise(SIGSTOP);
    int rc = bh_shared_put_fenced(m, "doc", &v2, 0, 0, fence);
    bh_lock_release(m, "w"); /* BH_ENOTOWNER: not its lock any more */
    return rc == BH_EFENCED ? 0 : rc == BH_OK ? 1 : 4;
}

START_TEST(stopped_holder_cannot_overwrite)
{
    bh_value mine = bh_value_str("second");
    bh_store *st;
    bh_shared *m = open_memory(&st);
    uint64_t fence;
    char *s = NULL;
    int status;

    ck_assert_ptr_nonnull(m);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(first_holder());
    ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
    ck_assert(WIFSTOPPED(status));
    /* its lease lapses (its process is alive: only the lease says so) */
    ck_assert_int_eq(bh_lock_acquire(m, "w", 30000), BH_EABANDONED);
    ck_assert_int_eq(bh_lock_fence(m, "w", &fence), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(m, "doc", &mine, 0, 0, fence), BH_OK);
    ck_assert_int_eq(kill(pid, SIGCONT), 0);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_get_str(m, "doc", &s), BH_OK);
    ck_assert_str_eq(s, "second");
    free(s);
    ck_assert_int_eq(bh_lock_release(m, "w"), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_fence");
    TCase *tc = tcase_create("fence");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stopped_holder_cannot_overwrite);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
