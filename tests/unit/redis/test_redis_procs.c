/*
 * The redis:// backend with forked workers and a failing server: counts
 * from several processes add up exactly (each child connects on its own),
 * an unreachable server is BH_ENET with a clear message, and a server
 * killed mid-run gives BH_ENET, then works again once restarted.
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

#define WORKERS 4
#define ROUNDS 2000

static bh_redis_proc rp;

START_TEST(forked_workers_count_exactly)
{
    bh_store *st;
    bh_shared *m;
    pid_t pids[WORKERS];
    int64_t v;

    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "hammer", &m), BH_OK);
    /* the parent has used its connection before the fork */
    ck_assert_int_eq(bh_shared_set_int(m, "shared", 0), BH_OK);
    long long conns = bh_redis_info(&rp, "stats", "total_connections_received");
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            char own[32];
            snprintf(own, sizeof own, "own%d", w);
            for (int i = 0; i < ROUNDS; i++) {
                char k[48];
                if (bh_shared_incr(m, "shared", 1, NULL) != BH_OK ||
                    bh_shared_incr(m, own, 2, NULL) != BH_OK)
                    _exit(1);
                snprintf(k, sizeof k, "w%d-%d", w, i % 500);
                if (bh_shared_set_int(m, k, i) != BH_OK)
                    _exit(2);
                if (i % 3 == 0 && bh_shared_delete(m, k) != BH_OK)
                    _exit(3);
            }
            _exit(0);
        }
        /* the parent keeps using its own connection meanwhile */
        ck_assert_int_eq(bh_shared_incr(m, "parent", 1, NULL), BH_OK);
    }
    for (int w = 0; w < WORKERS; w++)
        ck_assert_int_eq(bh_test_wait(pids[w]), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "shared", &v), BH_OK);
    ck_assert(v == WORKERS * ROUNDS);
    ck_assert_int_eq(bh_shared_get_int(m, "parent", &v), BH_OK);
    ck_assert(v == WORKERS);
    for (int w = 0; w < WORKERS; w++) {
        char own[32];
        snprintf(own, sizeof own, "own%d", w);
        ck_assert_int_eq(bh_shared_get_int(m, own, &v), BH_OK);
        ck_assert(v == 2 * ROUNDS);
    }
    /* every child made a connection of its own */
    ck_assert_int_ge(bh_redis_info(&rp, "stats", "total_connections_received") - conns, WORKERS);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* Far above a connect timeout of 300 ms, far below the two minutes the
 * kernel's SYN retries take when nothing bounds a connect. */
#define OPEN_DEADLINE_MS 30000

/* Opens url in a child, so that an open which ignores its connect timeout
 * cannot hang the test: the open's result (BH_OK or a BH_E* code), or 1
 * when it had not returned within deadline_ms (the child is killed). */
static int open_within(const char *url, int64_t deadline_ms)
{
    int64_t end = bh_test_now_ms() + deadline_ms;
    int fds[2], rc = 1;
    pid_t pid, got = 0;
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
        bh_store *st = NULL;
        rc = bh_store_open(&st, url, NULL);
        bh_store_close(st);
        _exit(write(fds[1], &rc, sizeof rc) == sizeof rc ? 0 : 1);
    }
    close(fds[1]);
    while ((got = waitpid(pid, NULL, WNOHANG)) == 0 && bh_test_now_ms() < end)
        usleep(10000);
    if (got == 0) {
        kill(pid, SIGKILL);
        bh_test_wait(pid);
    } else {
        ck_assert_int_eq(got, pid);
        ck_assert_int_eq(read(fds[0], &rc, sizeof rc), sizeof rc);
    }
    close(fds[0]);
    return rc;
}

START_TEST(connection_refused_is_enet)
{
    bh_store *st = (bh_store *)1;
    char url[128];

    /* a port nobody listens on: a server started and stopped */
    bh_redis_proc gone;
    ck_assert_int_eq(bh_redis_start(&gone), 0);
    ck_assert_int_eq(bh_redis_stop(&gone), 0);
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0?connect_timeout_ms=500", gone.port);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_ENET);
    ck_assert_ptr_null(st);
    ck_assert_str_ne(bh_strerror(BH_ENET), "");
    /* an address that does not answer at all: the connect timeout holds */
    ck_assert_int_eq(open_within("redis://192.0.2.1:6379/0?connect_timeout_ms=300",
                                 OPEN_DEADLINE_MS),
                     BH_ENET);
}
END_TEST

START_TEST(server_killed_mid_run)
{
    bh_store *st;
    bh_shared *m;
    int64_t v;
    char url[256];

    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    snprintf(url, sizeof url, "%s?timeout_ms=1000&connect_timeout_ms=500", rp.url);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "n", 1), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "l", 0), BH_OK);

    bh_redis_kill(&rp);
    /* every kind of call fails cleanly (no crash, no SIGPIPE) */
    ck_assert_int_eq(bh_shared_get_int(m, "n", &v), BH_ENET);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(st), "127.0.0.1"));
    ck_assert_int_eq(bh_shared_incr(m, "n", 1, &v), BH_ENET);
    ck_assert_int_eq(bh_shared_set_int(m, "n", 2), BH_ENET);
    ck_assert_int_eq(bh_shared_contains(m, "n"), BH_ENET);
    size_t len;
    ck_assert_int_eq(bh_shared_len(m, &len), BH_ENET);
    ck_assert_int_eq(bh_lock_acquire(m, "other", 100), BH_ENET);
    ck_assert_int_eq(bh_lock_release(m, "l"), BH_ENET);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_ENET);

    /* the server comes back (empty: it saved nothing) */
    ck_assert_int_eq(bh_redis_restart(&rp), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "n", &v), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_incr(m, "n", 5, &v), BH_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(bh_lock_acquire(m, "l", 0), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, "l"), BH_OK);

    /* restarted while idle: the stale connection is noticed before a
     * write is sent, so even a non-repeatable write goes through */
    bh_redis_kill(&rp);
    ck_assert_int_eq(bh_redis_restart(&rp), 0);
    ck_assert_int_eq(bh_shared_incr(m, "n", 1, &v), BH_OK);
    ck_assert(v == 1);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_procs");
    TCase *tc = tcase_create("procs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, forked_workers_count_exactly);
    tcase_add_test(tc, connection_refused_is_enet);
    tcase_add_test(tc, server_killed_mid_run);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
