/*
 * The table of the Bot API's methods (methods.def) as data the program can
 * read: each method's result type, parameters and typed wrapper, and the
 * check of a call's parameters against it. The client checks a call before
 * sending it, and the emulator checks what it receives, with the same
 * rules: so a method Telegram adds is a row here and both know it.
 *
 * The types are checked as the Bot API reads them: a form or query value
 * is a string, so "42" is an Integer and "true" a Boolean, and a JSON
 * parameter may come as its JSON text.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/telegram.h"

/* The wrappers have many signatures; the table keeps only that one exists,
 * and naming them here makes the linker prove it. */
#define BH_API_METHOD(name, result, params, wrapper) \
    {name, result, params, (bh_api_wrapper)(wrapper), #wrapper},
static const bh_api_method rows[] = {
#include "telegram/methods.def"
};

#define NROWS (sizeof rows / sizeof rows[0])

size_t bh_api_method_count(void)
{
    return NROWS;
}

const bh_api_method *bh_api_method_at(size_t i)
{
    return i < NROWS ? &rows[i] : NULL;
}

const bh_api_method *bh_api_method_find(const char *name)
{
    if (!name)
        return NULL;
    /* Method names are case-insensitive, as Telegram reads them. */
    for (size_t i = 0; i < NROWS; i++)
        if (!strcasecmp(rows[i].name, name))
            return &rows[i];
    return NULL;
}

int bh_api_param_next(const char **cursor, bh_api_param *out)
{
    const char *s = cursor ? *cursor : NULL, *colon;
    size_t n;
    if (!s || !out)
        return 0;
    while (*s == ' ')
        s++;
    if (!*s || !(colon = strchr(s, ':')))
        return 0;
    n = (size_t)(colon - s) < sizeof out->name - 1 ? (size_t)(colon - s) : sizeof out->name - 1;
    memcpy(out->name, s, n);
    out->name[n] = '\0';
    out->type = colon[1];
    out->required = colon[1] && colon[2] == '!';
    s = colon + (colon[1] ? 2 : 1) + out->required;
    *cursor = s;
    return 1;
}

int bh_api_method_param(const bh_api_method *m, const char *name, bh_api_param *out)
{
    const char *cur = m ? m->params : NULL;
    bh_api_param p;
    while (name && bh_api_param_next(&cur, &p)) {
        if (!strcmp(p.name, name)) {
            if (out)
                *out = p;
            return 1;
        }
    }
    return 0;
}

/* Whether s is a whole decimal integer (an optional sign, digits). */
static int int_text(const char *s)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return 0;
    (void)strtoll(s, &end, 10);
    return *end == '\0';
}

/* Whether s is a whole number (an integer or a decimal fraction). */
static int number_text(const char *s)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return 0;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* Whether s is the JSON text of an object or an array. */
static int json_text(const char *s)
{
    json_object *o = json_tokener_parse(s);
    int ok = json_object_is_type(o, json_type_object) || json_object_is_type(o, json_type_array);
    json_object_put(o);
    return ok;
}

int bh_api_value_ok(char type, json_object *v)
{
    json_type t = json_object_get_type(v);
    const char *s = t == json_type_string ? json_object_get_string(v) : NULL;
    switch (type) {
    case 'i':
        return t == json_type_int || (s && int_text(s));
    case 'n':
        return t == json_type_int || t == json_type_double || (s && number_text(s));
    case 's':
        return s || t == json_type_int || t == json_type_double;
    case 'b':
        return t == json_type_boolean || (t == json_type_int && json_object_get_int64(v) >= 0 &&
                                          json_object_get_int64(v) <= 1) ||
               (s && (!strcasecmp(s, "true") || !strcasecmp(s, "false") || !strcmp(s, "1") ||
                      !strcmp(s, "0")));
    case 'c':
        return t == json_type_int || (s && *s);
    case 'f':
        return s && *s;
    case 'j':
        return t == json_type_object || t == json_type_array || (s && json_text(s));
    default: /* 'u' is an upload: never a value */
        return 0;
    }
}

/* Whether name is one of the n names of uploads. */
static int is_upload(const char *name, const char *const *uploads, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (uploads[i] && !strcmp(uploads[i], name))
            return 1;
    return 0;
}

int bh_api_method_check(const bh_api_method *m, json_object *params, const char *const *uploads,
                        size_t nuploads, bh_api_param *bad)
{
    const char *cur;
    bh_api_param p;
    if (!m)
        return BH_EINVAL;
    cur = m->params;
    while (bh_api_param_next(&cur, &p)) {
        json_object *v = NULL;
        int up = is_upload(p.name, uploads, nuploads);
        int has = json_object_object_get_ex(params, p.name, &v) && v;
        int ok;
        if (!has && !up) {
            if (!p.required)
                continue;
            ok = 0;
        } else {
            /* An upload is a file: it fits f and u, and nothing else. */
            ok = up ? (p.type == 'f' || p.type == 'u') : bh_api_value_ok(p.type, v);
        }
        if (!ok) {
            if (bad) {
                *bad = p;
                bad->required = !has && !up; /* now: 1 when absent, 0 when of the wrong type */
            }
            return BH_EINVAL;
        }
    }
    return BH_OK;
}

const char *bh_api_type_name(char type)
{
    switch (type) {
    case 'i': return "an Integer";
    case 'n': return "a Float";
    case 's': return "a String";
    case 'b': return "a Boolean";
    case 'c': return "an Integer or a String (@username)";
    case 'f': return "a file (an upload, a file_id or a URL)";
    case 'u': return "an uploaded file";
    case 'j': return "a JSON object or array";
    default: return "of an unknown type";
    }
}
