/*
 * The emulator's sendLocation, sendVenue, sendContact, sendDice and
 * sendPoll: the message shows what was sent, as Telegram shows it (a die
 * rolls in the emulator, as it does on Telegram's side).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/error.h"
#include "emu.h"

/* A number parameter, given as JSON or as text. Returns BH_OK,
 * BH_ENOTFOUND when absent, BH_EINVAL when not a number. */
static int param_double(bh_emu_params *p, const char *name, double *out)
{
    json_object *v;
    if (!json_object_object_get_ex(p, name, &v) || !v)
        return BH_ENOTFOUND;
    if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
        *out = json_object_get_double(v);
        return BH_OK;
    }
    const char *s = json_object_get_string(v);
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && !errno ? BH_OK : BH_EINVAL;
}

/* The Location object of latitude and longitude, or NULL after answering. */
static json_object *need_location(bh_emu_params *p, bh_emu_reply *r)
{
    double lat, lon;
    json_object *o;
    if (param_double(p, "latitude", &lat) != BH_OK || lat < -90 || lat > 90) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong latitude specified");
        return NULL;
    }
    if (param_double(p, "longitude", &lon) != BH_OK || lon < -180 || lon > 180) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong longitude specified");
        return NULL;
    }
    o = json_object_new_object();
    json_object_object_add(o, "latitude", json_object_new_double(lat));
    json_object_object_add(o, "longitude", json_object_new_double(lon));
    return o;
}

/* live_period of a live location: 60..86400 s, or 0x7FFFFFFF (for ever).
 * Returns 0 when absent, -1 after answering the error. */
static int64_t need_live_period(bh_emu_params *p, bh_emu_reply *r)
{
    int64_t v = 0;
    int rc = bh_emu_param_int(p, "live_period", &v);
    if (rc == BH_ENOTFOUND)
        return 0;
    if (rc != BH_OK || ((v < 60 || v > 86400) && v != 0x7FFFFFFF)) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong live period specified");
        return -1;
    }
    return v;
}

/* A required string parameter, or NULL after answering "<name> is empty". */
static const char *need_str(bh_emu_params *p, const char *name, bh_emu_reply *r)
{
    const char *v = bh_emu_param_str(p, name);
    char desc[96];
    if (!v || !*v) {
        snprintf(desc, sizeof desc, "Bad Request: %s is empty", name);
        bh_emu_reply_error(r, 400, desc);
        return NULL;
    }
    return v;
}

/* Sends the bot's message showing fields (an object, taken) in chat c. */
static void send_shown(bh_emu *e, bh_emu_chat *c, bh_emu_params *p, json_object *fields,
                       bh_emu_reply *r)
{
    bh_emu_content mc;
    bh_emu_msg *m;
    int64_t reply_to;
    char *media = bh_emu_json_text(fields), *extra = NULL;
    json_object_put(fields);
    if (!media || bh_emu_need_caption(p, r, &mc) != BH_OK) {
        free(media);
        return;
    }
    free(mc.text); /* these messages have no caption */
    mc.text = NULL;
    if ((reply_to = bh_emu_need_reply_to(c, p, r)) < 0 ||
        bh_emu_need_send_options(e, c, p, NULL, r, &extra) != BH_OK)
        goto fail;
    if (!(m = bh_emu_msg_add_locked(c))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        goto fail;
    }
    m->extra = extra;
    m->from_bot = 1;
    m->media = media;
    m->reply_markup = mc.reply_markup;
    free(mc.parse_mode);
    m->reply_to = reply_to;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    return;
fail:
    free(extra);
    free(media);
    bh_emu_content_free(&mc);
}

void bh_emu_send_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    json_object *loc, *o;
    int64_t live;
    if (!c || (live = need_live_period(p, r)) < 0 || !(loc = need_location(p, r)))
        return;
    if (live)
        json_object_object_add(loc, "live_period", json_object_new_int64(live));
    o = json_object_new_object();
    json_object_object_add(o, "location", loc);
    send_shown(e, c, p, o, r);
}

void bh_emu_send_venue(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *title, *address;
    json_object *loc, *o, *venue;
    if (!c || !(loc = need_location(p, r)))
        return;
    if (!(title = need_str(p, "title", r)) || !(address = need_str(p, "address", r))) {
        json_object_put(loc);
        return;
    }
    venue = json_object_new_object();
    json_object_object_add(venue, "location", json_object_get(loc));
    json_object_object_add(venue, "title", json_object_new_string(title));
    json_object_object_add(venue, "address", json_object_new_string(address));
    o = json_object_new_object();
    json_object_object_add(o, "venue", venue);
    json_object_object_add(o, "location", loc);
    send_shown(e, c, p, o, r);
}

void bh_emu_send_contact(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *phone, *first, *last;
    json_object *o, *contact;
    if (!c || !(phone = need_str(p, "phone_number", r)) || !(first = need_str(p, "first_name", r)))
        return;
    contact = json_object_new_object();
    json_object_object_add(contact, "phone_number", json_object_new_string(phone));
    json_object_object_add(contact, "first_name", json_object_new_string(first));
    if ((last = bh_emu_param_str(p, "last_name")) && *last)
        json_object_object_add(contact, "last_name", json_object_new_string(last));
    o = json_object_new_object();
    json_object_object_add(o, "contact", contact);
    send_shown(e, c, p, o, r);
}

void bh_emu_send_dice(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    static const struct {
        const char *emoji;
        int faces;
    } dice[] = {{"\xF0\x9F\x8E\xB2", 6}, {"\xF0\x9F\x8E\xAF", 6}, {"\xF0\x9F\x8F\x80", 5},
                {"\xE2\x9A\xBD", 5},     {"\xF0\x9F\x8E\xB3", 6}, {"\xF0\x9F\x8E\xB0", 64}};
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *emoji = bh_emu_param_str(p, "emoji");
    json_object *o, *d;
    size_t k = 0;
    if (!c)
        return;
    if (emoji && *emoji) {
        for (k = 0; k < sizeof dice / sizeof dice[0] && strcmp(dice[k].emoji, emoji); k++)
            ;
        if (k == sizeof dice / sizeof dice[0]) {
            bh_emu_reply_error(r, 400, "Bad Request: invalid dice emoji specified");
            return;
        }
    }
    d = json_object_new_object();
    json_object_object_add(d, "emoji", json_object_new_string(dice[k].emoji));
    json_object_object_add(d, "value",
                           json_object_new_int(1 + (int)(bh_emu_random_locked(e) * dice[k].faces)));
    o = json_object_new_object();
    json_object_object_add(o, "dice", d);
    send_shown(e, c, p, o, r);
}

/* The poll's options (InputPollOption objects or plain strings) as
 * PollOption objects, or NULL after answering the error. */
static json_object *need_poll_options(bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *in = bh_emu_param_json(p, "options", &bad), *out;
    size_t n = in && json_object_is_type(in, json_type_array) ? json_object_array_length(in) : 0;
    if (n < 2 || n > 10) {
        bh_emu_reply_error(r, 400, n > 10 ? "Bad Request: poll can't have more than 10 options"
                                          : "Bad Request: poll must have at least 2 option");
        json_object_put(in);
        return NULL;
    }
    out = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *it = json_object_array_get_idx(in, i), *t = it, *o = json_object_new_object();
        if (json_object_is_type(it, json_type_object))
            json_object_object_get_ex(it, "text", &t);
        json_object_object_add(o, "text", json_object_new_string(t ? json_object_get_string(t) : ""));
        json_object_object_add(o, "voter_count", json_object_new_int(0));
        json_object_array_add(out, o);
    }
    json_object_put(in);
    return out;
}

void bh_emu_send_poll(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *question = bh_emu_param_str(p, "question");
    json_object *opts, *poll, *o;
    char id[32];
    if (!c)
        return;
    if (!question || !*question) {
        bh_emu_reply_error(r, 400, "Bad Request: poll question must be non-empty");
        return;
    }
    if (!(opts = need_poll_options(p, r)))
        return;
    snprintf(id, sizeof id, "%" PRIu64, (uint64_t)(bh_emu_random_locked(e) * 1e15));
    poll = json_object_new_object();
    json_object_object_add(poll, "id", json_object_new_string(id));
    json_object_object_add(poll, "question", json_object_new_string(question));
    json_object_object_add(poll, "options", opts);
    json_object_object_add(poll, "total_voter_count", json_object_new_int(0));
    json_object_object_add(poll, "is_closed", json_object_new_boolean(0));
    json_object_object_add(poll, "is_anonymous", json_object_new_boolean(1));
    json_object_object_add(poll, "type", json_object_new_string("regular"));
    json_object_object_add(poll, "allows_multiple_answers", json_object_new_boolean(0));
    o = json_object_new_object();
    json_object_object_add(o, "poll", poll);
    send_shown(e, c, p, o, r);
}

/* The location of one of the bot's live locations, its message in *out;
 * NULL after answering the error. The caller puts the media object
 * (*media) the location belongs to. */
static json_object *need_live(bh_emu *e, bh_emu_params *p, bh_emu_chat **c, bh_emu_msg **out,
                              json_object **media, bh_emu_reply *r)
{
    bh_emu_msg *m = bh_emu_need_own_msg(e, p, c, r);
    json_object *loc;
    *media = m && m->media ? json_tokener_parse(m->media) : NULL;
    if (!m)
        return NULL;
    if (!*media || !json_object_object_get_ex(*media, "location", &loc) ||
        !json_object_object_get_ex(loc, "live_period", NULL)) {
        json_object_put(*media);
        *media = NULL;
        bh_emu_reply_error(r, 400, "Bad Request: message can't be edited");
        return NULL;
    }
    *out = m;
    return loc;
}

/* Stores media (taken) as what m shows and answers m. */
static void store_live(bh_emu *e, bh_emu_chat *c, bh_emu_msg *m, json_object *media, bh_emu_reply *r)
{
    char *text = bh_emu_json_text(media);
    json_object_put(media);
    if (!text) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    free(m->media);
    m->media = text;
    m->edited = 1;
    m->edit_date = (int64_t)time(NULL);
    e->stats.edits++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}

/* editMessageLiveLocation: the live location moves. */
void bh_emu_edit_message_live_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m = NULL;
    json_object *media, *loc = need_live(e, p, &c, &m, &media, r), *to;
    if (!loc)
        return;
    if (!(to = need_location(p, r))) {
        json_object_put(media);
        return;
    }
    json_object_object_add(loc, "latitude", json_object_get(json_object_object_get(to, "latitude")));
    json_object_object_add(loc, "longitude", json_object_get(json_object_object_get(to, "longitude")));
    json_object_put(to);
    store_live(e, c, m, media, r);
}

/* stopMessageLiveLocation: the location stays, no longer live. */
void bh_emu_stop_message_live_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    bh_emu_msg *m = NULL;
    json_object *media, *loc = need_live(e, p, &c, &m, &media, r);
    if (!loc)
        return;
    json_object_object_del(loc, "live_period");
    store_live(e, c, m, media, r);
}
