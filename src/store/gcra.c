/*
 * GCRA arithmetic of rate limits (see gcra.h).
 */
#include "gcra.h"

/* A TAT from a clock that went backwards would block for hours: forget it. */
static int64_t bh_gcra_sane(int64_t tat, int64_t now)
{
    return tat > now + BH_GCRA_MAX_AHEAD_US ? 0 : tat;
}

int64_t bh_gcra_allowed_at(int64_t tat, int64_t now, int64_t interval, int burst)
{
    int64_t at;
    tat = bh_gcra_sane(tat, now);
    if (burst < 1)
        burst = 1;
    at = tat - (int64_t)(burst - 1) * interval;
    return at > now ? at : now;
}

int64_t bh_gcra_after(int64_t tat, int64_t t, int64_t interval, int burst, int64_t now)
{
    (void)burst;
    tat = bh_gcra_sane(tat, now);
    return (tat > t ? tat : t) + interval;
}
