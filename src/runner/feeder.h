/*
 * The feeder (feeder.c) and its jobs' side (feedjobs.c): the state they
 * share, private to the two files.
 */
#ifndef BOTHIVE_RUNNER_FEEDER_H
#define BOTHIVE_RUNNER_FEEDER_H

#include <stdint.h>
#include <sys/types.h>

#include "bothive/store.h"
#include "hosts.h"

/* How often the bot's shared wake-up for its scheduled jobs is read. */
#define BH_FEEDER_WAKE_MS 250

typedef struct bh_fpart {
    int want;             /* this host's share */
    uint64_t epoch;       /* the lease held with it; 0: not held */
    int64_t renew_at, try_at;
    int64_t after;        /* -1: new entries; else pending ones above it */
    int64_t seen;         /* the highest id read here, -1: none */
    int64_t *fly;         /* ids in flight in the master */
    size_t nfly, capfly;
    int64_t *acks;        /* done, to acknowledge */
    size_t nacks, capacks;
} bh_fpart;

typedef struct bh_feeder {
    const bh_updater_cfg *cfg;
    const char *host;
    char bot[BH_HOSTS_NAME_MAX + 1];
    bh_hosts *h;
    bh_hosts_cfg hc;
    int parts;
    bh_fpart *p;
    size_t flying;
    int64_t beat_at;
    uint64_t tepoch;      /* the timers' lease, when held */
    int64_t timers_at;
    int64_t down_until;   /* no store call before (a call failed) */
    int failing;          /* logged that the store fails */
    int stopping, final, gone;
    int nowait;           /* the store cannot wait for entries: poll */
    int nowake;           /* the store keeps no shared wake-up */
    int woke;             /* the last wait saw an entry */
    int64_t wake_at;      /* next read of the shared wake-up */
    int64_t wake_pub;     /* a wake-up of this host's workers to publish, -1: none */
    int64_t wake_told;    /* the shared wake-up last told the master */
    pid_t intake;
    int64_t intake_at;
    char *buf;
    bh_store *st;         /* for dead letters, opened at the first */
    bh_msg_hdr *early;    /* ACKs and NACKs of partitions not taken yet */
    size_t nearly, capearly;
} bh_feeder;

/* Appends v to a growing array. Errors: BH_ENOMEM. */
int bh_feeder_push(int64_t **a, size_t *n, size_t *cap, int64_t v);
/* Removes v from the in-flight ids of p; 1 if it was there. */
int bh_feeder_land(bh_feeder *f, bh_fpart *p, int64_t v);
/* Whether v is in flight in p. */
int bh_feeder_flying(const bh_fpart *p, int64_t v);
/* A call to the store failed (logged once, the store left alone a moment),
 * or worked again. */
void bh_feeder_failed(bh_feeder *f, int64_t now, const char *what, int rc);
void bh_feeder_worked(bh_feeder *f);

/* feedjobs.c: the master's CRASH m of partition k (the verdict goes back),
 * and a turn's part of the scheduled jobs' shared wake-up. */
void bh_feeder_crash(bh_feeder *f, int k, const bh_msg *m);
void bh_feeder_wake(bh_feeder *f, int64_t now);

#endif
