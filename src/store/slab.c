/*
 * Blocks: each stripe carves the pages it gets into blocks of a size class
 * (a slab: one size per page run) and keeps a free list per class. Blocks
 * larger than the largest class are page runs of their own.
 *
 * A slab whose last block is freed goes back to the page allocator, for any
 * stripe and class to use: otherwise space freed in one class would stay in
 * it for good, and a store emptied of small values could not take large
 * ones. For that each slab's head word in the page map counts its live
 * blocks, and the free lists are doubly linked, so that the blocks of an
 * emptied slab come off its list in a step each. One empty single-page slab
 * per stripe stays (the spare): a key deleted and written again would
 * otherwise give back a page and take it again each time.
 *
 * Free lists and live counts are derived state: a process dying half-way
 * through a push, a pop or a give-back can leave them broken, so recovery
 * rebuilds both from the index (stripe.c), never trusting them.
 */
#include "region.h"

/* Classes are 16 bytes apart up to 256 (small entries are the common
 * case, and rounding them by 25% would cost more than the header), then at
 * most 12.5% apart: what rounding loses is lost in every entry. */
static const uint32_t bh_class_sizes[BH_NCLASSES] = {
      16,   32,   48,   64,   80,   96,  112,  128,  144,  160,  176,  192,
     208,  224,  240,  256,  288,  320,  352,  384,  416,  448,  480,  512,
     576,  640,  704,  768,  832,  896,  960, 1024, 1152, 1280, 1408, 1536,
    1664, 1792, 1920, 2048, 2304, 2560, 2816, 3072, 3328, 3584, 3840, 4096,
    4608, 5120, 5632, 6144, 6656, 7168, 7680, 8192,
};

uint32_t bh_class_size(unsigned c)
{
    return bh_class_sizes[c];
}

/*
 * The smallest class holding size bytes, or BH_NCLASSES past the largest.
 * Computed, not searched: it is on every allocation. Up to 256 the classes
 * are multiples of 16; above, each power of two 2^p (p >= 8) is followed by
 * eight classes 2^p/8 apart, the eighth being 2^(p+1).
 */
unsigned bh_class_of(uint64_t size)
{
    if (size <= 256)
        return size ? (unsigned)((size + 15) / 16 - 1) : 0;
    if (size > bh_class_sizes[BH_NCLASSES - 1])
        return BH_NCLASSES;
    unsigned p = 63 - (unsigned)__builtin_clzll(size - 1); /* 2^p < size <= 2^(p+1) */
    uint64_t step = ((uint64_t)1 << p) / 8;
    uint64_t eighth = (size - ((uint64_t)1 << p) + step - 1) / step; /* 1..8 */
    return 16 + (p - 8) * 8 + (unsigned)eighth - 1;
}

/*
 * A slab holds at least four blocks (a class of up to a quarter page fills
 * one page), and is made longer, up to four times that, while the tail its
 * blocks leave unused is more than 1/16 of it: the tail is lost for as long
 * as the slab lives, in every slab of the class.
 */
static void slab_shape(uint64_t page, uint64_t size, uint16_t *pages, uint16_t *blocks)
{
    uint64_t n0 = (4 * size + page - 1) / page, best = n0;

    for (uint64_t n = n0; n <= 4 * n0; n++) {
        uint64_t tail = n * page % size;
        if (tail * 32 <= n * page) {
            best = n;
            break;
        }
        if (tail * best < best * page % size * n) /* a smaller share lost */
            best = n;
    }
    *pages = (uint16_t)best;
    *blocks = (uint16_t)(best * page / size);
}

void bh_slab_shapes(struct bh_region *r)
{
    for (unsigned c = 0; c < BH_NCLASSES; c++)
        slab_shape(bh_page_size(r), bh_class_sizes[c], &r->class_pages[c], &r->class_blocks[c]);
}

static inline struct bh_freeblk *free_blk(struct bh_region *r, uint64_t off)
{
    return (struct bh_freeblk *)bh_at(r, off);
}

void bh_free_push_locked(struct bh_region *r, unsigned s, unsigned c, uint64_t off)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_freeblk *b = free_blk(r, off);

    b->next = st->free_head[c];
    b->prev = 0;
    if (b->next)
        free_blk(r, b->next)->prev = off;
    st->free_head[c] = off;
}

static void free_unlink_locked(struct bh_region *r, unsigned s, unsigned c, uint64_t off)
{
    struct bh_freeblk *b = free_blk(r, off);

    if (b->prev)
        free_blk(r, b->prev)->next = b->next;
    else
        r->stripes[s].free_head[c] = b->next;
    if (b->next)
        free_blk(r, b->next)->prev = b->prev;
}

/* Finds the first page of the slab or run holding off: a later page's word
 * says how far back that is. */
static uint64_t head_page(const struct bh_region *r, uint64_t off, uint32_t *word)
{
    uint64_t page = bh_page_of(r, off);
    uint32_t w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);

    if (BH_PM_KIND(w) == BH_PM_CONT && BH_PM_PAYLOAD(w) <= page) {
        page -= BH_PM_PAYLOAD(w);
        w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    }
    *word = w;
    return page;
}

/* Only the holder of the owning stripe writes a slab's head word after the
 * page allocator made it; the allocator reads it, so the store is atomic. */
static inline void head_store(struct bh_region *r, uint64_t page, uint32_t w)
{
    atomic_store_explicit(&r->pagemap[page], w, memory_order_relaxed);
}

/* Takes the blocks of an empty slab off their list and gives its pages
 * back. Not an operation of its own in the op record: it finishes a free,
 * and an interrupted one is finished by the rebuild. */
static void slab_release_locked(struct bh_region *r, unsigned s, uint64_t page)
{
    uint32_t w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    unsigned c = BH_PM_CLASS(w);
    uint64_t start = bh_page_off(r, page), size = bh_class_sizes[c];

    for (uint64_t i = 0; i < r->class_blocks[c]; i++)
        free_unlink_locked(r, s, c, start + i * size);
    bh_pages_free(r, page);
}

static void spare_release_locked(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t page = st->spare - 1;

    st->spare = 0;
    slab_release_locked(r, s, page);
}

/* Pages from the allocator. When there are none, the stripe's spare goes
 * back first: the page a stripe keeps must not make the store full. */
static uint64_t pages_get_locked(struct bh_region *r, unsigned s, unsigned kind,
                                 uint32_t payload, uint64_t npages, int high)
{
    uint64_t off = bh_pages_alloc(r, s, kind, payload, npages, high);

    if (!off && r->stripes[s].spare) {
        spare_release_locked(r, s);
        off = bh_pages_alloc(r, s, kind, payload, npages, high);
    }
    return off;
}

/* Builds a new slab's free list off to the side, all its blocks in address
 * order at the head of the class's list. */
static int slab_grow_locked(struct bh_region *r, unsigned s, unsigned c)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t size = bh_class_sizes[c];
    uint64_t off = pages_get_locked(r, s, BH_PM_SLAB, c, r->class_pages[c], 0);

    if (!off)
        return BH_ENOSPC;
    st->op.op = BH_OP_SLAB;
    st->op.new_off = off;
    for (uint64_t i = r->class_blocks[c]; i-- > 0;)
        bh_free_push_locked(r, s, c, off + i * size);
    st->op.op = BH_OP_NONE;
    return BH_OK;
}

/* A page run: at the top of the heap for large values, at the bottom with
 * the slabs for the store's own blocks (see bh_pages_alloc). */
static uint64_t run_alloc_locked(struct bh_region *r, unsigned s, uint64_t size, int high)
{
    uint64_t pages = (size + bh_page_size(r) - 1) >> r->page_shift;
    uint64_t off = pages_get_locked(r, s, BH_PM_RUN, (uint32_t)pages, pages, high);

    if (off)
        r->stripes[s].bytes += pages << r->page_shift;
    return off;
}

uint64_t bh_run_alloc_locked(struct bh_region *r, unsigned s, uint64_t size)
{
    return run_alloc_locked(r, s, size, 0);
}

/*
 * Returns the offset of a block of at least size bytes owned by stripe s,
 * or 0 when the store is full. Caller holds stripe s.
 */
uint64_t bh_block_alloc_locked(struct bh_region *r, unsigned s, uint64_t size)
{
    struct bh_stripe *st = &r->stripes[s];
    unsigned c = bh_class_of(size);
    uint64_t off, page;
    uint32_t w;

    if (c == BH_NCLASSES)
        return run_alloc_locked(r, s, size, 1);
    if (!st->free_head[c] && slab_grow_locked(r, s, c) != BH_OK)
        return 0;
    off = st->free_head[c];
    free_unlink_locked(r, s, c, off);
    page = head_page(r, off, &w);
    if (st->spare == page + 1)
        st->spare = 0; /* the one empty slab a stripe keeps is in use again */
    head_store(r, page, w + BH_PM_LIVE_ONE);
    st->bytes += bh_class_sizes[c];
    return off;
}

uint64_t bh_block_size(const struct bh_region *r, uint64_t off)
{
    uint32_t w;
    head_page(r, off, &w);
    if (BH_PM_KIND(w) == BH_PM_RUN)
        return (uint64_t)BH_PM_PAYLOAD(w) << r->page_shift;
    return bh_class_sizes[BH_PM_CLASS(w) % BH_NCLASSES];
}

int bh_block_valid(const struct bh_region *r, unsigned s, uint64_t off)
{
    uint64_t page, start, size;
    uint32_t w;
    unsigned c;

    if (off < r->heap_off || off >= bh_page_off(r, r->hdr->npages) || (off & 15))
        return 0;
    page = head_page(r, off, &w);
    if (BH_PM_STRIPE(w) != s)
        return 0;
    start = bh_page_off(r, page);
    if (BH_PM_KIND(w) == BH_PM_RUN)
        return off == start;
    c = BH_PM_CLASS(w);
    if (BH_PM_KIND(w) != BH_PM_SLAB || c >= BH_NCLASSES)
        return 0;
    size = bh_class_sizes[c];
    return (off - start) % size == 0 && (off - start) / size < r->class_blocks[c];
}

/* A slab left empty goes back to the page allocator, except a single-page
 * one, which becomes the stripe's spare in place of the previous spare. */
static void slab_emptied_locked(struct bh_region *r, unsigned s, uint64_t page, unsigned c)
{
    struct bh_stripe *st = &r->stripes[s];

    if (r->class_pages[c] > 1) {
        slab_release_locked(r, s, page);
        return;
    }
    if (st->spare)
        spare_release_locked(r, s);
    st->spare = page + 1;
}

void bh_block_free_locked(struct bh_region *r, unsigned s, uint64_t off)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t w;
    uint64_t page = head_page(r, off, &w);
    unsigned c;

    if (BH_PM_KIND(w) == BH_PM_RUN) {
        st->bytes -= (uint64_t)BH_PM_PAYLOAD(w) << r->page_shift;
        bh_pages_free(r, page);
        return;
    }
    c = BH_PM_CLASS(w);
    st->bytes -= bh_class_sizes[c];
    bh_free_push_locked(r, s, c, off);
    head_store(r, page, w - BH_PM_LIVE_ONE);
    if (BH_PM_LIVE(w) == 1)
        slab_emptied_locked(r, s, page, c);
}
