/*
 * The redis:// backend's argument vectors (src/redis/argv.c) and their
 * bound: an add past BH_REDIS_ARGV_MAX fails with BH_ETOOBIG and changes
 * nothing, the failure sticks, strings the vector would have owned are
 * freed, and a vector that failed to build is never sent, neither as a
 * command nor inside EVALSHA, while one exactly at the bound is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "redis/redis.h"
#include "redis_proc.h"
#include "testutil.h"

static bh_redis_proc rp;
static bh_store *st;
static struct bh_redis *r;
static char members[BH_REDIS_ARGV_MAX][16];

static void setup(void)
{
    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    r = (struct bh_redis *)st; /* the backend's handle starts with the store's */
}

static void teardown(void)
{
    bh_store_close(st);
}

/* a = SADD key m0 m1 ... with n members. */
static void sadd(struct bh_redis_argv *a, const char *key, int n)
{
    bh_redis_argv_str(a, "SADD");
    bh_redis_argv_str(a, key);
    for (int i = 0; i < n; i++)
        bh_redis_argv_str(a, members[i % BH_REDIS_ARGV_MAX]);
}

START_TEST(adds_stop_at_the_bound)
{
    struct bh_redis_argv a = {0};

    for (int i = 0; i < BH_REDIS_ARGV_MAX - 1; i++)
        ck_assert_int_eq(bh_redis_argv_str(&a, "x"), BH_OK);
    ck_assert_int_eq(bh_redis_argv_int(&a, 42), BH_OK); /* the last place, owned */
    ck_assert_int_eq(a.n, BH_REDIS_ARGV_MAX);
    ck_assert_int_eq(a.err, BH_OK);

    ck_assert_int_eq(bh_redis_argv_str(&a, "y"), BH_ETOOBIG);
    ck_assert_int_eq(bh_redis_argv_add(&a, "y", 1), BH_ETOOBIG);
    ck_assert_int_eq(bh_redis_argv_int(&a, 7), BH_ETOOBIG);           /* its text freed */
    ck_assert_int_eq(bh_redis_argv_own(&a, strdup("z"), 1), BH_ETOOBIG); /* freed too */
    ck_assert_int_eq(a.n, BH_REDIS_ARGV_MAX);
    ck_assert_int_eq(a.nowned, 1);
    ck_assert_int_eq(a.err, BH_ETOOBIG);
    ck_assert_str_eq(a.v[BH_REDIS_ARGV_MAX - 1], "42");

    bh_redis_argv_free(&a);
    ck_assert_int_eq(a.n, 0);
    ck_assert_int_eq(a.err, BH_OK);
    ck_assert_int_eq(bh_redis_argv_str(&a, "again"), BH_OK);
    bh_redis_argv_free(&a);
}
END_TEST

START_TEST(a_failed_add_sticks)
{
    struct bh_redis_argv a = {0}, b = {0};

    ck_assert_int_eq(bh_redis_argv_str(&a, "GET"), BH_OK);
    ck_assert_int_eq(bh_redis_argv_own(&a, NULL, 0), BH_ENOMEM); /* an allocation failed */
    ck_assert_int_eq(bh_redis_argv_str(&a, "k"), BH_ENOMEM);
    ck_assert_int_eq(a.n, 1);
    /* appending takes on the failure of what is appended */
    ck_assert_int_eq(bh_redis_argv_append(&b, &a), BH_ENOMEM);
    ck_assert_int_eq(b.err, BH_ENOMEM);
    ck_assert_int_eq(b.n, 0);
    bh_redis_argv_free(&a);
    bh_redis_argv_free(&b);
    /* and fails at the bound like the adds it is made of */
    for (int i = 0; i < BH_REDIS_ARGV_MAX - 1; i++)
        bh_redis_argv_str(&a, "x");
    bh_redis_argv_str(&b, "a");
    bh_redis_argv_str(&b, "b");
    ck_assert_int_eq(bh_redis_argv_append(&a, &b), BH_ETOOBIG);
    ck_assert_int_eq(a.n, BH_REDIS_ARGV_MAX);
    bh_redis_argv_free(&a);
    bh_redis_argv_free(&b);
}
END_TEST

START_TEST(a_command_at_the_bound_is_sent)
{
    struct bh_redis_argv a = {0};
    redisReply *rep;

    sadd(&a, "full", BH_REDIS_ARGV_MAX - 2);
    ck_assert_int_eq(a.n, BH_REDIS_ARGV_MAX);
    ck_assert_int_eq(bh_redis_cmd_run(r, 1, &rep, &a), BH_OK);
    ck_assert_int_eq(rep->type, REDIS_REPLY_INTEGER);
    ck_assert_int_eq(rep->integer, BH_REDIS_ARGV_MAX - 2);
    freeReplyObject(rep);
    bh_redis_argv_free(&a);
}
END_TEST

START_TEST(an_overlong_command_is_not_sent)
{
    struct bh_redis_argv a = {0};
    redisReply *rep;

    sadd(&a, "overlong", BH_REDIS_ARGV_MAX - 1);
    ck_assert_int_eq(a.n, BH_REDIS_ARGV_MAX);
    ck_assert_int_eq(a.err, BH_ETOOBIG);
    ck_assert_int_eq(bh_redis_cmd_run(r, 1, &rep, &a), BH_ETOOBIG);
    ck_assert_ptr_null(rep);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(st), "more than"));
    /* not even the part that fitted */
    ck_assert_int_eq(bh_redis_do(&rp, "EXISTS overlong"), 0);
    bh_redis_argv_free(&a);

    /* an empty one neither; the connection serves the next command */
    ck_assert_int_eq(bh_redis_cmd_run(r, 1, &rep, &a), BH_EINVAL);
    ck_assert_int_eq(bh_redis_argv_str(&a, "PING"), BH_OK);
    ck_assert_int_eq(bh_redis_cmd_run(r, 1, &rep, &a), BH_OK);
    ck_assert_str_eq(rep->str, "PONG");
    freeReplyObject(rep);
    bh_redis_argv_free(&a);
}
END_TEST

/* RENEW (KEYS key; ARGV token, lease) ignores further arguments: a script
 * that takes any number, to fill EVALSHA up to the bound. */
START_TEST(eval_leaves_room_for_evalsha)
{
    struct bh_redis_argv a = {0};
    long long res = -1;

    for (int i = 0; i < BH_REDIS_ARGV_MAX - BH_REDIS_EVAL_ARGS; i++)
        bh_redis_argv_str(&a, i == 0 ? "nokey" : "1000");
    ck_assert_int_eq(bh_redis_script_eval_int(r, BH_RS_RENEW, 1, 1, &a, &res), BH_OK);
    ck_assert_int_eq(res, 0);

    ck_assert_int_eq(bh_redis_argv_str(&a, "1000"), BH_OK); /* fits a, not EVALSHA */
    ck_assert_int_eq(bh_redis_script_eval_int(r, BH_RS_RENEW, 1, 1, &a, &res), BH_ETOOBIG);
    bh_redis_argv_free(&a);

    /* keys must be among the strings; a failed build is refused as such */
    bh_redis_argv_str(&a, "nokey");
    ck_assert_int_eq(bh_redis_script_eval_int(r, BH_RS_RENEW, 1, 2, &a, &res), BH_EINVAL);
    ck_assert_int_eq(bh_redis_script_eval_int(r, BH_RS_RENEW, 1, -1, &a, &res), BH_EINVAL);
    bh_redis_argv_own(&a, NULL, 0);
    ck_assert_int_eq(bh_redis_script_eval_int(r, BH_RS_RENEW, 1, 3, &a, &res), BH_ENOMEM);
    bh_redis_argv_free(&a);
}
END_TEST

int main(void)
{
    for (int i = 0; i < BH_REDIS_ARGV_MAX; i++)
        snprintf(members[i], sizeof members[i], "m%d", i);
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_argv");
    TCase *tc = tcase_create("argv");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, adds_stop_at_the_bound);
    tcase_add_test(tc, a_failed_add_sticks);
    tcase_add_test(tc, a_command_at_the_bound_is_sent);
    tcase_add_test(tc, an_overlong_command_is_not_sent);
    tcase_add_test(tc, eval_leaves_room_for_evalsha);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
