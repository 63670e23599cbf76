/*
 * The master process: its state, shared by the files that make it up.
 *
 * master.c     bh_runner_run: checks, set-up, the start, the tear-down
 * supervise.c  the children: forking, respawning after a crash, reaping,
 *              the starter, ending them all at the end of the run
 * jobs.c       a job's life in the master: an update or a timer tick
 *              becomes a job, waits in its key's queue, is handed to an
 *              idle worker, ends (done, retried, set aside)
 * loop.c       the poll loop: the self-pipe of the signal handlers, the
 *              children's messages, the offsets sent back to the updaters
 * shutdown.c   the stop: the first signal, the deadline for the updates in
 *              flight, the final offsets the updaters confirm
 *
 * The master runs no application code, no libcurl and no threads, so it
 * can always fork a replacement safely.
 */
#ifndef BOTHIVE_RUNNER_MASTER_H
#define BOTHIVE_RUNNER_MASTER_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"

/* The longest the loop sleeps when nothing is due sooner. */
#define BH_MASTER_TURN_MS 1000
/* Messages read from one updater per turn, so that a busy updater does not
 * keep the workers' answers waiting. */
#define BH_MASTER_UPDATER_BATCH 256
/* Signals taken from the self-pipe per read. */
#define BH_MASTER_SIGNAL_BATCH 64
/* After a failed fork, the next try. */
#define BH_MASTER_FORK_RETRY_MS 1000
/* Once the work is over, how long the updaters have to confirm the final
 * offset and exit. */
#define BH_MASTER_FINAL_MS 15000
/* How long the children have to exit once their sockets are closed, before
 * they are killed. */
#define BH_MASTER_END_GRACE_MS 5000
/* How often the end of the run checks for children that exited. */
#define BH_MASTER_REAP_POLL_MS 10
/* An update that killed this many workers is set aside, not retried. */
#define BH_MASTER_CRASHES_MAX 2
/* At most this many sources (bot tokens) in one run. */
#define BH_MASTER_SOURCES_MAX 1024
/* "killed by signal 9 (Killed)", "exited with status 3". */
#define BH_MASTER_HOW_MAX 96
/* " in <the worker's note>". */
#define BH_MASTER_NOTE_TEXT_MAX (BH_NOTE_MAX + 8)

typedef enum { BH_W_DEAD, BH_W_IDLE, BH_W_BUSY } bh_wstate;

/* A worker's slot: the process in it and the job it runs. */
typedef struct bh_wslot {
    pid_t pid;
    int fd;
    bh_wstate state;
    bh_qjob *job;
    int64_t started_ms;
    int overrun_logged;
    int64_t respawn_at;
    bh_respawn back;     /* this slot's crash backoff (m->wback's settings) */
    int64_t jobs_done;   /* jobs its worker finished since it started */
    int early;           /* its worker was (or is to be) started ahead of its
                          * backoff, and has finished no job since */
} bh_wslot;

/* A source's updater. */
typedef struct bh_uslot {
    pid_t pid;          /* 0 when not running */
    int fd;
    int started_once;   /* the backlog is skipped by the first updater only */
    int stopped;        /* sent STOPPED, or died while stopping */
    int final_sent;
    int64_t sent_offset;
    int64_t respawn_at;
} bh_uslot;

typedef struct bh_master {
    const bh_runner_app *app;
    bh_run_options o;
    bh_store *st;
    pid_t self;
    int nw, ns;
    int rr;              /* the worker that got the last job */
    bh_wslot *w;
    bh_uslot *u;
    bh_ledger *led;
    bh_doneset done;
    int64_t **timer_next;
    bh_worker_slot_shm *shm;
    size_t shm_len;
    bh_queue q;
    bh_respawn wback, uback;
    int wrescued;        /* the one immediate respawn of a runner left without
                          * a worker was used, and no job finished since */
    char *buf;
    struct pollfd *pfd;
    int sigpipe[2];      /* the signal handlers' self-pipe; -1 when closed */
    int stopping;        /* first signal came */
    int finalizing;      /* work done; updaters confirm and exit */
    int hard;            /* second signal: kill everything */
    int64_t stop_deadline, final_deadline;
    /* Scheduled jobs (jobs.c): per source, when to queue the next look
     * (monotonic ms; 0: not asked), and how many looks are queued or
     * running; a counter that gives each look a key of its own. */
    int64_t sched_wake[BH_MASTER_SOURCES_MAX];
    int sched_inflight[BH_MASTER_SOURCES_MAX];
    int sched_started;
    int64_t sched_seq;
    int sched_flags[BH_MASTER_SOURCES_MAX]; /* BH_LOOK_* for the next look */
    struct bh_hosts_master *hm; /* hosts mode (hosting.c) */
} bh_master;

/* ---- supervise.c ---- */

/* Forks worker i into its slot, idle. Errors: BH_EIO (socketpair, fork). */
int bh_master_worker_spawn(bh_master *m, int i);
/* Forks the updater of source s. Errors: BH_EIO. */
int bh_master_updater_spawn(bh_master *m, int s);
/* Worker i is gone (EOF on its socket, a failed send, or reaped by
 * SIGCHLD: reaped says whether status is already known). */
void bh_master_worker_dead(bh_master *m, int i, int reaped, int status);
/* The updater of source s is gone (as above). */
void bh_master_updater_dead(bh_master *m, int s, int reaped, int status);
/* Reaps whichever children have ended (after SIGCHLD). */
void bh_master_reap(bh_master *m);
/* Restarts the dead children whose respawn time came; lowers *wake to the
 * next one due. */
void bh_master_respawns(bh_master *m, int64_t now, int64_t *wake);
/* Worker i finished a job: proof that the code runs, so its slot's crash
 * backoff is forgotten at its next death, and the dead slots waiting out
 * their backoff start now (each once, until its worker finishes a job). */
void bh_master_worker_proved(bh_master *m, int i, int64_t now);
/* Runs app->master_start in a child and waits for it. BH_OK without one.
 * Errors: BH_EIO (fork, wait), BH_EAPI (it failed). */
int bh_master_start_app(bh_master *m);
/* Ends every child (at once when hard) and reaps them all. */
void bh_master_end_children(bh_master *m, int hard);

/* ---- jobs.c ---- */

/* An update (or a TOOBIG notice) came from the updater of source s. */
void bh_master_on_update(bh_master *m, int s, const bh_msg *msg);
/* Worker i answered DONE for the job it ran. */
void bh_master_job_done(bh_master *m, int i);
/* Worker i died while running j (its key still busy); how says how it
 * ended. j is retried on another worker, or set aside, or dropped; in
 * hosts mode it waits, its key busy, for the feeder's verdict on the
 * crashes counted across hosts (hosting.c). */
void bh_master_job_crashed(bh_master *m, int i, bh_qjob *j, const char *how);
/* A job is over for good (done, or set aside): its update counts as
 * processed for the offset. Frees j. */
void bh_master_job_finish(bh_master *m, bh_qjob *j);
/* Hands queued jobs to idle workers, until either runs out. */
void bh_master_dispatch(bh_master *m);
/* Queues the ticks of the timers that are due; lowers *wake. */
void bh_master_timers(bh_master *m, int64_t now, int64_t *wake);
/* A worker said that scheduled jobs of source s are due at wall_ms. */
void bh_master_schedule_wake(bh_master *m, int s, int64_t wall_ms);
/* An update of source s was set aside (here, or by the feeder in hosts
 * mode): the next look at s's jobs reports it to the application. */
void bh_master_deadletter_look(bh_master *m, int s);
/* Queues the looks at scheduled jobs that are due (one per source at the
 * start); lowers *wake. */
void bh_master_schedules(bh_master *m, int64_t now, int64_t *wake);
/* Logs, once per job, a handler that runs past the deadline; lowers *wake. */
void bh_master_overruns(bh_master *m, int64_t now, int64_t *wake);

/* ---- loop.c ---- */

/* Points SIGINT, SIGTERM and SIGCHLD at the self-pipe (which it opens) and
 * ignores SIGPIPE; old receives the dispositions to restore.
 * Errors: BH_EIO (pipe). */
int bh_master_signals_install(bh_master *m, struct sigaction old[4]);
/* Puts back the dispositions of old and closes the self-pipe. */
void bh_master_signals_restore(bh_master *m, const struct sigaction old[4]);
/* Runs the loop until the run is over (see shutdown.c). */
void bh_master_loop(bh_master *m);

/* ---- hosting.c: hosts mode (see hosts.h) ---- */

/* The hosts-mode state and this run's host id. Errors: BH_ENOMEM. */
int bh_master_hosts_init(bh_master *m);
void bh_master_hosts_free(bh_master *m);
const char *bh_master_hosts_id(const bh_master *m);
/* A feeder's message (BH_MSG_ENTRY, BH_MSG_LEASE). */
void bh_master_hosts_on_msg(bh_master *m, int s, const bh_msg *msg);
/* Whether job j of a partition may start (else the caller drops it). */
int bh_master_hosts_may_run(bh_master *m, const bh_qjob *j);
/* Job j of a partition is dropped unrun or ended unfinished with its lease
 * lapsed here: the feeder reads it again if it still holds that lease. */
void bh_master_hosts_nack(bh_master *m, const bh_qjob *j);
/* Job j of a partition is over for good: acknowledged through the feeder. */
void bh_master_hosts_done(bh_master *m, const bh_qjob *j);
/* Sends the acknowledgements the feeders' sockets did not take yet. */
void bh_master_hosts_flush(bh_master *m);
/* The feeder of source s is gone. */
void bh_master_hosts_feeder_gone(bh_master *m, int s);
/* Whether job j's partition lease no longer holds here. */
int bh_master_hosts_lost(const bh_master *m, const bh_qjob *j);
/* Ends the workers running jobs of partitions whose lease is gone. */
void bh_master_hosts_end_stale(bh_master *m);
/* Whether the timers of source s tick on this host now. */
int bh_master_hosts_timers_here(const bh_master *m, int s);
/* What the master holds of source s's partitions (bh_hosts_held), into a
 * malloc'd array (*out, NULL when empty or out of memory): for a feeder
 * started again. The count. */
size_t bh_master_hosts_held(const bh_master *m, int s, struct bh_hosts_held **out);
/* A feeder of source s started: the crashes that wait for a verdict are
 * told to it again (the one gone may not have answered). */
void bh_master_hosts_feeder_new(bh_master *m, int s);
/* A worker of source s said its scheduled jobs are due at wall_ms: in
 * hosts mode the feeder publishes it to every host of the bot. */
void bh_master_hosts_wake(bh_master *m, int s, int64_t wall_ms);
/* Job j of a partition killed a worker: it waits, its key busy, for the
 * feeder's verdict (the crash counted in the log across hosts). */
void bh_master_hosts_crashed(bh_master *m, bh_qjob *j);
/* A job for update msg of source s, its JSON copied; NULL when out of
 * memory. A TOOBIG notice has no JSON (jobs.c). */
bh_qjob *bh_master_job_of_update(int s, const bh_msg *msg);

/* ---- backlog.c ---- */

/* Marks the sources whose bot started before on this store, so that their
 * backlog is processed (skipped only at a bot's very first start). */
void bh_master_backlog_rule(bh_master *m);

/* ---- shutdown.c ---- */

/* The first stop signal sig: the updaters stop receiving, and the updates
 * in flight have shutdown_timeout_ms to finish. */
void bh_master_begin_stop(bh_master *m, int sig);
/* The stop's part of a turn of the loop: when the work is over (or its
 * deadline passed) the updaters get their final offsets. Non-zero when the
 * run is over; lowers *wake to the stop's deadline. */
int bh_master_shutdown_turn(bh_master *m, int64_t now, int64_t *wake);

#endif
