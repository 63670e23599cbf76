/*
 * An interruptible sleep: long waits (a retry after a 429, a backoff
 * between reconnects) must end soon after a shutdown is asked for, and
 * nanosleep alone may end early on any signal or not at all on a flag.
 */
#ifndef BH_BASE_SLEEP_H
#define BH_BASE_SLEEP_H

#include <signal.h>
#include <stdint.h>

/* Sleeps ms milliseconds of the monotonic clock (never less, whatever
 * signals arrive), in slices of at most BH_SLEEP_SLICE_MS so that *stop
 * turning non-zero ends it within one slice. stop may be NULL.
 * Returns BH_OK after the full time, BH_EINTR when *stop ended it. */
int bh_sleep_ms(int64_t ms, const volatile sig_atomic_t *stop);

#define BH_SLEEP_SLICE_MS 100

#endif
