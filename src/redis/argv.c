/*
 * Argument vectors of the redis:// backend: the strings of one command,
 * each with its length (binary-safe), some of them owned by the vector
 * and freed with it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

void bh_redis_argv_add(struct bh_redis_argv *a, const char *s, size_t len)
{
    a->v[a->n] = s;
    a->len[a->n] = len;
    a->n++;
}

void bh_redis_argv_str(struct bh_redis_argv *a, const char *s)
{
    bh_redis_argv_add(a, s, strlen(s));
}

/* Adds s, malloc'd, which the vector frees; s NULL (an allocation that
 * failed) is BH_ENOMEM. */
int bh_redis_argv_own(struct bh_redis_argv *a, char *s, size_t len)
{
    if (!s)
        return BH_ENOMEM;
    a->owned[a->nowned++] = s;
    bh_redis_argv_add(a, s, len);
    return BH_OK;
}

int bh_redis_argv_int(struct bh_redis_argv *a, long long v)
{
    char *s = NULL;
    int n = asprintf(&s, "%lld", v);

    return n < 0 ? BH_ENOMEM : bh_redis_argv_own(a, s, (size_t)n);
}

int bh_redis_argv_key(struct bh_redis_argv *a, bh_shared *m, const char *part, const char *name)
{
    char *s = bh_redis_key_name(m, part, name);

    return s ? bh_redis_argv_own(a, s, strlen(s)) : BH_ENOMEM;
}

void bh_redis_argv_free(struct bh_redis_argv *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    a->nowned = a->n = 0;
}
