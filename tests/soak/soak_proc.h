/*
 * What the soak learns about processes from /proc: the children of the
 * bot's master (to pick a worker to kill), and, in a sampler thread, the
 * resident memory and open descriptors of the bot's processes and of the
 * emulator over the whole run, so that growth can be printed and bounded.
 */
#ifndef BH_SOAK_PROC_H
#define BH_SOAK_PROC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Workers shown by the report besides those that broke a bound. */
#define BH_SOAK_SHOWN_WORKERS 6

/* One process's figures over its life (kB for memory). Anonymous memory
 * is what a leak grows; VmRSS also counts the store's shared pages, which
 * grow as the store fills and are not a leak. */
typedef struct bh_soak_proc {
    pid_t pid;
    char name[32];          /* /proc comm: "bh worker 2", "bh updater", the master's */
    int master_run;         /* which start of the bot (1, 2...); 0 for the emulator */
    long samples;
    long rss[3], anon[3];   /* first, last, max */
    int fds[3];
} bh_soak_proc;

typedef struct bh_soak_sampler {
    pthread_t thread;
    pthread_mutex_t lock;
    pid_t master, emu;      /* set under lock; master 0 between runs */
    int master_run;
    int stop;
    int period_ms;
    bh_soak_proc *procs;
    size_t n, cap;
} bh_soak_sampler;

/* Fills pids with up to max children of `parent` whose comm starts with
 * `prefix`. Returns how many. */
size_t bh_soak_children(pid_t parent, const char *prefix, pid_t *pids, size_t max);

/* Starts the sampler thread (every period_ms). Returns 0 or -1. */
int bh_soak_sampler_start(bh_soak_sampler *s, pid_t emu, int period_ms);
/* The bot's master now (0: none), counted as start number `run`. */
void bh_soak_sampler_set_master(bh_soak_sampler *s, pid_t master, int run);
/* Takes one more sample at once (the final figures), then stops the thread. */
void bh_soak_sampler_stop(bh_soak_sampler *s);

/* Prints the figures and checks them: every bot process that lived at
 * least min_samples samples grew its anonymous memory by at most
 * anon_growth_kb and its descriptors by at most fd_growth. Returns the
 * number of processes that broke a bound. */
int bh_soak_sampler_report(const bh_soak_sampler *s, long min_samples, long anon_growth_kb,
                           int fd_growth);
void bh_soak_sampler_free(bh_soak_sampler *s);

#endif
