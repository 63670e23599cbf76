/*
 * A set of 64-bit ids built by appending, then sorted once and searched:
 * the marks of a stripe's live blocks during recovery, the update ids a
 * runner found done. An empty set has no array at all, which sort and
 * search handle here, once (qsort and bsearch must never see NULL).
 */
#ifndef BH_BASE_IDSET_H
#define BH_BASE_IDSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct bh_idset {
    uint64_t *id;
    size_t n, cap;
} bh_idset;

/* Appends id: BH_OK or BH_ENOMEM (the set is unchanged). */
int bh_idset_add(bh_idset *s, uint64_t id);
/* Sorts the ids ascending, for bh_idset_has. */
void bh_idset_sort(bh_idset *s);
/* Whether the sorted set holds id. */
int bh_idset_has(const bh_idset *s, uint64_t id);
void bh_idset_free(bh_idset *s);

#endif
