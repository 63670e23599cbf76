/*
 * Signed callback data. A button's callback_data is "<name>:<data>:<tag>",
 * where tag is a keyed hash (SipHash-2-4, 64 bits, in base64url) of
 * "<name>:<data>" under the bot's secret. Telegram returns callback_data
 * verbatim when the button is pressed, and a user can send any callback
 * data for any message, so an unsigned payload would let users forge
 * presses of buttons the bot never sent.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define TAG_LEN 11 /* 64 bits in base64url */

static inline uint64_t rotl(uint64_t x, int b)
{
    return (x << b) | (x >> (64 - b));
}

#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);              \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                                 \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                                 \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);              \
    } while (0)

static uint64_t load64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* SipHash-2-4 as specified by Aumasson and Bernstein (little-endian words). */
uint64_t bh_siphash(const unsigned char key[16], const void *data, size_t len)
{
    const unsigned char *in = data;
    uint64_t k0 = load64(key), k1 = load64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    uint64_t b = (uint64_t)len << 56, m;
    size_t i;

    for (i = 0; i + 8 <= len; i += 8) {
        m = load64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < len; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static void tag_of(const unsigned char key[16], const char *msg, size_t len, char out[TAG_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t h = bh_siphash(key, msg, len);

    for (int i = 0; i < TAG_LEN; i++, h >>= 6)
        out[i] = b64[h & 63];
    out[TAG_LEN] = 0;
}

int bh_callback_sign(bh_bot *bot, const char *name, const char *data, char *out, size_t outlen)
{
    unsigned char key[16];
    char tag[TAG_LEN + 1];
    int rc, n;

    if ((rc = bh_bot_secret(bot, key)) != BH_OK)
        return rc;
    n = snprintf(out, outlen, "%s:%s:", name, data);
    if (n < 0 || (size_t)n + TAG_LEN + 1 > outlen)
        return BH_ETOOBIG;
    tag_of(key, out, (size_t)n - 1, tag);
    memcpy(out + n, tag, TAG_LEN + 1);
    return BH_OK;
}

/* Compares in constant time: the tag must not leak through timing. */
static int tag_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    for (int i = 0; i < TAG_LEN; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

int bh_callback_verify(bh_bot *bot, const char *data, char *buf, size_t buflen,
                       const char **name, const char **payload)
{
    unsigned char key[16];
    char tag[TAG_LEN + 1];
    size_t len = data ? strlen(data) : 0;
    char *colon, *last;
    int rc;

    if (len < TAG_LEN + 3 || len >= buflen || data[len - TAG_LEN - 1] != ':')
        return BH_EINVAL;
    if ((rc = bh_bot_secret(bot, key)) != BH_OK)
        return rc;
    tag_of(key, data, len - TAG_LEN - 1, tag);
    if (!tag_equal(tag, data + len - TAG_LEN))
        return BH_EINVAL;
    memcpy(buf, data, len - TAG_LEN - 1);
    buf[len - TAG_LEN - 1] = 0;
    if (!(colon = strchr(buf, ':')))
        return BH_EINVAL;
    last = colon;
    *last = 0;
    *name = buf;
    *payload = last + 1;
    return BH_OK;
}
