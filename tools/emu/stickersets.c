/*
 * The bot's sticker sets in the emulator: created, filled, reordered,
 * renamed and deleted as Telegram does, and read back with getStickerSet.
 * They are kept as one JSON text (e->sticker_sets: {"<name>": StickerSet}),
 * as the world keeps no json-c objects between calls. A set's name must
 * end in "_by_<bot username>", as Telegram requires; a sticker's file is
 * an upload (attach://), a file_id or a URL, resolved as every file is
 * (files.c). The parameters' presence and types were checked from the
 * method table before (check.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

#define MAX_STICKERS 120

/* The sets (a new reference; an empty object when none). */
static json_object *sets_get(const bh_emu *e)
{
    json_object *o = e->sticker_sets ? json_tokener_parse(e->sticker_sets) : NULL;
    return o ? o : json_object_new_object();
}

/* Keeps o (consumed) as the sets. */
static void sets_put(bh_emu *e, json_object *o)
{
    free(e->sticker_sets);
    e->sticker_sets = bh_emu_json_text(o);
    json_object_put(o);
}

/* The set named by parameter "name" in sets (borrowed), or NULL after
 * answering Telegram's error. */
static json_object *need_set(bh_emu_params *p, json_object *sets, bh_emu_reply *r)
{
    const char *name = bh_emu_param_str(p, "name");
    json_object *set;
    if (!name || !json_object_object_get_ex(sets, name, &set)) {
        bh_emu_reply_error(r, 400, "Bad Request: STICKERSET_INVALID");
        return NULL;
    }
    return set;
}

/* The Sticker of InputSticker in for the set named set_name of type, or
 * NULL after answering the error. */
static json_object *sticker_of(bh_emu *e, bh_emu_params *p, json_object *in, const char *set_name,
                               const char *type, bh_emu_reply *r)
{
    json_object *v, *emoji, *s;
    const char *media = NULL, *format = NULL;
    bh_emu_file *f;
    if (json_object_is_type(in, json_type_object)) {
        media = json_object_object_get_ex(in, "sticker", &v) ? json_object_get_string(v) : NULL;
        format = json_object_object_get_ex(in, "format", &v) ? json_object_get_string(v) : NULL;
    }
    if (!media || !format || !json_object_object_get_ex(in, "emoji_list", &emoji) ||
        !json_object_is_type(emoji, json_type_array) || json_object_array_length(emoji) < 1) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse InputSticker JSON object");
        return NULL;
    }
    if (strcmp(format, "static") && strcmp(format, "animated") && strcmp(format, "video")) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong sticker format specified");
        return NULL;
    }
    if (!(f = bh_emu_resolve_file(e, p, media, "sticker", BH_EMU_MAX_UPLOAD, r)))
        return NULL;
    s = bh_emu_file_json(f);
    json_object_object_add(s, "type", json_object_new_string(type));
    json_object_object_add(s, "width", json_object_new_int(512));
    json_object_object_add(s, "height", json_object_new_int(512));
    json_object_object_add(s, "is_animated", json_object_new_boolean(!strcmp(format, "animated")));
    json_object_object_add(s, "is_video", json_object_new_boolean(!strcmp(format, "video")));
    json_object_object_add(s, "emoji", json_object_get(json_object_array_get_idx(emoji, 0)));
    json_object_object_add(s, "set_name", json_object_new_string(set_name));
    return s;
}

/* Whether name is a set name this bot may create: ends in "_by_<username>". */
static int name_ok(const bh_emu *e, const char *name)
{
    json_object *bot = bh_emu_bot_json(e), *u;
    char suffix[96];
    size_t n = strlen(name), k;
    snprintf(suffix, sizeof suffix, "_by_%s",
             json_object_object_get_ex(bot, "username", &u) ? json_object_get_string(u) : "");
    json_object_put(bot);
    k = strlen(suffix);
    return n > k && !strcmp(name + n - k, suffix);
}

void bh_emu_create_new_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *name = bh_emu_param_str(p, "name"), *type = bh_emu_param_str(p, "sticker_type");
    int bad;
    json_object *in = bh_emu_param_json(p, "stickers", &bad), *sets = sets_get(e), *set, *arr;
    size_t n = json_object_is_type(in, json_type_array) ? json_object_array_length(in) : 0;
    type = type && *type ? type : "regular";
    if (!name_ok(e, name)) {
        bh_emu_reply_error(r, 400, "Bad Request: invalid sticker set name is specified");
    } else if (json_object_object_get_ex(sets, name, NULL)) {
        bh_emu_reply_error(r, 400, "Bad Request: sticker set name is already occupied");
    } else if (n < 1 || n > 50) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse stickers JSON object");
    } else {
        set = json_object_new_object();
        arr = json_object_new_array();
        json_object_object_add(set, "name", json_object_new_string(name));
        json_object_object_add(set, "title", json_object_new_string(bh_emu_param_str(p, "title")));
        json_object_object_add(set, "sticker_type", json_object_new_string(type));
        json_object_object_add(set, "stickers", arr);
        for (size_t i = 0; set && i < n; i++) {
            json_object *s = sticker_of(e, p, json_object_array_get_idx(in, i), name, type, r);
            if (!s) {
                json_object_put(set);
                set = NULL;
            } else {
                json_object_array_add(arr, s);
            }
        }
        if (set) {
            json_object_object_add(sets, name, set);
            sets_put(e, json_object_get(sets));
            bh_emu_reply_ok(r, json_object_new_boolean(1));
        }
    }
    json_object_put(sets);
    json_object_put(in);
}

void bh_emu_add_sticker_to_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *sets = sets_get(e), *set = need_set(p, sets, r), *in = NULL, *arr, *type, *s;
    if (set && json_object_object_get_ex(set, "stickers", &arr) &&
        json_object_object_get_ex(set, "sticker_type", &type)) {
        in = bh_emu_param_json(p, "sticker", &bad);
        if (json_object_array_length(arr) >= MAX_STICKERS) {
            bh_emu_reply_error(r, 400, "Bad Request: STICKERS_TOO_MUCH");
        } else if ((s = sticker_of(e, p, in, bh_emu_param_str(p, "name"),
                                   json_object_get_string(type), r))) {
            json_object_array_add(arr, s);
            sets_put(e, json_object_get(sets));
            bh_emu_reply_ok(r, json_object_new_boolean(1));
        }
    }
    json_object_put(in);
    json_object_put(sets);
}

/* The set holding the sticker whose file_id is parameter "sticker", and
 * its index in *at; NULL after answering the error. */
static json_object *find_sticker(bh_emu_params *p, json_object *sets, size_t *at, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "sticker");
    json_object_object_foreach(sets, name, set) {
        json_object *arr, *v;
        (void)name;
        if (!json_object_object_get_ex(set, "stickers", &arr))
            continue;
        for (size_t i = 0; id && i < json_object_array_length(arr); i++) {
            if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "file_id", &v) &&
                !strcmp(json_object_get_string(v), id)) {
                *at = i;
                return set;
            }
        }
    }
    bh_emu_reply_error(r, 400, "Bad Request: STICKER_ID_INVALID");
    return NULL;
}

/* arr without its item at, and with that item put back at pos when pos
 * is not negative (a new array). */
static json_object *rearranged(json_object *arr, size_t at, int64_t pos)
{
    json_object *out = json_object_new_array(), *s = json_object_array_get_idx(arr, at);
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        if (i == at)
            continue;
        if (pos >= 0 && json_object_array_length(out) == (size_t)pos)
            json_object_array_add(out, json_object_get(s));
        json_object_array_add(out, json_object_get(json_object_array_get_idx(arr, i)));
    }
    if (pos >= 0 && json_object_array_length(out) == (size_t)pos)
        json_object_array_add(out, json_object_get(s));
    return out;
}

/* deleteStickerFromSet and setStickerPositionInSet: take the sticker out,
 * and put it back at position unless it is deleted. */
static void move_sticker(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, int delete)
{
    json_object *sets = sets_get(e), *arr;
    int64_t pos = -1;
    size_t at;
    json_object *set = find_sticker(p, sets, &at, r);
    if (set && json_object_object_get_ex(set, "stickers", &arr)) {
        if (!delete && (bh_emu_param_int(p, "position", &pos) != BH_OK || pos < 0 ||
                        (size_t)pos >= json_object_array_length(arr))) {
            bh_emu_reply_error(r, 400, "Bad Request: STICKER_POSITION_INVALID");
        } else {
            json_object_object_add(set, "stickers", rearranged(arr, at, delete ? -1 : pos));
            sets_put(e, json_object_get(sets));
            bh_emu_reply_ok(r, json_object_new_boolean(1));
        }
    }
    json_object_put(sets);
}

void bh_emu_delete_sticker_from_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    move_sticker(e, p, r, 1);
}

void bh_emu_set_sticker_position_in_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    move_sticker(e, p, r, 0);
}

void bh_emu_set_sticker_set_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *sets = sets_get(e), *set = need_set(p, sets, r);
    const char *title = bh_emu_param_str(p, "title");
    if (set && (!*title || strlen(title) > 64)) {
        bh_emu_reply_error(r, 400, "Bad Request: STICKERSET_TITLE_INVALID");
    } else if (set) {
        json_object_object_add(set, "title", json_object_new_string(title));
        sets_put(e, json_object_get(sets));
        bh_emu_reply_ok(r, json_object_new_boolean(1));
    }
    json_object_put(sets);
}

void bh_emu_delete_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *sets = sets_get(e);
    if (need_set(p, sets, r)) {
        json_object_object_del(sets, bh_emu_param_str(p, "name"));
        sets_put(e, json_object_get(sets));
        bh_emu_reply_ok(r, json_object_new_boolean(1));
    }
    json_object_put(sets);
}

void bh_emu_get_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *sets = sets_get(e), *set = need_set(p, sets, r);
    if (set)
        bh_emu_reply_ok(r, json_object_get(set));
    json_object_put(sets);
}
