/*
 * bothive runner core: the contract between the runner and the application
 * it runs (private; the bot layer's glue in src/bot/run.c implements an
 * application with its bots and hooks).
 *
 * The runner knows nothing of bots: it moves jobs (an update of a source, or
 * a tick of a timer) from the updaters to the workers, in per-chat order,
 * and keeps the delivery guarantees. Processes:
 *
 *   master      bh_runner_run's caller. Opens the store, forks everything
 *               else, then only polls its sockets: it never runs libcurl,
 *               threads or application code, so forking replacements is
 *               always safe.
 *   starter     a short-lived child that runs app->master_start (e.g.
 *               setMyCommands) before anything else starts.
 *   updater     one per source: long-polls getUpdates (or serves the
 *               webhook, or runs source->feed) and sends the updates to the
 *               master.
 *   worker N    runs app->worker_start once, then app->handle per job.
 */
#ifndef BOTHIVE_RUNNER_PRIV_H
#define BOTHIVE_RUNNER_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "bothive/runner.h"
#include "bothive/store.h"

/*
 * Exit statuses of the runner's own children, as the master logs them
 * ("worker 2 (pid 4242) exited with status 71 while idle"). Any other
 * status of a worker is the application's (a handler that called exit), or
 * a signal's.
 */
enum {
    /* No memory for the message buffer, at the start of a worker or an
     * updater. */
    BH_EXIT_NOMEM = 70,
    /* The start failed: the application's worker_start (in a worker) or
     * master_start (in the starter), or the Bot API client of an updater. */
    BH_EXIT_START = 71,
    /* The webhook updater cannot listen on webhook_listen (a bad address,
     * or the port is taken). */
    BH_EXIT_LISTEN = 72,
};

/* BH_JOB_SCHEDULE: a look at the application's scheduled jobs of a source,
 * queued at the start and whenever a time given to bh_runner_wake comes. */
typedef enum { BH_JOB_UPDATE, BH_JOB_TIMER, BH_JOB_SCHEDULE } bh_job_kind;

typedef struct bh_job {
    bh_job_kind kind;
    int source;        /* index of the source (bot token) it came from */
    int64_t update_id; /* BH_JOB_UPDATE; 0 for timers */
    int timer;         /* BH_JOB_TIMER: index into that source's timers;
                          BH_JOB_SCHEDULE: BH_LOOK_* bits */
    const char *json;  /* the Update object as JSON text (NULL for timers) */
    int attempt;       /* 1 the first time, 2 when retried after a crash;
                          a timer's 3: its retry died too, report it only */
} bh_job;

/* The bits of a BH_JOB_SCHEDULE's timer field: the first look since the
 * runner started (look at everything), and an update was set aside in the
 * dead letter since the last look (tell whoever reports them). */
#define BH_LOOK_START 1
#define BH_LOOK_DEADLETTER 2

/* Lets a feed (below) hand updates to the runner. */
typedef struct bh_runner_feeder bh_runner_feeder;

/*
 * Sends one update to the master, as the updater does for an update of
 * getUpdates: it is deduplicated by update_id and dispatched by its chat.
 * Returns 0, or a negative BH_E* code (BH_EIO: the master is gone).
 */
int bh_runner_feed(bh_runner_feeder *f, int64_t update_id, const char *json);

typedef struct bh_runner_source { /* one per bot token */
    const char *token;
    const char *const *allowed_updates; /* NULL-terminated; NULL = all */
    const int *timer_seconds;           /* ntimers periods, each >= 1 */
    size_t ntimers;
    /* Tests and benchmarks: when not NULL, the updater of this source does
     * not talk to Telegram but runs feed(arg, source, f), which calls
     * bh_runner_feed for each update; when it returns the updater idles
     * until the runner stops. token may then be anything. No offsets. */
    int (*feed)(void *arg, int source, bh_runner_feeder *f);
    /* Non-zero: the application keeps scheduled jobs for this source. The
     * master queues a BH_JOB_SCHEDULE job once at the start, and again
     * when a time a worker gave with bh_runner_wake comes (the master
     * never reads the store: the workers tell it when to look). */
    int schedule;
} bh_runner_source;

typedef struct bh_runner_app {
    void *arg;
    const bh_runner_source *sources;
    size_t nsources;
    /* In the starter process, before the updaters and workers start (the
     * store is open). Non-zero return: bh_runner_run fails. May be NULL. */
    int (*master_start)(void *arg, bh_store *st);
    /* In each worker after fork (so a bh_client may be created here).
     * Non-zero return: the worker exits, counted as a crash. May be NULL. */
    int (*worker_start)(void *arg, bh_store *st, int worker_no);
    /* In a worker, one job at a time. < 0: a handler error, logged with the
     * update id; the job is done all the same. */
    int (*handle)(void *arg, const bh_job *job);
    /* In a worker that stops cleanly. May be NULL. */
    void (*worker_stop)(void *arg);
} bh_runner_app;

/*
 * Runs the application until SIGINT or SIGTERM: opens the store
 * (opts->store_url), runs master_start in a child, forks the updaters and
 * workers, dispatches, supervises. On the first signal it stops polling,
 * lets the updates already received finish within shutdown_timeout_ms,
 * confirms the offset to Telegram and returns 0. A second signal kills
 * every child at once and returns BH_EINTR. opts NULL: from the
 * environment. Signal handlers of SIGINT, SIGTERM, SIGCHLD and SIGPIPE are
 * replaced while it runs and restored at the end.
 * If the deadline passes with updates unfinished, their workers are killed
 * and the offset stops below them (they are delivered again at the next
 * start); that is still a clean stop (0).
 * Webhook mode (opts->webhook_url) serves one token: at most one source
 * without a feed.
 * Errors: BH_EINVAL (no sources, no handle, bad options, a timer period
 * < 1 s, several webhook sources), the store's errors, BH_EIO (fork,
 * socketpair), BH_EAPI (master_start failed), BH_EINTR (a second signal).
 */
int bh_runner_run(const bh_runner_app *app, const bh_run_options *opts);

/*
 * From a worker: names what it runs now (a hook name), so that a crash or
 * an overrun of the deadline is logged with it. NULL or "" clears it.
 * Cheap (a copy into shared memory); a no-op outside a worker.
 */
void bh_runner_note(const char *what);

/*
 * From a worker: something of source's scheduled jobs is due at wall_ms
 * (Unix time in ms; a time past means now). The master queues a
 * BH_JOB_SCHEDULE job of that source when the earliest time it was given
 * comes, then forgets it: the job's run gives the next one. Several times
 * may be given; the earliest counts. A no-op outside a worker, or for a
 * source without `schedule`.
 */
void bh_runner_wake(int source, int64_t wall_ms);

#endif
