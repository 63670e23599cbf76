/*
 * Scheduled jobs (see bothive/schedule.h): the handlers' registry, the
 * ways of scheduling, cancelling and listing. Running the due jobs is in
 * schedule_run.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/grow.h"
#include "bothive/log.h"
#include "internal.h"
#include "schedule_priv.h"

struct bh_schedule_reg {
    char *name;
    bh_schedule_fn fn;
};

static int bh_schedule_name_ok(const char *s)
{
    return s && *s && strlen(s) <= BH_SCHEDULE_NAME_MAX;
}

/* A name a bot's author may give: those starting with '@' are internal. */
static int bh_schedule_user_name_ok(const char *s)
{
    return bh_schedule_name_ok(s) && s[0] != '@';
}

/* Registers fn as handler in the registry *regs of *n entries. */
static int bh_schedule_reg_add(struct bh_schedule_reg **regs, size_t *n, const char *handler,
                               bh_schedule_fn fn)
{
    struct bh_schedule_reg *r;

    if (!fn || !bh_schedule_user_name_ok(handler))
        return BH_EINVAL;
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*regs)[i].name, handler)) {
            (*regs)[i].fn = fn;
            return BH_OK;
        }
    if (!(r = realloc(*regs, (*n + 1) * sizeof *r)))
        return BH_ENOMEM;
    *regs = r;
    if (!(r[*n].name = strdup(handler)))
        return BH_ENOMEM;
    r[(*n)++].fn = fn;
    return BH_OK;
}

int bh_bot_schedule_handler(bh_bot *bot, const char *handler, bh_schedule_fn fn)
{
    return bot ? bh_schedule_reg_add(&bot->sched, &bot->nsched, handler, fn) : BH_EINVAL;
}

int bh_component_schedule_handler(bh_component *c, const char *handler, bh_schedule_fn fn)
{
    return c ? bh_schedule_reg_add(&c->sched, &c->nsched, handler, fn) : BH_EINVAL;
}

void bh_schedule_regs_free(struct bh_schedule_reg *regs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(regs[i].name);
    free(regs);
}

void bh_schedule_handlers_free(bh_bot *bot)
{
    bh_schedule_regs_free(bot->sched, bot->nsched);
    bot->sched = NULL;
    bot->nsched = 0;
}

static bh_schedule_fn bh_schedule_reg_find(const struct bh_schedule_reg *regs, size_t n,
                                           const char *handler)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(regs[i].name, handler))
            return regs[i].fn;
    return NULL;
}

/* The bot's own handlers first, then its components' in the order they
 * were used: a handler name is the bot's, shared with its components. */
bh_schedule_fn bh_schedule_handler_of(const bh_bot *bot, const char *handler, size_t *comp)
{
    bh_schedule_fn fn;

    *comp = 0;
    if (!strcmp(handler, BH_SWEEP_JOB))
        return bh_sweep_job;
    if ((fn = bh_schedule_reg_find(bot->sched, bot->nsched, handler)))
        return fn;
    for (size_t c = 0; c < bot->ncomps; c++)
        if ((fn = bh_schedule_reg_find(bot->comps[c]->sched, bot->comps[c]->nsched, handler))) {
            *comp = c;
            return fn;
        }
    return NULL;
}

int bh_bot_has_schedule(const bh_bot *bot)
{
    if (bot->nsched || bh_bot_needs_sweep(bot))
        return 1;
    for (size_t c = 0; c < bot->ncomps; c++)
        if (bot->comps[c]->nsched)
            return 1;
    return 0;
}

int bh_schedule_memory(bh_bot *bot, bh_shared **out)
{
    char id[64];

    if (!bot || !bot->store)
        return BH_EINVAL;
    snprintf(id, sizeof id, "bothive.schedule.%lld", (long long)bot->id);
    return bh_shared_open(bot->store, id, out);
}

void bh_schedule_wake(bh_bot *bot, int64_t due_ms)
{
    if (bot->wake && due_ms > 0)
        bot->wake(bot->source, due_ms);
}

/* Whether a stored internal record (which carries no data, so the text
 * cannot be mistaken) is a claim of a running worker. */
static int bh_schedule_stored_running(const char *stored)
{
    return strstr(stored + BH_SCHED_HDR, "\"state\":\"running\"") != NULL;
}

/* One try of bh_schedule_ensure: BH_ECONFLICT when the record changed
 * between the read and the write. */
static int bh_schedule_ensure_once(bh_bot *bot, bh_shared *m, const char *key,
                                   bh_sched_rec *r, int64_t *due)
{
    char *old = NULL, *text = NULL;
    int64_t old_slot = 0;
    bh_sched_rec was_rec;
    int rc = bh_sched_stored_get(m, key, &old);

    *due = r->due;
    if (rc == BH_OK && (*due = bh_sched_stored_at(old)) <= r->due &&
        !bh_schedule_stored_running(old))
        goto out; /* pending early enough already */
    *due = r->due;
    if (rc == BH_OK && bh_sched_rec_parse(old, &was_rec) == BH_OK) {
        old_slot = was_rec.slot;
        bh_sched_rec_free(&was_rec);
    }
    if (rc == BH_OK || rc == BH_ENOTFOUND)
        rc = bh_sched_index_add(bot, r->name, bh_sched_minute_of(r, bh_clock_wall_ms()),
                                &r->slot);
    if (rc != BH_OK || !(text = bh_sched_rec_encode(r))) {
        rc = rc != BH_OK ? rc : BH_ENOMEM;
        goto out;
    }
    bh_value want = bh_value_bytes(text, bh_sched_stored_len(text));
    if (!old) {
        rc = bh_shared_put(m, key, &want, BH_PUT_ADD, 0);
        rc = rc == BH_EEXISTS ? BH_ECONFLICT : rc;
    } else {
        bh_value was = bh_value_bytes(old, bh_sched_stored_len(old));
        rc = bh_shared_cas(m, key, &was, &want);
        rc = rc == BH_ENOTFOUND ? BH_ECONFLICT : rc;
    }
    /* The old entry goes once the record names the new one; a new one
     * never published goes at once. */
    bh_sched_index_drop(bot, rc == BH_OK ? old_slot : r->slot);
out:
    free(old);
    free(text);
    return rc;
}

/* Retried while other writers move the record; a handful of tries is
 * plenty, since each loser saw a record someone just wrote. */
int bh_schedule_ensure(bh_bot *bot, const char *name, const char *handler, int64_t at_ms,
                       int64_t lease_ms, int64_t *due_out)
{
    char key[sizeof BH_SCHEDULE_KEY_PREFIX + BH_SCHEDULE_NAME_MAX], id[64];
    bh_sched_rec r = {.name = (char *)name, .handler = (char *)handler,
                      .kind = BH_SCHEDULE_ONCE, .grace = BH_SCHEDULE_GRACE_DEFAULT_MS,
                      .lease = lease_ms,
                      .due = at_ms < 1 ? 1 : at_ms > BH_SCHEDULE_TIME_MAX ? BH_SCHEDULE_TIME_MAX
                                                                          : at_ms};
    bh_shared *m;
    int rc, tries = 0;

    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    snprintf(id, sizeof id, "bothive.schedule.%lld", (long long)bot->id);
    if ((rc = bh_bot_memory_named(bot, id, &m)) != BH_OK)
        return rc;
    snprintf(key, sizeof key, BH_SCHEDULE_KEY_PREFIX "%s", name);
    while ((rc = bh_schedule_ensure_once(bot, m, key, &r, due_out)) == BH_ECONFLICT &&
           ++tries < 16)
        ;
    if (rc == BH_OK)
        bh_schedule_wake(bot, r.due);
    return rc;
}

/* The record of a new job of spec s, pending at due; the strings are the
 * caller's (borrowed). */
static int bh_schedule_rec_of(const bh_schedule_spec *s, bh_sched_rec *r)
{
    if (!s || !bh_schedule_user_name_ok(s->name) || !bh_schedule_user_name_ok(s->handler) ||
        s->grace_ms < 0 || s->lease_ms < 0 || s->grace_ms > BH_SCHEDULE_SPAN_MAX ||
        s->lease_ms > BH_SCHEDULE_SPAN_MAX ||
        (s->misfire != BH_MISFIRE_RUN && s->misfire != BH_MISFIRE_SKIP) ||
        (s->data && strlen(s->data) > BH_SCHEDULE_DATA_MAX) ||
        (s->flags & ~BH_SCHEDULE_REPLACE))
        return BH_EINVAL;
    memset(r, 0, sizeof *r);
    r->name = (char *)s->name;
    r->handler = (char *)s->handler;
    r->data = (char *)s->data;
    r->chat = s->chat_id;
    r->user = s->user_id;
    r->misfire = s->misfire;
    r->grace = s->grace_ms ? s->grace_ms : BH_SCHEDULE_GRACE_DEFAULT_MS;
    r->lease = s->lease_ms ? s->lease_ms : BH_SCHEDULE_LEASE_DEFAULT_MS;
    return BH_OK;
}

/* Stores the record r (filled in by the caller) and tells the runner. */
static int bh_schedule_store(bh_bot *bot, const bh_schedule_spec *s, const bh_sched_rec *r)
{
    char key[sizeof BH_SCHEDULE_KEY_PREFIX + BH_SCHEDULE_NAME_MAX];
    bh_shared *m = NULL;
    char *json = NULL;
    int rc;

    bh_sched_rec w = *r;

    /* Its index entry first: a crash before the record leaves an entry
     * without a record, never a record without its entry. */
    if ((rc = bh_schedule_memory(bot, &m)) != BH_OK)
        return rc;
    rc = bh_sched_index_add(bot, w.name, bh_sched_minute_of(&w, bh_clock_wall_ms()), &w.slot);
    if (rc != BH_OK)
        goto out;
    if (!(json = bh_sched_rec_encode(&w))) {
        rc = BH_ENOMEM;
        goto out;
    }
    snprintf(key, sizeof key, BH_SCHEDULE_KEY_PREFIX "%s", r->name);
    bh_value v = bh_value_bytes(json, bh_sched_stored_len(json));
    rc = bh_shared_put(m, key, &v, s->flags & BH_SCHEDULE_REPLACE ? 0 : BH_PUT_ADD, 0);
    if (rc == BH_OK)
        bh_schedule_wake(bot, r->due);
    else
        bh_sched_index_drop(bot, w.slot); /* never published */
out:
    free(json);
    bh_shared_close(m);
    return rc;
}

int bh_schedule_at(bh_bot *bot, const bh_schedule_spec *s, int64_t when_ms)
{
    bh_sched_rec r;
    int rc;

    if (!bot || when_ms > BH_SCHEDULE_TIME_MAX || (rc = bh_schedule_rec_of(s, &r)) != BH_OK)
        return BH_EINVAL;
    r.kind = BH_SCHEDULE_ONCE;
    r.due = when_ms > 0 ? when_ms : 1;
    return bh_schedule_store(bot, s, &r);
}

int bh_schedule_in(bh_bot *bot, const bh_schedule_spec *s, int64_t delay_ms)
{
    if (delay_ms < 0 || delay_ms > BH_SCHEDULE_TIME_MAX)
        return BH_EINVAL;
    return bh_schedule_at(bot, s, bh_clock_wall_ms() + delay_ms);
}

int bh_schedule_every(bh_bot *bot, const bh_schedule_spec *s, int64_t every_ms,
                      int64_t first_ms)
{
    bh_sched_rec r;
    int rc;

    if (!bot || every_ms < 1000 || every_ms > BH_SCHEDULE_TIME_MAX || first_ms < 0 ||
        first_ms > BH_SCHEDULE_TIME_MAX ||
        (rc = bh_schedule_rec_of(s, &r)) != BH_OK)
        return BH_EINVAL;
    r.kind = BH_SCHEDULE_EVERY;
    r.every = every_ms;
    r.due = first_ms ? first_ms : bh_clock_wall_ms() + every_ms;
    return bh_schedule_store(bot, s, &r);
}

int bh_schedule_daily(bh_bot *bot, const bh_schedule_spec *s, int hour, int minute,
                      const char *tz)
{
    bh_sched_rec r;
    int rc;

    if (!bot || (rc = bh_schedule_rec_of(s, &r)) != BH_OK)
        return BH_EINVAL;
    r.kind = BH_SCHEDULE_DAILY;
    r.hour = hour;
    r.minute = minute;
    r.tz = (char *)(tz && *tz ? tz : NULL);
    if ((rc = bh_schedule_daily_next(hour, minute, tz, bh_clock_wall_ms(), &r.due)) != BH_OK)
        return rc;
    return bh_schedule_store(bot, s, &r);
}

int bh_schedule_cron(bh_bot *bot, const bh_schedule_spec *s, const char *expr,
                     const char *tz)
{
    char err[160];
    bh_sched_rec r;
    bh_cron c;
    int rc;

    if (!bot || (rc = bh_schedule_rec_of(s, &r)) != BH_OK)
        return BH_EINVAL;
    if ((rc = bh_cron_parse(expr, &c, err, sizeof err)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "job %s: %s", s->name, err[0] ? err : "no cron expression");
        return rc;
    }
    r.kind = BH_SCHEDULE_CRON;
    r.cron = (char *)expr;
    r.tz = (char *)(tz && *tz ? tz : NULL);
    if ((rc = bh_schedule_next_of(&c, tz, bh_clock_wall_ms(), &r.due)) != BH_OK)
        return rc;
    return bh_schedule_store(bot, s, &r);
}

int64_t bh_schedule_now_ms(void)
{
    return bh_clock_wall_ms();
}

/* Deletes the record under key and then its index entry, so that looks do
 * not read a cancelled job's entry for the hour a stale one is kept. A
 * record changed meanwhile is deleted all the same; its entry then goes
 * as a stale one. */
static int bh_schedule_remove(bh_bot *bot, bh_shared *m, const char *key)
{
    char *text = NULL;
    bh_sched_rec r;
    int64_t slot = 0;
    int rc = bh_sched_stored_get(m, key, &text);

    if (rc != BH_OK) {
        free(text);
        return rc == BH_ENOTFOUND ? rc : bh_shared_delete(m, key);
    }
    if (bh_sched_rec_parse(text, &r) == BH_OK) {
        slot = r.slot;
        bh_sched_rec_free(&r);
    }
    bh_value was = bh_value_bytes(text, bh_sched_stored_len(text));
    if ((rc = bh_shared_cas(m, key, &was, NULL)) == BH_OK)
        bh_sched_index_drop(bot, slot);
    else if (rc == BH_ECONFLICT)
        rc = bh_shared_delete(m, key);
    free(text);
    return rc;
}

int bh_schedule_cancel(bh_bot *bot, const char *name)
{
    char key[sizeof BH_SCHEDULE_KEY_PREFIX + BH_SCHEDULE_NAME_MAX];
    bh_shared *m;
    int rc;

    if (!bh_schedule_user_name_ok(name))
        return BH_EINVAL;
    if ((rc = bh_schedule_memory(bot, &m)) != BH_OK)
        return rc;
    snprintf(key, sizeof key, BH_SCHEDULE_KEY_PREFIX "%s", name);
    rc = bh_schedule_remove(bot, m, key);
    bh_shared_close(m);
    return rc;
}

/* ---- Listing ---- */

int bh_schedule_keys(bh_shared *m, char ***out, size_t *n)
{
    bh_cursor *c = NULL;
    const char *key;
    char **keys = NULL;
    size_t len = 0, cap = 0;
    int rc;

    if ((rc = bh_cursor_open(m, &c)) != BH_OK)
        return rc;
    while ((rc = bh_cursor_next(c, &key)) == BH_OK) {
        if (strncmp(key, BH_SCHEDULE_KEY_PREFIX, strlen(BH_SCHEDULE_KEY_PREFIX)))
            continue;
        char **k = bh_grow(keys, &cap, len + 1, sizeof *k, 16);
        if (!k)
            break;
        keys = k;
        if (!(keys[len] = strdup(key)))
            break;
        len++;
    }
    bh_cursor_close(c);
    if (rc != BH_ENOTFOUND) {
        bh_schedule_keys_free(keys, len);
        return rc == BH_OK ? BH_ENOMEM : rc;
    }
    *out = keys;
    *n = len;
    return BH_OK;
}

void bh_schedule_keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

/* Moves the record's strings into an info entry. */
static void bh_schedule_info_take(bh_schedule_info *e, bh_sched_rec *r)
{
    e->name = r->name;
    e->handler = r->handler;
    e->data = r->data ? r->data : strdup("");
    r->name = r->handler = r->data = NULL;
    e->kind = r->kind;
    e->chat_id = r->chat;
    e->user_id = r->user;
    e->due_ms = r->due;
    e->running = r->running;
    bh_sched_rec_free(r);
}

static int bh_schedule_info_cmp(const void *a, const void *b)
{
    const bh_schedule_info *x = a, *y = b;
    if (x->due_ms != y->due_ms)
        return x->due_ms < y->due_ms ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The records under keys, of chat and user when not 0, into list (room
 * for n). */
static size_t bh_schedule_collect(bh_shared *m, char **keys, size_t n, int64_t chat,
                                  int64_t user, bh_schedule_info *list)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        bh_sched_rec r;
        char *json = NULL;
        if (bh_sched_stored_get(m, keys[i], &json) != BH_OK)
            continue; /* gone meanwhile, or not a job */
        int rc = bh_sched_rec_parse(json, &r);
        free(json);
        if (rc != BH_OK)
            continue;
        if ((chat && r.chat != chat) || (user && r.user != user) || r.name[0] == '@') {
            bh_sched_rec_free(&r);
            continue;
        }
        bh_schedule_info_take(&list[k], &r);
        if (!list[k].data) {
            bh_schedule_list_free(list, k + 1);
            return (size_t)-1;
        }
        k++;
    }
    return k;
}

int bh_schedule_list(bh_bot *bot, int64_t chat_id, bh_schedule_info **out, size_t *n)
{
    return bh_schedule_list_of(bot, chat_id, 0, out, n);
}

int bh_schedule_list_of(bh_bot *bot, int64_t chat_id, int64_t user_id, bh_schedule_info **out,
                        size_t *n)
{
    bh_shared *m = NULL;
    char **keys = NULL;
    size_t nk = 0, k;
    bh_schedule_info *list;
    int rc;

    if (!out || !n)
        return BH_EINVAL;
    if ((rc = bh_schedule_memory(bot, &m)) != BH_OK)
        return rc;
    if ((rc = bh_schedule_keys(m, &keys, &nk)) != BH_OK)
        goto out;
    rc = BH_ENOMEM;
    if (!(list = calloc(nk ? nk : 1, sizeof *list)))
        goto out;
    if ((k = bh_schedule_collect(m, keys, nk, chat_id, user_id, list)) == (size_t)-1)
        goto out;
    qsort(list, k, sizeof *list, bh_schedule_info_cmp);
    *out = list;
    *n = k;
    rc = BH_OK;
out:
    bh_schedule_keys_free(keys, nk);
    bh_shared_close(m);
    return rc;
}

void bh_schedule_list_free(bh_schedule_info *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].handler);
        free(list[i].data);
    }
    free(list);
}
