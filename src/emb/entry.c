/*
 * Keys and entries: the hash that places a key in a stripe and a slot, and
 * the comparison that tells whether an entry holds a key.
 */
#include <time.h>

#include "region.h"

static inline uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* A finaliser with full avalanche, so that the stripe (top bits), the tag
 * (middle bits) and the probe start (low bits) are independent. */
static inline uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/*
 * The memory number and namespace are part of the hash, so the same key in
 * two memories, or a key and a lock of the same name, land apart. The hash
 * reads the key eight bytes at a time: keys are short and this is on every
 * operation's path.
 */
void bh_key_init(struct bh_key *k, uint32_t memory_no, int ns, const char *data, size_t len)
{
    const uint64_t k1 = 0x87c37b91114253d5ull, k2 = 0x4cf5ad432745937full;
    const unsigned char *p = (const unsigned char *)data;
    uint64_t h = ((uint64_t)memory_no << 8 | (uint64_t)ns) * k2 ^ len;
    size_t i = 0;

    k->tail = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h ^= rotl(w * k1, 31) * k2;
        h = rotl(h, 27) * 5 + 0x52dce729;
    }
    if (i < len) {
        /* The tail byte by byte: a variable-length memcpy is a call. */
        uint64_t w = 0;
        for (size_t j = 0; i + j < len; j++)
            w |= (uint64_t)p[i + j] << (8 * j);
        h ^= rotl(w * k1, 31) * k2;
        k->tail = w;
    }
    k->memory_no = memory_no;
    k->ns = ns;
    k->data = data;
    k->len = len;
    k->hash = mix(h);
}

/*
 * Allocates an entry for k in stripe s and fills its header and key; the
 * caller writes the value, then publishes it. Returns its offset, or 0 when
 * the store is full.
 */
uint64_t bh_entry_new_locked(struct bh_region *r, unsigned s, const struct bh_key *k,
                             uint8_t type, uint32_t vlen, int64_t expires_ms)
{
    uint64_t off = bh_block_alloc_locked(r, s, bh_entry_size(k->len, vlen));
    struct bh_entry *e;

    if (!off)
        return 0;
    e = bh_at(r, off);
    e->memory_no = k->memory_no;
    e->klen = (uint16_t)k->len;
    e->type = type;
    e->flags = 0;
    e->vlen = vlen;
    e->hash = (uint32_t)k->hash;
    e->expires_ms = expires_ms;
    memcpy(e->key, k->data, k->len);
    return off;
}
