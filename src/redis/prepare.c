/*
 * Preparers of the redis:// backend.
 *
 * A memory is ready when its key `prepared` is "1". The process that runs
 * the preparer holds `preparing` (its token, with a lease); the others poll
 * until the memory is ready or the key is free. A preparer that returns an
 * error deletes `preparing`, so the next caller runs it again; one that
 * dies stops renewing its lease, and the first caller after the lease runs
 * out prepares again (at once if it died on the caller's host, token.c). A
 * preparer may run for longer than the lease: keeper.c renews it for as
 * long as the function runs.
 */
#include <time.h>

#include "bothive/log.h"
#include "base/backoff.h"
#include "base/sleep.h"
#include "redis.h"

/* A caller waiting for another process's preparer polls, backing off from
 * 2 ms (a short preparer is seen soon) to 50 ms (a long one costs few calls). */
#define BH_REDIS_PREP_NAP_MIN_MS 2
#define BH_REDIS_PREP_NAP_MAX_MS 50

/* Runs the try (ok < 0) or done (ok 0/1) script; *res is its integer. */
static int prep_script(bh_shared *m, enum bh_rscript s, int ok, long long *res)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    int rc;

    if ((rc = bh_redis_argv_key(&a, m, "prepared", NULL)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "preparing", NULL)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, bh_redis_token());
    if (s == BH_RS_PREP_TRY)
        rc = bh_redis_argv_int(&a, ms->st->conf.lease_ms);
    else
        bh_redis_argv_str(&a, ok ? "1" : "0");
    if (rc == BH_OK)
        rc = bh_redis_script_eval_int(ms->st, s, 0, 2, &a, res);
out:
    bh_redis_argv_free(&a);
    return rc;
}

/* Polls until the memory is ready or the caller holds the preparing
 * lease: *res is BH_RPREP_READY or BH_RPREP_RUN. BH_EDEADLK when called
 * from inside this memory's own preparer. */
static int take_turn(bh_shared *m, long long *res)
{
    bh_backoff nap = {.initial_ms = BH_REDIS_PREP_NAP_MIN_MS, .max_ms = BH_REDIS_PREP_NAP_MAX_MS};
    int rc;

    for (;;) {
        if ((rc = prep_script(m, BH_RS_PREP_TRY, -1, res)) != BH_OK)
            return rc;
        if (*res == BH_RPREP_READY || *res == BH_RPREP_RUN)
            return BH_OK;
        if (*res == BH_RPREP_MINE)
            return BH_EDEADLK;
        /* Someone else prepares: poll, backing off to 50 ms. A preparer on
         * this host that died is seen at once, not when its lease runs out. */
        if (bh_redis_reap_dead(m, "preparing", NULL) == BH_REDIS_REAPED)
            continue;
        bh_sleep_ms(bh_backoff_next(&nap), NULL);
    }
}

/* Runs fn while the lease is renewed, then marks the memory prepared if
 * fn succeeded, and lets the lease go either way. */
static int run(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    int kept = bh_redis_keep(m, "preparing", NULL) == BH_OK;
    long long res;
    int rc, drc, ok;

    if (!kept)
        bh_log(BH_LOG_WARN, "store: preparer of %s runs without lease renewal", m->id);
    rc = fn(m, arg);
    if (kept)
        bh_redis_unkeep(m, "preparing", NULL);

    ok = rc >= 0;
    drc = prep_script(m, BH_RS_PREP_DONE, ok, &res);
    if (drc != BH_OK)
        return ok ? drc : rc;
    if (res == BH_RPREP_LATE)
        bh_log(BH_LOG_WARN, "store: preparer of %s outlived its lease: another process "
                            "may have prepared it too", m->id);
    return ok ? BH_OK : rc;
}

int bh_redis_preparer_run(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    long long res = BH_RPREP_BUSY;
    int rc = take_turn(m, &res);

    if (rc != BH_OK || res == BH_RPREP_READY)
        return rc;
    return run(m, fn, arg);
}

int bh_redis_preparer_done(bh_shared *m)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    bh_redis_argv_str(&a, "GET");
    if ((rc = bh_redis_argv_key(&a, m, "prepared", NULL)) != BH_OK ||
        (rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_NIL)
        rc = 0;
    else if (rep->type == REDIS_REPLY_STRING)
        rc = rep->len == 1 && rep->str[0] == '1';
    else
        rc = bh_redis_reply_fail(r, rep);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}
