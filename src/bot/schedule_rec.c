/*
 * The stored form of a scheduled job: a JSON object (json-c builds and
 * reads it), and when a repeating job runs next.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bothive/error.h"
#include "schedule_priv.h"

static const char *const bh_sched_kinds[] = {"once", "every", "daily", "cron"};

static int bh_sched_add_str(json_object *o, const char *k, const char *v)
{
    json_object *s;
    if (!v)
        return 0;
    if (!(s = json_object_new_string(v)))
        return -1;
    return json_object_object_add(o, k, s);
}

static int bh_sched_add_int(json_object *o, const char *k, int64_t v)
{
    json_object *i = json_object_new_int64(v);
    return i ? json_object_object_add(o, k, i) : -1;
}

char *bh_sched_rec_json(const bh_sched_rec *r)
{
    json_object *o = json_object_new_object();
    char *text = NULL;
    int bad = !o;

    if (bad)
        return NULL;
    bad |= bh_sched_add_str(o, "name", r->name) | bh_sched_add_str(o, "handler", r->handler);
    bad |= bh_sched_add_str(o, "kind", bh_sched_kinds[r->kind]);
    bad |= bh_sched_add_str(o, "data", r->data) | bh_sched_add_str(o, "tz", r->tz);
    bad |= bh_sched_add_str(o, "cron", r->cron);
    bad |= bh_sched_add_int(o, "chat", r->chat) | bh_sched_add_int(o, "user", r->user);
    bad |= bh_sched_add_int(o, "due", r->due) | bh_sched_add_int(o, "every", r->every);
    bad |= bh_sched_add_int(o, "grace", r->grace) | bh_sched_add_int(o, "lease", r->lease);
    bad |= bh_sched_add_int(o, "hour", r->hour) | bh_sched_add_int(o, "minute", r->minute);
    bad |= bh_sched_add_str(o, "misfire", r->misfire == BH_MISFIRE_SKIP ? "skip" : "run");
    bad |= bh_sched_add_str(o, "state", r->running ? "running" : "pending");
    bad |= bh_sched_add_int(o, "until", r->until) | bh_sched_add_int(o, "attempt", r->attempt);
    bad |= bh_sched_add_int(o, "slot", r->slot);
    if (!bad)
        text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

/* A string field copied into *out (absent: NULL when optional). */
static int bh_sched_get_str(json_object *o, const char *k, int required, char **out)
{
    json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(o, k, &v))
        return required ? BH_EJSON : BH_OK;
    if (!json_object_is_type(v, json_type_string))
        return BH_EJSON;
    return (*out = strdup(json_object_get_string(v))) ? BH_OK : BH_ENOMEM;
}

static int64_t bh_sched_get_int(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    return json_object_get_int64(v);
}

/* The kind, misfire and state names into r. */
static int bh_sched_get_enums(json_object *o, bh_sched_rec *r)
{
    json_object *v;
    const char *s;
    int k;

    if (!json_object_object_get_ex(o, "kind", &v) || !(s = json_object_get_string(v)))
        return BH_EJSON;
    for (k = 0; k < 4 && strcmp(s, bh_sched_kinds[k]); k++)
        ;
    if (k == 4)
        return BH_EJSON;
    r->kind = (bh_schedule_kind)k;
    r->misfire = json_object_object_get_ex(o, "misfire", &v) &&
                 !strcmp(json_object_get_string(v), "skip") ? BH_MISFIRE_SKIP : BH_MISFIRE_RUN;
    r->running = json_object_object_get_ex(o, "state", &v) &&
                 !strcmp(json_object_get_string(v), "running");
    return BH_OK;
}

/* Whether the times of a parsed record are within what scheduling
 * accepts, so that the arithmetic on them cannot overflow. */
static int bh_sched_rec_sane(const bh_sched_rec *r)
{
    return r->due >= 0 && r->due <= BH_SCHEDULE_TIME_MAX && r->every >= 0 &&
           r->every <= BH_SCHEDULE_TIME_MAX && r->grace >= 0 &&
           r->grace <= BH_SCHEDULE_SPAN_MAX && r->lease > 0 && r->lease <= BH_SCHEDULE_SPAN_MAX &&
           r->until >= 0 && r->until <= BH_SCHEDULE_TIME_MAX + BH_SCHEDULE_SPAN_MAX &&
           r->slot >= 0;
}

char *bh_sched_rec_encode(const bh_sched_rec *r)
{
    char *json = bh_sched_rec_json(r), *out;
    uint64_t at = (uint64_t)(r->running ? r->until : r->due);
    size_t len;

    if (!json)
        return NULL;
    len = strlen(json);
    if ((out = malloc(BH_SCHED_HDR + len + 1))) {
        for (int i = 0; i < BH_SCHED_HDR; i++)
            out[i] = (char)(unsigned char)(at >> (8 * i));
        memcpy(out + BH_SCHED_HDR, json, len + 1);
    }
    free(json);
    return out;
}

size_t bh_sched_stored_len(const char *stored)
{
    return BH_SCHED_HDR + strlen(stored + BH_SCHED_HDR);
}

int64_t bh_sched_stored_at(const char *stored)
{
    uint64_t at = 0;

    for (int i = BH_SCHED_HDR - 1; i >= 0; i--)
        at = at << 8 | (unsigned char)stored[i];
    return (int64_t)at;
}

int bh_sched_stored_get(bh_shared *m, const char *key, char **out)
{
    void *p = NULL;
    size_t len = 0;
    int rc = bh_shared_get_bytes(m, key, &p, &len);

    if (rc == BH_ETYPE)
        return BH_EJSON;
    if (rc != BH_OK)
        return rc;
    /* A NUL inside the JSON part would hide the rest of it. */
    if (len < BH_SCHED_HDR || bh_sched_stored_len(p) != len) {
        free(p);
        return BH_EJSON;
    }
    *out = p;
    return BH_OK;
}

int bh_sched_rec_parse(const char *stored, bh_sched_rec *r)
{
    json_object *o = stored ? json_tokener_parse(stored + BH_SCHED_HDR) : NULL;
    int rc = BH_EJSON;

    memset(r, 0, sizeof *r);
    if (!o || !json_object_is_type(o, json_type_object))
        goto out;
    if ((rc = bh_sched_get_str(o, "name", 1, &r->name)) != BH_OK ||
        (rc = bh_sched_get_str(o, "handler", 1, &r->handler)) != BH_OK ||
        (rc = bh_sched_get_str(o, "data", 0, &r->data)) != BH_OK ||
        (rc = bh_sched_get_str(o, "tz", 0, &r->tz)) != BH_OK ||
        (rc = bh_sched_get_str(o, "cron", 0, &r->cron)) != BH_OK ||
        (rc = bh_sched_get_enums(o, r)) != BH_OK)
        goto out;
    r->chat = bh_sched_get_int(o, "chat");
    r->user = bh_sched_get_int(o, "user");
    r->due = bh_sched_get_int(o, "due");
    r->every = bh_sched_get_int(o, "every");
    r->grace = bh_sched_get_int(o, "grace");
    r->lease = bh_sched_get_int(o, "lease");
    r->until = bh_sched_get_int(o, "until");
    r->hour = (int)bh_sched_get_int(o, "hour");
    r->minute = (int)bh_sched_get_int(o, "minute");
    r->attempt = (int)bh_sched_get_int(o, "attempt");
    r->slot = bh_sched_get_int(o, "slot");
    if (!bh_sched_rec_sane(r))
        rc = BH_EJSON;
out:
    json_object_put(o);
    if (rc != BH_OK)
        bh_sched_rec_free(r);
    return rc;
}

void bh_sched_rec_free(bh_sched_rec *r)
{
    free(r->name);
    free(r->handler);
    free(r->data);
    free(r->tz);
    free(r->cron);
    memset(r, 0, sizeof *r);
}

/*
 * An interval keeps its phase: the next run is the first due + k * every
 * after now, so a job missed for several periods runs once, not once per
 * period. Daily and cron jobs take the first match after both the run's
 * due time and now.
 */
int bh_sched_rec_next(const bh_sched_rec *r, int64_t now, int64_t *out)
{
    int64_t after = r->due > now ? r->due : now;
    bh_cron c;
    int rc;

    *out = 0;
    switch (r->kind) {
    case BH_SCHEDULE_EVERY:
        if (r->every < 1)
            return BH_EINVAL;
        *out = r->due + ((now - r->due) / r->every + 1) * r->every;
        if (*out <= r->due)
            *out = r->due + r->every;
        return BH_OK;
    case BH_SCHEDULE_DAILY:
        if (r->hour < 0 || r->hour > 23 || r->minute < 0 || r->minute > 59)
            return BH_EINVAL;
        bh_schedule_daily_cron(r->hour, r->minute, &c);
        return bh_schedule_next_of(&c, r->tz, after, out);
    case BH_SCHEDULE_CRON:
        if ((rc = bh_cron_parse(r->cron, &c, NULL, 0)) != BH_OK)
            return rc;
        return bh_schedule_next_of(&c, r->tz, after, out);
    default:
        return BH_OK;
    }
}
