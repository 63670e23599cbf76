/*
 * Blocks: each stripe carves the pages it gets into blocks of a size class
 * (a slab: one size per page run) and keeps a free list per class. Blocks
 * larger than the largest class are page runs of their own.
 *
 * Free lists are derived state: the first word of a free block links to the
 * next. A process dying half-way through a push or pop can leave a list
 * broken, so recovery rebuilds the lists from the index (stripe.c), never
 * trusting them.
 */
#include "region.h"

/* Classes are 16 bytes apart up to 256 (small entries are the common
 * case, and rounding them by 25% would cost more than the header), then at
 * most 25% apart. */
static const uint32_t bh_class_sizes[BH_NCLASSES] = {
    16,   32,   48,   64,   80,   96,   112,  128,  144,  160,  176,  192,
    208,  224,  240,  256,  320,  384,  448,  512,  640,  768,  896,  1024,
    1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
};

uint32_t bh_class_size(unsigned c)
{
    return bh_class_sizes[c];
}

/*
 * The smallest class holding size bytes, or BH_NCLASSES past the largest.
 * Computed, not searched: it is on every allocation. Up to 256 the classes
 * are multiples of 16; above, each power of two 2^p (p >= 8) is followed by
 * four classes 2^p/4 apart, the fourth being 2^(p+1).
 */
unsigned bh_class_of(uint64_t size)
{
    if (size <= 256)
        return size ? (unsigned)((size + 15) / 16 - 1) : 0;
    if (size > bh_class_sizes[BH_NCLASSES - 1])
        return BH_NCLASSES;
    unsigned p = 63 - (unsigned)__builtin_clzll(size - 1); /* 2^p < size <= 2^(p+1) */
    uint64_t step = ((uint64_t)1 << p) / 4;
    uint64_t quarter = (size - ((uint64_t)1 << p) + step - 1) / step; /* 1..4 */
    return 16 + (p - 8) * 4 + (unsigned)quarter - 1;
}

/* Small classes fill one page; larger ones get enough pages for four
 * blocks, so the tail of a slab wastes little. */
unsigned bh_class_pages(unsigned c)
{
    uint32_t size = bh_class_sizes[c];
    if (size <= 1024)
        return 1;
    return (unsigned)((size * 4 + BH_PAGE_SIZE - 1) / BH_PAGE_SIZE);
}

static inline uint64_t *next_of(struct bh_region *r, uint64_t off)
{
    return (uint64_t *)bh_at(r, off);
}

/* Builds a new slab's free list off to the side and publishes it with one
 * store of the list head. */
static int slab_grow_locked(struct bh_region *r, unsigned s, unsigned c)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t size = bh_class_sizes[c];
    uint64_t pages = bh_class_pages(c);
    uint64_t off = bh_pages_alloc(r, s, BH_PM_SLAB, c, pages);
    uint64_t n, i;

    if (!off)
        return BH_ENOSPC;
    st->op.op = BH_OP_SLAB;
    st->op.new_off = off;
    n = pages * BH_PAGE_SIZE / size;
    for (i = 0; i + 1 < n; i++)
        *next_of(r, off + i * size) = off + (i + 1) * size;
    *next_of(r, off + i * size) = st->free_head[c];
    st->free_head[c] = off;
    st->op.op = BH_OP_NONE;
    return BH_OK;
}

/*
 * Returns the offset of a block of at least size bytes owned by stripe s,
 * or 0 when the store is full. Caller holds stripe s.
 */
uint64_t bh_block_alloc_locked(struct bh_region *r, unsigned s, uint64_t size)
{
    struct bh_stripe *st = &r->stripes[s];
    unsigned c = bh_class_of(size);
    uint64_t off;

    if (c == BH_NCLASSES) {
        uint64_t pages = (size + BH_PAGE_SIZE - 1) / BH_PAGE_SIZE;
        off = bh_pages_alloc(r, s, BH_PM_RUN, (uint32_t)pages, pages);
        if (off)
            st->bytes += pages * BH_PAGE_SIZE;
        return off;
    }
    if (!st->free_head[c] && slab_grow_locked(r, s, c) != BH_OK)
        return 0;
    off = st->free_head[c];
    st->free_head[c] = *next_of(r, off);
    st->bytes += bh_class_sizes[c];
    return off;
}

/* Finds the first page of the slab or run holding off. */
static uint64_t head_page(const struct bh_region *r, uint64_t off, uint32_t *word)
{
    uint64_t page = bh_page_of(r, off);
    uint32_t w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);

    /* A slab spans at most 8 pages; a run's inner pages never hold a block start. */
    for (int back = 0; BH_PM_KIND(w) == BH_PM_CONT && back < 8 && page > 0; back++) {
        page--;
        w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    }
    *word = w;
    return page;
}

uint64_t bh_block_size(const struct bh_region *r, uint64_t off)
{
    uint32_t w;
    head_page(r, off, &w);
    if (BH_PM_KIND(w) == BH_PM_RUN)
        return (uint64_t)BH_PM_PAYLOAD(w) * BH_PAGE_SIZE;
    return bh_class_sizes[BH_PM_PAYLOAD(w) % BH_NCLASSES];
}

int bh_block_valid(const struct bh_region *r, unsigned s, uint64_t off)
{
    const struct bh_header *h = r->hdr;
    uint64_t page, start, size;
    uint32_t w;

    if (off < h->heap_off || off >= h->heap_off + h->npages * BH_PAGE_SIZE || (off & 15))
        return 0;
    page = head_page(r, off, &w);
    if (BH_PM_STRIPE(w) != s)
        return 0;
    start = bh_page_off(r, page);
    if (BH_PM_KIND(w) == BH_PM_RUN)
        return off == start;
    if (BH_PM_KIND(w) != BH_PM_SLAB || BH_PM_PAYLOAD(w) >= BH_NCLASSES)
        return 0;
    size = bh_class_sizes[BH_PM_PAYLOAD(w)];
    return (off - start) % size == 0 &&
           off - start + size <= bh_class_pages(BH_PM_PAYLOAD(w)) * BH_PAGE_SIZE;
}

void bh_block_free_locked(struct bh_region *r, unsigned s, uint64_t off)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t w;
    uint64_t page = head_page(r, off, &w);

    if (BH_PM_KIND(w) == BH_PM_RUN) {
        st->bytes -= (uint64_t)BH_PM_PAYLOAD(w) * BH_PAGE_SIZE;
        bh_pages_free(r, page);
        return;
    }
    unsigned c = BH_PM_PAYLOAD(w);
    *next_of(r, off) = st->free_head[c];
    st->free_head[c] = off;
    st->bytes -= bh_class_sizes[c];
}
