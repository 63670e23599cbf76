/*
 * The semantics of the store interface, one case per operation, the same
 * for every backend: tests/unit/store/test_store.c runs them on mem: and
 * file: stores, tests/unit/redis/test_redis_store.c on redis://. A suite
 * opens a memory in its fixture, points bh_cases_m at it, and adds the
 * cases with bh_store_cases_add.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_cases.h"

bh_shared *bh_cases_m;
bh_store *bh_cases_st;

START_TEST(int_roundtrip)
{
    int64_t v = 0;
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "a", INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "a", &v), BH_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "a", INT64_MIN), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "a", &v), BH_OK);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "big", 9007199254740993LL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "big", &v), BH_OK);
    ck_assert(v == 9007199254740993LL);
    /* incr past 2^53 stays exact: no double anywhere on the way */
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "big", 2, &v), BH_OK);
    ck_assert(v == 9007199254740995LL);
}
END_TEST

START_TEST(every_type_roundtrip)
{
    double d;
    int b;
    char *s;
    void *p;
    size_t len;
    bh_value v;
    const unsigned char raw[] = {0, 1, 2, 255, 0};

    ck_assert_int_eq(bh_shared_set_double(bh_cases_m, "d", 3.25), BH_OK);
    ck_assert_int_eq(bh_shared_get_double(bh_cases_m, "d", &d), BH_OK);
    ck_assert(d == 3.25);
    ck_assert_int_eq(bh_shared_set_double(bh_cases_m, "d", 0.1), BH_OK);
    ck_assert_int_eq(bh_shared_get_double(bh_cases_m, "d", &d), BH_OK);
    ck_assert(d == 0.1);
    ck_assert_int_eq(bh_shared_set_bool(bh_cases_m, "b", 7), BH_OK);
    ck_assert_int_eq(bh_shared_get_bool(bh_cases_m, "b", &b), BH_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(bh_shared_set_bool(bh_cases_m, "b", 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_bool(bh_cases_m, "b", &b), BH_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(bh_shared_set_str(bh_cases_m, "s", "héllo"), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(bh_cases_m, "s", &s), BH_OK);
    ck_assert_str_eq(s, "héllo");
    free(s);
    ck_assert_int_eq(bh_shared_set_str(bh_cases_m, "empty", ""), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(bh_cases_m, "empty", &s), BH_OK);
    ck_assert_str_eq(s, "");
    free(s);
    ck_assert_int_eq(bh_shared_set_bytes(bh_cases_m, "raw", raw, sizeof raw), BH_OK);
    ck_assert_int_eq(bh_shared_get_bytes(bh_cases_m, "raw", &p, &len), BH_OK);
    ck_assert_uint_eq(len, sizeof raw);
    ck_assert_mem_eq(p, raw, sizeof raw);
    free(p);
    /* No bytes may come with no pointer. */
    ck_assert_int_eq(bh_shared_set_bytes(bh_cases_m, "none", NULL, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_bytes(bh_cases_m, "none", &p, &len), BH_OK);
    ck_assert_uint_eq(len, 0);
    free(p);
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", "{\"a\": [1, 2, {\"b\": null}]}"), BH_OK);
    ck_assert_int_eq(bh_shared_get_json(bh_cases_m, "j", &s), BH_OK);
    ck_assert_str_eq(s, "{\"a\": [1, 2, {\"b\": null}]}");
    free(s);
    v = bh_value_nil();
    ck_assert_int_eq(bh_shared_put(bh_cases_m, "nil", &v, 0, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get(bh_cases_m, "nil", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_NIL);
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "nil"), 1);
    /* keys may hold any byte but NUL, including the separators of the layout */
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "a:k:b {x} *?[", 5), BH_OK);
    int64_t i;
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "a:k:b {x} *?[", &i), BH_OK);
    ck_assert(i == 5);
}
END_TEST

START_TEST(wrong_type_is_etype_and_untouched)
{
    int64_t v = 42;
    double d = 1.5;
    char *s = (char *)"untouched";

    ck_assert_int_eq(bh_shared_set_str(bh_cases_m, "s", "x"), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "s", &v), BH_ETYPE);
    ck_assert(v == 42);
    ck_assert_int_eq(bh_shared_get_double(bh_cases_m, "s", &d), BH_ETYPE);
    ck_assert(d == 1.5);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "i", 1), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(bh_cases_m, "i", &s), BH_ETYPE);
    ck_assert_str_eq(s, "untouched");
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "s", 1, NULL), BH_ETYPE);
    ck_assert_int_eq(bh_shared_set_double(bh_cases_m, "dd", 2.0), BH_OK);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "dd", 1, NULL), BH_ETYPE);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "missing", &v), BH_ENOTFOUND);
}
END_TEST

START_TEST(json_is_validated)
{
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", "{\"a\":"), BH_EJSON);
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", "{} trailing"), BH_EJSON);
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", ""), BH_EJSON);
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "j"), 0);
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", "[1,2]"), BH_OK);
    ck_assert_int_eq(bh_shared_set_json(bh_cases_m, "j", "not json"), BH_EJSON);
    char *s;
    ck_assert_int_eq(bh_shared_get_json(bh_cases_m, "j", &s), BH_OK);
    ck_assert_str_eq(s, "[1,2]");
    free(s);
}
END_TEST

START_TEST(put_flags)
{
    bh_value one = bh_value_int(1), two = bh_value_int(2);
    int64_t v;

    ck_assert_int_eq(bh_shared_put(bh_cases_m, "k", &one, BH_PUT_REPLACE, 0), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "k"), 0);
    ck_assert_int_eq(bh_shared_put(bh_cases_m, "k", &one, BH_PUT_ADD, 0), BH_OK);
    ck_assert_int_eq(bh_shared_put(bh_cases_m, "k", &two, BH_PUT_ADD, 0), BH_EEXISTS);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "k", &v), BH_OK);
    ck_assert(v == 1);
    ck_assert_int_eq(bh_shared_put(bh_cases_m, "k", &two, BH_PUT_REPLACE, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "k", &v), BH_OK);
    ck_assert(v == 2);
}
END_TEST

/* A fenced put is refused below the key's fence and nothing changes;
 * equal and higher fences pass; the fence outlives plain writes and the
 * value's delete, is per key, and goes with clear. */
START_TEST(fenced_put)
{
    bh_value a = bh_value_str("a"), b = bh_value_str("b"), c = bh_value_int(3);
    const uint64_t big = UINT64_MAX - 1; /* past 2^53: never a double */
    char *s = NULL;
    int64_t v;
    size_t n;

    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, 0, 0, 5), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &b, 0, 0, 4), BH_EFENCED);
    ck_assert_int_eq(bh_shared_get_str(bh_cases_m, "f", &s), BH_OK);
    ck_assert_str_eq(s, "a");
    free(s);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &b, 0, 0, 5), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &c, 0, 0, 9), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "f", &v), BH_OK);
    ck_assert(v == 3);
    /* a plain write and a delete leave the fence */
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "f", 7), BH_OK);
    ck_assert_int_eq(bh_shared_delete(bh_cases_m, "f"), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, 0, 0, 8), BH_EFENCED);
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "f"), 0);
    /* flags and TTL as for a put; a refused flag does not raise the fence */
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, BH_PUT_REPLACE, 0, 20),
                     BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, BH_PUT_ADD, 60000, 10), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &b, BH_PUT_ADD, 0, 11), BH_EEXISTS);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &b, 0, 0, 10), BH_OK);
    /* fences are exact far beyond 2^53, compared as integers */
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "g", &a, 0, 0, big), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "g", &b, 0, 0, big - 1), BH_EFENCED);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "g", &b, 0, 0, big + 1), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "g", &a, 0, 0, 99), BH_EFENCED);
    /* another key has its own fence; fences are no keys */
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "h", &a, 0, 0, 1), BH_OK);
    ck_assert_int_eq(bh_shared_len(bh_cases_m, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, 0, 0, 9), BH_EFENCED);
    ck_assert_int_eq(bh_shared_put_fenced(NULL, "f", &a, 0, 0, 9), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "", &a, 0, 0, 9), BH_EINVAL);
    ck_assert_int_eq(bh_store_check(bh_cases_st), BH_OK);
    /* clear forgets the fences with the keys */
    ck_assert_int_eq(bh_shared_clear(bh_cases_m), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "f", &a, 0, 0, 1), BH_OK);
    ck_assert_int_eq(bh_shared_put_fenced(bh_cases_m, "g", &a, 0, 0, 1), BH_OK);
    ck_assert_int_eq(bh_store_check(bh_cases_st), BH_OK);
}
END_TEST

static int count_run(bh_shared *m, void *arg)
{
    (void)arg;
    return bh_shared_incr(m, "prep-runs", 1, NULL);
}

/* With nobody else preparing, a timed prepare runs the preparer at once
 * (even with 0), and once. */
START_TEST(prepare_timed_runs_once)
{
    int64_t runs;

    ck_assert_int_eq(bh_shared_prepare_timed(bh_cases_m, count_run, NULL, -2), BH_EINVAL);
    ck_assert_int_eq(bh_shared_prepare_timed(bh_cases_m, NULL, NULL, 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_prepare_timed(bh_cases_m, count_run, NULL, 0), BH_OK);
    ck_assert_int_eq(bh_shared_prepare_timed(bh_cases_m, count_run, NULL, 100), BH_OK);
    ck_assert_int_eq(bh_shared_prepare(bh_cases_m, count_run, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "prep-runs", &runs), BH_OK);
    ck_assert(runs == 1);
}
END_TEST

/* Ten minutes: three of them ahead stay within the hour gcra.c trusts. */
#define TEN_MIN_US ((int64_t)600 * 1000000)

/* Rate cells on the store's clock: a burst, then nothing for minutes;
 * a refused take reserves nothing; two cells are charged together; a
 * pause holds takes back and is never shortened. Counts, not timings:
 * every wait asserted is minutes, with a generous minute of slack. */
START_TEST(rate_take_and_pause)
{
    bh_rate_cell one = {"rc:a", TEN_MIN_US, 3};
    bh_rate_cell two[2] = {{"rc:b", 1, 1}, {"rc:a", TEN_MIN_US, 3}};
    bh_rate_cell fresh = {"rc:c", 1, 1};
    int64_t w = -1;

    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &one, 1, NULL, 0, &w), BH_OK);
        ck_assert(w == 0);
    }
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &one, 1, NULL, 0, &w), BH_ETIMEDOUT);
    ck_assert(w > TEN_MIN_US - 60000000 && w <= TEN_MIN_US);
    /* the refused take left it as it was; with two cells the later wins */
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, two, 2, NULL, 1000, &w), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, two, 2, NULL, -1, &w), BH_OK);
    ck_assert(w > TEN_MIN_US - 60000000 && w <= TEN_MIN_US);
    /* that charged both: the next slot is ten minutes later still */
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &one, 1, NULL, 0, &w), BH_ETIMEDOUT);
    ck_assert(w > 2 * TEN_MIN_US - 60000000 && w <= 2 * TEN_MIN_US);
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "rc:b"), 1);

    /* a pause of 1000 s holds back a cell that would go at once */
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &fresh, 1, "rc:p", 0, &w), BH_OK);
    ck_assert_int_eq(bh_shared_rate_pause(bh_cases_m, "rc:p", 1000 * 1000000LL), BH_OK);
    ck_assert_int_eq(bh_shared_rate_pause(bh_cases_m, "rc:p", 1000000), BH_OK); /* not shorter */
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &fresh, 1, "rc:p", 0, &w), BH_ETIMEDOUT);
    ck_assert(w > 900 * 1000000LL && w <= 1000 * 1000000LL);
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &fresh, 1, NULL, 0, &w), BH_OK);

    /* bad arguments, and a key that holds no integer */
    bh_rate_cell bad = {"rc:s", 0, 1};
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 1, NULL, 0, &w), BH_EINVAL);
    bad.interval_us = 1;
    bad.burst = 0;
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 1, NULL, 0, &w), BH_EINVAL);
    bad.burst = 1;
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 0, NULL, 0, &w), BH_EINVAL);
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 1, "", 0, &w), BH_EINVAL);
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 1, NULL, -2, &w), BH_EINVAL);
    ck_assert_int_eq(bh_shared_rate_pause(bh_cases_m, "rc:p", 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_set_str(bh_cases_m, "rc:s", "text"), BH_OK);
    ck_assert_int_eq(bh_shared_rate_take(bh_cases_m, &bad, 1, NULL, 0, &w), BH_ETYPE);
    ck_assert_int_eq(bh_shared_rate_pause(bh_cases_m, "rc:s", 1000), BH_ETYPE);
    ck_assert_int_eq(bh_store_check(bh_cases_st), BH_OK);
}
END_TEST

START_TEST(incr_semantics)
{
    int64_t v;

    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "n", 5, &v), BH_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "n", -7, &v), BH_OK);
    ck_assert(v == -2);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "n", 2, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "n", &v), BH_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "max", INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "max", 1, &v), BH_EOVERFLOW);
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, "max", &v), BH_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, "min", INT64_MIN), BH_OK);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "min", -1, &v), BH_EOVERFLOW);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "min", INT64_MAX, &v), BH_OK);
    ck_assert(v == -1);
    ck_assert_int_eq(bh_shared_incr(bh_cases_m, "fresh", INT64_MIN, &v), BH_OK);
    ck_assert(v == INT64_MIN);
    size_t n;
    ck_assert_int_eq(bh_shared_len(bh_cases_m, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(cas_semantics)
{
    bh_value a = bh_value_str("a"), b = bh_value_str("b"), i = bh_value_int(1);
    char *s;

    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &a, &b), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", NULL, &a), BH_OK);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", NULL, &b), BH_ECONFLICT);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &b, &a), BH_ECONFLICT);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &i, &a), BH_ECONFLICT); /* other type */
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &a, &b), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(bh_cases_m, "k", &s), BH_OK);
    ck_assert_str_eq(s, "b");
    free(s);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &b, &i), BH_OK); /* type may change */
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", &i, NULL), BH_OK); /* delete */
    ck_assert_int_eq(bh_shared_contains(bh_cases_m, "k"), 0);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "k", NULL, NULL), BH_OK); /* absent, stays absent */
    bh_value d1 = bh_value_double(0.5), j = bh_value_json("{\"x\":1}");
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "d", NULL, &d1), BH_OK);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "d", &d1, &j), BH_OK);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "d", &j, &d1), BH_OK);
    /* doubles compare bit for bit: 0.0 is not -0.0 */
    bh_value z = bh_value_double(0.0), nz = bh_value_double(-0.0);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "z", NULL, &z), BH_OK);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "z", &nz, &d1), BH_ECONFLICT);
    /* a string and bytes of the same content differ */
    bh_value bs = bh_value_bytes("b", 1), sb = bh_value_str("b");
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "t", NULL, &sb), BH_OK);
    ck_assert_int_eq(bh_shared_cas(bh_cases_m, "t", &bs, &a), BH_ECONFLICT);
    size_t n;
    ck_assert_int_eq(bh_shared_len(bh_cases_m, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(limits_are_etoobig)
{
    char key[BH_KEY_MAX + 2];
    char *big = calloc(1, BH_VALUE_MAX + 2);

    memset(key, 'k', sizeof key);
    key[BH_KEY_MAX + 1] = 0;
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, key, 1), BH_ETOOBIG);
    key[BH_KEY_MAX] = 0;
    ck_assert_int_eq(bh_shared_set_int(bh_cases_m, key, 1), BH_OK);
    int64_t v;
    ck_assert_int_eq(bh_shared_get_int(bh_cases_m, key, &v), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(bh_cases_m, "big", big, BH_VALUE_MAX + 1), BH_ETOOBIG);
    ck_assert_int_eq(bh_shared_set_bytes(bh_cases_m, "big", big, BH_VALUE_MAX), BH_OK);
    void *p;
    size_t len;
    ck_assert_int_eq(bh_shared_get_bytes(bh_cases_m, "big", &p, &len), BH_OK);
    ck_assert_uint_eq(len, BH_VALUE_MAX);
    free(p);
    free(big);
}
END_TEST

/* Every key present for the whole walk is seen exactly once, while other
 * keys are written and deleted under the walk; an empty memory ends at once. */
START_TEST(cursor_sees_every_key_once)
{
    bh_cursor *c;
    const char *k;
    static int seen[5000];
    int n = 0;

    memset(seen, 0, sizeof seen);
    for (int i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof key, "%d", i);
        ck_assert_int_eq(bh_shared_set_int(bh_cases_m, key, i), BH_OK);
    }
    ck_assert_int_eq(bh_cursor_open(bh_cases_m, &c), BH_OK);
    while (bh_cursor_next(c, &k) == BH_OK) {
        if (!strncmp(k, "new", 3))
            continue;
        int i = atoi(k);
        ck_assert_int_ge(i, 0);
        ck_assert_int_lt(i, 5000);
        seen[i]++;
        n++;
        /* writers change other keys during the walk (the set grows and
         * is rehashed under the scan) */
        char key[32];
        snprintf(key, sizeof key, "new%d", n);
        ck_assert_int_eq(bh_shared_set_int(bh_cases_m, key, n), BH_OK);
        if (n % 2 == 0)
            ck_assert_int_eq(bh_shared_delete(bh_cases_m, key), BH_OK);
    }
    ck_assert_int_eq(bh_cursor_next(c, &k), BH_ENOTFOUND);
    bh_cursor_close(c);
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(seen[i], 1);
    /* an empty memory */
    bh_shared *e;
    ck_assert_int_eq(bh_shared_open(bh_cases_st, "empty", &e), BH_OK);
    ck_assert_int_eq(bh_cursor_open(e, &c), BH_OK);
    ck_assert_int_eq(bh_cursor_next(c, &k), BH_ENOTFOUND);
    bh_cursor_close(c);
    bh_shared_close(e);
}
END_TEST

void bh_store_cases_add(TCase *tc)
{
    tcase_add_test(tc, int_roundtrip);
    tcase_add_test(tc, every_type_roundtrip);
    tcase_add_test(tc, wrong_type_is_etype_and_untouched);
    tcase_add_test(tc, json_is_validated);
    tcase_add_test(tc, put_flags);
    tcase_add_test(tc, fenced_put);
    tcase_add_test(tc, prepare_timed_runs_once);
    tcase_add_test(tc, rate_take_and_pause);
    tcase_add_test(tc, incr_semantics);
    tcase_add_test(tc, cas_semantics);
    tcase_add_test(tc, limits_are_etoobig);
    tcase_add_test(tc, cursor_sees_every_key_once);
}
