/*
 * Forgetting a user (a privacy request) walks whole memories of
 * conversation records, which no step ever does: apart from the steps.
 */
#include <string.h>

#include "internal.h"

/* Deletes the records of m whose key ends in suffix (":<user>"). BH_OK,
 * or the store's first error (the walk goes on past a failed delete). */
int bh_conv_forget_keys(bh_shared *m, const char *suffix)
{
    size_t sl = strlen(suffix);
    bh_cursor *cur;
    const char *key;
    int rc, first = BH_OK;

    if ((rc = bh_cursor_open(m, &cur)) != BH_OK)
        return rc;
    while ((rc = bh_cursor_next(cur, &key)) == BH_OK) {
        size_t kl = strlen(key);
        /* The cursor's string is valid until its next call. */
        if (kl > sl && !strcmp(key + kl - sl, suffix) &&
            (rc = bh_shared_delete(m, key)) != BH_OK && rc != BH_ENOTFOUND && first == BH_OK)
            first = rc; /* ENOTFOUND: its conversation ended meanwhile */
    }
    bh_cursor_close(cur);
    if (rc != BH_ENOTFOUND && first == BH_OK)
        first = rc; /* the walk itself failed */
    return first;
}
