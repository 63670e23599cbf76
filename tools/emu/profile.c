/*
 * The emulator's profile methods: the bot's name, description and short
 * description per language (set*, get*), a group's title and description,
 * its primary invite link, users' profile photos (none), logOut and close
 * (which a local emulator has nothing to do for).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* The limits of the texts, in UTF-16 units, as Telegram has them. */
static size_t text_limit(const char *field)
{
    return !strcmp(field, "name") ? 64 : !strcmp(field, "description") ? 512 : 120;
}

/* set{My}{Name,Description,ShortDescription}: field's text (absent or empty
 * removes it) for language_code ("" for every language). */
static void set_text(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *field)
{
    const char *text = bh_emu_param_str(p, field), *lang = bh_emu_param_str(p, "language_code");
    json_object *prof = e->profile ? json_tokener_parse(e->profile) : json_object_new_object(), *f;
    if (text && bh_emu_utf16_len(text, strlen(text)) > text_limit(field)) {
        json_object_put(prof);
        bh_emu_reply_error(r, 400, !strcmp(field, "name") ? "Bad Request: bot name is too long"
                                                           : "Bad Request: description is too long");
        return;
    }
    if (!json_object_object_get_ex(prof, field, &f)) {
        f = json_object_new_object();
        json_object_object_add(prof, field, f);
    }
    if (text && *text)
        json_object_object_add(f, lang ? lang : "", json_object_new_string(text));
    else
        json_object_object_del(f, lang ? lang : "");
    free(e->profile);
    e->profile = bh_emu_json_text(prof);
    json_object_put(prof);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* get...: {field: text} for language_code, falling back to every language. */
static void get_text(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *field)
{
    const char *lang = bh_emu_param_str(p, "language_code");
    json_object *prof = e->profile ? json_tokener_parse(e->profile) : NULL, *f, *v = NULL, *o;
    if (json_object_object_get_ex(prof, field, &f) &&
        !(lang && json_object_object_get_ex(f, lang, &v)))
        json_object_object_get_ex(f, "", &v);
    o = json_object_new_object();
    json_object_object_add(o, field, json_object_new_string(v ? json_object_get_string(v) : ""));
    json_object_put(prof);
    bh_emu_reply_ok(r, o);
}

void bh_emu_set_my_name(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    set_text(e, p, r, "name");
}

void bh_emu_get_my_name(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    get_text(e, p, r, "name");
}

void bh_emu_set_my_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    set_text(e, p, r, "description");
}

void bh_emu_get_my_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    get_text(e, p, r, "description");
}

void bh_emu_set_my_short_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    set_text(e, p, r, "short_description");
}

void bh_emu_get_my_short_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    get_text(e, p, r, "short_description");
}

/* A group named by chat_id, or NULL after answering. */
static bh_emu_chat *need_group(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && !strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: method is available for supergroup and channel chats only");
        return NULL;
    }
    return c;
}

/* setChatTitle: 1..128 characters. */
void bh_emu_set_chat_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    const char *t = bh_emu_param_str(p, "title");
    char *copy;
    if (!c)
        return;
    if (!t || !*t || bh_emu_utf16_len(t, strlen(t)) > 128) {
        bh_emu_reply_error(r, 400, t && *t ? "Bad Request: chat title is too long"
                                           : "Bad Request: chat title is empty");
        return;
    }
    if (c->title && !strcmp(c->title, t)) {
        bh_emu_reply_error(r, 400, "Bad Request: chat title is not modified");
        return;
    }
    if (!(copy = strdup(t))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    free(c->title);
    c->title = copy;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* setChatDescription: 0..255 characters (empty removes it). */
void bh_emu_set_chat_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    const char *d = bh_emu_param_str(p, "description");
    if (!c)
        return;
    if (d && bh_emu_utf16_len(d, strlen(d)) > 255) {
        bh_emu_reply_error(r, 400, "Bad Request: chat description is too long");
        return;
    }
    free(c->description);
    c->description = d && *d ? strdup(d) : NULL;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* exportChatInviteLink: a new primary link, as a string. */
void bh_emu_export_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    char url[64];
    if (!need_group(e, p, r))
        return;
    snprintf(url, sizeof url, "https://t.me/+emu%" PRIx64, (uint64_t)(bh_emu_random_locked(e) * 1e15));
    bh_emu_reply_ok(r, json_object_new_string(url));
}

/* getUserProfilePhotos: users of the emulator have no photos. */
void bh_emu_get_user_profile_photos(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    json_object *o;
    (void)e;
    if (bh_emu_param_int(p, "user_id", &user_id) != BH_OK || user_id <= 0) {
        bh_emu_reply_error(r, 400, "Bad Request: user not found");
        return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "total_count", json_object_new_int(0));
    json_object_object_add(o, "photos", json_object_new_array());
    bh_emu_reply_ok(r, o);
}

/* logOut and close: nothing to hand over or to close here. */
void bh_emu_log_out(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    (void)e;
    (void)p;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}
