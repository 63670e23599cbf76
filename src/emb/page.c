/*
 * The page allocator: hands runs of heap pages to stripes, under one robust
 * mutex taken rarely (a stripe asks for a page only when a size class has no
 * free block left, or for a block larger than the largest class).
 *
 * The page map is the allocator's whole state: one word per page saying
 * free, first page of a slab or run (with its owner stripe), or a later page
 * of one. Lock order: a stripe's lock, then this one; never the reverse.
 */
#include "region.h"

/* Claims pages: continuation pages first, the head last, so that a process
 * dying half-way leaves only orphan continuations, which repair frees. Each
 * continuation says how far back its head is, so that finding the block a
 * page belongs to is one step however long the run. */
static void pages_mark(struct bh_region *r, uint64_t first, uint64_t n, uint32_t head)
{
    for (uint64_t i = first + 1; i < first + n; i++)
        atomic_store_explicit(&r->pagemap[i], BH_PM_MAKE(BH_PM_CONT, 0, i - first),
                              memory_order_relaxed);
    atomic_store_explicit(&r->pagemap[first], head, memory_order_release);
}

int bh_pages_lock(struct bh_region *r)
{
    if (bh_mutex_lock(&r->hdr->page_mutex) == BH_MUTEX_DIED) {
        bh_pages_repair(r);
        atomic_fetch_add(&r->hdr->recoveries, 1);
        pthread_mutex_consistent(&r->hdr->page_mutex);
    }
    return 0;
}

void bh_pages_unlock(struct bh_region *r)
{
    pthread_mutex_unlock(&r->hdr->page_mutex);
}

/* The lowest n free pages in a row at or above the hint; npages if none.
 * Owned runs are stepped over whole. *first_free gets the lowest free page
 * seen (npages if none): the hint can move up to it. */
static uint64_t find_low(const struct bh_region *r, uint64_t n, uint64_t *first_free)
{
    uint64_t run = 0;

    *first_free = r->hdr->npages;
    for (uint64_t i = r->hdr->page_hint; i < r->hdr->npages;) {
        uint32_t w = atomic_load_explicit(&r->pagemap[i], memory_order_relaxed);
        if (w != BH_PM_FREE) {
            uint64_t span = BH_PM_KIND(w) == BH_PM_CONT ? 1 : bh_pages_span(r, w);
            run = 0;
            i += span ? span : 1;
            continue;
        }
        if (*first_free == r->hdr->npages)
            *first_free = i;
        if (++run == n)
            return i + 1 - n;
        i++;
    }
    return r->hdr->npages;
}

/* The highest n free pages in a row; npages if none. A continuation says
 * where its head is, so owned runs are stepped over whole here too. */
static uint64_t find_high(const struct bh_region *r, uint64_t n)
{
    uint64_t run = 0;

    for (uint64_t i = r->hdr->npages; i-- > r->hdr->page_hint;) {
        uint32_t w = atomic_load_explicit(&r->pagemap[i], memory_order_relaxed);
        if (w != BH_PM_FREE) {
            run = 0;
            if (BH_PM_KIND(w) == BH_PM_CONT && BH_PM_PAYLOAD(w) <= i)
                i -= BH_PM_PAYLOAD(w);
            continue;
        }
        if (++run == n)
            return i;
    }
    return r->hdr->npages;
}

/*
 * Returns the offset of npages free pages now owned by stripe s, marked
 * with kind and payload, or 0 if no such run is free (the store is full).
 * First fit from the lowest free page: pages freed low are reused first,
 * which keeps the touched part of a lazily-mapped region small. With high
 * set, the highest pages that fit instead: large values, which come and go
 * in long runs, are kept at the top, away from the slabs and index tables,
 * whose leftovers would otherwise cut the free space into pieces too short
 * for them once the store has been filled and emptied.
 */
uint64_t bh_pages_alloc(struct bh_region *r, unsigned s, unsigned kind, uint32_t payload,
                        uint64_t npages, int high)
{
    struct bh_header *h = r->hdr;
    uint64_t start, first_free = h->page_hint, off = 0;

    bh_pages_lock(r);
    start = high ? find_high(r, npages) : find_low(r, npages, &first_free);
    if (start < h->npages) {
        pages_mark(r, start, npages, BH_PM_MAKE(kind, s, payload));
        atomic_fetch_add(&h->pages_used, npages);
        off = bh_page_off(r, start);
    }
    /* Nothing below the first free page the search met is free: without
     * moving the hint there, a hole filled up would make every later
     * search start below it again. */
    if (!high)
        h->page_hint = off && first_free == start ? start + npages : first_free;
    else if (off && start == h->page_hint)
        h->page_hint = start + npages;
    bh_pages_unlock(r);
    return off;
}

static uint64_t run_length(const struct bh_region *r, uint64_t page)
{
    return bh_pages_span(r, atomic_load_explicit(&r->pagemap[page], memory_order_relaxed));
}

/* Frees the slab or run whose first page is page: head first (see
 * pages_mark). If taking the lock repaired the map and that freed the head
 * already (its claim was cut short), nothing is left to free or count. */
void bh_pages_free(struct bh_region *r, uint64_t page)
{
    struct bh_header *h = r->hdr;
    uint64_t n;
    unsigned kind;

    bh_pages_lock(r);
    kind = BH_PM_KIND(atomic_load_explicit(&r->pagemap[page], memory_order_relaxed));
    if (kind != BH_PM_SLAB && kind != BH_PM_RUN) {
        bh_pages_unlock(r);
        return;
    }
    n = run_length(r, page);
    /* Only a damaged map has a run past the heap: free what is in it. */
    if (n > h->npages - page)
        n = h->npages - page;
    atomic_store_explicit(&r->pagemap[page], BH_PM_FREE, memory_order_release);
    for (uint64_t i = page + 1; i < page + n; i++)
        atomic_store_explicit(&r->pagemap[i], BH_PM_FREE, memory_order_relaxed);
    atomic_fetch_sub(&h->pages_used, n);
    if (page < h->page_hint)
        h->page_hint = page;
    bh_pages_unlock(r);
}

/*
 * Makes the page map consistent after its holder died: continuations not
 * covered by a head (and free words not zero) are freed, a head whose run is cut short (or whose
 * continuations point elsewhere) or overruns the heap is freed, and so is
 * one that only damage makes (no such stripe, no such class); the used
 * count and hint are recomputed. A slab's live count is its stripe's to
 * repair. Caller holds the page mutex.
 */
void bh_pages_repair(struct bh_region *r)
{
    struct bh_header *h = r->hdr;
    uint64_t used = 0, hint = h->npages, i = 0;

    while (i < h->npages) {
        uint32_t w = atomic_load_explicit(&r->pagemap[i], memory_order_relaxed);
        unsigned kind = BH_PM_KIND(w);
        uint64_t n = 1, j;

        if (kind == BH_PM_SLAB || kind == BH_PM_RUN) {
            n = run_length(r, i);
            for (j = 1; j < n && i + j < h->npages; j++)
                if (atomic_load(&r->pagemap[i + j]) != BH_PM_MAKE(BH_PM_CONT, 0, j))
                    break;
            if (n == 0 || j < n || BH_PM_STRIPE(w) >= r->nstripes ||
                (kind == BH_PM_SLAB && BH_PM_CLASS(w) >= BH_NCLASSES)) {
                atomic_store(&r->pagemap[i], BH_PM_FREE);
                kind = BH_PM_FREE;
                n = 1;
            } else {
                used += n;
            }
        } else if (w != BH_PM_FREE) {
            /* A continuation no head covers, or a free page's word with
             * bits only damage sets (the allocator takes only zero words). */
            atomic_store(&r->pagemap[i], BH_PM_FREE);
            kind = BH_PM_FREE;
        }
        if (kind == BH_PM_FREE && i < hint)
            hint = i;
        i += n;
    }
    atomic_store(&h->pages_used, used);
    h->page_hint = hint;
}
