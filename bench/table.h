/*
 * The "limit" the store is measured against: the simplest fast hash table,
 * open addressing with linear probing, no locks, no crash safety, no types.
 * Whatever bothive costs beyond this is the price of sharing safely.
 *
 * It lives in an anonymous shared mapping so that forked processes of a
 * 2-process run really operate on the same table (with shared keys they see
 * the same cache-line traffic as the store), but it takes no lock at all, so
 * concurrent writes to one key race; that is acceptable for a lower bound.
 *
 * Keys are up to 23 bytes; every entry has room for vcap value bytes, fixed
 * at creation. It never grows: capacity is fixed from the key count.
 */
#ifndef BH_BENCH_TABLE_H
#define BH_BENCH_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct bh_table;

struct bh_table *bh_table_new(size_t nkeys, size_t vcap);
void bh_table_free(struct bh_table *t);
/* 0, or -1 if full or the key/value is too long. */
int bh_table_set(struct bh_table *t, const char *key, const void *v, size_t len);
/* Copies the value into a malloc'd buffer, as bh_shared_get_bytes does. 0 or -1. */
int bh_table_get_copy(struct bh_table *t, const char *key, void **out, size_t *len);
int bh_table_set_int(struct bh_table *t, const char *key, int64_t v);
int bh_table_get_int(struct bh_table *t, const char *key, int64_t *out);
/* Not atomic: two processes incrementing one key lose updates. */
int bh_table_incr(struct bh_table *t, const char *key, int64_t delta, int64_t *out);
/* Bytes of the mapping, for the per-entry overhead comparison. */
size_t bh_table_bytes(const struct bh_table *t);

#endif
