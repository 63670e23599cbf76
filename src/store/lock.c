/*
 * Named locks, with the API of Python's threading.Lock.
 *
 * A lock is a record in its memory's stripe holding a robust process-shared
 * mutex, which the holder keeps locked for as long as it holds the lock. So
 * the kernel itself notices a holder that dies: the next process to lock the
 * mutex gets EOWNERDEAD at once (no lease, no timeout) and is told with
 * BH_EABANDONED. Waiters sleep in the kernel on the mutex.
 *
 * Records are found and created under the stripe's mutex, and counted in
 * `users` (waiters and holder) so that a record is freed only when nobody
 * holds it or waits for it: a program using a million names in turn keeps
 * at most a handful of records alive.
 *
 * A bare mutex is not fair: a process that releases and re-acquires in a
 * tight loop usually wins against a waiter that the kernel just woke. So a
 * process that was the last to release a lock steps back, before taking it
 * again, until one of the waiters has had it (or a bound passes, in case the
 * waiters died).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "emb.h"

#define BH_DEFER_MAX_MS 200

static struct bh_lockrec *rec_of(struct bh_entry *e)
{
    return (struct bh_lockrec *)bh_entry_value(e);
}

/* Records of the locks held through this handle, for release_all. */
static int held_add(struct bh_emb_shared *ms, const char *name)
{
    if (ms->nheld == ms->held_cap) {
        size_t cap = ms->held_cap ? ms->held_cap * 2 : 4;
        char **p = realloc(ms->held, cap * sizeof *p);
        if (!p)
            return BH_ENOMEM;
        ms->held = p;
        ms->held_cap = cap;
    }
    if (!(ms->held[ms->nheld] = strdup(name)))
        return BH_ENOMEM;
    ms->nheld++;
    return BH_OK;
}

static void held_remove(struct bh_emb_shared *ms, const char *name)
{
    for (size_t i = 0; i < ms->nheld; i++)
        if (!strcmp(ms->held[i], name)) {
            free(ms->held[i]);
            ms->held[i] = ms->held[--ms->nheld];
            return;
        }
}

static void key_of(bh_shared *m, const char *name, struct bh_key *k)
{
    bh_key_init(k, bh_emb_shared_of(m)->memory_no, BH_NS_LOCK, name, strlen(name));
}

static int held_by_me(const struct bh_lockrec *l)
{
    return l->owner_pid == (int32_t)getpid() && l->owner_token == bh_proc_token();
}

/* Finds or creates the record of k and counts the caller in. */
static int rec_enter_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                            struct bh_lockrec **out)
{
    struct bh_entry *e;
    uint64_t off;
    int rc;

    if (bh_index_find_locked(r, s, k, &e) < 0) {
        off = bh_entry_new_locked(r, s, k, BH_T_LOCK, sizeof(struct bh_lockrec), 0);
        if (!off)
            return BH_ENOSPC;
        e = bh_at(r, off);
        memset(rec_of(e), 0, sizeof(struct bh_lockrec));
        /* A record freed and made again keeps counting from where it was. */
        atomic_store(&rec_of(e)->fence, r->stripes[s].fence_hwm);
        if ((rc = bh_mutex_init(&rec_of(e)->mutex)) != BH_OK ||
            (rc = bh_index_reserve_locked(r, s)) != BH_OK) {
            bh_block_free_locked(r, s, off);
            return rc == BH_EIO ? rc : BH_ENOSPC;
        }
        bh_index_put_locked(r, s, k, -1, off);
    }
    if (held_by_me(rec_of(e)))
        return BH_EDEADLK;
    rec_of(e)->users++;
    *out = rec_of(e);
    return BH_OK;
}

/* Counts the caller out (n times) and frees the record once nobody holds
 * or waits for it. */
static void rec_leave_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                             unsigned n)
{
    struct bh_entry *e;
    int64_t pos = bh_index_find_locked(r, s, k, &e);

    if (pos < 0)
        return;
    struct bh_lockrec *l = rec_of(e);
    l->users = l->users > n ? l->users - n : 0;
    if (l->users == 0 && l->owner_pid == 0) {
        uint64_t fence = atomic_load(&l->fence);
        if (fence > r->stripes[s].fence_hwm)
            r->stripes[s].fence_hwm = fence;
        pthread_mutex_destroy(&l->mutex);
        bh_index_remove_locked(r, s, pos);
    }
}

/* Whether a process other than the caller is blocked on l. */
static int has_waiters(struct bh_lockrec *l)
{
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++) {
        int32_t pid = atomic_load(&l->wpid[i]);
        if (pid && pid != (int32_t)getpid())
            return 1;
    }
    return 0;
}

/* Forgets waiter slots of processes that died waiting, and counts them out:
 * otherwise their record would never be freed. Caller holds the stripe. */
static unsigned reap_dead_waiters(struct bh_lockrec *l)
{
    unsigned dead = 0;

    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++) {
        int32_t pid = atomic_load(&l->wpid[i]);
        if (pid && kill(pid, 0) < 0 && errno == ESRCH &&
            atomic_compare_exchange_strong(&l->wpid[i], &pid, 0))
            dead++;
    }
    return dead;
}

static int wait_slot_take(struct bh_lockrec *l)
{
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++) {
        int32_t zero = 0;
        if (atomic_compare_exchange_strong(&l->wpid[i], &zero, (int32_t)getpid()))
            return i;
    }
    return -1; /* more waiters than slots: this one waits without the fairness guard */
}

/* The last releaser steps back while waiters exist, until the lock has
 * changed hands (its fence moved) or the bound passes. */
static void defer_to_waiters(struct bh_lockrec *l)
{
    uint64_t fence = atomic_load(&l->fence);
    struct timespec nap = {0, 100 * 1000};

    for (int i = 0; i < BH_DEFER_MAX_MS * 10; i++) {
        if (l->last_pid != (int32_t)getpid() || !has_waiters(l) ||
            atomic_load(&l->fence) != fence)
            return;
        nanosleep(&nap, NULL);
    }
}

static struct timespec deadline_after(int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    return ts;
}

/* Locks the record's mutex within the timeout; 0, EOWNERDEAD, or an errno. */
static int mutex_wait(struct bh_lockrec *l, int64_t timeout_ms)
{
    struct timespec deadline;
    int rc, slot;

    if (l->last_pid == (int32_t)getpid())
        defer_to_waiters(l);
    rc = pthread_mutex_trylock(&l->mutex);
    if (rc != EBUSY || timeout_ms == 0)
        return rc;
    if (timeout_ms > 0)
        deadline = deadline_after(timeout_ms);
    slot = wait_slot_take(l);
    do
        rc = timeout_ms < 0 ? pthread_mutex_lock(&l->mutex)
                            : pthread_mutex_clocklock(&l->mutex, CLOCK_MONOTONIC, &deadline);
    while (rc == EINTR);
    if (slot >= 0)
        atomic_store(&l->wpid[slot], 0);
    return rc;
}

int bh_emb_lock_acquire(bh_shared *m, const char *name, int64_t timeout_ms)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    struct bh_lockrec *l;
    struct bh_key k;
    unsigned s;
    int rc, abandoned;

    key_of(m, name, &k);
    s = bh_key_stripe(&k);
    bh_stripe_lock(r, s);
    rc = rec_enter_locked(r, s, &k, &l);
    bh_stripe_unlock(r, s);
    if (rc != BH_OK)
        return rc;

    rc = mutex_wait(l, timeout_ms);
    if (rc != 0 && rc != EOWNERDEAD) {
        bh_stripe_lock(r, s);
        rec_leave_locked(r, s, &k, 1);
        bh_stripe_unlock(r, s);
        return BH_ETIMEDOUT;
    }
    abandoned = rc == EOWNERDEAD || l->abandoned;
    if (rc == EOWNERDEAD)
        pthread_mutex_consistent(&l->mutex);
    l->abandoned = 0;
    l->owner_pid = (int32_t)getpid();
    l->owner_token = bh_proc_token();
    atomic_fetch_add(&l->fence, 1);
    if (rc == EOWNERDEAD) {
        /* The dead holder never counted itself out. */
        bh_stripe_lock(r, s);
        l->users = l->users > 1 ? l->users - 1 : 1;
        bh_stripe_unlock(r, s);
    }
    if (held_add(ms, name) != BH_OK) {
        bh_emb_lock_release(m, name);
        return BH_ENOMEM;
    }
    return abandoned ? BH_EABANDONED : BH_OK;
}

int bh_emb_lock_release(bh_shared *m, const char *name)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_key k;
    unsigned s;
    int rc = BH_OK;

    key_of(m, name, &k);
    s = bh_key_stripe(&k);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) < 0 || !held_by_me(rec_of(e))) {
        rc = BH_ENOTOWNER;
        goto out;
    }
    struct bh_lockrec *l = rec_of(e);
    l->owner_pid = 0;
    l->owner_token = 0;
    l->last_pid = (int32_t)getpid();
    if (pthread_mutex_unlock(&l->mutex) != 0) {
        /* Another thread of this process holds it: not ours to release. */
        l->owner_pid = (int32_t)getpid();
        l->owner_token = bh_proc_token();
        rc = BH_ENOTOWNER;
        goto out;
    }
    rec_leave_locked(r, s, &k, 1 + reap_dead_waiters(l));
    held_remove(bh_emb_shared_of(m), name);
out:
    bh_stripe_unlock(r, s);
    return rc;
}

int bh_emb_lock_held(bh_shared *m, const char *name)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_key k;
    unsigned s;
    int held = 0;

    key_of(m, name, &k);
    s = bh_key_stripe(&k);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) >= 0) {
        struct bh_lockrec *l = rec_of(e);
        held = held_by_me(l) || bh_proc_alive(l->owner_pid, l->owner_token);
    }
    bh_stripe_unlock(r, s);
    return held;
}

int bh_emb_lock_fence(bh_shared *m, const char *name, uint64_t *out)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_key k;
    unsigned s;
    int rc = BH_ENOTOWNER;

    key_of(m, name, &k);
    s = bh_key_stripe(&k);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) >= 0 && held_by_me(rec_of(e))) {
        *out = atomic_load(&rec_of(e)->fence);
        rc = BH_OK;
    }
    bh_stripe_unlock(r, s);
    return rc;
}

int bh_emb_lock_release_all(bh_shared *m)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    int n = 0;

    while (ms->nheld > 0) {
        char *name = strdup(ms->held[ms->nheld - 1]);
        if (!name)
            return BH_ENOMEM;
        if (bh_emb_lock_release(m, name) == BH_OK)
            n++;
        else
            held_remove(ms, name); /* held no longer (not ours after a fork) */
        free(name);
    }
    return n;
}

/* On the first open of a file: nobody holds anything any more. A lock that
 * was held is marked so that its next acquirer gets BH_EABANDONED. */
void bh_lockrec_reopen(struct bh_lockrec *l)
{
    bh_mutex_init(&l->mutex);
    l->abandoned = l->abandoned || l->owner_pid != 0;
    l->owner_pid = 0;
    l->owner_token = 0;
    l->last_pid = 0;
    l->users = 0;
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++)
        atomic_store(&l->wpid[i], 0);
}
