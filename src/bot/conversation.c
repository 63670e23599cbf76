/*
 * Conversations (see conversation.h): states with hooks, whose record
 * (state, deadline, data) lives in the store, one per key, in the memory
 * "bot:<id>[/<component>]#conv:<name>" under "<chat>:<user>" (0 for the
 * part a key leaves out).
 *
 * A step reads the record once, runs the matching hook with its data, and
 * publishes the new record with one compare-and-swap against the text it
 * read (or deletes it). A worker killed before that write leaves the
 * record as it was; a swap that finds the record changed (the sweep timed
 * it out meanwhile) publishes nothing. Steps of a key with a chat never
 * overlap, since the runner runs a chat's updates one at a time; those of
 * a conversation keyed by user alone hold the key's store lock (robust:
 * a dead holder's lock goes to the next step).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "bothive/log.h"
#include "internal.h"

#define BH_CONV_LOCK_WAIT_MS 60000
/* The state of a record claimed by the worker timing it out, and how long
 * the claim holds before another worker may claim it again. */
#define CV_TIMING_OUT "@timeout"
#define CV_CLAIM_MS 60000

enum cv_kind { CV_COMMAND, CV_TEXT, CV_MESSAGE, CV_CALLBACK, CV_CALLBACK_QUERY, CV_UPDATE };

struct cv_hook {
    enum cv_kind kind;
    char *state;         /* a state, BH_CONV_ENTRY or BH_CONV_FALLBACK */
    struct bh_hook hook; /* what bh_hook_call runs (text: command/callback name) */
    bh_filter *filter;
};

struct bh_conversation {
    char *name;
    int refs;
    int by;
    int timeout_s;
    bh_conversation_timeout_fn on_timeout;
    struct cv_hook *hooks;
    size_t nhooks;
};

/* ---- Registration ---- */

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return 0;
    return 1;
}

bh_conversation *bh_conversation_new(const char *name)
{
    bh_conversation *cv;

    if (!name_ok(name) || !(cv = calloc(1, sizeof *cv)))
        return NULL;
    if (!(cv->name = strdup(name))) {
        free(cv);
        return NULL;
    }
    cv->refs = 1;
    return cv;
}

void bh_conversation_free(bh_conversation *cv)
{
    if (!cv || --cv->refs > 0)
        return;
    for (size_t i = 0; i < cv->nhooks; i++) {
        free(cv->hooks[i].state);
        free(cv->hooks[i].hook.text);
        free(cv->hooks[i].hook.help);
        bh_filter_free(cv->hooks[i].filter);
    }
    free(cv->hooks);
    free(cv->name);
    free(cv);
}

int bh_conversation_key(bh_conversation *cv, int by)
{
    if (!cv || by < BH_CONV_BY_CHAT_USER || by > BH_CONV_BY_USER)
        return BH_EINVAL;
    cv->by = by;
    return BH_OK;
}

int bh_conversation_timeout(bh_conversation *cv, int seconds, bh_conversation_timeout_fn fn)
{
    if (!cv || seconds < 1)
        return BH_EINVAL;
    cv->timeout_s = seconds;
    cv->on_timeout = fn;
    return BH_OK;
}

static int state_ok(const char *state)
{
    return state && (!strcmp(state, BH_CONV_ENTRY) || !strcmp(state, BH_CONV_FALLBACK) ||
                     name_ok(state));
}

/* Appends a hook of kind to state; name (commands, callbacks) is copied. */
static int cv_add(bh_conversation *cv, const char *state, enum cv_kind kind, const char *name,
                  struct bh_hook *h, int fn_set)
{
    struct cv_hook *p, e = {.kind = kind, .hook = *h};

    if (!cv || !fn_set || !state_ok(state))
        return BH_EINVAL;
    if (!(p = realloc(cv->hooks, (cv->nhooks + 1) * sizeof *p)))
        return BH_ENOMEM;
    cv->hooks = p;
    if (!(e.state = strdup(state)) || (name && !(e.hook.text = strdup(name)))) {
        free(e.state);
        return BH_ENOMEM;
    }
    cv->hooks[cv->nhooks++] = e;
    return BH_OK;
}

int bh_conversation_command(bh_conversation *cv, const char *state, const char *name,
                            bh_command_fn fn)
{
    return bh_conversation_command_ex(cv, state, name, fn, NULL, 0, 0);
}

/* The help text is the hook's own copy, freed with it; an entry command
 * is listed unless hidden, a command of a state or of the fallbacks only
 * when asked (BH_CONV_LISTED), since it works inside a conversation only. */
int bh_conversation_command_ex(bh_conversation *cv, const char *state, const char *name,
                               bh_command_fn fn, const char *help, unsigned flags, int order)
{
    struct bh_hook h = {.kind = BH_HOOK_COMMAND, .fn.command = fn, .order = order};
    size_t n = name ? strlen(name) : 0;
    int rc, entry = state && !strcmp(state, BH_CONV_ENTRY);

    if (n == 0 || n > 32 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
        (flags & ~(BH_CMD_HIDDEN | BH_CONV_LISTED)))
        return BH_EINVAL;
    if (entry ? (flags & BH_CMD_HIDDEN) : !(flags & BH_CONV_LISTED))
        h.flags = BH_CMD_HIDDEN;
    if (help && !(h.help = strdup(help)))
        return BH_ENOMEM;
    if ((rc = cv_add(cv, state, CV_COMMAND, name, &h, fn != NULL)) != BH_OK)
        free(h.help);
    return rc;
}

/* Whether name is already among the n commands of out. */
static int listed_already(const struct bh_hook **out, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(out[i]->text, name))
            return 1;
    return 0;
}

/* Appends to out (holding n, at most max) the command hooks of the bot's
 * conversations whose flags have none of without and all of with, each
 * name once (a name already there, the bot's own command, wins), and
 * returns the new count. */
size_t bh_conv_commands(const bh_bot *bot, unsigned without, unsigned with,
                        const struct bh_hook **out, size_t n, size_t max)
{
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nconvs; i++)
            for (size_t k = 0; k < bot->comps[c]->convs[i]->nhooks; k++) {
                const struct cv_hook *e = &bot->comps[c]->convs[i]->hooks[k];
                if (e->kind == CV_COMMAND && !(e->hook.flags & without) &&
                    (e->hook.flags & with) == with && n < max &&
                    !listed_already(out, n, e->hook.text))
                    out[n++] = &e->hook;
            }
    return n;
}

int bh_conversation_text(bh_conversation *cv, const char *state, bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_PROCESS, .fn.message = fn};
    return cv_add(cv, state, CV_TEXT, NULL, &h, fn != NULL);
}

int bh_conversation_message(bh_conversation *cv, const char *state, bh_message_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_PROCESS, .fn.message = fn};
    return cv_add(cv, state, CV_MESSAGE, NULL, &h, fn != NULL);
}

int bh_conversation_callback(bh_conversation *cv, const char *state, const char *name,
                             bh_callback_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_CALLBACK, .fn.callback = fn};
    if (!name || !*name || strchr(name, ':') || strlen(name) > 32)
        return BH_EINVAL;
    return cv_add(cv, state, CV_CALLBACK, name, &h, fn != NULL);
}

int bh_conversation_callback_query(bh_conversation *cv, const char *state,
                                   bh_callback_query_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_KIND, .ukind = BH_UPDATE_CALLBACK_QUERY,
                        .fn.callback_query = fn};
    return cv_add(cv, state, CV_CALLBACK_QUERY, NULL, &h, fn != NULL);
}

int bh_conversation_on_update(bh_conversation *cv, const char *state, bh_update_fn fn)
{
    struct bh_hook h = {.kind = BH_HOOK_NAMED, .fn.update = fn};
    return cv_add(cv, state, CV_UPDATE, NULL, &h, fn != NULL);
}

int bh_conversation_filter(bh_conversation *cv, bh_filter *f)
{
    if (!cv || !cv->nhooks) {
        bh_filter_free(f);
        return BH_EINVAL;
    }
    return bh_filter_attach(&cv->hooks[cv->nhooks - 1].filter, f);
}

int bh_component_conversation(bh_component *c, bh_conversation *cv)
{
    bh_conversation **p;

    if (!c || !cv)
        return BH_EINVAL;
    for (size_t i = 0; i < c->nconvs; i++)
        if (!strcmp(c->convs[i]->name, cv->name))
            return BH_EINVAL;
    if (!(p = realloc(c->convs, (c->nconvs + 1) * sizeof *p)))
        return BH_ENOMEM;
    p[c->nconvs++] = cv;
    c->convs = p;
    cv->refs++;
    return BH_OK;
}

int bh_bot_conversation(bh_bot *bot, bh_conversation *cv)
{
    return bh_component_conversation(bot ? bot->main : NULL, cv);
}

void bh_component_extras_free(bh_component *c)
{
    for (size_t i = 0; i < c->nconvs; i++)
        bh_conversation_free(c->convs[i]);
    free(c->convs);
    free(c->mws);
}

int bh_conv_has_timeouts(const bh_bot *bot)
{
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nconvs; i++)
            if (bot->comps[c]->convs[i]->timeout_s)
                return 1;
    return 0;
}

int bh_conv_wants_callbacks(const bh_bot *bot)
{
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nconvs; i++)
            for (size_t k = 0; k < bot->comps[c]->convs[i]->nhooks; k++) {
                enum cv_kind kind = bot->comps[c]->convs[i]->hooks[k].kind;
                if (kind == CV_CALLBACK || kind == CV_CALLBACK_QUERY)
                    return 1;
            }
    return 0;
}

/* ---- Records ---- */

/*
 * The memory of cv's records for component comp into *m, cached per
 * process by its id (made once per process and conversation, not per
 * update). BH_ETOOBIG when the id would be too long; the store's errors.
 */
static int cv_memory(bh_bot *bot, size_t comp, const bh_conversation *cv, bh_shared **m)
{
    char *base, id[BH_KEY_MAX + 1];
    int rc = BH_ETOOBIG;

    if ((*m = bh_bot_memory_tagged(bot, cv, comp)))
        return BH_OK;
    if (!(base = bh_memory_id(bot, bot->comps[comp])))
        return BH_ENOMEM;
    if (snprintf(id, sizeof id, "%s#conv:%s", base, cv->name) < (int)sizeof id)
        rc = bh_bot_memory_tag(bot, id, cv, comp, m);
    free(base);
    return rc;
}

/* The key of the update for cv; 0 when the update lacks what it needs. */
static int cv_key(const bh_conversation *cv, int64_t chat, int64_t user, char *key, size_t n)
{
    if ((cv->by != BH_CONV_BY_USER && !chat) || (cv->by != BH_CONV_BY_CHAT && !user))
        return 0;
    snprintf(key, n, "%lld:%lld", (long long)(cv->by == BH_CONV_BY_USER ? 0 : chat),
             (long long)(cv->by == BH_CONV_BY_CHAT ? 0 : user));
    return 1;
}

/*
 * A record: "<deadline> <chat> <user> <state>\n<data>", the data a JSON
 * object (json-c's text). The header is read without a JSON parser, and
 * the data is parsed only if a hook asks for it: a step that does not
 * touch the data publishes its text as it was. Records are stored as
 * strings, which the store does not parse again on every write. As read:
 * its text (what a publish expects to replace, by compare-and-swap), or
 * NULL when there is none.
 */
struct cv_record {
    char *text;
    int64_t deadline, chat, user;
    char state[72];
    const char *data; /* into text */
};

static void record_free(struct cv_record *r)
{
    free(r->text);
    r->text = NULL;
}

static int record_read(bh_shared *m, const char *key, struct cv_record *r)
{
    int rc = bh_shared_get_str(m, key, &r->text), used = 0;

    if (rc == BH_ENOTFOUND) {
        r->text = NULL;
        return BH_OK;
    }
    if (rc != BH_OK)
        return rc;
    char *p = r->text, *nl;
    r->deadline = strtoll(p, &p, 10);
    r->chat = strtoll(p, &p, 10);
    r->user = strtoll(p, &p, 10);
    used = p[0] == ' ' && (nl = strchr(p + 1, '\n')) && nl - p - 1 > 0 &&
           (size_t)(nl - p - 1) < sizeof r->state;
    if (!used) {
        record_free(r);
        return BH_ECORRUPT;
    }
    memcpy(r->state, p + 1, (size_t)(nl - p - 1));
    r->state[nl - p - 1] = '\0';
    r->data = nl + 1;
    return BH_OK;
}

/* Replaces the record read as old (NULL: none) by text (NULL: none).
 * BH_ECONFLICT when another step or the sweep changed it meanwhile. */
static int record_swap(bh_shared *m, const char *key, const char *old, const char *text)
{
    bh_value o = bh_value_str(old ? old : ""), n = bh_value_str(text ? text : "");
    return bh_shared_cas(m, key, old ? &o : NULL, text ? &n : NULL);
}

/* The state of a record; NULL for none, or one being timed out. */
static const char *rec_state(const struct cv_record *r)
{
    return r->text && strcmp(r->state, CV_TIMING_OUT) ? r->state : NULL;
}

static int rec_expired(const struct cv_record *r, int64_t now)
{
    return r->text && r->deadline > 0 && now >= r->deadline;
}

/* A step's view of its conversation, for the hooks' functions. */
struct bh_conv_step {
    const bh_conversation *cv;
    const char *data_text; /* the data as read (NULL: none), until parsed */
    json_object *data;     /* owned, once a hook asked for the data */
    const char *state;     /* "" before the conversation started */
    char next[65];         /* the state to move to; "" to stay */
    int ended;
    int64_t chat, user;
};

/* The step of record r (or of a new conversation when r has no state). */
static void step_init(struct bh_conv_step *st, const bh_conversation *cv,
                      const struct cv_record *r, int64_t chat, int64_t user)
{
    memset(st, 0, sizeof *st);
    st->cv = cv;
    st->state = rec_state(r) ? r->state : "";
    st->chat = rec_state(r) ? r->chat : chat;
    st->user = rec_state(r) ? r->user : user;
    st->data_text = rec_state(r) ? r->data : NULL;
}

/* The text of a record of the step in state, with its deadline. */
static char *record_text(const struct bh_conv_step *st, const char *state, int64_t deadline)
{
    const char *data = st->data ? json_object_to_json_string_ext(st->data, JSON_C_TO_STRING_PLAIN)
                                : st->data_text ? st->data_text : "{}";
    char *text;

    if (!data || asprintf(&text, "%lld %lld %lld %s\n%s", (long long)deadline,
                          (long long)st->chat, (long long)st->user, state, data) < 0)
        return NULL;
    return text;
}

/*
 * Publishes the step's outcome in one write, if the record is still the
 * one the step read: the new record (state, deadline from now, data), or
 * none when the conversation ended (or an entry hook started none).
 */
static int step_publish(bh_shared *m, const char *key, const struct bh_conv_step *st,
                        const char *old)
{
    char *text = NULL;
    int rc;

    if (st->ended || (!st->state[0] && !st->next[0]))
        return old ? record_swap(m, key, old, NULL) : BH_OK;
    if (!(text = record_text(st, st->next[0] ? st->next : st->state,
                             st->cv->timeout_s ? bh_clock_wall_ms() + st->cv->timeout_s * 1000LL
                                               : 0)))
        return BH_ENOMEM;
    rc = record_swap(m, key, old, text);
    free(text);
    return rc;
}

/*
 * Ends the expired conversation r of key. It is first claimed (swapped
 * for the same record in the state CV_TIMING_OUT, due again in a minute),
 * so a step or another sweep that read it before does not also act on it
 * (their swaps fail); then the timeout hook runs with its data, then the
 * claim is deleted. A worker that dies in between leaves the claim, which
 * expires and is claimed again: the hook runs at least once.
 */
static void cv_time_out(bh_ctx *ctx, size_t comp, const bh_conversation *cv, bh_shared *m,
                        const char *key, const struct cv_record *r)
{
    struct bh_conv_step st;
    struct bh_hook h = {.kind = BH_HOOK_CONV_TIMEOUT, .fn.conv_timeout = cv->on_timeout};
    /* The hook's context is the conversation's chat and user (so their
     * scoped memories work), not the update that may have found it. */
    bh_ctx sub = {.bot = ctx->bot, .update_id = ctx->update_id, .attempt = ctx->attempt,
                  .ids_known = 1, .chat_id = r->chat, .user_id = r->user, .step = &st};
    int64_t until = bh_clock_wall_ms() + CV_CLAIM_MS;
    char *claim;

    memset(&st, 0, sizeof st);
    st.cv = cv;
    st.state = CV_TIMING_OUT;
    st.chat = r->chat;
    st.user = r->user;
    st.data_text = r->data;
    claim = record_text(&st, CV_TIMING_OUT, until);
    if (!claim || record_swap(m, key, r->text, claim) != BH_OK)
        goto out; /* another worker acted on it first */
    bh_sweep_at(ctx->bot, until); /* should this worker die in the hook */
    if (cv->on_timeout) {
        int64_t ids[2] = {st.chat, st.user};
        bh_hook_call(&sub, comp, &h, ids, NULL);
        bh_ctx_scoped_close(&sub);
    }
    record_swap(m, key, claim, NULL); /* a new conversation may have replaced it */
out:
    free(claim);
    json_object_put(st.data);
}

/* ---- Matching ---- */

/* Whether hook e matches the update; a signed callback's payload goes in
 * buf (*payload points into it). */
static int hook_matches(bh_ctx *ctx, const struct cv_hook *e, char *buf, size_t n,
                        const char **payload)
{
    const bh_update *u = ctx->update;
    const bh_message *msg = u->kind == BH_UPDATE_MESSAGE ? u->message : NULL;
    const bh_callback_query *q = u->callback_query;
    const char *name;

    switch (e->kind) {
    case CV_COMMAND:
        return msg && msg->command && !strcmp(msg->command, e->hook.text) &&
               !bh_command_not_ours(ctx->bot, msg);
    case CV_TEXT: return msg && msg->text && !msg->command;
    case CV_MESSAGE: return msg != NULL;
    case CV_CALLBACK:
        return q && q->data &&
               bh_callback_verify(ctx->bot, q->data, buf, n, &name, payload) == BH_OK &&
               !strcmp(name, e->hook.text);
    case CV_CALLBACK_QUERY: return q != NULL;
    case CV_UPDATE: return 1;
    }
    return 0;
}

/* The hook of cv the update runs in state (NULL: none active, the entry
 * points), fallbacks first; NULL if none. */
static const struct cv_hook *cv_match(bh_ctx *ctx, const bh_conversation *cv, const char *state,
                                      char *buf, size_t n, const char **payload)
{
    for (int pass = 0; pass < 2; pass++) {
        const char *want = !state ? BH_CONV_ENTRY : pass == 0 ? BH_CONV_FALLBACK : state;
        if (!state && pass == 1)
            break;
        for (size_t i = 0; i < cv->nhooks; i++) {
            const struct cv_hook *e = &cv->hooks[i];
            if (strcmp(e->state, want) || !hook_matches(ctx, e, buf, n, payload))
                continue;
            if (e->filter && bh_filter_check(ctx, e->filter) <= 0)
                continue;
            return e;
        }
    }
    return NULL;
}

/* Runs e's function for the update, as the bot's chain would. */
static int cv_call(bh_ctx *ctx, size_t comp, const struct cv_hook *e, const char *payload)
{
    const bh_update *u = ctx->update;

    switch (e->kind) {
    case CV_COMMAND: return bh_command_call(ctx, comp, &e->hook, u->message);
    case CV_TEXT:
    case CV_MESSAGE: return bh_hook_call(ctx, comp, &e->hook, u->message, NULL);
    case CV_CALLBACK: return bh_hook_call(ctx, comp, &e->hook, u->callback_query, payload);
    case CV_CALLBACK_QUERY: return bh_hook_call(ctx, comp, &e->hook, u->callback_query, NULL);
    case CV_UPDATE: return bh_hook_call(ctx, comp, &e->hook, u, NULL);
    }
    return BH_CONTINUE;
}

/* ---- Steps ---- */

/* Runs hook e as the step of record r (r->text NULL: none) and publishes it. */
static int cv_step(bh_ctx *ctx, size_t comp, const bh_conversation *cv, bh_shared *m,
                   const char *key, const struct cv_record *r, const struct cv_hook *e,
                   const char *payload)
{
    struct bh_conv_step st, *saved = ctx->step;
    int64_t chat, user;
    int rc, prc;

    bh_ctx_ids(ctx, &chat, &user);
    step_init(&st, cv, r, chat, user);
    ctx->step = &st;
    rc = cv_call(ctx, comp, e, payload);
    ctx->step = saved;
    prc = rc >= 0 ? step_publish(m, key, &st, r->text) : BH_OK;
    /* The sweep job is due by the new deadline (computed after it, so not
     * before it). */
    if (rc >= 0 && prc == BH_OK && cv->timeout_s && !st.ended && (st.state[0] || st.next[0]))
        bh_sweep_at(ctx->bot, bh_clock_wall_ms() + cv->timeout_s * 1000LL);
    if (prc != BH_OK) {
        bh_log(prc == BH_ECONFLICT ? BH_LOG_WARN : BH_LOG_ERROR,
               "update %lld: conversation %s %s: step not saved: %s", (long long)ctx->update_id,
               cv->name, key,
               prc == BH_ECONFLICT ? "it timed out or moved meanwhile" : bh_strerror(prc));
        if (prc != BH_ECONFLICT)
            rc = prc;
    }
    json_object_put(st.data);
    return rc;
}

/* Reads the record of key into r; an expired one is timed out first and
 * read again (a new conversation may have started meanwhile). */
static int record_read_live(bh_ctx *ctx, size_t comp, const bh_conversation *cv, bh_shared *m,
                            const char *key, struct cv_record *r)
{
    int rc = record_read(m, key, r);

    if (rc != BH_OK || !rec_expired(r, bh_clock_wall_ms()))
        return rc;
    cv_time_out(ctx, comp, cv, m, key, r);
    record_free(r);
    return record_read(m, key, r);
}

/* One read of the record of key, then the hook the update matches in its
 * state runs (most updates match none and cost that read). */
static int cv_try_key(bh_ctx *ctx, size_t comp, const bh_conversation *cv, bh_shared *m,
                      const char *key)
{
    char buf[128];
    const char *payload = NULL;
    const struct cv_hook *e;
    struct cv_record r = {0};
    int rc = record_read_live(ctx, comp, cv, m, key, &r);

    if (rc == BH_OK) {
        e = cv_match(ctx, cv, rec_state(&r), buf, sizeof buf, &payload);
        rc = e ? cv_step(ctx, comp, cv, m, key, &r, e, payload) : BH_CONTINUE;
        /* A hook that ran ends the chain, as a command does: "return
         * bh_message_reply(...)" must not run the bot's hooks as well. */
        if (e && rc >= 0)
            rc = BH_HANDLED;
    }
    record_free(&r);
    return rc;
}

/*
 * The step of cv for the update, if it has a key for it. The runner runs
 * the updates of a chat one at a time, so steps of a key with a chat never
 * overlap; a conversation keyed by user alone takes the key's store lock
 * over the step, since that user's chats run in parallel.
 */
static int cv_try(bh_ctx *ctx, size_t comp, const bh_conversation *cv)
{
    char key[48];
    int64_t chat, user;
    bh_shared *m;
    int rc;

    bh_ctx_ids(ctx, &chat, &user);
    if (!cv_key(cv, chat, user, key, sizeof key))
        return BH_CONTINUE;
    if ((rc = cv_memory(ctx->bot, comp, cv, &m)) != BH_OK)
        return rc;
    if (cv->by != BH_CONV_BY_USER)
        return cv_try_key(ctx, comp, cv, m, key);
    if ((rc = bh_lock_acquire(m, key, BH_CONV_LOCK_WAIT_MS)) != BH_OK && rc != BH_EABANDONED)
        return rc;
    rc = cv_try_key(ctx, comp, cv, m, key);
    bh_lock_release(m, key);
    return rc;
}

int bh_conv_run(bh_ctx *ctx)
{
    for (size_t c = 0; c < ctx->bot->ncomps; c++) {
        const bh_component *comp = ctx->bot->comps[c];
        for (size_t i = 0; i < comp->nconvs; i++) {
            int rc = cv_try(ctx, c, comp->convs[i]);
            if (rc != BH_CONTINUE)
                return rc;
        }
    }
    return BH_CONTINUE;
}

/* ---- The sweep ---- */

/* Times out the conversations whose deadline passed (and claims left by
 * a worker that died timing one out). */
static int sweep_conv(bh_ctx *ctx, size_t comp, const bh_conversation *cv, int64_t *next)
{
    bh_shared *m;
    bh_cursor *cur;
    const char *key;
    size_t n = 0;
    int rc;

    if ((rc = cv_memory(ctx->bot, comp, cv, &m)) != BH_OK)
        return rc;
    if ((rc = bh_shared_len(m, &n)) != BH_OK || n == 0)
        return rc;
    if ((rc = bh_cursor_open(m, &cur)) != BH_OK)
        return rc;
    /* The cursor's key stays valid until its next call. */
    while (bh_cursor_next(cur, &key) == BH_OK) {
        struct cv_record r;
        if (record_read(m, key, &r) != BH_OK)
            continue;
        if (rec_expired(&r, bh_clock_wall_ms()))
            cv_time_out(ctx, comp, cv, m, key, &r);
        else if (r.deadline > 0 && (!*next || r.deadline < *next))
            *next = r.deadline;
        record_free(&r);
    }
    bh_cursor_close(cur);
    return BH_OK;
}

int bh_conv_sweep(bh_ctx *ctx, int64_t *next)
{
    int first = BH_OK;

    *next = 0;
    for (size_t c = 0; c < ctx->bot->ncomps; c++)
        for (size_t i = 0; i < ctx->bot->comps[c]->nconvs; i++) {
            const bh_conversation *cv = ctx->bot->comps[c]->convs[i];
            int rc = cv->timeout_s ? sweep_conv(ctx, c, cv, next) : BH_OK;
            if (rc < 0 && first == BH_OK)
                first = rc;
        }
    return first;
}

/* Every conversation keyed by user (BH_CONV_BY_USER or by chat and user)
 * of every component: its records of user_id are deleted. BH_OK, or the
 * first error (the others are still cleared). */
int bh_conv_forget_user(bh_bot *bot, int64_t user_id)
{
    char suffix[32];
    int first = BH_OK;

    snprintf(suffix, sizeof suffix, ":%lld", (long long)user_id);
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nconvs; i++) {
            const bh_conversation *cv = bot->comps[c]->convs[i];
            bh_shared *m;
            int rc = cv->by == BH_CONV_BY_CHAT ? BH_OK : cv_memory(bot, c, cv, &m);
            if (rc == BH_OK && cv->by != BH_CONV_BY_CHAT)
                rc = bh_conv_forget_keys(m, suffix);
            if (rc != BH_OK && first == BH_OK)
                first = rc;
        }
    return first;
}

/* ---- In a hook ---- */

/* Whether cv has a hook in state: a state without one could never be left
 * but by a fallback or the timeout (a misspelt name, most likely). */
static int cv_has_state(const bh_conversation *cv, const char *state)
{
    for (size_t i = 0; i < cv->nhooks; i++)
        if (!strcmp(cv->hooks[i].state, state))
            return 1;
    return 0;
}

int bh_conversation_next(bh_ctx *ctx, const char *state)
{
    if (!ctx || !ctx->step || !name_ok(state) || !cv_has_state(ctx->step->cv, state))
        return BH_EINVAL;
    snprintf(ctx->step->next, sizeof ctx->step->next, "%s", state);
    ctx->step->ended = 0;
    return BH_OK;
}

int bh_conversation_end(bh_ctx *ctx)
{
    if (!ctx || !ctx->step)
        return BH_EINVAL;
    ctx->step->ended = 1;
    return BH_OK;
}

const char *bh_conversation_state(bh_ctx *ctx)
{
    return ctx && ctx->step ? ctx->step->state : NULL;
}

/* The step's data, parsed from the record on first use. */
json_object *bh_conv_data(bh_ctx *ctx)
{
    struct bh_conv_step *st = ctx ? ctx->step : NULL;

    if (!st)
        return NULL;
    if (!st->data && st->data_text) {
        st->data = json_tokener_parse(st->data_text);
        if (st->data && !json_object_is_type(st->data, json_type_object)) {
            json_object_put(st->data);
            st->data = NULL;
        }
    }
    if (!st->data)
        st->data = json_object_new_object();
    return st->data;
}
