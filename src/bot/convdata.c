/*
 * A conversation's data: typed key/values kept in the step's JSON object
 * as {"t": type, "v": value}, so that a value reads back with the type it
 * was stored with (an int64 stays an integer, bytes stay bytes: hex). The
 * object is published with the state at the end of the step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "store/backend.h" /* bh_value_check */

static json_object *hex_of(const unsigned char *p, size_t n)
{
    char *s = malloc(2 * n + 1);
    json_object *o;

    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02x", p[i]);
    s[2 * n] = '\0';
    o = json_object_new_string(s);
    free(s);
    return o;
}

static json_object *encode(const bh_value *v)
{
    switch (v->type) {
    case BH_NIL: return NULL;
    case BH_BOOL: return json_object_new_boolean(v->u.b != 0);
    case BH_INT: return json_object_new_int64(v->u.i);
    case BH_DOUBLE: return json_object_new_double(v->u.d);
    case BH_STR:
    case BH_JSON: return json_object_new_string_len(v->u.s.data, (int)v->u.s.len);
    case BH_BYTES: return hex_of(v->u.s.data, v->u.s.len);
    }
    return NULL;
}

int bh_conversation_set(bh_ctx *ctx, const char *key, const bh_value *v)
{
    json_object *data = bh_conv_data(ctx), *e, *val;
    int rc;

    if (!data || !key || !*key || !v)
        return BH_EINVAL;
    /* The store's own checks: the value is its len bytes (no NUL needed
     * after them), within BH_VALUE_MAX, a string without NUL, JSON whole. */
    if ((rc = bh_value_check(v)) != BH_OK)
        return rc;
    val = encode(v);
    if ((v->type != BH_NIL && !val) || !(e = json_object_new_object())) {
        json_object_put(val);
        return BH_ENOMEM;
    }
    json_object_object_add(e, "t", json_object_new_int(v->type));
    json_object_object_add(e, "v", val);
    json_object_object_add(data, key, e);
    return BH_OK;
}

/* The length of e's value v for type t (strings, bytes: their text), or
 * -1 when the text is not what set wrote for t (bytes: lowercase hex). */
static long long text_len(json_object *v, bh_type t)
{
    size_t n;

    if (!json_object_is_type(v, json_type_string))
        return -1;
    n = (size_t)json_object_get_string_len(v);
    if (t == BH_BYTES && (n % 2 || strspn(json_object_get_string(v), "0123456789abcdef") != n))
        return -1;
    return (long long)n;
}

/* The text of a string, JSON or bytes value v of type t into out
 * (malloc'd, NUL-terminated). */
static int decode_text(json_object *v, bh_type t, bh_value *out)
{
    long long n = text_len(v, t);
    const char *s = json_object_get_string(v);

    if (n < 0)
        return BH_ECORRUPT;
    if (t == BH_BYTES)
        n /= 2;
    if (!(out->u.s.data = malloc((size_t)n + 1)))
        return BH_ENOMEM;
    if (t == BH_BYTES)
        for (long long i = 0; i < n; i++)
            sscanf(s + 2 * i, "%2hhx", &((unsigned char *)out->u.s.data)[i]);
    else
        memcpy(out->u.s.data, s, (size_t)n);
    ((char *)out->u.s.data)[n] = '\0';
    out->u.s.len = (size_t)n;
    return BH_OK;
}

/* Decodes e into out (strings and bytes malloc'd). The record comes from
 * the store, written by set; anything else there is BH_ECORRUPT, never a
 * value of a type that does not exist or bytes left unset. */
static int decode(json_object *e, bh_value *out)
{
    json_object *t, *v;

    if (!json_object_object_get_ex(e, "t", &t) || !json_object_object_get_ex(e, "v", &v) ||
        !json_object_is_type(t, json_type_int) || json_object_get_int(t) < BH_NIL ||
        json_object_get_int(t) > BH_JSON)
        return BH_ECORRUPT;
    out->type = (bh_type)json_object_get_int(t);
    switch (out->type) {
    case BH_NIL: return BH_OK;
    case BH_BOOL: out->u.b = json_object_get_boolean(v); return BH_OK;
    case BH_INT: out->u.i = json_object_get_int64(v); return BH_OK;
    case BH_DOUBLE: out->u.d = json_object_get_double(v); return BH_OK;
    default: return decode_text(v, out->type, out);
    }
}

int bh_conversation_get(bh_ctx *ctx, const char *key, bh_value *out)
{
    json_object *data = bh_conv_data(ctx), *e;
    int rc;

    if (!data || !key || !*key || !out)
        return BH_EINVAL;
    if (!json_object_object_get_ex(data, key, &e))
        return BH_ENOTFOUND;
    memset(out, 0, sizeof *out);
    if ((rc = decode(e, out)) != BH_OK)
        memset(out, 0, sizeof *out); /* nothing for the caller to free */
    return rc;
}

int bh_conversation_delete(bh_ctx *ctx, const char *key)
{
    json_object *data = bh_conv_data(ctx);

    if (!data || !key || !*key)
        return BH_EINVAL;
    if (!json_object_object_get_ex(data, key, NULL))
        return BH_ENOTFOUND;
    json_object_object_del(data, key);
    return BH_OK;
}

int bh_conversation_set_int(bh_ctx *ctx, const char *key, int64_t v)
{
    bh_value val = bh_value_int(v);
    return bh_conversation_set(ctx, key, &val);
}

int bh_conversation_set_str(bh_ctx *ctx, const char *key, const char *s)
{
    bh_value val;
    if (!s)
        return BH_EINVAL;
    val = bh_value_str(s);
    return bh_conversation_set(ctx, key, &val);
}

/* Reads key, which must have type t. */
static int get_typed(bh_ctx *ctx, const char *key, bh_type t, bh_value *v)
{
    int rc = bh_conversation_get(ctx, key, v);
    if (rc == BH_OK && v->type != t) {
        bh_value_free(v);
        return BH_ETYPE;
    }
    return rc;
}

int bh_conversation_get_int(bh_ctx *ctx, const char *key, int64_t *out)
{
    bh_value v;
    int rc;

    if (!out)
        return BH_EINVAL;
    if ((rc = get_typed(ctx, key, BH_INT, &v)) == BH_OK)
        *out = v.u.i;
    return rc;
}

int bh_conversation_get_str(bh_ctx *ctx, const char *key, char **out)
{
    bh_value v;
    int rc;

    if (!out)
        return BH_EINVAL;
    if ((rc = get_typed(ctx, key, BH_STR, &v)) == BH_OK)
        *out = v.u.s.data;
    return rc;
}
