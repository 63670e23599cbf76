/*
 * Rewrites of string, bytes and JSON values (undo.c): by the stripe's swap
 * block, or in place under its undo block. Private to src/emb/; the callers
 * hold the stripe.
 */
#ifndef BH_STORE_UNDO_H
#define BH_STORE_UNDO_H

#include "region.h"

/* Values up to this size are rewritten (by swap, or in place when they fit
 * their block) rather than published as a new entry. */
#define BH_UNDO_BYTES 512u

/* A stripe's swap word: the block's offset, with below the top byte a size
 * class no larger than the block's own (the entry it held fitted that
 * class: a block rewritten in place with a shorter value may be larger). */
#define BH_SWAP_SHIFT 56
#define BH_SWAP_OFF(w) ((w) & (((uint64_t)1 << BH_SWAP_SHIFT) - 1))
#define BH_SWAP_CLASS(w) ((unsigned)((w) >> BH_SWAP_SHIFT))
#define BH_SWAP_MAKE(off, c) ((uint64_t)(off) | (uint64_t)(c) << BH_SWAP_SHIFT)
/*
 * memcpy with a length the compiler cannot bound. Knowing len <= 512, GCC
 * expands memcpy inline as rep movsq, whose start-up cost is about as much
 * as the rest of a string write (measured: 54 against 38 ns).
 */
static inline void bh_copy(void *dst, const void *src, size_t len)
{
    __asm__("" : "+r"(len));
    memcpy(dst, src, len);
}

/* The class of the block an entry of size bytes is given (slab.c). */
static inline unsigned bh_entry_class(uint64_t size)
{
    return bh_class_of(size < 32 ? 32 : size);
}

/*
 * Which of a stripe's swap words the calling process uses: by its pid, so
 * that two processes writing their own keys each reuse the blocks of their
 * own writes, in their own core's cache. With one swap block per stripe the
 * block went back and forth between the processes, three cache lines moved
 * between cores on every write (two processes writing 100-byte strings on
 * their own keys: 95 -> 113-124 ns per write).
 */
static inline unsigned bh_swap_slot(void)
{
    return (unsigned)bh_proc_pid() & (BH_NSWAP - 1);
}

/*
 * The swap is used only in a stripe whose index has at least 2^this slots.
 * Each swap stores a slot, and slots of different keys share cache lines:
 * while the index is small enough to stay in the caches, two processes
 * writing their own keys would pass its lines back and forth on every
 * write, which an in-place rewrite (writing the entry and the undo block)
 * does not. Measured, 100-byte strings, two processes on their own keys:
 * 93 -> 117 ns per write at 1K keys, 99 -> 129 at 10K with the swap. In a
 * large index every write misses on its slot's line anyway, and the swap
 * is faster for one process and for two (1M keys: 349 -> 301 and 382 ->
 * 293 ns). 2^11 slots per stripe is a store of some 60,000 keys and more
 * (64 stripes). A variable, so that tests can take the swap at any size.
 */
extern unsigned bh_swap_min_bits __attribute__((visibility("hidden")));

/* A swap block for an entry of need bytes, class c, in swap word k of a
 * stripe whose word k is empty: its offset, or 0 if the store is full. */
uint64_t bh_swap_new_locked(struct bh_region *r, unsigned s, unsigned k, unsigned c,
                            uint64_t need);

/*
 * Writes the value of the published entry e at slot pos anew, with type and
 * the len bytes at p, into the stripe's swap block, and publishes that with
 * one store of the slot; e's block becomes the swap block (1). 0 when it
 * cannot (the value is over BH_UNDO_BYTES, the stripe's index is smaller
 * than 2^bh_swap_min_bits slots, the swap block is of another class, or
 * there is none and the store is full): nothing was changed.
 *
 * The new entry takes e's header (memory, key length, hash, expiry) and its
 * key, copied as the padded words it is stored in (inside e's block), so
 * that a short key costs no call to memcpy; the slot keeps its hash tag.
 * The record says what is being done, for the log of a recovery: the index
 * and the swap word are what recovery goes by (undo.c, stripe.c). Inline,
 * as the rewrite most writes of a string are: a call cost a fifth of it.
 */
static inline __attribute__((always_inline)) int
bh_entry_swap_locked(struct bh_region *r, unsigned s, int64_t pos, struct bh_entry *e,
                     uint8_t type, const void *p, uint32_t len)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t w = atomic_load_explicit(&st->index, memory_order_relaxed);

    /* First what a small store's rewrites stop at: they are in place. */
    if (bh_ixw_bits(w) < bh_swap_min_bits || len > BH_UNDO_BYTES || e->type > BH_JSON)
        return 0;
    uint64_t need = bh_entry_size(e->klen, len), off, eoff = bh_off(r, e);
    unsigned c = bh_entry_class(need), ce, k = bh_swap_slot();
    uint64_t *slot;
    struct bh_entry *n;

    if (st->swap[k])
        off = BH_SWAP_CLASS(st->swap[k]) == c ? BH_SWAP_OFF(st->swap[k]) : 0;
    else
        off = bh_swap_new_locked(r, s, k, c, need);
    if (!off)
        return 0;
    /* The class e fits, no larger than its block's: most often the same. */
    ce = e->vlen == len ? c : bh_entry_class(bh_entry_size(e->klen, e->vlen));
    n = (struct bh_entry *)bh_at(r, off);
    memcpy(n, e, BH_ENTRY_HDR);
    n->type = type;
    n->vlen = len;
    for (size_t i = 0; i < e->klen; i += 8)
        memcpy(n->key + i, e->key + i, 8);
    if (len)
        bh_copy(bh_entry_value(n), p, len);
    slot = (uint64_t *)bh_at(r, bh_ixw_off(w)) + pos;
    st->op.slot_pos = (uint64_t)pos;
    st->op.old_off = eoff;
    st->op.new_off = off;
    __atomic_store_n(&st->op.op, BH_OP_PUT, __ATOMIC_RELEASE);
    __atomic_store_n(slot, BH_SLOT_MAKE(off, BH_SLOT_TAG(*slot)), __ATOMIC_RELEASE);
    if (ce < BH_NCLASSES) {
        st->swap[k] = BH_SWAP_MAKE(eoff, ce);
    } else { /* a page run of a large value: not kept for small ones */
        st->swap[k] = 0;
        bh_block_free_locked(r, s, eoff);
    }
    __atomic_store_n(&st->op.op, BH_OP_NONE, __ATOMIC_RELEASE);
    return 1;
}
/* Whether swap word k of the stripe, if set, names a block of it that holds
 * its class, and not the undo block. */
int bh_swap_valid(const struct bh_region *r, unsigned s, unsigned k);

/* Rewrites the value of the published entry e with type and the len bytes
 * at p (1), or returns 0 when it cannot be done in place (the caller then
 * publishes a new entry). */
int bh_entry_rewrite_locked(struct bh_region *r, unsigned s, struct bh_entry *e, uint8_t type,
                            const void *p, uint32_t len);
/* The first step of a rewrite: saves the len bytes at p and their type
 * in the stripe's undo block and operation record, for recovery to finish
 * the rewrite if the writer dies. 0 when the store is full (nothing done). */
int bh_undo_save_locked(struct bh_region *r, unsigned s, struct bh_entry *e, uint8_t type,
                        const void *p, uint32_t len);
/* Recovery: copies the saved value into the entry of an interrupted
 * in-place rewrite (the new value; the old one in files of a version that
 * saved that instead, which is as good: old or new, never a mix). */
void bh_undo_finish_locked(struct bh_region *r, unsigned s);
/* Whether the stripe's undo block, if any, is a block of it large enough. */
int bh_undo_valid(const struct bh_region *r, unsigned s);

#endif /* BH_STORE_UNDO_H */
