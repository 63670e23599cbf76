/* Exponential backoff (see backoff.h). */
#include "backoff.h"

int64_t bh_backoff_next(bh_backoff *b)
{
    if (!b->cur_ms)
        b->cur_ms = b->initial_ms;
    else if (b->cur_ms < b->max_ms)
        b->cur_ms = b->cur_ms > b->max_ms / 2 ? b->max_ms : b->cur_ms * 2;
    if (b->cur_ms > b->max_ms)
        b->cur_ms = b->max_ms;
    return b->cur_ms;
}

int64_t bh_backoff_nth(int64_t initial_ms, int64_t max_ms, int attempt)
{
    bh_backoff b = {.initial_ms = initial_ms, .max_ms = max_ms};
    int64_t d = bh_backoff_next(&b);

    for (int i = 0; i < attempt && d < max_ms; i++)
        d = bh_backoff_next(&b);
    return d;
}
