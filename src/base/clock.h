/*
 * Deadlines for the timed waits (pthread_cond_timedwait on a condition set
 * to CLOCK_MONOTONIC, futex waits with an absolute deadline): a clock that
 * never jumps with the wall clock.
 */
#ifndef BH_BASE_CLOCK_H
#define BH_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC now plus ms milliseconds (ms >= 0). */
struct timespec bh_clock_after_ms(int64_t ms);

#endif
