/*
 * --flood: the emulator refuses sends beyond Telegram's flood limits with
 * 429 and parameters.retry_after, as Telegram does, so that a bot's rate
 * limiter is tested against something that pushes back. The limits are
 * Telegram's documented ones (about 30 messages a second overall, 1 a
 * second in one chat, 20 a minute in a group), each a GCRA bucket (the
 * arithmetic of the store's rate limits, store/gcra.h): `burst` sends may go
 * at once, then one every 1/rate. A refused send takes nothing from the
 * buckets. The methods counted are those the client waits for
 * (bh_method_sends_to_chat: every send* but sendChatAction, copy*,
 * forward*); a send to a chat the emulator does not know is left to the
 * method, which refuses it.
 *
 *   GET|POST /control/flood {"enabled"?, "global_per_sec"?, "global_burst"?,
 *                            "chat_per_sec"?, "chat_burst"?, "group_per_min"?,
 *                            "group_burst"?}
 * A POST changes the fields it gives (the others stay) and empties the
 * buckets; tests use it to set limits a slow machine cannot miss.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/gcra.h"
#include "bothive/botapi.h"
#include "bothive/error.h"
#include "emu.h"

void bh_emu_flood_defaults(bh_emu_flood *f, int enabled)
{
    *f = (bh_emu_flood){.enabled = enabled,
                        .global_per_sec = 30,
                        .global_burst = 10,
                        .chat_per_sec = 1,
                        .chat_burst = 4,
                        .group_per_min = 20,
                        .group_burst = 4};
}

void bh_emu_flood_reset_locked(bh_emu *e)
{
    e->flood.global_tat_us = 0;
    for (size_t b = 0; b < BH_EMU_CHAT_BUCKETS; b++)
        for (bh_emu_chat *c = e->chats[b]; c; c = c->next)
            c->flood_tat_us = c->flood_group_tat_us = 0;
}

/* The emission interval of rate sends per period_us. */
static int64_t interval_us(double rate, double period_us)
{
    int64_t t = (int64_t)(period_us / rate);
    if ((double)t * rate < period_us)
        t++;  /* rounded up: `rate` sends fit in the period */
    return t > 0 ? t : 1;
}

/* Answers the 429 of a send that conforms at `at` (now is earlier), and
 * notes the wait so that a client coming back early is counted. */
static bool refuse(bh_emu *e, bh_emu_chat *c, int64_t at, int64_t now, bh_emu_reply *r)
{
    int retry = (int)((at - now + 999999) / 1000000);
    if (retry < 1)
        retry = 1;
    e->stats.flood_429++;
    c->retry_until_ms = bh_clock_mono_ms() + (int64_t)retry * 1000;
    bh_emu_reply_retry_after(r, retry);
    return false;
}

bool bh_emu_flood_take_locked(bh_emu *e, const char *method, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_flood *f = &e->flood;
    int64_t chat_id, now = bh_clock_mono_ms() * 1000, at;
    int64_t tg = interval_us(f->global_per_sec, 1e6), tc = interval_us(f->chat_per_sec, 1e6);
    int64_t tr = interval_us(f->group_per_min, 60e6);
    bh_emu_chat *c;
    int group;

    if (!f->enabled || !bh_method_sends_to_chat(method) ||
        bh_emu_param_int(p, "chat_id", &chat_id) != BH_OK ||
        !(c = bh_emu_chat_find_locked(e, chat_id)))
        return true;
    group = strcmp(c->type, "private") != 0;
    at = bh_gcra_allowed_at(f->global_tat_us, now, tg, f->global_burst);
    int64_t a = bh_gcra_allowed_at(c->flood_tat_us, now, tc, f->chat_burst);
    at = a > at ? a : at;
    if (group) {
        a = bh_gcra_allowed_at(c->flood_group_tat_us, now, tr, f->group_burst);
        at = a > at ? a : at;
    }
    if (at > now)
        return refuse(e, c, at, now, r);
    f->global_tat_us = bh_gcra_after(f->global_tat_us, now, tg, f->global_burst, now);
    c->flood_tat_us = bh_gcra_after(c->flood_tat_us, now, tc, f->chat_burst, now);
    if (group)
        c->flood_group_tat_us = bh_gcra_after(c->flood_group_tat_us, now, tr, f->group_burst, now);
    return true;
}

static json_object *flood_json(const bh_emu_flood *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(f->enabled));
    json_object_object_add(o, "global_per_sec", json_object_new_double(f->global_per_sec));
    json_object_object_add(o, "global_burst", json_object_new_int(f->global_burst));
    json_object_object_add(o, "chat_per_sec", json_object_new_double(f->chat_per_sec));
    json_object_object_add(o, "chat_burst", json_object_new_int(f->chat_burst));
    json_object_object_add(o, "group_per_min", json_object_new_double(f->group_per_min));
    json_object_object_add(o, "group_burst", json_object_new_int(f->group_burst));
    return o;
}

void bh_emu_flood_show(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    json_object *o;
    (void)q;
    pthread_mutex_lock(&e->lock);
    o = flood_json(&e->flood);
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, o);
}

/* Reads the optional rate field name (a number from 0.001 to 1e6) into
 * *out. Returns BH_OK (absent too), or BH_EINVAL after answering 400. */
static int field_rate(json_object *b, const char *name, double *out, bh_emu_reply *r)
{
    json_object *v;
    char desc[96];
    if (!json_object_object_get_ex(b, name, &v))
        return BH_OK;
    if ((json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) &&
        json_object_get_double(v) >= 0.001 && json_object_get_double(v) <= 1e6) {
        *out = json_object_get_double(v);
        return BH_OK;
    }
    snprintf(desc, sizeof desc, "Bad Request: %s must be a number from 0.001 to 1000000", name);
    bh_emu_reply_error(r, 400, desc);
    return BH_EINVAL;
}

/* The same for a burst: an integer from 1 to 100000. */
static int field_burst(json_object *b, const char *name, int *out, bh_emu_reply *r)
{
    int64_t v;
    char desc[96];
    int rc = bh_emu_field_int(b, name, 0, &v, r);
    if (rc == BH_ENOTFOUND)
        return BH_OK;
    if (rc == BH_OK && v >= 1 && v <= 100000) {
        *out = (int)v;
        return BH_OK;
    }
    if (rc == BH_OK) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be from 1 to 100000", name);
        bh_emu_reply_error(r, 400, desc);
    }
    return BH_EINVAL;
}

void bh_emu_flood_set(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    bh_emu_flood f;
    json_object *v;
    pthread_mutex_lock(&e->lock);
    f = e->flood;
    pthread_mutex_unlock(&e->lock);
    if (json_object_object_get_ex(b, "enabled", &v)) {
        if (!json_object_is_type(v, json_type_boolean)) {
            bh_emu_reply_error(r, 400, "Bad Request: enabled must be a boolean");
            return;
        }
        f.enabled = json_object_get_boolean(v);
    }
    if (field_rate(b, "global_per_sec", &f.global_per_sec, r) != BH_OK ||
        field_rate(b, "chat_per_sec", &f.chat_per_sec, r) != BH_OK ||
        field_rate(b, "group_per_min", &f.group_per_min, r) != BH_OK ||
        field_burst(b, "global_burst", &f.global_burst, r) != BH_OK ||
        field_burst(b, "chat_burst", &f.chat_burst, r) != BH_OK ||
        field_burst(b, "group_burst", &f.group_burst, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    e->flood = f;
    bh_emu_flood_reset_locked(e);
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, flood_json(&f));
}
