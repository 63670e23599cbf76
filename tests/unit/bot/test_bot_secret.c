/*
 * The key that signs callback data, when BOTHIVE_SECRET gives it: derived
 * with HKDF-SHA256 (RFC 5869), checked against the RFC's own vector and
 * against the openssl command's HKDF (another path to the same function),
 * and the same for every bot given the same secret.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bot/internal.h"
#include "testutil.h"

/* RFC 5869, A.1 (test case 1: SHA-256). */
START_TEST(hkdf_meets_rfc5869_case_1)
{
    static const unsigned char salt[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                         0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c};
    static const unsigned char info[] = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4,
                                         0xf5, 0xf6, 0xf7, 0xf8, 0xf9};
    static const char okm_hex[] = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db0"
                                  "2d56ecc4c5bf34007208d5b887185865";
    unsigned char ikm[22], okm[42];
    char hex[2 * sizeof okm + 1];

    memset(ikm, 0x0b, sizeof ikm);
    ck_assert_int_eq(bh_secret_hkdf(ikm, sizeof ikm, salt, sizeof salt, info, sizeof info, okm,
                                    sizeof okm),
                     BH_OK);
    for (size_t i = 0; i < sizeof okm; i++)
        sprintf(hex + 2 * i, "%02x", okm[i]);
    ck_assert_str_eq(hex, okm_hex);
}
END_TEST

/* The key of a bot whose BOTHIVE_SECRET is secret, in hex (33 bytes). */
static void bot_key_hex(const char *secret, char hex[33])
{
    unsigned char key[16];
    bh_bot *bot;

    setenv("BOTHIVE_SECRET", secret, 1);
    ck_assert_ptr_nonnull(bot = bh_bot_new("1:secret-test"));
    ck_assert_int_eq(bh_bot_secret(bot, key), BH_OK);
    bh_bot_free(bot);
    unsetenv("BOTHIVE_SECRET");
    for (int i = 0; i < 16; i++)
        sprintf(hex + 2 * i, "%02x", key[i]);
}

/* `openssl kdf ... HKDF` prints the key as "AB:CD:..."; in lower-case hex
 * without colons. 0 when the command ran. */
static int openssl_hkdf_hex(const char *secret, char hex[33])
{
    char cmd[512], line[256];
    size_t n = 0;
    FILE *p;

    snprintf(cmd, sizeof cmd,
             "openssl kdf -keylen 16 -kdfopt digest:SHA2-256 -kdfopt 'key:%s' "
             "-kdfopt 'salt:%s' -kdfopt 'info:%s' HKDF 2>/dev/null",
             secret, BH_SECRET_SALT, BH_SECRET_INFO);
    if (!(p = popen(cmd, "r")))
        return -1;
    if (!fgets(line, sizeof line, p))
        line[0] = 0;
    if (pclose(p) != 0)
        return -1;
    for (const char *c = line; *c && n < 32; c++)
        if (*c != ':' && *c != '\n')
            hex[n++] = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
    hex[n] = 0;
    return n == 32 ? 0 : -1;
}

START_TEST(bothive_secret_is_derived_with_hkdf)
{
    char got[33], want[33];

    bot_key_hex("correct horse battery staple", got);
    ck_assert_msg(openssl_hkdf_hex("correct horse battery staple", want) == 0,
                  "the openssl command is needed (package openssl)");
    ck_assert_str_eq(got, want);
}
END_TEST

/* Every worker and every restart agree on the key of one secret; another
 * secret gives another key. */
START_TEST(same_secret_same_key)
{
    char a[33], b[33], c[33];

    bot_key_hex("one secret", a);
    bot_key_hex("one secret", b);
    bot_key_hex("another secret", c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_secret");
    TCase *tc = tcase_create("secret");
    tcase_add_test(tc, hkdf_meets_rfc5869_case_1);
    tcase_add_test(tc, bothive_secret_is_derived_with_hkdf);
    tcase_add_test(tc, same_secret_same_key);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
