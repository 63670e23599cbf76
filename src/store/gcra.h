/*
 * GCRA (generic cell rate algorithm), the arithmetic of rate limits
 * (bh_shared_rate_take: rate.c, and the redis:// script of the same),
 * kept apart from the store's operations so that it can be reasoned
 * about and tested on its own. Times are in microseconds.
 *
 * A key is described by its TAT (theoretical arrival time); a key never
 * seen has TAT 0. With emission interval T and burst b, a send at time t
 * conforms iff t >= TAT - (b - 1) * T; after it, TAT = max(TAT, t) + T.
 * So b sends may go at once, then one every T.
 */
#ifndef BH_STORE_GCRA_H
#define BH_STORE_GCRA_H

#include <stdint.h>

/* A TAT further ahead than this is taken to come from a clock that jumped
 * backwards (or from an earlier boot) and is reset. */
#define BH_GCRA_MAX_AHEAD_US ((int64_t)3600 * 1000000)

/* The earliest time >= now at which a send conforms to the key. */
int64_t bh_gcra_allowed_at(int64_t tat, int64_t now, int64_t interval, int burst);

/* The key's TAT after a send at time t (t must conform). */
int64_t bh_gcra_after(int64_t tat, int64_t t, int64_t interval, int burst, int64_t now);

#endif
