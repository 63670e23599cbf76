/*
 * Process identity for lock owners. A pid alone is not enough: pids are
 * reused, and a lock record naming a dead owner's pid must never be taken
 * for a new, unrelated process with the same pid. The start time of a
 * process (field 22 of /proc/PID/stat, in clock ticks since boot) tells them
 * apart.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

/* Start time of pid, or 0 if it does not exist or is a zombie (a zombie
 * holds nothing: the kernel released its robust mutexes when it died). */
uint64_t bh_proc_start(int32_t pid)
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

/*
 * getpid() is a system call in current glibc (about a microsecond on some
 * virtual machines), and a lock operation needs the caller's pid several
 * times, so it is cached per process and forgotten in the child of fork.
 */
int32_t bh_proc_cached_pid;
uint64_t bh_proc_cached_token;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
    bh_proc_cached_pid = 0;
    bh_proc_cached_token = 0;
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, forget_pid);
}

int32_t bh_proc_pid_slow(void)
{
    pthread_once(&atfork_once, register_atfork);
    bh_proc_cached_pid = (int32_t)getpid();
    return bh_proc_cached_pid;
}

uint64_t bh_proc_token_slow(void)
{
    bh_proc_cached_token = bh_proc_start(bh_proc_pid());
    return bh_proc_cached_token;
}

int bh_proc_alive(int32_t pid, uint64_t token)
{
    if (pid <= 0)
        return 0;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 0;
    return bh_proc_start(pid) == token;
}

static char bh_proc_host_id[96];
static pthread_once_t bh_proc_host_once = PTHREAD_ONCE_INIT;

static void proc_host_read(void)
{
    char boot[64] = "", ns[64];
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    ssize_t n;

    if (f) {
        if (!fgets(boot, sizeof boot, f))
            boot[0] = 0;
        fclose(f);
    }
    boot[strcspn(boot, "\n")] = 0;
    n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
    if (!boot[0] || n <= 0)
        return; /* unknown: no other process is ever judged from here */
    ns[n] = 0;
    /* "pid:[4026531836]": keep the inode number */
    snprintf(bh_proc_host_id, sizeof bh_proc_host_id, "%s.%llu", boot,
             strtoull(ns + strcspn(ns, "0123456789"), NULL, 10));
}

/* The boot id alone is not enough: containers share it, but not their pids. */
const char *bh_proc_host(void)
{
    pthread_once(&bh_proc_host_once, proc_host_read);
    return bh_proc_host_id;
}
