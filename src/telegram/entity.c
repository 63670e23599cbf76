/*
 * Entities and UTF-16: Telegram counts offsets and lengths of entities in
 * UTF-16 code units, while the text is UTF-8. A character outside the
 * Basic Multilingual Plane (most emoji) is one 4-byte UTF-8 sequence and
 * two UTF-16 units, so counting bytes or code points gets every entity
 * after such a character wrong.
 */
#include <stdint.h>
#include <string.h>

#include "telegram/tg.h"

/* The length in bytes of the UTF-8 character at s (left bytes remain) and
 * its width in UTF-16 units. A malformed sequence is one byte, one unit,
 * so that garbage input still advances. */
static size_t bh_utf8_char(const unsigned char *s, size_t left, int *units)
{
    size_t n = 1;
    *units = 1;
    if ((s[0] & 0xe0) == 0xc0)
        n = 2;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3;
    else if ((s[0] & 0xf8) == 0xf0)
        n = 4, *units = 2;
    if (n > left)
        return *units = 1, 1;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xc0) != 0x80)
            return *units = 1, 1;
    return n;
}

size_t bh_utf16_length(const char *text, size_t len)
{
    size_t b = 0, units = 0;
    int w;
    while (text && b < len) {
        b += bh_utf8_char((const unsigned char *)text + b, len - b, &w);
        units += (size_t)w;
    }
    return units;
}

/* The byte offset of the first character at or after unit offset. */
static int bh_utf16_start(const unsigned char *s, size_t len, int64_t offset, size_t *out)
{
    size_t b = 0;
    int64_t u = 0;
    int w;
    while (b < len && u < offset) {
        b += bh_utf8_char(s + b, len - b, &w);
        u += w;
    }
    *out = b;
    return u < offset ? BH_EINVAL : BH_OK;
}

/*
 * Walks the characters once: the range starts at the first character that
 * reaches past offset (so a unit range starting inside a surrogate pair
 * includes the whole character) and ends after the last character that
 * starts before offset + length.
 */
int bh_utf16_range(const char *text, size_t len, int64_t offset, int64_t length,
                   size_t *byte_offset, size_t *byte_length)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t b = 0, start = SIZE_MAX;
    int64_t u = 0, stop;
    int w;

    if (!text || !byte_offset || !byte_length || offset < 0 || length < 0 ||
        offset > INT64_MAX - length)
        return BH_EINVAL;
    *byte_length = 0;
    if (length == 0)
        return bh_utf16_start(s, len, offset, byte_offset);
    stop = offset + length;
    while (b < len && u < stop) {
        size_t n = bh_utf8_char(s + b, len - b, &w);
        if (start == SIZE_MAX && u + w > offset)
            start = b;
        b += n;
        u += w;
    }
    if (u < stop || start == SIZE_MAX)
        return BH_EINVAL;
    *byte_offset = start;
    *byte_length = b - start;
    return BH_OK;
}

/* The text and the entity array of m's text or caption. */
static const char *bh_entity_source(const bh_message *m, int caption, size_t *len,
                                    json_object **arr)
{
    const char *t = bh_tg_get_text(m->json, caption ? "caption" : "text", len);
    *arr = bh_tg_get_arr(m->json, caption ? "caption_entities" : "entities");
    return t;
}

size_t bh_message_entity_count(const bh_message *m, int caption)
{
    json_object *arr;
    size_t len;
    if (!m || !bh_entity_source(m, caption, &len, &arr) || !arr)
        return 0;
    return json_object_array_length(arr);
}

int bh_message_entity(const bh_message *m, int caption, size_t i, bh_entity *out)
{
    json_object *arr, *e, *user;
    size_t len;
    const char *text;

    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (!(text = bh_entity_source(m, caption, &len, &arr)) || !arr ||
        i >= json_object_array_length(arr))
        return BH_ENOTFOUND;
    e = json_object_array_get_idx(arr, i);
    out->type = bh_tg_get_text(e, "type", NULL);
    if (!out->type || !bh_tg_get_int64(e, "offset", &out->offset) ||
        !bh_tg_get_int64(e, "length", &out->length) ||
        bh_utf16_range(text, len, out->offset, out->length, &out->byte_offset,
                       &out->byte_length) != BH_OK) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->url = bh_tg_get_text(e, "url", NULL);
    out->language = bh_tg_get_text(e, "language", NULL);
    out->custom_emoji_id = bh_tg_get_text(e, "custom_emoji_id", NULL);
    if ((user = bh_tg_get_obj(e, "user")))
        out->has_user = bh_tg_user_view(user, &out->user) == BH_OK;
    return BH_OK;
}

int bh_message_entity_text(const bh_message *m, int caption, const bh_entity *e,
                           const char **start, size_t *len)
{
    json_object *arr;
    size_t tlen;
    const char *text;

    if (!m || !e || !start || !len)
        return BH_EINVAL;
    if (!(text = bh_entity_source(m, caption, &tlen, &arr)) ||
        e->byte_offset > tlen || e->byte_length > tlen - e->byte_offset)
        return BH_ENOTFOUND;
    *start = text + e->byte_offset;
    *len = e->byte_length;
    return BH_OK;
}
