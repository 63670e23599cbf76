/*
 * Growing arrays: the one place that makes room in an array appended to
 * (a set's ids, a builder's upload parts, an answer's bytes), doubling its
 * capacity so that n appends cost O(n) copies, and checking the sizes for
 * overflow so that a huge count is an out-of-memory, never a short buffer.
 */
#ifndef BH_BASE_GROW_H
#define BH_BASE_GROW_H

#include <stddef.h>

/*
 * Makes room for at least need elements of size bytes in arr, which holds
 * *cap of them (arr may be NULL when *cap is 0). When need > *cap, the
 * capacity becomes first (when *cap is 0) or *cap, doubled until it holds
 * need, and arr is reallocated: the elements kept, the new ones not
 * initialised. Returns the array (arr itself when it had room), or NULL
 * when out of memory or the size overflows (then arr and *cap are
 * unchanged and arr is still the caller's). need, size and first are
 * above 0.
 */
void *bh_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first);

/*
 * The capacity half of bh_grow, for a table rebuilt rather than
 * reallocated (a hash set rehashed into a fresh one): sets *cap to the
 * capacity bh_grow would give an array of *cap elements of size bytes
 * that must hold need (*cap itself when it holds need). Returns 0, or -1
 * when the size overflows or size or first is 0 (then *cap is unchanged).
 */
int bh_grow_cap(size_t *cap, size_t need, size_t size, size_t first);

#endif
