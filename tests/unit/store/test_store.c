/*
 * The store's operations, one by one: semantics, every error code, TTL,
 * memories, cursors, capacity, and the checks on open.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "prepare_cases.h"
#include "store_cases.h"
#include "testutil.h"

static bh_store *st;
static bh_shared *m;

static void setup(void)
{
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "test", &m), BH_OK);
    bh_cases_m = m;
    bh_cases_st = st;
}

/* The shared cases once more on a file: store. */
static char *file_path;

static void setup_file(void)
{
    char url[512];
    file_path = bh_test_tmppath("cases");
    snprintf(url, sizeof url, "file:%s", file_path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
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

static void teardown_file(void)
{
    teardown();
    unlink(file_path);
    free(file_path);
}

START_TEST(bad_arguments_are_einval)
{
    int64_t v;
    bh_value val = bh_value_int(1);
    bh_shared *m2;
    bh_store *st2;

    ck_assert_int_eq(bh_shared_set_int(NULL, "k", 1), BH_EINVAL);
    ck_assert_int_eq(bh_shared_set_int(m, NULL, 1), BH_EINVAL);
    ck_assert_int_eq(bh_shared_set_int(m, "", 1), BH_EINVAL);
    ck_assert_int_eq(bh_shared_get_int(m, "k", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_shared_get_int(m, "", &v), BH_EINVAL);
    ck_assert_int_eq(bh_shared_set_str(m, "k", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put(m, "k", NULL, 0, 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put(m, "k", &val, BH_PUT_ADD | BH_PUT_REPLACE, 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_put(m, "k", &val, 0, -5), BH_EINVAL);
    val.type = (bh_type)99;
    ck_assert_int_eq(bh_shared_put(m, "k", &val, 0, 0), BH_EINVAL);
    ck_assert_int_eq(bh_shared_delete(m, ""), BH_EINVAL);
    ck_assert_int_eq(bh_shared_contains(m, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_shared_len(m, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_shared_open(st, "", &m2), BH_EINVAL);
    ck_assert_int_eq(bh_shared_open(st, NULL, &m2), BH_EINVAL);
    ck_assert_int_eq(bh_shared_open(NULL, "x", &m2), BH_EINVAL);
    ck_assert_int_eq(bh_store_open(NULL, "mem:", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_store_open(&st2, "ftp://x", NULL), BH_ENOTSUP);
    ck_assert_int_eq(bh_store_open(&st2, "file:", NULL), BH_EINVAL);
    bh_store_options o = {.capacity = 1000};
    ck_assert_int_eq(bh_store_open(&st2, "mem:", &o), BH_EINVAL);
    ck_assert_int_eq(bh_lock_acquire(m, "", 0), BH_EINVAL);
    ck_assert_int_eq(bh_lock_acquire(m, "x", -2), BH_EINVAL);
    ck_assert_int_eq(bh_shared_prepare(m, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_store_stats(st, NULL), BH_EINVAL);
    /* a NUL inside a string value is refused: it would not read back */
    val = bh_value_bytes("a\0b", 3);
    val.type = BH_STR;
    ck_assert_int_eq(bh_shared_put(m, "k", &val, 0, 0), BH_EINVAL);
    /* nothing above changed anything */
    size_t n = 99;
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 0);
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
}
END_TEST

START_TEST(memories_are_separate)
{
    bh_shared *a, *b, *a2;
    int64_t v;
    size_t n;

    ck_assert_int_eq(bh_shared_open(st, "bot:1", &a), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:2", &b), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(a, "k", 1), BH_OK);
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
    /* many memories */
    for (int i = 0; i < 500; i++) {
        char id[32];
        bh_shared *x;
        snprintf(id, sizeof id, "mem%d", i);
        ck_assert_int_eq(bh_shared_open(st, id, &x), BH_OK);
        ck_assert_int_eq(bh_shared_set_int(x, "k", i), BH_OK);
        bh_shared_close(x);
    }
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_eq(ss.memories, 503);
    bh_shared_close(a);
    bh_shared_close(a2);
    bh_shared_close(b);
}
END_TEST

static void put_ttl_wave(int n, int64_t ttl)
{
    bh_value v = bh_value_str("soon gone, soon gone, soon gone");
    for (int i = 0; i < n; i++) {
        char k[32];
        snprintf(k, sizeof k, "t%d", i);
        ck_assert_int_eq(bh_shared_put(m, k, &v, 0, ttl), BH_OK);
    }
}

#define TTL_MS 200

START_TEST(ttl_expires_and_reclaims)
{
    bh_value v;
    size_t n;
    struct bh_store_stats first, second;

    ck_assert_int_eq(bh_shared_set_int(m, "stays", 1), BH_OK);
    int64_t t0 = bh_test_now_ms();
    put_ttl_wave(500, TTL_MS);
    int t5 = bh_shared_contains(m, "t5");
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    /* all there before the TTL, unless a slow (sanitized, loaded) run took
     * longer than the TTL to get here */
    if (bh_test_now_ms() - t0 < TTL_MS) {
        ck_assert_int_eq(t5, 1);
        ck_assert_uint_eq(n, 501);
    }
    usleep((TTL_MS + 150) * 1000);
    ck_assert_int_eq(bh_shared_contains(m, "t5"), 0);
    ck_assert_int_eq(bh_shared_get(m, "t6", &v), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(bh_store_stats(st, &first), BH_OK);
    ck_assert_uint_eq(first.keys, 1);
    /* a second wave reuses the space of the first: nothing accumulates */
    put_ttl_wave(500, TTL_MS);
    usleep((TTL_MS + 150) * 1000);
    ck_assert_int_eq(bh_shared_len(m, &n), BH_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(bh_store_stats(st, &second), BH_OK);
    /* index tables may be rebuilt at another size; 500 entries would be ~40 KiB */
    ck_assert_uint_le(second.used, first.used + 2048);
    /* an expired key can be added again */
    v = bh_value_int(5);
    ck_assert_int_eq(bh_shared_put(m, "t1", &v, BH_PUT_ADD, 0), BH_OK);
    /* a put without TTL makes the key permanent */
    ck_assert_int_eq(bh_shared_put(m, "p", &v, 0, 50), BH_OK);
    ck_assert_int_eq(bh_shared_put(m, "p", &v, 0, 0), BH_OK);
    usleep(120 * 1000);
    ck_assert_int_eq(bh_shared_contains(m, "p"), 1);
}
END_TEST

START_TEST(full_store_is_enospc_and_keeps_old_value)
{
    bh_store *small;
    bh_shared *sm;
    bh_store_options o = {.capacity = BH_CAPACITY_MIN};
    char val[1000];
    int i, rc = BH_OK;
    char *s;

    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = 0;
    ck_assert_int_eq(bh_store_open(&small, "mem:", &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(small, "m", &sm), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(sm, "keep", "old"), BH_OK);
    for (i = 0; i < 100000 && rc == BH_OK; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        rc = bh_shared_set_str(sm, k, val);
    }
    ck_assert_int_eq(rc, BH_ENOSPC);
    ck_assert_int_gt(i, 100);
    /* no room for 64 KiB in a row: the old value must survive the attempt */
    char *huge = malloc(64 << 10);
    memset(huge, 'h', (64 << 10) - 1);
    huge[(64 << 10) - 1] = 0;
    ck_assert_int_eq(bh_shared_set_str(sm, "keep", huge), BH_ENOSPC);
    bh_value hv = bh_value_str(huge);
    ck_assert_int_eq(bh_shared_put(sm, "keep", &hv, BH_PUT_REPLACE, 0), BH_ENOSPC);
    ck_assert_int_eq(bh_shared_cas(sm, "keep", NULL, &hv), BH_ECONFLICT);
    free(huge);
    ck_assert_int_eq(bh_shared_get_str(sm, "keep", &s), BH_OK);
    ck_assert_str_eq(s, "old");
    free(s);
    ck_assert_int_eq(bh_store_check(small), BH_OK);
    /* deleting makes room again */
    for (int j = 0; j < i - 1; j++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", j);
        ck_assert_int_eq(bh_shared_delete(sm, k), BH_OK);
    }
    ck_assert_int_eq(bh_shared_set_str(sm, "keep", val), BH_OK);
    ck_assert_int_eq(bh_store_check(small), BH_OK);
    bh_shared_close(sm);
    bh_store_close(small);
}
END_TEST

START_TEST(stats_report)
{
    struct bh_store_stats ss;

    ck_assert_int_eq(bh_shared_set_str(m, "a", "x"), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_eq(ss.capacity, BH_CAPACITY_DEFAULT);
    ck_assert_uint_eq(ss.keys, 1);
    ck_assert_uint_eq(ss.memories, 1);
    ck_assert_uint_gt(ss.used, 0);
    ck_assert_uint_gt(ss.free, ss.capacity / 2);
    ck_assert_uint_eq(ss.recoveries, 0);
}
END_TEST

/* ---- file: stores ---- */

START_TEST(file_persists_and_is_private)
{
    char *path = bh_test_tmppath("persist"), url[512];
    bh_store *fs;
    bh_shared *fm;
    struct stat sb;
    int64_t v;
    char *s;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(fm, "n", 41), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(fm, "s", "kept"), BH_OK);
    bh_shared_close(fm);
    bh_store_close(fs);

    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(fs), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(fm, "n", &v), BH_OK);
    ck_assert(v == 41);
    ck_assert_int_eq(bh_shared_get_str(fm, "s", &s), BH_OK);
    ck_assert_str_eq(s, "kept");
    free(s);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(fs, &ss), BH_OK);
    ck_assert_uint_eq(ss.generation, 2);
    ck_assert_int_eq(bh_store_sync(fs), BH_OK);
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(file_survives_sigkill)
{
    char *path = bh_test_tmppath("kill"), url[512];
    bh_store *fs;
    bh_shared *fm;
    int64_t v;

    snprintf(url, sizeof url, "file:%s", path);
    pid_t pid = fork();
    if (pid == 0) {
        if (bh_store_open(&fs, url, NULL) || bh_shared_open(fs, "m", &fm))
            _exit(1);
        for (int i = 0; i < 5000; i++) {
            char k[32];
            snprintf(k, sizeof k, "k%d", i);
            if (bh_shared_set_int(fm, k, i) != BH_OK)
                _exit(2);
        }
        if (bh_shared_set_int(fm, "done", 1) != BH_OK)
            _exit(3);
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    ck_assert_int_eq(bh_test_wait(pid), 128 + SIGKILL);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(fs), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "m", &fm), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(fm, "done", &v), BH_OK);
    for (int i = 0; i < 5000; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        ck_assert_int_eq(bh_shared_get_int(fm, k, &v), BH_OK);
        ck_assert(v == i);
    }
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

START_TEST(bad_files_are_refused)
{
    char *path = bh_test_tmppath("bad"), url[512];
    bh_store *fs;
    char junk[8192];

    snprintf(url, sizeof url, "file:%s", path);
    memset(junk, 'x', sizeof junk);
    write_file(path, junk, sizeof junk);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_ENOTSTORE);
    write_file(path, "BOTH", 4);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_ENOTSTORE);

    /* a real store, truncated */
    unlink(path);
    bh_store_options o = {.capacity = 4 << 20};
    ck_assert_int_eq(bh_store_open(&fs, url, &o), BH_OK);
    bh_store_close(fs);
    ck_assert_int_eq(truncate(path, 1 << 20), 0);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_ENOTSTORE);

    /* another format version */
    ck_assert_int_eq(truncate(path, 4 << 20), 0);
    int fd = open(path, O_RDWR);
    uint32_t version = 999;
    ck_assert_int_eq(pwrite(fd, &version, 4, 8), 4);
    close(fd);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_EVERSION);
    ck_assert_str_ne(bh_strerror(BH_EVERSION), "");
    /* a failed open leaves no handle: its details are the thread's */
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(NULL), path));

    /* a directory, and a path that cannot be created */
    ck_assert_int_eq(bh_store_open(&fs, "file:/nonexistent-dir/x/y", NULL), BH_EIO);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(NULL), "/nonexistent-dir/x/y"));
    ck_assert_int_eq(bh_store_open(&fs, "ftp://x", NULL), BH_ENOTSUP);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(NULL), "ftp://x"));
    ck_assert_int_eq(bh_store_open(&fs, "mem:", NULL), BH_OK);
    ck_assert_str_eq(bh_store_errmsg(NULL), "");
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(readonly_open_reads_and_refuses_writes)
{
    char *path = bh_test_tmppath("ro"), url[512];
    bh_store *fs, *ro;
    bh_shared *fm, *rm;
    bh_store_options o = {.flags = BH_STORE_READONLY};
    int64_t v;
    char **ids;
    size_t n;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&ro, url, &o), BH_ENOTFOUND);
    ck_assert_int_eq(bh_store_open(&ro, "mem:", &o), BH_EINVAL);
    ck_assert_int_eq(bh_store_open(&fs, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(fs, "alpha", &fm), BH_OK);
    ck_assert_int_eq(bh_shared_set_int(fm, "n", 5), BH_OK);
    bh_shared_close(fm);
    ck_assert_int_eq(bh_shared_open(fs, "beta", &fm), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(fm, "l", 0), BH_OK);

    /* while the writer still has it open */
    ck_assert_int_eq(bh_store_open(&ro, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(ro, "missing", &rm), BH_ENOTFOUND);
    ck_assert_int_eq(bh_shared_open(ro, "alpha", &rm), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(rm, "n", &v), BH_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(bh_shared_set_int(rm, "n", 6), BH_EREADONLY);
    ck_assert_int_eq(bh_shared_incr(rm, "n", 1, NULL), BH_EREADONLY);
    ck_assert_int_eq(bh_shared_delete(rm, "n"), BH_EREADONLY);
    ck_assert_int_eq(bh_shared_clear(rm), BH_EREADONLY);
    ck_assert_int_eq(bh_lock_acquire(rm, "l", 0), BH_EREADONLY);
    ck_assert_int_eq(bh_store_check(ro), BH_EREADONLY);
    ck_assert_int_eq(bh_store_memories(ro, &ids, &n), BH_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert(!strcmp(ids[0], "alpha") || !strcmp(ids[1], "alpha"));
    bh_store_memories_free(ids, n);
    bh_shared_close(rm);
    ck_assert_int_eq(bh_shared_open(ro, "beta", &rm), BH_OK);
    ck_assert_int_eq(bh_lock_held(rm, "l"), 1);
    bh_shared_close(rm);
    bh_store_close(ro);

    /* the read-only opener did not make the writer's store look abandoned */
    ck_assert_int_eq(bh_lock_held(fm, "l"), 1);
    ck_assert_int_eq(bh_lock_release(fm, "l"), BH_OK);
    bh_shared_close(fm);
    bh_store_close(fs);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(value_helpers)
{
    bh_value a = bh_value_str("x"), b = bh_value_str("x"), c = bh_value_bytes("x", 1);
    ck_assert(bh_value_equal(&a, &b));
    ck_assert(!bh_value_equal(&a, &c));
    bh_value d1 = bh_value_double(1.0), d2 = bh_value_double(1.0);
    ck_assert(bh_value_equal(&d1, &d2));
    bh_value_free(NULL);
}
END_TEST

/* A wait for another process's preparer keeps its timeout (0: none at
 * all), and a preparer that died is redone by the next caller. */
START_TEST(prepare_timed_waits_bounded)
{
    pid_t pid = bh_prep_cases_hanging(m);
    int64_t runs;

    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 0), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 200), BH_ETIMEDOUT);
    ck_assert_int_eq(bh_shared_prepared(m), 0);
    kill(pid, SIGKILL);
    bh_test_wait(pid);
    ck_assert_int_eq(bh_shared_prepare_timed(m, bh_prep_cases_counting, NULL, 10000), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "runs", &runs), BH_OK);
    ck_assert(runs == 1);
}
END_TEST

#define FENCE_PROCS 4
#define FENCE_ROUNDS 2000
#define FENCE_KEYS 50

/* Processes racing fenced puts over keys whose fences lie in other
 * stripes (so stripes are taken in both orders of key and fence): none
 * deadlocks, and each key ends with a value written under its highest
 * fence, which nothing can refuse. */
START_TEST(fenced_puts_race)
{
    char key[16];
    int64_t v;

    for (int p = 0; p < FENCE_PROCS; p++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            for (int i = 0; i < FENCE_ROUNDS; i++) {
                bh_value x = bh_value_int((int64_t)i * 10 + p);
                snprintf(key, sizeof key, "k%d", i % FENCE_KEYS);
                int rc = bh_shared_put_fenced(m, key, &x, 0, 0, (uint64_t)i);
                if (rc != BH_OK && rc != BH_EFENCED)
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (int p = 0; p < FENCE_PROCS; p++)
        ck_assert_int_eq(bh_test_wait(-1), 0);
    for (int k = 0; k < FENCE_KEYS; k++) {
        snprintf(key, sizeof key, "k%d", k);
        ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
        ck_assert_int_eq(v / 10, FENCE_ROUNDS - FENCE_KEYS + k);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("ops");
    tcase_add_checked_fixture(tc, setup, teardown);
    bh_store_cases_add(tc);
    tcase_add_test(tc, bad_arguments_are_einval);
    tcase_add_test(tc, pop_delete_contains_len_clear);
    tcase_add_test(tc, memories_are_separate);
    tcase_add_test(tc, ttl_expires_and_reclaims);
    tcase_add_test(tc, full_store_is_enospc_and_keeps_old_value);
    tcase_add_test(tc, stats_report);
    tcase_add_test(tc, value_helpers);
    tcase_add_test(tc, prepare_timed_waits_bounded);
    tcase_add_test(tc, fenced_puts_race);
    suite_add_tcase(s, tc);
    TCase *tcf = tcase_create("ops_file");
    tcase_add_checked_fixture(tcf, setup_file, teardown_file);
    bh_store_cases_add(tcf);
    suite_add_tcase(s, tcf);
    TCase *tf = tcase_create("file");
    tcase_add_test(tf, file_persists_and_is_private);
    tcase_add_test(tf, file_survives_sigkill);
    tcase_add_test(tf, bad_files_are_refused);
    tcase_add_test(tf, readonly_open_reads_and_refuses_writes);
    suite_add_tcase(s, tf);
    return bh_test_run_suite(s);
}
