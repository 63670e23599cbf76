/* Growing arrays (see grow.h). */
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

int bh_grow_cap(size_t *cap, size_t need, size_t size, size_t first)
{
    size_t n = *cap ? *cap : first;

    if (need <= *cap)
        return 0;
    if (!size || !n)
        return -1;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (n > SIZE_MAX / size)
        return -1;
    *cap = n;
    return 0;
}

void *bh_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
    size_t n = *cap;
    void *p;

    if (need <= *cap)
        return arr;
    if (bh_grow_cap(&n, need, size, first) != 0 || !(p = realloc(arr, n * size)))
        return NULL;
    *cap = n;
    return p;
}
