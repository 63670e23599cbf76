/*
 * A batch of updates, the result of getUpdates: an array whose items may
 * each be malformed. The batch keeps the good ones, counts the others, and
 * its next offset follows every integer update_id seen.
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
    bh_update_batch b;

    if (!tok)
        return 0;
    o = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 20 ? 1 << 20 : size));
    json_tokener_free(tok);
    if (!o)
        return 0;
    if (bh_updates_parse(o, &b) == BH_OK) {
        size_t n = json_object_array_length(o);
        BH_FUZZ_ASSERT(b.count + b.skipped == n);
        for (size_t i = 0; i < b.count; i++) {
            BH_FUZZ_ASSERT(b.items[i] != NULL);
            bh_fuzz_walk_update(b.items[i]);
            /* Every update kept is behind the next offset. */
            if (b.items[i]->update_id >= 0 && b.items[i]->update_id < INT64_MAX)
                BH_FUZZ_ASSERT(b.next_offset > b.items[i]->update_id);
        }
        bh_update_batch_free(&b);
    }
    json_object_put(o);
    return 0;
}
