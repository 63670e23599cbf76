/*
 * Typed values: constructors, comparison, validation and copying out.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

void bh_value_free(bh_value *v)
{
    if (!v)
        return;
    if (v->type == BH_STR || v->type == BH_BYTES || v->type == BH_JSON)
        free(v->u.s.data);
    memset(v, 0, sizeof *v);
}

bh_value bh_value_nil(void)
{
    return (bh_value){.type = BH_NIL};
}

bh_value bh_value_bool(int b)
{
    return (bh_value){.type = BH_BOOL, .u.b = b ? 1 : 0};
}

bh_value bh_value_int(int64_t i)
{
    return (bh_value){.type = BH_INT, .u.i = i};
}

bh_value bh_value_double(double d)
{
    return (bh_value){.type = BH_DOUBLE, .u.d = d};
}

bh_value bh_value_str(const char *s)
{
    return (bh_value){.type = BH_STR, .u.s = {(void *)s, s ? strlen(s) : 0}};
}

bh_value bh_value_bytes(const void *p, size_t len)
{
    return (bh_value){.type = BH_BYTES, .u.s = {(void *)p, len}};
}

bh_value bh_value_json(const char *text)
{
    return (bh_value){.type = BH_JSON, .u.s = {(void *)text, text ? strlen(text) : 0}};
}

int bh_value_equal(const bh_value *a, const bh_value *b)
{
    if (!a || !b || a->type != b->type)
        return 0;
    switch (a->type) {
    case BH_NIL: return 1;
    case BH_BOOL: return !a->u.b == !b->u.b;
    case BH_INT: return a->u.i == b->u.i;
    case BH_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof a->u.d) == 0;
    default:
        return a->u.s.len == b->u.s.len &&
               (a->u.s.len == 0 || memcmp(a->u.s.data, b->u.s.data, a->u.s.len) == 0);
    }
}

/* A whole JSON document, and nothing after it. */
static int json_valid(const char *text, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o;
    int ok;

    if (!tok)
        return BH_ENOMEM;
    o = json_tokener_parse_ex(tok, text, (int)len);
    ok = o && json_tokener_get_error(tok) == json_tokener_success &&
         json_tokener_get_parse_end(tok) == len;
    json_object_put(o);
    json_tokener_free(tok);
    return ok ? BH_OK : BH_EJSON;
}

int bh_value_check(const bh_value *v)
{
    switch (v->type) {
    case BH_NIL:
    case BH_BOOL:
    case BH_INT:
    case BH_DOUBLE:
        return BH_OK;
    case BH_STR:
    case BH_BYTES:
    case BH_JSON:
        break;
    default:
        return BH_EINVAL;
    }
    if (v->u.s.len && !v->u.s.data)
        return BH_EINVAL;
    if (v->u.s.len > BH_VALUE_MAX)
        return BH_ETOOBIG;
    if (v->type == BH_STR && v->u.s.len && memchr(v->u.s.data, 0, v->u.s.len))
        return BH_EINVAL;
    if (v->type == BH_JSON)
        return v->u.s.len ? json_valid(v->u.s.data, v->u.s.len) : BH_EJSON;
    return BH_OK;
}

/* Fills *out from stored bytes: scalars by value, the rest as a malloc'd,
 * NUL-terminated copy. */
int bh_value_copy_out(bh_type type, const void *data, size_t len, bh_value *out)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    switch (type) {
    case BH_NIL: return BH_OK;
    case BH_BOOL: out->u.b = *(const unsigned char *)data != 0; return BH_OK;
    case BH_INT: memcpy(&out->u.i, data, 8); return BH_OK;
    case BH_DOUBLE: memcpy(&out->u.d, data, 8); return BH_OK;
    default: break;
    }
    out->u.s.data = malloc(len + 1);
    if (!out->u.s.data) {
        out->type = BH_NIL;
        return BH_ENOMEM;
    }
    memcpy(out->u.s.data, data, len);
    ((char *)out->u.s.data)[len] = 0;
    out->u.s.len = len;
    return BH_OK;
}
