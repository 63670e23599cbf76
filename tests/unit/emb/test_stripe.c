/*
 * Stripe recovery (src/emb/stripe.c), driven through the internal API so
 * that a process can die at an exact point: holding a stripe's lock with a
 * block allocated that no index refers to, with a slab's live count wrong,
 * or part way through freeing a lock record or settling one
 * (src/emb/lock.c). Also the slab's size classes and shapes, slabs going
 * back to the page allocator when emptied, and the geometry of stores by
 * capacity.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emb/emb.h"
#include "emb/region.h"
#include "testutil.h"

/*
 * The child locks stripe s, allocates a block of size bytes and dies without
 * unlocking. With an empty stripe the block is on a slab page that nothing
 * reaches, so the rebuild must free the page, not trip over the empty index.
 */
static void die_holding_stripe(bh_store *st, unsigned s, uint64_t size)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    pid_t pid = fork();

    if (pid == 0) {
        bh_stripe_lock(r, s);
        _exit(bh_block_alloc_locked(r, s, size) ? 0 : 1);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
}

static void check_recovered(bh_store *st, uint64_t pages_before)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    struct bh_store_stats stats;

    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &stats), BH_OK);
    ck_assert_uint_eq(stats.recoveries, 1);
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), pages_before);
}

START_TEST(empty_stripe_slab_is_reclaimed)
{
    bh_store *st;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    struct bh_region *r = &((struct bh_emb *)st)->r;
    uint64_t before = atomic_load(&r->hdr->pages_used);
    die_holding_stripe(st, 7, 48);
    ck_assert_uint_gt(atomic_load(&r->hdr->pages_used), before);
    check_recovered(st, before);
    bh_store_close(st);
}
END_TEST

START_TEST(empty_stripe_run_is_reclaimed)
{
    bh_store *st;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    struct bh_region *r = &((struct bh_emb *)st)->r;
    uint64_t before = atomic_load(&r->hdr->pages_used);
    die_holding_stripe(st, 9, 3 * BH_PAGE_MAX);
    check_recovered(st, before);
    bh_store_close(st);
}
END_TEST

/* ---- Lock records: a process killed while freeing or settling one ---- */

/* Where a lock's record is: its stripe, slot and record (NULL if none). */
struct lockspot {
    unsigned s;
    int64_t pos;
    struct bh_entry *e;
    struct bh_lockrec *l;
};

static void lock_spot(bh_shared *m, const char *name, struct lockspot *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_key k;

    bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_LOCK, name, strlen(name));
    out->s = bh_key_stripe(r, &k);
    bh_stripe_lock(r, out->s);
    out->pos = bh_index_find_locked(r, out->s, &k, &out->e);
    bh_stripe_unlock(r, out->s);
    out->l = out->pos >= 0 ? (struct bh_lockrec *)bh_entry_value(out->e) : NULL;
}

static void take_and_release(bh_shared *m, const char *name, int times)
{
    for (int i = 0; i < times; i++) {
        ck_assert_int_eq(bh_lock_acquire(m, name, 0), BH_OK);
        ck_assert_int_eq(bh_lock_release(m, name), BH_OK);
    }
}

static uint64_t fence_now(bh_shared *m, const char *name)
{
    uint64_t f;

    ck_assert_int_eq(bh_lock_acquire(m, name, 0), BH_OK);
    ck_assert_int_eq(bh_lock_fence(m, name, &f), BH_OK);
    ck_assert_int_eq(bh_lock_release(m, name), BH_OK);
    return f;
}

/* After the child's death: the stripe recovered once, passes the check
 * (no block free twice, no idle record but the kept one), and holds
 * want_locks records. */
static void check_locks_recovered(bh_store *st, uint64_t want_locks)
{
    struct bh_store_stats stats;

    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &stats), BH_OK);
    ck_assert_uint_eq(stats.recoveries, 1);
    ck_assert_uint_eq(stats.locks, want_locks);
}

/* How a child leaves the kept record of "a" when it dies holding the stripe. */
enum free_cut {
    CUT_AFTER_SLOT,  /* the record's slot is a tombstone, its block not free */
    CUT_AFTER_BLOCK, /* its block is free, the operation record not cleared */
    CUT_STILL_KEPT   /* freed while the stripe still names it (damage) */
};

/* The child follows lock.c's order for freeing a record (fence mark, no
 * longer kept, index removal) as far as cut says, and dies there. */
static void die_freeing(bh_store *st, bh_shared *m, enum free_cut cut)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    struct lockspot a;

    lock_spot(m, "a", &a);
    ck_assert_ptr_nonnull(a.l);
    pid_t pid = fork();
    if (pid == 0) {
        struct bh_stripe *sp = &r->stripes[a.s];
        bh_stripe_lock(r, a.s);
        if (cut != CUT_STILL_KEPT) {
            sp->fence_hwm = atomic_load(&a.l->fence);
            atomic_store(&sp->idle_lock, 0);
        }
        if (cut == CUT_AFTER_SLOT) {
            sp->op = (struct bh_oprec){.op = BH_OP_DEL, .slot_pos = (uint64_t)a.pos,
                                       .old_off = bh_off(r, a.e)};
            struct bh_index v;
            bh_stripe_index(r, a.s, &v)->slots[a.pos] = BH_SLOT_TOMB;
        } else {
            bh_index_remove_locked(r, a.s, a.pos);
            sp->op.op = BH_OP_DEL;
        }
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
}

static void freeing_cut(enum free_cut cut)
{
    bh_store *st;
    bh_shared *m;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    take_and_release(m, "a", 10);
    uint64_t before = fence_now(m, "a");
    die_freeing(st, m, cut);
    check_locks_recovered(st, 0);
    /* made again, from the fence mark (which damage did not raise) */
    if (cut != CUT_STILL_KEPT)
        ck_assert_uint_gt(fence_now(m, "a"), before);
    take_and_release(m, "a", 3);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}

START_TEST(lock_free_killed_after_the_slot)
{
    freeing_cut(CUT_AFTER_SLOT);
}
END_TEST

START_TEST(lock_free_killed_after_the_block)
{
    freeing_cut(CUT_AFTER_BLOCK);
}
END_TEST

START_TEST(lock_freed_while_still_kept)
{
    freeing_cut(CUT_STILL_KEPT);
}
END_TEST

/* A name other than "a" whose records live in stripe s. */
static void name_in_stripe(bh_shared *m, unsigned s, char *out, size_t len)
{
    struct bh_key k;

    for (int i = 0;; i++) {
        snprintf(out, len, "b-%d", i);
        bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_LOCK, out, strlen(out));
        if (bh_key_stripe(bh_emb_region(m), &k) == s)
            return;
    }
}

/* The child releases a record that is not the kept one under the stripe,
 * as every such release does, and dies before settling it: the stripe then
 * has two idle records, the kept "a" and the child's. */
static void die_releasing(bh_shared *m, char *name, size_t len)
{
    struct bh_region *r = bh_emb_region(m);
    struct lockspot a, b;

    lock_spot(m, "a", &a);
    name_in_stripe(m, a.s, name, len);
    pid_t pid = fork();
    if (pid == 0) {
        if (bh_lock_acquire(m, name, 0) != BH_OK)
            _exit(1);
        lock_spot(m, name, &b);
        bh_stripe_lock(r, b.s);
        bh_slock_unlock(&b.l->word, &b.l->token);
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
}

/* Recovery frees one of the two. */
START_TEST(lock_release_killed_before_settling)
{
    bh_store *st;
    bh_shared *m;
    char name[32];

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    take_and_release(m, "a", 1);
    die_releasing(m, name, sizeof name);
    check_locks_recovered(st, 1);
    take_and_release(m, name, 2);
    take_and_release(m, "a", 2);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* The same in a file: that the next process to open alone repairs,
 * without a recovery of the stripe. */
START_TEST(lock_release_killed_before_settling_then_reopened)
{
    char *path = bh_test_tmppath("stripe"), url[512], name[32];
    struct bh_store_stats stats;
    bh_store *st;
    bh_shared *m;

    snprintf(url, sizeof url, "file:%s", path);
    pid_t pid = fork();
    if (pid == 0) {
        if (bh_store_open(&st, url, NULL) != BH_OK || bh_shared_open(st, "m", &m) != BH_OK)
            _exit(1);
        take_and_release(m, "a", 1);
        die_releasing(m, name, sizeof name);
        _exit(0); /* without closing: as if killed */
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &stats), BH_OK);
    ck_assert_uint_eq(stats.locks, 1);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

static struct bh_region *region_of(bh_store *st)
{
    return &((struct bh_emb *)st)->r;
}

/* The head word of the slab or run holding off. */
static uint32_t head_word(struct bh_region *r, uint64_t off)
{
    uint64_t page = bh_page_of(r, off);
    uint32_t w = atomic_load(&r->pagemap[page]);

    if (BH_PM_KIND(w) == BH_PM_CONT)
        w = atomic_load(&r->pagemap[page - BH_PM_PAYLOAD(w)]);
    return w;
}

/* A stripe with a key in it: the stripe of key k of memory m. */
static unsigned stripe_of(bh_store *st, bh_shared *m, const char *k)
{
    struct bh_key key;

    bh_key_init(&key, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, k, strlen(k));
    return bh_key_stripe(region_of(st), &key);
}

/*
 * The child corrupts the live count of the slab holding a published entry,
 * as a death between a free list change and the count's store would leave
 * it, and dies holding the stripe: the rebuild recounts it from the index.
 */
START_TEST(live_count_is_rebuilt)
{
    bh_store *st;
    bh_shared *m;
    int64_t v;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "k", "a value in a slab"), BH_OK);
    struct bh_region *r = region_of(st);
    unsigned s = stripe_of(st, m, "k");
    pid_t pid = fork();
    if (pid == 0) {
        struct bh_key key;
        struct bh_entry *e;
        bh_stripe_lock(r, s);
        bh_key_init(&key, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, "k", 1);
        if (bh_index_find_locked(r, s, &key, &e) < 0)
            _exit(1);
        uint64_t page = bh_page_of(r, bh_off(r, e));
        atomic_fetch_add(&r->pagemap[page], 5 * BH_PM_LIVE_ONE);
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_set_int(m, "again", 1), BH_OK); /* takes some stripe */
    ck_assert_int_eq(bh_shared_delete(m, "k"), BH_OK);          /* takes stripe s */
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "again", &v), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* Allocates n blocks of size bytes in stripe s, then frees them all. */
static void alloc_and_free(struct bh_region *r, unsigned s, uint64_t size, unsigned n,
                           uint32_t *head)
{
    uint64_t off[64];

    ck_assert_uint_le(n, 64);
    bh_stripe_lock(r, s);
    for (unsigned i = 0; i < n; i++)
        ck_assert_uint_ne(off[i] = bh_block_alloc_locked(r, s, size), 0);
    *head = head_word(r, off[0]);
    for (unsigned i = 0; i < n; i++)
        bh_block_free_locked(r, s, off[i]);
    bh_stripe_unlock(r, s);
}

/*
 * A slab whose blocks are all freed goes back to the page allocator, for any
 * stripe or class; one single-page slab per stripe stays as its spare until
 * another takes its place or the store runs short of pages.
 */
START_TEST(emptied_slabs_go_back)
{
    bh_store *st;
    uint32_t w;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    struct bh_region *r = region_of(st);
    uint64_t before = atomic_load(&r->hdr->pages_used);
    alloc_and_free(r, 3, 1200, 20, &w); /* several multi-page slabs */
    ck_assert_uint_gt(bh_pages_span(r, w), 1);
    ck_assert_uint_eq(BH_PM_LIVE(w), r->class_blocks[BH_PM_CLASS(w)]);
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), before);
    ck_assert_int_eq(bh_store_check(st), BH_OK);

    alloc_and_free(r, 3, 40, 1, &w); /* a single page: kept as the spare */
    ck_assert_uint_eq(bh_pages_span(r, w), 1);
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), before + 1);
    ck_assert_uint_ne(r->stripes[3].spare, 0);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    alloc_and_free(r, 3, 40, 2, &w); /* the spare in use, then emptied again */
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), before + 1);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    alloc_and_free(r, 3, 100, 1, &w); /* another class: it replaces the spare */
    ck_assert_uint_eq(atomic_load(&r->hdr->pages_used), before + 1);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_store_close(st);
}
END_TEST

/* Index tables larger than a page are page runs of their own: a stripe has
 * one, which in a slab of four would leave three blocks idle. The table is
 * its slots alone, so it fills its run exactly (a header word in front made
 * a table of 2^k pages take 2^k + 1). */
START_TEST(large_index_is_a_run)
{
    bh_store *st;
    bh_shared *m;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    for (int i = 0; i < 64 * 600; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        ck_assert_int_eq(bh_shared_set_int(m, k, i), BH_OK);
    }
    struct bh_region *r = region_of(st);
    for (unsigned s = 0; s < r->nstripes; s++) {
        struct bh_index v;
        uint64_t off = bh_ixw_off(atomic_load(&r->stripes[s].index));
        ck_assert_uint_gt(bh_stripe_index(r, s, &v)->cap * 8, bh_page_size(r));
        ck_assert_uint_eq(BH_PM_KIND(head_word(r, off)), BH_PM_RUN);
        ck_assert_uint_eq(bh_block_size(r, off), v.cap * 8);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* Page size and stripe count follow the capacity: small stores trade
 * stripes for space, large ones keep 4 KiB pages and 64 stripes. */
START_TEST(geometry_follows_capacity)
{
    static const struct {
        size_t capacity;
        unsigned page, stripes;
    } want[] = {
        {(size_t)1 << 20, 1024, 4},   {(size_t)4 << 20, 1024, 8},
        {(size_t)16 << 20, 1024, 32}, {(size_t)64 << 20, 2048, 64},
        {(size_t)1 << 30, 4096, 64},
    };

    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bh_store_options o = {.capacity = want[i].capacity};
        bh_store *st;
        ck_assert_int_eq(bh_store_open(&st, "mem:", &o), BH_OK);
        ck_assert_uint_eq(bh_page_size(region_of(st)), want[i].page);
        ck_assert_uint_eq(region_of(st)->nstripes, want[i].stripes);
        bh_store_close(st);
    }
}
END_TEST

/* Every slab holds at least four blocks and loses at most 1/16 of itself to
 * the tail its blocks leave, at every page size. */
START_TEST(slab_shapes_waste_little)
{
    for (unsigned shift = 10; shift <= 12; shift++) {
        struct bh_region r = {.page_shift = shift};
        bh_slab_shapes(&r);
        for (unsigned c = 0; c < BH_NCLASSES; c++) {
            uint64_t bytes = (uint64_t)r.class_pages[c] << shift;
            uint64_t used = (uint64_t)r.class_blocks[c] * bh_class_size(c);
            ck_assert_uint_ge(r.class_blocks[c], 4);
            ck_assert_uint_le(used, bytes);
            ck_assert_uint_le((bytes - used) * 16, bytes);
        }
    }
}
END_TEST

/* The computed size class is the smallest that holds the size, for every
 * size a block can have. */
START_TEST(size_class_is_the_smallest_that_fits)
{
    for (uint64_t size = 0; size <= 9000; size++) {
        unsigned want = BH_NCLASSES;
        for (unsigned c = 0; c < BH_NCLASSES; c++)
            if (bh_class_size(c) >= size) {
                want = c;
                break;
            }
        ck_assert_uint_eq(bh_class_of(size), want);
    }
    ck_assert_uint_eq(bh_class_of(UINT64_MAX / 2), BH_NCLASSES);
}
END_TEST

/* ---- Upgrade from format version 5 ---- */

#define UPGRADE_KEYS 3000

/*
 * Gives every index of an open store the layout of version 5: an array
 * starting with its capacity, its word giving the array's offset. The store
 * is then, for its next opener, a version 5 file.
 */
static void make_version5(bh_store *st)
{
    struct bh_region *r = region_of(st);

    for (unsigned s = 0; s < r->nstripes; s++) {
        uint64_t w = atomic_load(&r->stripes[s].index);
        struct bh_index v = {0, NULL};
        if (!w)
            continue;
        bh_stripe_lock(r, s);
        ck_assert_ptr_nonnull(bh_index_view(r, w, &v));
        uint64_t size = 8 + v.cap * 8;
        uint64_t off = size > bh_page_size(r) ? bh_run_alloc_locked(r, s, size)
                                              : bh_block_alloc_locked(r, s, size);
        ck_assert_uint_ne(off, 0);
        *(uint64_t *)bh_at(r, off) = v.cap;
        memcpy((char *)bh_at(r, off) + 8, v.slots, v.cap * 8);
        atomic_store(&r->stripes[s].index, bh_ixw_make(off, v.cap));
        bh_block_free_locked(r, s, bh_ixw_off(w));
        bh_stripe_unlock(r, s);
    }
    r->hdr->version = 5;
}

static void check_keys(bh_shared *m, int n)
{
    for (int i = 0; i < n; i++) {
        char k[32];
        int64_t v = -1;
        snprintf(k, sizeof k, "k%d", i);
        ck_assert_int_eq(bh_shared_get_int(m, k, &v), BH_OK);
        ck_assert_int_eq(v, i);
    }
}

static void put_keys(bh_shared *m, int from, int to)
{
    for (int i = from; i < to; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i);
        ck_assert_int_eq(bh_shared_set_int(m, k, i), BH_OK);
    }
}

/* A version 5 file is refused, with BH_EVERSION, to a reader (it cannot
 * upgrade it) and to an opener that is not alone (the other may be an
 * older bothive); its first opener alone upgrades it, keeping every key,
 * and its old arrays serve until rehashes replace them. */
START_TEST(version5_file_is_upgraded)
{
    char *path = bh_test_tmppath("v5"), url[512];
    bh_store_options ro = {.flags = BH_STORE_READONLY};
    bh_store *st, *other;
    bh_shared *m;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    put_keys(m, 0, UPGRADE_KEYS);
    make_version5(st);
    ck_assert_int_eq(bh_store_open(&other, url, NULL), BH_EVERSION);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(NULL), "version 5"));
    bh_shared_close(m);
    bh_store_close(st);
    ck_assert_int_eq(bh_store_open(&other, url, &ro), BH_EVERSION);

    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    struct bh_region *r = region_of(st);
    ck_assert_uint_eq(r->hdr->version, BH_FORMAT_VERSION);
    unsigned legacy = 0;
    for (unsigned s = 0; s < r->nstripes; s++)
        legacy += (atomic_load(&r->stripes[s].index) & BH_IXW_LEGACY) != 0;
    ck_assert_uint_eq(legacy, r->nstripes);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    check_keys(m, UPGRADE_KEYS);
    put_keys(m, UPGRADE_KEYS, 4 * UPGRADE_KEYS); /* every stripe rehashes */
    check_keys(m, 4 * UPGRADE_KEYS);
    for (unsigned s = 0; s < r->nstripes; s++)
        ck_assert_uint_eq(atomic_load(&r->stripes[s].index) & BH_IXW_LEGACY, 0);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);

    ck_assert_int_eq(bh_store_open(&st, url, &ro), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    check_keys(m, 4 * UPGRADE_KEYS);
    bh_shared_close(m);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

/* A newer format than this bothive's is refused with BH_EVERSION. */
START_TEST(newer_version_is_refused)
{
    char *path = bh_test_tmppath("v7"), url[512];
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    region_of(st)->hdr->version = BH_FORMAT_VERSION + 1;
    bh_store_close(st);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_EVERSION);
    ck_assert_ptr_nonnull(strstr(bh_store_errmsg(NULL), "format version"));
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stripe");
    TCase *tc = tcase_create("recovery");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, empty_stripe_slab_is_reclaimed);
    tcase_add_test(tc, empty_stripe_run_is_reclaimed);
    tcase_add_test(tc, lock_free_killed_after_the_slot);
    tcase_add_test(tc, lock_free_killed_after_the_block);
    tcase_add_test(tc, lock_freed_while_still_kept);
    tcase_add_test(tc, lock_release_killed_before_settling);
    tcase_add_test(tc, lock_release_killed_before_settling_then_reopened);
    tcase_add_test(tc, live_count_is_rebuilt);
    suite_add_tcase(s, tc);
    tc = tcase_create("slab");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, size_class_is_the_smallest_that_fits);
    tcase_add_test(tc, slab_shapes_waste_little);
    tcase_add_test(tc, emptied_slabs_go_back);
    tcase_add_test(tc, large_index_is_a_run);
    tcase_add_test(tc, geometry_follows_capacity);
    suite_add_tcase(s, tc);
    tc = tcase_create("version");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, version5_file_is_upgraded);
    tcase_add_test(tc, newer_version_is_refused);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
