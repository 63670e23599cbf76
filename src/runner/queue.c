/*
 * Per-key queues. Each chat (or user, or lone update, or timer) has a FIFO
 * of jobs and at most one job running; keys with work queued and nothing
 * running wait on a ready list, oldest first. A free worker takes the head
 * of the ready list, so it never waits while an idle chat has work, and one
 * busy chat never holds up the others.
 *
 * Names: every function here is bh_queue_* (bh_queue_key_* for one key's
 * queue), but for bh_qjob_free.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "internal.h"

#define BH_QUEUE_BUCKETS 16384

int bh_queue_init(bh_queue *q)
{
    memset(q, 0, sizeof *q);
    q->nbuckets = BH_QUEUE_BUCKETS;
    q->buckets = calloc(q->nbuckets, sizeof *q->buckets);
    return q->buckets ? BH_OK : BH_ENOMEM;
}

void bh_qjob_free(bh_qjob *j)
{
    if (j) {
        free(j->json);
        free(j);
    }
}

/* Frees every key and every job still queued (running jobs belong to the
 * caller). */
void bh_queue_free(bh_queue *q)
{
    for (size_t i = 0; q->buckets && i < q->nbuckets; i++) {
        bh_qkey *k = q->buckets[i];
        while (k) {
            bh_qkey *kn = k->hnext;
            for (bh_qjob *j = k->head, *jn; j; j = jn) {
                jn = j->next;
                bh_qjob_free(j);
            }
            free(k);
            k = kn;
        }
    }
    free(q->buckets);
    memset(q, 0, sizeof *q);
}

/* The bucket of a key: Fibonacci hashing of the key, mixed with its source
 * and kind. */
static size_t bh_queue_key_hash(const bh_queue *q, int source, int kind, int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)(source * 31 + kind) * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h >> 32) % q->nbuckets;
}

/* The link that points to the key's queue, or the NULL link at the end of
 * its bucket's chain where a new one goes. */
static bh_qkey **bh_queue_key_find(bh_queue *q, int source, int kind, int64_t key)
{
    bh_qkey **p = &q->buckets[bh_queue_key_hash(q, source, kind, key)];
    while (*p && !((*p)->source == source && (*p)->kind == kind && (*p)->key == key))
        p = &(*p)->hnext;
    return p;
}

/* Puts k at the back of the ready list if it has work queued, none
 * running, and is not on the list already. */
static void bh_queue_key_ready(bh_queue *q, bh_qkey *k)
{
    if (k->ready || k->busy || !k->head)
        return;
    k->ready = 1;
    k->rnext = NULL;
    if (q->rtail)
        q->rtail->rnext = k;
    else
        q->rhead = k;
    q->rtail = k;
}

/* The queue of (source, kind, key), made empty when there is none yet;
 * NULL when out of memory. */
static bh_qkey *bh_queue_key_get(bh_queue *q, int source, int kind, int64_t key)
{
    bh_qkey **p = bh_queue_key_find(q, source, kind, key), *k = *p;

    if (k || !(k = calloc(1, sizeof *k)))
        return k;
    k->source = source;
    k->kind = kind;
    k->key = key;
    *p = k;
    return k;
}

int bh_queue_push(bh_queue *q, bh_qjob *j, int front)
{
    bh_qkey *k = bh_queue_key_get(q, j->source, j->key_kind, j->key);

    if (!k)
        return BH_ENOMEM;
    j->qkey = k;
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
    q->queued++;
    bh_queue_key_ready(q, k);
    return BH_OK;
}

/* Takes the oldest ready key off the ready list and the first job off that
 * key's queue; the key is busy until the job is released. */
bh_qjob *bh_queue_next(bh_queue *q)
{
    bh_qkey *k = q->rhead;
    bh_qjob *j;

    if (!k)
        return NULL;
    q->rhead = k->rnext;
    if (!q->rhead)
        q->rtail = NULL;
    k->ready = 0;
    j = k->head;
    k->head = j->next;
    if (!k->head)
        k->tail = NULL;
    j->next = NULL;
    k->busy = 1;
    q->queued--;
    q->running++;
    return j;
}

/* A key with nothing queued or running is freed, so the table holds only
 * the chats with work (millions of chats pass through a long run). */
void bh_queue_release(bh_queue *q, bh_qjob *j)
{
    bh_qkey *k = j->qkey;

    j->qkey = NULL;
    if (!k)
        return;
    k->busy = 0;
    q->running--;
    if (k->head) {
        bh_queue_key_ready(q, k);
        return;
    }
    bh_qkey **p = bh_queue_key_find(q, k->source, k->kind, k->key);
    if (*p == k) {
        *p = k->hnext;
        free(k);
    }
}

int bh_queue_key_active(bh_queue *q, int source, int kind, int64_t key)
{
    bh_qkey *k = *bh_queue_key_find(q, source, kind, key);
    return k && (k->busy || k->head);
}
