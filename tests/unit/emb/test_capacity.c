/*
 * How much of its capacity a store really holds, and whether its stats say
 * so. Stores of several capacities, from the smallest allowed, are filled
 * with strings of pseudo-random sizes across several memories until the
 * first BH_ENOSPC.
 *
 * What counts as written: for each entry, its key's length, its value's
 * length and the entry header (BH_ENTRY_HDR, 24 bytes, the documented
 * per-entry header). Padding, size-class rounding, index slots and the
 * region's own tables are overhead, not writes.
 *
 * What the tests require:
 *  - the bytes written at the first BH_ENOSPC are at least 75% of the
 *    capacity;
 *  - free tells the truth: a write of a value of v bytes fails with
 *    BH_ENOSPC only if free, just before it, was below v + FREE_SLACK(cap);
 *    at the first failure of a small write, free is below FREE_SLACK(cap);
 *    and what free promises half way is what can then be written;
 *  - memories can be opened in a full store's space once it is emptied, and
 *    emptying it gives all of it back: a second fill, with other keys and
 *    sizes, writes as much as the first.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emb/region.h"
#include "testutil.h"

#define NMEM 3
#define SMALL_MIN 20
#define SMALL_MAX 320

/* Free below this counts as "full": 1/32 of the capacity. */
#define FREE_SLACK(cap) ((cap) / 32)

struct fill {
    uint64_t keys;        /* keys written */
    uint64_t bytes;       /* their key + value + header bytes */
    uint64_t free_at_end; /* stats free at the first small BH_ENOSPC */
    uint64_t big_refused; /* large values refused (free said they would not fit) */
    uint64_t half_free;   /* free when it first fell below half the capacity */
    uint64_t half_bytes;  /* bytes written at that point */
};

/* Value sizes: mostly small strings; with big set, 1 in 16 is 10 KB and
 * 1 in 64 is 100 KB. */
struct sizes {
    uint32_t seed;
    int big;
};

static uint32_t next_rand(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static size_t next_size(struct sizes *z)
{
    uint32_t r = next_rand(&z->seed);

    if (z->big && r % 64 == 0)
        return 100000;
    if (z->big && r % 16 == 1)
        return 10000;
    return SMALL_MIN + (r >> 8) % (SMALL_MAX - SMALL_MIN + 1);
}

static char *value_buf;

static uint64_t free_now(bh_store *st)
{
    struct bh_store_stats ss;

    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    return ss.free;
}

/* Free plus used: what neither partly used slabs nor the store's own tables
 * hold. Emptying a store must give all of it back. */
static uint64_t accounted(bh_store *st)
{
    struct bh_store_stats ss;

    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    return ss.free + ss.used;
}

static void note_half(struct fill *f, uint64_t cap, uint64_t free)
{
    if (!f->half_free && free < cap / 2) {
        f->half_free = free;
        f->half_bytes = f->bytes;
    }
}

/*
 * Writes keys "tag:i" round-robin over the memories until a small value is
 * refused, checking the free figure before every write. A refused large
 * value is skipped: it is an answer free must have predicted.
 */
static struct fill fill_store(bh_store *st, bh_shared **mems, const char *tag, struct sizes z)
{
    struct bh_store_stats ss;
    struct fill f = {0};
    char key[64];

    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    for (uint64_t i = 0;; i++) {
        size_t vlen = next_size(&z), klen;
        uint64_t free = free_now(st);

        note_half(&f, ss.capacity, free);
        klen = (size_t)snprintf(key, sizeof key, "%s:%llu", tag, (unsigned long long)i);
        value_buf[vlen] = 0;
        int rc = bh_shared_set_str(mems[i % NMEM], key, value_buf);
        value_buf[vlen] = 'v';
        if (rc == BH_OK) {
            f.keys++;
            f.bytes += klen + vlen + BH_ENTRY_HDR;
            continue;
        }
        ck_assert_int_eq(rc, BH_ENOSPC);
        ck_assert_msg(free < vlen + FREE_SLACK(ss.capacity),
                      "capacity %zu: a %zu-byte value refused with %llu bytes free (%llu keys)",
                      ss.capacity, vlen, (unsigned long long)free, (unsigned long long)f.keys);
        if (vlen <= SMALL_MAX) {
            f.free_at_end = free;
            return f;
        }
        f.big_refused++;
    }
}

/* Removes what fill_store wrote, key by key (a refused key is absent). */
static void empty_store(bh_shared **mems, const char *tag, uint64_t n)
{
    char key[64];

    for (uint64_t i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s:%llu", tag, (unsigned long long)i);
        int rc = bh_shared_delete(mems[i % NMEM], key);
        ck_assert(rc == BH_OK || rc == BH_ENOTFOUND);
    }
}

static void open_mems(bh_store *st, bh_shared **mems)
{
    for (int i = 0; i < NMEM; i++) {
        char id[32];
        snprintf(id, sizeof id, "memory-%d", i);
        ck_assert_int_eq(bh_shared_open(st, id, &mems[i]), BH_OK);
    }
}

static void close_mems(bh_shared **mems)
{
    for (int i = 0; i < NMEM; i++)
        bh_shared_close(mems[i]);
}

static void report(const char *what, size_t cap, const struct fill *f)
{
    printf("capacity %zu %s: %llu keys, %llu bytes (%.1f%%) at ENOSPC, free %llu\n", cap, what,
           (unsigned long long)f->keys, (unsigned long long)f->bytes,
           100.0 * (double)f->bytes / (double)cap, (unsigned long long)f->free_at_end);
}

/* The checks every fill must pass. */
static void check_fill(size_t cap, const struct fill *f)
{
    ck_assert_msg(f->bytes >= cap / 4 * 3, "capacity %zu: only %llu bytes (%llu keys) written",
                  cap, (unsigned long long)f->bytes, (unsigned long long)f->keys);
    ck_assert_msg(f->free_at_end < FREE_SLACK(cap), "capacity %zu: full, but free says %llu",
                  cap, (unsigned long long)f->free_at_end);
    /* Half way, free said how much more would fit: about that much did.
     * Writes cost their index slots and size-class rounding on top, so less
     * is written than free promised; more only as far as the room left in
     * partly used slabs (which free leaves out: only some writes can use
     * it) goes. */
    ck_assert_uint_gt(f->half_free, 0);
    uint64_t after = f->bytes - f->half_bytes;
    ck_assert_msg(after >= f->half_free / 10 * 8 && after <= f->half_free / 8 * 9,
                  "capacity %zu: free said %llu half way, then %llu bytes were written", cap,
                  (unsigned long long)f->half_free, (unsigned long long)after);
}

/*
 * Fills, empties and fills again with other keys and sizes: the second fill
 * must write as much as the first (within 3%), and free must come back.
 */
static void fill_twice(bh_store *st, size_t cap, int big)
{
    bh_shared *mems[NMEM], *late;
    uint64_t before = accounted(st);

    open_mems(st, mems);
    struct fill a = fill_store(st, mems, "a", (struct sizes){.seed = 12345u, .big = big});
    report(big ? "mixed, first fill" : "first fill", cap, &a);
    check_fill(cap, &a);
    ck_assert_int_eq(bh_store_check(st), BH_OK);

    empty_store(mems, "a", a.keys + a.big_refused + 1);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    /* Index tables keep the size they grew to, ready for as many keys, and
     * count used: what is neither used nor free is no more than before. */
    ck_assert_uint_ge(accounted(st) + FREE_SLACK(cap), before);
    ck_assert_int_eq(bh_shared_open(st, "late", &late), BH_OK);
    bh_shared_close(late);

    struct fill b = fill_store(st, mems, "bb", (struct sizes){.seed = 987654321u, .big = big});
    report(big ? "mixed, second fill" : "second fill", cap, &b);
    check_fill(cap, &b);
    ck_assert_msg(b.bytes >= a.bytes / 100 * 97, "capacity %zu: %llu bytes, then only %llu", cap,
                  (unsigned long long)a.bytes, (unsigned long long)b.bytes);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    close_mems(mems);
}

static void fill_mem(size_t cap, int big)
{
    bh_store_options o = {.capacity = cap};
    bh_store *st;

    ck_assert_int_eq(bh_store_open(&st, "mem:", &o), BH_OK);
    fill_twice(st, cap, big);
    bh_store_close(st);
}

static void setup(void)
{
    value_buf = malloc(100001);
    ck_assert_ptr_nonnull(value_buf);
    memset(value_buf, 'v', 100001);
}

static void teardown(void)
{
    free(value_buf);
}

START_TEST(smallest_store_fills)
{
    fill_mem(BH_CAPACITY_MIN, 0);
}
END_TEST

START_TEST(store_of_2_mib_fills)
{
    fill_mem((size_t)2 << 20, 0);
}
END_TEST

START_TEST(store_of_4_mib_fills)
{
    fill_mem((size_t)4 << 20, 0);
}
END_TEST

/* A capacity that is no power of two, nor a multiple of any page size. */
START_TEST(odd_sized_store_fills)
{
    fill_mem(((size_t)3 << 20) + 12345, 0);
}
END_TEST

START_TEST(store_of_16_mib_fills)
{
    fill_mem((size_t)16 << 20, 0);
}
END_TEST

START_TEST(file_store_fills)
{
    char *path = bh_test_tmppath("capacity"), url[512];
    bh_store_options o = {.capacity = (size_t)4 << 20};
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    fill_twice(st, o.capacity, 0);
    bh_store_close(st);
    /* Reopened alone, the full store is repaired and checked as it is. */
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(smallest_store_fills_with_large_values)
{
    fill_mem(BH_CAPACITY_MIN, 1);
}
END_TEST

START_TEST(store_of_16_mib_fills_with_large_values)
{
    fill_mem((size_t)16 << 20, 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("capacity");
    bh_test_add_case(s, "min", smallest_store_fills, setup, teardown, 120);
    bh_test_add_case(s, "2mib", store_of_2_mib_fills, setup, teardown, 120);
    bh_test_add_case(s, "4mib", store_of_4_mib_fills, setup, teardown, 120);
    bh_test_add_case(s, "odd", odd_sized_store_fills, setup, teardown, 120);
    bh_test_add_case(s, "16mib", store_of_16_mib_fills, setup, teardown, 240);
    bh_test_add_case(s, "file", file_store_fills, setup, teardown, 120);
    bh_test_add_case(s, "min_large", smallest_store_fills_with_large_values, setup, teardown,
                     120);
    bh_test_add_case(s, "16mib_large", store_of_16_mib_fills_with_large_values, setup, teardown,
                     240);
    return bh_test_run_suite(s);
}
