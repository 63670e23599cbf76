/*
 * A sequence of store operations on a small mem: store (1 MiB, so that it
 * fills up), checked after each by bh_store_check and against a model of
 * what memory "a" must hold. A second memory takes arbitrary keys and
 * values (long, empty, odd bytes), checked only for the structure.
 *
 * Input: up to 64 operations, each an op byte, a key byte and the bytes
 * the op takes (a value, a length); see bh_fuzz_op.
 */
#include <json-c/json.h>

#include "bothive/store.h"
#include "fuzz.h"

#define NKEYS 8
#define NLOCKS 4

typedef struct model {
    int present[NKEYS];
    bh_value v[NKEYS]; /* strings and bytes: malloc'd copies */
} model;

static const char *const keys[NKEYS] = {"k0", "k1", "k2", "k3", "key-four", "k5", "k6",
                                       "a-longer-key-seven"};
static const char *const locks[NLOCKS] = {"l0", "l1", "l2", "l3"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    return 0;
}

static void model_clear(model *md, int k)
{
    if (md->present[k] && (md->v[k].type == BH_STR || md->v[k].type == BH_BYTES ||
                           md->v[k].type == BH_JSON))
        free(md->v[k].u.s.data);
    md->present[k] = 0;
    md->v[k] = bh_value_nil();
}

/* Records v (copied) as the value of key k. */
static void model_set(model *md, int k, const bh_value *v)
{
    model_clear(md, k);
    md->v[k] = *v;
    if (v->type == BH_STR || v->type == BH_BYTES || v->type == BH_JSON) {
        md->v[k].u.s.data = malloc(v->u.s.len + 1);
        BH_FUZZ_ASSERT(md->v[k].u.s.data != NULL);
        memcpy(md->v[k].u.s.data, v->u.s.data, v->u.s.len);
        ((char *)md->v[k].u.s.data)[v->u.s.len] = '\0';
    }
    md->present[k] = 1;
}

/* A JSON value reads back as the same document, not always the same text. */
static int same_value(const bh_value *a, const bh_value *b)
{
    if (a->type == BH_JSON || b->type == BH_JSON)
        return a->type == b->type;
    return bh_value_equal(a, b);
}

/* A value made from the input: its type from t, its bytes from the input.
 * Strings get their NULs replaced (a string is NUL-free). */
static bh_value make_value(bh_fuzz_in *in, uint8_t t, char *scratch, size_t cap)
{
    size_t len;
    const uint8_t *p;

    switch (t % 7) {
    case 0: return bh_value_nil();
    case 1: return bh_value_bool(bh_fuzz_u8(in) & 1);
    case 2: {
        int64_t i = 0;
        for (int k = 0; k < 8; k++)
            i = (int64_t)((uint64_t)i << 8 | bh_fuzz_u8(in));
        return bh_value_int(i);
    }
    case 3: return bh_value_double((double)(int16_t)bh_fuzz_u16(in) / 7.0);
    case 4:
        p = bh_fuzz_bytes(in, bh_fuzz_u8(in), &len);
        for (size_t i = 0; i < len; i++)
            scratch[i] = p[i] ? (char)p[i] : 'x';
        scratch[len] = '\0';
        return bh_value_str(scratch);
    case 5: {
        /* Sometimes large, so that the store fills and values span pages. */
        uint16_t n = bh_fuzz_u16(in);
        len = n & 0x8000 ? (size_t)(n & 0x7fff) * 32 : n & 0xff;
        if (len >= cap)
            len = cap - 1;
        size_t got;
        p = bh_fuzz_bytes(in, len, &got);
        memcpy(scratch, p, got);
        memset(scratch + got, 0x5a, len - got);
        return bh_value_bytes(scratch, len);
    }
    default:
        p = bh_fuzz_bytes(in, bh_fuzz_u8(in), &len);
        memcpy(scratch, p, len);
        scratch[len] = '\0';
        return bh_value_json(scratch);
    }
}

static void check_get(bh_shared *m, model *md, int k)
{
    bh_value got;
    int rc = bh_shared_get(m, keys[k], &got);

    if (!md->present[k]) {
        BH_FUZZ_ASSERT(rc == BH_ENOTFOUND);
        return;
    }
    BH_FUZZ_ASSERT(rc == BH_OK);
    BH_FUZZ_ASSERT(same_value(&got, &md->v[k]));
    bh_value_free(&got);
}

static void check_len(bh_shared *m, const model *md)
{
    size_t n = 0, want = 0, seen = 0;
    bh_cursor *c;
    const char *key;

    for (int k = 0; k < NKEYS; k++)
        want += (size_t)md->present[k];
    BH_FUZZ_ASSERT(bh_shared_len(m, &n) == BH_OK && n == want);
    BH_FUZZ_ASSERT(bh_cursor_open(m, &c) == BH_OK);
    while (bh_cursor_next(c, &key) == BH_OK) {
        int found = 0;
        for (int k = 0; k < NKEYS; k++)
            found |= md->present[k] && !strcmp(keys[k], key);
        BH_FUZZ_ASSERT(found);
        seen++;
    }
    bh_cursor_close(c);
    BH_FUZZ_ASSERT(seen == want);
}

/* One operation on memory a (modelled) or w (any key). */
static void bh_fuzz_op(bh_fuzz_in *in, bh_store *st, bh_shared *a, bh_shared *w, model *md, int *held,
                       char *scratch, size_t cap)
{
    uint8_t op = bh_fuzz_u8(in), kb = bh_fuzz_u8(in);
    int k = kb % NKEYS, rc;
    bh_value v, got;

    switch (op % 14) {
    case 0: /* put, with a flag */
        v = make_value(in, bh_fuzz_u8(in), scratch, cap);
        {
            unsigned flags = (kb >> 3) % 3;
            rc = bh_shared_put(a, keys[k], &v, flags, 0);
            /* A value refused for itself may be refused first. */
            int bad = rc == BH_EJSON || rc == BH_ETOOBIG;
            if (flags == BH_PUT_ADD && md->present[k])
                BH_FUZZ_ASSERT(rc == BH_EEXISTS || bad);
            if (flags == BH_PUT_REPLACE && !md->present[k])
                BH_FUZZ_ASSERT(rc == BH_ENOTFOUND || bad);
            if (rc == BH_OK)
                model_set(md, k, &v);
            else
                BH_FUZZ_ASSERT(rc == BH_EEXISTS || rc == BH_ENOTFOUND || rc == BH_ENOSPC ||
                               rc == BH_ETOOBIG || rc == BH_EJSON);
        }
        break;
    case 1: check_get(a, md, k); break;
    case 2:
        rc = bh_shared_delete(a, keys[k]);
        BH_FUZZ_ASSERT(rc == (md->present[k] ? BH_OK : BH_ENOTFOUND));
        model_clear(md, k);
        break;
    case 3: {
        int64_t delta = (int8_t)bh_fuzz_u8(in), out = 0;
        if (kb & 0x80)
            delta = (int64_t)((uint64_t)1 << 62) * ((kb & 0x40) ? -1 : 1);
        rc = bh_shared_incr(a, keys[k], delta, &out);
        if (md->present[k] && md->v[k].type != BH_INT) {
            BH_FUZZ_ASSERT(rc == BH_ETYPE);
        } else if (rc == BH_OK) {
            int64_t before = md->present[k] ? md->v[k].u.i : 0;
            BH_FUZZ_ASSERT(!__builtin_add_overflow(before, delta, &before) && out == before);
            v = bh_value_int(out);
            model_set(md, k, &v);
        } else {
            BH_FUZZ_ASSERT(rc == BH_EOVERFLOW || rc == BH_ENOSPC);
        }
        break;
    }
    case 4:
        rc = bh_shared_pop(a, keys[k], &got);
        BH_FUZZ_ASSERT(rc == (md->present[k] ? BH_OK : BH_ENOTFOUND));
        if (rc == BH_OK) {
            BH_FUZZ_ASSERT(same_value(&got, &md->v[k]));
            bh_value_free(&got);
        }
        model_clear(md, k);
        break;
    case 5: { /* cas: expected is the model's value, or a wrong one */
        bh_value desired = make_value(in, bh_fuzz_u8(in), scratch, cap);
        int right = !(kb & 0x80);
        bh_value wrong = bh_value_int(-987654321);
        const bh_value *expected = md->present[k] ? (right ? &md->v[k] : &wrong) : NULL;
        if (md->present[k] && !right && md->v[k].type == BH_INT && md->v[k].u.i == wrong.u.i)
            right = 1;
        int del = (kb & 0x40) != 0;
        rc = bh_shared_cas(a, keys[k], expected, del ? NULL : &desired);
        if (md->present[k] && !right) {
            BH_FUZZ_ASSERT(rc == BH_ECONFLICT || rc == BH_EJSON || rc == BH_ETOOBIG);
        } else if (rc == BH_OK) {
            if (del)
                model_clear(md, k);
            else
                model_set(md, k, &desired);
        } else {
            /* A JSON value compares as a document: the text may differ. */
            BH_FUZZ_ASSERT(rc == BH_ENOSPC || rc == BH_ETOOBIG || rc == BH_EJSON ||
                           (rc == BH_ECONFLICT && md->v[k].type == BH_JSON));
        }
        break;
    }
    case 6:
        BH_FUZZ_ASSERT(bh_shared_contains(a, keys[k]) == md->present[k]);
        break;
    case 7:
        if (kb < 16) { /* rarely: clearing makes everything else shallow */
            BH_FUZZ_ASSERT(bh_shared_clear(a) == BH_OK);
            for (int i = 0; i < NKEYS; i++)
                model_clear(md, i);
        }
        break;
    case 8: check_len(a, md); break;
    case 9: { /* a named lock, tried once */
        int l = kb % NLOCKS;
        if (kb & 0x80) {
            rc = bh_lock_release(a, locks[l]);
            BH_FUZZ_ASSERT(held[l] ? rc == BH_OK : rc != BH_OK);
            held[l] = 0;
        } else if (!held[l]) {
            rc = bh_lock_acquire(a, locks[l], 0);
            BH_FUZZ_ASSERT(rc == BH_OK || rc == BH_ENOSPC);
            held[l] = rc == BH_OK;
        }
        BH_FUZZ_ASSERT(bh_lock_held(a, locks[l]) == held[l]);
        break;
    }
    case 10: { /* any key into w */
        size_t klen;
        const uint8_t *kp = bh_fuzz_bytes(in, kb * 3u, &klen);
        char *key = bh_fuzz_cstr(kp, klen);
        BH_FUZZ_ASSERT(key != NULL);
        v = make_value(in, bh_fuzz_u8(in), scratch, cap);
        rc = bh_shared_put(w, key, &v, 0, 0);
        if (!key[0])
            BH_FUZZ_ASSERT(rc == BH_EINVAL);
        else if (strlen(key) > BH_KEY_MAX)
            BH_FUZZ_ASSERT(rc == BH_ETOOBIG);
        if (rc == BH_OK) {
            BH_FUZZ_ASSERT(bh_shared_get(w, key, &got) == BH_OK && same_value(&got, &v));
            bh_value_free(&got);
            if (op & 0x80)
                BH_FUZZ_ASSERT(bh_shared_delete(w, key) == BH_OK);
        }
        free(key);
        break;
    }
    case 11: { /* every key of w, read back */
        bh_cursor *c;
        const char *key;
        BH_FUZZ_ASSERT(bh_cursor_open(w, &c) == BH_OK);
        while (bh_cursor_next(c, &key) == BH_OK) {
            BH_FUZZ_ASSERT(bh_shared_get(w, key, &got) == BH_OK);
            bh_value_free(&got);
        }
        bh_cursor_close(c);
        if (kb < 32)
            BH_FUZZ_ASSERT(bh_shared_clear(w) == BH_OK);
        break;
    }
    case 12: { /* the typed getters agree with the type */
        int64_t i;
        char *s = NULL;
        rc = bh_shared_get_int(a, keys[k], &i);
        if (!md->present[k])
            BH_FUZZ_ASSERT(rc == BH_ENOTFOUND);
        else if (md->v[k].type == BH_INT)
            BH_FUZZ_ASSERT(rc == BH_OK && i == md->v[k].u.i);
        else
            BH_FUZZ_ASSERT(rc == BH_ETYPE);
        rc = bh_shared_get_str(a, keys[k], &s);
        if (rc == BH_OK) {
            BH_FUZZ_ASSERT(md->present[k] && md->v[k].type == BH_STR &&
                           !strcmp(s, md->v[k].u.s.data));
            free(s);
        }
        break;
    }
    default: { /* stats stay consistent */
        struct bh_store_stats s;
        BH_FUZZ_ASSERT(bh_store_stats(st, &s) == BH_OK);
        BH_FUZZ_ASSERT(s.used <= s.capacity && s.free <= s.capacity);
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_store_options opt = {.capacity = BH_CAPACITY_MIN};
    bh_fuzz_in in = {data, size};
    bh_store *st = NULL;
    bh_shared *a = NULL, *w = NULL;
    model md;
    int held[NLOCKS] = {0};
    static char scratch[(1u << 20) + 1]; /* values up to the largest */
    size_t cap = sizeof scratch;

    memset(&md, 0, sizeof md);
    BH_FUZZ_ASSERT(bh_store_open(&st, "mem:", &opt) == BH_OK);
    BH_FUZZ_ASSERT(bh_shared_open(st, "a", &a) == BH_OK && bh_shared_open(st, "w", &w) == BH_OK);
    for (int n = 0; in.left && n < 64; n++) {
        bh_fuzz_op(&in, st, a, w, &md, held, scratch, cap);
        BH_FUZZ_ASSERT(bh_store_check(st) == BH_OK);
    }
    for (int k = 0; k < NKEYS; k++)
        check_get(a, &md, k);
    check_len(a, &md);
    bh_lock_release_all(a);
    for (int k = 0; k < NKEYS; k++)
        model_clear(&md, k);
    bh_shared_close(w);
    bh_shared_close(a);
    bh_store_close(st);
    return 0;
}
