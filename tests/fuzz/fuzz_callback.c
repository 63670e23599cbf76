/*
 * Callback data verification: any callback_data a user can send (Telegram
 * hands back whatever a client puts there) either verifies, and then it is
 * exactly what the bot signed for that name and payload, or it is refused;
 * and what the bot signs always verifies back to the same name and payload.
 *
 * Input: a byte giving the buffer size, then the data. The same bytes, cut
 * at the first ':' into a name (not empty) and a payload, are signed and
 * verified too.
 */
#include "bot/internal.h"
#include "fuzz.h"

static bh_bot *bh_fuzz_bot;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    if (!(bh_fuzz_bot = bh_bot_new("123456:fuzz-token")) || bh_bot_attach(bh_fuzz_bot, NULL))
        abort();
    /* A fixed key: a run must not depend on getrandom or a store. */
    memcpy(bh_fuzz_bot->secret, "0123456789abcdef", 16);
    bh_fuzz_bot->have_secret = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_fuzz_in in = {data, size};
    size_t buflen = (size_t)bh_fuzz_u8(&in) + 1, len;
    const uint8_t *p = bh_fuzz_bytes(&in, in.left, &len);
    char *s = bh_fuzz_cstr(p, len), *buf = malloc(buflen), *out = malloc(buflen);
    const char *name = NULL, *payload = NULL;

    if (!s || !buf || !out)
        goto done;
    /* Exactly buflen bytes, so that ASan sees a write past them. */
    if (bh_callback_verify(bh_fuzz_bot, s, buf, buflen, &name, &payload) == BH_OK) {
        BH_FUZZ_ASSERT(name == buf && payload > name && strchr(name, ':') == NULL);
        char *again = malloc(strlen(s) + 1);
        BH_FUZZ_ASSERT(again && bh_callback_sign(bh_fuzz_bot, name, payload, again,
                                                 strlen(s) + 1) == BH_OK);
        BH_FUZZ_ASSERT(!strcmp(again, s));
        free(again);
    }
    /* Sign then verify: the round trip gives back name and payload. */
    /* Names are never empty (bh_button_signed and the hooks refuse it). */
    char *colon = strchr(s, ':');
    if (colon && colon != s) {
        *colon = '\0';
        const char *n = s, *d = colon + 1;
        if (bh_callback_sign(bh_fuzz_bot, n, d, out, buflen) == BH_OK) {
            BH_FUZZ_ASSERT(strlen(out) < buflen);
            BH_FUZZ_ASSERT(bh_callback_verify(bh_fuzz_bot, out, buf, buflen, &name, &payload) ==
                           BH_OK);
            BH_FUZZ_ASSERT(!strcmp(name, n) && !strcmp(payload, d));
        }
    }
done:
    free(out);
    free(buf);
    free(s);
    return 0;
}
