/*
 * Named locks, with the API of Python's threading.Lock.
 *
 * A lock is a record in its memory's stripe holding a lock word (slock.c):
 * the holder's pid and start time. A process that finds it held by a
 * process that is gone takes it at once (no lease, no timeout) and is told
 * with BH_EABANDONED; a waiter already asleep on it finds out at its next
 * check (5 ms, doubling up to 80 ms). Waiters sleep in the kernel on the
 * word's futex.
 *
 * Records are found and created under the stripe's lock. A record held by
 * a process, or pinned by a waiter (`users`), is never freed; one that is
 * neither is idle, and a few idle records are kept per stripe, so that a
 * lock taken again and again is not made and unmade each time: a program
 * using a million names in turn keeps a bounded number alive.
 *
 * An uncontended acquire is one pass under the stripe's lock: find the
 * record and take its word there. The handle remembers the record, so a
 * release touches only the word, and the stripe only when the stripe has
 * too many records.
 *
 * A bare lock is not fair: a process that releases and re-acquires in a
 * tight loop usually wins against a waiter that the kernel just woke. So a
 * process that was the last to release a lock steps back, before taking it
 * again, until one of the waiters has had it (or a bound passes, in case the
 * waiters died). It waits on a futex that every acquisition bumps, so the
 * hand-off wakes it at once.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "emb.h"

#define BH_DEFER_MAX_MS 200
#define BH_LOCK_IDLE_MAX 16 /* idle records kept per stripe */

static struct bh_lockrec *rec_of(struct bh_entry *e)
{
    return (struct bh_lockrec *)bh_entry_value(e);
}

/* The locks held through this handle, for release and release_all. */
static int held_add(struct bh_emb_shared *ms, const char *name, size_t len, uint64_t rec_off,
                    unsigned stripe)
{
    if (ms->nheld == ms->held_cap) {
        size_t cap = ms->held_cap ? ms->held_cap * 2 : 4;
        struct bh_held *p = realloc(ms->held, cap * sizeof *p);
        if (!p)
            return BH_ENOMEM;
        memset(p + ms->held_cap, 0, (cap - ms->held_cap) * sizeof *p);
        ms->held = p;
        ms->held_cap = cap;
    }
    struct bh_held *h = &ms->held[ms->nheld];
    if (!h->name && !(h->name = malloc(BH_KEY_MAX + 1)))
        return BH_ENOMEM;
    h->len = len;
    memcpy(h->name, name, h->len + 1);
    h->rec_off = rec_off;
    h->stripe = stripe;
    ms->nheld++;
    return BH_OK;
}

static struct bh_held *held_find(struct bh_emb_shared *ms, const char *name, size_t len)
{
    for (size_t i = ms->nheld; i-- > 0;)
        if (ms->held[i].len == len && !memcmp(ms->held[i].name, name, len))
            return &ms->held[i];
    return NULL;
}

/* Drops h from the list, keeping its name buffer for reuse. */
static void held_drop(struct bh_emb_shared *ms, struct bh_held *h)
{
    struct bh_held last = ms->held[--ms->nheld];
    ms->held[ms->nheld] = *h;
    *h = last;
}

static void key_of(bh_shared *m, const char *name, size_t len, struct bh_key *k)
{
    bh_key_init(k, bh_emb_shared_of(m)->memory_no, BH_NS_LOCK, name, len);
}

static int held_by_me(const struct bh_lockrec *l)
{
    return bh_slock_mine(&l->word, &l->token);
}

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/* Finds or creates the record of k. */
static int rec_find_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                           struct bh_entry **out)
{
    struct bh_stripe *st = &r->stripes[s];
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
        atomic_store(&rec_of(e)->fence, st->fence_hwm);
        if ((rc = bh_index_reserve_locked(r, s)) != BH_OK) {
            bh_block_free_locked(r, s, off);
            return rc;
        }
        bh_index_put_locked(r, s, k, -1, off);
    }
    if (held_by_me(rec_of(e)))
        return BH_EDEADLK;
    *out = e;
    return BH_OK;
}

/*
 * Unpins n waiters from the record at pos; frees it if it is idle (nobody
 * holds it, nobody waits) and the stripe has more than enough records.
 */
static void rec_leave_locked(struct bh_region *r, unsigned s, int64_t pos, struct bh_entry *e,
                             unsigned n)
{
    struct bh_stripe *st = &r->stripes[s];
    struct bh_lockrec *l = rec_of(e);

    l->users = l->users > n ? l->users - n : 0;
    if (l->users != 0 || atomic_load(&l->word) != 0 || st->locks <= BH_LOCK_IDLE_MAX)
        return;
    uint64_t fence = atomic_load(&l->fence);
    if (fence > st->fence_hwm)
        st->fence_hwm = fence;
    bh_index_remove_locked(r, s, pos);
}

/* The same, finding the record first. */
static void rec_leave_key_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                                 unsigned n)
{
    struct bh_entry *e;
    int64_t pos = bh_index_find_locked(r, s, k, &e);
    if (pos >= 0)
        rec_leave_locked(r, s, pos, e, n);
}

/* Whether a process other than the caller waits for l. */
static int has_waiters(struct bh_lockrec *l)
{
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++) {
        int32_t pid = atomic_load(&l->wpid[i]);
        if (pid && pid != bh_proc_pid())
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
        if (atomic_compare_exchange_strong(&l->wpid[i], &zero, bh_proc_pid()))
            return i;
    }
    return -1; /* more waiters than slots: this one waits without the fairness guard */
}

/* Counts the acquisition; dead says the word was taken from a dead holder.
 * Returns whether the caller must be told the lock was abandoned. */
static int took(struct bh_lockrec *l, int dead)
{
    int abandoned = dead || l->abandoned;

    l->abandoned = 0;
    /* Only the holder writes these: no locked read-modify-write needed. */
    atomic_store_explicit(&l->fence, atomic_load_explicit(&l->fence, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&l->turn, atomic_load_explicit(&l->turn, memory_order_relaxed) + 1,
                          memory_order_release);
    if (atomic_load(&l->deferring))
        futex(&l->turn, FUTEX_WAKE, INT_MAX, NULL);
    return abandoned;
}

/*
 * The last releaser steps back while others wait, until the lock has
 * changed hands (turn moved) or the bound passes. It counts as a waiter
 * meanwhile, so that the one it lets in steps back for it in turn.
 */
static void defer_to_waiters(struct bh_lockrec *l)
{
    int64_t waited_ns = 0;
    int slot;

    if (!has_waiters(l))
        return;
    slot = wait_slot_take(l);
    atomic_fetch_add(&l->deferring, 1);
    uint32_t turn = atomic_load(&l->turn);
    while (waited_ns < (int64_t)BH_DEFER_MAX_MS * 1000000 && atomic_load(&l->turn) == turn &&
           has_waiters(l)) {
        struct timespec ts = {0, 10 * 1000000};
        futex(&l->turn, FUTEX_WAIT, turn, &ts);
        waited_ns += 10 * 1000000;
    }
    atomic_fetch_sub(&l->deferring, 1);
    if (slot >= 0)
        atomic_store(&l->wpid[slot], 0);
}

/* Takes the record's word within the timeout: 0, 1 (from a dead holder),
 * BH_EBUSY or BH_ETIMEDOUT. */
static int word_wait(struct bh_lockrec *l, int64_t timeout_ms)
{
    struct timespec deadline;
    int rc, slot;

    if (l->last_pid == bh_proc_pid())
        defer_to_waiters(l);
    rc = bh_slock_trylock(&l->word, &l->token);
    if (rc != BH_EBUSY || timeout_ms == 0)
        return rc;
    if (timeout_ms > 0)
        deadline = bh_clock_after_ms(timeout_ms);
    slot = wait_slot_take(l);
    rc = bh_slock_timedlock(&l->word, &l->token, timeout_ms > 0 ? &deadline : NULL);
    if (slot >= 0)
        atomic_store(&l->wpid[slot], 0);
    return rc;
}

int bh_emb_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_lockrec *l;
    struct bh_key k;
    unsigned s;
    int rc;

    key_of(m, name, len, &k);
    s = bh_key_stripe(r, &k);
    bh_stripe_lock(r, s);
    if ((rc = rec_find_locked(r, s, &k, &e)) != BH_OK) {
        bh_stripe_unlock(r, s);
        return rc;
    }
    l = rec_of(e);
    /* The common case: free, and no waiter to be fair to. Every waiter is
     * pinned (users), so with no pin the wait slots need not be looked at. */
    rc = l->last_pid == bh_proc_pid() && l->users > 0 && has_waiters(l)
             ? BH_EBUSY
             : bh_slock_trylock(&l->word, &l->token);
    if (rc == BH_EBUSY)
        l->users++; /* pinned while it waits */
    bh_stripe_unlock(r, s);

    if (rc == BH_EBUSY) {
        rc = word_wait(l, timeout_ms);
        bh_stripe_lock(r, s);
        rec_leave_key_locked(r, s, &k, 1);
        bh_stripe_unlock(r, s);
        if (rc < 0)
            return BH_ETIMEDOUT;
    }
    int abandoned = took(l, rc == 1);
    if (held_add(ms, name, len, bh_off(r, e), s) != BH_OK) {
        bh_emb_lock_release(m, name, len);
        return BH_ENOMEM;
    }
    return abandoned ? BH_EABANDONED : BH_OK;
}

/*
 * Releases through the handle's record of the lock: only the word is
 * touched. The stripe is taken only when it holds more records than it
 * keeps idle, to free this one, and now and then to forget waiters that
 * died (their pins would keep the record for ever).
 */
int bh_emb_lock_release(bh_shared *m, const char *name, size_t len)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    struct bh_held *h = held_find(ms, name, len);
    struct bh_lockrec *l;
    struct bh_key k;
    unsigned s;

    if (!h)
        return BH_ENOTOWNER;
    l = rec_of(bh_at(r, h->rec_off));
    s = h->stripe;
    held_drop(ms, h);
    if (!held_by_me(l))
        return BH_ENOTOWNER; /* not ours any more (a fork's child) */
    l->last_pid = bh_proc_pid();
    bh_slock_unlock(&l->word, &l->token);
    if (r->stripes[s].locks > BH_LOCK_IDLE_MAX || (atomic_load(&l->fence) & 63) == 0) {
        key_of(m, name, len, &k);
        bh_stripe_lock(r, s);
        struct bh_entry *e;
        int64_t pos = bh_index_find_locked(r, s, &k, &e);
        if (pos >= 0)
            rec_leave_locked(r, s, pos, e, reap_dead_waiters(rec_of(e)));
        bh_stripe_unlock(r, s);
    }
    return BH_OK;
}

/* A copy of what a lock's record says, read under its stripe. */
struct bh_lock_view {
    int exists;
    int32_t owner_pid;
    uint64_t owner_token;
    uint64_t fence;
};

static void lock_view(bh_shared *m, const char *name, size_t len, struct bh_lock_view *v)
{
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_key k;
    unsigned s;

    key_of(m, name, len, &k);
    s = bh_key_stripe(r, &k);
    memset(v, 0, sizeof *v);
    bh_stripe_lock(r, s);
    if (bh_index_find_locked(r, s, &k, &e) >= 0) {
        v->exists = 1;
        v->owner_pid = (int32_t)(atomic_load(&rec_of(e)->word) & 0x7fffffff);
        v->owner_token = atomic_load(&rec_of(e)->token);
        v->fence = atomic_load(&rec_of(e)->fence);
    }
    bh_stripe_unlock(r, s);
}

static int view_is_mine(const struct bh_lock_view *v)
{
    return v->exists && v->owner_pid == bh_proc_pid() && v->owner_token == bh_proc_token();
}

/* Held by anyone alive; checked outside the stripe (it reads /proc). */
int bh_emb_lock_held(bh_shared *m, const char *name, size_t len)
{
    struct bh_lock_view v;

    lock_view(m, name, len, &v);
    return v.exists && (view_is_mine(&v) || bh_proc_alive(v.owner_pid, v.owner_token));
}

int bh_emb_lock_fence(bh_shared *m, const char *name, size_t len, uint64_t *out)
{
    struct bh_lock_view v;

    lock_view(m, name, len, &v);
    if (!view_is_mine(&v))
        return BH_ENOTOWNER;
    *out = v.fence;
    return BH_OK;
}

int bh_emb_lock_release_all(bh_shared *m)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    char name[BH_KEY_MAX + 1];
    int n = 0;

    while (ms->nheld > 0) {
        strcpy(name, ms->held[ms->nheld - 1].name);
        if (bh_emb_lock_release(m, name, strlen(name)) == BH_OK)
            n++;
    }
    return n;
}

/* On the first open of a file: nobody holds anything any more. A lock that
 * was held is marked so that its next acquirer gets BH_EABANDONED. */
void bh_lockrec_reopen(struct bh_lockrec *l)
{
    l->abandoned = l->abandoned || atomic_load(&l->word) != 0;
    atomic_store(&l->word, 0);
    atomic_store(&l->token, 0);
    l->last_pid = 0;
    l->users = 0;
    atomic_store(&l->deferring, 0);
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++)
        atomic_store(&l->wpid[i], 0);
}
