/*
 * bothive: the shared-memory store.
 *
 * A store holds any number of memories; a memory is a typed key/value map
 * that every process sharing the store reads and writes directly. The
 * embedded store lives in one mapped region (an anonymous shared mapping made
 * before fork, or a file), so an operation costs tens of nanoseconds, not a
 * round trip to a server.
 *
 * Guarantees
 *  - Every operation is atomic: other processes see it whole or not at all,
 *    even when the process doing it is killed at any instant.
 *  - A process killed while holding one of the store's internal locks is
 *    noticed by the next process to want it (within milliseconds), which
 *    repairs the structure the lock guards and counts a recovery
 *    (bh_store_stats). Reads take no lock at all (a seqlock per stripe).
 *  - A full store is an error (BH_ENOSPC), never a silent eviction; the key's
 *    previous value stays intact.
 *  - file: stores keep every write that returned success across a clean
 *    exit, a crash or a SIGKILL of any or all processes. (Power loss needs
 *    bh_store_sync.)
 *
 * Limits
 *  - Keys: 1 to BH_KEY_MAX bytes, any bytes but NUL. Memory ids and lock
 *    names: the same.
 *  - Values: up to BH_VALUE_MAX bytes, and at most an eighth of the capacity.
 *  - Capacity: fixed at creation, from BH_CAPACITY_MIN to BH_CAPACITY_MAX.
 *  - Overhead per entry: a 24-byte header, the key padded to 8 bytes, the
 *    entry rounded up to its size class (16 bytes apart up to 256 bytes, at
 *    most 12.5% apart up to 8 KiB, whole pages of 1 to 4 KiB beyond, by
 *    capacity), and one 8-byte index slot at a load of 3/8 to 3/4 (11 to 22
 *    bytes). With values of mixed sizes, more than three quarters of any
 *    capacity holds keys, values and headers when the store is full.
 *
 * Threads: a bh_store and its bh_shared handles may be used by one thread at
 * a time; use one handle per thread. Processes: open the store, then fork;
 * children inherit it (they must not call bh_store_close on the parent's
 * handle concurrently with the parent; each process closes its own copy).
 */
#ifndef BOTHIVE_STORE_H
#define BOTHIVE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BH_KEY_MAX       512
#define BH_VALUE_MAX     (1u << 20)           /* 1 MiB */
#define BH_CAPACITY_DEFAULT ((size_t)64 << 20) /* 64 MiB */
#define BH_CAPACITY_MIN  ((size_t)1 << 20)    /* 1 MiB */
#define BH_CAPACITY_MAX  ((size_t)1 << 40)    /* 1 TiB */

typedef struct bh_store bh_store;
typedef struct bh_shared bh_shared;
typedef struct bh_cursor bh_cursor;

#define BH_STORE_READONLY 1u /* file: only; see bh_store_open */

typedef struct bh_store_options {
    size_t capacity; /* bytes; 0 = default (64 MiB). Used only at creation. */
    unsigned flags;  /* BH_STORE_READONLY */
    /* more fields may follow; zero always means the default */
} bh_store_options;

/* Filled by bh_store_stats (a struct tag: the function has the plain name). */
struct bh_store_stats {
    size_t capacity;     /* bytes of the region */
    size_t used;         /* bytes in allocated blocks and index tables */
    size_t free;         /* bytes any write can still use (free pages; room left
                            in partly used blocks of one size is not counted) */
    uint64_t keys;       /* live keys in all memories */
    uint64_t memories;   /* memories created */
    uint64_t locks;      /* named-lock records alive */
    uint64_t recoveries; /* repairs after a process died holding a lock, and
                            damaged structures of a file: repaired or dropped */
    uint64_t generation; /* times the store was opened with nobody else in it */
};

/* ---- Values --------------------------------------------------------- */

typedef enum bh_type {
    BH_NIL = 0,
    BH_BOOL = 1,
    BH_INT = 2,    /* int64_t, never squeezed into a double */
    BH_DOUBLE = 3,
    BH_STR = 4,    /* NUL-free text; len excludes the terminator */
    BH_BYTES = 5,  /* any bytes */
    BH_JSON = 6    /* a JSON document, stored as its text */
} bh_type;

/*
 * A typed value. For BH_STR, BH_BYTES and BH_JSON, `data`/`len` point at the
 * bytes: caller-owned when passed in; malloc'd and owned by the value when
 * filled by bh_shared_get or bh_shared_pop (release with bh_value_free).
 * Strings read from the store are NUL-terminated (not counted in len).
 */
typedef struct bh_value {
    bh_type type;
    union {
        int b;
        int64_t i;
        double d;
        struct {
            void *data;
            size_t len;
        } s;
    } u;
} bh_value;

/** Releases what bh_shared_get/pop allocated in *v and sets it to nil. */
void bh_value_free(bh_value *v);
/** Constructors for passing values in (no allocation; data is borrowed). */
bh_value bh_value_nil(void);
bh_value bh_value_bool(int b);
bh_value bh_value_int(int64_t i);
bh_value bh_value_double(double d);
bh_value bh_value_str(const char *s);
bh_value bh_value_bytes(const void *p, size_t len);
/** A JSON text (not validated here; bh_shared_put validates it). */
bh_value bh_value_json(const char *text);
/** Returns 1 if a and b have the same type and value, else 0. */
int bh_value_equal(const bh_value *a, const bh_value *b);

/* ---- Stores ---------------------------------------------------------- */

/**
 * Opens a store from a URL:
 *   "mem:" (or NULL, or "")  an anonymous shared mapping, shared with the
 *                            processes forked after this call; gone at exit.
 *   "file:PATH"              a mapped file, created with mode 0600 if absent;
 *                            persistent. The first process to open it (none
 *                            else has it open) re-initialises its locks and
 *                            repairs it before anyone uses it.
 *   "redis://host:port/db"   see bothive/redis.h (built unless CMake was
 *                            given -DBOTHIVE_REDIS=OFF; else BH_ENOTSUP).
 * opt may be NULL. On success *out is the handle.
 * With BH_STORE_READONLY (file: only) the file must exist; it is mapped
 * read-only and read without taking its locks (no process-shared mutex can
 * be locked in a read-only mapping), so an inspector never disturbs the
 * processes using it; while they write, what it reads may be a moment old.
 * Every call that would write returns BH_EREADONLY, and bh_shared_open of
 * a memory that does not exist returns BH_ENOTFOUND.
 * Errors: BH_EINVAL (NULL out, bad URL, capacity out of range),
 * BH_ENOTSUP (unknown scheme), BH_EIO (open/mmap failed; errno is set),
 * BH_ENOTSTORE (the file is not a bothive store, or is truncated),
 * BH_EVERSION (another format version: a newer one; or an older one that
 * this opener cannot upgrade, because it is read-only or another process has
 * the file open; the first writable opener alone upgrades it in place),
 * BH_ECORRUPT (damaged beyond repair),
 * BH_ENOMEM.
 */
int bh_store_open(bh_store **out, const char *url, const bh_store_options *opt);

/** Unmaps and frees the handle. Other processes keep their mappings. NULL is a no-op. */
void bh_store_close(bh_store *st);

/** Fills *out. Errors: BH_EINVAL. */
int bh_store_stats(bh_store *st, struct bh_store_stats *out);

/**
 * Validates every memory's structure and the allocator: each index entry
 * points at an allocated block of the right stripe, no block is both free and
 * in use, counters match. Takes each internal lock in turn (never all at once).
 * Returns BH_OK, or BH_ECORRUPT with a description of the first problem in
 * bh_store_errmsg(st). Errors: BH_EINVAL, BH_ECORRUPT, BH_ENOMEM.
 */
int bh_store_check(bh_store *st);

/**
 * Lists every memory of the store: *ids is a malloc'd array of *n malloc'd
 * ids, freed with bh_store_memories_free. Errors: BH_EINVAL, BH_ENOMEM,
 * BH_ENOTSUP (a backend that cannot list).
 */
int bh_store_memories(bh_store *st, char ***ids, size_t *n);
void bh_store_memories_free(char **ids, size_t n);

/** Flushes a file: store to disk (msync). A no-op for mem:. Errors: BH_EIO. */
int bh_store_sync(bh_store *st);

/**
 * The message of the last error that carried details on this handle ("" if
 * none). With st NULL: the details of the last bh_store_open that failed in
 * the calling thread (why a file is not a store, which address refused the
 * connection), since a failed open leaves no handle; "" if it gave none.
 */
const char *bh_store_errmsg(bh_store *st);

/* ---- Memories ------------------------------------------------------- */

/**
 * Opens (creating if needed) the memory named memory_id. The same id gives
 * the same memory in every process; the same key in two memories is two keys.
 * Errors: BH_EINVAL (NULL/empty id, id longer than BH_KEY_MAX), BH_ENOSPC,
 * BH_ENOMEM.
 */
int bh_shared_open(bh_store *st, const char *memory_id, bh_shared **out);

/** Frees the handle (the memory and its keys stay) and releases the locks
 *  still held through it. NULL is a no-op. */
void bh_shared_close(bh_shared *m);

/** The memory's id, as given to bh_shared_open. */
const char *bh_shared_id(const bh_shared *m);

/* Flags for bh_shared_put. */
#define BH_PUT_ADD     1u /* only if the key is absent, else BH_EEXISTS */
#define BH_PUT_REPLACE 2u /* only if the key is present, else BH_ENOTFOUND */

/*
 * Common errors of every key operation below: BH_EINVAL (NULL handle, NULL or
 * empty key, NULL output pointer), BH_ETOOBIG (key longer than BH_KEY_MAX).
 * Writes can also give BH_ETOOBIG (value too large) and BH_ENOSPC (full;
 * the previous value stays). Reads of a typed getter give BH_ENOTFOUND
 * (absent or expired) and BH_ETYPE (stored with another type; *out untouched).
 */

/**
 * Stores v under key. flags: 0, BH_PUT_ADD or BH_PUT_REPLACE. ttl_ms > 0
 * makes the key expire that many milliseconds from now (it then reads as
 * absent and its space is reclaimed); 0 means never. JSON values are checked
 * to be well-formed (BH_EJSON). Errors: the common ones, BH_EEXISTS,
 * BH_ENOTFOUND, BH_EJSON, BH_EINVAL (both flags, negative ttl, bad type).
 */
int bh_shared_put(bh_shared *m, const char *key, const bh_value *v,
                  unsigned flags, int64_t ttl_ms);

/**
 * bh_shared_put guarded by a fence: any number that grows with each new
 * writer's turn (bh_lock_fence of the lock the writer holds, an epoch of
 * a lease). The store keeps, per key, the highest fence of the fenced puts
 * that succeeded on it; a put whose fence is lower is refused, so a writer
 * that lost its turn (a lock whose lease ran out while its holder was
 * stopped) cannot overwrite the work of the one after it. An equal fence
 * is accepted (one writer's several writes). The key's fence is kept apart
 * from its value: a plain put, a delete, a pop or the expiry of the value
 * leave it; bh_shared_clear forgets the fences of the memory's keys with
 * the keys. The check and the write are one atomic step on every backend.
 * Errors: those of bh_shared_put, and BH_EFENCED (fence lower than the
 * key's: nothing changed).
 */
int bh_shared_put_fenced(bh_shared *m, const char *key, const bh_value *v,
                         unsigned flags, int64_t ttl_ms, uint64_t fence);

/** Copies the value of key into *out (see bh_value). Errors: common, BH_ENOTFOUND, BH_ENOMEM. */
int bh_shared_get(bh_shared *m, const char *key, bh_value *out);

int bh_shared_set_int(bh_shared *m, const char *key, int64_t v);
int bh_shared_get_int(bh_shared *m, const char *key, int64_t *out);
int bh_shared_set_double(bh_shared *m, const char *key, double v);
int bh_shared_get_double(bh_shared *m, const char *key, double *out);
int bh_shared_set_bool(bh_shared *m, const char *key, int v);
int bh_shared_get_bool(bh_shared *m, const char *key, int *out);
int bh_shared_set_str(bh_shared *m, const char *key, const char *s);
/** *out is a malloc'd NUL-terminated copy; the caller frees it. */
int bh_shared_get_str(bh_shared *m, const char *key, char **out);
int bh_shared_set_bytes(bh_shared *m, const char *key, const void *p, size_t len);
/** *out is a malloc'd copy of *len bytes (NUL-terminated for convenience). */
int bh_shared_get_bytes(bh_shared *m, const char *key, void **out, size_t *len);
/** Stores a JSON text after checking it parses (BH_EJSON if not). */
int bh_shared_set_json(bh_shared *m, const char *key, const char *json_text);
/** *out is a malloc'd copy of the JSON text. */
int bh_shared_get_json(bh_shared *m, const char *key, char **out);

/**
 * Adds delta to the integer under key atomically and stores the result in
 * *out (out may be NULL). An absent key counts as 0. Errors: common,
 * BH_ETYPE (not an integer), BH_EOVERFLOW (nothing changed).
 */
int bh_shared_incr(bh_shared *m, const char *key, int64_t delta, int64_t *out);

/**
 * Replaces the value of key with desired only if it currently equals
 * expected (same type and value). expected NULL means "only if absent".
 * desired NULL means "delete". Errors: common, BH_ECONFLICT (the value
 * differs; nothing changed), BH_ENOTFOUND (expected given, key absent).
 */
int bh_shared_cas(bh_shared *m, const char *key, const bh_value *expected,
                  const bh_value *desired);

/** Removes key and moves its value into *out (out may be NULL). Errors: common, BH_ENOTFOUND. */
int bh_shared_pop(bh_shared *m, const char *key, bh_value *out);

/** Removes key. Errors: common, BH_ENOTFOUND. */
int bh_shared_delete(bh_shared *m, const char *key);

/** Returns 1 if key is present (and not expired), 0 if not, or an error. */
int bh_shared_contains(bh_shared *m, const char *key);

/** Number of live keys in the memory. Errors: BH_EINVAL. */
int bh_shared_len(bh_shared *m, size_t *out);

/** Removes every key of the memory and the keys' fences (bh_shared_put_fenced),
 *  not its locks, not its prepared state. */
int bh_shared_clear(bh_shared *m);

/**
 * Iterates the keys of a memory without holding a lock over the whole walk:
 * a key present for the whole walk is returned exactly once; keys added or
 * removed during it may or may not be. Order is unspecified.
 * bh_cursor_next sets *key to a string owned by the cursor, valid until the
 * next call; it returns BH_OK, or BH_ENOTFOUND at the end.
 */
int bh_cursor_open(bh_shared *m, bh_cursor **out);
int bh_cursor_next(bh_cursor *c, const char **key);
void bh_cursor_close(bh_cursor *c);

/* ---- Rate limits ---------------------------------------------------- */

/*
 * Shared rate limits (GCRA) decided by the store, on the store's clock:
 * with redis:// one script per decision, on the server's clock (TIME), so
 * that hosts whose clocks differ share one limit; with mem: and file: the
 * wall clock of the host, under a named lock of the memory
 * ("bothive.rate"). A cell is a key holding its state (an integer: the
 * theoretical arrival time, in microseconds on that clock), an emission
 * interval and a burst: burst takes may go at once, then one every
 * interval. Keys expire once they no longer limit anything.
 */
typedef struct bh_rate_cell {
    const char *key;     /* the state's key in the memory */
    int64_t interval_us; /* > 0 */
    int burst;           /* >= 1 */
} bh_rate_cell;

#define BH_RATE_CELLS_MAX 8

/**
 * Reserves the earliest slot that every cell allows, and that is not
 * before the end of the pause in pause_key (bh_shared_rate_pause; NULL:
 * none): all cells are charged for that slot in one atomic step, and
 * *wait_us is how long from now the caller should wait before it acts
 * (0: at once). It is a span, not a time, so that no two clocks are
 * compared. With max_wait_us >= 0, a slot further than that is not
 * reserved: BH_ETIMEDOUT, nothing changed, and *wait_us still says how
 * far it is; -1 takes any slot.
 * Errors: BH_EINVAL (NULL m, cells or wait_us, n 0 or above
 * BH_RATE_CELLS_MAX, a NULL or empty key, interval_us <= 0, burst < 1,
 * max_wait_us < -1), BH_ETOOBIG (a key), BH_ETIMEDOUT, BH_ETYPE (a key
 * holds something else than an integer), BH_EREADONLY, BH_ENOSPC, and
 * those of the backend (BH_ENET for redis://).
 */
int bh_shared_rate_take(bh_shared *m, const bh_rate_cell *cells, size_t n,
                        const char *pause_key, int64_t max_wait_us, int64_t *wait_us);

/**
 * Pauses every bh_shared_rate_take that names pause_key until pause_us
 * from now, on the store's clock (a 429 answered to one host holds every
 * host back). A pause is never shortened: the later end wins.
 * Errors: BH_EINVAL (NULL m, NULL or empty key, pause_us <= 0),
 * BH_ETOOBIG, BH_ETYPE, BH_EREADONLY, BH_ENOSPC, the backend's.
 */
int bh_shared_rate_pause(bh_shared *m, const char *pause_key, int64_t pause_us);

/* ---- Named locks ---------------------------------------------------- */

/**
 * Acquires the lock `name` of memory m (names are scoped to their memory).
 * timeout_ms: -1 waits for ever, 0 tries once, > 0 waits at most that long
 * (measured on the monotonic clock). Waiters sleep in the kernel and are
 * served fairly: a process that releases and re-acquires in a loop cannot
 * starve a waiter.
 * Returns BH_OK, or BH_EABANDONED when acquired from a holder that died (the
 * caller now holds the lock and should check the data it guards).
 * A lock takes room in the store (a record; with redis://, keys) only while
 * it is held or waited for, plus a few idle records kept for reuse: a
 * program may use any number of names in turn.
 * Errors: BH_EINVAL, BH_ETOOBIG (name), BH_ETIMEDOUT, BH_EDEADLK (this
 * process holds it already), BH_ENOSPC (no room for the lock record).
 */
int bh_lock_acquire(bh_shared *m, const char *name, int64_t timeout_ms);

/** Releases the lock. Errors: BH_EINVAL, BH_ENOTOWNER (not held by this process; it stays held). */
int bh_lock_release(bh_shared *m, const char *name);

/** Returns 1 if any process holds the lock, 0 if it is free, or an error. */
int bh_lock_held(bh_shared *m, const char *name);

/**
 * The fencing number of the caller's current hold of the lock: larger than
 * that of every earlier acquisition of this lock, also when the lock's
 * record was reclaimed in between. Errors: BH_EINVAL, BH_ENOTOWNER.
 */
int bh_lock_fence(bh_shared *m, const char *name, uint64_t *out);

/**
 * Releases every lock of m that the calling process holds and returns how
 * many it released (>= 0), or an error. Used by the runner after a handler.
 */
int bh_lock_release_all(bh_shared *m);

/* Used by BH_WITH_LOCK: acquires, and says whether the block may run. */
static inline int bh_lock_enter_(bh_shared *m, const char *name)
{
    int rc = bh_lock_acquire(m, name, -1);
    return rc == BH_OK || rc == BH_EABANDONED;
}

#define BH_LOCK_CAT2_(a, b) a##b
#define BH_LOCK_CAT_(a, b) BH_LOCK_CAT2_(a, b)
/**
 * BH_WITH_LOCK(m, name) { ... }  runs the block holding the lock and releases
 * it when the block ends normally. Leaving it by break, return, goto or
 * longjmp skips the release: call bh_lock_release yourself on those paths. The block does not run if acquiring failed; it does run
 * when the lock was abandoned by a dead holder (BH_EABANDONED).
 */
#define BH_WITH_LOCK(m, name)                                                  \
    for (int BH_LOCK_CAT_(bh_wl_, __LINE__) = bh_lock_enter_((m), (name));     \
         BH_LOCK_CAT_(bh_wl_, __LINE__);                                       \
         BH_LOCK_CAT_(bh_wl_, __LINE__) = 0, (void)bh_lock_release((m), (name)))

/* ---- Preparers ------------------------------------------------------ */

typedef int (*bh_preparer_fn)(bh_shared *m, void *arg);

/**
 * Runs fn(m, arg) once for memory m across every process sharing the store.
 * Callers arriving while it runs wait until it finishes and then see all it
 * wrote. If fn returns a negative code the memory stays unprepared and that
 * code is returned; the next caller runs it again. If the preparing process
 * dies, the next caller prepares again. No store lock is held while fn runs.
 * In a file: store a prepared memory stays prepared across restarts.
 * Returns BH_OK (prepared now or before), fn's error, BH_EINVAL.
 */
int bh_shared_prepare(bh_shared *m, bh_preparer_fn fn, void *arg);

/**
 * bh_shared_prepare with a bound on the wait for another process's
 * preparer: timeout_ms -1 waits for ever (bh_shared_prepare), 0 does not
 * wait, > 0 waits at most that long (the monotonic clock). The bound holds
 * with a redis:// server that hangs too (no command of the wait waits for
 * its answer past the timeout, plus a quarter of a second). When the
 * caller's turn comes, fn runs to its end, unbounded.
 * Returns BH_OK (prepared now or before), fn's error, BH_ETIMEDOUT (another
 * process still prepares, or the server did not answer in time; the memory
 * may be prepared later), BH_EDEADLK (called from inside m's own preparer),
 * BH_EINVAL (NULL m or fn, timeout_ms < -1), BH_EREADONLY, and with
 * redis:// BH_ENET (the server cannot be reached).
 */
int bh_shared_prepare_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms);

/** Returns 1 if m has been prepared, 0 if not, or an error. */
int bh_shared_prepared(bh_shared *m);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_STORE_H */
