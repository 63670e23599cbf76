/*
 * Logging to stderr, or to the handler a host program set. Each stderr
 * line is formatted into one buffer and written with a single write(2), so
 * lines from concurrent processes never interleave mid-line.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "bothive/log.h"

#define BH_LOG_LINE_MAX 2048

static int bh_level = -1;
static char bh_tag[32];
/* Set once by the host program, before threads and forks. */
static bh_log_handler_fn bh_handler;
static void *bh_handler_arg;

static int level_from_env(void)
{
    static const char *const names[] = {"debug", "info", "warn", "error", "off"};
    const char *v = getenv("BOTHIVE_LOG");

    for (int i = 0; v && i < 5; i++)
        if (!strcasecmp(v, names[i]))
            return i;
    return BH_LOG_INFO;
}

int bh_log_level(void)
{
    if (bh_level < 0)
        bh_level = level_from_env();
    return bh_level;
}

void bh_log_set_level(int level)
{
    bh_level = level;
}

void bh_log_set_tag(const char *tag)
{
    snprintf(bh_tag, sizeof bh_tag, "%s", tag ? tag : "");
}

const char *bh_log_tag(void)
{
    return bh_tag;
}

void bh_log_set_handler(bh_log_handler_fn fn, void *arg)
{
    bh_handler = fn;
    bh_handler_arg = arg;
}

/* The message alone, for a handler. */
static void log_to_handler(int level, const char *fmt, va_list ap)
{
    char msg[BH_LOG_LINE_MAX];

    vsnprintf(msg, sizeof msg, fmt, ap);
    bh_handler(level, msg, bh_handler_arg);
}

/* One line on stderr: timestamp, level, pid and tag, message. */
static void log_to_stderr(int level, const char *fmt, va_list ap)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    char line[BH_LOG_LINE_MAX];
    struct timeval tv;
    struct tm tm;
    int n;

    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    n = snprintf(line, sizeof line, "%04d-%02d-%02d %02d:%02d:%02d.%03d %-5s [%d%s%s] ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec, (int)(tv.tv_usec / 1000), names[level], (int)getpid(),
                 bh_tag[0] ? " " : "", bh_tag);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

void bh_log(int level, const char *fmt, ...)
{
    va_list ap;

    if (level < bh_log_level() || level >= BH_LOG_OFF || level < BH_LOG_DEBUG)
        return;
    va_start(ap, fmt);
    if (bh_handler)
        log_to_handler(level, fmt, ap);
    else
        log_to_stderr(level, fmt, ap);
    va_end(ap);
}
