/*
 * Stripes: the unit of locking and of recovery.
 *
 * Each stripe has a robust lock (slock.c). When a process dies holding it,
 * the next process to take it is told so and repairs the stripe before
 * anyone else sees it: every change visible to readers was a single aligned store,
 * so the index is valid as it stands; what may be broken is derived state
 * (free lists, counters, a slab half carved). Rebuilding derives it again
 * from the index: mark every block reachable from it, then sweep the
 * stripe's pages, returning every unmarked block to a free list.
 */
#include <stdio.h>

#include "base/idset.h"
#include "bothive/log.h"
#include "region.h"
#include "undo.h"

/* Whether the entry at off is whole: a sane header that fits its block,
 * with a value of the size its type has. */
int bh_entry_valid(const struct bh_region *r, unsigned s, uint64_t off)
{
    const struct bh_entry *e;

    if (!bh_block_valid(r, s, off))
        return 0;
    e = bh_at(r, off);
    return e->klen > 0 && e->klen <= BH_KEY_MAX + 8 && bh_entry_shape_ok(e->type, e->vlen) &&
           bh_entry_size(e->klen, e->vlen) <= bh_block_size(r, off);
}

/*
 * The word's capacity is checked before it is used: a damaged word's top
 * byte can be anything, and 2^61 slots of 8 bytes would wrap to 0. An array
 * of version 5 (BH_IXW_LEGACY) also holds its capacity in its first word,
 * which must agree.
 */
int bh_index_valid(const struct bh_region *r, unsigned s, uint64_t w)
{
    uint64_t block = bh_ixw_block(w), hdr = w & BH_IXW_LEGACY ? 8 : 0;
    unsigned bits = bh_ixw_bits(w);

    if (bh_ixw_off(w) < hdr || !bh_block_valid(r, s, block) || bits < 4 || bits > 40 ||
        hdr + ((uint64_t)8 << bits) > bh_block_size(r, block))
        return 0;
    return !hdr || *(const uint64_t *)bh_at(r, block) == (uint64_t)1 << bits;
}

/* Whether the entry sits where a lookup of its key would find it. */
static int entry_placed(const struct bh_region *r, unsigned s, const struct bh_index *ix,
                        uint64_t pos, const struct bh_entry *e, uint64_t slot)
{
    struct bh_key k;
    uint64_t mask = ix->cap - 1;

    bh_key_init(&k, e->memory_no, bh_type_ns(e->type), e->key, e->klen);
    if ((uint32_t)k.hash != e->hash || bh_key_tag(&k) != BH_SLOT_TAG(slot))
        return 0;
    if (e->type == BH_T_COUNT) {
        uint32_t cs;
        memcpy(&cs, e->key + 4, 4);
        if (cs != s)
            return 0;
    } else if (bh_key_stripe(r, &k) != s) {
        return 0;
    }
    for (uint64_t i = e->hash & mask; i != pos; i = (i + 1) & mask)
        if (ix->slots[i] == BH_SLOT_EMPTY)
            return 0;
    return 1;
}

/* Keeps the slot of ix holding entry off that a lookup of its key meets
 * first, probing from its hash, and drops the others. */
static void drop_later_slots(struct bh_region *r, struct bh_index *ix, unsigned s,
                             uint64_t off)
{
    const struct bh_entry *e = bh_at(r, off);
    uint64_t mask = ix->cap - 1, i = e->hash & mask;
    int seen = 0;

    for (uint64_t n = 0; n < ix->cap; n++, i = (i + 1) & mask) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB || BH_SLOT_OFF(slot) != off)
            continue;
        if (seen++) {
            bh_log(BH_LOG_ERROR, "store: stripe %u slot %llu shares its entry; dropped", s,
                   (unsigned long long)i);
            ix->slots[i] = BH_SLOT_TOMB;
            atomic_fetch_add(&r->hdr->recoveries, 1);
        }
    }
}

/*
 * Two slots reaching one entry (only a damaged file has them) would have it
 * freed through one while the other still reaches it, and then reused: so
 * with repair set the later slots are dropped; without, it is reported.
 * m is sorted.
 */
static int shared_entries(struct bh_region *r, struct bh_index *ix, unsigned s,
                          const bh_idset *m, int repair, char *msg, size_t msglen)
{
    for (size_t i = 1; i < m->n; i++) {
        if (m->id[i] != m->id[i - 1])
            continue;
        if (!repair) {
            snprintf(msg, msglen, "stripe %u: entry %llu is in two slots", s,
                     (unsigned long long)m->id[i]);
            return BH_ECORRUPT;
        }
        drop_later_slots(r, ix, s, m->id[i]);
    }
    return BH_OK;
}

/*
 * Whether slot i of ix reaches a whole entry of stripe s (1). If not, with
 * repair set it is dropped and counted (0); without, reported (BH_ECORRUPT).
 * Repair also drops an entry a lookup of its key would not find there (its
 * key, hash or stripe changed: only damage does that), which no get or
 * delete could reach, and which the check would report for ever.
 */
static int slot_sound(struct bh_region *r, unsigned s, struct bh_index *ix, uint64_t i,
                      int repair, char *msg, size_t msglen)
{
    uint64_t slot = ix->slots[i];

    if (BH_SLOT_OFF(slot) != r->stripes[s].undo && bh_entry_valid(r, s, BH_SLOT_OFF(slot)) &&
        (!repair || entry_placed(r, s, ix, i, bh_at(r, BH_SLOT_OFF(slot)), slot)))
        return 1;
    if (!repair) {
        snprintf(msg, msglen, "stripe %u: slot %llu points at no valid entry", s,
                 (unsigned long long)i);
        return BH_ECORRUPT;
    }
    bh_log(BH_LOG_ERROR, "store: stripe %u slot %llu damaged; dropped", s, (unsigned long long)i);
    ix->slots[i] = BH_SLOT_TOMB;
    atomic_fetch_add(&r->hdr->recoveries, 1);
    return 0;
}

/* Marks the stripe's undo block (undo.c); one that is not a block of the
 * stripe (only damage makes one) is dropped with repair set, else reported. */
static int mark_undo(struct bh_region *r, unsigned s, bh_idset *m, int repair, char *msg,
                     size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];

    if (!bh_undo_valid(r, s)) {
        if (!repair) {
            snprintf(msg, msglen, "stripe %u: undo block at %llu is not a valid block", s,
                     (unsigned long long)st->undo);
            return BH_ECORRUPT;
        }
        bh_log(BH_LOG_ERROR, "store: stripe %u undo block damaged; dropped", s);
        st->undo = 0;
        atomic_fetch_add(&r->hdr->recoveries, 1);
    }
    return st->undo ? bh_idset_add(m, st->undo) : BH_OK;
}

/*
 * Marks the block of the stripe's swap word k (undo.h), once the entries
 * are marked. One that a slot reaches is forgotten: its writer was killed
 * after publishing it as the new entry and before keeping the old one in
 * its place (which the sweep then frees); so is one that an earlier swap
 * word names (only damage does that). One that is not a block of the
 * stripe of its class (only damage makes one) is dropped with repair set,
 * else reported; so is a reached one without repair, which no live writer
 * leaves.
 */
static int mark_swap_word(struct bh_region *r, unsigned s, unsigned k, bh_idset *m,
                          int repair, char *msg, size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t off = BH_SWAP_OFF(st->swap[k]);
    int valid = bh_swap_valid(r, s, k);
    int rc;

    if (!st->swap[k])
        return BH_OK;
    bh_idset_sort(m);
    if (valid && !bh_idset_has(m, off)) {
        if ((rc = bh_idset_add(m, off)) == BH_OK)
            bh_idset_sort(m);
        return rc;
    }
    if (!repair) {
        snprintf(msg, msglen, "stripe %u: swap block at %llu is %s", s, (unsigned long long)off,
                 valid ? "reached by a slot or another swap word" : "not a valid block");
        return BH_ECORRUPT;
    }
    if (valid) {
        bh_log(BH_LOG_WARN, "store: stripe %u: swap block published; forgotten", s);
    } else {
        bh_log(BH_LOG_ERROR, "store: stripe %u swap block damaged; dropped", s);
        atomic_fetch_add(&r->hdr->recoveries, 1);
    }
    st->swap[k] = 0;
    return BH_OK;
}

static int mark_swap(struct bh_region *r, unsigned s, bh_idset *m, int repair, char *msg,
                     size_t msglen)
{
    int rc = BH_OK;

    for (unsigned k = 0; k < BH_NSWAP && rc == BH_OK; k++)
        rc = mark_swap_word(r, s, k, m, repair, msg, msglen);
    return rc;
}

/*
 * Marks the index and every entry reachable from it. With repair set, a slot
 * pointing at something that is not a whole entry of this stripe is dropped
 * (only a damaged file can hold one), and counted as a recovery; without,
 * it is reported in msg.
 */
static int mark_reachable(struct bh_region *r, unsigned s, bh_idset *m, int repair,
                          char *msg, size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t w = atomic_load(&st->index);
    struct bh_index v, *ix;
    int rc;

    if ((rc = mark_undo(r, s, m, repair, msg, msglen)) != BH_OK)
        return rc;
    if (!w)
        return mark_swap(r, s, m, repair, msg, msglen);
    if (!bh_index_valid(r, s, w)) {
        if (!repair) {
            snprintf(msg, msglen, "stripe %u: index word %#llx is not a valid array", s,
                     (unsigned long long)w);
            return BH_ECORRUPT;
        }
        bh_log(BH_LOG_ERROR, "store: stripe %u index damaged; its keys are lost", s);
        atomic_store(&st->index, 0);
        atomic_fetch_add(&r->hdr->recoveries, 1);
        return mark_swap(r, s, m, repair, msg, msglen);
    }
    ix = bh_index_view(r, w, &v);
    if ((rc = bh_idset_add(m, bh_ixw_block(w))) != BH_OK)
        return rc;
    for (uint64_t i = 0; i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        if ((rc = slot_sound(r, s, ix, i, repair, msg, msglen)) != 1) {
            if (rc == 0)
                continue;
            return rc;
        }
        if ((rc = bh_idset_add(m, BH_SLOT_OFF(slot))) != BH_OK)
            return rc;
    }
    bh_idset_sort(m);
    if ((rc = shared_entries(r, ix, s, m, repair, msg, msglen)) != BH_OK)
        return rc;
    return mark_swap(r, s, m, repair, msg, msglen);
}

/* Recomputes the counters that follow the index's content. */
static void recount(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_index_view(r, atomic_load(&st->index), &v);

    st->used = st->tombs = st->keys = st->locks = st->ttl_entries = 0;
    st->next_expiry_ms = 0;
    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY)
            continue;
        if (slot == BH_SLOT_TOMB) {
            st->tombs++;
            continue;
        }
        struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        st->used++;
        if (bh_type_ns(e->type) == BH_NS_DATA)
            st->keys++;
        else if (e->type == BH_T_LOCK)
            st->locks++;
        else if (e->type == BH_T_COUNT)
            *(int64_t *)bh_entry_value(e) = 0;
        if (e->expires_ms) {
            st->ttl_entries++;
            if (!st->next_expiry_ms || e->expires_ms < st->next_expiry_ms)
                st->next_expiry_ms = e->expires_ms;
        }
    }
    /* Count records were zeroed above; tally the data keys into them. */
    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        if (bh_type_ns(e->type) == BH_NS_DATA &&
            bh_count_adjust_locked(r, s, e->memory_no, 1, NULL) != BH_OK)
            bh_log(BH_LOG_ERROR, "store: stripe %u: no room to count memory %u", s,
                   e->memory_no);
    }
}

/*
 * Counts the marked blocks of one slab into its head word and returns the
 * unmarked ones to the free list; a slab with no marked block goes back to
 * the page allocator (so no stripe keeps a spare after a rebuild). The
 * slab each list's head ends up in counts it once all are swept.
 */
static void sweep_slab(struct bh_region *r, unsigned s, uint64_t page, unsigned c,
                       const bh_idset *m)
{
    uint64_t start = bh_page_off(r, page), size = bh_class_size(c);
    uint64_t n = r->class_blocks[c], live = 0;

    for (uint64_t i = 0; i < n; i++)
        live += bh_idset_has(m, start + i * size) != 0;
    if (live == 0) {
        bh_pages_free(r, page);
        return;
    }
    atomic_store(&r->pagemap[page], BH_PM_MAKE(BH_PM_SLAB, s, c | live * BH_PM_LIVE_ONE));
    for (uint64_t i = n; i-- > 0;)
        if (!bh_idset_has(m, start + i * size))
            bh_free_push_locked(r, s, c, page, start + i * size);
    r->stripes[s].bytes += live * size;
}

void bh_stripe_rebuild_locked(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    bh_idset m = {0};
    uint64_t page = 0;

    if (st->op.op != BH_OP_NONE)
        bh_log(BH_LOG_WARN, "store: stripe %u: finishing interrupted operation %u", s,
               st->op.op);
    /* The only operation finished by hand: every other one left the index
     * valid. */
    if (st->op.op == BH_OP_INPLACE)
        bh_undo_finish_locked(r, s);
    st->op.op = BH_OP_NONE;
    if (mark_reachable(r, s, &m, 1, NULL, 0) != BH_OK) {
        /* Out of process memory: leave the free lists alone rather than
         * free blocks that are in use. Space may leak; nothing is lost. */
        bh_log(BH_LOG_ERROR, "store: stripe %u: no memory to rebuild free lists", s);
        bh_idset_free(&m);
        recount(r, s);
        return;
    }
    bh_free_lists_clear(r, s);
    st->spare = 0;
    st->bytes = 0;
    while (page < r->hdr->npages) {
        uint32_t w = atomic_load(&r->pagemap[page]);
        unsigned kind = BH_PM_KIND(w);
        uint64_t n = bh_pages_span(r, w);
        /* The page map was repaired at open, not since: a class is checked
         * here again before it indexes the slab shapes. */
        if (kind == BH_PM_SLAB && BH_PM_CLASS(w) >= BH_NCLASSES)
            kind = BH_PM_FREE;
        if ((kind == BH_PM_SLAB || kind == BH_PM_RUN) && BH_PM_STRIPE(w) == s) {
            if (kind == BH_PM_SLAB)
                sweep_slab(r, s, page, BH_PM_CLASS(w), &m);
            else if (bh_idset_has(&m, bh_page_off(r, page)))
                st->bytes += n << r->page_shift;
            else
                bh_pages_free(r, page);
        }
        page += n ? n : 1;
    }
    bh_free_count_heads_locked(r, s);
    bh_idset_free(&m);
    recount(r, s);
}

/*
 * Settling the lock records removes index slots, which lock-free readers
 * see: the sequence must be odd first. The dead holder left it odd, unless
 * it died in bh_stripe_lock before making it odd or in bh_stripe_unlock
 * after making it even again.
 */
void bh_stripe_recover_locked(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];

    atomic_store(&st->seq, atomic_load(&st->seq) | 1);
    bh_stripe_rebuild_locked(r, s);
    bh_lock_stripe_settle_locked(r, s);
    atomic_fetch_add(&r->hdr->recoveries, 1);
}

/* ---- Checking ---- */

static int check_entries(struct bh_region *r, unsigned s, char *msg, size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_index v, *ix = bh_index_view(r, atomic_load(&st->index), &v);
    uint64_t used = 0, keys = 0;

    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
            continue;
        struct bh_entry *e = bh_at(r, BH_SLOT_OFF(slot));
        used++;
        keys += bh_type_ns(e->type) == BH_NS_DATA;
        if (!entry_placed(r, s, ix, i, e, slot)) {
            snprintf(msg, msglen, "stripe %u: entry in slot %llu is misplaced or its hash is wrong",
                     s, (unsigned long long)i);
            return BH_ECORRUPT;
        }
        if (bh_type_ns(e->type) == BH_NS_DATA && e->type > BH_JSON) {
            snprintf(msg, msglen, "stripe %u: entry in slot %llu has unknown type %u", s,
                     (unsigned long long)i, e->type);
            return BH_ECORRUPT;
        }
    }
    if (used != st->used || keys != st->keys) {
        snprintf(msg, msglen, "stripe %u: counters say %llu entries/%llu keys, index has %llu/%llu",
                 s, (unsigned long long)st->used, (unsigned long long)st->keys,
                 (unsigned long long)used, (unsigned long long)keys);
        return BH_ECORRUPT;
    }
    return BH_OK;
}

/* The first page of the slab holding the block at off (a valid block). */
static uint64_t slab_page_of(const struct bh_region *r, uint64_t off)
{
    uint64_t page = bh_page_of(r, off);
    uint32_t w = atomic_load(&r->pagemap[page]);

    return BH_PM_KIND(w) == BH_PM_CONT ? page - BH_PM_PAYLOAD(w) : page;
}

/* The first page of the slab of the block at off, BH_NO_SLAB for 0, and
 * for what is no block of stripe s a page number no slab has. */
static uint32_t slab_or_none(const struct bh_region *r, unsigned s, uint64_t off)
{
    if (!off)
        return BH_NO_SLAB;
    return bh_block_valid(r, s, off) ? (uint32_t)slab_page_of(r, off) : BH_NO_SLAB - 1;
}

/* Whether the free block at off knows the slabs of the two after it, and
 * links back to prev (unless it is the head, whose back link is stale). */
static int free_links_ok(struct bh_region *r, unsigned s, uint64_t off, uint64_t prev)
{
    const struct bh_freeblk *b = bh_at(r, off);
    uint64_t next2 = b->next ? ((const struct bh_freeblk *)bh_at(r, b->next))->next : 0;

    return b->nslab == slab_or_none(r, s, b->next) && b->nnslab == slab_or_none(r, s, next2) &&
           (!prev || b->prev == prev);
}

/* Whether list l (its head a valid block) knows the slabs of its first two
 * blocks. */
static int list_ok(struct bh_region *r, unsigned s, const struct bh_freelist *l)
{
    uint64_t next = l->head ? ((const struct bh_freeblk *)bh_at(r, l->head))->next : 0;

    return l->slab == slab_or_none(r, s, l->head) && l->next_slab == slab_or_none(r, s, next);
}

/* Walks every free list: each block must be a block of this stripe and
 * class, unreachable, listed once, with its links right (a block's next
 * is checked before its links are followed). Returns how many bytes they
 * hold. */
static int check_free_lists(struct bh_region *r, unsigned s, const bh_idset *m,
                            uint64_t *free_bytes, char *msg, size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t most = r->hdr->npages * (bh_page_size(r) / 16);
    bh_idset seen = {0};
    int rc = BH_OK;

    *free_bytes = 0;
    for (unsigned c = 0; c < BH_NCLASSES && rc == BH_OK; c++) {
        uint64_t prev = 0;
        for (uint64_t off = st->lists[c].head; off; prev = off, off = *(uint64_t *)bh_at(r, off)) {
            uint64_t next = *(uint64_t *)bh_at(r, off);
            if (!bh_block_valid(r, s, off) || bh_block_size(r, off) != bh_class_size(c) ||
                bh_idset_has(m, off) || (next && !bh_block_valid(r, s, next)) ||
                !free_links_ok(r, s, off, prev) || (prev == 0 && !list_ok(r, s, &st->lists[c]))) {
                snprintf(msg, msglen, "stripe %u: free list %u holds a bad or used block %llu",
                         s, c, (unsigned long long)off);
                rc = BH_ECORRUPT;
                break;
            }
            if ((rc = bh_idset_add(&seen, off)) != BH_OK)
                break;
            *free_bytes += bh_class_size(c);
            if (seen.n > most) {
                snprintf(msg, msglen, "stripe %u: free list %u loops", s, c);
                rc = BH_ECORRUPT;
                break;
            }
        }
    }
    if (rc == BH_OK) {
        bh_idset_sort(&seen);
        for (size_t i = 1; i < seen.n; i++)
            if (seen.id[i] == seen.id[i - 1]) {
                snprintf(msg, msglen, "stripe %u: block %llu is free twice", s,
                         (unsigned long long)seen.id[i]);
                rc = BH_ECORRUPT;
                break;
            }
    }
    bh_idset_free(&seen);
    return rc;
}

/* Sums the bytes of the stripe's slabs, and the marked bytes in slabs and
 * in runs; counts runs nothing reaches, slabs whose count is not their
 * marked blocks (plus one if their list's head is theirs), and empty slabs
 * (the last one's first page in empty_page). Free lists are checked. */
struct bh_extent {
    uint64_t slab_bytes, slab_live, run_live, lost_runs;
    uint64_t miscounted, empty, empty_page;
};

static void extent_slab(struct bh_region *r, unsigned s, uint64_t page, uint32_t w,
                        const bh_idset *m, struct bh_extent *x)
{
    unsigned c = BH_PM_CLASS(w);
    uint64_t size = bh_class_size(c), start = bh_page_off(r, page), live = 0;
    const struct bh_freelist *l = &r->stripes[s].lists[c];

    x->slab_bytes += r->class_blocks[c] * size;
    for (uint64_t i = 0; i < r->class_blocks[c]; i++)
        live += bh_idset_has(m, start + i * size) != 0;
    x->slab_live += live * size;
    x->miscounted += BH_PM_LIVE(w) != live + (l->head && l->slab == page);
    if (live == 0) {
        x->empty++;
        x->empty_page = page;
    }
}

static void stripe_extent(struct bh_region *r, unsigned s, const bh_idset *m,
                          struct bh_extent *x)
{
    memset(x, 0, sizeof *x);
    for (uint64_t page = 0; page < r->hdr->npages;) {
        uint32_t w = atomic_load(&r->pagemap[page]);
        unsigned kind = BH_PM_KIND(w);
        uint64_t n = bh_pages_span(r, w);
        if (BH_PM_STRIPE(w) == s && kind == BH_PM_SLAB && BH_PM_CLASS(w) < BH_NCLASSES) {
            extent_slab(r, s, page, w, m, x);
        } else if (BH_PM_STRIPE(w) == s && kind == BH_PM_RUN) {
            if (bh_idset_has(m, bh_page_off(r, page)))
                x->run_live += n << r->page_shift;
            else
                x->lost_runs++;
        }
        page += n ? n : 1;
    }
}

/* The stripe keeps no empty slab but its spare, and its spare (which may
 * be in use again: see slab.c) is a single-page slab of the stripe. */
static int spare_valid(const struct bh_region *r, unsigned s, const struct bh_extent *x)
{
    uint64_t spare = r->stripes[s].spare;
    uint32_t w = spare && spare <= r->hdr->npages ? atomic_load(&r->pagemap[spare - 1]) : 0;

    if (spare && (BH_PM_KIND(w) != BH_PM_SLAB || BH_PM_STRIPE(w) != s ||
                  bh_pages_span(r, w) != 1))
        return 0;
    return x->empty == 0 || (x->empty == 1 && spare == x->empty_page + 1);
}

int bh_stripe_check_locked(struct bh_region *r, unsigned s, char *msg, size_t msglen)
{
    struct bh_stripe *st = &r->stripes[s];
    bh_idset m = {0};
    struct bh_extent x;
    uint64_t free_bytes = 0;
    int rc;

    if (st->op.op != BH_OP_NONE) {
        snprintf(msg, msglen, "stripe %u: operation %u left in progress", s, st->op.op);
        rc = BH_ECORRUPT;
        goto out;
    }
    if ((rc = mark_reachable(r, s, &m, 0, msg, msglen)) != BH_OK ||
        (rc = check_entries(r, s, msg, msglen)) != BH_OK ||
        (rc = check_free_lists(r, s, &m, &free_bytes, msg, msglen)) != BH_OK ||
        (rc = bh_lock_stripe_check_locked(r, s, msg, msglen)) != BH_OK)
        goto out;
    stripe_extent(r, s, &m, &x);
    if (x.lost_runs) {
        snprintf(msg, msglen, "stripe %u: %llu page runs are owned but unreachable", s,
                 (unsigned long long)x.lost_runs);
        rc = BH_ECORRUPT;
    } else if (x.slab_live + x.run_live != st->bytes) {
        snprintf(msg, msglen, "stripe %u: %llu bytes in use, counter says %llu", s,
                 (unsigned long long)(x.slab_live + x.run_live), (unsigned long long)st->bytes);
        rc = BH_ECORRUPT;
    } else if (x.slab_live + free_bytes != x.slab_bytes) {
        snprintf(msg, msglen, "stripe %u: %llu slab bytes are neither used nor free", s,
                 (unsigned long long)(x.slab_bytes - x.slab_live - free_bytes));
        rc = BH_ECORRUPT;
    } else if (x.miscounted) {
        snprintf(msg, msglen, "stripe %u: %llu slabs miscount their live blocks", s,
                 (unsigned long long)x.miscounted);
        rc = BH_ECORRUPT;
    } else if (!spare_valid(r, s, &x)) {
        snprintf(msg, msglen, "stripe %u: %llu empty slabs kept, spare says %llu", s,
                 (unsigned long long)x.empty, (unsigned long long)st->spare);
        rc = BH_ECORRUPT;
    }
out:
    bh_idset_free(&m);
    return rc;
}
