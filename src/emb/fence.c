/*
 * Fences of data keys (bh_shared_put_fenced) in the embedded store.
 *
 * A key's fence is an entry of its own, of type BH_T_FENCE, with the key's
 * name in the fence namespace: a plain put, a delete or an expiry of the
 * value leave it, and bh_shared_clear drops it with the keys. It hashes to
 * a stripe of its own, which may differ from the key's: a fenced put holds
 * both, taken in stripe order (no other operation holds two stripes, so
 * the order cannot deadlock). The check, the value and the raised fence
 * are published under both locks, so no process sees one without the
 * other; a writer killed between the value and the fence leaves the fence
 * lower, which only a writer with a fence between the two could use.
 */
#include "emb.h"

void bh_fence_find(bh_shared *m, const char *key, size_t klen, struct bh_fence *f)
{
    struct bh_region *r = bh_emb_region(m);

    bh_key_init(&f->k, bh_emb_shared_of(m)->memory_no, BH_NS_FENCE, key, klen);
    f->s = bh_key_stripe(r, &f->k);
    f->e = NULL;
    f->off = 0;
}

/* The caller holds f->s. */
int bh_fence_check_locked(struct bh_region *r, struct bh_fence *f, uint64_t fence)
{
    uint64_t stored;

    f->e = NULL;
    if (bh_index_find_locked(r, f->s, &f->k, &f->e) < 0)
        return BH_OK;
    memcpy(&stored, bh_entry_value(f->e), 8);
    return fence < stored ? BH_EFENCED : BH_OK;
}

/* A new fence's entry, made and given its index room before the value is
 * written, so that no failure comes after it. */
int bh_fence_reserve_locked(struct bh_region *r, struct bh_fence *f)
{
    if (f->e)
        return BH_OK;
    if (!(f->off = bh_entry_new_locked(r, f->s, &f->k, BH_T_FENCE, 8, 0)))
        return BH_ENOSPC;
    if (bh_index_reserve_locked(r, f->s) != BH_OK) {
        bh_fence_drop_locked(r, f);
        return BH_ENOSPC;
    }
    return BH_OK;
}

/* Frees a reserved entry that was not published. */
void bh_fence_drop_locked(struct bh_region *r, struct bh_fence *f)
{
    if (f->off)
        bh_block_free_locked(r, f->s, f->off);
    f->off = 0;
}

/* Raises the fence to fence: one aligned store into the entry that was
 * there, or the reserved one published. */
void bh_fence_publish_locked(struct bh_region *r, struct bh_fence *f, uint64_t fence)
{
    if (f->e) {
        __atomic_store_n((uint64_t *)bh_entry_value(f->e), fence, __ATOMIC_RELEASE);
        return;
    }
    memcpy(bh_entry_value(bh_at(r, f->off)), &fence, 8);
    bh_index_put_locked(r, f->s, &f->k, -1, f->off);
    f->off = 0;
}
