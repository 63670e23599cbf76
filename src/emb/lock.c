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
 * Records live while a process holds the lock or waits for it; besides
 * those, a stripe keeps one idle record for reuse (its idle_lock), so that
 * a lock taken again and again is not made and unmade each time, while a
 * program using a million names in turn keeps at most one idle record per
 * stripe. The one kept is the one released last: it replaces the one kept
 * before, which is freed, unless that one is in use again (then the new one
 * goes instead).
 *
 * A record is freed only under its stripe's lock, when nobody holds it and
 * nobody is pinned to it. A waiter pins it under the stripe's lock before
 * letting the stripe go, and unpins it under the stripe's lock if it gave
 * up (or once it holds the word, when nothing can free the record), so no
 * waiter ever sleeps on a freed record. A pin is a wait slot holding the
 * waiter's pid (`users` counts the waiters beyond the slots): one word, set
 * and cleared by single stores, so a waiter killed at any instant leaves
 * no pin, or one naming a dead process, which the next look clears.
 *
 * Fences grow across the records a name has over time: a freed record's
 * fence raises its stripe's fence_hwm first, and a record made for a name
 * starts from fence_hwm. A name always maps to the same stripe, so its
 * next fence is larger than every earlier one.
 *
 * Freeing is one index removal, recorded in the stripe's operation record,
 * so stripe.c's recovery finishes or sweeps what a killed process left. A
 * process killed holding the stripe may also leave an idle record that is
 * not the kept one (and a damaged file, idle_lock naming a record the
 * rebuild dropped): which record is kept is derived state, re-derived
 * after a rebuild, as free lists are (bh_lock_stripe_settle_locked).
 *
 * What stays: a record whose holder died, until its next acquirer is told
 * (it is the only carrier of that news), and one whose waiter was killed
 * after the release that woke it and before it unpinned, or a waiter
 * beyond the slots killed while it waited, until the name is used again.
 *
 * An uncontended acquire is one pass under the stripe's lock: find the
 * record and take its word there. The handle remembers the record, so
 * releasing the kept record touches only its word; releasing another takes
 * the stripe, to keep it or free it.
 *
 * A bare lock is not fair: a process that releases and re-acquires in a
 * tight loop usually wins against a waiter that the kernel just woke. So a
 * process that was the last to release a lock steps back, before taking it
 * again, until one of the waiters has had it (or a bound passes, in case the
 * waiters died). It watches a word that every acquisition bumps, first
 * spinning for as long as a woken waiter takes to run, then asleep on it
 * as a futex; only a sleeping deferrer costs the acquirer a wake-up.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/grow.h"
#include "emb.h"

#define BH_DEFER_MAX_MS 200

/* The record is part of the file format: `waiting` became atomic without
 * changing it (format 5 as before). */
_Static_assert(sizeof(struct bh_lockrec) == 72 && offsetof(struct bh_lockrec, waiting) == 29 &&
                   offsetof(struct bh_lockrec, turn) == 32,
               "struct bh_lockrec is part of the file format");
#define BH_DEFER_SPIN_NS 30000L

static struct bh_lockrec *rec_of(struct bh_entry *e)
{
    return (struct bh_lockrec *)bh_entry_value(e);
}

/* The locks held through this handle, for release and release_all. */
static int held_add(struct bh_emb_shared *ms, const char *name, size_t len, uint64_t rec_off,
                    unsigned stripe)
{
    size_t old = ms->held_cap;
    struct bh_held *p = bh_grow(ms->held, &ms->held_cap, ms->nheld + 1, sizeof *p, 4);
    if (!p)
        return BH_ENOMEM;
    /* New slots have no name buffer yet (one is kept for reuse). */
    memset(p + old, 0, (ms->held_cap - old) * sizeof *p);
    ms->held = p;
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
        /* Above every fence the name's earlier records gave (see the top). */
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

/*
 * Whether the acquirer must step back for waiters. The slots are the
 * truth, and scanning them costs more than the rest of an uncontended
 * acquire; `waiting` has a bit per slot in use, set after the slot and
 * cleared before it, so that it is never clear while a live waiter's slot
 * is set. Caller holds the stripe.
 */
static int has_waiters_locked(struct bh_lockrec *l)
{
    return atomic_load_explicit(&l->waiting, memory_order_relaxed) != 0 && has_waiters(l);
}

/* Clears the wait slots of processes that died waiting: they pin the
 * record no more. Also redoes the hint, which a process killed between
 * two stores may have left with a bit too many. Caller holds the stripe;
 * a waiter unpinning meanwhile without it (unpin_held) can only make the
 * hint keep a bit too many, never lose one: slots are only set under the
 * stripe. */
static void reap_dead_waiters(struct bh_lockrec *l)
{
    uint8_t waiting = 0;

    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++) {
        int32_t pid = atomic_load(&l->wpid[i]);
        if (pid && kill(pid, 0) < 0 && errno == ESRCH)
            atomic_store(&l->wpid[i], 0);
        else if (pid)
            waiting |= (uint8_t)(1u << i);
    }
    atomic_store_explicit(&l->waiting, waiting, memory_order_relaxed);
}

/* Pins l for the caller, who is about to wait for it: a wait slot naming
 * it (which also tells releasers that someone waits), or when every slot
 * is taken, a count. Returns the slot, or -1 for the count. */
static int pin_locked(struct bh_lockrec *l)
{
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++)
        if (atomic_load(&l->wpid[i]) == 0) {
            atomic_store(&l->wpid[i], bh_proc_pid());
            atomic_fetch_or_explicit(&l->waiting, (uint8_t)(1u << i), memory_order_relaxed);
            return i;
        }
    l->users++; /* this one waits without the fairness guard */
    return -1;
}

static void unpin_locked(struct bh_lockrec *l, int slot)
{
    if (slot >= 0) {
        atomic_fetch_and_explicit(&l->waiting, (uint8_t)~(1u << slot), memory_order_relaxed);
        atomic_store(&l->wpid[slot], 0);
    } else if (l->users > 0) {
        l->users--;
    }
}

/*
 * Unpins a waiter that got the word, without the stripe when it holds a
 * slot: a record is freed only when nobody holds it, so it cannot go while
 * the caller does, and the slot's and the hint's stores are single atomic
 * ones (a waiter killed between them leaves a bit too many, which the hint
 * allows). The count beyond the slots is guarded by the stripe.
 */
static void unpin_held(struct bh_region *r, unsigned s, struct bh_lockrec *l, int slot)
{
    if (slot >= 0) {
        unpin_locked(l, slot);
        return;
    }
    bh_stripe_lock(r, s);
    unpin_locked(l, slot);
    bh_stripe_unlock(r, s);
}

/* Nobody holds it, nobody is pinned to it, and it carries no news of an
 * abandoned hold for its next acquirer. Caller holds the stripe. */
static int rec_idle(struct bh_lockrec *l)
{
    if (atomic_load(&l->word) != 0 || l->users != 0 || l->abandoned)
        return 0;
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++)
        if (atomic_load(&l->wpid[i]) != 0)
            return 0;
    return 1;
}

/* The record the stripe keeps. Read without the stripe by the holder of
 * that record, which cannot stop being kept while it is held (only an idle
 * kept record is replaced). */
static uint64_t idle_get(struct bh_stripe *st)
{
    return atomic_load_explicit(&st->idle_lock, memory_order_relaxed);
}

static void idle_set(struct bh_stripe *st, uint64_t off)
{
    atomic_store_explicit(&st->idle_lock, off, memory_order_relaxed);
}

/*
 * Frees the idle record e, in an order that leaves recovery something it
 * settles wherever a process is killed: its fence raises the stripe's
 * high-water mark first (a record made again for the name starts above
 * it); then the stripe stops keeping it; then the index removal, crash-safe
 * of its own (index.c), frees it.
 */
static void rec_free_locked(struct bh_region *r, unsigned s, struct bh_entry *e)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t fence = atomic_load(&rec_of(e)->fence);
    struct bh_key k;

    if (fence > st->fence_hwm)
        st->fence_hwm = fence;
    if (idle_get(st) == bh_off(r, e))
        idle_set(st, 0);
    bh_key_init(&k, e->memory_no, BH_NS_LOCK, e->key, e->klen);
    int64_t pos = bh_index_find_locked(r, s, &k, NULL);
    if (pos >= 0)
        bh_index_remove_locked(r, s, pos);
}

/*
 * Keeps or frees e if it is idle: it replaces the record the stripe kept
 * so far, which is freed, unless that one is in use again, and then e is
 * freed instead. Every path on which a record becomes idle ends here, under
 * the stripe's lock, except a release of the kept record itself.
 */
static void rec_settle_locked(struct bh_region *r, unsigned s, struct bh_entry *e)
{
    struct bh_stripe *st = &r->stripes[s];
    uint64_t off = bh_off(r, e), kept = idle_get(st);

    reap_dead_waiters(rec_of(e));
    if (kept == off || !rec_idle(rec_of(e)))
        return;
    if (kept) {
        struct bh_entry *ke = bh_at(r, kept);
        reap_dead_waiters(rec_of(ke));
        if (!rec_idle(rec_of(ke))) {
            rec_free_locked(r, s, e);
            return;
        }
        rec_free_locked(r, s, ke);
    }
    idle_set(st, off);
}

/* Counts the acquisition; dead says the word was taken from a dead holder.
 * Returns whether the caller must be told the lock was abandoned. The
 * bump of turn and the look at deferring are both sequentially consistent,
 * against defer_sleep's count and its futex's look at turn: either the
 * sleeper is counted here and woken, or the kernel sees the new turn and
 * does not let it sleep. A deferrer still spinning is not counted, and
 * sees the new turn without a system call. */
static int took(struct bh_lockrec *l, int dead)
{
    int abandoned = dead || l->abandoned;

    l->abandoned = 0;
    /* Only the holder writes fence: no locked read-modify-write needed. */
    atomic_store_explicit(&l->fence, atomic_load_explicit(&l->fence, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_fetch_add(&l->turn, 1);
    if (atomic_load(&l->deferring))
        futex(&l->turn, FUTEX_WAKE, INT_MAX, NULL);
    return abandoned;
}

/* Whether the deferrer may stop: the lock changed hands since turn, or
 * nobody waits any more. */
static int defer_done(struct bh_lockrec *l, uint32_t turn)
{
    return atomic_load(&l->turn) != turn || !has_waiters(l);
}

/*
 * The first part of a deferral: the waiter the release woke is usually
 * on the other core within microseconds, takes the lock and bumps turn;
 * watching turn that long costs less than sleeping and being woken (two
 * system calls and two context switches), and is what a bare mutex's
 * releaser does too when it barges back in meanwhile. Bounded by time,
 * checked every 64 pauses, in case the waiter is not running.
 */
static int defer_spin(struct bh_lockrec *l, uint32_t turn)
{
    struct timespec t0, now;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        for (int i = 0; i < 64; i++) {
            if (defer_done(l, turn))
                return 1;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) >=
            BH_DEFER_SPIN_NS)
            return 0;
    }
}

/* The rest of a deferral, asleep on turn in slices, counted in deferring
 * only meanwhile (see took), up to BH_DEFER_MAX_MS in case the waiters
 * died. */
static void defer_sleep(struct bh_lockrec *l, uint32_t turn)
{
    atomic_fetch_add(&l->deferring, 1);
    for (int64_t waited_ms = 0; waited_ms < BH_DEFER_MAX_MS && !defer_done(l, turn);
         waited_ms += 10) {
        struct timespec ts = {0, 10 * 1000000};
        futex(&l->turn, FUTEX_WAIT, turn, &ts);
    }
    atomic_fetch_sub(&l->deferring, 1);
}

/*
 * The last releaser steps back while others wait, until the lock has
 * changed hands (turn moved) or the bound passes. Its pin's wait slot
 * counts it as a waiter meanwhile, so that the one it lets in steps back
 * for it in turn.
 */
static void defer_to_waiters(struct bh_lockrec *l)
{
    uint32_t turn = atomic_load(&l->turn);

    if (!has_waiters(l) || defer_spin(l, turn))
        return;
    defer_sleep(l, turn);
}

/* Takes the word of the record the caller is pinned to, within the
 * timeout: 0, 1 (from a dead holder), BH_EBUSY or BH_ETIMEDOUT. A holder
 * usually lets go within the brief spin; only a word still held after it
 * costs the look at whether its holder is dead (a read of /proc), which
 * comes before any sleep, so a dead holder's lock is still taken at once. */
static int word_wait(struct bh_lockrec *l, int64_t timeout_ms)
{
    struct timespec deadline;
    int rc;

    if (l->last_pid == bh_proc_pid())
        defer_to_waiters(l);
    if (timeout_ms != 0 && bh_slock_spin(&l->word, &l->token) == 0)
        return 0;
    rc = bh_slock_trylock(&l->word, &l->token);
    if (rc != BH_EBUSY || timeout_ms == 0)
        return rc;
    if (timeout_ms > 0)
        deadline = bh_clock_after_ms(timeout_ms);
    return bh_slock_timedlock(&l->word, &l->token, timeout_ms > 0 ? &deadline : NULL);
}

/*
 * Lets go of e, which the caller holds. Releasing the record its stripe
 * keeps touches only the word (but for one release in 64, which takes the
 * stripe to forget waiters that died). Any other record is released under
 * the stripe and settled there: a process killed before leaves it held by
 * a dead process (its next acquirer is told), one killed after leaves the
 * stripe to recover; neither leaves an idle record nobody frees.
 */
static void rec_release(struct bh_region *r, unsigned s, struct bh_entry *e)
{
    struct bh_lockrec *l = rec_of(e);

    l->last_pid = bh_proc_pid();
    if (idle_get(&r->stripes[s]) == bh_off(r, e) &&
        (atomic_load_explicit(&l->fence, memory_order_relaxed) & 63) != 0) {
        bh_slock_unlock(&l->word, &l->token);
        return;
    }
    bh_stripe_lock(r, s);
    bh_slock_unlock(&l->word, &l->token);
    rec_settle_locked(r, s, e);
    bh_stripe_unlock(r, s);
}

int bh_emb_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    struct bh_entry *e;
    struct bh_lockrec *l;
    struct bh_key k;
    unsigned s;
    int rc, slot = -1;

    key_of(m, name, len, &k);
    s = bh_key_stripe(r, &k);
    bh_stripe_lock(r, s);
    if ((rc = rec_find_locked(r, s, &k, &e)) != BH_OK) {
        bh_stripe_unlock(r, s);
        return rc;
    }
    l = rec_of(e);
    /* The common case: free, and no waiter to be fair to. A held word is
     * not looked into here (whether its holder died reads /proc, which
     * would keep the stripe from everyone else meanwhile): word_wait does
     * that, outside the stripe. */
    rc = l->last_pid == bh_proc_pid() && has_waiters_locked(l)
             ? BH_EBUSY
             : bh_slock_trylock_live(&l->word, &l->token);
    if (rc == BH_EBUSY)
        slot = pin_locked(l);
    bh_stripe_unlock(r, s);

    if (rc == BH_EBUSY) {
        rc = word_wait(l, timeout_ms);
        if (rc < 0) {
            bh_stripe_lock(r, s);
            unpin_locked(l, slot);
            rec_settle_locked(r, s, e);
            bh_stripe_unlock(r, s);
            return BH_ETIMEDOUT;
        }
        unpin_held(r, s, l, slot);
    }
    int abandoned = took(l, rc == 1);
    if (held_add(ms, name, len, bh_off(r, e), s) != BH_OK) {
        rec_release(r, s, e);
        return BH_ENOMEM;
    }
    return abandoned ? BH_EABANDONED : BH_OK;
}

/* Releases through the handle's record of the lock, which cannot have
 * moved or gone while held. */
int bh_emb_lock_release(bh_shared *m, const char *name, size_t len)
{
    struct bh_emb_shared *ms = bh_emb_shared_of(m);
    struct bh_region *r = bh_emb_region(m);
    struct bh_held *h = held_find(ms, name, len);
    struct bh_entry *e;
    unsigned s;

    if (!h)
        return BH_ENOTOWNER;
    e = bh_at(r, h->rec_off);
    s = h->stripe;
    held_drop(ms, h);
    if (!held_by_me(rec_of(e)))
        return BH_ENOTOWNER; /* not ours any more (a fork's child) */
    rec_release(r, s, e);
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
    atomic_store(&l->waiting, 0);
    atomic_store(&l->word, 0);
    atomic_store(&l->token, 0);
    l->last_pid = 0;
    l->users = 0;
    atomic_store(&l->deferring, 0);
    for (int i = 0; i < BH_LOCK_WAITSLOTS; i++)
        atomic_store(&l->wpid[i], 0);
}

/* The lock record in slot i of ix, or NULL. */
static struct bh_entry *slot_lock(struct bh_region *r, const struct bh_index *ix, uint64_t i)
{
    uint64_t slot = ix->slots[i];
    struct bh_entry *e;

    if (slot == BH_SLOT_EMPTY || slot == BH_SLOT_TOMB)
        return NULL;
    e = bh_at(r, BH_SLOT_OFF(slot));
    return e->type == BH_T_LOCK ? e : NULL;
}

/* Whether idle_lock names a lock record that the index of stripe s reaches. */
static int idle_reached(struct bh_region *r, unsigned s)
{
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    uint64_t kept = idle_get(&r->stripes[s]);

    for (uint64_t i = 0; kept && ix && i < ix->cap; i++) {
        struct bh_entry *e = slot_lock(r, ix, i);
        if (e && bh_off(r, e) == kept)
            return 1;
    }
    return 0;
}

/*
 * Run after the stripe's rebuild, which trusts the index alone: idle_lock
 * may name a record a killed process was freeing, and another idle record
 * may wait for the settling its releaser did not live to do. Settles every
 * record as a release would. Removal moves no other slot, so the walk goes
 * on from i.
 */
void bh_lock_stripe_settle_locked(struct bh_region *r, unsigned s)
{
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);

    if (!idle_reached(r, s))
        idle_set(&r->stripes[s], 0);
    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        struct bh_entry *e = slot_lock(r, ix, i);
        if (e)
            rec_settle_locked(r, s, e);
    }
}

/* The invariant the settling keeps: no idle record but the kept one. A
 * record pinned by a waiter that died counts as pinned until settled. */
int bh_lock_stripe_check_locked(struct bh_region *r, unsigned s, char *msg, size_t msglen)
{
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    uint64_t kept = idle_get(&r->stripes[s]);

    if (kept && !idle_reached(r, s)) {
        snprintf(msg, msglen, "stripe %u: the idle lock record kept (%llu) is not a lock record",
                 s, (unsigned long long)kept);
        return BH_ECORRUPT;
    }
    for (uint64_t i = 0; ix && i < ix->cap; i++) {
        struct bh_entry *e = slot_lock(r, ix, i);
        if (e && bh_off(r, e) != kept && rec_idle(rec_of(e))) {
            snprintf(msg, msglen, "stripe %u: idle lock record in slot %llu is neither kept nor freed",
                     s, (unsigned long long)i);
            return BH_ECORRUPT;
        }
    }
    return BH_OK;
}
