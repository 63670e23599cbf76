/*
 * The emulator's request body parsers: a form (name=value&..., with
 * %-escapes), a JSON object, and multipart/form-data with the boundary of
 * its content type. Whatever they accept is read back through every
 * accessor; the text helpers (UTF-16 length, trimming) run on the body too.
 *
 * Input: a byte choosing the parser (mod 3: form, JSON, multipart); for
 * multipart, the content type up to the first newline; then the body.
 */
#include <json-c/json.h>

#include "bothive/error.h"
#include "emu/emu.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

static volatile size_t bh_fuzz_sink;

static void read_back(bh_emu_params *p)
{
    json_object_object_foreach(p, name, val)
    {
        int64_t i;
        int bad = 0;
        const char *s = bh_emu_param_str(p, name);
        (void)val;
        if (s)
            bh_fuzz_sink += strlen(s);
        if (bh_emu_param_int(p, name, &i) == BH_OK)
            bh_fuzz_sink += (size_t)i;
        bh_fuzz_sink += (size_t)bh_emu_param_bool(p, name);
        json_object *j = bh_emu_param_json(p, name, &bad);
        if (j) {
            char *text = bh_emu_json_text(j);
            BH_FUZZ_ASSERT(text != NULL);
            free(text);
            json_object_put(j);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_fuzz_in in = {data, size};
    int which = bh_fuzz_u8(&in) % 3;
    char *ct = NULL;
    bh_emu_params *p = bh_emu_params_new();
    int rc;

    BH_FUZZ_ASSERT(p != NULL);
    if (which == 2) {
        const uint8_t *nl = memchr(in.p, '\n', in.left);
        size_t n = nl ? (size_t)(nl - in.p) : in.left;
        ct = bh_fuzz_cstr(in.p, n);
        in.p += n + (nl != NULL);
        in.left -= n + (nl != NULL);
    }
    /* Exactly the body's bytes, not NUL-terminated: as libmicrohttpd
     * hands it, so that a read past the end is seen. */
    char *body = malloc(in.left ? in.left : 1);
    BH_FUZZ_ASSERT(body != NULL);
    memcpy(body, in.p, in.left);
    switch (which) {
    case 0: rc = bh_emu_params_add_form(p, body, in.left); break;
    case 1: rc = bh_emu_params_add_json(p, body, in.left); break;
    default: rc = bh_emu_params_add_multipart(p, ct, body, in.left); break;
    }
    if (rc == BH_OK)
        read_back(p);
    char *cstr = bh_fuzz_cstr(in.p, in.left);
    BH_FUZZ_ASSERT(cstr != NULL);
    bh_fuzz_sink += bh_emu_utf16_len(body, in.left);
    char *t = bh_emu_trim(cstr);
    if (t) {
        size_t n = strlen(t);
        BH_FUZZ_ASSERT(n <= strlen(cstr));
        free(t);
    }
    free(cstr);
    free(body);
    free(ct);
    json_object_put(p);
    return 0;
}
