/*
 * The embedded backend's handles. Private to src/store/.
 */
#ifndef BH_STORE_EMB_H
#define BH_STORE_EMB_H

#include "store/backend.h"
#include "region.h"

struct bh_emb {
    bh_store base;
    struct bh_region r;
    int fd;         /* -1 for mem: */
    char *path;     /* NULL for mem: */
};

struct bh_emb_shared {
    bh_shared base;
    struct bh_emb *st;
    uint32_t memory_no;
    uint64_t rec_off;                /* the memory's directory record */
    uint64_t counts[BH_NSTRIPES_MAX];    /* offsets of its count records, 0 = unknown */
    struct bh_held *held;            /* the locks held through this handle */
    size_t nheld, held_cap;
};

/* A lock held through a handle: its name and its record, which cannot move
 * or be freed while held. name buffers are kept for reuse. */
struct bh_held {
    char *name;
    size_t len;
    uint64_t rec_off;
    unsigned stripe;
};

static inline struct bh_emb_shared *bh_emb_shared_of(bh_shared *m)
{
    return (struct bh_emb_shared *)m;
}

static inline struct bh_region *bh_emb_region(bh_shared *m)
{
    return &bh_emb_shared_of(m)->st->r;
}

/* region.c */
int bh_region_open(struct bh_emb *st, const char *path, size_t capacity);
void bh_region_close(struct bh_emb *st);

/* lock.c, prepare.c, cursor.c */
int bh_emb_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms);
int bh_emb_lock_release(bh_shared *m, const char *name, size_t len);
int bh_emb_lock_held(bh_shared *m, const char *name, size_t len);
int bh_emb_lock_fence(bh_shared *m, const char *name, size_t len, uint64_t *out);
int bh_emb_lock_release_all(bh_shared *m);
void bh_lockrec_reopen(struct bh_lockrec *l);
int bh_emb_prepare(bh_shared *m, bh_preparer_fn fn, void *arg);
int bh_emb_prepare_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms);
int bh_emb_prepared(bh_shared *m);
int bh_emb_cursor_open(bh_shared *m, bh_cursor **out);
int bh_emb_cursor_next(bh_cursor *c, const char **key);
void bh_emb_cursor_close(bh_cursor *c);

/* fence.c: the fence entry of a data key (bh_shared_put_fenced). */
struct bh_fence {
    struct bh_key k;
    unsigned s;         /* its stripe */
    struct bh_entry *e; /* the entry, once checked; NULL: none yet */
    uint64_t off;       /* a reserved entry not yet published, or 0 */
};
void bh_fence_find(bh_shared *m, const char *key, size_t klen, struct bh_fence *f);
/* BH_OK, or BH_EFENCED when fence is lower than the stored one. */
int bh_fence_check_locked(struct bh_region *r, struct bh_fence *f, uint64_t fence);
int bh_fence_reserve_locked(struct bh_region *r, struct bh_fence *f); /* BH_ENOSPC */
void bh_fence_drop_locked(struct bh_region *r, struct bh_fence *f);
void bh_fence_publish_locked(struct bh_region *r, struct bh_fence *f, uint64_t fence);

#endif
