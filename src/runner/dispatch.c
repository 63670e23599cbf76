/*
 * Per-key queues. Each chat (or user, or lone update, or timer) has a FIFO
 * of jobs and at most one job running; keys with work queued and nothing
 * running wait on a ready list, oldest first. A free worker takes the head
 * of the ready list, so it never waits while an idle chat has work, and one
 * busy chat never holds up the others.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "internal.h"

#define BH_DISPATCH_BUCKETS 16384

int bh_dispatch_init(bh_dispatch *d)
{
    memset(d, 0, sizeof *d);
    d->nbuckets = BH_DISPATCH_BUCKETS;
    d->buckets = calloc(d->nbuckets, sizeof *d->buckets);
    return d->buckets ? BH_OK : BH_ENOMEM;
}

void bh_djob_free(bh_djob *j)
{
    if (j) {
        free(j->json);
        free(j);
    }
}

void bh_dispatch_free(bh_dispatch *d)
{
    for (size_t i = 0; d->buckets && i < d->nbuckets; i++) {
        bh_dkey *k = d->buckets[i];
        while (k) {
            bh_dkey *kn = k->hnext;
            for (bh_djob *j = k->head, *jn; j; j = jn) {
                jn = j->next;
                bh_djob_free(j);
            }
            free(k);
            k = kn;
        }
    }
    free(d->buckets);
    memset(d, 0, sizeof *d);
}

static size_t bh_dkey_hash(const bh_dispatch *d, int source, int kind, int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(source * 31 + kind) * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h >> 32) % d->nbuckets;
}

static bh_dkey **bh_dkey_find(bh_dispatch *d, int source, int kind, int64_t key)
{
    bh_dkey **p = &d->buckets[bh_dkey_hash(d, source, kind, key)];
    while (*p && !((*p)->source == source && (*p)->kind == kind && (*p)->key == key))
        p = &(*p)->hnext;
    return p;
}

static void bh_dkey_make_ready(bh_dispatch *d, bh_dkey *k)
{
    if (k->ready || k->busy || !k->head)
        return;
    k->ready = 1;
    k->rnext = NULL;
    if (d->rtail)
        d->rtail->rnext = k;
    else
        d->rhead = k;
    d->rtail = k;
}

int bh_dispatch_push(bh_dispatch *d, bh_djob *j, int front)
{
    bh_dkey **p = bh_dkey_find(d, j->source, j->key_kind, j->key), *k = *p;

    if (!k) {
        if (!(k = calloc(1, sizeof *k)))
            return BH_ENOMEM;
        k->source = j->source;
        k->kind = j->key_kind;
        k->key = j->key;
        *p = k;
    }
    j->dkey = k;
    if (front) {
        j->next = k->head;
        k->head = j;
        if (!k->tail)
            k->tail = j;
    } else {
        j->next = NULL;
        if (k->tail)
            k->tail->next = j;
        else
            k->head = j;
        k->tail = j;
    }
    d->queued++;
    bh_dkey_make_ready(d, k);
    return BH_OK;
}

bh_djob *bh_dispatch_next(bh_dispatch *d)
{
    bh_dkey *k = d->rhead;
    bh_djob *j;

    if (!k)
        return NULL;
    d->rhead = k->rnext;
    if (!d->rhead)
        d->rtail = NULL;
    k->ready = 0;
    j = k->head;
    k->head = j->next;
    if (!k->head)
        k->tail = NULL;
    j->next = NULL;
    k->busy = 1;
    d->queued--;
    d->running++;
    return j;
}

/* A key with nothing queued or running is freed, so the table holds only
 * the chats with work (millions of chats pass through a long run). */
void bh_dispatch_release(bh_dispatch *d, bh_djob *j)
{
    bh_dkey *k = j->dkey;

    j->dkey = NULL;
    if (!k)
        return;
    k->busy = 0;
    d->running--;
    if (k->head) {
        bh_dkey_make_ready(d, k);
        return;
    }
    bh_dkey **p = bh_dkey_find(d, k->source, k->kind, k->key);
    if (*p == k) {
        *p = k->hnext;
        free(k);
    }
}

int bh_dispatch_key_active(bh_dispatch *d, int source, int kind, int64_t key)
{
    bh_dkey *k = *bh_dkey_find(d, source, kind, key);
    return k && (k->busy || k->head);
}
