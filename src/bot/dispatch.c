/*
 * The chain: how one update runs through a bot's hooks, in botogram's
 * order (see bot.h). Every hook runs through bh_hook_call, which sets the
 * context to the hook's owner (so bh_ctx_shared gives that component's
 * memory), tells the runner what is running, and releases the locks the
 * hook forgot.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/log.h"
#include "internal.h"

static const char *const bh_hook_names[] = {
    [BH_HOOK_BEFORE] = "before_processing", [BH_HOOK_COMMAND] = "command",
    [BH_HOOK_EQUALS] = "message_equals",    [BH_HOOK_CONTAINS] = "message_contains",
    [BH_HOOK_MATCHES] = "message_matches",  [BH_HOOK_PROCESS] = "process_message",
    [BH_HOOK_EDITED] = "message_edited",    [BH_HOOK_CHANNEL_POST] = "channel_post",
    [BH_HOOK_CALLBACK] = "callback",        [BH_HOOK_UNAVAILABLE] = "chat_unavailable",
    [BH_HOOK_TIMER] = "timer",              [BH_HOOK_NAMED] = "on_update",
    [BH_HOOK_CONV_TIMEOUT] = "conversation timeout", [BH_HOOK_ERROR] = "error handler",
};

const char *bh_hook_name(const struct bh_hook *h)
{
    if (h->kind == BH_HOOK_KIND)
        return bh_update_kind_name(h->ukind);
    return bh_hook_names[h->kind];
}

static void note_hook(bh_ctx *ctx, size_t comp, const struct bh_hook *h)
{
    char what[128];
    const char *owner = ctx->bot->comps[comp]->name;

    if (!ctx->bot->note)
        return;
    snprintf(what, sizeof what, "%s%s%s%s%s", bh_hook_name(h), h->text ? " " : "",
             h->text ? h->text : "", owner[0] ? " of " : "", owner);
    ctx->bot->note(what);
}

int bh_hook_call(bh_ctx *ctx, size_t comp, const struct bh_hook *h, const void *a, const void *b)
{
    size_t saved = ctx->comp;
    int rc = BH_CONTINUE, left;

    if (h->filter && !bh_hook_filter_ok(ctx, h))
        return BH_CONTINUE;
    ctx->comp = comp;
    note_hook(ctx, comp, h);
    switch (h->kind) {
    case BH_HOOK_BEFORE: rc = h->fn.update(ctx, a); break;
    case BH_HOOK_COMMAND: rc = h->fn.command(ctx, a, b); break;
    case BH_HOOK_MATCHES: rc = h->fn.matches(ctx, a, b); break;
    case BH_HOOK_CALLBACK: rc = h->fn.callback(ctx, a, b); break;
    case BH_HOOK_UNAVAILABLE: rc = h->fn.unavailable(ctx, *(const int64_t *)a, b); break;
    case BH_HOOK_TIMER: rc = h->fn.timer(ctx); break;
    case BH_HOOK_KIND: rc = bh_kind_call(ctx, h, a); break;
    case BH_HOOK_NAMED: rc = h->fn.update(ctx, a); break;
    case BH_HOOK_CONV_TIMEOUT:
        rc = h->fn.conv_timeout(ctx, ((const int64_t *)a)[0], ((const int64_t *)a)[1]);
        break;
    case BH_HOOK_ERROR: rc = h->fn.error(ctx, a); break;
    default: rc = h->fn.message(ctx, a); break;
    }
    /* A lock a hook still holds would block every other worker for ever. */
    if (ctx->bot->mems && ctx->bot->mems[comp] &&
        (left = bh_lock_release_all(ctx->bot->mems[comp])) > 0)
        bh_log(BH_LOG_WARN, "update %lld: hook %s returned holding %d lock(s); released",
               (long long)ctx->update_id, bh_hook_name(h), left);
    if (rc < 0)
        bh_log(BH_LOG_ERROR, "update %lld: hook %s%s%s failed: %s", (long long)ctx->update_id,
               bh_hook_name(h), h->text ? " " : "", h->text ? h->text : "",
               bh_strerror(rc));
    ctx->comp = saved;
    if (rc < 0)
        bh_error_hook(ctx, comp, h, rc);
    return rc;
}

/* Runs every hook of kind (bot first, then components) until one does not
 * continue. Returns what that one returned, or BH_CONTINUE. */
static int run_kind(bh_ctx *ctx, enum bh_hook_kind kind, const void *a, const void *b)
{
    for (size_t c = 0; c < ctx->bot->ncomps; c++) {
        const bh_component *comp = ctx->bot->comps[c];
        for (size_t i = 0; i < comp->nhooks; i++) {
            if (comp->hooks[i].kind != kind)
                continue;
            int rc = bh_hook_call(ctx, c, &comp->hooks[i], a, b);
            if (rc != BH_CONTINUE)
                return rc;
        }
    }
    return BH_CONTINUE;
}

static int word_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* Whether word occurs in text as a whole word. */
static int contains_word(const char *text, const char *word, int icase)
{
    size_t wl = strlen(word);

    for (const char *p = text; *p; p++) {
        if ((icase ? strncasecmp(p, word, wl) : strncmp(p, word, wl)) != 0)
            continue;
        if ((p == text || !word_char((unsigned char)p[-1])) && !word_char((unsigned char)p[wl]))
            return 1;
    }
    return 0;
}

/* Runs a message_matches hook if its regex matches, with the captures. */
static int run_matches(bh_ctx *ctx, size_t comp, const struct bh_hook *h, const bh_message *msg,
                       const char *text, int *matched)
{
    size_t n = h->re.re_nsub + 1;
    regmatch_t *pm = calloc(n, sizeof *pm);
    char **groups = calloc(n + 1, sizeof *groups);
    int rc = BH_ENOMEM;

    *matched = 0;
    if (!pm || !groups)
        goto out;
    rc = BH_CONTINUE;
    if (regexec(&h->re, text, n, pm, 0) != 0)
        goto out;
    *matched = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = pm[i].rm_so < 0 ? 0 : (size_t)(pm[i].rm_eo - pm[i].rm_so);
        if (!(groups[i] = strndup(pm[i].rm_so < 0 ? "" : text + pm[i].rm_so, len))) {
            rc = BH_ENOMEM;
            goto out;
        }
    }
    bh_match m = {.count = (int)n, .groups = (const char *const *)groups};
    rc = bh_hook_call(ctx, comp, h, msg, &m);
out:
    for (size_t i = 0; groups && i < n; i++)
        free(groups[i]);
    free(groups);
    free(pm);
    return rc;
}

/* The text a text hook looks at: the message's text, or its caption for
 * a hook registered with BH_MATCH_CAPTION; NULL if none. */
static const char *hook_text_of(const struct bh_hook *h, const bh_message *msg)
{
    if (msg->text)
        return msg->text;
    return h->flags & BH_MATCH_CAPTION ? bh_message_caption(msg, NULL) : NULL;
}

/* The text hooks (equals, contains, matches) in registration order. */
static int run_text_hooks(bh_ctx *ctx, const bh_message *msg)
{
    for (size_t c = 0; c < ctx->bot->ncomps; c++) {
        const bh_component *comp = ctx->bot->comps[c];
        for (size_t i = 0; i < comp->nhooks; i++) {
            const struct bh_hook *h = &comp->hooks[i];
            const char *text = hook_text_of(h, msg);
            int icase = h->flags & BH_IGNORE_CASE, rc = BH_CONTINUE, hit = 0;
            if (!text)
                continue;
            if (h->kind == BH_HOOK_EQUALS)
                hit = !(icase ? strcasecmp : strcmp)(text, h->text);
            else if (h->kind == BH_HOOK_CONTAINS)
                hit = contains_word(text, h->text, icase);
            if (hit)
                rc = bh_hook_call(ctx, c, h, msg, NULL);
            else if (h->kind == BH_HOOK_MATCHES)
                rc = run_matches(ctx, c, h, msg, text, &hit);
            if (rc != BH_CONTINUE)
                return rc;
        }
    }
    return BH_CONTINUE;
}

static int run_message(bh_ctx *ctx, const bh_message *msg)
{
    int rc, ran = 0;

    if (msg->command) {
        rc = bh_command_run(ctx, msg, &ran);
        if (ran || rc < 0)
            return rc;
    }
    if ((rc = run_text_hooks(ctx, msg)) != BH_CONTINUE)
        return rc;
    return run_kind(ctx, BH_HOOK_PROCESS, msg, NULL);
}

/* A press of a signed button runs the callback hook of its name; anything
 * else (forged, or signed with another secret) is refused and logged. */
static int run_callback(bh_ctx *ctx, const bh_callback_query *q)
{
    char buf[128];
    const char *name, *payload;
    int rc = bh_kind_run_callback_query(ctx, q);

    if (rc != BH_CONTINUE)
        return rc;
    /* Presses of plain buttons (or game buttons, without data) are for the
     * callback_query hooks: no signature to check when no hook is signed. */
    if (!q->data || (!bh_bot_has_hook(ctx->bot, BH_HOOK_CALLBACK, 0) &&
                     bh_bot_has_hook(ctx->bot, BH_HOOK_KIND, BH_UPDATE_CALLBACK_QUERY)))
        return BH_CONTINUE;
    if (bh_callback_verify(ctx->bot, q->data, buf, sizeof buf, &name, &payload) != BH_OK) {
        bh_log(BH_LOG_WARN, "update %lld: callback data with a bad signature refused",
               (long long)ctx->update_id);
        bh_callback_answer(ctx, q, NULL);
        return BH_HANDLED;
    }
    for (size_t c = 0; c < ctx->bot->ncomps; c++) {
        const bh_component *comp = ctx->bot->comps[c];
        for (size_t i = 0; i < comp->nhooks; i++)
            if (comp->hooks[i].kind == BH_HOOK_CALLBACK && !strcmp(comp->hooks[i].text, name))
                return bh_hook_call(ctx, c, &comp->hooks[i], q, payload);
    }
    bh_log(BH_LOG_WARN, "update %lld: no callback hook named '%s'", (long long)ctx->update_id,
           name);
    return BH_HANDLED;
}

/*
 * The chain inside the middleware: before_processing, then the
 * conversations (whose matching hook hides the rest, see conversation.h),
 * then the hooks of the update's kind.
 */
static int run_chain(bh_ctx *ctx)
{
    const bh_update *u = ctx->update;
    int rc = run_kind(ctx, BH_HOOK_BEFORE, u, NULL);

    if (rc != BH_CONTINUE)
        return rc;
    if ((rc = bh_conv_run(ctx)) != BH_CONTINUE)
        return rc;
    switch (u->kind) {
    case BH_UPDATE_MESSAGE: rc = run_message(ctx, u->message); break;
    case BH_UPDATE_EDITED_MESSAGE: rc = run_kind(ctx, BH_HOOK_EDITED, u->message, NULL); break;
    case BH_UPDATE_CHANNEL_POST: rc = run_kind(ctx, BH_HOOK_CHANNEL_POST, u->message, NULL); break;
    case BH_UPDATE_CALLBACK_QUERY: rc = run_callback(ctx, u->callback_query); break;
    default: rc = BH_CONTINUE; break;
    }
    /* The other kinds' typed hooks, then the raw on_update hooks. */
    if (rc == BH_CONTINUE)
        rc = bh_kind_run(ctx, u);
    /* No hook took a command message: the unknown-command answer (help.c). */
    if (rc == BH_CONTINUE && u->kind == BH_UPDATE_MESSAGE)
        rc = bh_command_fallback(ctx, u->message);
    return rc;
}

static int dispatch_parsed(bh_bot *bot, const bh_update *u, int attempt)
{
    bh_ctx ctx = {.bot = bot, .update = u, .update_id = u->update_id, .attempt = attempt};
    int rc;

    /* A retry means the worker of the first attempt died running it. */
    if (attempt > 1)
        bh_error_crash(&ctx);
    rc = bh_mw_run(&ctx, run_chain);
    bh_ctx_scoped_close(&ctx);
    return rc < 0 ? rc : BH_OK;
}

int bh_bot_dispatch_parsed(bh_bot *bot, const bh_update *u)
{
    return dispatch_parsed(bot, u, 1);
}

int bh_bot_dispatch_attempt(bh_bot *bot, const char *update_json, int attempt)
{
    json_object *o;
    bh_update *u;
    int rc;

    if (!bot || !update_json)
        return BH_EINVAL;
    if (!(o = json_tokener_parse(update_json)))
        return BH_EJSON;
    rc = bh_update_parse(o, &u);
    json_object_put(o);
    if (rc != BH_OK)
        return rc;
    rc = dispatch_parsed(bot, u, attempt);
    bh_update_free(u);
    return rc;
}

int bh_bot_dispatch(bh_bot *bot, const char *update_json)
{
    return bh_bot_dispatch_attempt(bot, update_json, 1);
}

void bh_unavailable_run(bh_ctx *ctx, int64_t chat_id, const char *reason)
{
    if (ctx->in_unavailable)
        return;
    ctx->in_unavailable = 1;
    run_kind(ctx, BH_HOOK_UNAVAILABLE, &chat_id, reason);
    ctx->in_unavailable = 0;
}

/* ---- Timers ---- */

static const struct bh_hook *timer_at(const bh_bot *bot, int index, size_t *comp)
{
    int n = 0;
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++)
            if (bot->comps[c]->hooks[i].kind == BH_HOOK_TIMER && n++ == index) {
                *comp = c;
                return &bot->comps[c]->hooks[i];
            }
    return NULL;
}

/* The hooks' timers (the internal sweep is a scheduled job: sweep.c). */
size_t bh_bot_timers(const bh_bot *bot, int *seconds, size_t max)
{
    size_t n = 0, comp;
    const struct bh_hook *h;

    while ((h = timer_at(bot, (int)n, &comp))) {
        if (n < max)
            seconds[n] = h->seconds;
        n++;
    }
    return n;
}

int bh_bot_run_timer(bh_bot *bot, int timer)
{
    return bh_bot_run_timer_attempt(bot, timer, 1);
}

/* A run after a crash first tells the error handler (errors.c); the runner
 * sends a run's third attempt only to report that the second died too. */
int bh_bot_run_timer_attempt(bh_bot *bot, int timer, int attempt)
{
    bh_ctx ctx = {.bot = bot, .attempt = attempt};
    size_t comp;
    const struct bh_hook *h = timer_at(bot, timer, &comp);

    if (!h)
        return BH_EINVAL;
    if (attempt > 1 && bh_error_timer_crash(&ctx, comp, h, timer))
        return BH_OK;
    int rc = bh_hook_call(&ctx, comp, h, NULL, NULL);
    return rc < 0 ? rc : BH_OK;
}

/* ---- One update without a runner ---- */

int bh_bot_set_store(bh_bot *bot, bh_store *st)
{
    if (!bot || !st)
        return BH_EINVAL;
    return bh_bot_attach(bot, st);
}

int bh_bot_process(bh_bot *bot, const char *update_json)
{
    int rc;

    if (!bot || !update_json)
        return BH_EINVAL;
    if ((rc = bh_bot_attach(bot, NULL)) != BH_OK)
        return rc;
    if (!bot->store) {
        if ((rc = bh_store_open(&bot->own_store, "mem:", NULL)) != BH_OK)
            return rc;
        if ((rc = bh_bot_attach(bot, bot->own_store)) != BH_OK)
            return rc;
    }
    return bh_bot_dispatch(bot, update_json);
}
