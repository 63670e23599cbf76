/*
 * Rate limits on a redis:// store: each decision is one script that reads
 * the server's clock (TIME), counted in the server's own statistics; two
 * processes, each with its own connection, obey one shared limit; a pause
 * set by one holds the other back. Counts only: no timing is asserted.
 */
#include <check.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

static bh_redis_proc rp;

static redisContext *direct(void)
{
    redisContext *c = redisConnect("127.0.0.1", rp.port);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->err, 0);
    return c;
}

/* The calls= count of command cmd in INFO commandstats (0 if never run). */
static long long calls_of(redisContext *c, const char *cmd)
{
    char field[64];
    long long n = 0;
    redisReply *rep = redisCommand(c, "INFO commandstats");

    ck_assert_ptr_nonnull(rep);
    snprintf(field, sizeof field, "cmdstat_%s:calls=", cmd);
    const char *p = strstr(rep->str, field);
    if (p)
        n = strtoll(p + strlen(field), NULL, 10);
    freeReplyObject(rep);
    return n;
}

static void setup(void)
{
    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
}

/* One decision: one EVALSHA, one TIME inside it, and no other command of
 * the store's (no lock, no get, no put from the client). */
START_TEST(one_script_on_the_servers_clock)
{
    bh_rate_cell cell = {"rl:one", 1000000, 5};
    redisContext *c = direct();
    bh_store *st;
    bh_shared *m;
    int64_t w;

    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rate", &m), BH_OK);
    /* the first run loads the script */
    ck_assert_int_eq(bh_shared_rate_take(m, &cell, 1, "rl:pause", 0, &w), BH_OK);
    freeReplyObject(redisCommand(c, "CONFIG RESETSTAT"));
    ck_assert_int_eq(bh_shared_rate_take(m, &cell, 1, "rl:pause", 0, &w), BH_OK);
    ck_assert_int_eq(calls_of(c, "evalsha"), 1);
    ck_assert_int_eq(calls_of(c, "time"), 1);
    ck_assert_int_eq(calls_of(c, "set"), 0);
    ck_assert_int_eq(calls_of(c, "get"), 0);
    ck_assert_int_eq(calls_of(c, "blpop"), 0);
    /* and so does a pause */
    freeReplyObject(redisCommand(c, "CONFIG RESETSTAT"));
    ck_assert_int_eq(bh_shared_rate_pause(m, "rl:pause", 1000000), BH_OK);
    ck_assert_int_le(calls_of(c, "evalsha") + calls_of(c, "eval"), 1);
    ck_assert_int_eq(calls_of(c, "time"), 1);
    bh_shared_close(m);
    bh_store_close(st);
    redisFree(c);
}
END_TEST

/* Takes n sends to chat that need no wait, in a process of its own with
 * its own store handle (its own connection); exits with how many passed. */
static pid_t taker(int64_t chat, int n, const bh_ratelimit_options *o)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_store *st;
        bh_shared *m;
        bh_ratelimit *rl;
        int ok = 0;
        if (bh_store_open(&st, rp.url, NULL) != BH_OK ||
            bh_shared_open(st, "bothive.ratelimit:1", &m) != BH_OK ||
            bh_ratelimit_new(&rl, m, o) != BH_OK)
            _exit(100);
        for (int i = 0; i < n; i++) {
            int rc = bh_ratelimit_wait(rl, chat, 0, 0);
            if (rc == BH_OK)
                ok++;
            else if (rc != BH_ETIMEDOUT)
                _exit(101);
        }
        bh_ratelimit_free(rl);
        bh_shared_close(m);
        bh_store_close(st);
        _exit(ok);
    }
    return pid;
}

/* A chat limit of 5 at once, then one every 100 s: two processes trying
 * 10 sends each get 5 through between them, not 5 each. */
START_TEST(two_processes_obey_one_limit)
{
    bh_ratelimit_options o = {.chat_per_sec = 0.01, .chat_burst = 5,
                              .global_per_sec = 1000, .global_burst = 1000};
    pid_t a = taker(42, 10, &o), b = taker(42, 10, &o);
    int na = bh_test_wait(a), nb = bh_test_wait(b);

    ck_assert_int_lt(na, 100);
    ck_assert_int_lt(nb, 100);
    ck_assert_int_eq(na + nb, 5);
}
END_TEST

/* Sets a pause of 600 s (a 429) in a process of its own; exits 0. */
static pid_t pauser(const bh_ratelimit_options *o)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_store *st;
        bh_shared *m;
        bh_ratelimit *rl;
        if (bh_store_open(&st, rp.url, NULL) != BH_OK ||
            bh_shared_open(st, "bothive.ratelimit:1", &m) != BH_OK ||
            bh_ratelimit_new(&rl, m, o) != BH_OK)
            _exit(2);
        _exit(bh_ratelimit_pause(rl, 600) == BH_OK ? 0 : 1);
    }
    return pid;
}

/* A 429 answered to one process (a 600 s pause) holds back another's
 * sends that would otherwise go at once, in any chat; the pause is in
 * the store, on the server's clock. */
START_TEST(a_pause_holds_every_process)
{
    bh_ratelimit_options o = {.global_per_sec = 1000, .global_burst = 1000};

    /* before the pause, a chat's burst of 3 goes at once */
    ck_assert_int_eq(bh_test_wait(taker(7, 3, &o)), 3);
    ck_assert_int_eq(bh_test_wait(pauser(&o)), 0);
    /* after it, nothing goes */
    ck_assert_int_eq(bh_test_wait(taker(8, 3, &o)), 0);
    ck_assert_int_eq(bh_redis_do(&rp, "EXISTS bothive:m:{bothive.ratelimit%%3A1}:k:rl:pause"), 1);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_rate");
    TCase *tc = tcase_create("rate");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, one_script_on_the_servers_clock);
    tcase_add_test(tc, two_processes_obey_one_limit);
    tcase_add_test(tc, a_pause_holds_every_process);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
