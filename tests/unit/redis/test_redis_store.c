/*
 * The redis:// backend's key operations, one by one, against a private
 * redis-server: the embedded store's cases (tests/unit/store/test_store.c)
 * where they apply, plus URLs, TTL expiry, the index, check, full servers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

static bh_redis_proc rp;
static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "test", &m), BH_OK);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

START_TEST(int_roundtrip)
{
    int64_t v = 0;
    ck_assert_int_eq(bh_shared_set_int(m, "a", INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "a", &v), BH_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(bh_shared_set_int(m, "a", INT64_MIN), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "a", &v), BH_OK);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(bh_shared_set_int(m, "big", 9007199254740993LL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "big", &v), BH_OK);
    ck_assert(v == 9007199254740993LL);
    /* incr past 2^53 stays exact: no double anywhere on the way */
    ck_assert_int_eq(bh_shared_incr(m, "big", 2, &v), BH_OK);
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

    ck_assert_int_eq(bh_shared_set_double(m, "d", 3.25), BH_OK);
    ck_assert_int_eq(bh_shared_get_double(m, "d", &d), BH_OK);
    ck_assert(d == 3.25);
    ck_assert_int_eq(bh_shared_set_double(m, "d", 0.1), BH_OK);
    ck_assert_int_eq(bh_shared_get_double(m, "d", &d), BH_OK);
    ck_assert(d == 0.1);
    ck_assert_int_eq(bh_shared_set_bool(m, "b", 7), BH_OK);
    ck_assert_int_eq(bh_shared_get_bool(m, "b", &b), BH_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(bh_shared_set_bool(m, "b", 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_bool(m, "b", &b), BH_OK);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(bh_shared_set_str(m, "s", "héllo"), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(m, "s", &s), BH_OK);
    ck_assert_str_eq(s, "héllo");
    free(s);
    ck_assert_int_eq(bh_shared_set_str(m, "empty", ""), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(m, "empty", &s), BH_OK);
    ck_assert_str_eq(s, "");
    free(s);
    ck_assert_int_eq(bh_shared_set_bytes(m, "raw", raw, sizeof raw), BH_OK);
    ck_assert_int_eq(bh_shared_get_bytes(m, "raw", &p, &len), BH_OK);
    ck_assert_uint_eq(len, sizeof raw);
    ck_assert_mem_eq(p, raw, sizeof raw);
    free(p);
    ck_assert_int_eq(bh_shared_set_json(m, "j", "{\"a\": [1, 2, {\"b\": null}]}"), BH_OK);
    ck_assert_int_eq(bh_shared_get_json(m, "j", &s), BH_OK);
    ck_assert_str_eq(s, "{\"a\": [1, 2, {\"b\": null}]}");
    free(s);
    v = bh_value_nil();
    ck_assert_int_eq(bh_shared_put(m, "nil", &v, 0, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get(m, "nil", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_NIL);
    ck_assert_int_eq(bh_shared_contains(m, "nil"), 1);
    /* keys may hold any byte but NUL, including the separators of the layout */
    ck_assert_int_eq(bh_shared_set_int(m, "a:k:b {x} *?[", 5), BH_OK);
    int64_t i;
    ck_assert_int_eq(bh_shared_get_int(m, "a:k:b {x} *?[", &i), BH_OK);
    ck_assert(i == 5);
}
END_TEST

START_TEST(wrong_type_is_etype_and_untouched)
{
    int64_t v = 42;
    double d = 1.5;
    char *s = (char *)"untouched";

    ck_assert_int_eq(bh_shared_set_str(m, "s", "x"), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "s", &v), BH_ETYPE);
    ck_assert(v == 42);
    ck_assert_int_eq(bh_shared_get_double(m, "s", &d), BH_ETYPE);
    ck_assert(d == 1.5);
    ck_assert_int_eq(bh_shared_set_int(m, "i", 1), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(m, "i", &s), BH_ETYPE);
    ck_assert_str_eq(s, "untouched");
    ck_assert_int_eq(bh_shared_incr(m, "s", 1, NULL), BH_ETYPE);
    ck_assert_int_eq(bh_shared_set_double(m, "dd", 2.0), BH_OK);
    ck_assert_int_eq(bh_shared_incr(m, "dd", 1, NULL), BH_ETYPE);
    ck_assert_int_eq(bh_shared_get_int(m, "missing", &v), BH_ENOTFOUND);
}
END_TEST

START_TEST(bad_arguments_are_einval)
{
    int64_t v;
    bh_value val = bh_value_int(1);
    bh_shared *m2;

    ck_assert_int_eq(bh_shared_set_int(m, NULL, 1), BH_EINVAL);
    ck_assert_int_eq(bh_shared_set_int(m, "", 1), BH_EINVAL);
    ck_assert_int_eq(bh_shared_get_int(m, "k", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put(m, "k", &val, BH_PUT_ADD | BH_PUT_REPLACE, 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put(m, "k", &val, 0, -5), BH_EINVAL);
    ck_assert_int_eq(bh_shared_get_int(m, "", &v), BH_EINVAL);
    ck_assert_int_eq(bh_shared_open(st, "", &m2), BH_EINVAL);
    ck_assert_int_eq(bh_lock_acquire(m, "x", -2), BH_EINVAL);
    size_t n = 99;
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(urls)
{
    bh_store *s2;
    const char *bad[] = {"redis://", "redis://:6379", "redis://host:0", "redis://host:70000",
                         "redis://host:12x", "redis://host/abc", "redis://host/0?bogus=1",
                         "redis://host/0?prefix=", "redis://host/0?lock_lease_ms=0",
                         "redis://user@host/0", "redis://[::1/0"};
    char url[256];

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(bh_store_open(&s2, bad[i], NULL) == BH_EINVAL, "%s", bad[i]);
        ck_assert_ptr_null(s2);
    }
    /* db, prefix and timeouts are honoured */
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/3?prefix=other&timeout_ms=2000"
                              "&connect_timeout_ms=500&lock_lease_ms=1000", rp.port);
    ck_assert_int_eq(bh_store_open(&s2, url, NULL), BH_OK);
    bh_shared *o;
    ck_assert_int_eq(bh_shared_open(s2, "test", &o), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(o, "k", 1), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "k"), 0); /* other db, other prefix */
    ck_assert_int_eq(bh_redis_do(&rp, "SELECT 3"), 0);
    bh_shared_close(o);
    bh_store_close(s2);
    /* the port defaults to 6379, the db to 0 (nothing listens there here,
     * or something does: either way the URL itself is accepted) */
    int rc = bh_store_open(&s2, "redis://127.0.0.1", NULL);
    ck_assert(rc == BH_OK || rc == BH_ENET);
    bh_store_close(s2);
    /* an unknown database number is refused by the server */
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/100000", rp.port);
    ck_assert_int_eq(bh_store_open(&s2, url, NULL), BH_EINVAL);
}
END_TEST

START_TEST(limits_are_etoobig)
{
    char key[BH_KEY_MAX + 2];
    char *big = calloc(1, BH_VALUE_MAX + 2);

    memset(key, 'k', sizeof key);
    key[BH_KEY_MAX + 1] = 0;
    ck_assert_int_eq(bh_shared_set_int(m, key, 1), BH_ETOOBIG);
    key[BH_KEY_MAX] = 0;
    ck_assert_int_eq(bh_shared_set_int(m, key, 1), BH_OK);
    int64_t v;
    ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "big", big, BH_VALUE_MAX + 1), BH_ETOOBIG);
    ck_assert_int_eq(bh_shared_set_bytes(m, "big", big, BH_VALUE_MAX), BH_OK);
    void *p;
    size_t len;
    ck_assert_int_eq(bh_shared_get_bytes(m, "big", &p, &len), BH_OK);
    ck_assert_uint_eq(len, BH_VALUE_MAX);
    free(p);
    free(big);
}
END_TEST

START_TEST(json_is_validated)
{
    ck_assert_int_eq(bh_shared_set_json(m, "j", "{\"a\":"), BH_EJSON);
    ck_assert_int_eq(bh_shared_contains(m, "j"), 0);
    ck_assert_int_eq(bh_shared_set_json(m, "j", "[1,2]"), BH_OK);
    ck_assert_int_eq(bh_shared_set_json(m, "j", "not json"), BH_EJSON);
    char *s;
    ck_assert_int_eq(bh_shared_get_json(m, "j", &s), BH_OK);
    ck_assert_str_eq(s, "[1,2]");
    free(s);
}
END_TEST

START_TEST(put_flags)
{
    bh_value one = bh_value_int(1), two = bh_value_int(2);
    int64_t v;

    ck_assert_int_eq(bh_shared_put(m, "k", &one, BH_PUT_REPLACE, 0), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_contains(m, "k"), 0);
    ck_assert_int_eq(bh_shared_put(m, "k", &one, BH_PUT_ADD, 0), BH_OK);
    ck_assert_int_eq(bh_shared_put(m, "k", &two, BH_PUT_ADD, 0), BH_EEXISTS);
    ck_assert_int_eq(bh_shared_get_int(m, "k", &v), BH_OK);
    ck_assert(v == 1);
    ck_assert_int_eq(bh_shared_put(m, "k", &two, BH_PUT_REPLACE, 0), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "k", &v), BH_OK);
    ck_assert(v == 2);
}
END_TEST

START_TEST(incr_semantics)
{
    int64_t v;

    ck_assert_int_eq(bh_shared_incr(m, "n", 5, &v), BH_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(bh_shared_incr(m, "n", -7, &v), BH_OK);
    ck_assert(v == -2);
    ck_assert_int_eq(bh_shared_incr(m, "n", 2, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "n", &v), BH_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(bh_shared_set_int(m, "max", INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_incr(m, "max", 1, &v), BH_EOVERFLOW);
    ck_assert_int_eq(bh_shared_get_int(m, "max", &v), BH_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(bh_shared_set_int(m, "min", INT64_MIN), BH_OK);
    ck_assert_int_eq(bh_shared_incr(m, "min", -1, &v), BH_EOVERFLOW);
    ck_assert_int_eq(bh_shared_incr(m, "min", INT64_MAX, &v), BH_OK);
    ck_assert(v == -1);
    ck_assert_int_eq(bh_shared_incr(m, "fresh", INT64_MIN, &v), BH_OK);
    ck_assert(v == INT64_MIN);
    size_t n;
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(cas_semantics)
{
    bh_value a = bh_value_str("a"), b = bh_value_str("b"), i = bh_value_int(1);
    char *s;

    ck_assert_int_eq(bh_shared_cas(m, "k", &a, &b), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_cas(m, "k", NULL, &a), BH_OK);
    ck_assert_int_eq(bh_shared_cas(m, "k", NULL, &b), BH_ECONFLICT);
    ck_assert_int_eq(bh_shared_cas(m, "k", &b, &a), BH_ECONFLICT);
    ck_assert_int_eq(bh_shared_cas(m, "k", &i, &a), BH_ECONFLICT); /* other type */
    ck_assert_int_eq(bh_shared_cas(m, "k", &a, &b), BH_OK);
    ck_assert_int_eq(bh_shared_get_str(m, "k", &s), BH_OK);
    ck_assert_str_eq(s, "b");
    free(s);
    ck_assert_int_eq(bh_shared_cas(m, "k", &b, &i), BH_OK); /* type may change */
    ck_assert_int_eq(bh_shared_cas(m, "k", &i, NULL), BH_OK); /* delete */
    ck_assert_int_eq(bh_shared_contains(m, "k"), 0);
    ck_assert_int_eq(bh_shared_cas(m, "k", NULL, NULL), BH_OK); /* absent, stays absent */
    bh_value d1 = bh_value_double(0.5), j = bh_value_json("{\"x\":1}");
    ck_assert_int_eq(bh_shared_cas(m, "d", NULL, &d1), BH_OK);
    ck_assert_int_eq(bh_shared_cas(m, "d", &d1, &j), BH_OK);
    ck_assert_int_eq(bh_shared_cas(m, "d", &j, &d1), BH_OK);
    /* doubles compare bit for bit: 0.0 is not -0.0 */
    bh_value z = bh_value_double(0.0), nz = bh_value_double(-0.0);
    ck_assert_int_eq(bh_shared_cas(m, "z", NULL, &z), BH_OK);
    ck_assert_int_eq(bh_shared_cas(m, "z", &nz, &d1), BH_ECONFLICT);
    /* a string and bytes of the same content differ */
    bh_value bs = bh_value_bytes("b", 1), sb = bh_value_str("b");
    ck_assert_int_eq(bh_shared_cas(m, "t", NULL, &sb), BH_OK);
    ck_assert_int_eq(bh_shared_cas(m, "t", &bs, &a), BH_ECONFLICT);
    size_t n;
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(pop_delete_contains_len_clear)
{
    bh_value v;
    size_t n;

    for (int i = 0; i < 1000; i++) {
        char k[32];
        snprintf(k, sizeof k, "key%d", i);
        ck_assert_int_eq(bh_shared_set_int(m, k, i), BH_OK);
    }
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 1000);
    ck_assert_int_eq(bh_shared_pop(m, "key7", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_INT);
    ck_assert(v.u.i == 7);
    ck_assert_int_eq(bh_shared_pop(m, "key7", &v), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_set_str(m, "s", "popped"), BH_OK);
    ck_assert_int_eq(bh_shared_pop(m, "s", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_STR);
    ck_assert_str_eq(v.u.s.data, "popped");
    bh_value_free(&v);
    ck_assert_int_eq(bh_shared_delete(m, "key8"), BH_OK);
    ck_assert_int_eq(bh_shared_delete(m, "key8"), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_contains(m, "key8"), 0);
    ck_assert_int_eq(bh_shared_contains(m, "key9"), 1);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 998);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_shared_clear(m), BH_OK);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(bh_shared_contains(m, "key9"), 0);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_eq(ss.keys, 0);
    /* nothing of the keys is left in Redis but the registry of memories */
    ck_assert_int_eq(bh_redis_do(&rp, "DBSIZE"), 1);
}
END_TEST

START_TEST(memories_are_separate)
{
    bh_shared *a, *b, *a2, *c;
    int64_t v;
    size_t n;
    char **ids;

    ck_assert_int_eq(bh_shared_open(st, "bot:1", &a), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:2", &b), BH_OK);
    /* ids that would collide if ':' were not escaped */
    ck_assert_int_eq(bh_shared_open(st, "bot:1:k:x", &c), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(a, "k", 1), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(a, "x:k:y", 10), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(c, "y", 20), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(a, "x:k:y", &v), BH_OK);
    ck_assert(v == 10);
    ck_assert_int_eq(bh_shared_set_int(b, "k", 2), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(a, "k", &v), BH_OK);
    ck_assert(v == 1);
    ck_assert_int_eq(bh_shared_get_int(b, "k", &v), BH_OK);
    ck_assert(v == 2);
    ck_assert_int_eq(bh_shared_contains(m, "k"), 0);
    ck_assert_int_eq(bh_shared_open(st, "bot:1", &a2), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(a2, "k", &v), BH_OK);
    ck_assert(v == 1);
    ck_assert_str_eq(bh_shared_id(a2), "bot:1");
    ck_assert_int_eq(bh_shared_clear(a), BH_OK);
    ck_assert_int_eq(bh_shared_len(b, &n), BH_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(bh_shared_len(c, &n), BH_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(bh_store_memories(st, &ids, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found += !strcmp(ids[i], "bot:1:k:x");
    ck_assert_int_eq(found, 1);
    bh_store_memories_free(ids, n);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_eq(ss.memories, 4);
    ck_assert_uint_eq(ss.keys, 2);
    ck_assert_uint_gt(ss.used, 0);
    bh_shared_close(a);
    bh_shared_close(a2);
    bh_shared_close(b);
    bh_shared_close(c);
}
END_TEST

static void put_ttl_wave(int n, int64_t ttl)
{
    bh_value v = bh_value_str("soon gone");
    for (int i = 0; i < n; i++) {
        char k[32];
        snprintf(k, sizeof k, "t%d", i);
        ck_assert_int_eq(bh_shared_put(m, k, &v, 0, ttl), BH_OK);
    }
}

START_TEST(ttl_expires_and_reclaims)
{
    bh_value v;
    size_t n;

    ck_assert_int_eq(bh_shared_set_int(m, "stays", 1), BH_OK);
    int64_t t0 = bh_test_now_ms();
    put_ttl_wave(500, 1000);
    ck_assert_int_eq(bh_shared_contains(m, "t499"), 1);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    if (bh_test_now_ms() - t0 < 900) /* a slow (sanitized) run may take longer */
        ck_assert_uint_eq(n, 501);
    usleep(1200 * 1000);
    ck_assert_int_eq(bh_shared_contains(m, "t5"), 0);
    ck_assert_int_eq(bh_shared_get(m, "t6", &v), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 1);
    /* the index and the expiry set forgot them: only "stays", its index,
     * and the registry are left */
    ck_assert_int_eq(bh_redis_do(&rp, "DBSIZE"), 3);
    /* the cursor does not return expired keys either */
    put_ttl_wave(10, 100);
    usleep(200 * 1000);
    bh_cursor *c;
    const char *k;
    int seen = 0;
    ck_assert_int_eq(bh_cursor_open(m, &c), BH_OK);
    while (bh_cursor_next(c, &k) == BH_OK) {
        ck_assert_str_eq(k, "stays");
        seen++;
    }
    bh_cursor_close(c);
    ck_assert_int_eq(seen, 1);
    /* an expired key can be added again, incr'd afresh */
    v = bh_value_int(5);
    ck_assert_int_eq(bh_shared_put(m, "t1", &v, BH_PUT_ADD, 0), BH_OK);
    int64_t i;
    ck_assert_int_eq(bh_shared_incr(m, "t2", 3, &i), BH_OK);
    ck_assert(i == 3);
    /* a put without TTL makes the key permanent */
    ck_assert_int_eq(bh_shared_put(m, "p", &v, 0, 50), BH_OK);
    ck_assert_int_eq(bh_shared_put(m, "p", &v, 0, 0), BH_OK);
    /* incr and cas keep a key's TTL */
    ck_assert_int_eq(bh_shared_put(m, "q", &v, 0, 100), BH_OK);
    ck_assert_int_eq(bh_shared_incr(m, "q", 1, NULL), BH_OK);
    bh_value six = bh_value_int(6), seven = bh_value_int(7);
    ck_assert_int_eq(bh_shared_cas(m, "q", &six, &seven), BH_OK);
    usleep(200 * 1000);
    ck_assert_int_eq(bh_shared_contains(m, "p"), 1);
    ck_assert_int_eq(bh_shared_contains(m, "q"), 0);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
    /* a huge TTL is accepted */
    ck_assert_int_eq(bh_shared_put(m, "forever", &v, 0, INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "forever"), 1);
}
END_TEST

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
        ck_assert_int_eq(bh_shared_set_int(m, key, i), BH_OK);
    }
    ck_assert_int_eq(bh_cursor_open(m, &c), BH_OK);
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
        ck_assert_int_eq(bh_shared_set_int(m, key, n), BH_OK);
        if (n % 2 == 0)
            ck_assert_int_eq(bh_shared_delete(m, key), BH_OK);
    }
    ck_assert_int_eq(bh_cursor_next(c, &k), BH_ENOTFOUND);
    bh_cursor_close(c);
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(seen[i], 1);
    /* an empty memory */
    bh_shared *e;
    ck_assert_int_eq(bh_shared_open(st, "empty", &e), BH_OK);
    ck_assert_int_eq(bh_cursor_open(e, &c), BH_OK);
    ck_assert_int_eq(bh_cursor_next(c, &k), BH_ENOTFOUND);
    bh_cursor_close(c);
    bh_shared_close(e);
}
END_TEST

/* A server at its maxmemory (noeviction) refuses writes: BH_ENOSPC, and
 * the previous value stays. */
START_TEST(full_server_is_enospc_and_keeps_old_value)
{
    char val[1000];
    int rc = BH_OK, i;
    char *s;

    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = 0;
    ck_assert_int_eq(bh_shared_set_str(m, "keep", "old"), BH_OK);
    ck_assert_int_eq(bh_redis_do(&rp, "CONFIG SET maxmemory-policy noeviction"), 0);
    long long used = bh_redis_info(&rp, "memory", "used_memory");
    ck_assert_int_gt(used, 0);
    ck_assert_int_eq(bh_redis_do(&rp, "CONFIG SET maxmemory %lld", used + (2 << 20)), 0);
    for (i = 0; i < 100000 && rc == BH_OK; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        rc = bh_shared_set_str(m, k, val);
    }
    ck_assert_int_eq(rc, BH_ENOSPC);
    ck_assert_int_gt(i, 100);
    ck_assert_int_eq(bh_shared_set_str(m, "keep", val), BH_ENOSPC);
    ck_assert_str_ne(bh_store_errmsg(st), "");
    ck_assert_int_eq(bh_shared_get_str(m, "keep", &s), BH_OK);
    ck_assert_str_eq(s, "old");
    free(s);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_gt(ss.capacity, 0);
    ck_assert_int_eq(bh_shared_clear(m), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "keep", val), BH_OK);
    ck_assert_int_eq(bh_redis_do(&rp, "CONFIG SET maxmemory 0"), 0);
}
END_TEST

/* check finds an index that disagrees with the keys. */
START_TEST(check_finds_damage)
{
    ck_assert_int_eq(bh_shared_set_int(m, "a", 1), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(m, "b", 2), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    /* a key hash removed behind the index's back */
    ck_assert_int_eq(bh_redis_do(&rp, "DEL bothive:m:{test}:k:a"), 1);
    ck_assert_int_eq(bh_store_check(st), BH_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(st), "a"));
    ck_assert_int_eq(bh_redis_do(&rp, "SREM bothive:m:{test}:idx a"), 1);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    /* a key hash the index does not know */
    ck_assert_int_eq(bh_redis_do(&rp, "SREM bothive:m:{test}:idx b"), 1);
    ck_assert_int_eq(bh_store_check(st), BH_ECORRUPT);
    ck_assert_int_eq(bh_redis_do(&rp, "SADD bothive:m:{test}:idx b"), 1);
    /* a value without a valid type */
    ck_assert_int_eq(bh_redis_do(&rp, "HSET bothive:m:{test}:k:b t 9"), 0);
    ck_assert_int_eq(bh_store_check(st), BH_ECORRUPT);
    int64_t v;
    ck_assert_int_eq(bh_shared_get_int(m, "b", &v), BH_EPROTO);
    ck_assert_int_eq(bh_shared_delete(m, "b"), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_sync(st), BH_OK);
}
END_TEST

/* A script the server forgot (SCRIPT FLUSH, a restart) is loaded again. */
START_TEST(scripts_are_reloaded)
{
    int64_t v;
    ck_assert_int_eq(bh_shared_incr(m, "n", 1, &v), BH_OK);
    ck_assert_int_eq(bh_redis_do(&rp, "SCRIPT FLUSH"), 0);
    ck_assert_int_eq(bh_shared_incr(m, "n", 1, &v), BH_OK);
    ck_assert(v == 2);
}
END_TEST

START_TEST(readonly_open)
{
    bh_store *ro;
    bh_shared *rm;
    bh_store_options o = {.flags = BH_STORE_READONLY};
    int64_t v;

    ck_assert_int_eq(bh_shared_set_int(m, "n", 5), BH_OK);
    ck_assert_int_eq(bh_store_open(&ro, rp.url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(ro, "missing", &rm), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_open(ro, "test", &rm), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(rm, "n", &v), BH_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(bh_shared_set_int(rm, "n", 6), BH_EREADONLY);
    ck_assert_int_eq(bh_lock_acquire(rm, "l", 0), BH_EREADONLY);
    bh_shared_close(rm);
    bh_store_close(ro);
}
END_TEST

int main(void)
{
    if (bh_redis_start(&rp) != 0)
        return 1;
    Suite *s = suite_create("redis_store");
    TCase *tc = tcase_create("ops");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, int_roundtrip);
    tcase_add_test(tc, every_type_roundtrip);
    tcase_add_test(tc, wrong_type_is_etype_and_untouched);
    tcase_add_test(tc, bad_arguments_are_einval);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, limits_are_etoobig);
    tcase_add_test(tc, json_is_validated);
    tcase_add_test(tc, put_flags);
    tcase_add_test(tc, incr_semantics);
    tcase_add_test(tc, cas_semantics);
    tcase_add_test(tc, pop_delete_contains_len_clear);
    tcase_add_test(tc, memories_are_separate);
    tcase_add_test(tc, ttl_expires_and_reclaims);
    tcase_add_test(tc, cursor_sees_every_key_once);
    tcase_add_test(tc, full_server_is_enospc_and_keeps_old_value);
    tcase_add_test(tc, check_finds_damage);
    tcase_add_test(tc, scripts_are_reloaded);
    tcase_add_test(tc, readonly_open);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
