/*
 * /proc readers and the sampler thread of the soak. See soak_proc.h.
 */
#include "soak_proc.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The parent pid and comm of pid, from /proc/<pid>/stat. Returns 0 or -1. */
static int read_stat(pid_t pid, pid_t *ppid, char *comm, size_t commlen)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* comm may hold spaces and parentheses: it ends at the last ')'. */
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return -1;
    size_t len = (size_t)(close - open - 1);
    if (len >= commlen)
        len = commlen - 1;
    memcpy(comm, open + 1, len);
    comm[len] = 0;
    int pp;
    char state;
    if (sscanf(close + 1, " %c %d", &state, &pp) != 2)
        return -1;
    *ppid = pp;
    return state == 'Z' ? -1 : 0;  /* a zombie has no memory left to sample */
}

size_t bh_soak_children(pid_t parent, const char *prefix, pid_t *pids, size_t max)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    size_t n = 0;
    if (!d)
        return 0;
    while (n < max && (de = readdir(d)) != NULL) {
        pid_t ppid;
        char comm[32];
        if (!isdigit((unsigned char)de->d_name[0]))
            continue;
        pid_t pid = (pid_t)atoi(de->d_name);
        if (read_stat(pid, &ppid, comm, sizeof comm) == 0 && ppid == parent &&
            !strncmp(comm, prefix, strlen(prefix)))
            pids[n++] = pid;
    }
    closedir(d);
    return n;
}

/* VmRSS and RssAnon (kB) of pid. Returns 0 or -1. */
static int read_memory(pid_t pid, long *rss, long *anon)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    *rss = *anon = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "VmRSS:", 6))
            *rss = atol(line + 6);
        else if (!strncmp(line, "RssAnon:", 8))
            *anon = atol(line + 8);
    }
    fclose(f);
    return *rss >= 0 && *anon >= 0 ? 0 : -1;
}

/* Open descriptors of pid, or -1. */
static int count_fds(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* The record of pid, added when new. NULL when out of memory. */
static bh_soak_proc *record_for(bh_soak_sampler *s, pid_t pid, int run)
{
    for (size_t i = s->n; i > 0; i--)
        if (s->procs[i - 1].pid == pid && s->procs[i - 1].master_run == run)
            return &s->procs[i - 1];
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        bh_soak_proc *p = realloc(s->procs, cap * sizeof *p);
        if (!p)
            return NULL;
        s->procs = p;
        s->cap = cap;
    }
    bh_soak_proc *p = &s->procs[s->n++];
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->master_run = run;
    return p;
}

static void sample_one(bh_soak_sampler *s, pid_t pid, int run)
{
    long rss, anon;
    pid_t ppid;
    char comm[32];
    if (read_stat(pid, &ppid, comm, sizeof comm) != 0 || read_memory(pid, &rss, &anon) != 0)
        return;
    int fds = count_fds(pid);
    if (fds < 0)
        return;
    bh_soak_proc *p = record_for(s, pid, run);
    if (!p)
        return;
    snprintf(p->name, sizeof p->name, "%s", comm);  /* a child renames itself after fork */
    if (p->samples++ == 0) {
        p->rss[0] = p->rss[2] = rss;
        p->anon[0] = p->anon[2] = anon;
        p->fds[0] = p->fds[2] = fds;
    }
    p->rss[1] = rss;
    p->anon[1] = anon;
    p->fds[1] = fds;
    if (rss > p->rss[2])
        p->rss[2] = rss;
    if (anon > p->anon[2])
        p->anon[2] = anon;
    if (fds > p->fds[2])
        p->fds[2] = fds;
}

/* One round: the emulator, the master and every child of the master. */
static void sample_all(bh_soak_sampler *s)
{
    pid_t kids[64];
    pthread_mutex_lock(&s->lock);
    pid_t master = s->master;
    int run = s->master_run;
    sample_one(s, s->emu, 0);
    if (master > 0) {
        sample_one(s, master, run);
        size_t n = bh_soak_children(master, "", kids, 64);
        for (size_t i = 0; i < n; i++)
            sample_one(s, kids[i], run);
    }
    pthread_mutex_unlock(&s->lock);
}

static void *sampler_main(void *arg)
{
    bh_soak_sampler *s = arg;
    struct timespec ts = {.tv_sec = s->period_ms / 1000, .tv_nsec = (s->period_ms % 1000) * 1000000L};
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            return NULL;
        sample_all(s);
        nanosleep(&ts, NULL);
    }
}

int bh_soak_sampler_start(bh_soak_sampler *s, pid_t emu, int period_ms)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->emu = emu;
    s->period_ms = period_ms;
    return pthread_create(&s->thread, NULL, sampler_main, s) == 0 ? 0 : -1;
}

void bh_soak_sampler_set_master(bh_soak_sampler *s, pid_t master, int run)
{
    pthread_mutex_lock(&s->lock);
    s->master = master;
    s->master_run = run;
    pthread_mutex_unlock(&s->lock);
}

void bh_soak_sampler_stop(bh_soak_sampler *s)
{
    sample_all(s);
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
}

static void print_proc(const bh_soak_proc *p, const char *verdict)
{
    printf("  %-14s run %d pid %-7d %5ld samples  RSS kB %7ld %7ld %7ld  anon kB %7ld %7ld %7ld"
           "  fds %3d %3d %3d%s\n",
           p->master_run ? p->name : "emulator", p->master_run, (int)p->pid, p->samples,
           p->rss[0], p->rss[1], p->rss[2], p->anon[0], p->anon[1], p->anon[2], p->fds[0],
           p->fds[1], p->fds[2], verdict);
}

/* Whether p broke a bound. The emulator is only shown: it keeps every
 * message it was sent, as Telegram's history does. */
static int grew(const bh_soak_proc *p, long anon_growth_kb, int fd_growth)
{
    return p->master_run && (p->anon[1] - p->anon[0] > anon_growth_kb ||
                             p->fds[1] - p->fds[0] > fd_growth);
}

/* The samples of the longest-lived worker ranked `rank` (0: longest). */
static long worker_rank_samples(const bh_soak_sampler *s, size_t rank)
{
    long best[BH_SOAK_SHOWN_WORKERS] = {0};
    for (size_t i = 0; i < s->n; i++) {
        long v = s->procs[i].samples;
        if (strncmp(s->procs[i].name, "bh worker", 9))
            continue;
        for (size_t k = 0; k < BH_SOAK_SHOWN_WORKERS; k++)
            if (v > best[k]) {
                long t = best[k];
                best[k] = v;
                v = t;
            }
    }
    return best[rank];
}

int bh_soak_sampler_report(const bh_soak_sampler *s, long min_samples, long anon_growth_kb,
                           int fd_growth)
{
    int bad = 0;
    size_t judged = 0, hidden = 0;
    long shown_from = worker_rank_samples(s, BH_SOAK_SHOWN_WORKERS - 1);
    printf("processes (first last max; every %d ms): bounds: anon growth <= %ld kB, fd growth"
           " <= %d, for bot processes with >= %ld samples\n",
           s->period_ms, anon_growth_kb, fd_growth, min_samples);
    for (size_t i = 0; i < s->n; i++) {
        const bh_soak_proc *p = &s->procs[i];
        int judge = p->master_run && p->samples >= min_samples;
        int over = judge && grew(p, anon_growth_kb, fd_growth);
        judged += judge;
        bad += over;
        /* Killed workers come and go by the hundred: show the longest-lived. */
        if (!over && p->master_run &&
            (p->samples < min_samples ||
             (!strncmp(p->name, "bh worker", 9) && p->samples < shown_from))) {
            hidden++;
            continue;
        }
        print_proc(p, over ? "  GREW" : "");
    }
    printf("  %zu bot processes judged, %zu others (workers, or too short-lived) not shown\n",
           judged, hidden);
    return bad;
}

void bh_soak_sampler_free(bh_soak_sampler *s)
{
    free(s->procs);
    pthread_mutex_destroy(&s->lock);
}
