/*
 * The emulator's answers, in the Bot API's shape: {"ok":true,"result":...}
 * or {"ok":false,"error_code":N,"description":"..."}, with the HTTP status
 * equal to error_code as Telegram does. The API and control handlers build
 * their answers here; http.c only sends what they built, so the HTTP side
 * sits on top of the handlers and nothing below it calls back up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

/* What is answered when even building the answer failed (out of memory):
 * a literal, so that it needs no allocation by json-c. */
#define BH_EMU_REPLY_INTERNAL_ERROR \
    "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}"

/* Sets the answer to status and the JSON text of o (NULL: no body yet),
 * replacing any earlier one. Takes the reference to o. */
void bh_emu_reply_json(bh_emu_reply *r, unsigned status, json_object *o)
{
    r->status = status;
    free(r->body);
    r->body = o ? bh_emu_json_text(o) : NULL;
    json_object_put(o);
}

/* {"ok":true,"result":result}; takes the reference to result. */
void bh_emu_reply_ok(bh_emu_reply *r, json_object *result)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "result", result);
    bh_emu_reply_json(r, 200, o);
}

/* {"ok":true,"result":true,"description":desc}: the webhook methods' answer. */
void bh_emu_reply_true_desc(bh_emu_reply *r, const char *desc)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "result", json_object_new_boolean(1));
    json_object_object_add(o, "description", json_object_new_string(desc));
    bh_emu_reply_json(r, 200, o);
}

/* The ok:false object with error_code equal to status (a new reference). */
static json_object *error_object(unsigned status, const char *description)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(0));
    json_object_object_add(o, "error_code", json_object_new_int((int)status));
    json_object_object_add(o, "description", json_object_new_string(description));
    return o;
}

/* The Bot API's error shape, with error_code equal to the HTTP status. */
void bh_emu_reply_error(bh_emu_reply *r, unsigned status, const char *description)
{
    bh_emu_reply_json(r, status, error_object(status, description));
}

/* 429 exactly as Telegram words it, with parameters.retry_after. */
void bh_emu_reply_retry_after(bh_emu_reply *r, int retry_after)
{
    char desc[64];
    json_object *o, *params = json_object_new_object();
    snprintf(desc, sizeof desc, "Too Many Requests: retry after %d", retry_after);
    o = error_object(429, desc);
    json_object_object_add(params, "retry_after", json_object_new_int(retry_after));
    json_object_object_add(o, "parameters", params);
    bh_emu_reply_json(r, 429, o);
}

/* An answer of status with the body text as given, not built from JSON:
 * for the fault that answers a truncated body. */
void bh_emu_reply_raw(bh_emu_reply *r, unsigned status, const char *body)
{
    r->status = status;
    free(r->body);
    r->body = strdup(body);
}

/* Makes sure r has a body to send: when a handler could not build one (out
 * of memory), the answer becomes the 500 error. Returns BH_EMU_REPLY_READY,
 * or BH_EMU_REPLY_NONE when not even that could be allocated. */
int bh_emu_reply_finish(bh_emu_reply *r)
{
    if (r->body)
        return BH_EMU_REPLY_READY;
    bh_emu_reply_raw(r, 500, BH_EMU_REPLY_INTERNAL_ERROR);
    return r->body ? BH_EMU_REPLY_READY : BH_EMU_REPLY_NONE;
}
