/* Update objects for tests (see updates.h). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "updates.h"

static json_object *id_object(int64_t id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(id));
    return o;
}

static json_object *photo_sizes(void)
{
    json_object *p = json_object_new_array(), *size = json_object_new_object();
    json_object_object_add(size, "file_id", json_object_new_string("f"));
    json_object_object_add(size, "file_unique_id", json_object_new_string("F"));
    json_object_object_add(size, "width", json_object_new_int(1));
    json_object_object_add(size, "height", json_object_new_int(1));
    json_object_array_add(p, size);
    return p;
}

char *bh_test_message_update(int64_t id, int64_t chat, int64_t user, const char *text,
                             int photo)
{
    json_object *u = json_object_new_object(), *m = json_object_new_object();
    json_object *c = id_object(chat), *f = id_object(user);
    char *s;

    json_object_object_add(c, "type", json_object_new_string(chat < 0 ? "group" : "private"));
    json_object_object_add(f, "is_bot", json_object_new_boolean(0));
    json_object_object_add(f, "first_name", json_object_new_string("U"));
    json_object_object_add(m, "message_id", json_object_new_int64(id));
    json_object_object_add(m, "date", json_object_new_int64(1700000000));
    json_object_object_add(m, "chat", c);
    json_object_object_add(m, "from", f);
    if (photo || !text)
        json_object_object_add(m, "photo", photo_sizes());
    if (text)
        json_object_object_add(m, photo ? "caption" : "text", json_object_new_string(text));
    json_object_object_add(u, "update_id", json_object_new_int64(id));
    json_object_object_add(u, "message", m);
    s = strdup(json_object_to_json_string(u));
    json_object_put(u);
    return s;
}
