/*
 * Per-source update ids: what may be confirmed to Telegram, and what was
 * seen already.
 *
 * Telegram confirms every update below the offset given to getUpdates, so
 * at-least-once delivery means the offset may only pass updates whose
 * processing ended: the offset is the lowest unfinished id. Updates above it
 * come back in every getUpdates answer until it passes them, so ids are
 * also remembered, to process each only once.
 *
 * Names: every function here is bh_ledger_*.
 */
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "internal.h"

#define BH_LEDGER_SET_CAP 65536 /* slots per generation, a power of two */
#define BH_LEDGER_SET_FILL (BH_LEDGER_SET_CAP / 2)
#define BH_LEDGER_OPEN_INITIAL 256 /* open ids before the first growth */

int bh_ledger_init(bh_ledger *l)
{
    memset(l, 0, sizeof *l);
    l->set[0] = calloc(BH_LEDGER_SET_CAP, sizeof(int64_t));
    l->set[1] = calloc(BH_LEDGER_SET_CAP, sizeof(int64_t));
    if (!l->set[0] || !l->set[1]) {
        bh_ledger_free(l);
        return BH_ENOMEM;
    }
    return BH_OK;
}

void bh_ledger_free(bh_ledger *l)
{
    free(l->open);
    free(l->done);
    free(l->set[0]);
    free(l->set[1]);
    memset(l, 0, sizeof *l);
}

/* Slot of id in a set (ids are > 0; 0 marks an empty slot). */
static size_t bh_ledger_slot(const int64_t *s, int64_t id)
{
    size_t i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 40) & (BH_LEDGER_SET_CAP - 1);
    while (s[i] && s[i] != id)
        i = (i + 1) & (BH_LEDGER_SET_CAP - 1);
    return i;
}

/* Adds id to the recently seen; BH_LEDGER_SEEN if it was there. When the
 * newer generation is half full it becomes the older one and the oldest is
 * forgotten: the set remembers at least the last BH_LEDGER_SET_FILL ids.
 * An id <= 0 cannot be stored and is always new. */
static int bh_ledger_seen_add(bh_ledger *l, int64_t id)
{
    if (id <= 0)
        return BH_LEDGER_NEW;
    if (l->set[1][bh_ledger_slot(l->set[1], id)] == id)
        return BH_LEDGER_SEEN;
    size_t i = bh_ledger_slot(l->set[0], id);
    if (l->set[0][i] == id)
        return BH_LEDGER_SEEN;
    if (l->nset[0] >= BH_LEDGER_SET_FILL) {
        int64_t *t = l->set[1];
        l->set[1] = l->set[0];
        l->nset[1] = l->nset[0];
        memset(t, 0, BH_LEDGER_SET_CAP * sizeof(int64_t));
        l->set[0] = t;
        l->nset[0] = 0;
        i = bh_ledger_slot(l->set[0], id);
    }
    l->set[0][i] = id;
    l->nset[0]++;
    return BH_LEDGER_NEW;
}

/* Makes room for one more open id: first by moving the open ids down over
 * the finished ones before head, else by doubling the arrays.
 * Errors: BH_ENOMEM (nothing changed that matters: the ids stay). */
static int bh_ledger_make_room(bh_ledger *l)
{
    if (l->len < l->cap)
        return BH_OK;
    if (l->head > 0) {
        memmove(l->open, l->open + l->head, (l->len - l->head) * sizeof *l->open);
        memmove(l->done, l->done + l->head, l->len - l->head);
        l->len -= l->head;
        l->head = 0;
        return BH_OK;
    }
    /* Both arrays grow to the same capacity; l->cap moves once both did. */
    size_t ocap = l->cap, dcap = l->cap;
    int64_t *o = bh_grow(l->open, &ocap, l->cap + 1, sizeof *o, BH_LEDGER_OPEN_INITIAL);
    if (!o)
        return BH_ENOMEM;
    l->open = o;
    uint8_t *d = bh_grow(l->done, &dcap, l->cap + 1, 1, BH_LEDGER_OPEN_INITIAL);
    if (!d)
        return BH_ENOMEM;
    l->done = d;
    l->cap = ocap;
    return BH_OK;
}

/*
 * ordered: the id comes from getUpdates, where ids only grow, so anything
 * below `next` was received before; it also joins the open list that the
 * offset is computed from. Webhook ids may come in any order and use the
 * set alone.
 */
int bh_ledger_receive(bh_ledger *l, int64_t id, int ordered)
{
    if (!ordered) {
        if (id >= l->next)
            l->next = id + 1;
        return bh_ledger_seen_add(l, id);
    }
    if (id < l->next)
        return BH_LEDGER_SEEN;
    if (bh_ledger_make_room(l) != BH_OK)
        return BH_ENOMEM;
    l->open[l->len] = id;
    l->done[l->len++] = 0;
    l->next = id + 1;
    bh_ledger_seen_add(l, id);
    return BH_LEDGER_NEW;
}

/* Finds id among the open ids (binary search: they ascend), marks it, and
 * moves head past the finished ones; an empty list starts over at 0. */
void bh_ledger_finish(bh_ledger *l, int64_t id)
{
    size_t lo = l->head, hi = l->len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->open[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->len && l->open[lo] == id)
        l->done[lo] = 1;
    while (l->head < l->len && l->done[l->head])
        l->head++;
    if (l->head == l->len)
        l->head = l->len = 0;
}

int64_t bh_ledger_offset(const bh_ledger *l)
{
    return l->head < l->len ? l->open[l->head] : l->next;
}
