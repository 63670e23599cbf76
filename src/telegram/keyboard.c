/*
 * The inline keyboard builder: a reply_markup object built row by row.
 * The limits checked are the Bot API's, so that a bad button is reported
 * here, at the line that made it, rather than as a 400 from the server.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/telegram.h"

#define BH_CALLBACK_DATA_MAX 64

struct bh_keyboard {
    json_object *markup; /* {"inline_keyboard": rows} */
    json_object *rows;   /* borrowed from markup */
};

int bh_keyboard_new(bh_keyboard **out)
{
    bh_keyboard *k;
    if (!out)
        return BH_EINVAL;
    *out = NULL;
    k = calloc(1, sizeof *k);
    if (!k)
        return BH_ENOMEM;
    k->markup = json_object_new_object();
    k->rows = json_object_new_array();
    if (!k->markup || !k->rows || json_object_object_add(k->markup, "inline_keyboard", k->rows)) {
        json_object_put(k->rows);
        json_object_put(k->markup);
        free(k);
        return BH_ENOMEM;
    }
    *out = k;
    return BH_OK;
}

void bh_keyboard_free(bh_keyboard *k)
{
    if (!k)
        return;
    json_object_put(k->markup);
    free(k);
}

int bh_keyboard_row(bh_keyboard *k)
{
    if (!k)
        return BH_EINVAL;
    json_object *row = json_object_new_array();
    if (!row || json_object_array_add(k->rows, row)) {
        json_object_put(row);
        return BH_ENOMEM;
    }
    return BH_OK;
}

/* Appends button (consumed) to the last row, opening the first row if
 * there is none yet. */
static int bh_keyboard_add(bh_keyboard *k, json_object *button)
{
    size_t n = json_object_array_length(k->rows);
    if (!n) {
        int rc = bh_keyboard_row(k);
        if (rc != BH_OK) {
            json_object_put(button);
            return rc;
        }
        n = 1;
    }
    json_object *row = json_object_array_get_idx(k->rows, n - 1);
    if (json_object_array_add(row, button)) {
        json_object_put(button);
        return BH_ENOMEM;
    }
    return BH_OK;
}

static int bh_keyboard_button(bh_keyboard *k, const char *text, const char *key, const char *val)
{
    json_object *b = json_object_new_object();
    json_object *t = json_object_new_string(text);
    json_object *v = json_object_new_string(val);
    if (!b || !t || !v) {
        json_object_put(b);
        json_object_put(t);
        json_object_put(v);
        return BH_ENOMEM;
    }
    json_object_object_add(b, "text", t);
    json_object_object_add(b, key, v);
    return bh_keyboard_add(k, b);
}

int bh_keyboard_button_callback(bh_keyboard *k, const char *text, const char *data)
{
    if (!k || !text || !*text || !data || !*data || strlen(data) > BH_CALLBACK_DATA_MAX)
        return BH_EINVAL;
    return bh_keyboard_button(k, text, "callback_data", data);
}

int bh_keyboard_button_url(bh_keyboard *k, const char *text, const char *url)
{
    if (!k || !text || !*text || !url || !*url)
        return BH_EINVAL;
    return bh_keyboard_button(k, text, "url", url);
}

json_object *bh_keyboard_json(const bh_keyboard *k)
{
    return k ? k->markup : NULL;
}
