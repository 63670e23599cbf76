/*
 * bothive: the table of the Bot API's methods, part of the client of
 * telegram.h (botapi.h includes this header; include any of them).
 */
#ifndef BOTHIVE_APITABLE_H
#define BOTHIVE_APITABLE_H

#include <stddef.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The table of every method ------------------------------------------- */
/*
 * One row per method of the Bot API (src/telegram/methods.def): its result
 * type, its parameters and its typed wrapper. bh_client_call_params checks
 * a call to a method of the table against its row before sending anything
 * (a method not in the table goes as it is, so one Telegram adds is
 * reachable at once); `bothive emu` validates what it receives with it.
 */
typedef void (*bh_api_wrapper)(void);

typedef struct bh_api_method {
    const char *name;       /* "sendMessage" */
    const char *result;     /* "Message", "True", "Message|True", "MessageId[]", ... */
    const char *params;     /* "chat_id:c! text:s! parse_mode:s ...": read with bh_api_param_next */
    bh_api_wrapper wrapper; /* the typed wrapper (cast: call it through its own
                             * prototype), NULL when reached through bh_params only */
    const char *wrapper_name; /* its name, "NULL" when none */
} bh_api_method;

typedef struct bh_api_param {
    char name[64];
    char type;    /* i Integer, n Float, s String, b Boolean, c chat id (Integer
                   * or @username), f file (upload, file_id or URL), u upload
                   * only, j JSON object or array */
    int required;
} bh_api_param;

/** The number of methods in the table (every method of the Bot API). */
size_t bh_api_method_count(void);
/** Row i (0..count-1) in the Bot API's order, or NULL past the end. */
const bh_api_method *bh_api_method_at(size_t i);
/** The row of method name (case-insensitive, as Telegram), or NULL. */
const bh_api_method *bh_api_method_find(const char *name);
/** Reads the next parameter of a row's params at *cursor (start it at
 *  m->params) into *out. Returns 1, or 0 at the end. */
int bh_api_param_next(const char **cursor, bh_api_param *out);
/** Whether m takes parameter name (1, its description in *out if not NULL) or not (0). */
int bh_api_method_param(const bh_api_method *m, const char *name, bh_api_param *out);
/** Whether v is a value of type (a type letter above) as the Bot API reads it
 *  (a string holding an integer is an Integer; "true" a Boolean; JSON text
 *  a JSON value). An upload is never a value: see bh_api_method_check. */
int bh_api_value_ok(char type, json_object *v);
/**
 * Checks params (an object; NULL for none) and the uploads (nuploads names
 * of uploaded parts) against m's row: every required parameter present,
 * every known one of its type (unknown names are left alone, as Telegram
 * ignores them). On failure *bad (may be NULL) names the parameter, with
 * bad->required 1 when it is missing and 0 when of the wrong type.
 * Errors: BH_EINVAL (NULL m, or a parameter that fails).
 */
int bh_api_method_check(const bh_api_method *m, json_object *params, const char *const *uploads,
                        size_t nuploads, bh_api_param *bad);
/** "an Integer", "a String", ... for a type letter (for messages). */
const char *bh_api_type_name(char type);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_APITABLE_H */
