/*
 * Lease keeping for the redis:// backend.
 *
 * A held lock and a running preparer are keys with a lease, so that a
 * holder on a host that vanished does not keep them for ever. While the
 * holder lives, a helper thread of its process renews every such key it
 * holds, every third of the lease, on a connection of its own: a critical
 * section may last longer than the lease, and a holder that dies stops
 * renewing. One thread per store handle and process, started by the first
 * key to keep; it renews nothing while the list is empty.
 *
 * The list is copied before the network calls, so keeping and letting go
 * never wait on Redis. A renewal racing a release is harmless: the script
 * extends the key only while it still holds the caller's token.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/grow.h"
#include "bothive/log.h"
#include "redis.h"

struct bh_redis_keeper {
    pid_t pid; /* the process whose thread this is */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    const struct bh_redis_conf *conf;
    char tok[BH_REDIS_TOKEN_MAX];
    char **keys;
    size_t n, cap;
};

static void keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

/* The keys to renew, copied under the mutex (NULL and 0 when none). */
static char **keys_copy(struct bh_redis_keeper *k, size_t *n)
{
    char **out = k->n ? calloc(k->n, sizeof *out) : NULL;

    *n = 0;
    for (size_t i = 0; out && i < k->n; i++) {
        if (!(out[i] = strdup(k->keys[i]))) {
            keys_free(out, i);
            return NULL;
        }
        *n = i + 1;
    }
    return out;
}

static void renew(struct bh_redis_keeper *k, redisContext **c, char **keys, size_t n)
{
    char err[256], lease[32];

    snprintf(lease, sizeof lease, "%lld", (long long)k->conf->lease_ms);
    for (size_t i = 0; i < n; i++) {
        if (!*c && bh_redis_conn_new(k->conf, c, err, sizeof err) != BH_OK)
            return; /* tried again at the next tick */
        redisReply *rep = redisCommand(*c, "EVAL %s 1 %s %s %s",
                                       bh_redis_script_text(BH_RS_RENEW), keys[i], k->tok,
                                       lease);
        /* A broken connection, or a server that is no master now: the
         * next renewal connects again (to the new master). */
        if (!rep || bh_redis_reply_failover(rep)) {
            redisFree(*c);
            *c = NULL;
        }
        if (rep)
            freeReplyObject(rep);
    }
}

static void *keeper_main(void *arg)
{
    struct bh_redis_keeper *k = arg;
    int64_t step = k->conf->lease_ms / 3 > 0 ? k->conf->lease_ms / 3 : 1;
    redisContext *c = NULL;
    sigset_t set;

    /* This thread's writes must not raise SIGPIPE in the program. */
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        struct timespec ts = bh_clock_after_ms(step);
        while (!k->stop && pthread_cond_timedwait(&k->cv, &k->mu, &ts) != ETIMEDOUT)
            ;
        if (k->stop)
            break;
        size_t n;
        char **keys = keys_copy(k, &n);
        pthread_mutex_unlock(&k->mu);
        renew(k, &c, keys, n);
        keys_free(keys, n);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    if (c)
        redisFree(c);
    return NULL;
}

/* A new keeper for r in this process, its thread started; NULL on
 * failure. */
static struct bh_redis_keeper *keeper_start(struct bh_redis *r)
{
    struct bh_redis_keeper *k = calloc(1, sizeof *k);
    pthread_condattr_t ca;

    if (!k)
        return NULL;
    k->conf = &r->conf;
    snprintf(k->tok, sizeof k->tok, "%s", bh_redis_token());
    pthread_mutex_init(&k->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&k->th, NULL, keeper_main, k) != 0) {
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        free(k);
        return NULL;
    }
    k->pid = bh_proc_pid();
    return k;
}

/* A keeper for the calling process: made on first use, and made again in a
 * forked child (which has no thread, and holds none of its parent's keys;
 * the copied mutex may even be locked, so it is not touched). */
static struct bh_redis_keeper *keeper_of(struct bh_redis *r)
{
    struct bh_redis_keeper *k = r->keeper;

    if (k && k->pid == bh_proc_pid())
        return k;
    if (k) {
        keys_free(k->keys, k->n);
        free(k);
    }
    return r->keeper = keeper_start(r);
}

/* Appends key to the list, which then owns it; k's mutex is held. */
static int keys_push(struct bh_redis_keeper *k, char *key)
{
    char **p = bh_grow(k->keys, &k->cap, k->n + 1, sizeof *p, 4);
    if (!p)
        return BH_ENOMEM;
    k->keys = p;
    k->keys[k->n++] = key;
    return BH_OK;
}

int bh_redis_keep(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis_keeper *k = keeper_of(bh_redis_shared_of(m)->st);
    char *key = bh_redis_key_name(m, part, name);
    int rc;

    if (!k || !key) {
        free(key);
        return BH_ENOMEM;
    }
    pthread_mutex_lock(&k->mu);
    rc = keys_push(k, key);
    pthread_mutex_unlock(&k->mu);
    if (rc != BH_OK)
        free(key);
    return rc;
}

void bh_redis_unkeep(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis_keeper *k = bh_redis_shared_of(m)->st->keeper;
    char *key;

    if (!k || k->pid != bh_proc_pid() || !(key = bh_redis_key_name(m, part, name)))
        return;
    pthread_mutex_lock(&k->mu);
    for (size_t i = 0; i < k->n; i++)
        if (!strcmp(k->keys[i], key)) {
            free(k->keys[i]);
            k->keys[i] = k->keys[--k->n];
            break;
        }
    pthread_mutex_unlock(&k->mu);
    free(key);
}

void bh_redis_keeper_close(struct bh_redis *r)
{
    struct bh_redis_keeper *k = r->keeper;

    if (!k)
        return;
    if (k->pid == bh_proc_pid()) {
        pthread_mutex_lock(&k->mu);
        k->stop = 1;
        pthread_cond_signal(&k->cv);
        pthread_mutex_unlock(&k->mu);
        pthread_join(k->th, NULL);
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
    }
    keys_free(k->keys, k->n);
    free(k);
    r->keeper = NULL;
}
