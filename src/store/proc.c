/*
 * Process identity for lock owners. A pid alone is not enough: pids are
 * reused, and a lock record naming a dead owner's pid must never be taken
 * for a new, unrelated process with the same pid. The start time of a
 * process (field 22 of /proc/PID/stat, in clock ticks since boot) tells them
 * apart.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "region.h"

/* Start time of pid, or 0 if it does not exist or is a zombie (a zombie
 * holds nothing: the kernel released its robust mutexes when it died). */
static uint64_t start_time_of(int32_t pid)
{
    char path[64], buf[1024];
    unsigned long long t = 0;
    FILE *f;
    size_t n;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "re")))
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name (field 2) may hold spaces and parentheses: count
     * fields from the last ')'. Field 22 is then the 20th after it. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return 0;
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (p)
        t = strtoull(p + 1, NULL, 10);
    return (uint64_t)t;
}

uint64_t bh_proc_token(void)
{
    static pid_t cached_pid;
    static uint64_t cached;
    pid_t pid = getpid();

    /* Recomputed after fork: the child is another process. */
    if (pid != cached_pid) {
        cached = start_time_of(pid);
        cached_pid = pid;
    }
    return cached;
}

int bh_proc_alive(int32_t pid, uint64_t token)
{
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 0;
    return start_time_of(pid) == token;
}
