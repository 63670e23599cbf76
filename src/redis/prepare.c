/*
 * Preparers of the redis:// backend.
 *
 * A memory is ready when its key `prepared` is "1". The process that runs
 * the preparer holds `preparing` (its token, with a lease); the others poll
 * until the memory is ready or the key is free. A preparer that returns an
 * error deletes `preparing`, so the next caller runs it again; one that
 * dies stops renewing its lease, and the first caller after the lease runs
 * out prepares again. A preparer may run for longer than the lease: a
 * helper thread renews it (every third of the lease, on a connection of
 * its own) for as long as the function runs.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/log.h"
#include "redis.h"

struct keeper {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    const struct bh_redis_conf *conf;
    const char *key; /* the preparing key */
    const char *tok;
};

/* Renews the lease until told to stop. A failed renewal is retried at the
 * next tick on a new connection; if they all fail the lease runs out and
 * another process may prepare too, which is logged by the preparer. */
static void *keeper_main(void *arg)
{
    struct keeper *k = arg;
    redisContext *c = NULL;
    char err[256], lease[32];
    sigset_t set;

    /* This thread's writes must not raise SIGPIPE in the program. */
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    snprintf(lease, sizeof lease, "%lld", (long long)k->conf->lease_ms);
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        struct timespec ts;
        int64_t step = k->conf->lease_ms / 3 > 0 ? k->conf->lease_ms / 3 : 1;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += step / 1000;
        ts.tv_nsec += (step % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        while (!k->stop && pthread_cond_timedwait(&k->cv, &k->mu, &ts) != ETIMEDOUT)
            ;
        if (k->stop)
            break;
        pthread_mutex_unlock(&k->mu);
        if (!c)
            bh_redis_connect_conf(k->conf, &c, err, sizeof err);
        if (c) {
            redisReply *rep = redisCommand(c, "EVAL %s 1 %s %s %s",
                                           bh_redis_script_text(BH_RS_PREP_RENEW), k->key,
                                           k->tok, lease);
            if (!rep) {
                redisFree(c);
                c = NULL;
            } else {
                freeReplyObject(rep);
            }
        }
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    if (c)
        redisFree(c);
    return NULL;
}

static int keeper_start(struct keeper *k)
{
    pthread_condattr_t ca;

    k->stop = 0;
    pthread_mutex_init(&k->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&k->th, NULL, keeper_main, k) != 0) {
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        return -1;
    }
    return 0;
}

static void keeper_stop(struct keeper *k)
{
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->th, NULL);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
}

/* Runs the try (ok < 0) or done (ok 0/1) script; *res is its integer. */
static int prep_script(bh_shared *m, enum bh_rscript s, int ok, long long *res)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_rargs a = {0};
    redisReply *rep = NULL;
    int rc;

    if ((rc = bh_rargs_key(&a, m, "prepared", NULL)) != BH_OK ||
        (rc = bh_rargs_key(&a, m, "preparing", NULL)) != BH_OK)
        goto out;
    bh_rargs_str(&a, bh_redis_token());
    if (s == BH_RS_PREP_TRY)
        rc = bh_rargs_int(&a, ms->st->conf.lease_ms);
    else
        bh_rargs_str(&a, ok ? "1" : "0");
    if (rc != BH_OK || (rc = bh_redis_eval(ms->st, s, 0, &rep, 2, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_INTEGER)
        rc = BH_EPROTO;
    else
        *res = rep->integer;
out:
    if (rep)
        freeReplyObject(rep);
    bh_rargs_free(&a);
    return rc;
}

int bh_redis_prepare(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct keeper k = {0};
    long long res = 2;
    int64_t nap_ms = 2;
    int rc, kept;

    for (;;) {
        if ((rc = prep_script(m, BH_RS_PREP_TRY, -1, &res)) != BH_OK)
            return rc;
        if (res == 0)
            return BH_OK;
        if (res == -1)
            return BH_EDEADLK; /* called from inside this memory's own preparer */
        if (res == 1)
            break;
        /* Someone else prepares: poll, backing off to 50 ms. A preparer on
         * this host that died is seen at once, not when its lease runs out. */
        if (bh_redis_reap_dead(m, "preparing", NULL) == 1)
            continue;
        struct timespec ts = {0, (long)nap_ms * 1000000};
        nanosleep(&ts, NULL);
        if (nap_ms < 50)
            nap_ms *= 2;
    }

    k.conf = &ms->st->conf;
    k.tok = bh_redis_token();
    char *key = NULL;
    if (asprintf(&key, "%spreparing", ms->kbase) < 0)
        key = NULL;
    k.key = key;
    kept = key && keeper_start(&k) == 0;
    if (!kept)
        bh_log(BH_LOG_WARN, "store: preparer of %s runs without lease renewal", m->id);
    rc = fn(m, arg);
    if (kept)
        keeper_stop(&k);
    free(key);

    int ok = rc >= 0;
    int drc = prep_script(m, BH_RS_PREP_DONE, ok, &res);
    if (drc != BH_OK)
        return ok ? drc : rc;
    if (res == 0)
        bh_log(BH_LOG_WARN, "store: preparer of %s outlived its lease: another process "
                            "may have prepared it too", m->id);
    return ok ? BH_OK : rc;
}

int bh_redis_prepared(bh_shared *m)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_rargs a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_rargs_str(&a, "GET");
    if ((rc = bh_rargs_key(&a, m, "prepared", NULL)) != BH_OK ||
        (rc = bh_redis_cmd(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_NIL)
        rc = 0;
    else if (rep->type == REDIS_REPLY_STRING)
        rc = rep->len == 1 && rep->str[0] == '1';
    else
        rc = bh_redis_reply_error(r, rep);
out:
    if (rep)
        freeReplyObject(rep);
    bh_rargs_free(&a);
    return rc;
}
