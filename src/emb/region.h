/*
 * The layout of an embedded store's region, shared by every file of the
 * embedded backend. Nothing outside src/store/ may include this header.
 *
 *   offset 0        header (magic, version, geometry, page allocator state)
 *   stripes_off     nstripes stripes: lock, sequence, op record, index, free lists
 *   pagemap_off     one 32-bit word per heap page: free, or who owns it
 *   heap_off        the heap: page_size pages, handed to stripes
 *
 * Page size and stripe count depend on the capacity (region.c): every page
 * a stripe holds for a size class is space no other stripe or class can
 * use, so a small store has smaller pages and fewer stripes.
 *
 * Every link inside the region is an offset from its base, never a pointer,
 * so any process can map the region at any address.
 *
 * The truth of a stripe is its index and the entries reachable from it; its
 * free lists and counters are derived and rebuilt by a scan when a process
 * dies holding the stripe's lock (see stripe.c).
 */
#ifndef BH_STORE_REGION_H
#define BH_STORE_REGION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "bothive/store.h"
#include "base/clock.h"
#include "base/proc.h"

#define BH_MAGIC "BOTHIVE"      /* 8 bytes with the NUL */
#define BH_FORMAT_VERSION 6u  /* 6: index arrays without a header (BH_IXW_LEGACY) */
/* Versions 4 (no undo blocks) and 5 (index arrays with a capacity header)
 * are upgraded by the first process to open the file writable, alone
 * (region.c); any other opener is refused with BH_EVERSION. */
#define BH_FORMAT_VERSION_OLDEST 4u
#define BH_PAGE_MAX 4096u     /* pages of large stores */
#define BH_PAGE_MIN 1024u     /* pages of small ones */
#define BH_NSTRIPES_MAX 64u
#define BH_NSTRIPES_MIN 4u
#define BH_NCLASSES 56u
#define BH_NSWAP 4u /* swap blocks per stripe (undo.h) */

/* Page map words: kind in the top two bits, owning stripe, then payload. */
#define BH_PM_FREE 0u
#define BH_PM_SLAB 1u /* payload: size class, count << 6 (below); first page of a slab */
#define BH_PM_RUN 2u  /* payload: length in pages; first page of a large block */
#define BH_PM_CONT 3u /* payload: distance back to the first page of its slab or run */
#define BH_PM_MAKE(kind, stripe, payload) \
    (((uint32_t)(kind) << 30) | ((uint32_t)(stripe) << 22) | (uint32_t)(payload))
#define BH_PM_KIND(w) ((w) >> 30)
#define BH_PM_STRIPE(w) (((w) >> 22) & 0xffu)
#define BH_PM_PAYLOAD(w) ((w) & 0x3fffffu)
/* A slab's count (its live blocks, plus one while the head of its class's
 * free list is one of its blocks: see slab.c) is derived state of its
 * stripe, like the free lists: changed under the stripe's lock, rebuilt by
 * its recovery. */
#define BH_PM_CLASS(w) ((w) & 0x3fu)
#define BH_PM_LIVE(w) (((w) >> 6) & 0xffffu)
#define BH_PM_LIVE_ONE (1u << 6)

/* Index slots: an entry offset with 16 bits of its hash on top. */
#define BH_SLOT_EMPTY 0u
#define BH_SLOT_TOMB 1u
#define BH_SLOT_OFF(s) ((s) & 0xffffffffffffull)
#define BH_SLOT_TAG(s) ((uint16_t)((s) >> 48))
#define BH_SLOT_MAKE(off, tag) ((uint64_t)(off) | ((uint64_t)(tag) << 48))

/* Entry types beyond the public bh_type values: the store's own records. */
#define BH_T_MEMREC 16 /* a memory's directory record (memory_no 0) */
#define BH_T_COUNT 17  /* per stripe and memory: how many keys */
#define BH_T_LOCK 18   /* a named lock record */
#define BH_T_FENCE 19  /* a data key's fence: uint64, never expires (fence.c) */

/* Namespaces that keep data keys, lock names and counters apart. */
#define BH_NS_DATA 0
#define BH_NS_LOCK 1
#define BH_NS_COUNT 2
#define BH_NS_DIR 3
#define BH_NS_FENCE 4

/* Operations recorded while in progress, for recovery and for the record. */
enum bh_op {
    BH_OP_NONE = 0,
    BH_OP_PUT,    /* slot slot_pos: old -> new */
    BH_OP_DEL,    /* slot slot_pos: old -> tombstone */
    BH_OP_REHASH, /* index: old -> new */
    BH_OP_SLAB,   /* carving a new slab into a free list */
    BH_OP_PURGE,  /* removing expired or cleared entries */
    BH_OP_INPLACE /* entry old_off rewritten in place; the value it ends with (type
                     << 32 | vlen in slot_pos, bytes in the undo block new_off) is
                     copied in by recovery (undo.c) */
};

struct bh_oprec {
    uint32_t op;
    uint32_t pad;
    uint64_t slot_pos;
    uint64_t old_off;
    uint64_t new_off;
};

/* A stripe's free list of one size class (slab.c): its first block, and
 * the first pages of the slabs of its first two blocks (BH_NO_SLAB where
 * there is no block), so that taking or putting a block reads no other
 * block first. Derived state, like the lists. */
struct bh_freelist {
    uint64_t head;
    uint32_t slab, next_slab;
};

#define BH_NO_SLAB UINT32_MAX

struct bh_stripe {
    _Atomic uint32_t lock;      /* owner pid, or 0 (slock.c) */
    uint32_t spare;             /* derived: 1 + first page of the slab kept when it
                                   was emptied (it may be in use again), or 0 */
    _Atomic uint64_t owner_token; /* the owner's start time */
    _Atomic uint64_t seq;       /* odd while a holder may write (see read.c) */
    struct bh_oprec op;         /* what the holder is doing right now */
    _Atomic uint64_t index;     /* published index word (bh_ixw_*), 0: none yet */
    uint64_t fence_hwm;         /* fences of freed lock records never go below this */
    _Atomic uint64_t idle_lock; /* the idle lock record kept for reuse, 0: none (lock.c) */
    /* Derived state, rebuilt by recovery: */
    uint64_t used;              /* live slots */
    uint64_t tombs;             /* tombstone slots */
    uint64_t keys;              /* user keys (BH_NS_DATA) */
    uint64_t locks;             /* lock records */
    uint64_t ttl_entries;       /* entries with an expiry */
    int64_t next_expiry_ms;     /* no entry expires before this */
    uint64_t bytes;             /* bytes in blocks allocated to this stripe's users */
    struct bh_freelist lists[BH_NCLASSES]; /* doubly linked through the free blocks */
    uint64_t undo;              /* BH_UNDO_BYTES block for in-place rewrites, 0: none yet */
    uint64_t swap[BH_NSWAP];    /* blocks no slot reaches, each kept for the next rewrite of
                                   a value of its size class by processes of one pid class
                                   (BH_SWAP_*, undo.c), 0: none */
    char pad[24];
} __attribute__((aligned(64)));

struct bh_header {
    char magic[8];
    uint32_t version;
    uint32_t page_size;
    uint64_t capacity;
    uint64_t npages;
    uint64_t stripes_off;
    uint64_t pagemap_off;
    uint64_t heap_off;
    uint32_t nstripes;
    uint32_t nclasses;
    _Atomic uint64_t generation;
    _Atomic uint64_t recoveries;
    _Atomic uint64_t next_memory_no;
    _Atomic uint64_t pages_used;
    uint64_t page_hint;         /* no free page below this (a hint) */
    pthread_mutex_t page_mutex; /* robust; guards the page map */
    _Atomic uint64_t memories;  /* memories created */
};

/*
 * A view of a stripe's index, made from its word (bh_stripe_index): the
 * array in the region is the slots alone, cap words, a power of two, so
 * that an array of a power-of-two size fills its block or page run
 * exactly (with a header word in front, as in version 5, an array of 4 KiB
 * of slots took a run of two pages).
 */
struct bh_index {
    uint64_t cap;
    uint64_t *slots;
};

/*
 * An entry: key and value, immutable once published except where noted
 * (integers are updated in place with one aligned store; the store's own
 * records hold mutexes and state words).
 */
struct bh_entry {
    uint32_t memory_no;
    uint16_t klen;
    uint8_t type;
    uint8_t flags;
    uint32_t vlen;
    uint32_t hash;      /* low 32 bits of the full hash: the probe start */
    int64_t expires_ms; /* CLOCK_REALTIME ms; 0 = never */
    char key[];         /* klen bytes, then padding to 8, then the value */
};

#define BH_ENTRY_HDR sizeof(struct bh_entry)

struct bh_memrec {
    uint32_t memory_no;
    _Atomic uint32_t state;  /* BH_PREP_* */
    pthread_mutex_t prep;    /* robust; held while the preparer runs */
};

#define BH_PREP_NONE 0u
#define BH_PREP_READY 2u

#define BH_LOCK_WAITSLOTS 8

struct bh_lockrec {
    _Atomic uint32_t word;     /* the holder's pid, or 0 (slock.c) */
    int32_t last_pid;          /* the last process to release it */
    _Atomic uint64_t token;    /* the holder's start time, against pid reuse */
    _Atomic uint64_t fence;    /* bumped by every acquisition */
    uint32_t users;            /* waiters beyond the wait slots; guarded by the stripe */
    uint8_t abandoned;         /* set on reopen while held: next acquirer is told */
    _Atomic uint8_t waiting;   /* a bit per wait slot in use: a hint (lock.c) */
    uint16_t pad;
    _Atomic uint32_t turn;     /* futex word: bumped by every acquisition */
    _Atomic uint32_t deferring; /* releasers stepping back (see lock.c) */
    _Atomic int32_t wpid[BH_LOCK_WAITSLOTS]; /* processes waiting for it; set under
                                              * the stripe (lock.c) */
};

/* The region as one process sees it. */
struct bh_region {
    int readonly;       /* mapped read-only: no locks, no writes */
    char *base;
    size_t size;
    struct bh_header *hdr;
    struct bh_stripe *stripes;
    _Atomic uint32_t *pagemap;
    char *heap;
    uint64_t heap_off;  /* hdr->heap_off, kept here: read.c checks it often */
    /* The geometry, from the header, in the forms the hot paths want. */
    unsigned page_shift;   /* log2 of the page size */
    unsigned stripe_shift; /* a key's stripe is the top bits of its hash */
    unsigned nstripes;
    uint16_t class_pages[BH_NCLASSES];  /* pages of a slab of each class */
    uint16_t class_blocks[BH_NCLASSES]; /* blocks in it */
};

/* ---- Offsets ---- */

static inline void *bh_at(const struct bh_region *r, uint64_t off)
{
    return r->base + off;
}

static inline uint64_t bh_off(const struct bh_region *r, const void *p)
{
    return (uint64_t)((const char *)p - r->base);
}

static inline uint64_t bh_page_size(const struct bh_region *r)
{
    return (uint64_t)1 << r->page_shift;
}

static inline uint64_t bh_page_of(const struct bh_region *r, uint64_t off)
{
    return (off - r->heap_off) >> r->page_shift;
}

static inline uint64_t bh_page_off(const struct bh_region *r, uint64_t page)
{
    return r->heap_off + (page << r->page_shift);
}

static inline uint64_t bh_align8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/*
 * A stripe's published index is one word: the offset of its first slot,
 * with log2 of its capacity in the top byte. Every path goes from the
 * stripe straight to a slot, with nothing to load first.
 *
 * BH_IXW_LEGACY marks an array made by version 5, which starts with a word
 * holding its capacity: the block begins 8 bytes before the slots. Such
 * arrays are kept as they are (their words were marked when the file was
 * upgraded: region.c) until a rehash replaces them.
 */
#define BH_IXW_SHIFT 56
#define BH_IXW_LEGACY ((uint64_t)1 << 55)

static inline uint64_t bh_ixw_make(uint64_t off, uint64_t cap)
{
    return off | (uint64_t)__builtin_ctzll(cap) << BH_IXW_SHIFT;
}

/* The offset of the first slot. */
static inline uint64_t bh_ixw_off(uint64_t w)
{
    return w & (BH_IXW_LEGACY - 1);
}

/* The offset of the array's block. */
static inline uint64_t bh_ixw_block(uint64_t w)
{
    return bh_ixw_off(w) - (w & BH_IXW_LEGACY ? 8 : 0);
}

/* log2 of the capacity; a reader that may see garbage checks it first. */
static inline unsigned bh_ixw_bits(uint64_t w)
{
    return (unsigned)(w >> BH_IXW_SHIFT);
}

/* ---- Entries (entry.c) ---- */

static inline char *bh_entry_value(struct bh_entry *e)
{
    return e->key + bh_align8(e->klen);
}

static inline uint64_t bh_entry_size(size_t klen, size_t vlen)
{
    return BH_ENTRY_HDR + bh_align8(klen) + vlen;
}

/*
 * Whether an entry of this type can have a value of vlen bytes. Scalars
 * and the store's records are read and written through their type's
 * layout: in a damaged file, a type or length that disagree would make
 * those accesses land in the next block, or past the heap.
 */
static inline int bh_entry_shape_ok(uint8_t type, uint32_t vlen)
{
    switch (type) {
    case BH_NIL: return vlen == 0;
    case BH_BOOL: return vlen == 1;
    case BH_INT:
    case BH_DOUBLE:
    case BH_T_COUNT:
    case BH_T_FENCE: return vlen == 8;
    case BH_STR:
    case BH_BYTES:
    case BH_JSON: return vlen <= BH_VALUE_MAX + 4096; /* the bound entries always had */
    case BH_T_MEMREC: return vlen == sizeof(struct bh_memrec);
    case BH_T_LOCK: return vlen == sizeof(struct bh_lockrec);
    default: return 0;
    }
}

static inline int bh_type_ns(uint8_t type)
{
    switch (type) {
    case BH_T_LOCK: return BH_NS_LOCK;
    case BH_T_COUNT: return BH_NS_COUNT;
    case BH_T_MEMREC: return BH_NS_DIR;
    case BH_T_FENCE: return BH_NS_FENCE;
    default: return BH_NS_DATA;
    }
}

/* A lookup key: memory, namespace, bytes, and their hash. */
struct bh_key {
    uint32_t memory_no;
    int ns;
    const char *data;
    size_t len;
    uint64_t hash;
    uint64_t tail; /* the last len % 8 bytes, as a little-endian word */
};

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bh_entry_matches compares key tails as little-endian words"
#endif

void bh_key_init(struct bh_key *k, uint32_t memory_no, int ns, const char *data, size_t len);

/*
 * Whether the entry holds key k. Inline, with the key compared eight bytes
 * at a time: this runs on every lookup, and for short keys a call to memcmp
 * costs more than the comparison. The entry's key is padded to 8 bytes, so
 * its last word may be read whole (and masked); the caller's key may not be
 * read past its length, which is why bh_key_init keeps its tail word.
 */
static inline int bh_entry_matches(const struct bh_entry *e, const struct bh_key *k)
{
    const char *a = e->key, *b = k->data;
    size_t i = 0, n = k->len;
    uint64_t x, y;

    if (e->hash != (uint32_t)k->hash || e->memory_no != k->memory_no || e->klen != n ||
        bh_type_ns(e->type) != k->ns)
        return 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return 0;
    }
    if (i == n)
        return 1;
    memcpy(&x, a + i, 8);
    return (x & (~(uint64_t)0 >> (64 - 8 * (n - i)))) == k->tail;
}
static inline unsigned bh_key_stripe(const struct bh_region *r, const struct bh_key *k)
{
    return (unsigned)(k->hash >> r->stripe_shift);
}
static inline uint16_t bh_key_tag(const struct bh_key *k)
{
    return (uint16_t)(k->hash >> 32);
}
uint64_t bh_entry_new_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                             uint8_t type, uint32_t vlen, int64_t expires_ms);
static inline int bh_entry_expired(const struct bh_entry *e, int64_t now)
{
    return e->expires_ms != 0 && e->expires_ms <= now;
}

/* ---- Size classes and blocks (slab.c); caller holds the stripe ---- */

/* Size of class c in bytes; BH_NCLASSES means "a page run". */
uint32_t bh_class_size(unsigned c);
#define BH_CLASS_MAX 8192u /* the largest class (slab.c) */
/*
 * The smallest class holding size bytes, or BH_NCLASSES past the largest.
 * Computed, not searched: it is on every allocation and rewrite. Up to 256
 * the classes are multiples of 16; above, each power of two 2^p (p >= 8) is
 * followed by eight classes 2^p/8 apart, the eighth being 2^(p+1).
 */
static inline unsigned bh_class_of(uint64_t size)
{
    if (size <= 256)
        return size ? (unsigned)((size + 15) / 16 - 1) : 0;
    if (size > BH_CLASS_MAX)
        return BH_NCLASSES;
    unsigned p = 63 - (unsigned)__builtin_clzll(size - 1); /* 2^p < size <= 2^(p+1) */
    uint64_t step = ((uint64_t)1 << p) / 8;
    uint64_t eighth = (size - ((uint64_t)1 << p) + step - 1) / step; /* 1..8 */
    return 16 + (p - 8) * 8 + (unsigned)eighth - 1;
}
/* Fills r's slab shapes (class_pages, class_blocks) for its page size. */
void bh_slab_shapes(struct bh_region *r);
static inline unsigned bh_class_pages(const struct bh_region *r, unsigned c)
{
    return r->class_pages[c];
}
uint64_t bh_block_alloc_locked(struct bh_region *r, unsigned s, uint64_t size);
void bh_block_free_locked(struct bh_region *r, unsigned s, uint64_t off);
/* A block of whole pages of its own, even if a class would hold it: for a
 * block a stripe has one of, which would leave the rest of a slab idle. */
uint64_t bh_run_alloc_locked(struct bh_region *r, unsigned s, uint64_t size);
/* The first words of a free block: its class's free list, both ways (the
 * head's prev is left stale), and the first pages of the slabs of the next
 * two blocks on it (slab.c). */
struct bh_freeblk {
    uint64_t next, prev;
    uint32_t nslab, nnslab;
};
/* Empties every free list of stripe s (formatting, recovery). */
void bh_free_lists_clear(struct bh_region *r, unsigned s);
/* Recovery's sweep: puts a free block of class c in the slab at page at
 * the head of its list, counting nothing; then bh_free_count_heads_locked. */
void bh_free_push_locked(struct bh_region *r, unsigned s, unsigned c, uint64_t page,
                         uint64_t off);
void bh_free_count_heads_locked(struct bh_region *r, unsigned s);
/* Bytes the block at off really occupies (its class or run size). */
uint64_t bh_block_size(const struct bh_region *r, uint64_t off);
/* Whether off is the start of a block owned by stripe s (1) or not (0):
 * inside the heap, aligned, on a page group of stripe s, at a block
 * boundary of its class or the first page of its run. */
int bh_block_valid(const struct bh_region *r, unsigned s, uint64_t off);

/* ---- Pages (page.c) ---- */

uint64_t bh_pages_alloc(struct bh_region *r, unsigned s, unsigned kind, uint32_t payload,
                        uint64_t npages, int high);
void bh_pages_free(struct bh_region *r, uint64_t page);
int bh_pages_lock(struct bh_region *r);
void bh_pages_unlock(struct bh_region *r);
void bh_pages_repair(struct bh_region *r);

/* How many pages the slab or run headed by page map word w spans (1 for
 * any other word). */
static inline uint64_t bh_pages_span(const struct bh_region *r, uint32_t w)
{
    if (BH_PM_KIND(w) == BH_PM_RUN)
        return BH_PM_PAYLOAD(w);
    if (BH_PM_KIND(w) == BH_PM_SLAB && BH_PM_CLASS(w) < BH_NCLASSES)
        return bh_class_pages(r, BH_PM_CLASS(w));
    return 1;
}

/* ---- Robust mutexes (mutex.c) ---- */

int bh_mutex_init(pthread_mutex_t *m);
/* What bh_mutex_lock found. */
enum bh_mutex_got {
    BH_MUTEX_LOCKED = 0, /* held now */
    BH_MUTEX_DIED = 1,   /* held now; its previous owner died holding it */
    BH_MUTEX_MINE = -1,  /* not taken: the calling thread holds it already */
};
/* Locks m. With BH_MUTEX_DIED the caller must repair what it guards and
 * call pthread_mutex_consistent. */
enum bh_mutex_got bh_mutex_lock(pthread_mutex_t *m);

/* ---- Stripe locks (slock.c) ---- */

#define BH_SLOCK_WAITERS 0x80000000u

/* Takes the lock, waiting until deadline (absolute CLOCK_MONOTONIC; NULL:
 * for ever): 0, 1 if its previous owner died holding it (the caller now
 * holds it and must repair what it guards), or BH_ETIMEDOUT. */
int bh_slock_timedlock(_Atomic uint32_t *word, _Atomic uint64_t *token,
                       const struct timespec *deadline);
int bh_slock_take_dead(_Atomic uint32_t *word, _Atomic uint64_t *token, uint32_t cur);
/* Takes the lock if it is free now or within a brief spin (BH_SLOCK_SPINS
 * pauses, a couple of microseconds): 0, or BH_EBUSY. Never looks at the
 * owner (which costs a read of /proc): a caller that must not wait on a
 * dead owner calls bh_slock_trylock after it. */
int bh_slock_spin(_Atomic uint32_t *word, _Atomic uint64_t *token);
/* Wakes one process asleep on word (the release found the waiters bit). */
void bh_slock_wake(_Atomic uint32_t *word);

/* Takes a free word with one compare-and-swap: whether it did; *cur is
 * what the word held otherwise. */
static inline int bh_slock_cas(_Atomic uint32_t *word, _Atomic uint64_t *token, uint32_t *cur)
{
    *cur = 0;
    if (!atomic_compare_exchange_strong_explicit(word, cur, (uint32_t)bh_proc_pid(),
                                                 memory_order_acquire, memory_order_relaxed))
        return 0;
    atomic_store_explicit(token, bh_proc_token(), memory_order_relaxed);
    return 1;
}

/* Outside any other process's reach from here on, the stripe's owner costs
 * one compare-and-swap; inline, because the stripes are taken on every write
 * and a call chain costs as much as the lock. Returns 0 or 1 as above. */
static inline int bh_slock_lock(_Atomic uint32_t *word, _Atomic uint64_t *token)
{
    uint32_t cur;

    return bh_slock_cas(word, token, &cur) ? 0 : bh_slock_timedlock(word, token, NULL);
}

/* Once, without looking at the owner: 0 or BH_EBUSY. */
static inline int bh_slock_trylock_live(_Atomic uint32_t *word, _Atomic uint64_t *token)
{
    uint32_t cur;

    return bh_slock_cas(word, token, &cur) ? 0 : BH_EBUSY;
}

/* Once: 0, 1 (the owner was gone), or BH_EBUSY. A held word costs a read
 * of the owner's /proc entry: microseconds. */
static inline int bh_slock_trylock(_Atomic uint32_t *word, _Atomic uint64_t *token)
{
    uint32_t cur;

    return bh_slock_cas(word, token, &cur) ? 0 : bh_slock_take_dead(word, token, cur);
}

static inline void bh_slock_unlock(_Atomic uint32_t *word, _Atomic uint64_t *token)
{
    atomic_store_explicit(token, 0, memory_order_relaxed);
    if (atomic_exchange_explicit(word, 0, memory_order_release) & BH_SLOCK_WAITERS)
        bh_slock_wake(word);
}

/* Whether the calling process holds it. */
static inline int bh_slock_mine(const _Atomic uint32_t *word, const _Atomic uint64_t *token)
{
    return (atomic_load(word) & ~BH_SLOCK_WAITERS) == (uint32_t)bh_proc_pid() &&
           atomic_load(token) == bh_proc_token();
}

/* ---- Stripes (stripe.c) ---- */

/* Rebuilds free lists and counters of stripe s from its index. */
void bh_stripe_rebuild_locked(struct bh_region *r, unsigned s);
/* The rebuild after taking a stripe from a holder that died, counted. */
void bh_stripe_recover_locked(struct bh_region *r, unsigned s);

/*
 * Takes stripe s, repairing it first if its last holder died. Makes the
 * stripe's sequence odd until bh_stripe_unlock, for lock-free readers. A
 * read-only mapping takes no lock (it could not write one). Inline: every
 * write takes a stripe.
 */
static inline void bh_stripe_lock_rw(struct bh_region *r, unsigned s);
static inline void bh_stripe_lock(struct bh_region *r, unsigned s)
{
    if (!r->readonly)
        bh_stripe_lock_rw(r, s);
}

static inline void bh_stripe_unlock_rw(struct bh_region *r, unsigned s);
static inline void bh_stripe_unlock(struct bh_region *r, unsigned s)
{
    if (!r->readonly)
        bh_stripe_unlock_rw(r, s);
}

/* The same on a region known to be writable (the write operations: the
 * store layer refuses them on a read-only handle): no test of readonly,
 * which the compiler cannot hoist out of the calls around it. */
static inline void bh_stripe_lock_rw(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t seq;

    if (bh_slock_lock(&st->lock, &st->owner_token))
        bh_stripe_recover_locked(r, s);
    /* Odd from here on: readers without the lock retry. A holder that died
     * left it odd; it stays odd for us, and we leave it even. */
    seq = atomic_load_explicit(&st->seq, memory_order_relaxed) | 1;
    atomic_store_explicit(&st->seq, seq + 2, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
}

static inline void bh_stripe_unlock_rw(struct bh_region *r, unsigned s)
{
    struct bh_stripe *st = &r->stripes[s];

    atomic_store_explicit(&st->seq, atomic_load_explicit(&st->seq, memory_order_relaxed) + 1,
                          memory_order_release);
    bh_slock_unlock(&st->lock, &st->owner_token);
}

/* Whether off is a whole entry / index array of stripe s: bounds, owner,
 * block boundary, sizes. Used by recovery, check and read-only readers. */
int bh_entry_valid(const struct bh_region *r, unsigned s, uint64_t off);
/* For an index, w is the stripe's index word (the array is a block of the
 * stripe that holds the capacity the word gives). */
int bh_index_valid(const struct bh_region *r, unsigned s, uint64_t w);

/* Fills *v from index word w: v, or NULL if w is 0. */
static inline struct bh_index *bh_index_view(struct bh_region *r, uint64_t w, struct bh_index *v)
{
    if (!bh_ixw_off(w))
        return NULL;
    v->cap = (uint64_t)1 << bh_ixw_bits(w);
    v->slots = (uint64_t *)bh_at(r, bh_ixw_off(w));
    return v;
}

/* The stripe's index in *v, or NULL if it has none (or, read-only, a torn
 * one). */
static inline struct bh_index *bh_stripe_index(struct bh_region *r, unsigned s,
                                               struct bh_index *v)
{
    uint64_t w = atomic_load_explicit(&r->stripes[s].index, memory_order_acquire);

    if (r->readonly && w && !bh_index_valid(r, s, w))
        return NULL;
    return bh_index_view(r, w, v);
}

/* The entry in a live slot, or NULL (read-only: if it is not a whole entry). */
static inline struct bh_entry *bh_slot_entry(struct bh_region *r, unsigned s, uint64_t slot)
{
    if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
        return NULL;
    if (r->readonly && !bh_entry_valid(r, s, BH_SLOT_OFF(slot)))
        return NULL;
    return (struct bh_entry *)bh_at(r, BH_SLOT_OFF(slot));
}
/* Validates stripe s; writes a description of the first problem in msg. */
int bh_stripe_check_locked(struct bh_region *r, unsigned s, char *msg, size_t msglen);

/* ---- Named-lock records (lock.c); caller holds the stripe ---- */

/* After stripe s was rebuilt: re-derives which idle lock record it keeps,
 * and frees the others. */
void bh_lock_stripe_settle_locked(struct bh_region *r, unsigned s);
/* Validates the stripe's lock records for bh_stripe_check_locked. */
int bh_lock_stripe_check_locked(struct bh_region *r, unsigned s, char *msg, size_t msglen);

/* ---- Index (index.c); caller holds the stripe ---- */

/* bh_index_find_locked, with the read-only checks of index and entries
 * made when ro is set; ro is a constant wherever this is inlined. */
static inline __attribute__((always_inline)) int64_t
bh_index_find_ro(struct bh_region *r, unsigned s, const struct bh_key *k, struct bh_entry **out,
                 int ro)
{
    uint64_t w = atomic_load_explicit(&r->stripes[s].index, memory_order_acquire);
    struct bh_index v, *ix = !ro || !w || bh_index_valid(r, s, w) ? bh_index_view(r, w, &v) : NULL;
    uint16_t tag = bh_key_tag(k);

    if (!ix)
        return -1;
    uint64_t mask = ix->cap - 1;
    uint64_t i = (uint32_t)k->hash & mask;
    for (uint64_t n = 0; n < ix->cap; n++, i = (i + 1) & mask) {
        uint64_t slot = ix->slots[i];
        if (slot == BH_SLOT_EMPTY)
            return -1;
        if (slot == BH_SLOT_TOMB || BH_SLOT_TAG(slot) != tag)
            continue;
        if (ro && !bh_entry_valid(r, s, BH_SLOT_OFF(slot)))
            continue;
        struct bh_entry *e = (struct bh_entry *)bh_at(r, BH_SLOT_OFF(slot));
        if (bh_entry_matches(e, k)) {
            if (out)
                *out = e;
            return (int64_t)i;
        }
    }
    return -1;
}

/* Finds k; returns the slot position or -1, and the entry in *out (if out
 * is not NULL). Inline: every locked operation starts with it. */
static inline int64_t bh_index_find_locked(struct bh_region *r, unsigned s,
                                           const struct bh_key *k, struct bh_entry **out)
{
    return r->readonly ? bh_index_find_ro(r, s, k, out, 1) : bh_index_find_ro(r, s, k, out, 0);
}
/* Publishes entry new_off for k: replacing the entry at pos (>= 0), or in a
 * free slot. Returns 0 or BH_ENOSPC (nothing changed). */
int bh_index_put_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                        int64_t pos, uint64_t new_off);
/* Makes room for one more entry (may rehash). BH_ENOSPC if impossible. */
int bh_index_reserve_locked(struct bh_region *r, unsigned s);
/* Removes the entry at pos and frees its block. */
void bh_index_remove_locked(struct bh_region *r, unsigned s, int64_t pos);
/* Removes the stripe's entries of every memory that expired at or before
 * now (wall-clock ms), when some are due (next_expiry_ms says so). */
void bh_index_purge_locked(struct bh_region *r, unsigned s, int64_t now);

/* ---- Lock-free reads (read.c) ---- */

#define BH_READ_RETRY 1 /* not settled without the lock: use the locked path */
/* Looks k up in stripe s without its mutex. Returns BH_OK (and fills out,
 * unless it is NULL), BH_ENOTFOUND, BH_ENOMEM, or BH_READ_RETRY. */
int bh_read_lockfree(struct bh_region *r, unsigned s, const struct bh_key *k, bh_value *out);

/* ---- Memory records and key counts (memory.c) ---- */

/* Adds delta to the key count of memory_no in stripe s, creating the count
 * record when missing (delta 0 just makes sure it exists). cache, if not
 * NULL, holds BH_NSTRIPES_MAX record offsets kept by a bh_shared handle.
 * Returns 0 or BH_ENOSPC. */
int bh_count_adjust_locked(struct bh_region *r, unsigned s, uint32_t memory_no,
                           int64_t delta, uint64_t *cache);
uint64_t bh_count_get_locked(struct bh_region *r, unsigned s, uint32_t memory_no,
                             uint64_t *cache);
/* Finds or creates the directory record of a memory. */
int bh_memory_open(struct bh_region *r, const char *id, uint32_t *memory_no,
                   uint64_t *rec_off);
/* Finds it only: BH_ENOTFOUND if absent. */
int bh_memory_find(struct bh_region *r, const char *id, uint32_t *memory_no,
                   uint64_t *rec_off);
/* Every memory id, malloc'd. */
int bh_memory_list(struct bh_region *r, char ***ids, size_t *n);

#endif /* BH_STORE_REGION_H */
