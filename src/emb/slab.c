/*
 * Blocks: each stripe carves the pages it gets into blocks of a size class
 * (a slab: one size per page run) and keeps a free list per class. Blocks
 * larger than the largest class are page runs of their own.
 *
 * A slab whose last block is freed goes back to the page allocator, for any
 * stripe and class to use: otherwise space freed in one class would stay in
 * it for good, and a store emptied of small values could not take large
 * ones. For that each slab's head word in the page map keeps a count, and
 * the free lists are doubly linked, so that the blocks of an emptied slab
 * come off its list in a step each. One empty single-page slab per stripe
 * stays (the spare): a key deleted and written again would otherwise give
 * back a page and take it again each time.
 *
 * The count is the slab's live blocks plus one while the head of the free
 * list is one of its blocks. Counted so, taking the head (every allocation)
 * changes only the count of the slab the next block is in, and putting a
 * block at the head (every free) only that of the slab the old head is in:
 * in a stripe busy with one class, the same slab each time, whose word is
 * in the cache. Counting live blocks alone, an allocation would also touch
 * the word of the block it takes, a cache miss most of the time, which made
 * writes of strings into a large store 15% slower.
 *
 * Free lists and counts are derived state: a process dying half-way
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

/* Adds delta to the count of the slab at page. Only the holder of the
 * owning stripe writes a slab's head word once the page allocator made it;
 * the allocator reads it, hence the atomic accesses. */
static inline void count_add(struct bh_region *r, uint64_t page, int delta)
{
    uint32_t w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    atomic_store_explicit(&r->pagemap[page], w + (uint32_t)delta * BH_PM_LIVE_ONE,
                          memory_order_relaxed);
}

void bh_free_lists_clear(struct bh_region *r, unsigned s)
{
    for (unsigned c = 0; c < BH_NCLASSES; c++)
        r->stripes[s].lists[c] = (struct bh_freelist){0, BH_NO_SLAB, BH_NO_SLAB};
}

/*
 * Every block on a list but the head links back to the one before it (the
 * head's back link means nothing), and knows the slabs of the two blocks
 * after it, as the list knows those of its first two. So taking the head
 * reads no block but the one taken, and putting one at the head none: only
 * giving a slab back unlinks blocks from the middle. This push and the pop
 * below keep no counts.
 */
static inline void free_push(struct bh_region *r, struct bh_freelist *l, uint64_t page,
                             uint64_t off)
{
    struct bh_freeblk *b = free_blk(r, off);

    b->next = l->head;
    b->nslab = l->slab;
    b->nnslab = l->next_slab;
    if (l->head)
        free_blk(r, l->head)->prev = off;
    l->head = off;
    l->next_slab = l->slab;
    l->slab = (uint32_t)page;
}

void bh_free_push_locked(struct bh_region *r, unsigned s, unsigned c, uint64_t page,
                         uint64_t off)
{
    free_push(r, &r->stripes[s].lists[c], page, off);
}

static inline uint64_t free_pop_locked(struct bh_region *r, struct bh_freelist *l)
{
    uint64_t off = l->head;
    struct bh_freeblk *b = free_blk(r, off);

    l->head = b->next;
    l->slab = l->next_slab;
    l->next_slab = b->nnslab;
    return off;
}

/*
 * Takes the block at off off its list, wherever it is. Its predecessor p
 * takes over its links and what it knew of the next two slabs; and what
 * knew the slab of the block after p (the list if p is the head, else the
 * block before p) now knows that of the block after the one taken.
 */
static void free_unlink_locked(struct bh_region *r, struct bh_freelist *l, uint64_t off)
{
    struct bh_freeblk *b = free_blk(r, off), *p;

    if (l->head == off) {
        free_pop_locked(r, l);
        return;
    }
    p = free_blk(r, b->prev);
    p->next = b->next;
    p->nslab = b->nslab;
    p->nnslab = b->nnslab;
    if (b->next)
        free_blk(r, b->next)->prev = b->prev;
    if (l->head == b->prev)
        l->next_slab = b->nslab;
    else
        free_blk(r, p->prev)->nnslab = b->nslab;
}

/* After the sweep of recovery has counted live blocks: one more for the
 * slab each list's head is in. */
void bh_free_count_heads_locked(struct bh_region *r, unsigned s)
{
    for (unsigned c = 0; c < BH_NCLASSES; c++)
        if (r->stripes[s].lists[c].head)
            count_add(r, r->stripes[s].lists[c].slab, +1);
}

/* Finds the first page of the slab or run holding off: a later page's word
 * says how far back that is. */
static inline uint64_t head_page(const struct bh_region *r, uint64_t off, uint32_t *word)
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

/*
 * Takes the blocks of an empty slab off their list and gives its pages
 * back. If the list's head was among them, the slab the new head is in
 * counts it. Not an operation of its own in the op record: it finishes a
 * free or an allocation, and an interrupted one is finished by the rebuild.
 */
static void slab_release_locked(struct bh_region *r, unsigned s, uint64_t page)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    unsigned c = BH_PM_CLASS(w);
    struct bh_freelist *l = &st->lists[c];
    uint64_t start = bh_page_off(r, page), size = bh_class_sizes[c];
    uint64_t before = l->head;

    for (uint64_t i = 0; i < r->class_blocks[c]; i++)
        free_unlink_locked(r, l, start + i * size);
    if (l->head != before && l->head)
        count_add(r, l->slab, +1);
    if (st->spare == page + 1)
        st->spare = 0;
    bh_pages_free(r, page);
}

/*
 * The stripe's spare, if it is still empty, or BH_NO_SLAB. An allocation
 * taking a block of the spare does not look at it (that cost every
 * allocation a compare, measured at over 10% of a string write into a
 * large store): the spare is a slab that was empty when kept, and is
 * forgotten here once a block of it is in use.
 */
static uint32_t spare_empty(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t page = st->spare - 1;
    uint32_t w;
    const struct bh_freelist *l;

    if (!st->spare)
        return BH_NO_SLAB;
    w = atomic_load_explicit(&r->pagemap[page], memory_order_relaxed);
    l = &st->lists[BH_PM_CLASS(w)];
    if (BH_PM_LIVE(w) == (l->head && l->slab == page))
        return page;
    st->spare = 0;
    return BH_NO_SLAB;
}

/* Pages from the allocator. When there are none, the stripe's spare goes
 * back first: the page a stripe keeps must not make the store full. */
static uint64_t pages_get_locked(struct bh_region *r, unsigned s, unsigned kind,
                                 uint32_t payload, uint64_t npages, int high)
{
    uint64_t off = bh_pages_alloc(r, s, kind, payload, npages, high);
    uint32_t spare;

    if (!off && (spare = spare_empty(r, s)) != BH_NO_SLAB) {
        slab_release_locked(r, s, spare);
        off = bh_pages_alloc(r, s, kind, payload, npages, high);
    }
    return off;
}

/* Builds a new slab's free list off to the side, all its blocks in address
 * order on the class's list, which was empty: the slab counts its head. */
static int slab_grow_locked(struct bh_region *r, unsigned s, unsigned c)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t size = bh_class_sizes[c];
    uint64_t off = pages_get_locked(r, s, BH_PM_SLAB, c | BH_PM_LIVE_ONE, r->class_pages[c], 0);
    uint64_t page;

    if (!off)
        return BH_ENOSPC;
    page = bh_page_of(r, off);
    st->op.op = BH_OP_SLAB;
    st->op.new_off = off;
    for (uint64_t i = r->class_blocks[c]; i-- > 0;)
        free_push(r, &st->lists[c], page, off + i * size);
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
 * Takes the head of list c. Its slab gains a live block and loses the head
 * (no change) unless the next block is in it too (one more); either way
 * the next block's slab gains one.
 */
static inline uint64_t take_head_locked(struct bh_region *r, unsigned s, unsigned c)
{
    struct bh_freelist *l = &r->stripes[s].lists[c];

    if (l->next_slab != BH_NO_SLAB)
        count_add(r, l->next_slab, +1);
    r->stripes[s].bytes += bh_class_sizes[c];
    return free_pop_locked(r, l);
}

/* A page run, or a block of a list that is empty. Out of line: rare. */
static __attribute__((noinline)) uint64_t alloc_slow_locked(struct bh_region *r, unsigned s,
                                                           uint64_t size, unsigned c)
{
    if (c == BH_NCLASSES)
        return run_alloc_locked(r, s, size, 1);
    if (slab_grow_locked(r, s, c) != BH_OK)
        return 0;
    return take_head_locked(r, s, c);
}

/*
 * Returns the offset of a block of at least size bytes owned by stripe s,
 * or 0 when the store is full. Caller holds stripe s. No block is smaller
 * than 32 bytes, room for a free block's links (every block the store asks
 * for is larger anyway: an entry header and a key's first 8 bytes).
 */
uint64_t bh_block_alloc_locked(struct bh_region *r, unsigned s, uint64_t size)
{
    unsigned c = bh_class_of(size < 32 ? 32 : size);

    if (c == BH_NCLASSES || !r->stripes[s].lists[c].head)
        return alloc_slow_locked(r, s, size, c);
    return take_head_locked(r, s, c);
}

/* A run's length comes from the page map, which a damaged file may have
 * wrong: the size given never reaches past the heap, so that nothing sized
 * by it reads or writes outside the mapping. */
uint64_t bh_block_size(const struct bh_region *r, uint64_t off)
{
    uint32_t w;
    uint64_t page = head_page(r, off, &w);

    if (BH_PM_KIND(w) == BH_PM_RUN) {
        uint64_t len = BH_PM_PAYLOAD(w), room = r->hdr->npages - page;
        return (len < room ? len : room) << r->page_shift;
    }
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
static __attribute__((noinline)) void slab_emptied_locked(struct bh_region *r, unsigned s,
                                                          uint64_t page, unsigned c)
{
    uint32_t spare;

    if (r->class_pages[c] > 1) {
        slab_release_locked(r, s, page);
        return;
    }
    if (r->stripes[s].spare == page + 1) /* it was the spare, used and emptied again */
        return;
    if ((spare = spare_empty(r, s)) != BH_NO_SLAB)
        slab_release_locked(r, s, spare);
    r->stripes[s].spare = (uint32_t)(page + 1);
}

/*
 * Puts the block at off, in the slab at page (head word w), at the head of
 * list c. The slab loses a live block and gains the head (no change) unless
 * it had the head already (one less); otherwise the old head's slab loses
 * it. The slab is empty when what is left of its count is the head.
 */
static inline void put_head_locked(struct bh_region *r, unsigned s, unsigned c, uint64_t page,
                                   uint32_t w, uint64_t off)
{
    struct bh_freelist *l = &r->stripes[s].lists[c];
    uint32_t old = l->slab;
    unsigned count = BH_PM_LIVE(w) - (old == page);

    if (old != BH_NO_SLAB)
        count_add(r, old, -1);
    free_push(r, l, page, off);
    if (count == 1)
        slab_emptied_locked(r, s, page, c);
}

void bh_block_free_locked(struct bh_region *r, unsigned s, uint64_t off)
{
    struct bh_stripe *st = &r->stripes[s];
    uint32_t w;
    uint64_t page = head_page(r, off, &w);

    if (BH_PM_KIND(w) == BH_PM_RUN) {
        st->bytes -= (uint64_t)BH_PM_PAYLOAD(w) << r->page_shift;
        bh_pages_free(r, page);
        return;
    }
    st->bytes -= bh_class_sizes[BH_PM_CLASS(w)];
    put_head_locked(r, s, BH_PM_CLASS(w), page, w, off);
}
