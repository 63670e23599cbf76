/*
 * One Update as Telegram (or a hostile server) would send it: any bytes
 * parsed as JSON, then as an Update, then every view read in full.
 */
#include <json-c/json.h>

#include "fuzz.h"
#include "views.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_tokener *tok = json_tokener_new();
    json_object *o;
    bh_update *u = NULL;

    if (!tok)
        return 0;
    o = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 20 ? 1 << 20 : size));
    json_tokener_free(tok);
    if (!o)
        return 0;
    if (bh_update_parse(o, &u) == BH_OK) {
        BH_FUZZ_ASSERT(u != NULL);
        bh_fuzz_walk_update(u);
        bh_update_free(u);
    } else {
        BH_FUZZ_ASSERT(u == NULL);
    }
    /* A Message alone goes through the same view (callback messages). */
    bh_message *m = NULL;
    if (bh_message_parse(o, &m) == BH_OK) {
        bh_fuzz_walk_message(m);
        bh_message_free(m);
    }
    json_object_put(o);
    return 0;
}
