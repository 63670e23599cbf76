/*
 * Cursors: iterate a memory's keys one stripe at a time. Under a stripe's
 * mutex the cursor copies that stripe's keys of the memory, then lets go and
 * hands them out. A key lives in one stripe for its whole life, so a key
 * present during the whole walk is copied exactly once, and no lock is held
 * between calls.
 */
#include <stdlib.h>

#include "emb.h"

struct bh_emb_cursor {
    bh_cursor base;
    unsigned next_stripe;
    char *buf;            /* NUL-separated keys of the current stripe */
    size_t len, cap, pos;
};

int bh_emb_cursor_open(bh_shared *m, bh_cursor **out)
{
    struct bh_emb_cursor *c = calloc(1, sizeof *c);

    if (!c)
        return BH_ENOMEM;
    c->base.m = m;
    *out = &c->base;
    return BH_OK;
}

static int buf_add(struct bh_emb_cursor *c, const char *key, size_t len)
{
    if (c->len + len + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        while (cap < c->len + len + 1)
            cap *= 2;
        char *p = realloc(c->buf, cap);
        if (!p)
            return BH_ENOMEM;
        c->buf = p;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, key, len);
    c->buf[c->len + len] = 0;
    c->len += len + 1;
    return BH_OK;
}

/* Copies the live keys of the cursor's memory in stripe s. */
static int load_stripe(struct bh_emb_cursor *c, unsigned s)
{
    struct bh_region *r = bh_emb_region(c->base.m);
    uint32_t mno = bh_emb_shared_of(c->base.m)->memory_no;
    int64_t now = bh_clock_wall_coarse_ms();
    int rc = BH_OK;

    c->len = c->pos = 0;
    bh_stripe_lock(r, s);
    struct bh_index v, *ix = bh_stripe_index(r, s, &v);
    for (uint64_t i = 0; ix && i < ix->cap && rc == BH_OK; i++) {
        struct bh_entry *e = bh_slot_entry(r, s, ix->slots[i]);
        if (e && e->memory_no == mno && bh_type_ns(e->type) == BH_NS_DATA &&
            !bh_entry_expired(e, now))
            rc = buf_add(c, e->key, e->klen);
    }
    bh_stripe_unlock(r, s);
    return rc;
}

int bh_emb_cursor_next(bh_cursor *base, const char **key)
{
    struct bh_emb_cursor *c = (struct bh_emb_cursor *)base;
    int rc;

    while (c->pos >= c->len) {
        if (c->next_stripe >= bh_emb_region(c->base.m)->nstripes)
            return BH_ENOTFOUND;
        if ((rc = load_stripe(c, c->next_stripe++)) != BH_OK)
            return rc;
    }
    *key = c->buf + c->pos;
    c->pos += strlen(*key) + 1;
    return BH_OK;
}

void bh_emb_cursor_close(bh_cursor *base)
{
    struct bh_emb_cursor *c = (struct bh_emb_cursor *)base;

    free(c->buf);
    free(c);
}
