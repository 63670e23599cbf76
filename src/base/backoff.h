/*
 * Exponential backoff: the delay between retries of something that failed
 * (a request, a respawn, a registration) starts at initial_ms and doubles
 * on each failure up to max_ms, so a lasting fault costs few tries and a
 * short one is retried soon. One success resets it.
 */
#ifndef BH_BASE_BACKOFF_H
#define BH_BASE_BACKOFF_H

#include <stdint.h>

typedef struct bh_backoff {
    int64_t initial_ms; /* the first delay (> 0) */
    int64_t max_ms;     /* the cap (>= initial_ms) */
    int64_t cur_ms;     /* the last delay given; 0 since the last reset */
} bh_backoff;

/* The next delay: initial_ms after a reset, then twice the last, at most
 * max_ms. */
int64_t bh_backoff_next(bh_backoff *b);

/* Forgets the failures: the next delay is initial_ms again. */
static inline void bh_backoff_reset(bh_backoff *b)
{
    b->cur_ms = 0;
}

/* The delay before retry number attempt (0-based) of a backoff that keeps
 * no state: initial_ms * 2^attempt, at most max_ms. */
int64_t bh_backoff_nth(int64_t initial_ms, int64_t max_ms, int attempt);

#endif
