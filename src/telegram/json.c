/*
 * Reading the fields of Bot API objects for the lazy views: every getter
 * checks the JSON type, so a field of the wrong type reads as absent
 * instead of as garbage, and no getter allocates.
 */
#include <string.h>

#include "telegram/tg.h"

static json_object *bh_tg_field(json_object *obj, const char *key, json_type type)
{
    json_object *v;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* A string with an embedded NUL would be read by C code only up to it, so
 * the rest would vanish without a word: such a string reads as absent. */
const char *bh_tg_get_text(json_object *obj, const char *key, size_t *len)
{
    json_object *v = bh_tg_field(obj, key, json_type_string);
    const char *s;
    size_t n;

    if (!v)
        return NULL;
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', n))
        return NULL;
    if (len)
        *len = n;
    return s;
}

json_object *bh_tg_get_obj(json_object *obj, const char *key)
{
    return bh_tg_field(obj, key, json_type_object);
}

json_object *bh_tg_get_arr(json_object *obj, const char *key)
{
    return bh_tg_field(obj, key, json_type_array);
}

double bh_tg_get_double(json_object *obj, const char *key)
{
    json_object *v = bh_tg_field(obj, key, json_type_double);
    if (!v)
        v = bh_tg_field(obj, key, json_type_int);
    return v ? json_object_get_double(v) : 0.0;
}

int64_t bh_tg_int(json_object *obj, const char *key)
{
    int64_t v = 0;
    bh_tg_get_int64(obj, key, &v);
    return v;
}

int bh_tg_user_view(json_object *obj, bh_user *u)
{
    memset(u, 0, sizeof *u);
    if (!bh_tg_get_int64(obj, "id", &u->id))
        return BH_ENOTFOUND;
    u->is_bot = bh_tg_get_bool(obj, "is_bot");
    u->first_name = bh_tg_get_text(obj, "first_name", NULL);
    if (!u->first_name)
        u->first_name = "";
    u->last_name = bh_tg_get_text(obj, "last_name", NULL);
    u->username = bh_tg_get_text(obj, "username", NULL);
    u->language_code = bh_tg_get_text(obj, "language_code", NULL);
    u->json = obj;
    return BH_OK;
}

int bh_tg_chat_view(json_object *obj, bh_chat *c)
{
    memset(c, 0, sizeof *c);
    if (!bh_tg_get_int64(obj, "id", &c->id))
        return BH_ENOTFOUND;
    c->type = bh_tg_get_text(obj, "type", NULL);
    if (!c->type)
        c->type = "";
    c->title = bh_tg_get_text(obj, "title", NULL);
    c->username = bh_tg_get_text(obj, "username", NULL);
    c->first_name = bh_tg_get_text(obj, "first_name", NULL);
    return BH_OK;
}

static int bh_tg_is_number(json_object *obj, const char *key)
{
    return bh_tg_field(obj, key, json_type_double) || bh_tg_field(obj, key, json_type_int);
}

int bh_tg_location_view(json_object *obj, bh_location *l)
{
    memset(l, 0, sizeof *l);
    if (!bh_tg_is_number(obj, "latitude") || !bh_tg_is_number(obj, "longitude"))
        return BH_ENOTFOUND;
    l->latitude = bh_tg_get_double(obj, "latitude");
    l->longitude = bh_tg_get_double(obj, "longitude");
    l->horizontal_accuracy = bh_tg_get_double(obj, "horizontal_accuracy");
    l->live_period = bh_tg_int(obj, "live_period");
    l->heading = bh_tg_int(obj, "heading");
    l->proximity_alert_radius = bh_tg_int(obj, "proximity_alert_radius");
    return BH_OK;
}
