/*
 * The public store API: parses URLs, checks every argument once, and calls
 * the backend's table of operations. Nothing here knows how a backend works.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

/* Why the last open in this thread failed: there is no handle to keep it. */
static _Thread_local char open_errmsg[256];

int bh_store_fail(bh_store *st, int rc, const char *fmt, ...)
{
    char *buf = st ? st->errmsg : open_errmsg;
    size_t size = st ? sizeof st->errmsg : sizeof open_errmsg;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return rc;
}

const char *bh_store_errmsg(bh_store *st)
{
    return st ? st->errmsg : open_errmsg;
}

/* The backends, by URL prefix. Filled by bh_store_register from each
 * backend's constructor before main, so never written while read. */
static const struct bh_store_scheme *schemes[BH_STORE_SCHEMES_MAX];
static size_t nschemes;

void bh_store_register(const struct bh_store_scheme *s)
{
    if (nschemes < BH_STORE_SCHEMES_MAX)
        schemes[nschemes++] = s;
}

static const struct bh_store_scheme *scheme_of(const char *url)
{
    for (size_t i = 0; i < nschemes; i++)
        if (!strncmp(url, schemes[i]->prefix, strlen(schemes[i]->prefix)))
            return schemes[i];
    return NULL;
}

int bh_store_open(bh_store **out, const char *url, const bh_store_options *opt)
{
    size_t capacity = opt && opt->capacity ? opt->capacity : BH_CAPACITY_DEFAULT;
    const struct bh_store_scheme *s;

    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (opt && (opt->flags & ~BH_STORE_READONLY))
        return BH_EINVAL;
    if (capacity < BH_CAPACITY_MIN || capacity > BH_CAPACITY_MAX)
        return BH_EINVAL;
    if (!url || !*url)
        url = BH_STORE_URL_DEFAULT;
    open_errmsg[0] = 0;
    if (!(s = scheme_of(url)))
        return bh_store_fail(NULL, BH_ENOTSUP, "no store backend for URL %s", url);
    return s->open(out, url, opt);
}

void bh_store_close(bh_store *st)
{
    if (st)
        st->ops->close(st);
}

int bh_store_stats(bh_store *st, struct bh_store_stats *out)
{
    if (!st || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    return st->ops->stats(st, out);
}

int bh_store_check(bh_store *st)
{
    if (!st)
        return BH_EINVAL;
    st->errmsg[0] = 0;
    return st->ops->check(st);
}

int bh_store_memories(bh_store *st, char ***ids, size_t *n)
{
    if (!st || !ids || !n)
        return BH_EINVAL;
    *ids = NULL;
    *n = 0;
    return st->ops->memories(st, ids, n);
}

void bh_store_memories_free(char **ids, size_t n)
{
    for (size_t i = 0; ids && i < n; i++)
        free(ids[i]);
    free(ids);
}

int bh_store_sync(bh_store *st)
{
    return st ? st->ops->sync(st) : BH_EINVAL;
}

/* Keys, memory ids and lock names share one rule. The length is measured
 * here once, for the backend too. */
static int name_check(const char *name, size_t *len)
{
    if (!name || !*name)
        return BH_EINVAL;
    if ((*len = strnlen(name, BH_KEY_MAX + 1)) > BH_KEY_MAX)
        return BH_ETOOBIG;
    return BH_OK;
}

int bh_shared_open(bh_store *st, const char *memory_id, bh_shared **out)
{
    size_t len;
    int rc;

    if (!st || !out)
        return BH_EINVAL;
    *out = NULL;
    if ((rc = name_check(memory_id, &len)) != BH_OK)
        return rc == BH_ETOOBIG ? BH_EINVAL : rc;
    return st->ops->shared_open(st, memory_id, out);
}

void bh_shared_close(bh_shared *m)
{
    if (m)
        m->st->ops->shared_close(m);
}

const char *bh_shared_id(const bh_shared *m)
{
    return m ? m->id : NULL;
}

/* Checks m and key, and sets klen to the key's length. */
#define CHECK_KEY(m, key, klen)                                                \
    do {                                                                       \
        int rc_ = (m) ? name_check(key, &(klen)) : BH_EINVAL;                  \
        if (rc_ != BH_OK)                                                      \
            return rc_;                                                        \
    } while (0)

/* For calls that write: a read-only store refuses them here, once. */
#define CHECK_WRITE(m, key, klen)                                              \
    do {                                                                       \
        CHECK_KEY(m, key, klen);                                               \
        if ((m)->st->readonly)                                                 \
            return BH_EREADONLY;                                               \
    } while (0)

/* bh_shared_put; with trusted, v is known to be valid (a typed setter built
 * it), and only its size is checked. Scalars of a known type need no check.
 * With fence, the put is bh_shared_put_fenced's. */
static inline int put(bh_shared *m, const char *key, const bh_value *v, unsigned flags,
               int64_t ttl_ms, int trusted, const uint64_t *fence)
{
    size_t klen;
    int rc;

    CHECK_WRITE(m, key, klen);
    if (!v || ttl_ms < 0 || flags > (BH_PUT_ADD | BH_PUT_REPLACE) ||
        flags == (BH_PUT_ADD | BH_PUT_REPLACE))
        return BH_EINVAL;
    if (trusted && v->type > BH_DOUBLE && v->u.s.len > BH_VALUE_MAX)
        return BH_ETOOBIG;
    if (!trusted && (unsigned)v->type > BH_DOUBLE && (rc = bh_value_check(v)) != BH_OK)
        return rc;
    if (fence)
        return m->st->ops->put_fenced(m, key, klen, v, flags, ttl_ms, *fence);
    return m->st->ops->put(m, key, klen, v, flags, ttl_ms);
}

int bh_shared_put(bh_shared *m, const char *key, const bh_value *v, unsigned flags,
                  int64_t ttl_ms)
{
    return put(m, key, v, flags, ttl_ms, 0, NULL);
}

int bh_shared_put_fenced(bh_shared *m, const char *key, const bh_value *v, unsigned flags,
                         int64_t ttl_ms, uint64_t fence)
{
    return put(m, key, v, flags, ttl_ms, 0, &fence);
}

/* bh_shared_get with out known not to be NULL; inline in the typed getters,
 * whose call through the exported function cost a tenth of a read. */
static inline int get(bh_shared *m, const char *key, bh_value *out)
{
    size_t klen;

    CHECK_KEY(m, key, klen);
    return m->st->ops->get(m, key, klen, out);
}

int bh_shared_get(bh_shared *m, const char *key, bh_value *out)
{
    size_t klen;

    CHECK_KEY(m, key, klen);
    if (!out)
        return BH_EINVAL;
    return m->st->ops->get(m, key, klen, out);
}

/* Reads key as type t into *v (scalars) without touching the caller's
 * output on error. */
static inline int get_typed(bh_shared *m, const char *key, bh_type t, bh_value *v)
{
    int rc = get(m, key, v);
    if (rc != BH_OK)
        return rc;
    if (v->type != t) {
        bh_value_free(v);
        return BH_ETYPE;
    }
    return BH_OK;
}

int bh_shared_set_int(bh_shared *m, const char *key, int64_t v)
{
    bh_value x = {.type = BH_INT, .u.i = v};
    return put(m, key, &x, 0, 0, 1, NULL); /* a scalar: nothing to check */
}

/* Copies the scalar of type t (int64, double or int for bool) into out. */
static inline int get_scalar(bh_shared *m, const char *key, bh_type t, void *out)
{
    bh_value v;
    int rc;

    if (!out)
        return BH_EINVAL;
    if ((rc = get_typed(m, key, t, &v)) != BH_OK)
        return rc;
    if (t == BH_INT)
        *(int64_t *)out = v.u.i;
    else if (t == BH_DOUBLE)
        *(double *)out = v.u.d;
    else
        *(int *)out = v.u.b;
    return BH_OK;
}

int bh_shared_get_int(bh_shared *m, const char *key, int64_t *out)
{
    return get_scalar(m, key, BH_INT, out);
}

int bh_shared_set_double(bh_shared *m, const char *key, double v)
{
    bh_value x = {.type = BH_DOUBLE, .u.d = v};
    return put(m, key, &x, 0, 0, 1, NULL); /* a scalar: nothing to check */
}

int bh_shared_get_double(bh_shared *m, const char *key, double *out)
{
    return get_scalar(m, key, BH_DOUBLE, out);
}

int bh_shared_set_bool(bh_shared *m, const char *key, int v)
{
    bh_value x = {.type = BH_BOOL, .u.b = v ? 1 : 0};
    return put(m, key, &x, 0, 0, 1, NULL);
}

int bh_shared_get_bool(bh_shared *m, const char *key, int *out)
{
    return get_scalar(m, key, BH_BOOL, out);
}

int bh_shared_set_str(bh_shared *m, const char *key, const char *s)
{
    if (!s)
        return BH_EINVAL;
    /* Measured with strlen, it holds no NUL: no need to look for one. */
    bh_value x = {.type = BH_STR, .u.s = {(void *)s, strlen(s)}};
    return put(m, key, &x, 0, 0, 1, NULL);
}

/* Strings, bytes and JSON hand their malloc'd buffer to the caller. */
static int get_buffer(bh_shared *m, const char *key, bh_type t, void **out, size_t *len)
{
    bh_value v;
    int rc;

    if (!out)
        return BH_EINVAL;
    if ((rc = get_typed(m, key, t, &v)) == BH_OK) {
        *out = v.u.s.data;
        if (len)
            *len = v.u.s.len;
    }
    return rc;
}

int bh_shared_get_str(bh_shared *m, const char *key, char **out)
{
    return get_buffer(m, key, BH_STR, (void **)out, NULL);
}

int bh_shared_set_bytes(bh_shared *m, const char *key, const void *p, size_t len)
{
    /* Not bh_value_bytes: a call returning a struct through memory costs
     * a twentieth of a write. */
    bh_value x = {.type = BH_BYTES, .u.s = {(void *)p, len}};
    /* Bytes need no scan: only a NULL buffer of some length is wrong. */
    if (len && !p)
        return BH_EINVAL;
    return put(m, key, &x, 0, 0, 1, NULL);
}

int bh_shared_get_bytes(bh_shared *m, const char *key, void **out, size_t *len)
{
    if (!len)
        return BH_EINVAL;
    return get_buffer(m, key, BH_BYTES, out, len);
}

int bh_shared_set_json(bh_shared *m, const char *key, const char *json_text)
{
    bh_value x = bh_value_json(json_text);
    if (!json_text)
        return BH_EINVAL;
    return bh_shared_put(m, key, &x, 0, 0);
}

int bh_shared_get_json(bh_shared *m, const char *key, char **out)
{
    return get_buffer(m, key, BH_JSON, (void **)out, NULL);
}

int bh_shared_incr(bh_shared *m, const char *key, int64_t delta, int64_t *out)
{
    size_t klen;

    CHECK_WRITE(m, key, klen);
    return m->st->ops->incr(m, key, klen, delta, out);
}

int bh_shared_cas(bh_shared *m, const char *key, const bh_value *expected,
                  const bh_value *desired)
{
    size_t klen;
    int rc;

    CHECK_WRITE(m, key, klen);
    if (expected && expected->type > BH_JSON)
        return BH_EINVAL;
    if (desired && (rc = bh_value_check(desired)) != BH_OK)
        return rc;
    return m->st->ops->cas(m, key, klen, expected, desired);
}

int bh_shared_pop(bh_shared *m, const char *key, bh_value *out)
{
    size_t klen;

    CHECK_WRITE(m, key, klen);
    return m->st->ops->pop(m, key, klen, out);
}

int bh_shared_delete(bh_shared *m, const char *key)
{
    size_t klen;

    CHECK_WRITE(m, key, klen);
    return m->st->ops->pop(m, key, klen, NULL);
}

int bh_shared_contains(bh_shared *m, const char *key)
{
    size_t klen;

    CHECK_KEY(m, key, klen);
    return m->st->ops->contains(m, key, klen);
}

int bh_shared_len(bh_shared *m, size_t *out)
{
    if (!m || !out)
        return BH_EINVAL;
    return m->st->ops->len(m, out);
}

int bh_shared_clear(bh_shared *m)
{
    if (!m)
        return BH_EINVAL;
    return m->st->readonly ? BH_EREADONLY : m->st->ops->clear(m);
}

int bh_cursor_open(bh_shared *m, bh_cursor **out)
{
    if (!m || !out)
        return BH_EINVAL;
    *out = NULL;
    return m->st->ops->cursor_open(m, out);
}

int bh_cursor_next(bh_cursor *c, const char **key)
{
    if (!c || !key)
        return BH_EINVAL;
    return c->m->st->ops->cursor_next(c, key);
}

void bh_cursor_close(bh_cursor *c)
{
    if (c)
        c->m->st->ops->cursor_close(c);
}

int bh_lock_acquire(bh_shared *m, const char *name, int64_t timeout_ms)
{
    size_t klen;

    CHECK_WRITE(m, name, klen);
    if (timeout_ms < -1)
        return BH_EINVAL;
    return m->st->ops->lock_acquire(m, name, klen, timeout_ms);
}

int bh_lock_release(bh_shared *m, const char *name)
{
    size_t klen;

    CHECK_WRITE(m, name, klen);
    return m->st->ops->lock_release(m, name, klen);
}

int bh_lock_held(bh_shared *m, const char *name)
{
    size_t klen;

    CHECK_KEY(m, name, klen);
    return m->st->ops->lock_held(m, name, klen);
}

int bh_lock_fence(bh_shared *m, const char *name, uint64_t *out)
{
    size_t klen;

    CHECK_KEY(m, name, klen);
    if (!out)
        return BH_EINVAL;
    return m->st->ops->lock_fence(m, name, klen, out);
}

int bh_lock_release_all(bh_shared *m)
{
    if (!m)
        return BH_EINVAL;
    return m->st->readonly ? 0 : m->st->ops->lock_release_all(m);
}

int bh_shared_prepare(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    if (!m || !fn)
        return BH_EINVAL;
    if (m->st->readonly)
        return BH_EREADONLY;
    return m->st->ops->prepare(m, fn, arg);
}

int bh_shared_prepare_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms)
{
    if (!m || !fn || timeout_ms < -1)
        return BH_EINVAL;
    if (m->st->readonly)
        return BH_EREADONLY;
    return m->st->ops->prepare_timed(m, fn, arg, timeout_ms);
}

int bh_shared_prepared(bh_shared *m)
{
    return m ? m->st->ops->prepared(m) : BH_EINVAL;
}

int bh_shared_rate_take(bh_shared *m, const bh_rate_cell *cells, size_t n,
                        const char *pause_key, int64_t max_wait_us, int64_t *wait_us)
{
    size_t klen;

    if (!m || !cells || !wait_us || n == 0 || n > BH_RATE_CELLS_MAX || max_wait_us < -1)
        return BH_EINVAL;
    *wait_us = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK_KEY(m, cells[i].key, klen);
        if (cells[i].interval_us <= 0 || cells[i].burst < 1)
            return BH_EINVAL;
    }
    if (pause_key)
        CHECK_KEY(m, pause_key, klen);
    if (m->st->readonly)
        return BH_EREADONLY;
    if (!m->st->ops->rate_take)
        return bh_rate_take_locally(m, cells, n, pause_key, max_wait_us, wait_us);
    return m->st->ops->rate_take(m, cells, n, pause_key, max_wait_us, wait_us);
}

int bh_shared_rate_pause(bh_shared *m, const char *pause_key, int64_t pause_us)
{
    size_t klen;

    CHECK_WRITE(m, pause_key, klen);
    if (pause_us <= 0)
        return BH_EINVAL;
    if (!m->st->ops->rate_pause)
        return bh_rate_pause_locally(m, pause_key, pause_us);
    return m->st->ops->rate_pause(m, pause_key, pause_us);
}
