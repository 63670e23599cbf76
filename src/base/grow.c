/* Growing arrays (see grow.h). */
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

void *bh_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
    size_t n = *cap ? *cap : first;
    void *p;
    if (need <= *cap)
        return arr;
    if (!size || !n)
        return NULL;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / size || !(p = realloc(arr, n * size)))
        return NULL;
    *cap = n;
    return p;
}
