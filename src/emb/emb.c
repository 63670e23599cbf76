/*
 * The embedded backend: key operations on a mapped region.
 *
 * Each write hashes its key to one stripe, takes that stripe's lock
 * (repairing the stripe first if its last holder died), works, and lets go;
 * reads try first without the lock (read.c).
 * A write builds its new entry off to the side and publishes it with one
 * aligned store (index.c); integers and other 8-byte scalars of the same
 * type are updated in place, also with one aligned store, and strings that
 * fit the old one's block are rewritten in place, the new value saved first
 * in the stripe's undo block for recovery to finish (undo.c). A full store
 * fails the write before anything visible changed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bothive/log.h"

#include "emb.h"
#include "undo.h"

/* A located key: its stripe, slot and entry, expired entries removed. */
struct bh_loc {
    struct bh_key k;
    unsigned s;
    int64_t pos;
    struct bh_entry *e;
};

static void remove_locked(bh_shared *m, struct bh_loc *l)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);

    bh_index_remove_locked(r, l->s, l->pos);
    bh_count_adjust_locked(r, l->s, ms->memory_no, -1, ms->counts);
}

/* The part of locate for a stripe with expiring entries. */
static void locate_expired(bh_shared *m, struct bh_loc *l)
{
    struct bh_region *r = bh_emb_region(m);
    int64_t now = bh_clock_wall_coarse_ms();

    if (r->readonly) {
        if (l->pos >= 0 && bh_entry_expired(l->e, now))
            l->pos = -1;
        return;
    }
    if (l->pos >= 0 && bh_entry_expired(l->e, now)) {
        remove_locked(m, l);
        l->pos = -1;
        l->e = NULL;
    }
    /* Removal never moves other entries, so l->pos stays valid. */
    bh_index_purge_locked(r, l->s, now);
}

/*
 * Takes the key's stripe and finds the key. An expired entry found on the
 * way is removed (its space reclaimed) and reported absent; other due
 * expiries of the stripe are purged when the stripe's earliest one passed.
 * With rw (a constant: this is inlined), the region is known writable.
 */
static inline __attribute__((always_inline)) void
locate(bh_shared *m, int ns, const char *key, size_t klen, struct bh_loc *l, int rw)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);

    bh_key_init(&l->k, ms->memory_no, ns, key, klen);
    l->s = bh_key_stripe(r, &l->k);
    l->e = NULL;
    if (rw) {
        bh_stripe_lock_rw(r, l->s);
        l->pos = bh_index_find_ro(r, l->s, &l->k, &l->e, 0);
    } else {
        bh_stripe_lock(r, l->s);
        l->pos = bh_index_find_locked(r, l->s, &l->k, &l->e);
    }
    if (r->stripes[l->s].ttl_entries != 0)
        locate_expired(m, l);
}

static void locate_lock(bh_shared *m, int ns, const char *key, size_t klen, struct bh_loc *l)
{
    locate(m, ns, key, klen, l, 0);
}

/* For put and incr, which the store layer never lets through on a
 * read-only handle: inline, without the read-only tests. */
static inline __attribute__((always_inline)) void
locate_lock_rw(bh_shared *m, const char *key, size_t klen, struct bh_loc *l)
{
    locate(m, BH_NS_DATA, key, klen, l, 1);
}

static uint32_t value_len(const bh_value *v)
{
    switch (v->type) {
    case BH_NIL: return 0;
    case BH_BOOL: return 1;
    case BH_INT:
    case BH_DOUBLE: return 8;
    default: return (uint32_t)v->u.s.len;
    }
}

static void value_write(char *dst, const bh_value *v)
{
    unsigned char b;

    switch (v->type) {
    case BH_NIL: break;
    case BH_BOOL: b = v->u.b ? 1 : 0; memcpy(dst, &b, 1); break;
    case BH_INT: memcpy(dst, &v->u.i, 8); break;
    case BH_DOUBLE: memcpy(dst, &v->u.d, 8); break;
    default:
        if (v->u.s.len) /* an empty value may come with a NULL pointer */
            memcpy(dst, v->u.s.data, v->u.s.len);
        break;
    }
}

static int value_read(struct bh_entry *e, bh_value *out)
{
    return bh_value_copy_out((bh_type)e->type, bh_entry_value(e), e->vlen, out);
}

static int entry_equals(struct bh_entry *e, const bh_value *v)
{
    char buf[8];

    if (e->type != v->type || e->vlen != value_len(v))
        return 0;
    if (v->type == BH_STR || v->type == BH_BYTES || v->type == BH_JSON)
        return e->vlen == 0 || memcmp(bh_entry_value(e), v->u.s.data, e->vlen) == 0;
    value_write(buf, v);
    return memcmp(bh_entry_value(e), buf, e->vlen) == 0;
}

/*
 * An 8-byte scalar replacing one of its own type, or a string, bytes or
 * JSON value of 1 to 8 bytes replacing one of its type and length, with the
 * same expiry, is one aligned store into the published entry: a reader sees
 * the old word or the new one, and a writer killed at any instant leaves one
 * of them. The value starts 8-aligned (header and padded key are multiples
 * of 8) and blocks are multiples of 16 bytes, so the word lies inside the
 * entry's block. Here rather than in undo.c: inline in every write, this is
 * a few instructions where the call to the rewrite cost a fifth of one.
 */
static inline int store_in_place(struct bh_entry *e, const bh_value *v, int64_t expires)
{
    uint64_t word = 0;

    if (e->type != v->type || e->expires_ms != expires)
        return 0;
    if (v->type == BH_INT || v->type == BH_DOUBLE) {
        memcpy(&word, v->type == BH_INT ? (const void *)&v->u.i : (const void *)&v->u.d, 8);
    } else if (v->type >= BH_STR && v->u.s.len - 1 < 8 && e->vlen == v->u.s.len) {
        if (v->u.s.len == 8)
            memcpy(&word, v->u.s.data, 8);
        else /* byte by byte: a variable-length memcpy is a call */
            for (size_t j = 0; j < v->u.s.len; j++)
                word |= (uint64_t)((const unsigned char *)v->u.s.data)[j] << (8 * j);
    } else {
        return 0;
    }
    __atomic_store_n((uint64_t *)(void *)bh_entry_value(e), word, __ATOMIC_RELEASE);
    return 1;
}

/*
 * Publishes a new entry for v at the located key (replacing l->e if
 * present). The count record is made sure of, the entry allocated and the
 * index given room before the publishing store, so any failure leaves the
 * old value intact.
 */
static int publish_locked(bh_shared *m, struct bh_loc *l, const bh_value *v, int64_t expires)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    uint64_t off;

    if (l->pos < 0 && bh_count_adjust_locked(r, l->s, ms->memory_no, 0, ms->counts) != BH_OK)
        return BH_ENOSPC;
    off = bh_entry_new_locked(r, l->s, &l->k, (uint8_t)v->type, value_len(v), expires);
    if (!off)
        return BH_ENOSPC;
    value_write(bh_entry_value(bh_at(r, off)), v);
    if (l->pos < 0 && bh_index_reserve_locked(r, l->s) != BH_OK) {
        bh_block_free_locked(r, l->s, off);
        return BH_ENOSPC;
    }
    bh_index_put_locked(r, l->s, &l->k, l->pos, off);
    if (l->pos < 0)
        bh_count_adjust_locked(r, l->s, ms->memory_no, 1, ms->counts);
    return BH_OK;
}

/*
 * Writes v for the located key: in place when the old entry can take it
 * (store_in_place), by the stripe's swap block or in place under its undo
 * block (undo.c), else by publishing a new entry. Inline, because
 * replacing a value is what most writes do, and the calls cost a twentieth
 * of one.
 */
static inline __attribute__((always_inline)) int
write_locked(bh_shared *m, struct bh_loc *l, const bh_value *v, int64_t expires)
{
    struct bh_region *r = bh_emb_region(m);

    if (l->pos >= 0 && store_in_place(l->e, v, expires))
        return BH_OK;
    if (l->pos >= 0 && l->e->expires_ms == expires && v->type >= BH_STR &&
        (bh_entry_swap_locked(r, l->s, l->pos, l->e, (uint8_t)v->type, v->u.s.data,
                              value_len(v)) ||
         bh_entry_rewrite_locked(r, l->s, l->e, (uint8_t)v->type, v->u.s.data, value_len(v))))
        return BH_OK;
    return publish_locked(m, l, v, expires);
}

static int value_fits(bh_shared *m, const bh_value *v)
{
    return value_len(v) <= bh_emb_region(m)->hdr->capacity / 8;
}

static int emb_put(bh_shared *m, const char *key, size_t klen, const bh_value *v, unsigned flags,
                   int64_t ttl_ms)
{
    struct bh_region *r = bh_emb_region(m);
    int64_t expires = ttl_ms > 0 ? bh_clock_wall_coarse_ms() + ttl_ms : 0;
    struct bh_loc l;
    int rc;

    if (!value_fits(m, v))
        return BH_ETOOBIG;
    locate_lock_rw(m, key, klen, &l);
    if ((flags & BH_PUT_ADD) && l.pos >= 0)
        rc = BH_EEXISTS;
    else if ((flags & BH_PUT_REPLACE) && l.pos < 0)
        rc = BH_ENOTFOUND;
    else
        rc = write_locked(m, &l, v, expires);
    bh_stripe_unlock_rw(r, l.s);
    return rc;
}

/* The write of emb_put_fenced, with both stripes held. */
static int fenced_write_locked(bh_shared *m, struct bh_loc *l, struct bh_fence *f,
                               const bh_value *v, unsigned flags, int64_t expires,
                               uint64_t fence)
{
    struct bh_region *r = bh_emb_region(m);
    int rc = bh_fence_check_locked(r, f, fence);

    if (rc != BH_OK)
        return rc;
    if ((flags & BH_PUT_ADD) && l->pos >= 0)
        return BH_EEXISTS;
    if ((flags & BH_PUT_REPLACE) && l->pos < 0)
        return BH_ENOTFOUND;
    if ((rc = bh_fence_reserve_locked(r, f)) != BH_OK)
        return rc;
    if ((rc = write_locked(m, l, v, expires)) != BH_OK) {
        bh_fence_drop_locked(r, f);
        return rc;
    }
    bh_fence_publish_locked(r, f, fence);
    return BH_OK;
}

/*
 * A put behind the key's fence (fence.c): the key's stripe and the fence's
 * are held together, the lower-numbered first; the fence's entry is made
 * before the value is written, and raised after, so that a failure leaves
 * both as they were.
 */
static int emb_put_fenced(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                          unsigned flags, int64_t ttl_ms, uint64_t fence)
{
    struct bh_region *r = bh_emb_region(m);
    int64_t expires = ttl_ms > 0 ? bh_clock_wall_coarse_ms() + ttl_ms : 0;
    struct bh_fence f;
    struct bh_key dk;
    struct bh_loc l;
    int rc;

    if (!value_fits(m, v))
        return BH_ETOOBIG;
    bh_fence_find(m, key, klen, &f);
    bh_key_init(&dk, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, key, klen);
    unsigned ds = bh_key_stripe(r, &dk);
    if (f.s < ds)
        bh_stripe_lock(r, f.s);
    locate_lock(m, BH_NS_DATA, key, klen, &l);
    if (f.s > ds)
        bh_stripe_lock(r, f.s);
    rc = fenced_write_locked(m, &l, &f, v, flags, expires, fence);
    if (f.s != l.s)
        bh_stripe_unlock(r, f.s);
    bh_stripe_unlock(r, l.s);
    return rc;
}

/* Reads try without the stripe's lock first (read.c); the locked path is
 * for what that cannot settle: a busy or broken stripe, an expired key. */
static int read_fast(bh_shared *m, const char *key, size_t klen, bh_value *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_key k;

    bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, key, klen);
    return bh_read_lockfree(r, bh_key_stripe(r, &k), &k, out);
}

static int emb_get(bh_shared *m, const char *key, size_t klen, bh_value *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_loc l;
    int rc;

    if ((rc = read_fast(m, key, klen, out)) != BH_READ_RETRY)
        return rc;
    locate_lock(m, BH_NS_DATA, key, klen, &l);
    rc = l.pos >= 0 ? value_read(l.e, out) : BH_ENOTFOUND;
    bh_stripe_unlock(r, l.s);
    return rc;
}

static int emb_incr(bh_shared *m, const char *key, size_t klen, int64_t delta, int64_t *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_loc l;
    int64_t cur = 0, next;
    int rc = BH_OK;

    locate_lock_rw(m, key, klen, &l);
    if (l.pos >= 0) {
        if (l.e->type != BH_INT) {
            rc = BH_ETYPE;
            goto out;
        }
        memcpy(&cur, bh_entry_value(l.e), 8);
    }
    if (__builtin_add_overflow(cur, delta, &next)) {
        rc = BH_EOVERFLOW;
        goto out;
    }
    if (l.pos >= 0) {
        __atomic_store_n((int64_t *)bh_entry_value(l.e), next, __ATOMIC_RELEASE);
    } else {
        bh_value v = bh_value_int(next);
        rc = write_locked(m, &l, &v, 0);
    }
    if (rc == BH_OK && out)
        *out = next;
out:
    bh_stripe_unlock_rw(r, l.s);
    return rc;
}

static int emb_cas(bh_shared *m, const char *key, size_t klen, const bh_value *expected,
                   const bh_value *desired)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_loc l;
    int rc = BH_OK;

    if (desired && !value_fits(m, desired))
        return BH_ETOOBIG;
    locate_lock(m, BH_NS_DATA, key, klen, &l);
    if (!expected && l.pos >= 0)
        rc = BH_ECONFLICT;
    else if (expected && l.pos < 0)
        rc = BH_ENOTFOUND;
    else if (expected && !entry_equals(l.e, expected))
        rc = BH_ECONFLICT;
    else if (desired)
        rc = write_locked(m, &l, desired, l.pos >= 0 ? l.e->expires_ms : 0);
    else if (l.pos >= 0)
        remove_locked(m, &l);
    bh_stripe_unlock(r, l.s);
    return rc;
}

static int emb_pop(bh_shared *m, const char *key, size_t klen, bh_value *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_loc l;
    int rc = BH_OK;

    locate_lock(m, BH_NS_DATA, key, klen, &l);
    if (l.pos < 0)
        rc = BH_ENOTFOUND;
    else if (out && (rc = value_read(l.e, out)) != BH_OK)
        ; /* out of memory: keep the key rather than lose its value */
    else
        remove_locked(m, &l);
    bh_stripe_unlock(r, l.s);
    return rc;
}

static int emb_contains(bh_shared *m, const char *key, size_t klen)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_loc l;
    int rc = read_fast(m, key, klen, NULL);

    if (rc != BH_READ_RETRY)
        return rc == BH_OK;

    locate_lock(m, BH_NS_DATA, key, klen, &l);
    bh_stripe_unlock(r, l.s);
    return l.pos >= 0;
}

/* Sums the memory's count in every stripe, purging due expiries first so
 * that expired keys are not counted. */
static int emb_len(bh_shared *m, size_t *out)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    int64_t now = bh_clock_wall_coarse_ms();
    uint64_t n = 0;

    for (unsigned s = 0; s < r->nstripes; s++) {
        bh_stripe_lock(r, s);
        if (!r->readonly)
            bh_index_purge_locked(r, s, now);
        n += bh_count_get_locked(r, s, ms->memory_no, ms->counts);
        bh_stripe_unlock(r, s);
    }
    *out = (size_t)n;
    return BH_OK;
}

/* Removes every data entry of the memory, and their fences, one stripe at
 * a time. */
static int emb_clear(bh_shared *m)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);

    for (unsigned s = 0; s < r->nstripes; s++) {
        bh_stripe_lock(r, s);
        struct bh_index v, *ix = bh_stripe_index(r, s, &v);
        for (uint64_t i = 0; ix && i < ix->cap; i++) {
            struct bh_entry *e = bh_slot_entry(r, s, ix->slots[i]);
            if (e && e->memory_no == ms->memory_no && bh_type_ns(e->type) == BH_NS_DATA) {
                bh_index_remove_locked(r, s, (int64_t)i);
                bh_count_adjust_locked(r, s, ms->memory_no, -1, ms->counts);
            } else if (e && e->memory_no == ms->memory_no && e->type == BH_T_FENCE) {
                bh_index_remove_locked(r, s, (int64_t)i); /* fence.c */
            }
        }
        bh_stripe_unlock(r, s);
    }
    return BH_OK;
}

/* ---- Store-level operations ---- */

static int emb_shared_open(bh_store *st, const char *id, bh_shared **out)
{
    struct bh_emb *es = (struct bh_emb *)st;
    struct bh_emb_shared *ms = calloc(1, sizeof *ms);
    int rc;

    if (!ms || !(ms->base.id = strdup(id))) {
        free(ms);
        return BH_ENOMEM;
    }
    ms->base.st = st;
    ms->st = es;
    rc = es->r.readonly ? bh_memory_find(&es->r, id, &ms->memory_no, &ms->rec_off)
                        : bh_memory_open(&es->r, id, &ms->memory_no, &ms->rec_off);
    if (rc != BH_OK) {
        free(ms->base.id);
        free(ms);
        return rc;
    }
    *out = &ms->base;
    return BH_OK;
}

/* Locks still held through the handle are released: the handle is the only
 * record of them in this process. */
static void emb_shared_close(bh_shared *m)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);

    bh_emb_lock_release_all(m);
    for (size_t i = 0; i < ms->held_cap; i++)
        free(ms->held[i].name);
    free(ms->held);
    free(m->id);
    free(m);
}

/*
 * Free is the heap's free pages: every write can use them, whatever its
 * stripe and size. Room left in a stripe's partly used slabs is not counted:
 * only writes of that stripe and size class could use it.
 */
static int emb_stats(bh_store *st, struct bh_store_stats *out)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    struct bh_header *h = r->hdr;
    uint64_t bytes = 0;

    for (unsigned s = 0; s < r->nstripes; s++) {
        const struct bh_stripe *sp = &r->stripes[s];
        bytes += __atomic_load_n(&sp->bytes, __ATOMIC_RELAXED);
        out->keys += __atomic_load_n(&sp->keys, __ATOMIC_RELAXED);
        out->locks += __atomic_load_n(&sp->locks, __ATOMIC_RELAXED);
    }
    out->capacity = h->capacity;
    out->used = bytes;
    uint64_t pages_used = atomic_load(&h->pages_used);
    out->free = h->npages > pages_used ? (h->npages - pages_used) << r->page_shift : 0;
    out->memories = atomic_load(&h->memories);
    out->recoveries = atomic_load(&h->recoveries);
    out->generation = atomic_load(&h->generation);
    return BH_OK;
}

/* Whether page map word w at page p is sound: a head has an owner stripe
 * of this store, a continuation points back at a head whose run covers p. */
static int pagemap_word_ok(struct bh_region *r, uint64_t p, uint32_t w)
{
    uint64_t back = BH_PM_PAYLOAD(w);
    uint32_t head;

    if (BH_PM_KIND(w) != BH_PM_CONT)
        return BH_PM_STRIPE(w) < r->nstripes;
    if (back == 0 || back > p)
        return 0;
    head = atomic_load(&r->pagemap[p - back]);
    return (BH_PM_KIND(head) == BH_PM_SLAB || BH_PM_KIND(head) == BH_PM_RUN) &&
           bh_pages_span(r, head) > back;
}

/* Checks one stripe at a time (never all locks at once), then the page map. */
static int emb_check(bh_store *st)
{
    struct bh_region *r = &((struct bh_emb *)st)->r;
    uint64_t used = 0;
    int rc = BH_OK;

    if (r->readonly) /* without the locks, writers would look like damage */
        return bh_store_fail(st, BH_EREADONLY, "check needs the store's locks: open it writable");

    for (unsigned s = 0; s < r->nstripes && rc == BH_OK; s++) {
        bh_stripe_lock(r, s);
        rc = bh_stripe_check_locked(r, s, st->errmsg, sizeof st->errmsg);
        bh_stripe_unlock(r, s);
    }
    if (rc != BH_OK)
        return rc;
    bh_pages_lock(r);
    for (uint64_t p = 0; p < r->hdr->npages && rc == BH_OK; p++) {
        uint32_t w = atomic_load(&r->pagemap[p]);
        if (w == BH_PM_FREE)
            continue;
        used++;
        if (!pagemap_word_ok(r, p, w))
            rc = bh_store_fail(st, BH_ECORRUPT, "page %llu: bad page map word %#x",
                               (unsigned long long)p, w);
    }
    if (rc == BH_OK && used != atomic_load(&r->hdr->pages_used))
        rc = bh_store_fail(st, BH_ECORRUPT, "page map: %llu pages in use, counter says %llu",
                           (unsigned long long)used,
                           (unsigned long long)atomic_load(&r->hdr->pages_used));
    bh_pages_unlock(r);
    return rc;
}

static int emb_sync(bh_store *st)
{
    struct bh_emb *es = (struct bh_emb *)st;

    if (es->fd < 0)
        return BH_OK;
    if (msync(es->r.base, es->r.size, MS_SYNC) < 0 || fsync(es->fd) < 0)
        return bh_store_fail(st, BH_EIO, "sync: %s", strerror(errno));
    return BH_OK;
}

static void emb_close(bh_store *st)
{
    struct bh_emb *es = (struct bh_emb *)st;

    bh_region_close(es);
    free(es->path);
    free(es);
}

static int emb_memories(bh_store *st, char ***ids, size_t *n)
{
    return bh_memory_list(&((struct bh_emb *)st)->r, ids, n);
}

static const struct bh_store_ops bh_emb_ops = {
    .memories = emb_memories,
    .close = emb_close,
    .stats = emb_stats,
    .check = emb_check,
    .sync = emb_sync,
    .shared_open = emb_shared_open,
    .shared_close = emb_shared_close,
    .put = emb_put,
    .put_fenced = emb_put_fenced,
    .get = emb_get,
    .incr = emb_incr,
    .cas = emb_cas,
    .pop = emb_pop,
    .contains = emb_contains,
    .len = emb_len,
    .clear = emb_clear,
    .cursor_open = bh_emb_cursor_open,
    .cursor_next = bh_emb_cursor_next,
    .cursor_close = bh_emb_cursor_close,
    .lock_acquire = bh_emb_lock_acquire,
    .lock_release = bh_emb_lock_release,
    .lock_held = bh_emb_lock_held,
    .lock_fence = bh_emb_lock_fence,
    .lock_release_all = bh_emb_lock_release_all,
    .prepare = bh_emb_prepare,
    .prepared = bh_emb_prepared,
    .prepare_timed = bh_emb_prepare_timed,
};

static int emb_open(bh_store **out, const char *path, const bh_store_options *opt)
{
    struct bh_emb *es = calloc(1, sizeof *es);
    size_t capacity = opt && opt->capacity ? opt->capacity : BH_CAPACITY_DEFAULT;
    int rc;

    if (!es)
        return BH_ENOMEM;
    es->base.ops = &bh_emb_ops;
    es->base.readonly = opt && (opt->flags & BH_STORE_READONLY);
    es->r.readonly = es->base.readonly;
    if (path && !(es->path = strdup(path))) {
        free(es);
        return BH_ENOMEM;
    }
    if ((rc = bh_region_open(es, path, capacity)) != BH_OK) {
        bh_store_fail(NULL, rc, "cannot open %s: %s", path ? path : "mem:",
                      es->base.errmsg[0] ? es->base.errmsg : bh_strerror(rc));
        free(es->path);
        free(es);
        return rc;
    }
    *out = &es->base;
    return BH_OK;
}

/* mem: is private to this process and its children: nobody else can open
 * it, so opening it read-only could only ever give an empty store. */
static int emb_open_mem(bh_store **out, const char *url, const bh_store_options *opt)
{
    if (strcmp(url, "mem:") || (opt && (opt->flags & BH_STORE_READONLY)))
        return BH_EINVAL;
    return emb_open(out, NULL, opt);
}

static int emb_open_file(bh_store **out, const char *url, const bh_store_options *opt)
{
    const char *path = url + strlen("file:");

    return *path ? emb_open(out, path, opt) : BH_EINVAL;
}

static const struct bh_store_scheme emb_mem_scheme = {"mem:", emb_open_mem};
static const struct bh_store_scheme emb_file_scheme = {"file:", emb_open_file};

__attribute__((constructor)) static void emb_register(void)
{
    bh_store_register(&emb_mem_scheme);
    bh_store_register(&emb_file_scheme);
}
