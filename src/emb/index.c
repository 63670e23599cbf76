/*
 * A stripe's hash index: open addressing with linear probing over an array
 * of slots, each an entry offset with 16 bits of the key's hash on top, so
 * that most probes never touch an entry.
 *
 * Every change a reader could see is one aligned 8-byte store: a slot (put,
 * replace, remove) or the stripe's index word (rehash, after the new array was
 * built off to the side). A process killed at any instant therefore leaves
 * the index valid: either the old or the new state, plus an unreachable
 * block that recovery's sweep frees. Caller holds the stripe everywhere here.
 */
#include "region.h"

#define BH_INDEX_MIN 16u

static inline void slot_store(uint64_t *slot, uint64_t v)
{
    __atomic_store_n(slot, v, __ATOMIC_RELEASE);
}

/* Counters that follow the kind of entry a slot gains or loses. */
static void count_entry(struct bh_stripe *st, const struct bh_entry *e, int delta)
{
    st->used += delta;
    if (bh_type_ns(e->type) == BH_NS_DATA)
        st->keys += delta;
    else if (e->type == BH_T_LOCK)
        st->locks += delta;
    if (e->expires_ms) {
        st->ttl_entries += delta;
        if (delta > 0 && (st->next_expiry_ms == 0 || e->expires_ms < st->next_expiry_ms))
            st->next_expiry_ms = e->expires_ms;
    }
}

/* Places every live slot of old into the empty array nw. */
static void index_copy(struct bh_region *r, const struct bh_index *old, struct bh_index *nw)
{
    uint64_t mask = nw->cap - 1;

    for (uint64_t j = 0; old && j < old->cap; j++) {
        uint64_t slot = old->slots[j];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        const struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        uint64_t i = e->hash & mask;
        while (nw->slots[i] != BH_SLOT_EMPTY)
            i = (i + 1) & mask;
        nw->slots[i] = slot;
    }
}

/* A stripe has one index (two while it rehashes): one larger than a page
 * gets pages of its own rather than one block of a slab of four. An array
 * is its slots alone (region.h), so one of a page or more fills its run. */
static uint64_t index_alloc_locked(struct bh_region *r, unsigned s, uint64_t cap)
{
    uint64_t size = cap * 8;

    if (size > bh_page_size(r))
        return bh_run_alloc_locked(r, s, size);
    return bh_block_alloc_locked(r, s, size);
}

static int index_rehash_locked(struct bh_region *r, unsigned s, uint64_t cap)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t oldw = atomic_load_explicit(&st->index, memory_order_relaxed);
    struct bh_index ov, *old = bh_index_view(r, oldw, &ov);
    uint64_t off = index_alloc_locked(r, s, cap);
    struct bh_index nv, *nw;

    if (!off)
        return BH_ENOSPC;
    nw = bh_index_view(r, bh_ixw_make(off, cap), &nv);
    memset(nw->slots, 0, cap * 8);
    index_copy(r, old, nw);
    st->op = (struct bh_oprec){.op = BH_OP_REHASH,
                               .old_off = old ? bh_ixw_block(oldw) : 0,
                               .new_off = off};
    atomic_store_explicit(&st->index, bh_ixw_make(off, cap), memory_order_release);
    if (old)
        bh_block_free_locked(r, s, bh_ixw_block(oldw));
    st->tombs = 0;
    st->op.op = BH_OP_NONE;
    return BH_OK;
}

/*
 * Keeps the load (live slots and tombstones) under 3/4: doubles when live
 * entries pass half, else rebuilds at the same size to drop tombstones. If
 * there is no room for a bigger array, a fuller table still works as long
 * as empty slots remain to end the probes.
 */
int bh_index_reserve_locked(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    uint64_t cap;

    if (!ix)
        return index_rehash_locked(r, s, BH_INDEX_MIN);
    cap = ix->cap;
    if ((st->used + st->tombs + 1) * 4 <= cap * 3)
        return BH_OK;
    if (index_rehash_locked(r, s, (st->used + 1) * 2 > cap ? cap * 2 : cap) == BH_OK)
        return BH_OK;
    return st->used + st->tombs + 2 < cap ? BH_OK : BH_ENOSPC;
}

int bh_index_put_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                        int64_t pos, uint64_t new_off)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    struct bh_entry *ne = bh_at(r, new_off);
    uint64_t slot = BH_SLOT_MAKE(new_off, bh_key_tag(k));

    if (pos >= 0) {
        uint64_t old = BH_SLOT_OFF(ix->slots[pos]);
        st->op = (struct bh_oprec){.op = BH_OP_PUT, .slot_pos = (uint64_t)pos,
                                   .old_off = old, .new_off = new_off};
        slot_store(&ix->slots[pos], slot);
        count_entry(st, bh_at(r, old), -1);
        count_entry(st, ne, +1);
        bh_block_free_locked(r, s, old);
        st->op.op = BH_OP_NONE;
        return BH_OK;
    }
    uint64_t mask = ix->cap - 1, i = (uint32_t)k->hash & mask;
    while (ix->slots[i] != BH_SLOT_EMPTY && ix->slots[i] != BH_SLOT_TOMB)
        i = (i + 1) & mask;
    st->op = (struct bh_oprec){.op = BH_OP_PUT, .slot_pos = i, .new_off = new_off};
    if (ix->slots[i] == BH_SLOT_TOMB)
        st->tombs--;
    slot_store(&ix->slots[i], slot);
    count_entry(st, ne, +1);
    st->op.op = BH_OP_NONE;
    return BH_OK;
}

/* A removed slot can go back to empty when the next one is empty: no probe
 * sequence runs through it to reach a later slot. */
void bh_index_remove_locked(struct bh_region *r, unsigned s, int64_t pos)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    uint64_t old = BH_SLOT_OFF(ix->slots[pos]);
    int empty_next = ix->slots[(pos + 1) & (ix->cap - 1)] == BH_SLOT_EMPTY;

    st->op = (struct bh_oprec){.op = BH_OP_DEL, .slot_pos = (uint64_t)pos, .old_off = old};
    slot_store(&ix->slots[pos], empty_next ? BH_SLOT_EMPTY : BH_SLOT_TOMB);
    if (!empty_next)
        st->tombs++;
    count_entry(st, bh_at(r, old), -1);
    bh_block_free_locked(r, s, old);
    st->op.op = BH_OP_NONE;
}

/*
 * Removes expired keys of every memory in the stripe, once the earliest
 * expiry has passed. Walks the whole stripe, but only when something is due,
 * and then sets next_expiry_ms to the next deadline.
 */
void bh_index_purge_locked(struct bh_region *r, unsigned s, int64_t now)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    int64_t next = 0;

    if (!ix || st->ttl_entries == 0 || now < st->next_expiry_ms)
        return;
    for (uint64_t i = 0; i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        if (!e->expires_ms)
            continue;
        if (bh_entry_expired(e, now)) {
            uint32_t mno = e->memory_no;
            /* Removal moves no other entry, so the walk goes on from i. */
            bh_index_remove_locked(r, s, (int64_t)i);
            bh_count_adjust_locked(r, s, mno, -1, NULL);
        } else if (next == 0 || e->expires_ms < next) {
            next = e->expires_ms;
        }
    }
    st->next_expiry_ms = next;
}
