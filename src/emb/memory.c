/*
 * Memories: the directory that names them, and the per-stripe key counts
 * that make len() cheap.
 *
 * A memory's directory record is an entry of memory 0 whose key is the
 * memory's id; it holds the memory's number, which every one of its keys
 * carries, and its preparation state. Records are never removed, so a
 * bh_shared handle may keep the record's offset.
 *
 * Key counts are records too, one per memory and stripe, always in that
 * stripe (whatever their hash says), so that each is changed only under its
 * own stripe's lock and is rebuilt with the stripe after a crash. A count
 * record is created before the first key of its memory is published in the
 * stripe, so a key is never without one.
 */
#include <stdlib.h>

#include "base/grow.h"
#include "region.h"

static void count_key(struct bh_key *k, char buf[8], uint32_t memory_no, unsigned s)
{
    uint32_t stripe = s;
    memcpy(buf, &memory_no, 4);
    memcpy(buf + 4, &stripe, 4);
    bh_key_init(k, memory_no, BH_NS_COUNT, buf, 8);
}

static _Atomic int64_t *count_value(struct bh_region *r, uint64_t off)
{
    return (_Atomic int64_t *)bh_entry_value(bh_at(r, off));
}

static uint64_t count_find_locked(struct bh_region *r, unsigned s, uint32_t memory_no,
                                  uint64_t *cache)
{
    struct bh_key k;
    struct bh_entry *e;
    char buf[8];

    if (cache && cache[s])
        return cache[s];
    count_key(&k, buf, memory_no, s);
    if (bh_index_find_locked(r, s, &k, &e) < 0)
        return 0;
    if (cache)
        cache[s] = bh_off(r, e);
    return bh_off(r, e);
}

int bh_count_adjust_locked(struct bh_region *r, unsigned s, uint32_t memory_no,
                           int64_t delta, uint64_t *cache)
{
    uint64_t off = count_find_locked(r, s, memory_no, cache);

    if (!off) {
        struct bh_key k;
        char buf[8];

        count_key(&k, buf, memory_no, s);
        off = bh_entry_new_locked(r, s, &k, BH_T_COUNT, 8, 0);
        if (!off)
            return BH_ENOSPC;
        atomic_store(count_value(r, off), 0);
        if (bh_index_reserve_locked(r, s) != BH_OK) {
            bh_block_free_locked(r, s, off);
            return BH_ENOSPC;
        }
        bh_index_put_locked(r, s, &k, -1, off);
        if (cache)
            cache[s] = off;
    }
    if (delta)
        atomic_fetch_add_explicit(count_value(r, off), delta, memory_order_relaxed);
    return BH_OK;
}

uint64_t bh_count_get_locked(struct bh_region *r, unsigned s, uint32_t memory_no,
                             uint64_t *cache)
{
    uint64_t off = count_find_locked(r, s, memory_no, cache);
    int64_t n = off ? atomic_load(count_value(r, off)) : 0;
    return n > 0 ? (uint64_t)n : 0;
}

static struct bh_memrec *memrec_of(struct bh_entry *e)
{
    return (struct bh_memrec *)bh_entry_value(e);
}

int bh_memory_find(struct bh_region *r, const char *id, uint32_t *memory_no, uint64_t *rec_off)
{
    struct bh_key k;
    struct bh_entry *e;
    unsigned s;
    int rc = BH_ENOTFOUND;

    bh_key_init(&k, 0, BH_NS_DIR, id, strlen(id));
    s = bh_key_stripe(r, &k);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) >= 0 && e->vlen >= sizeof(struct bh_memrec)) {
        *memory_no = memrec_of(e)->memory_no;
        *rec_off = bh_off(r, e);
        rc = BH_OK;
    }
    bh_stripe_unlock(r, s);
    return rc;
}

static int list_add(char ***ids, size_t *n, size_t *cap, const char *key, size_t len)
{
    char **p = bh_grow(*ids, cap, *n + 1, sizeof *p, 16);
    if (!p)
        return BH_ENOMEM;
    *ids = p;
    if (!((*ids)[*n] = strndup(key, len)))
        return BH_ENOMEM;
    (*n)++;
    return BH_OK;
}

/* Walks every stripe's directory records, one stripe lock at a time. */
int bh_memory_list(struct bh_region *r, char ***ids, size_t *n)
{
    size_t cap = 0;
    int rc = BH_OK;

    for (unsigned s = 0; s < r->nstripes && rc == BH_OK; s++) {
        bh_stripe_lock(r, s);
        struct bh_index v, *ix = bh_stripe_index(r, s, &v);
        for (uint64_t i = 0; ix && i < ix->cap && rc == BH_OK; i++) {
            struct bh_entry *e = bh_slot_entry(r, s, ix->slots[i]);
            if (e && e->type == BH_T_MEMREC)
                rc = list_add(ids, n, &cap, e->key, e->klen);
        }
        bh_stripe_unlock(r, s);
    }
    if (rc != BH_OK) {
        bh_store_memories_free(*ids, *n);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

/*
 * Finds the memory named id, creating it if needed. The record is fully
 * built (number, state, mutex) before the one store that publishes it.
 */
int bh_memory_open(struct bh_region *r, const char *id, uint32_t *memory_no, uint64_t *rec_off)
{
    struct bh_key k;
    struct bh_entry *e;
    uint64_t off;
    unsigned s;
    int rc = BH_OK;

    bh_key_init(&k, 0, BH_NS_DIR, id, strlen(id));
    s = bh_key_stripe(r, &k);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) >= 0) {
        off = bh_off(r, e);
        goto done;
    }
    off = bh_entry_new_locked(r, s, &k, BH_T_MEMREC, sizeof(struct bh_memrec), 0);
    if (!off) {
        rc = BH_ENOSPC;
        goto out;
    }
    e = bh_at(r, off);
    memrec_of(e)->memory_no = (uint32_t)atomic_fetch_add(&r->hdr->next_memory_no, 1);
    atomic_store(&memrec_of(e)->state, BH_PREP_NONE);
    if ((rc = bh_mutex_init(&memrec_of(e)->prep)) != BH_OK ||
        (rc = bh_index_reserve_locked(r, s)) != BH_OK) {
        bh_block_free_locked(r, s, off);
        goto out;
    }
    bh_index_put_locked(r, s, &k, -1, off);
    atomic_fetch_add(&r->hdr->memories, 1);
done:
    *memory_no = memrec_of(bh_at(r, off))->memory_no;
    *rec_off = off;
out:
    bh_stripe_unlock(r, s);
    return rc;
}
