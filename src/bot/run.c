/*
 * bh_bot_run and bh_run: the bot model as an application of the runner.
 * The runner moves jobs; here a job becomes a run of a bot's chain (an
 * update) or of one of its timers, in the worker the runner chose.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "bothive/log.h"
#include "bothive/schedule.h"
#include "runner/runner.h"

#define BH_TIMERS_MAX 64

struct bh_run_app {
    bh_bot **bots;
    size_t nbots;
    bh_runner_source *sources;
    int (*timers)[BH_TIMERS_MAX];
    char *override_buf;          /* the override's text, split in place */
    const char **override;       /* its kinds, NULL-terminated; NULL if none */
};

/* The allowed_updates override of opts, else of the environment; NULL
 * when neither sets one. */
static const char *override_text(const bh_run_options *opts)
{
    bh_run_options env;
    if (opts && opts->allowed_updates)
        return opts->allowed_updates;
    if (bh_run_options_from_env(&env) != BH_OK)
        return NULL; /* the runner refuses the environment itself */
    return env.allowed_updates;
}

/* Splits the override ("message, chat_member") into a NULL-terminated
 * list of kinds; "" is an empty list (Telegram's default kinds). */
static int override_parse(struct bh_run_app *a, const char *text)
{
    size_t n = 0;
    char *save = NULL, *tok;

    if (!text)
        return BH_OK;
    if (!(a->override_buf = strdup(text)) ||
        !(a->override = calloc(strlen(text) / 2 + 2, sizeof *a->override)))
        return BH_ENOMEM;
    for (tok = strtok_r(a->override_buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
        a->override[n++] = tok;
    a->override[n] = NULL;
    return BH_OK;
}

/* In a short-lived child before the workers start: publish each bot's
 * commands, so Telegram clients show them. A failure is logged, not fatal:
 * a bot can run without its command list. */
static int app_master_start(void *arg, bh_store *st)
{
    struct bh_run_app *a = arg;
    int rc;

    for (size_t i = 0; i < a->nbots; i++) {
        if ((rc = bh_bot_attach(a->bots[i], st)) != BH_OK)
            return rc;
        if ((rc = bh_bot_publish_commands(a->bots[i])) != BH_OK)
            bh_log(BH_LOG_WARN, "bot %lld: setMyCommands failed: %s",
                   (long long)bh_bot_id(a->bots[i]), bh_strerror(rc));
    }
    return BH_OK;
}

static int app_worker_start(void *arg, bh_store *st, int worker_no)
{
    struct bh_run_app *a = arg;
    int rc;

    (void)worker_no;
    for (size_t i = 0; i < a->nbots; i++) {
        if ((rc = bh_bot_attach(a->bots[i], st)) != BH_OK)
            return rc;
        a->bots[i]->note = bh_runner_note;
        a->bots[i]->source = (int)i; /* names its dead letters */
        a->bots[i]->wake = bh_runner_wake;
    }
    return BH_OK;
}

static int app_handle(void *arg, const bh_job *job)
{
    struct bh_run_app *a = arg;
    bh_bot *bot = a->bots[job->source];

    if (job->kind == BH_JOB_TIMER)
        return bh_bot_run_timer_attempt(bot, job->timer, job->attempt);
    if (job->kind == BH_JOB_SCHEDULE) {
        int64_t next = 0;
        int rc = bh_schedule_look(bot, job->timer & BH_LOOK_START,
                                  job->timer & (BH_LOOK_START | BH_LOOK_DEADLETTER), &next);
        bh_log(BH_LOG_DEBUG, "scheduled jobs looked at: %d run, the next due in %lld ms", rc,
               next ? (long long)(next - bh_schedule_now_ms()) : -1LL);
        return rc < 0 ? rc : BH_OK;
    }
    return bh_bot_dispatch_attempt(bot, job->json, job->attempt);
}

int bh_run(bh_bot **bots, size_t n, const bh_run_options *opts)
{
    struct bh_run_app a = {.bots = bots, .nbots = n};
    bh_runner_app app = {.arg = &a, .master_start = app_master_start,
                         .worker_start = app_worker_start, .handle = app_handle};
    int rc = BH_ENOMEM;

    if (!bots || n == 0)
        return BH_EINVAL;
    a.sources = calloc(n, sizeof *a.sources);
    a.timers = calloc(n, sizeof *a.timers);
    if (!a.sources || !a.timers || override_parse(&a, override_text(opts)) != BH_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!bots[i]) {
            rc = BH_EINVAL;
            goto out;
        }
        /* The workers' clients talk to the server the runner polls. */
        if (opts && opts->api_url && !bots[i]->api_url &&
            (rc = bh_bot_api_url(bots[i], opts->api_url)) != BH_OK)
            goto out;
        a.sources[i].token = bots[i]->token;
        a.sources[i].allowed_updates =
            a.override ? a.override : bh_bot_allowed_updates(bots[i]);
        if (!a.sources[i].allowed_updates) {
            rc = BH_ENOMEM;
            goto out;
        }
        a.sources[i].schedule = bh_bot_has_schedule(bots[i]);
        a.sources[i].timer_seconds = a.timers[i];
        a.sources[i].ntimers = bh_bot_timers(bots[i], a.timers[i], BH_TIMERS_MAX);
        if (a.sources[i].ntimers > BH_TIMERS_MAX) {
            rc = BH_EINVAL;
            goto out;
        }
    }
    app.sources = a.sources;
    app.nsources = n;
    rc = bh_runner_run(&app, opts);
out:
    free(a.sources);
    free(a.timers);
    free(a.override);
    free(a.override_buf);
    return rc;
}

int bh_bot_run(bh_bot *bot, const bh_run_options *opts)
{
    return bh_run(&bot, 1, opts);
}
