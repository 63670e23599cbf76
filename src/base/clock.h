/*
 * The clocks every layer uses, in milliseconds, and deadlines for timed
 * waits. The monotonic clock never jumps with the wall clock: deadlines,
 * timeouts and backoffs use it. The wall clock is for what must mean the
 * same thing in another process that does not share this boot or this host
 * (TTLs in a file: store, rate limits shared through redis://).
 *
 * The _coarse variants read the kernel's tick-granular clocks (a few ms of
 * resolution, several times cheaper): for hot paths that only need to know
 * whether a deadline passed, such as a TTL check on every read.
 */
#ifndef BH_BASE_CLOCK_H
#define BH_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t bh_clock_ms_of(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CLOCK_MONOTONIC in ms. */
static inline int64_t bh_clock_mono_ms(void)
{
    return bh_clock_ms_of(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME in ms (Unix time). */
static inline int64_t bh_clock_wall_ms(void)
{
    return bh_clock_ms_of(CLOCK_REALTIME);
}

static inline int64_t bh_clock_mono_coarse_ms(void)
{
    return bh_clock_ms_of(CLOCK_MONOTONIC_COARSE);
}

static inline int64_t bh_clock_wall_coarse_ms(void)
{
    return bh_clock_ms_of(CLOCK_REALTIME_COARSE);
}

/* CLOCK_REALTIME in µs: the rate limiter's GCRA needs sub-ms slots. */
int64_t bh_clock_wall_us(void);

/* CLOCK_MONOTONIC now plus ms milliseconds (ms >= 0), as a timespec for
 * pthread_cond_timedwait on a CLOCK_MONOTONIC condition or a futex wait. */
struct timespec bh_clock_after_ms(int64_t ms);

#endif
