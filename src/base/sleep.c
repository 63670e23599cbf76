/* Interruptible sleep (see sleep.h). */
#include <time.h>

#include "bothive/error.h"
#include "clock.h"
#include "sleep.h"

int bh_sleep_ms(int64_t ms, const volatile sig_atomic_t *stop)
{
    int64_t deadline = bh_clock_mono_ms() + ms;

    for (;;) {
        if (stop && *stop)
            return BH_EINTR;
        int64_t left = deadline - bh_clock_mono_ms();
        if (left <= 0)
            return BH_OK;
        if (left > BH_SLEEP_SLICE_MS)
            left = BH_SLEEP_SLICE_MS;
        struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}
