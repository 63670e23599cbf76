/*
 * Preparers: a memory's preparer runs once across every process sharing
 * the store, before anyone else uses the memory through bh_shared_prepare.
 *
 * The memory's directory record holds a state word and a robust mutex. The
 * preparing process holds the mutex while the user's function runs, so
 * later callers sleep on it and wake to a ready memory; if the preparer
 * dies, the kernel hands the mutex to the next caller with EOWNERDEAD, the
 * state is still not ready, and that caller prepares again. The mutex is
 * the memory's own, not a stripe's: every other memory, and every key of
 * this one, stays usable while the preparer runs (which it needs, to write).
 */
#include "emb.h"

static struct bh_memrec *memrec(bh_shared *m)
{
    struct bh_entry *e = bh_at(bh_emb_region(m), bh_emb_shared_of(m)->rec_off);
    return (struct bh_memrec *)bh_entry_value(e);
}

int bh_emb_prepare(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    struct bh_memrec *rec = memrec(m);
    int rc;

    if (atomic_load_explicit(&rec->state, memory_order_acquire) == BH_PREP_READY)
        return BH_OK;
    switch (bh_mutex_lock(&rec->prep)) {
    case BH_MUTEX_MINE:
        return BH_EDEADLK; /* called from inside this memory's own preparer */
    case BH_MUTEX_DIED:
        pthread_mutex_consistent(&rec->prep); /* the last preparer died: redo */
        break;
    case BH_MUTEX_LOCKED:
        break;
    }
    rc = BH_OK;
    if (atomic_load(&rec->state) != BH_PREP_READY) {
        rc = fn(m, arg);
        if (rc >= 0) {
            atomic_store_explicit(&rec->state, BH_PREP_READY, memory_order_release);
            rc = BH_OK;
        }
    }
    pthread_mutex_unlock(&rec->prep);
    return rc;
}

int bh_emb_prepared(bh_shared *m)
{
    return atomic_load_explicit(&memrec(m)->state, memory_order_acquire) == BH_PREP_READY;
}
