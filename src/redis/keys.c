/*
 * Key operations of the redis:// backend.
 *
 * A bothive key is one Redis hash, P:m:{ID}:k:KEY = {t, v}: t is the type
 * as one digit (bh_type), v the value: ints as decimal text (so HINCRBY
 * adds int64s exactly, never through a double), doubles as their 8 bytes
 * little-endian (bit-exact, the same on every host), bools "0"/"1", nil
 * empty, strings, bytes and JSON as they are. One Redis key per bothive key
 * lets Redis expire it (PEXPIRE) and reclaim its space by itself; the
 * memory's index set (len, cursor, clear) and expiry zset are kept in step
 * by scripts (script.c). A key whose TTL passed is gone from Redis at once;
 * its name leaves the index the next time len, stats, check or clear runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "redis.h"

/* TTLs are clamped to about 285,000 years: beyond, the expiry time would
 * not be exact in Lua's doubles, or overflow in Redis. */
#define TTL_MAX_MS ((int64_t)1 << 53)

struct enc {
    char t[2];
    char buf[32];
    const char *v;
    size_t len;
};

static void encode(const bh_value *v, struct enc *e)
{
    uint64_t bits;

    e->t[0] = (char)('0' + v->type);
    e->t[1] = 0;
    switch (v->type) {
    case BH_NIL:
        e->v = "";
        e->len = 0;
        break;
    case BH_BOOL:
        e->v = v->u.b ? "1" : "0";
        e->len = 1;
        break;
    case BH_INT:
        e->len = (size_t)snprintf(e->buf, sizeof e->buf, "%lld", (long long)v->u.i);
        e->v = e->buf;
        break;
    case BH_DOUBLE:
        memcpy(&bits, &v->u.d, 8);
        for (int i = 0; i < 8; i++)
            e->buf[i] = (char)(bits >> (8 * i));
        e->v = e->buf;
        e->len = 8;
        break;
    default:
        e->v = v->u.s.len ? v->u.s.data : "";
        e->len = v->u.s.len;
        break;
    }
}

/* Fills *out from a stored type tag and value. */
static int decode(struct bh_redis *r, const redisReply *t, const redisReply *v, bh_value *out)
{
    long long i;
    uint64_t bits = 0;

    if (t->type != REDIS_REPLY_STRING || t->len != 1 || t->str[0] < '0' || t->str[0] > '6' ||
        v->type != REDIS_REPLY_STRING)
        return bh_store_fail(&r->base, BH_EPROTO, "redis: a key holds no bothive value");
    bh_type type = (bh_type)(t->str[0] - '0');
    memset(out, 0, sizeof *out);
    out->type = type;
    switch (type) {
    case BH_NIL:
        return BH_OK;
    case BH_BOOL:
        out->u.b = v->len == 1 && v->str[0] == '1';
        return BH_OK;
    case BH_INT:
        if (bh_redis_reply_int(v, &i) != BH_OK)
            return bh_store_fail(&r->base, BH_EPROTO, "redis: an integer is not decimal");
        out->u.i = i;
        return BH_OK;
    case BH_DOUBLE:
        if (v->len != 8)
            return bh_store_fail(&r->base, BH_EPROTO, "redis: a double is not 8 bytes");
        for (int k = 0; k < 8; k++)
            bits |= (uint64_t)(unsigned char)v->str[k] << (8 * k);
        memcpy(&out->u.d, &bits, 8);
        return BH_OK;
    default:
        return bh_value_copy_out(type, v->str, v->len, out);
    }
}

/* Adds the three keys every data script takes (the key's hash, idx, ttl),
 * then the key; a failure stays in the vector, which is then not sent. */
static int data_keys(struct bh_redis_argv *a, bh_shared *m, const char *key)
{
    bh_redis_argv_key(a, m, "k:", key);
    bh_redis_argv_key(a, m, "idx", NULL);
    bh_redis_argv_key(a, m, "ttl", NULL);
    return bh_redis_argv_str(a, key);
}

/* The error code of a data script's answer. */
static int code_of(long long code)
{
    switch (code) {
    case BH_RDATA_OK: return BH_OK;
    case BH_RDATA_EXISTS: return BH_EEXISTS;
    case BH_RDATA_NOTFOUND: return BH_ENOTFOUND;
    case BH_RDATA_TYPE: return BH_ETYPE;
    case BH_RDATA_OVERFLOW: return BH_EOVERFLOW;
    case BH_RDATA_CONFLICT: return BH_ECONFLICT;
    case BH_RDATA_FENCED: return BH_EFENCED;
    default: return BH_EPROTO;
    }
}

/* Runs a data script whose reply is one integer code. */
static int eval_code(bh_shared *m, enum bh_rscript s, int idempotent, struct bh_redis_argv *a)
{
    long long code;
    int rc = bh_redis_script_eval_int(bh_redis_shared_of(m)->st, s, idempotent, 3, a, &code);

    return rc == BH_OK ? code_of(code) : rc;
}

/* The arguments of PUT after its keys and the key: type, value, flags, ttl. */
static void put_args(struct bh_redis_argv *a, const struct enc *e, unsigned flags,
                     int64_t ttl_ms)
{
    bh_redis_argv_str(a, e->t);
    bh_redis_argv_add(a, e->v, e->len);
    bh_redis_argv_int(a, (long long)flags);
    bh_redis_argv_int(a, ttl_ms > TTL_MAX_MS ? TTL_MAX_MS : ttl_ms);
}

/* PUT: the hash, the index and the expiry set in one script. */
int bh_redis_key_put(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                     unsigned flags, int64_t ttl_ms)
{
    struct bh_redis_argv a = {0};
    struct enc e;
    int rc;

    (void)klen; /* see redis.h */
    encode(v, &e);
    data_keys(&a, m, key);
    put_args(&a, &e, flags, ttl_ms);
    /* A plain put gives the same result however often it runs; ADD and
     * REPLACE would report EEXISTS / their own success differently. */
    rc = eval_code(m, BH_RS_PUT, flags == 0, &a);
    bh_redis_argv_free(&a);
    return rc;
}

/* PUT_FENCED: PUT behind the check of the key's fence, in one script. A
 * plain fenced put may be sent again: its second run finds its own fence,
 * equal, and writes the same. */
int bh_redis_key_put_fenced(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                            unsigned flags, int64_t ttl_ms, uint64_t fence)
{
    struct bh_redis_argv a = {0};
    char fbuf[24];
    long long code;
    struct enc e;
    int rc;

    (void)klen; /* see redis.h */
    encode(v, &e);
    bh_redis_argv_key(&a, m, "k:", key);
    bh_redis_argv_key(&a, m, "idx", NULL);
    bh_redis_argv_key(&a, m, "ttl", NULL);
    bh_redis_argv_key(&a, m, "fence", NULL);
    bh_redis_argv_str(&a, key);
    put_args(&a, &e, flags, ttl_ms);
    bh_redis_argv_add(&a, fbuf, (size_t)snprintf(fbuf, sizeof fbuf, "%llu",
                                                 (unsigned long long)fence));
    rc = bh_redis_script_eval_int(bh_redis_shared_of(m)->st, BH_RS_PUT_FENCED, flags == 0, 4,
                                  &a, &code);
    bh_redis_argv_free(&a);
    return rc == BH_OK ? code_of(code) : rc;
}

/* One HMGET of type and value: a read needs no script. */
int bh_redis_key_get(bh_shared *m, const char *key, size_t klen, bh_value *out)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    (void)klen; /* see redis.h */
    bh_redis_argv_str(&a, "HMGET");
    if ((rc = bh_redis_argv_key(&a, m, "k:", key)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, "t");
    bh_redis_argv_str(&a, "v");
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2)
        rc = bh_redis_reply_fail(r, rep);
    else if (rep->element[0]->type == REDIS_REPLY_NIL)
        rc = BH_ENOTFOUND;
    else
        rc = decode(r, rep->element[0], rep->element[1], out);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Runs a data script that answers {code, ...}: *rep is the reply, n
 * elements long, when the code is BH_RDATA_OK; otherwise it is freed and
 * the code's error returned. */
static int eval_answer(bh_shared *m, enum bh_rscript s, struct bh_redis_argv *a, size_t n,
                       redisReply **rep)
{
    long long code;
    int rc = bh_redis_script_eval(bh_redis_shared_of(m)->st, s, 0, rep, 3, a);

    if (rc != BH_OK)
        return rc;
    if ((*rep)->type != REDIS_REPLY_ARRAY || (*rep)->elements < 1 ||
        bh_redis_reply_int((*rep)->element[0], &code) != BH_OK)
        rc = BH_EPROTO;
    else if ((rc = code_of(code)) == BH_OK && (*rep)->elements != n)
        rc = BH_EPROTO;
    if (rc != BH_OK) {
        freeReplyObject(*rep);
        *rep = NULL;
    }
    return rc;
}

/* HINCRBY inside the INCR script adds the int64s exactly; the sum comes
 * back as the stored decimal text, never through a Lua double. */
int bh_redis_key_incr(bh_shared *m, const char *key, size_t klen, int64_t delta, int64_t *out)
{
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    long long v;
    int rc;

    (void)klen; /* see redis.h */
    data_keys(&a, m, key);
    bh_redis_argv_int(&a, delta);
    if ((rc = eval_answer(m, BH_RS_INCR, &a, 2, &rep)) == BH_OK &&
        (rc = bh_redis_reply_int(rep->element[1], &v)) == BH_OK && out)
        *out = v;
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Adds whether v is given, then its type and value ("" for both when it
 * is not); e keeps the encoding until the command is sent. */
static void add_optional(struct bh_redis_argv *a, const bh_value *v, struct enc *e)
{
    if (v)
        encode(v, e);
    bh_redis_argv_str(a, v ? "1" : "0");
    bh_redis_argv_str(a, v ? e->t : "");
    bh_redis_argv_add(a, v ? e->v : "", v ? e->len : 0);
}

/* The script compares the stored type and bytes with expected's encoding;
 * expected NULL means absent, desired NULL deletes. */
int bh_redis_key_cas(bh_shared *m, const char *key, size_t klen, const bh_value *expected,
                     const bh_value *desired)
{
    struct bh_redis_argv a = {0};
    struct enc ee, de;
    int rc;

    (void)klen; /* see redis.h */
    data_keys(&a, m, key);
    add_optional(&a, expected, &ee);
    add_optional(&a, desired, &de);
    rc = eval_code(m, BH_RS_CAS, 0, &a);
    bh_redis_argv_free(&a);
    return rc;
}

/* The value is read and the key removed in one script. */
int bh_redis_key_pop(bh_shared *m, const char *key, size_t klen, bh_value *out)
{
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    (void)klen; /* see redis.h */
    data_keys(&a, m, key);
    if ((rc = eval_answer(m, BH_RS_POP, &a, 3, &rep)) == BH_OK && out)
        rc = decode(bh_redis_shared_of(m)->st, rep->element[1], rep->element[2], out);
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Whether the Redis key of part+name exists: 1, 0, or an error. */
static int key_exists(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_str(&a, "EXISTS");
    if ((rc = bh_redis_argv_key(&a, m, part, name)) != BH_OK ||
        (rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    rc = rep->type == REDIS_REPLY_INTEGER ? rep->integer > 0 : bh_redis_reply_fail(r, rep);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

int bh_redis_key_contains(bh_shared *m, const char *key, size_t klen)
{
    (void)klen; /* see redis.h */
    return key_exists(m, "k:", key);
}

/* Drops expired keys from the index, then counts it. */
int bh_redis_keys_len(bh_shared *m, size_t *out)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    if ((rc = bh_redis_argv_key(&a, m, "idx", NULL)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "ttl", NULL)) != BH_OK)
        goto out;
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    if ((rc = bh_redis_script_eval(ms->st, BH_RS_LEN, 1, &rep, 2, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_INTEGER && rep->integer >= 0)
        *out = (size_t)rep->integer;
    else
        rc = BH_EPROTO;
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Removes the keys in batches of 500, each batch one script: a huge memory
 * never stalls the server for long, and the index never names a key that
 * is gone. Keys added meanwhile may survive, as with the embedded store. */
int bh_redis_keys_clear(bh_shared *m)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    long long left;
    int rc;

    if ((rc = bh_redis_argv_key(&a, m, "idx", NULL)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "ttl", NULL)) != BH_OK)
        goto out;
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    do
        rc = bh_redis_script_eval_int(ms->st, BH_RS_CLEAR, 1, 2, &a, &left);
    while (rc == BH_OK && left != 0);
out:
    bh_redis_argv_free(&a);
    return rc;
}

/* ---- cursors ----
 * SSCAN over the index returns every member present for the whole scan,
 * but may return one twice (when the set is rehashed); the cursor remembers
 * what it handed out, so each key comes once. Expired keys still in the
 * index are filtered out by the script. */

struct bh_redis_cursor {
    bh_cursor base;
    char scan[32]; /* SSCAN cursor, "0" at the start */
    int done;      /* the server's cursor came back to 0 */
    redisReply *batch;
    size_t pos;
    char **seen; /* open-addressing set of the keys handed out */
    size_t nseen, cap;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Doubles the seen set (256 places at first), rehashing what it holds. */
static int seen_grow(struct bh_redis_cursor *c)
{
    size_t cap = c->cap;
    char **t;

    if (bh_grow_cap(&cap, c->cap + 1, sizeof *t, 256) != 0 || !(t = calloc(cap, sizeof *t)))
        return BH_ENOMEM;
    for (size_t i = 0; i < c->cap; i++)
        if (c->seen[i]) {
            size_t j = hash_str(c->seen[i]) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = c->seen[i];
        }
    free(c->seen);
    c->seen = t;
    c->cap = cap;
    return BH_OK;
}

/* What seen_add found (or BH_ENOMEM). */
enum { SEEN_BEFORE = 0, SEEN_NEW = 1 };

/* Adds s to the set: SEEN_NEW if it was not there, SEEN_BEFORE if it was,
 * or BH_ENOMEM. */
static int seen_add(struct bh_redis_cursor *c, const char *s)
{
    size_t j;

    if ((c->nseen + 1) * 2 > c->cap && seen_grow(c) != BH_OK)
        return BH_ENOMEM;
    for (j = hash_str(s) & (c->cap - 1); c->seen[j]; j = (j + 1) & (c->cap - 1))
        if (!strcmp(c->seen[j], s))
            return SEEN_BEFORE;
    if (!(c->seen[j] = strdup(s)))
        return BH_ENOMEM;
    c->nseen++;
    return SEEN_NEW;
}

int bh_redis_cursor_open(bh_shared *m, bh_cursor **out)
{
    struct bh_redis_cursor *c = calloc(1, sizeof *c);

    if (!c)
        return BH_ENOMEM;
    c->base.m = m;
    strcpy(c->scan, "0");
    *out = &c->base;
    return BH_OK;
}

/* Replaces the cursor's batch with the live keys of the next SSCAN step
 * of the index. */
static int load_batch(struct bh_redis_cursor *c)
{
    bh_shared *m = c->base.m;
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    const redisReply *keys;
    redisReply *rep = NULL;
    int rc;

    if (c->batch)
        freeReplyObject(c->batch);
    c->batch = NULL;
    c->pos = 0;
    bh_redis_argv_key(&a, m, "idx", NULL);
    bh_redis_argv_str(&a, c->scan);
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    bh_redis_argv_str(&a, "1000");
    rc = bh_redis_script_eval(ms->st, BH_RS_SCAN, 1, &rep, 1, &a);
    if (rc == BH_OK)
        rc = bh_redis_reply_scan(rep, REDIS_REPLY_ARRAY, c->scan, sizeof c->scan, &keys);
    if (rc == BH_OK) {
        c->done = !strcmp(c->scan, "0");
        c->batch = rep;
        rep = NULL;
    }
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Hands out each key once, loading batches until the server's cursor has
 * come back to 0; then BH_ENOTFOUND. */
int bh_redis_cursor_next(bh_cursor *base, const char **key)
{
    struct bh_redis_cursor *c = (struct bh_redis_cursor *)base;
    int rc;

    for (;;) {
        if (c->batch) {
            redisReply *keys = c->batch->element[1];
            while (c->pos < keys->elements) {
                redisReply *k = keys->element[c->pos++];
                if (k->type != REDIS_REPLY_STRING)
                    return BH_EPROTO;
                if ((rc = seen_add(c, k->str)) < 0)
                    return rc;
                if (rc == SEEN_NEW) {
                    *key = k->str;
                    return BH_OK;
                }
            }
        }
        if (c->done)
            return BH_ENOTFOUND;
        if ((rc = load_batch(c)) != BH_OK)
            return rc;
    }
}

void bh_redis_cursor_close(bh_cursor *base)
{
    struct bh_redis_cursor *c = (struct bh_redis_cursor *)base;

    if (c->batch)
        freeReplyObject(c->batch);
    for (size_t i = 0; i < c->cap; i++)
        free(c->seen[i]);
    free(c->seen);
    free(c);
}
