/*
 * The store interface as a table of operations. bothive has two backends:
 * the embedded region (src/emb/) and Redis (src/redis/); each registers
 * its URL schemes (bh_store_register).
 * store.c checks every argument once, then calls the backend, so a backend
 * may assume: handles non-NULL, keys and names 1..BH_KEY_MAX bytes without
 * NUL, values of a known type within the size limits (JSON validated). Keys
 * and names come with their length, measured once there.
 */
#ifndef BH_STORE_BACKEND_H
#define BH_STORE_BACKEND_H

#include <stdarg.h>

#include "bothive/store.h"

struct bh_store_ops {
    void (*close)(bh_store *st);
    int (*stats)(bh_store *st, struct bh_store_stats *out);
    int (*check)(bh_store *st);
    int (*sync)(bh_store *st);
    int (*shared_open)(bh_store *st, const char *id, bh_shared **out);
    void (*shared_close)(bh_shared *m);

    int (*put)(bh_shared *m, const char *key, size_t klen, const bh_value *v, unsigned flags, int64_t ttl_ms);
    /* put, done only if fence is not lower than the key's fence, which it
     * then raises to fence: BH_EFENCED otherwise (nothing changed). */
    int (*put_fenced)(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                      unsigned flags, int64_t ttl_ms, uint64_t fence);
    int (*get)(bh_shared *m, const char *key, size_t klen, bh_value *out);
    int (*incr)(bh_shared *m, const char *key, size_t klen, int64_t delta, int64_t *out);
    int (*cas)(bh_shared *m, const char *key, size_t klen, const bh_value *expected, const bh_value *desired);
    int (*pop)(bh_shared *m, const char *key, size_t klen, bh_value *out); /* out may be NULL */
    int (*contains)(bh_shared *m, const char *key, size_t klen);
    int (*len)(bh_shared *m, size_t *out);
    int (*clear)(bh_shared *m);

    int (*cursor_open)(bh_shared *m, bh_cursor **out);
    int (*cursor_next)(bh_cursor *c, const char **key);
    void (*cursor_close)(bh_cursor *c);

    int (*lock_acquire)(bh_shared *m, const char *name, size_t len, int64_t timeout_ms);
    int (*lock_release)(bh_shared *m, const char *name, size_t len);
    int (*lock_held)(bh_shared *m, const char *name, size_t len);
    int (*lock_fence)(bh_shared *m, const char *name, size_t len, uint64_t *out);
    int (*lock_release_all)(bh_shared *m);

    int (*prepare)(bh_shared *m, bh_preparer_fn fn, void *arg);
    int (*prepared)(bh_shared *m);
    /* prepare, waiting at most timeout_ms (-1: for ever, 0: not at all)
     * for another process's preparer: BH_ETIMEDOUT beyond. */
    int (*prepare_timed)(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms);

    /* bh_shared_rate_take and bh_shared_rate_pause on the backend's own
     * clock, arguments checked. NULL: rate.c does them with the host's
     * wall clock under a named lock of the memory. */
    int (*rate_take)(bh_shared *m, const bh_rate_cell *cells, size_t n, const char *pause_key,
                     int64_t max_wait_us, int64_t *wait_us);
    int (*rate_pause)(bh_shared *m, const char *pause_key, int64_t pause_us);

    /* Every memory's id, malloc'd, in an array of *n. */
    int (*memories)(bh_store *st, char ***ids, size_t *n);
};

/* The part of every store handle that store.c knows. Backends embed it first. */
struct bh_store {
    const struct bh_store_ops *ops;
    int readonly;
    char errmsg[256];
};

struct bh_shared {
    bh_store *st;
    char *id;
};

struct bh_cursor {
    bh_shared *m;
};

/* Records a detailed message for bh_store_errmsg and returns rc. With st
 * NULL (an open that failed before or after its handle existed), records
 * it as the calling thread's open error, for bh_store_errmsg(NULL). */
int bh_store_fail(bh_store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A backend serves the URLs that start with prefix. open gets the whole
 * URL and options already checked (flags known, capacity in range); it
 * returns a handle whose ops it fills, or an error code.
 */
struct bh_store_scheme {
    const char *prefix;
    int (*open)(bh_store **out, const char *url, const bh_store_options *opt);
};

#define BH_STORE_SCHEMES_MAX 8
#define BH_STORE_URL_DEFAULT "mem:"

/* Adds a backend. Called by each backend from a constructor, so that the
 * API layer names none of them and no backend is opened through a table
 * the API layer would have to keep up to date. The first prefix that
 * matches a URL wins. */
void bh_store_register(const struct bh_store_scheme *s);

/* rate.c: the rate operations of a backend without its own clock. */
int bh_rate_take_locally(bh_shared *m, const bh_rate_cell *cells, size_t n,
                         const char *pause_key, int64_t max_wait_us, int64_t *wait_us);
int bh_rate_pause_locally(bh_shared *m, const char *pause_key, int64_t pause_us);

/* Value helpers shared by the backends (value.c). */
int bh_value_check(const bh_value *v); /* type known, size in limits, JSON parses */
int bh_value_copy_out(bh_type type, const void *data, size_t len, bh_value *out);

#endif
