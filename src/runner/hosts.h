/*
 * Several hosts serving one bot (a store that can span hosts, redis://):
 * what the runner's files for it share.
 *
 * hosting.c  the master's side: the feeder's messages become jobs, a job
 *            of a partition whose lease ran out is not handed out, a job
 *            done is acknowledged through the feeder
 * feeder.c   the feeder process, in the updater's slot: heartbeat,
 *            partition leases, reading the partitions it owns, the
 *            acknowledgements; it forks the intake; feedjobs.c its
 *            side of the jobs (crashes counted across hosts, dead
 *            letters, the scheduled jobs' shared wake-up)
 * intake.c   the intake process: polls getUpdates while it holds the
 *            intake lease and puts every update once into the log
 * webhook.c  in webhook mode, the intake's place on every host: serves
 *            the hook and pushes each update once into the log; the
 *            intake lease's holder registers the hook
 *
 * The master makes no store call for any of it: the feeder does the
 * Redis I/O and talks to it over proto.c's socket, as an updater does.
 */
#ifndef BOTHIVE_RUNNER_HOSTS_H
#define BOTHIVE_RUNNER_HOSTS_H

#include <stdint.h>

#include "internal.h"
#include "store/hosts.h"

/* Messages of hosts mode, beside proto.c's (values of their own). */
enum {
    /* feeder -> master */
    BH_MSG_ENTRY = 64, /* timer: partition; kind, a: key; update_id; b: epoch; json */
    BH_MSG_LEASE,      /* timer: partition; a: held until (monotonic ms, 0: lost); b: epoch */
    BH_MSG_TIMERS,     /* the timers' lease: a: held until (0: not this host's) */
    /* master -> feeder */
    BH_MSG_ACK,        /* timer: partition; update_id; b: epoch */
    BH_MSG_NACK,       /* the same: dropped unrun, its lease ran out in the master */
    BH_MSG_CRASH,      /* the same: it killed a worker; rc: crashes that set it aside */
    /* feeder -> master */
    BH_MSG_VERDICT,    /* timer: partition; update_id; b: epoch; rc: 1 set aside (the
                        * feeder wrote the dead letter), 0 run it again; a: crashes */
};

/* An entry of a partition the master holds: queued, running or waiting
 * for a crash's verdict (done 0), or done lately (done 1: its
 * acknowledgement may not have reached the store). */
typedef struct bh_hosts_held {
    int part;
    int done;
    int64_t update_id;
    uint64_t epoch;
} bh_hosts_held;

/* Settings, from the environment (see README, "Running on several hosts"). */
typedef struct bh_hosts_cfg {
    int64_t lease_ms;   /* BOTHIVE_HOSTS_LEASE_MS, default 10000 */
    int parts;          /* BOTHIVE_HOSTS_PARTITIONS, default 16 (the first host's wins) */
} bh_hosts_cfg;

/* Whether source s runs in hosts mode: polling or a webhook (no feed)
 * over a store that spans hosts, unless BOTHIVE_HOSTS=0. */
int bh_hosts_mode(const bh_runner_app *app, const bh_run_options *o, int s);
void bh_hosts_cfg_get(bh_hosts_cfg *c);
/* The bot's id in the log: the number before the token's ':' (or the
 * whole token's hash). */
void bh_hosts_bot_id(const char *token, char *out, size_t n);
/* The partition of a dispatch key. */
int bh_hosts_part_of(int kind, int64_t key, int parts);
/* A fresh random id for this run of a host. */
void bh_hosts_new_id(char *out, size_t n);

/* The feeder's and the intake's lives after fork; never return. host is
 * the master's host id. */
void bh_feeder_main(const bh_updater_cfg *cfg, const char *host) __attribute__((noreturn));
void bh_intake_main(const bh_updater_cfg *cfg, const char *host) __attribute__((noreturn));
/* The same for webhook mode (called by bh_intake_main). */
void bh_webhook_hosts_main(const bh_updater_cfg *cfg, const char *host) __attribute__((noreturn));

#endif
