/*
 * Stripe locks: a futex word holding the owner's pid, made robust by
 * looking at the owner when a waiter has waited too long.
 *
 * Why not a robust pthread mutex, as for every other lock in the region:
 * a stripe is held for tens of nanoseconds, and a robust mutex's lock and
 * unlock cost about 18 ns on their own (the kernel's robust-list
 * bookkeeping), against 6 ns for a compare-and-swap and a store. A robust
 * mutex tells the next locker at once that the owner died; this lock tells
 * it within BH_SLOCK_CHECK_MS, which matters only after a crash.
 *
 * The word is 0 when free, else the owner's pid, with BH_SLOCK_WAITERS set
 * once someone may sleep on it. The owner's start time goes next to it
 * (owner_token), so that a pid reused by a new process is not taken for
 * the dead owner. A waiter declares the owner dead when its pid is gone or
 * a zombie, or when a different process now has that pid (start times
 * differ twice, BH_SLOCK_REUSE_MS apart: a live owner writes its token
 * nanoseconds after taking the word, so it cannot look stale that long).
 */
#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "region.h"

#define BH_SLOCK_SPINS 128
#define BH_SLOCK_CHECK_MS 5
#define BH_SLOCK_CHECK_MAX_MS 80
#define BH_SLOCK_REUSE_MS 100

static long futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

/*
 * Whether the owner recorded in word is dead. *suspect_since remembers when
 * the owner's start time first looked wrong (0: never), across calls.
 */
static int owner_dead(uint32_t word, const _Atomic uint64_t *token, int64_t *suspect_since)
{
    uint64_t start = bh_proc_start((int32_t)(word & ~BH_SLOCK_WAITERS));

    if (start == 0)
        return 1; /* gone, or a zombie: it holds nothing */
    if (start == atomic_load(token)) {
        *suspect_since = 0;
        return 0; /* the owner, alive */
    }
    /* A live process with another start time: the pid was reused, or the
     * owner is between taking the word and writing its token, which lasts
     * nanoseconds. Only the first stays true for long. */
    if (*suspect_since == 0)
        *suspect_since = bh_clock_mono_coarse_ms();
    return bh_clock_mono_coarse_ms() - *suspect_since >= BH_SLOCK_REUSE_MS;
}

static int take(_Atomic uint32_t *word, uint32_t *cur, uint32_t val)
{
    return atomic_compare_exchange_strong_explicit(word, cur, val, memory_order_acquire,
                                                   memory_order_relaxed);
}

/*
 * The rest of bh_slock_trylock, once the word was found held by cur: takes
 * it if that owner is gone (dead, or a zombie: found at once, not after a
 * wait) and returns 1, else BH_EBUSY.
 */
int bh_slock_take_dead(_Atomic uint32_t *word, _Atomic uint64_t *token, uint32_t cur)
{
    uint32_t me = (uint32_t)bh_proc_pid();

    if (cur && bh_proc_start((int32_t)(cur & ~BH_SLOCK_WAITERS)) == 0 &&
        take(word, &cur, me | (cur & BH_SLOCK_WAITERS))) {
        atomic_store(token, bh_proc_token());
        return 1;
    }
    return BH_EBUSY;
}

/* Milliseconds until deadline (CLOCK_MONOTONIC), rounded up; 0 once it
 * has passed. Rounding down would give up before the deadline. */
static int64_t left_ms(const struct timespec *deadline)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
                 (deadline->tv_nsec - now.tv_nsec);
    return ns > 0 ? (ns + 999999) / 1000000 : 0;
}

int bh_slock_spin(_Atomic uint32_t *word, _Atomic uint64_t *token)
{
    uint32_t me = (uint32_t)bh_proc_pid(), cur = 0;

    if (take(word, &cur, me))
        goto mine;
    for (int i = 0; i < BH_SLOCK_SPINS; i++) {
        cur = atomic_load_explicit(word, memory_order_relaxed);
        if (cur == 0 && take(word, &cur, me))
            goto mine;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    return BH_EBUSY;
mine:
    atomic_store_explicit(token, bh_proc_token(), memory_order_relaxed);
    return 0;
}

/*
 * Takes the lock, waiting until deadline (absolute, CLOCK_MONOTONIC; NULL
 * for ever). Returns 0, 1 when it was taken from an owner that died holding
 * it (the caller must repair what it guards), or BH_ETIMEDOUT. A waiter
 * sleeps on the futex and looks at the owner each time a check period
 * passes; the period doubles up to BH_SLOCK_CHECK_MAX_MS, so a lock held
 * for seconds costs its waiters next to nothing.
 */
int bh_slock_timedlock(_Atomic uint32_t *word, _Atomic uint64_t *token,
                       const struct timespec *deadline)
{
    uint32_t me = (uint32_t)bh_proc_pid(), cur = 0;
    int64_t suspect_since = 0, period = BH_SLOCK_CHECK_MS;

    if (bh_slock_spin(word, token) == 0)
        return 0;
    for (;;) {
        cur = atomic_load_explicit(word, memory_order_relaxed);
        /* Taken from here on with the waiters bit: others may be asleep. */
        if (cur == 0) {
            if (take(word, &cur, me | BH_SLOCK_WAITERS))
                goto mine;
            continue;
        }
        if (!(cur & BH_SLOCK_WAITERS) &&
            !atomic_compare_exchange_strong(word, &cur, cur | BH_SLOCK_WAITERS))
            continue;
        cur |= BH_SLOCK_WAITERS;
        int64_t wait = period;
        if (deadline && (wait = left_ms(deadline)) == 0)
            return BH_ETIMEDOUT;
        if (wait > period)
            wait = period;
        struct timespec ts = {wait / 1000, (wait % 1000) * 1000000L};
        if (futex(word, FUTEX_WAIT, cur, &ts) < 0 && errno == ETIMEDOUT) {
            if (owner_dead(cur, token, &suspect_since) && take(word, &cur, me | BH_SLOCK_WAITERS)) {
                atomic_store(token, bh_proc_token());
                return 1;
            }
            if (period < BH_SLOCK_CHECK_MAX_MS)
                period *= 2;
        }
    }
mine:
    atomic_store_explicit(token, bh_proc_token(), memory_order_relaxed);
    return 0;
}

void bh_slock_wake(_Atomic uint32_t *word)
{
    futex(word, FUTEX_WAKE, 1, NULL);
}
