/*
 * Private helpers of the telegram layer, shared by its files.
 */
#ifndef BH_TELEGRAM_TG_H
#define BH_TELEGRAM_TG_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/clock.h"
#include "bothive/telegram.h"

/* Sets *out to obj[key] if that is a JSON integer and returns 1; returns 0
 * (and leaves *out alone) if it is absent or of another type. */
int bh_tg_get_int64(json_object *obj, const char *key, int64_t *out);

/* obj[key] if it is a JSON string (pointer into obj), else NULL. */
const char *bh_tg_get_str(json_object *obj, const char *key);

/* obj[key] if it is a JSON boolean: 1 for true, 0 for false or absent. */
int bh_tg_get_bool(json_object *obj, const char *key);

/* Copies `in` to `out` (size outsz, always NUL-terminated, cut if needed),
 * replacing every occurrence of the token, and of its secret part after
 * ':', by "<token>", so that text from elsewhere (libcurl, a server) can be
 * logged or stored in an error message without leaking the token. */
void bh_tg_redact(const char *token, const char *in, size_t inlen, char *out, size_t outsz);

/* Milliseconds on the monotonic clock. */


/* ---- Lazy views (json.c): reading fields as the views need them ---- */

/* obj[key] if it is a JSON string without a NUL byte (a string cut at an
 * escaped \u0000 would silently lose its end), else NULL; *len (if not
 * NULL) its length in bytes. */
const char *bh_tg_get_text(json_object *obj, const char *key, size_t *len);

/* obj[key] if it is a JSON object (borrowed), else NULL. */
json_object *bh_tg_get_obj(json_object *obj, const char *key);

/* obj[key] if it is a JSON array (borrowed), else NULL. */
json_object *bh_tg_get_arr(json_object *obj, const char *key);

/* obj[key] as a double if it is a JSON number (an integer too), else 0. */
double bh_tg_get_double(json_object *obj, const char *key);

/* obj[key] as an integer, 0 if absent or of another type. */
int64_t bh_tg_int(json_object *obj, const char *key);

/* Fills *u (borrowing, no reference) from a User object; BH_ENOTFOUND
 * (and *u zeroed) if obj is not one. first_name is "" if absent. */
int bh_tg_user_view(json_object *obj, bh_user *u);

/* Fills *c from a Chat object the same way; type is "" if absent. */
int bh_tg_chat_view(json_object *obj, bh_chat *c);

/* Fills *l from a Location object; BH_ENOTFOUND if not one. */
int bh_tg_location_view(json_object *obj, bh_location *l);

#endif
