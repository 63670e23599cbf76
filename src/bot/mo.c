/*
 * gettext's .mo files, read without gettext: the header's magic number
 * (which also says the byte order), the count N, and the offsets of two
 * tables of N (length, offset) pairs, the msgids and their translations.
 * A file is data from outside, so every offset and length is checked
 * against the file's size before anything is read through it, and a string
 * must end with its NUL inside the file.
 */
#include <stdint.h>
#include <string.h>

#include "bothive/error.h"
#include "i18n.h"

#define MO_MAGIC 0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u

struct mo {
    const unsigned char *data;
    size_t len;
    int swapped;
};

static uint32_t mo_word(const struct mo *m, size_t at)
{
    uint32_t w;
    memcpy(&w, m->data + at, 4);
    return m->swapped ? __builtin_bswap32(w) : w;
}

/* The string of table entry i (a (length, offset) pair at table + 8 i),
 * its length in *len (a plural's forms, NUL-separated, count in it): NULL
 * when the pair or the string lies outside the file, or the string does
 * not end with a NUL at its length. */
static const char *mo_string_len(const struct mo *m, uint32_t table, uint32_t i, size_t *len)
{
    size_t at = (size_t)table + (size_t)i * 8;
    if (at + 8 > m->len)
        return NULL;
    size_t slen = mo_word(m, at), off = mo_word(m, at + 4);
    if (off > m->len || slen >= m->len - off || m->data[off + slen] != 0)
        return NULL;
    *len = slen;
    return (const char *)m->data + off;
}

static const char *mo_string(const struct mo *m, uint32_t table, uint32_t i)
{
    size_t len;
    return mo_string_len(m, table, i, &len);
}

/* Checks every entry first, so that a damaged file changes nothing. */
static int mo_check(const struct mo *m, uint32_t n, uint32_t ids, uint32_t texts)
{
    for (uint32_t i = 0; i < n; i++)
        if (!mo_string(m, ids, i) || !mo_string(m, texts, i))
            return BH_ECORRUPT;
    return BH_OK;
}

int bh_mo_parse(const unsigned char *data, size_t len, struct bh_catalog *cat)
{
    struct mo m = {.data = data, .len = len};
    uint32_t magic, n, ids, texts;
    int rc;

    if (!data || len < 20)
        return BH_ECORRUPT;
    memcpy(&magic, data, 4);
    if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED)
        return BH_ECORRUPT;
    m.swapped = magic == MO_MAGIC_SWAPPED;
    /* Major revisions 0 and 1 have the same tables (1 adds system-dependent
     * strings, which msgfmt writes only for <inttypes.h> macros). */
    if (mo_word(&m, 4) >> 16 > 1)
        return BH_ECORRUPT;
    n = mo_word(&m, 8);
    ids = mo_word(&m, 12);
    texts = mo_word(&m, 16);
    if (n > len / 8 || (rc = mo_check(&m, n, ids, texts)) != BH_OK)
        return BH_ECORRUPT;
    for (uint32_t i = 0; i < n; i++) {
        size_t tl = 0;
        const char *id = mo_string(&m, ids, i), *text = mo_string_len(&m, texts, i, &tl);
        if (!*id)
            bh_plural_parse(text, &cat->plural); /* the header; a bad rule is marked */
        else if ((rc = bh_catalog_put_forms(cat, id, text, tl)) != BH_OK)
            return rc;
    }
    return BH_OK;
}
