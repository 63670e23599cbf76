/*
 * Private helpers of the telegram layer, shared by its files.
 */
#ifndef BH_TELEGRAM_TG_H
#define BH_TELEGRAM_TG_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/clock.h"

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

#endif
