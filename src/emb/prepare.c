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
#include <errno.h>
#include <stdlib.h>

#include "emb.h"

static struct bh_memrec *memrec(bh_shared *m)
{
    struct bh_entry *e = bh_at(bh_emb_region(m), bh_emb_shared_of(m)->rec_off);
    return (struct bh_memrec *)bh_entry_value(e);
}

/* Takes the preparer's mutex, waiting at most timeout_ms (-1: for ever,
 * 0: not at all). In slices, for the lost wake-up of mutex.c. */
static int prep_lock(pthread_mutex_t *mx, int64_t timeout_ms, enum bh_mutex_got *got)
{
    int64_t deadline = bh_clock_mono_ms() + timeout_ms;
    int rc;

    if (timeout_ms < 0) {
        *got = bh_mutex_lock(mx);
        return BH_OK;
    }
    rc = pthread_mutex_trylock(mx);
    while ((rc == EBUSY || rc == ETIMEDOUT) && bh_clock_mono_ms() < deadline) {
        int64_t left = deadline - bh_clock_mono_ms();
        struct timespec until = bh_clock_after_ms(left < 100 ? left : 100);
        rc = pthread_mutex_clocklock(mx, CLOCK_MONOTONIC, &until);
    }
    if (rc == EBUSY || rc == ETIMEDOUT)
        return BH_ETIMEDOUT;
    if (rc != 0 && rc != EOWNERDEAD && rc != EDEADLK)
        abort(); /* ENOTRECOVERABLE: a broken region (mutex.c) */
    *got = rc == 0 ? BH_MUTEX_LOCKED : rc == EOWNERDEAD ? BH_MUTEX_DIED : BH_MUTEX_MINE;
    return BH_OK;
}

int bh_emb_prepare_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms)
{
    struct bh_memrec *rec = memrec(m);
    enum bh_mutex_got got;
    int rc;

    if (atomic_load_explicit(&rec->state, memory_order_acquire) == BH_PREP_READY)
        return BH_OK;
    if ((rc = prep_lock(&rec->prep, timeout_ms, &got)) != BH_OK)
        return rc;
    switch (got) {
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

int bh_emb_prepare(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    return bh_emb_prepare_timed(m, fn, arg, -1);
}

int bh_emb_prepared(bh_shared *m)
{
    return atomic_load_explicit(&memrec(m)->state, memory_order_acquire) == BH_PREP_READY;
}
