/*
 * Lock-free reads: a seqlock over each stripe. The holder of a stripe's
 * lock keeps the stripe's sequence odd while it may write; a reader notes
 * an even sequence, looks the key up and copies the value out without the
 * lock, then checks that the sequence did not move. If it moved, the copy
 * may be torn and is thrown away.
 *
 * While a writer works, the reader may follow an offset into a block that
 * is being freed or reused, so every offset and length is checked against
 * the region's bounds before it is followed: garbage is read, never outside
 * the mapping, and the sequence check then discards it. A holder that died
 * leaves the sequence odd; the reader gives up after a few tries and takes
 * the locked path, whose lock repairs the stripe.
 */
#include <stdlib.h>

#include "store/backend.h"
#include "region.h"

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define BH_READ_TRIES 8

/* Every len here is under 2^45 (an index of at most 2^40 slots, or an
 * entry of at most a key and a value of bounded size) and every offset
 * under 2^56 (what an index word or slot can hold), so off + len cannot
 * wrap. */
static inline int in_region(const struct bh_region *r, uint64_t off, uint64_t len)
{
    return off >= r->heap_off && off + len <= r->size;
}

/* Finds k in an index that may be changing. NULL if absent (or torn). */
static struct bh_entry *find_unlocked(struct bh_region *r, struct bh_stripe *st,
                                      const struct bh_key *k)
{
    uint64_t w = atomic_load_explicit(&st->index, memory_order_relaxed);
    uint64_t ixoff = bh_ixw_off(w), cap, mask, i;
    const uint64_t *slots;
    uint16_t tag = bh_key_tag(k);

    if (!ixoff || bh_ixw_bits(w) > 40)
        return NULL;
    cap = (uint64_t)1 << bh_ixw_bits(w);
    if (!in_region(r, ixoff, cap * 8))
        return NULL;
    slots = bh_at(r, ixoff);
    mask = cap - 1;
    i = (uint32_t)k->hash & mask;
    for (uint64_t n = 0; n < cap; n++, i = (i + 1) & mask) {
        uint64_t slot = __atomic_load_n(&slots[i], __ATOMIC_RELAXED);
        if (slot == BH_SLOT_EMPTY)
            return NULL;
        if (slot == BH_SLOT_TOMB || BH_SLOT_TAG(slot) != tag)
            continue;
        uint64_t off = BH_SLOT_OFF(slot);
        if (!in_region(r, off, BH_ENTRY_HDR + bh_align8(k->len)))
            return NULL;
        struct bh_entry *e = bh_at(r, off);
        if (bh_entry_matches(e, k))
            return e;
    }
    return NULL;
}

/*
 * Copies a scalar out as its own fields, never through a whole bh_value:
 * writing a struct piecewise and then copying it whole makes the CPU wait
 * for the pieces (a failed store forward), which cost a third of a read.
 */
static inline void scalar_read(uint8_t type, const char *p, bh_value *v)
{
    v->type = (bh_type)type;
    if (type == BH_BOOL)
        v->u.b = *p != 0;
    else if (type == BH_INT)
        memcpy(&v->u.i, p, 8);
    else if (type == BH_DOUBLE)
        memcpy(&v->u.d, p, 8);
}

static inline int is_scalar(uint8_t type)
{
    return type <= BH_DOUBLE;
}

static inline void scalar_copy(const bh_value *from, bh_value *to)
{
    to->type = from->type;
    if (from->type == BH_BOOL)
        to->u.b = from->u.b;
    else if (from->type == BH_INT)
        to->u.i = from->u.i;
    else if (from->type == BH_DOUBLE)
        to->u.d = from->u.d;
}

/*
 * The read of an integer or a double, the commonest: the word is copied
 * straight into out, with no bh_value in between (its zeroing and the copy
 * out of it were a sixth of a read). Its type, with the value in *word, or
 * 0 if it is of another type (or expires), left to the general path. The
 * entry's header and key are inside the region (find_unlocked), so only
 * the value's end needs checking.
 */
static inline uint8_t word_read(const struct bh_region *r, const struct bh_entry *e,
                                const struct bh_key *k, uint64_t *word)
{
    uint64_t at = bh_off(r, e) + BH_ENTRY_HDR + bh_align8(k->len);
    uint8_t type = e->type;

    if ((type != BH_INT && type != BH_DOUBLE) || e->vlen != 8 || e->expires_ms ||
        at > r->size - 8)
        return 0;
    memcpy(word, bh_at(r, at), 8);
    return type;
}

int bh_read_lockfree(struct bh_region *r, unsigned s, const struct bh_key *k, bh_value *out)
{
    struct bh_stripe *st = &r->stripes[s];

    for (int tries = 0; tries < BH_READ_TRIES; tries++) {
        uint64_t seq = atomic_load_explicit(&st->seq, memory_order_acquire);
        int rc = BH_ENOTFOUND;
        uint64_t word;
        uint8_t wtype;

        if (seq & 1) {
            cpu_relax();
            continue;
        }
        struct bh_entry *e = find_unlocked(r, st, k);
        if (e && (wtype = word_read(r, e, k, &word)) != 0) {
            atomic_thread_fence(memory_order_acquire);
            if (atomic_load_explicit(&st->seq, memory_order_relaxed) != seq)
                continue;
            if (out) {
                out->type = (bh_type)wtype;
                memcpy(&out->u.i, &word, 8); /* the double's bits too */
            }
            return BH_OK;
        }
        bh_value v = {.type = BH_NIL};
        if (e) {
            uint32_t vlen = e->vlen;
            uint8_t type = e->type;
            /* Expired: the locked path removes it and reclaims its space.
             * A scalar is read whole: its length must be its type's, or a
             * torn or damaged entry would be read past its end. */
            if (e->expires_ms || type > BH_JSON || vlen > BH_VALUE_MAX ||
                !bh_entry_shape_ok(type, vlen) ||
                !in_region(r, bh_off(r, e), bh_entry_size(k->len, vlen)))
                return BH_READ_RETRY;
            rc = BH_OK;
            if (!out)
                ;
            else if (is_scalar(type))
                scalar_read(type, bh_entry_value(e), &v);
            else if ((rc = bh_value_copy_out((bh_type)type, bh_entry_value(e), vlen, &v)) ==
                     BH_ENOMEM)
                return rc;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&st->seq, memory_order_relaxed) == seq) {
            if (out && is_scalar(v.type))
                scalar_copy(&v, out);
            else if (out)
                *out = v;
            return rc;
        }
        bh_value_free(&v);
    }
    return BH_READ_RETRY;
}
