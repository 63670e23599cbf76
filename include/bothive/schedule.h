/*
 * bothive scheduled jobs: work that runs later, at a time, after a delay,
 * at an interval, daily at a time of day in a time zone, or by a cron
 * expression, once across every worker (and, with redis://, every host).
 *
 *     static int remind(bh_ctx *ctx, const bh_schedule_job *job)
 *     {
 *         return bh_chat_send(ctx, job->chat_id, job->data);
 *     }
 *     ...
 *     bh_bot_schedule_handler(bot, "remind", remind);
 *     // in a hook:
 *     bh_schedule_spec s = {.name = "tea:42", .handler = "remind",
 *                           .chat_id = 42, .data = "tea"};
 *     bh_schedule_daily(bh_ctx_bot(ctx), &s, 17, 0, "Europe/Rome");
 *
 * A job is a record in the bot's store (the memory "bothive.schedule.<bot
 * id>"): it names a handler registered with bh_bot_schedule_handler (a
 * function cannot be stored, a name can), and carries a chat, a user and a
 * text of data. So jobs survive a restart with a file: or redis:// store.
 *
 * Exactly once: a due job is claimed by one compare-and-swap in the store
 * that turns it from pending to running under a lease; only the winner runs
 * it. A worker that dies while running it leaves the claim to expire: after
 * the lease the job is claimed again and run a second time (attempt 2); a
 * job that dies twice is set aside in the "bothive.deadletter" memory (key
 * "schedule:<name>") and logged, and a repeating one goes on at its next
 * time. A handler that returns an error is logged and not run again. The
 * bot's error handler is told of each (bh_bot_on_error: an error, a
 * second attempt, a set-aside).
 *
 * No polling: under bh_bot_run the runner wakes when the earliest job is
 * due (a worker tells the master after every change and every run) and
 * runs the due jobs in a worker; at start it looks once, which runs the
 * jobs missed while the bot was down, each once, or skips them, as each
 * job's misfire policy says. A look finds the due jobs through a time
 * index in the store (bh_schedule_look_due), not by reading every job;
 * the look at the start reads them all. Without the runner (tests, bh_bot_process),
 * bh_schedule_run_due runs what is due.
 *
 * Times are Unix time in milliseconds (the wall clock); a job runs at its
 * due time or later, never before. Time zones are names of the TZ database
 * (tzdata's /usr/share/zoneinfo, such as "Europe/Rome"); NULL or "" is UTC.
 * Daily times and cron expressions are matched against the zone's wall
 * clock, where daylight saving makes two kinds of days:
 *   - a gap (the clock jumps from 02:00 to 03:00): a time in it runs once,
 *     at the end of the gap (02:30 runs at 03:00);
 *   - a fold (the clock goes from 03:00 back to 02:00): a time in it runs
 *     once, at its first pass (02:30 summer time, not 02:30 again an hour
 *     later).
 */
#ifndef BOTHIVE_SCHEDULE_H
#define BOTHIVE_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "bot.h"

/* The longest job name, handler name and time zone name, in bytes. */
#define BH_SCHEDULE_NAME_MAX 200
#define BH_SCHEDULE_TZ_MAX 64
/* The largest data text of a job, in bytes. */
#define BH_SCHEDULE_DATA_MAX 65536
/* The latest time a job may be due (9999-12-31, Unix ms), and the longest
 * lease and grace. */
#define BH_SCHEDULE_TIME_MAX ((int64_t)253402300799999)
#define BH_SCHEDULE_SPAN_MAX ((int64_t)366 * 24 * 3600 * 1000)
/* The lease of a running job when the spec gives none. */
#define BH_SCHEDULE_LEASE_DEFAULT_MS 60000
/* How late a job may start and still count as on time, when the spec gives
 * no grace: later than that, it was missed (its misfire policy applies). */
#define BH_SCHEDULE_GRACE_DEFAULT_MS 60000

typedef enum bh_schedule_kind {
    BH_SCHEDULE_ONCE = 0,   /* at a time, or after a delay */
    BH_SCHEDULE_EVERY = 1,  /* at an interval */
    BH_SCHEDULE_DAILY = 2,  /* at a time of day in a zone */
    BH_SCHEDULE_CRON = 3,   /* by a cron expression in a zone */
} bh_schedule_kind;

/* What happens to a run missed by more than its grace (the bot was down). */
typedef enum bh_misfire {
    BH_MISFIRE_RUN = 0,     /* run once, as soon as possible */
    BH_MISFIRE_SKIP = 1,    /* do not run it; a repeating job goes on */
} bh_misfire;

/* Flags of bh_schedule_spec. */
#define BH_SCHEDULE_REPLACE 1u /* a job of the same name is replaced */

/*
 * What every way of scheduling takes. Zero is the default of each field.
 * name:     unique in the bot (required; 1..BH_SCHEDULE_NAME_MAX bytes);
 *           a job of the same name is BH_EEXISTS unless BH_SCHEDULE_REPLACE.
 * handler:  the name given to bh_bot_schedule_handler (required). It need
 *           not be registered in the process that schedules.
 * chat_id, user_id, data: carried to the handler (data NULL: none).
 * misfire:  see bh_misfire. grace_ms: see BH_SCHEDULE_GRACE_DEFAULT_MS.
 * lease_ms: how long a run may take before it counts as dead and is
 *           claimed again; longer than the handler ever takes (default
 *           BH_SCHEDULE_LEASE_DEFAULT_MS).
 */
typedef struct bh_schedule_spec {
    const char *name;
    const char *handler;
    int64_t chat_id;
    int64_t user_id;
    const char *data;
    bh_misfire misfire;
    int64_t grace_ms;
    int64_t lease_ms;
    unsigned flags;
} bh_schedule_spec;

/* The run a handler is given (valid for the call). */
typedef struct bh_schedule_job {
    const char *name;
    const char *handler;
    bh_schedule_kind kind;
    int64_t chat_id;
    int64_t user_id;
    const char *data;      /* "" when none */
    int64_t due_ms;        /* when this run was due */
    int attempt;           /* 1, or 2 when run again after a worker died */
} bh_schedule_job;

/* A job's handler, in a worker. A negative return is logged and reported
 * to the bot's error handler (bh_bot_on_error). In the context,
 * bh_ctx_update is NULL, the memory is that of the handler's owner (the
 * bot, or the component that registered it), and bh_ctx_chat_memory /
 * bh_ctx_user_memory are those of the job's chat_id / user_id (NULL for
 * 0). */
typedef int (*bh_schedule_fn)(bh_ctx *ctx, const bh_schedule_job *job);

/**
 * Registers fn as the handler called `handler` (1..BH_SCHEDULE_NAME_MAX
 * bytes) for the jobs of bot; registering a name again replaces its
 * function. A bot with a handler makes bh_bot_run wake for its jobs.
 * Errors: BH_EINVAL (NULL or bad arguments), BH_ENOMEM.
 */
int bh_bot_schedule_handler(bh_bot *bot, const char *handler, bh_schedule_fn fn);
/**
 * The same for component c: its jobs run with the component's memory
 * (bh_ctx_shared gives the component's, in each bot that uses it). The
 * handler names of a bot and its components are one namespace: a job
 * names a handler, looked for in the bot first, then in its components in
 * the order they were used, so give components' handlers distinct names
 * (such as "<component>.<what>"). Errors: as bh_bot_schedule_handler.
 */
int bh_component_schedule_handler(bh_component *c, const char *handler, bh_schedule_fn fn);

/*
 * The ways of scheduling. Each stores the job in the bot's store (the
 * store of bh_bot_run's workers in a hook; else the one of
 * bh_bot_set_store) and tells the runner when it is next due.
 * Common errors: BH_EINVAL (NULL bot or spec, no store, a bad name or
 * handler, data too long, negative grace or lease, and what each says;
 * a time past BH_SCHEDULE_TIME_MAX, a grace or lease past
 * BH_SCHEDULE_SPAN_MAX), BH_EEXISTS (the name is taken and
 * BH_SCHEDULE_REPLACE is not set), and
 * the store's errors (BH_ENOSPC, BH_EIO, ...).
 */
/** Once, at when_ms (a time already past runs at once). */
int bh_schedule_at(bh_bot *bot, const bh_schedule_spec *s, int64_t when_ms);
/** Once, delay_ms from now. BH_EINVAL: delay_ms < 0. */
int bh_schedule_in(bh_bot *bot, const bh_schedule_spec *s, int64_t delay_ms);
/** Every every_ms (>= 1000), the first run at first_ms (0: every_ms from
 *  now). A run missed by several periods runs (or is skipped) once; the
 *  next is a period after the time it was due, or after now if that is
 *  past too. BH_EINVAL: every_ms < 1000, first_ms < 0. */
int bh_schedule_every(bh_bot *bot, const bh_schedule_spec *s, int64_t every_ms,
                      int64_t first_ms);
/** Every day at hour:minute of zone tz (NULL or "": UTC).
 *  BH_EINVAL: hour or minute out of range, a zone tzdata does not have. */
int bh_schedule_daily(bh_bot *bot, const bh_schedule_spec *s, int hour, int minute,
                      const char *tz);
/** At each minute matching the cron expression (five fields: minute hour
 *  day-of-month month day-of-week; `*`, lists, ranges, steps, names jan..dec
 *  and sun..sat, @daily and the other macros) in zone tz.
 *  BH_EINVAL: a bad expression (logged with what is wrong; see
 *  bh_schedule_cron_check), one that never matches, a bad zone. */
int bh_schedule_cron(bh_bot *bot, const bh_schedule_spec *s, const char *expr,
                     const char *tz);

/** The wall clock (Unix time in ms): the clock of due times. */
int64_t bh_schedule_now_ms(void);

/**
 * Cancels the job called name: it will not run again (a run already going
 * finishes). Errors: BH_EINVAL, BH_ENOTFOUND (no such job), the store's.
 */
int bh_schedule_cancel(bh_bot *bot, const char *name);

/* A pending (or running) job, as bh_schedule_list gives it. */
typedef struct bh_schedule_info {
    char *name;
    char *handler;
    char *data;            /* "" when none */
    bh_schedule_kind kind;
    int64_t chat_id;
    int64_t user_id;
    int64_t due_ms;        /* its next run (running: the run going on) */
    int running;           /* claimed by a worker now */
} bh_schedule_info;

/**
 * Lists the jobs of bot, ascending by due time (then name), into a malloc'd
 * array *out of *n entries; chat_id non-zero lists only that chat's jobs.
 * Free it with bh_schedule_list_free. Errors: BH_EINVAL, BH_ENOMEM, the
 * store's.
 */
int bh_schedule_list(bh_bot *bot, int64_t chat_id, bh_schedule_info **out, size_t *n);
/** The same, of one user when user_id is not 0 (and of one chat when
 *  chat_id is not 0): a user's jobs in every chat, for a privacy request. */
int bh_schedule_list_of(bh_bot *bot, int64_t chat_id, int64_t user_id, bh_schedule_info **out,
                        size_t *n);
void bh_schedule_list_free(bh_schedule_info *list, size_t n);

/**
 * Runs, in this process, every job of bot due at now_ms (0: the wall
 * clock's now), claiming each as the runner does; *next_ms (may be NULL)
 * gets the time the next one is due, or 0 when none is. This is what the
 * runner's workers run; tests and programs without bh_bot_run call it.
 * Returns the number of jobs run (>= 0). Errors: BH_EINVAL (NULL bot, no
 * store), the store's.
 */
int bh_schedule_run_due(bh_bot *bot, int64_t now_ms, int64_t *next_ms);

/**
 * The same, found through the jobs' time index: reads the jobs indexed in
 * the hour up to now_ms, not every job, and *next_ms from the index (the
 * start of the next minute that has a job, or later). This is what the
 * runner's looks run, but the first after each start (which walks every
 * job, runs what was missed however long ago, and indexes any job the
 * index lacks). Jobs due before that hour are not left behind: the index
 * keeps in the store a watermark, the minute before which every entry has
 * been handled, and a look whose watermark is behind the hour also reads
 * up to six hours after the watermark, moves it on once it has handled
 * them, and sets *next_ms to now_ms (look again at once) while more is
 * left (a look that could not claim a due job, a store error, sets it a
 * second ahead at the latest).
 * Returns the number of jobs run. Errors: as bh_schedule_run_due.
 */
int bh_schedule_look_due(bh_bot *bot, int64_t now_ms, int64_t *next_ms);

/**
 * When a daily job at hour:minute of zone tz next runs after after_ms
 * (strictly after), into *out. Errors: BH_EINVAL (bad hour, minute or
 * zone, NULL out).
 */
int bh_schedule_daily_next(int hour, int minute, const char *tz, int64_t after_ms,
                           int64_t *out);
/**
 * When a job of cron expression expr in zone tz next runs after after_ms,
 * into *out. Errors: BH_EINVAL (bad expression or zone, NULL out, or no
 * matching minute in the next eight years, like "0 0 30 2 *").
 */
int bh_schedule_cron_next(const char *expr, const char *tz, int64_t after_ms, int64_t *out);
/**
 * Checks a cron expression: BH_OK, or BH_EINVAL with a sentence saying what
 * is wrong written into err (errlen bytes; err may be NULL).
 */
int bh_schedule_cron_check(const char *expr, char *err, size_t errlen);

#endif
