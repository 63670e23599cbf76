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
 * EDEADLK (the caller holds it already) is returned as BH_MUTEX_MINE.
 * ENOTRECOVERABLE means someone saw EOWNERDEAD and unlocked without marking
 * the mutex consistent; bothive never does that, so it is a broken region
 * and continuing would break mutual exclusion.
 */
enum bh_mutex_got bh_mutex_lock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_lock(m);
    if (rc == 0)
        return BH_MUTEX_LOCKED;
    if (rc == EOWNERDEAD)
        return BH_MUTEX_DIED;
    if (rc == EDEADLK)
        return BH_MUTEX_MINE;
    abort();
}
