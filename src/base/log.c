/*
 * The logging facility of every layer: one line per call to stderr, prefixed
 * with a UTC timestamp and the pid, because several worker processes write
 * to the same stderr and their lines must stay readable and attributable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bothive/log.h"

/* -1 until the environment has been read. An int written whole is good
 * enough here: the worst race is two threads both reading BOTHIVE_LOG. */
static volatile int bh_log_threshold = -1;

static const char *const bh_log_names[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};

static int bh_log_level_from_env(void)
{
    const char *e = getenv("BOTHIVE_LOG");
    if (!e || !*e)
        return BH_LOG_INFO;
    if (!strcasecmp(e, "debug"))
        return BH_LOG_DEBUG;
    if (!strcasecmp(e, "info"))
        return BH_LOG_INFO;
    if (!strcasecmp(e, "warn") || !strcasecmp(e, "warning"))
        return BH_LOG_WARN;
    if (!strcasecmp(e, "error"))
        return BH_LOG_ERROR;
    if (!strcasecmp(e, "off") || !strcasecmp(e, "none"))
        return BH_LOG_OFF;
    return BH_LOG_INFO;
}

bh_log_level bh_log_get_level(void)
{
    int t = bh_log_threshold;
    if (t < 0) {
        t = bh_log_level_from_env();
        bh_log_threshold = t;
    }
    return (bh_log_level)t;
}

void bh_log_set_level(bh_log_level level)
{
    if (level < BH_LOG_DEBUG)
        level = BH_LOG_DEBUG;
    if (level > BH_LOG_OFF)
        level = BH_LOG_OFF;
    bh_log_threshold = (int)level;
}

void bh_log_reset(void)
{
    bh_log_threshold = -1;
}

int bh_log_enabled(bh_log_level level)
{
    return level >= BH_LOG_DEBUG && level < BH_LOG_OFF && level >= bh_log_get_level();
}

/*
 * Formats the whole line into one buffer and writes it with a single
 * write(2): stderr is shared by every worker, and one write of less than
 * PIPE_BUF bytes is not interleaved with another process's.
 */
void bh_log(bh_log_level level, const char *fmt, ...)
{
    char line[1100];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int k;
    va_list ap;

    if (!bh_log_enabled(level) || !fmt)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    k = snprintf(line + n, sizeof line - n, ".%03ldZ [%d] %s ", ts.tv_nsec / 1000000L,
                 (int)getpid(), bh_log_names[level]);
    if (k > 0)
        n += (size_t)k < sizeof line - n ? (size_t)k : sizeof line - n - 1;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n - 1, fmt, ap);
    va_end(ap);
    if (k > 0)
        n += (size_t)k < sizeof line - n - 1 ? (size_t)k : sizeof line - n - 2;
    line[n++] = '\n';
    /* A failed log write has nowhere to be reported; ignore it. */
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}
