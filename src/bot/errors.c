/*
 * The error handler: one bot-wide hook told of every failure of an
 * update. A hook's negative code is reported where the hook returns
 * (bh_hook_call); a worker's death while running an update is reported
 * when the runner hands the update to another worker (its second
 * attempt); an update set aside in the dead letter after killing two
 * workers never reaches a worker again, so the look at the jobs the
 * runner asks for when it sets one aside (and the first look after a
 * start) reads the dead letters of the bot's source and reports each once
 * (the first worker to claim it in the store reports it). Timers and
 * scheduled jobs are reported alike: a timer's retry after a crash (and
 * the report-only third attempt when the retry died too), a job's second
 * attempt after its lease, its set-aside, a negative return. Without a
 * handler, all of these are only logged (by the runner and bh_hook_call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/runner.h"
#include "internal.h"

/* The runner's dead letters (runner.h). */
#define BH_DEADLETTER_MEMORY_ID "bothive.deadletter"

int bh_bot_on_error(bh_bot *bot, bh_error_fn fn)
{
    if (!bot || !fn)
        return BH_EINVAL;
    bot->on_error = fn;
    return BH_OK;
}

/* Runs the handler with f as the bot's main component, once (a failing
 * handler is not reported to itself). */
static void report(bh_ctx *ctx, bh_failure *f)
{
    struct bh_hook h = {.kind = BH_HOOK_ERROR, .fn.error = ctx->bot->on_error};

    if (!ctx->bot->on_error || ctx->in_error)
        return;
    bh_ctx_ids(ctx, &f->chat_id, &f->user_id);
    f->update = ctx->update;
    f->update_id = ctx->update_id;
    ctx->in_error = 1;
    bh_hook_call(ctx, 0, &h, f, NULL);
    ctx->in_error = 0;
}

void bh_error_hook(bh_ctx *ctx, size_t comp, const struct bh_hook *h, int rc)
{
    char name[128];
    bh_failure f = {.kind = BH_FAIL_HOOK, .code = rc, .hook = name,
                    .component = ctx->bot->comps[comp]->name, .reason = bh_strerror(rc)};

    if (h->kind == BH_HOOK_ERROR)
        return;
    snprintf(name, sizeof name, "%s%s%s", bh_hook_name(h), h->text ? " " : "",
             h->text ? h->text : "");
    report(ctx, &f);
}

void bh_error_crash(bh_ctx *ctx)
{
    bh_failure f = {.kind = BH_FAIL_CRASH,
                    .reason = "the worker running this update died; it runs again"};
    bh_log(BH_LOG_WARN, "update %lld: attempt %d (a worker died running it before)",
           (long long)ctx->update_id, ctx->attempt);
    report(ctx, &f);
}

int bh_error_timer_crash(bh_ctx *ctx, size_t comp, const struct bh_hook *h, int timer)
{
    char name[48];
    int dead = ctx->attempt > 2;
    bh_failure f = {.kind = dead ? BH_FAIL_DEADLETTER : BH_FAIL_CRASH, .hook = name,
                    .component = ctx->bot->comps[comp]->name,
                    .reason = dead ? "the timer's run killed two workers; dropped until its "
                                     "next tick"
                                   : "the worker running this timer died; it runs again"};

    snprintf(name, sizeof name, "timer %d", timer);
    bh_log(BH_LOG_WARN, "timer %d (every %d s): %s", timer, h->seconds, f.reason);
    report(ctx, &f);
    return dead;
}

void bh_error_job(bh_ctx *ctx, size_t comp, const char *job, const char *handler,
                  bh_failure_kind kind, int code, const char *reason)
{
    char name[BH_KEY_MAX + 8];
    bh_failure f = {.kind = kind, .code = code, .hook = name, .job = job,
                    .component = ctx->bot->comps[comp]->name, .reason = reason};

    snprintf(name, sizeof name, "job %s", handler);
    report(ctx, &f);
}

/* Reports dead letter key (of this bot's source) unless reported already. */
static void deadletter_report(bh_ctx *ctx, bh_shared *dl, bh_shared *own, const char *key,
                              int64_t id)
{
    char mark[BH_KEY_MAX + 32], *text = NULL;
    json_object *o = NULL, *u, *reason;
    bh_update *up = NULL;
    bh_value one = bh_value_int(1);

    snprintf(mark, sizeof mark, "deadletter.reported:%s", key);
    if (bh_shared_put(own, mark, &one, BH_PUT_ADD, 0) != BH_OK)
        return; /* reported by another worker, or before */
    if (bh_shared_get_json(dl, key, &text) != BH_OK || !(o = json_tokener_parse(text)))
        goto out;
    bh_failure f = {.kind = BH_FAIL_DEADLETTER, .reason = "set aside in the dead letter"};
    if (json_object_object_get_ex(o, "reason", &reason))
        f.reason = json_object_get_string(reason);
    if (json_object_object_get_ex(o, "update", &u))
        bh_update_parse(u, &up);
    bh_ctx sub = {.bot = ctx->bot, .update = up, .update_id = id};
    report(&sub, &f);
out:
    bh_update_free(up);
    json_object_put(o);
    free(text);
}

int bh_error_deadletters(bh_ctx *ctx)
{
    bh_shared *dl, *own;
    bh_cursor *cur;
    const char *key;
    char bot[BH_DEADLETTER_BOT_LEN];
    int64_t id;
    size_t n = 0;
    int rc;

    if (!ctx->bot->on_error)
        return BH_OK;
    if ((rc = bh_bot_internal_memory(ctx->bot, &own)) != BH_OK ||
        (rc = bh_bot_memory_named(ctx->bot, BH_DEADLETTER_MEMORY_ID, &dl)) != BH_OK)
        return rc;
    if ((rc = bh_shared_len(dl, &n)) != BH_OK || n == 0)
        return rc;
    if ((rc = bh_cursor_open(dl, &cur)) != BH_OK)
        return rc;
    /* The bot's part of the keys, once for the walk; the cursor's key
     * stays valid until its next call. */
    bh_deadletter_bot(ctx->bot->token, bot);
    while (bh_cursor_next(cur, &key) == BH_OK)
        if (bh_deadletter_of_bot(key, bot, ctx->bot->source, &id))
            deadletter_report(ctx, dl, own, key, id);
    bh_cursor_close(cur);
    return BH_OK;
}
