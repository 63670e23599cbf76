/*
 * Writing the fields of JSON objects the client builds (keyboards, inline
 * results): each setter takes care of json-c's ownership rules, so that a
 * failure leaks nothing and the caller can chain setters with ||.
 */
#include "telegram/tg.h"

int bh_tg_put(json_object *o, const char *key, json_object *v)
{
    if (!v || json_object_object_add(o, key, v)) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

int bh_tg_put_str(json_object *o, const char *key, const char *v)
{
    return v ? bh_tg_put(o, key, json_object_new_string(v)) : 0;
}

int bh_tg_put_bool(json_object *o, const char *key, int v)
{
    return bh_tg_put(o, key, json_object_new_boolean(v != 0));
}

int bh_tg_put_int(json_object *o, const char *key, int64_t v)
{
    return bh_tg_put(o, key, json_object_new_int64(v));
}
