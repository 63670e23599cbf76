/*
 * Request parameters of the emulator. The Bot API accepts the same method
 * parameters in a query string, a form body or a JSON body; all of them are
 * folded into one json-c object so that the methods read them one way. Query
 * and form values stay strings (as Telegram receives them), JSON values keep
 * their types, and the accessors accept both.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

bh_emu_params *bh_emu_params_new(void)
{
    return json_object_new_object();
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes one application/x-www-form-urlencoded component of n bytes into a
 * malloc'd string ('+' is a space, %XX a byte). A malformed escape is kept
 * literally, as lenient servers do. Returns NULL only when out of memory. */
static char *urldecode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t j = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[j++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
                   hexval((unsigned char)s[i + 2]) >= 0) {
            out[j++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
                              hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

/* Adds the pairs of a form body (name=value&...) to p as strings; later
 * values replace earlier ones. Returns BH_OK or BH_ENOMEM. */
int bh_emu_params_add_form(bh_emu_params *p, const char *body, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t end = i, eq;
        while (end < len && body[end] != '&')
            end++;
        eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        if (eq > i) {
            char *name = urldecode(body + i, eq - i);
            char *value = urldecode(body + (eq < end ? eq + 1 : end),
                                           eq < end ? end - eq - 1 : 0);
            if (!name || !value) {
                free(name);
                free(value);
                return BH_ENOMEM;
            }
            json_object_object_add(p, name, json_object_new_string(value));
            free(name);
            free(value);
        }
        i = end + 1;
    }
    return BH_OK;
}

/* Adds the members of a JSON object body to p, keeping their types.
 * Returns BH_OK, or BH_EJSON when the body is not a JSON object. */
int bh_emu_params_add_json(bh_emu_params *p, const char *body, size_t len)
{
    json_tokener *tok;
    json_object *o;
    int ok;
    if (len > INT32_MAX)
        return BH_EJSON;
    tok = json_tokener_new();
    if (!tok)
        return BH_ENOMEM;
    o = json_tokener_parse_ex(tok, body, (int)len);
    ok = o && json_tokener_get_error(tok) == json_tokener_success &&
         json_object_is_type(o, json_type_object);
    /* Whitespace may follow the object; anything else makes it malformed. */
    for (size_t i = ok ? json_tokener_get_parse_end(tok) : len; i < len; i++)
        if (!isspace((unsigned char)body[i]))
            ok = 0;
    json_tokener_free(tok);
    if (!ok) {
        json_object_put(o);
        return BH_EJSON;
    }
    json_object_object_foreach(o, key, val)
        json_object_object_add(p, key, json_object_get(val));
    json_object_put(o);
    return BH_OK;
}

/* The multipart delimiter ("--" and the boundary) from the Content-Type
 * ct into delim. Returns its length, or 0 when ct has no usable boundary. */
static size_t multipart_delim(const char *ct, char *delim, size_t size)
{
    const char *b = strcasestr(ct, "boundary=");
    size_t blen;
    if (!b)
        return 0;
    b += 9;
    if (*b == '"') {
        b++;
        blen = strcspn(b, "\"");
    } else {
        blen = strcspn(b, "; \t");
    }
    if (blen == 0 || blen > 200)
        return 0;
    return (size_t)snprintf(delim, size, "--%.*s", (int)blen, b);
}

/* Adds the field of one part (its headers from hdr to hend, its value from
 * value to vend) to p, when its headers name it. Returns BH_OK or BH_ENOMEM. */
static int add_part(bh_emu_params *p, const char *hdr, const char *hend, const char *value,
                    const char *vend)
{
    const char *name = memmem(hdr, (size_t)(hend - hdr), "name=\"", 6), *nb, *ne;
    char *key;
    /* Skip "filename=": only the field name counts. */
    while (name && name > hdr && (name[-1] != ' ' && name[-1] != ';'))
        name = memmem(name + 6, (size_t)(hend - name - 6), "name=\"", 6);
    if (!name)
        return BH_OK;
    nb = name + 6;
    ne = memchr(nb, '"', (size_t)(hend - nb));
    if (!ne || ne == nb)
        return BH_OK;
    if (!(key = strndup(nb, (size_t)(ne - nb))))
        return BH_ENOMEM;
    json_object_object_add(p, key, json_object_new_string_len(value, (int)(vend - value)));
    free(key);
    return BH_OK;
}

/* Adds the fields of a multipart/form-data body to p as strings. The
 * boundary comes from the Content-Type `ct`. Bot API calls are read as
 * they arrive by form.c, which keeps file parts as uploads; this reader of
 * a whole body is what remains when form.c cannot start (a Content-Type
 * without a usable boundary), and answers its error. Returns BH_OK, or
 * BH_EINVAL when there is no boundary or the body does not follow it. */
int bh_emu_params_add_multipart(bh_emu_params *p, const char *ct, const char *body, size_t len)
{
    char delim[256];
    size_t dlen = multipart_delim(ct, delim, sizeof delim);
    const char *pos = dlen ? memmem(body, len, delim, dlen) : NULL, *end = body + len;
    if (!pos)
        return BH_EINVAL;
    for (;;) {
        const char *hdr = pos + dlen, *hend, *next;
        int rc;
        if (end - hdr >= 2 && hdr[0] == '-' && hdr[1] == '-')
            return BH_OK;  /* the closing delimiter */
        if (end - hdr < 2 || hdr[0] != '\r' || hdr[1] != '\n')
            return BH_EINVAL;
        hdr += 2;
        hend = memmem(hdr, (size_t)(end - hdr), "\r\n\r\n", 4);
        if (!hend)
            return BH_EINVAL;
        next = memmem(hend + 4, (size_t)(end - hend - 4), delim, dlen);
        if (!next || next - (hend + 4) < 2)
            return BH_EINVAL;
        /* The CRLF before the delimiter belongs to it. */
        if ((rc = add_part(p, hdr, hend, hend + 4, next - 2)) != BH_OK)
            return rc;
        pos = next;
    }
}

/* The parameter as text (numbers and booleans are printed), or NULL when it
 * is absent or null. The string lives as long as p. */
const char *bh_emu_param_str(bh_emu_params *p, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(p, name, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* Reads an integer parameter given as a JSON number or as decimal text.
 * Returns BH_OK, BH_ENOTFOUND when absent, empty or null, BH_EINVAL when it
 * is not an integer. */
int bh_emu_param_int(bh_emu_params *p, const char *name, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(p, name, &v) || !v)
        return BH_ENOTFOUND;
    if (json_object_is_type(v, json_type_int)) {
        errno = 0;
        *out = json_object_get_int64(v);
        return errno ? BH_EINVAL : BH_OK;
    }
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        if (!*s)
            return BH_ENOTFOUND;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return BH_EINVAL;
        *out = x;
        return BH_OK;
    }
    return BH_EINVAL;
}

/* A boolean parameter: true for JSON true or the texts "true"/"1"
 * (any case); false when absent or anything else. */
int bh_emu_param_bool(bh_emu_params *p, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(p, name, &v) || !v)
        return 0;
    if (json_object_is_type(v, json_type_boolean))
        return json_object_get_boolean(v);
    if (json_object_is_type(v, json_type_int))
        return json_object_get_int64(v) != 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        return !strcasecmp(s, "true") || !strcmp(s, "1");
    }
    return 0;
}

/* A structured parameter (reply_markup, allowed_updates, commands): given
 * as JSON text in a query or form, or as a JSON value in a JSON body.
 * Returns a new reference (caller puts it), or NULL when absent; *bad is set
 * to 1 when it is present but not valid JSON. */
json_object *bh_emu_param_json(bh_emu_params *p, const char *name, int *bad)
{
    json_object *v;
    *bad = 0;
    if (!json_object_object_get_ex(p, name, &v) || !v)
        return NULL;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        json_tokener *tok = json_tokener_new();
        json_object *o;
        if (!tok) {
            *bad = 1;
            return NULL;
        }
        o = json_tokener_parse_ex(tok, s, (int)strlen(s));
        if (!o || json_tokener_get_error(tok) != json_tokener_success) {
            json_object_put(o);
            o = NULL;
            if (*s)
                *bad = 1;
        }
        json_tokener_free(tok);
        return o;
    }
    return json_object_get(v);
}

/* Length of n bytes of UTF-8 in UTF-16 code units: Telegram's measure of
 * text length. Invalid bytes count as one unit each. */
size_t bh_emu_utf16_len(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (i + len > n)
            len = 1;
        units += len == 4 ? 2 : 1;
        i += len;
    }
    return units;
}

/* A malloc'd copy of s without leading and trailing whitespace (Telegram
 * trims message texts before checking and storing them); NULL if no memory. */
char *bh_emu_trim(const char *s)
{
    size_t n;
    while (*s && isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

/* The compact JSON text of o, malloc'd; NULL if no memory. */
char *bh_emu_json_text(json_object *o)
{
    return strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
}
