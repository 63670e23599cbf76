/*
 * The soak's state, shared by its driver (soak.c) and its checks
 * (soak_check.c).
 */
#ifndef BH_SOAK_H
#define BH_SOAK_H

#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "emu_proc.h"
#include "soak_proc.h"

#define SOAK_TOKEN "7007:SOAK"
#define SOAK_MEMORY "bot:7007"

typedef struct soak_cfg {
    int64_t updates, chats;
    int workers;
    int restart_kill;             /* SIGKILL the master half-way, not SIGTERM */
    uint64_t seed;
    int64_t crash_every, kill_every, fault_period, ping_every;
    const char *bot_exe;
    char store_path[512];
} soak_cfg;

typedef struct soak_run {
    soak_cfg cfg;
    bh_emu_proc emu;
    CURL *curl;                   /* one kept-alive connection for all control calls */
    bh_soak_sampler sampler;
    pid_t bot;
    int starts;
    int64_t *sent;                /* per chat */
    int64_t injected, crashes, pings, kills, kill_misses, fault_windows, restarts;
    char log_path[600];           /* the bot's stderr */
    uint64_t rng;
    int faults_on;
} soak_run;

/* One control call on the kept connection: the HTTP status or -1; *resp
 * (when asked) is the malloc'd body. */
int soak_control(soak_run *r, const char *path, const char *json, char **resp);
/* The emulator's counter `name` (a dotted path in /control/stats), or -1. */
int64_t soak_emu_stat(soak_run *r, const char *name);

/* After the bot stopped: the counts, the store and the processes' figures.
 * Prints them; returns 0 when every bound holds. */
int soak_check(soak_run *r);

#endif
