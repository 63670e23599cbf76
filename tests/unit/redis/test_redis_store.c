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
#include "store_cases.h"
#include "testutil.h"

static bh_redis_proc rp;
static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_redis_do(&rp, "FLUSHALL"), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "test", &m), BH_OK);
    bh_cases_m = m;
    bh_cases_st = st;
}

static void teardown(void)
{
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

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
    /* incr and cas keep a key's TTL (one long enough for both calls to come
     * before it, also on a slow machine; then waited out from the put) */
    int64_t tq = bh_test_now_ms();
    ck_assert_int_eq(bh_shared_put(m, "q", &v, 0, 1000), BH_OK);
    ck_assert_int_eq(bh_shared_incr(m, "q", 1, NULL), BH_OK);
    bh_value six = bh_value_int(6), seven = bh_value_int(7);
    ck_assert_int_eq(bh_shared_cas(m, "q", &six, &seven), BH_OK);
    int64_t left = tq + 1200 - bh_test_now_ms();
    if (left > 0)
        usleep((useconds_t)left * 1000);
    ck_assert_int_eq(bh_shared_contains(m, "p"), 1);
    ck_assert_int_eq(bh_shared_contains(m, "q"), 0);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 4);
    /* a huge TTL is accepted */
    ck_assert_int_eq(bh_shared_put(m, "forever", &v, 0, INT64_MAX), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "forever"), 1);
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
    bh_store_cases_add(tc);
    tcase_add_test(tc, bad_arguments_are_einval);
    tcase_add_test(tc, urls);
    tcase_add_test(tc, pop_delete_contains_len_clear);
    tcase_add_test(tc, memories_are_separate);
    tcase_add_test(tc, ttl_expires_and_reclaims);
    tcase_add_test(tc, full_server_is_enospc_and_keeps_old_value);
    tcase_add_test(tc, check_finds_damage);
    tcase_add_test(tc, scripts_are_reloaded);
    tcase_add_test(tc, readonly_open);
    suite_add_tcase(s, tc);
    int rc = bh_test_run_suite(s);
    bh_redis_stop(&rp);
    return rc;
}
