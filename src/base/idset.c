/* Sets of ids (see idset.h). */
#include <stdlib.h>

#include "bothive/error.h"
#include "grow.h"
#include "idset.h"

int bh_idset_add(bh_idset *s, uint64_t id)
{
    uint64_t *p = bh_grow(s->id, &s->cap, s->n + 1, sizeof *p, 256);
    if (!p)
        return BH_ENOMEM;
    s->id = p;
    s->id[s->n++] = id;
    return BH_OK;
}

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void bh_idset_sort(bh_idset *s)
{
    if (s->n)
        qsort(s->id, s->n, sizeof *s->id, cmp_id);
}

int bh_idset_has(const bh_idset *s, uint64_t id)
{
    return s->n && bsearch(&id, s->id, s->n, sizeof id, cmp_id) != NULL;
}

void bh_idset_free(bh_idset *s)
{
    free(s->id);
    s->id = NULL;
    s->n = s->cap = 0;
}
