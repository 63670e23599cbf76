/*
 * Updates finished but not yet confirmed to Telegram, remembered in the
 * store.
 *
 * Telegram learns that an update was handled only at the next getUpdates,
 * and the offset given there may only pass updates whose processing ended
 * (the lowest unfinished one holds it back). A master that dies in between
 * is given those updates again after its restart and would run their
 * handlers twice. So every update that finishes gets a mark "<source>:<id>"
 * in the memory "bothive.done", and loses it once a getUpdates call with a
 * higher offset was made (the updater reports that offset with the updates
 * it forwards). A restarted master loads the marks it finds and finishes
 * those updates without running them.
 *
 * Marks last as long as the store: a file: or redis:// store keeps them
 * across a crash of the master; a mem: store dies with it (and with every
 * worker). A mark also expires after a day, as Telegram's updates do. Not
 * covered: an update whose handler ended but whose worker died before
 * reporting it. Delivery stays at least once.
 *
 * Names: every function here is bh_doneset_*.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "bothive/store.h"
#include "internal.h"

#define BH_DONE_TTL_MS (24LL * 3600 * 1000)

/* The key of a mark: "<source>:<id>". */
static void bh_doneset_key(char *key, size_t len, int s, int64_t id)
{
    snprintf(key, len, "%d:%lld", s, (long long)id);
}

/* Reads the marks a previous master left behind into `before`, sorted;
 * keys that are not "<source>:<id>" of a known source are skipped. */
static int bh_doneset_load(bh_doneset *d)
{
    bh_cursor *c;
    const char *key;
    int rc;

    if ((rc = bh_cursor_open(d->m, &c)) != BH_OK)
        return rc;
    while ((rc = bh_cursor_next(c, &key)) == BH_OK) {
        int s;
        long long id;
        if (sscanf(key, "%d:%lld", &s, &id) == 2 && s >= 0 && s < d->ns &&
            (rc = bh_idset_add(&d->before[s], (uint64_t)id)) != BH_OK)
            break;
    }
    bh_cursor_close(c);
    if (rc != BH_ENOTFOUND)
        return rc;
    for (int s = 0; s < d->ns; s++) {
        bh_idset_sort(&d->before[s]);
        if (d->before[s].n)
            bh_log(BH_LOG_INFO, "source %d: %zu update(s) finished before a restart will "
                   "not run again", s, d->before[s].n);
    }
    return BH_OK;
}

int bh_doneset_open(bh_doneset *d, bh_store *st, int nsources)
{
    int rc;

    d->ns = nsources;
    d->before = calloc((size_t)nsources, sizeof *d->before);
    d->marked = calloc((size_t)nsources, sizeof *d->marked);
    if (!d->before || !d->marked)
        return BH_ENOMEM;
    if ((rc = bh_shared_open(st, BH_DONE_MEMORY, &d->m)) != BH_OK)
        return rc;
    return bh_doneset_load(d);
}

void bh_doneset_close(bh_doneset *d)
{
    for (int s = 0; s < d->ns; s++) {
        if (d->before)
            bh_idset_free(&d->before[s]);
        if (d->marked)
            bh_idset_free(&d->marked[s]);
    }
    free(d->before);
    free(d->marked);
    bh_shared_close(d->m);
    d->before = d->marked = NULL;
    d->m = NULL;
}

int bh_doneset_before(const bh_doneset *d, int s, int64_t id)
{
    return d->before && bh_idset_has(&d->before[s], (uint64_t)id);
}

void bh_doneset_mark(bh_doneset *d, int s, int64_t id)
{
    bh_value one = {.type = BH_INT, .u.i = 1};
    char key[48];
    int rc;

    if (!d->m)
        return;
    bh_doneset_key(key, sizeof key, s, id);
    if ((rc = bh_idset_add(&d->marked[s], (uint64_t)id)) != BH_OK ||
        (rc = bh_shared_put(d->m, key, &one, 0, BH_DONE_TTL_MS)) != BH_OK)
        bh_log(BH_LOG_WARN, "cannot remember update %lld of source %d as done (%s): a "
               "crash of the runner before it is confirmed would run it again",
               (long long)id, s, bh_strerror(rc));
}

/* Deletes the marks of set's ids below offset, keeping the others in order. */
static void bh_doneset_forget_below(bh_doneset *d, int s, bh_idset *set, int64_t offset)
{
    char key[48];
    size_t kept = 0;

    for (size_t i = 0; i < set->n; i++) {
        if (set->id[i] >= (uint64_t)offset) {
            set->id[kept++] = set->id[i];
            continue;
        }
        bh_doneset_key(key, sizeof key, s, (int64_t)set->id[i]);
        bh_shared_delete(d->m, key); /* gone already (expired) is fine */
    }
    set->n = kept;
}

void bh_doneset_confirmed(bh_doneset *d, int s, int64_t offset)
{
    if (!d->m)
        return;
    bh_doneset_forget_below(d, s, &d->marked[s], offset);
    bh_doneset_forget_below(d, s, &d->before[s], offset);
}
