/*
 * A Message's entities, whose offsets and lengths count UTF-16 code units
 * of a UTF-8 text. The input is a few entities (type, offset, length) and
 * a text; the message built from them goes through the Message view, and
 * when the text is valid UTF-8 the command found is checked against an
 * independent count of UTF-16 units.
 *
 * Input: n (1 byte, mod 8), n entities of 5 bytes (type, offset u16,
 * length u16), then the text.
 */
#include <ctype.h>
#include <json-c/json.h>

#include "fuzz.h"
#include "views.h"

static const char *const bh_fuzz_entity_types[] = {
    "bot_command", "mention", "hashtag", "url", "bold", "text_link", "pre", "custom_emoji",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

/* The length in bytes of the valid UTF-8 sequence at s, and its UTF-16
 * units; 0 if s does not start one. */
static size_t utf8_char(const unsigned char *s, size_t left, int *units)
{
    size_t len;
    uint32_t cp;

    if (s[0] < 0x80) {
        *units = 1;
        return 1;
    }
    if ((s[0] & 0xe0) == 0xc0)
        len = 2, cp = s[0] & 0x1f;
    else if ((s[0] & 0xf0) == 0xe0)
        len = 3, cp = s[0] & 0x0f;
    else if ((s[0] & 0xf8) == 0xf0)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > left)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *units = cp >= 0x10000 ? 2 : 1;
    return len;
}

/* The byte offset of UTF-16 offset `units` in a valid UTF-8 text: -1 past
 * the end, -2 inside a surrogate pair (where no byte offset is right),
 * -3 if the text is not valid UTF-8. */
static long utf16_offset(const char *text, long units)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), b = 0;
    long u = 0;

    for (size_t i = 0; i < n;) {
        int w;
        size_t len = utf8_char(s + i, n - i, &w);
        if (!len)
            return -3;
        i += len;
    }
    while (u < units) {
        int w;
        if (b >= n)
            return -1;
        b += utf8_char(s + b, n - b, &w);
        u += w;
    }
    return u == units ? (long)b : -2;
}

/* What the view must have found, from the first bot_command entity at
 * offset 0 with a plausible length that lies within the text. */
static void check_command(const bh_message *m, json_object *ents)
{
    size_t n = json_object_array_length(ents);
    long b = 0;

    if (!m->text) { /* refused (a NUL byte in it): nothing to run either */
        BH_FUZZ_ASSERT(m->command == NULL);
        return;
    }

    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(ents, i), *v;
        json_object_object_get_ex(e, "type", &v);
        const char *type = json_object_get_string(v);
        json_object_object_get_ex(e, "offset", &v);
        int64_t off = json_object_get_int64(v);
        json_object_object_get_ex(e, "length", &v);
        int64_t len = json_object_get_int64(v);
        if (strcmp(type, "bot_command") || off != 0 || len < 2 || len > 4096)
            continue;
        b = utf16_offset(m->text, (long)len);
        if (b < -1)
            return; /* no single right answer */
        if (b == -1) {
            b = 0; /* past the text: the parser looks at the next entity */
            continue;
        }
        break;
    }
    if (b <= 1 || m->text[0] != '/') {
        BH_FUZZ_ASSERT(m->command == NULL);
        return;
    }
    BH_FUZZ_ASSERT(m->command != NULL);
    const char *at = memchr(m->text + 1, '@', (size_t)b - 1);
    size_t clen = at ? (size_t)(at - m->text - 1) : (size_t)b - 1;
    BH_FUZZ_ASSERT(strlen(m->command) == clen && !memcmp(m->command, m->text + 1, clen));
    const char *args = m->text + b;
    while (*args && isspace((unsigned char)*args))
        args++;
    BH_FUZZ_ASSERT(m->command_args == args);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_fuzz_in in = {data, size};
    json_object *msg = json_object_new_object(), *chat = json_object_new_object();
    json_object *ents = json_object_new_array();
    int n = bh_fuzz_u8(&in) % 8;
    size_t tlen;
    bh_message *m = NULL;

    for (int i = 0; i < n; i++) {
        json_object *e = json_object_new_object();
        uint8_t t = bh_fuzz_u8(&in);
        json_object_object_add(e, "type",
                               json_object_new_string(bh_fuzz_entity_types[t % 8]));
        json_object_object_add(e, "offset", json_object_new_int64(bh_fuzz_u16(&in)));
        json_object_object_add(e, "length", json_object_new_int64(bh_fuzz_u16(&in)));
        json_object_array_add(ents, e);
    }
    const uint8_t *text = bh_fuzz_bytes(&in, in.left, &tlen);
    json_object_object_add(msg, "message_id", json_object_new_int64(1));
    json_object_object_add(chat, "id", json_object_new_int64(7));
    json_object_object_add(chat, "type", json_object_new_string("private"));
    json_object_object_add(msg, "chat", chat);
    json_object_object_add(msg, "text", json_object_new_string_len((const char *)text, (int)tlen));
    /* n == 0: a message without entities, read by the fallback rule. */
    if (n)
        json_object_object_add(msg, "entities", json_object_get(ents));

    BH_FUZZ_ASSERT(bh_message_parse(msg, &m) == BH_OK);
    bh_fuzz_walk_message(m);
    if (n)
        check_command(m, ents);
    bh_message_free(m);
    json_object_put(ents);
    json_object_put(msg);
    return 0;
}
