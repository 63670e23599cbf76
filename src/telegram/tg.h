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
/* ---- Building JSON (jsonput.c): keyboards, inline results ---- */

/* Sets o[key] to v, taking v (NULL: out of memory, which fails). Returns
 * 0, or -1 without memory (v is then released), so setters chain with ||. */
int bh_tg_put(json_object *o, const char *key, json_object *v);
/* The same for a new string (nothing is set for NULL v), a boolean, an
 * integer. */
int bh_tg_put_str(json_object *o, const char *key, const char *v);
int bh_tg_put_bool(json_object *o, const char *key, int v);
int bh_tg_put_int(json_object *o, const char *key, int64_t v);

/* ---- The client's insides (client.c), shared with download.c ---- */

#include <sys/types.h>

#define BH_TG_MAX_ANSWER ((size_t)32 << 20) /* a larger answer is not the Bot API */

struct bh_client {
    void *curl;              /* CURL * */
    struct curl_slist *headers;      /* JSON requests */
    struct curl_slist *mime_headers; /* multipart requests (libcurl sets the type) */
    char *token;
    char *prefix;            /* "<base>/bot<token>/": secret, never logged */
    size_t prefix_len;
    char *file_prefix;       /* "<base>/file/bot<token>/": secret too */
    char *url;               /* prefix + method, rebuilt per call */
    size_t url_cap;
    bh_client_options opt;
    pid_t pid;               /* creator: a client must not cross a fork */
    bh_api_error err;
    int64_t migrated_to;
    bh_limiter limiter;      /* .wait NULL when none */
    char curl_err[256];      /* CURL_ERROR_SIZE */
    char *body;              /* the answer of the current exchange */
    size_t body_len, body_cap;
    int body_too_large;
    json_tokener *tok;       /* reads the answers: made once, reset for each */
};

/* Fills c->err.description through the redaction filter. */
void bh_client_describe(bh_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Points the handle's answer writer back at c->body (after a download). */
void bh_tg_restore_writer(bh_client *c);

/* limiter.c: before one attempt of method (it waits only for sends), and
 * after a 429 (c->err holds its retry_after): calls into c's limiter. */
void bh_tg_limit_wait(bh_client *c, const char *method, json_object *params);
void bh_tg_limit_paused(bh_client *c, const char *method, json_object *params);

/* Checks that c may be used in this process (not across a fork). */
int bh_client_usable(bh_client *c);

/* ---- The parameter builder's insides (params.c), read by upload.c ---- */


/* One upload part of a multipart request: a file on disk (path) or bytes. */
typedef struct bh_tg_part {
    char *name;      /* the form field */
    bh_input_kind kind;
    char *path;      /* BH_INPUT_PATH */
    char *data;      /* BH_INPUT_MEMORY */
    size_t len;
    char *filename;  /* NULL: the path's base name */
} bh_tg_part;

struct bh_params {
    json_object *obj;  /* every parameter that is not an upload */
    bh_tg_part *parts;
    size_t nparts, capparts;
    unsigned next_attach;
    int rc;            /* the first setter's error, BH_OK if none */
    char err[256];
};

/* The multipart body of obj's fields and p's parts for curl (a CURL *),
 * or NULL when out of memory. The caller frees it with curl_mime_free. */
struct curl_mime;
struct curl_mime *bh_tg_mime_build(void *curl, json_object *obj, const bh_params *p);

/* ---- Shared by the typed methods (media.c, admin.c) ---- */

/* Calls method with p (freed) and parses its Message result into *out
 * (out may be NULL). */
int bh_tg_call_message(bh_client *c, const char *method, bh_params *p, bh_message **out);
/* Calls method with p (freed); its result must be a boolean. */
int bh_tg_call_true(bh_client *c, const char *method, bh_params *p);
/* A new parameter builder, or NULL when out of memory. */
bh_params *bh_tg_params_new(void);
/* Builds item i of items into *out (a new reference) for
 * bh_tg_params_array: BH_OK, or the item's error (BH_EINVAL for an item
 * that is not valid; an error of p's, which p already keeps). */
typedef int (*bh_tg_item_fn)(bh_params *p, const void *items, size_t i, json_object **out);
/* Sets key of p to the JSON array of the n items that item builds from
 * items. The first error (no memory, an item's) stays in p, named by key
 * and index, so the call p goes with returns it before anything is sent.
 * Returns p's error so far. */
int bh_tg_params_array(bh_params *p, const char *key, const void *items, size_t n,
                       bh_tg_item_fn item);
/* The InputMedia object of m (a new reference), its file attached to p
 * (an upload as an attach:// part); NULL on error, which p keeps. */
json_object *bh_tg_input_media(bh_params *p, const bh_input_media *m);
/* Reads a ChatMember object into *out (which takes a reference on obj).
 * Returns BH_OK or BH_EPROTO. */
int bh_tg_member_parse(json_object *obj, bh_chat_member *out);
/* The ChatPermissions object of perm (a new reference, NULL if no memory). */
json_object *bh_tg_permissions_json(const bh_chat_permissions *perm);
/* The ChatAdministratorRights object of r (a new reference, NULL if no memory). */
json_object *bh_tg_rights_json(const bh_admin_rights *r);
/* Calls method with p (freed; may be NULL); its result must be of type
 * want, and *out (may be NULL) receives it (a new reference). */
int bh_tg_call_typed(bh_client *c, const char *method, bh_params *p, json_type want,
                     json_object **out);
/* The JSON array of a NULL-terminated list of strings (a new reference;
 * NULL if no memory). */
json_object *bh_tg_string_array(const char *const *list);
/* The object {"type": type, key: f} with f attached to p (an upload as an
 * attach:// part, of at most max bytes): InputProfilePhoto,
 * InputStoryContent, InputPaidMedia. A new reference, or NULL (p keeps
 * the error; BH_ENOMEM when p has none). */
json_object *bh_tg_typed_file(bh_params *p, const char *type, const char *key,
                              const bh_input_file *f, int64_t max);
/* Sets key of p to the JSON array of the n ids; p's error so far. */
int bh_tg_params_ids(bh_params *p, const char *key, const int64_t *ids, size_t n);
/* Adds the options of a send to p; returns p's error so far. */
int bh_tg_send_options(bh_params *p, const bh_send_options *opt);

#endif
