/*
 * Signed callback data. A button's callback_data is "<name>:<data>:<tag>",
 * where tag is a keyed hash (SipHash-2-4, 64 bits, in base64url) of
 * "<name>:<data>" under the bot's secret. Telegram returns callback_data
 * verbatim when the button is pressed, and a user can send any callback
 * data for any message, so an unsigned payload would let users forge
 * presses of buttons the bot never sent.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "internal.h"

#define TAG_LEN 11 /* 64 bits in base64url */

static void tag_of(const unsigned char key[16], const char *msg, size_t len, char out[TAG_LEN + 1])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t h = bh_siphash(key, msg, len);

    for (int i = 0; i < TAG_LEN; i++, h >>= 6)
        out[i] = b64[h & 63];
    out[TAG_LEN] = 0;
}

/* Through EVP_PKEY_derive, which OpenSSL 1.1 and 3 both have. */
int bh_secret_hkdf(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                   const void *info, size_t info_len, unsigned char *out, size_t out_len)
{
    EVP_PKEY_CTX *c;
    size_t len = out_len;
    int ok;

    if (out_len == 0 || out_len > 255 * 32 || ikm_len > INT_MAX || salt_len > INT_MAX ||
        info_len > INT_MAX)
        return BH_EINVAL;
    if (!(c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)))
        return BH_ENOMEM;
    ok = EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) > 0 &&
         EVP_PKEY_CTX_set1_hkdf_salt(c, salt, (int)salt_len) > 0 &&
         EVP_PKEY_CTX_set1_hkdf_key(c, ikm, (int)ikm_len) > 0 &&
         EVP_PKEY_CTX_add1_hkdf_info(c, info, (int)info_len) > 0 &&
         EVP_PKEY_derive(c, out, &len) > 0 && len == out_len;
    EVP_PKEY_CTX_free(c);
    return ok ? BH_OK : BH_ENOMEM;
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
