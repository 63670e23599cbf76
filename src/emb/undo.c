/*
 * Rewrites of string, bytes and JSON values: by swap, or in place.
 *
 * The swap (the common case): each stripe keeps one block that no slot
 * reaches, the swap block, of the size class of the last entry it
 * replaced. A new value whose entry is of that class is written whole into
 * it (header, key, value), and the slot is pointed at it with one aligned
 * store; the old entry's block becomes the swap block. One copy of the
 * value, into a block this stripe used recently, where an in-place rewrite
 * copies it twice (undo block, then entry); and no allocation or free, which
 * is what publishing a new entry cost before. A writer killed before the
 * slot store left the old entry published and the swap block garbage,
 * which nothing reads; one killed after it published the new entry, and the
 * swap word still names it: recovery sees a swap block that a slot reaches
 * and forgets it, and the sweep frees the old entry (stripe.c). Lock-free
 * readers are safe as with any block reused: the holder keeps the stripe's
 * sequence odd, and a reader still in the old entry when a later write
 * fills it throws its copy away (read.c).
 *
 * In place, when the swap block is of another class: a new value that fits
 * the block of the old one is written over it,
 * instead of into a new entry published by the index (which costs an
 * allocation, a copy and a free). Lock-free readers are safe either way:
 * the holder keeps the stripe's sequence odd, so a reader that saw bytes
 * being overwritten throws its copy away (read.c). A writer killed in the
 * middle is what needs care: it would leave a value half old, half new.
 *
 * So the new value is first copied into the stripe's undo block, and only
 * then is the operation record set; recovery finds the record and copies
 * the saved value into the entry before anything else reads the stripe. A
 * writer killed before the record was set left the entry untouched (the old
 * value), one killed after it is finished by recovery (the new value):
 * old or new, never between, as with a publish.
 *
 * Why the new value and not the old one: the copy into the undo block then
 * reads the caller's bytes, already in this core's cache, instead of the
 * entry's, which a random write finds further away; saving the old value
 * cost about a tenth of a string write. Recovery is the same either way (the
 * block holds the value the entry must end with, the record its type and
 * length), so files written by the version that saved the old value recover
 * as they did.
 *
 * A value of at most 8 bytes replacing one of the same type and length is
 * one aligned 8-byte store, like an integer: nothing to save (emb.c does
 * that before it asks for a rewrite).
 *
 * The undo block is allocated on the stripe's first rewrite and kept: it is
 * reachable from the stripe (stripe.c marks it), so recovery never frees it.
 */
#include <string.h>

#include "bothive/log.h"
#include "region.h"
#include "undo.h"

static int is_text(uint8_t type)
{
    return type == BH_STR || type == BH_BYTES || type == BH_JSON;
}

/* The stripe's undo block, allocated on first use; 0 when the store is full. */
static uint64_t undo_block(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];

    if (!st->undo)
        st->undo = bh_block_alloc_locked(r, s, BH_UNDO_BYTES);
    return st->undo;
}

/* bh_undo_save_locked, inline in the rewrite: a call costs a tenth of it. */
static inline int save(struct bh_region *r, unsigned s, struct bh_entry *e, uint8_t type,
                       const void *p, uint32_t len)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t undo;

    if (!(undo = undo_block(r, s)))
        return 0;
    if (len)
        bh_copy(bh_at(r, undo), p, len);
    st->op.slot_pos = (uint64_t)type << 32 | len;
    st->op.old_off = bh_off(r, e);
    st->op.new_off = undo;
    /* The record is whole before it says what it is: a writer killed
     * before this store left the value untouched. */
    __atomic_store_n(&st->op.op, BH_OP_INPLACE, __ATOMIC_RELEASE);
    return 1;
}

int bh_undo_save_locked(struct bh_region *r, unsigned s, struct bh_entry *e, uint8_t type,
                        const void *p, uint32_t len)
{
    return save(r, s, e, type, p, len);
}

int bh_entry_rewrite_locked(struct bh_region *r, unsigned s, struct bh_entry *e, uint8_t type,
                            const void *p, uint32_t len)
{
    /* A value no longer than the old one fits without asking the block. */
    if (!is_text(type) || !is_text(e->type) || len > BH_UNDO_BYTES ||
        (len > e->vlen && bh_entry_size(e->klen, len) > bh_block_size(r, bh_off(r, e))))
        return 0;
    if (!save(r, s, e, type, p, len))
        return 0;
    if (len)
        bh_copy(bh_entry_value(e), p, len);
    e->vlen = len;
    e->type = type;
    __atomic_store_n(&r->stripes[s].op.op, BH_OP_NONE, __ATOMIC_RELEASE);
    return 1;
}

int bh_undo_valid(const struct bh_region *r, unsigned s)
{
    uint64_t undo = r->stripes[s].undo;

    return !undo || (bh_block_valid(r, s, undo) && bh_block_size(r, undo) >= BH_UNDO_BYTES);
}

unsigned bh_swap_min_bits = 11;

uint64_t bh_swap_new_locked(struct bh_region *r, unsigned s, unsigned k, unsigned c,
                            uint64_t need)
{
    uint64_t off = bh_block_alloc_locked(r, s, need);

    if (off)
        r->stripes[s].swap[k] = BH_SWAP_MAKE(off, c);
    return off;
}

int bh_swap_valid(const struct bh_region *r, unsigned s, unsigned k)
{
    uint64_t w = r->stripes[s].swap[k], off = BH_SWAP_OFF(w);

    return !w || (off != r->stripes[s].undo && BH_SWAP_CLASS(w) < BH_NCLASSES &&
                  bh_block_valid(r, s, off) &&
                  bh_block_size(r, off) >= bh_class_size(BH_SWAP_CLASS(w)));
}

/*
 * Copies the saved value into the entry of an interrupted rewrite.
 * Everything in the record is checked first: in a damaged file it could
 * name any offset. A record that does not hold up is dropped (the entry
 * then keeps whatever it has, which the stripe's validation judges).
 */
void bh_undo_finish_locked(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t off = st->op.old_off;
    uint32_t vlen = (uint32_t)st->op.slot_pos;
    uint8_t type = (uint8_t)(st->op.slot_pos >> 32);
    struct bh_entry *e;

    if (st->op.new_off != st->undo || !st->undo || !bh_undo_valid(r, s) ||
        !bh_block_valid(r, s, off) || !is_text(type) || vlen > BH_UNDO_BYTES) {
        bh_log(BH_LOG_ERROR, "store: stripe %u: in-place rewrite record damaged; dropped", s);
        return;
    }
    e = bh_at(r, off);
    if (e->klen == 0 || e->klen > BH_KEY_MAX + 8 ||
        bh_entry_size(e->klen, vlen) > bh_block_size(r, off)) {
        bh_log(BH_LOG_ERROR, "store: stripe %u: rewritten entry damaged; not finished", s);
        return;
    }
    memcpy(bh_entry_value(e), bh_at(r, st->undo), vlen);
    e->vlen = vlen;
    e->type = type;
}
