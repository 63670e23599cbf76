/*
 * The reference hash table (see table.h). Slots hold a 32-bit hash tag and
 * an entry number, so a probe touches one 8-byte word per slot and an entry
 * only when the tag matches, the same shape as the store's index.
 */
#include "emb/region.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define TABLE_KEYMAX 23

struct table_entry {
    uint32_t hash;
    uint32_t vlen;
    uint8_t klen;
    char key[TABLE_KEYMAX];
    char value[]; /* vcap bytes, then padding to 8 */
};

struct bh_table {
    size_t map_size;
    uint64_t mask;
    uint64_t nentries;
    uint64_t maxentries;
    size_t stride;
    size_t vcap;
    uint64_t *slots; /* tag << 32 | entry number + 1; 0 = empty */
    char *entries;
};

/* The store's own key hash, so that hashing costs the table what it costs
 * the store. */
static inline uint64_t table_hash(const char *data, size_t len)
{
    struct bh_key k;
    bh_key_init(&k, 0, 0, data, len);
    return k.hash;
}

struct bh_table *bh_table_new(size_t nkeys, size_t vcap)
{
    uint64_t cap = 16;
    while (cap < nkeys * 2) /* load at most 1/2, like the store */
        cap <<= 1;
    size_t stride = (sizeof(struct table_entry) + vcap + 7) & ~(size_t)7;
    size_t hdr = (sizeof(struct bh_table) + 63) & ~(size_t)63;
    size_t size = hdr + cap * 8 + nkeys * stride;
    char *p = bh_bench_shmem(size);
    struct bh_table *t = (struct bh_table *)p;

    t->map_size = size;
    t->mask = cap - 1;
    t->nentries = 0;
    t->maxentries = nkeys;
    t->stride = stride;
    t->vcap = vcap;
    t->slots = (uint64_t *)(p + hdr);
    t->entries = p + hdr + cap * 8;
    return t;
}

void bh_table_free(struct bh_table *t)
{
    if (t)
        bh_bench_shfree(t, t->map_size);
}

size_t bh_table_bytes(const struct bh_table *t)
{
    return t->map_size;
}

static inline struct table_entry *entry_at(struct bh_table *t, uint64_t n)
{
    return (struct table_entry *)(t->entries + n * t->stride);
}

/* Finds key; with create, inserts it when absent. NULL if absent (or full). */
static struct table_entry *table_find(struct bh_table *t, const char *key, int create)
{
    size_t len = strlen(key);
    uint64_t h = table_hash(key, len);
    uint32_t tag = (uint32_t)(h >> 32);
    uint64_t i = h & t->mask;

    if (len > TABLE_KEYMAX)
        return NULL;
    for (;; i = (i + 1) & t->mask) {
        uint64_t slot = t->slots[i];
        if (slot == 0)
            break;
        if ((uint32_t)(slot >> 32) != tag)
            continue;
        struct table_entry *e = entry_at(t, (uint32_t)slot - 1);
        if (e->klen == len && memcmp(e->key, key, len) == 0)
            return e;
    }
    if (!create || t->nentries >= t->maxentries)
        return NULL;
    uint64_t n = t->nentries++;
    struct table_entry *e = entry_at(t, n);
    e->hash = (uint32_t)h;
    e->vlen = 0;
    e->klen = (uint8_t)len;
    memcpy(e->key, key, len);
    t->slots[i] = (uint64_t)tag << 32 | (n + 1);
    return e;
}

int bh_table_set(struct bh_table *t, const char *key, const void *v, size_t len)
{
    if (len > t->vcap)
        return -1;
    struct table_entry *e = table_find(t, key, 1);
    if (!e)
        return -1;
    memcpy(e->value, v, len);
    e->vlen = (uint32_t)len;
    return 0;
}

int bh_table_get_copy(struct bh_table *t, const char *key, void **out, size_t *len)
{
    struct table_entry *e = table_find(t, key, 0);
    if (!e)
        return -1;
    char *p = malloc(e->vlen + 1);
    if (!p)
        return -1;
    memcpy(p, e->value, e->vlen);
    p[e->vlen] = 0;
    *out = p;
    *len = e->vlen;
    return 0;
}

int bh_table_set_int(struct bh_table *t, const char *key, int64_t v)
{
    return bh_table_set(t, key, &v, 8);
}

int bh_table_get_int(struct bh_table *t, const char *key, int64_t *out)
{
    struct table_entry *e = table_find(t, key, 0);
    if (!e || e->vlen != 8)
        return -1;
    memcpy(out, e->value, 8);
    return 0;
}

int bh_table_incr(struct bh_table *t, const char *key, int64_t delta, int64_t *out)
{
    struct table_entry *e = table_find(t, key, 1);
    int64_t v = 0;

    if (!e)
        return -1;
    if (e->vlen == 8)
        memcpy(&v, e->value, 8);
    v += delta;
    memcpy(e->value, &v, 8);
    e->vlen = 8;
    if (out)
        *out = v;
    return 0;
}
