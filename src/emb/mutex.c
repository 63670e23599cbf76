/*
 * Robust process-shared mutexes: the only kind of lock inside a region.
 *
 * PTHREAD_MUTEX_ROBUST is an enum in glibc, not a macro: never test it with
 * #ifdef, or robustness silently compiles out and a dead holder deadlocks
 * every other process.
 */
#include <errno.h>
#include <stdlib.h>

#include "region.h"

int bh_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;
    int rc;

    if (pthread_mutexattr_init(&a))
        return BH_EIO;
    rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!rc)
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (!rc)
        rc = pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    if (!rc)
        rc = pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
    return rc ? BH_EIO : BH_OK;
}

/*
 * Waits in slices of BH_MUTEX_SLICE_MS, not for ever, because a wake-up can
 * be lost: when an unlock wakes a waiter and that waiter is SIGKILLed
 * before it takes the mutex, while a third process takes it by the fast
 * path, the kernel's exit handling wakes nobody (the dead waiter owned
 * nothing). The remaining waiters would then sleep on a mutex that is free
 * by the time its new holder unlocks, and the stripe lock held around the
 * wait would stop every other worker too. Waking each slice to try again
 * costs a waiter nothing while the mutex is held, and ends that wait.
 */
#define BH_MUTEX_SLICE_MS 100

/*
 * EDEADLK (the caller holds it already) is returned as BH_MUTEX_MINE.
 * ENOTRECOVERABLE means someone saw EOWNERDEAD and unlocked without marking
 * the mutex consistent; bothive never does that, so it is a broken region
 * and continuing would break mutual exclusion.
 */
enum bh_mutex_got bh_mutex_lock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_trylock(m);

    while (rc == EBUSY || rc == ETIMEDOUT) {
        struct timespec until = bh_clock_after_ms(BH_MUTEX_SLICE_MS);
        rc = pthread_mutex_clocklock(m, CLOCK_MONOTONIC, &until);
    }
    if (rc == 0)
        return BH_MUTEX_LOCKED;
    if (rc == EOWNERDEAD)
        return BH_MUTEX_DIED;
    if (rc == EDEADLK)
        return BH_MUTEX_MINE;
    abort();
}
