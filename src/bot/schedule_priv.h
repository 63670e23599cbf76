/*
 * Scheduled jobs, private to src/bot/: the job record as stored, and the
 * time computations (schedule_time.c) the record's kinds need.
 */
#ifndef BH_BOT_SCHEDULE_PRIV_H
#define BH_BOT_SCHEDULE_PRIV_H

#include <stdint.h>

#include "bothive/schedule.h"
#include "bothive/store.h"
#include "cron.h"

/* The key prefix of jobs in the schedule memory. */
#define BH_SCHEDULE_KEY_PREFIX "job:"

/*
 * A job as stored in the memory "bothive.schedule.<bot id>" under
 * "job:<name>": a bytes value, the time of its next step (8 bytes,
 * little-endian: due when pending, until when running) and then its JSON
 * object. A look at the jobs reads the time alone of those not due, so it
 * parses only what it runs. Pending, a job waits for due; running, a
 * worker claimed it until `until` (its lease), for its attempt-th run.
 */
typedef struct bh_sched_rec {
    char *name, *handler, *data, *tz, *cron;
    bh_schedule_kind kind;
    int64_t chat, user;
    int64_t due, every, grace, lease, until;
    int hour, minute;
    bh_misfire misfire;
    int running, attempt;
    int64_t slot;   /* the position of its time index entry (0: none) */
} bh_sched_rec;

/* The stored value's header: the time of the job's next step. */
#define BH_SCHED_HDR 8

/* schedule_rec.c */
/* The record's JSON text, malloc'd; NULL when out of memory. */
char *bh_sched_rec_json(const bh_sched_rec *r);
/* The record as stored (header, JSON, a NUL), malloc'd; NULL when out of
 * memory. Its length is bh_sched_stored_len. */
char *bh_sched_rec_encode(const bh_sched_rec *r);
size_t bh_sched_stored_len(const char *stored);
/* The time in the header of a stored value. */
int64_t bh_sched_stored_at(const char *stored);
/* Reads the stored value of key into *out (malloc'd). Errors:
 * BH_ENOTFOUND, BH_EJSON (not a job record), the store's. */
int bh_sched_stored_get(bh_shared *m, const char *key, char **out);
/* Parses a stored value. Errors: BH_EJSON (not a job record), BH_ENOMEM. */
int bh_sched_rec_parse(const char *stored, bh_sched_rec *r);
void bh_sched_rec_free(bh_sched_rec *r);
/* When a repeating record next runs after its run due at r->due, the run
 * happening at now: into *out; 0 for a job that runs once. Errors:
 * BH_EINVAL (a damaged cron expression or zone). */
int bh_sched_rec_next(const bh_sched_rec *r, int64_t now, int64_t *out);

/* The internal sweep job (sweep.c): its name and handler, and its lease.
 * Names starting with '@' are the framework's; bh_schedule_* refuses them
 * and bh_schedule_list does not list them. */
#define BH_SWEEP_JOB "@sweep"
#define BH_SWEEP_LEASE_MS 30000
int bh_sweep_job(bh_ctx *ctx, const bh_schedule_job *job);

/* schedule.c */
/* Makes the once-job name (an internal one: no data) pending at at_ms at
 * the latest: adds it, or moves it earlier; a running one is replaced by
 * the pending one (its end then leaves the record as it finds it). Tells
 * the runner; *due_out gets when it is due now. Errors: BH_EINVAL (no store), BH_ENOMEM, the store's. */
int bh_schedule_ensure(bh_bot *bot, const char *name, const char *handler, int64_t at_ms,
                       int64_t lease_ms, int64_t *due_out);
/* The handler registered as name, or NULL; *comp gets the index of its
 * owner in bot->comps (0: the bot). */
bh_schedule_fn bh_schedule_handler_of(const bh_bot *bot, const char *handler, size_t *comp);
/* Opens the bot's schedule memory. Errors: BH_EINVAL (no store), the store's. */
int bh_schedule_memory(bh_bot *bot, bh_shared **out);
/* Under the runner, tells the master a job is due at due_ms (wall). */
void bh_schedule_wake(bh_bot *bot, int64_t due_ms);
/* The job keys of memory m, malloc'd. Errors: BH_ENOMEM, the store's. */
int bh_schedule_keys(bh_shared *m, char ***out, size_t *n);
void bh_schedule_keys_free(char **keys, size_t n);

/* schedule_index.c: the time index (see there). */
#define BH_SCHED_SLOT_MS 60000 /* a minute of the index */
#define BH_SCHED_RING 1440     /* minutes ahead the next look is looked for */
#define BH_SCHED_BACK 60       /* minutes before now that a look reads */
#define BH_SCHED_STALE_MS (BH_SCHED_BACK * BH_SCHED_SLOT_MS) /* an entry that
                                          disagrees is dropped after */
#define BH_SCHED_CATCHUP 360   /* minutes behind the hour a look reads at most */
#define BH_SCHED_MARK_KEY "mark" /* the watermark's key in the index memory */
#define BH_SCHED_RETRY_MS 1000 /* a look that failed to claim looks again after */
#define BH_SCHED_POS_BITS 24    /* an entry's position: minute << 24 | number */
/* Candidates of a look: "job:<name>" keys and their entries' positions. */
typedef struct bh_sched_cands {
    char **keys;
    int64_t *slots;
    size_t n, cap;
} bh_sched_cands;
/* The minute r is indexed at when written at now. */
int64_t bh_sched_minute_of(const bh_sched_rec *r, int64_t now);
/* Adds an entry of job name at minute k, its position into *pos. Errors:
 * the store's. */
int bh_sched_index_add(bh_bot *bot, const char *name, int64_t k, int64_t *pos);
/* Deletes the entry at pos (0: none). */
void bh_sched_index_drop(bh_bot *bot, int64_t pos);
/* A look's part of the watermark: where it was (-1: none yet), where the
 * look may move it, and whether more is left behind it. */
typedef struct bh_sched_sweep {
    int64_t mark, upto;
    int behind;
} bh_sched_sweep;
/* The entries of the last BH_SCHED_BACK minutes up to now, and of the
 * stretch after the watermark, into c (see schedule_index.c). Errors:
 * BH_ENOMEM, the store's. */
int bh_sched_index_due(bh_bot *bot, int64_t now, bh_sched_cands *c, bh_sched_sweep *sw);
/* Moves the watermark forward to minute upto (never back). Errors: the
 * store's, BH_ECONFLICT (it kept moving under us). */
int bh_sched_index_mark(bh_bot *bot, int64_t upto);
/* When the index says the next look is due (jobs is the jobs' memory);
 * 0: no job at all. */
int64_t bh_sched_index_next(bh_bot *bot, bh_shared *jobs, int64_t now);
void bh_sched_cands_free(bh_sched_cands *c);
/* Indexes the records under keys that the index lacks (the full walk). */
int bh_sched_index_repair(bh_bot *bot, bh_shared *jobs, char **keys, size_t n);

/* schedule_time.c */
/* Whether zone (NULL or "": UTC) is an installed TZ database name. */
int bh_schedule_tz_valid(const char *zone);
/* The next instant after after_ms matching c in zone tz. Errors:
 * BH_EINVAL (bad zone, nothing within eight years), BH_ENOMEM. */
int bh_schedule_next_of(const bh_cron *c, const char *tz, int64_t after_ms, int64_t *out);
/* The cron fields of "minute hour * * *". */
void bh_schedule_daily_cron(int hour, int minute, bh_cron *c);

#endif
