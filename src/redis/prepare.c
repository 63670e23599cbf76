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

/* How long the next nap may last: the backoff's delay, cut to what is
 * left until deadline (0: none); 0 when nothing is left. */
static int64_t nap_ms(bh_backoff *nap, int64_t deadline)
{
    int64_t ms = bh_backoff_next(nap), left;

    if (!deadline)
        return ms;
    left = deadline - bh_clock_mono_ms();
    return left <= 0 ? 0 : left < ms ? left : ms;
}

/* Polls until the memory is ready or the caller holds the preparing
 * lease: *res is BH_RPREP_READY or BH_RPREP_RUN. BH_EDEADLK when called
 * from inside this memory's own preparer; BH_ETIMEDOUT when deadline (a
 * monotonic time, 0: none) passes first, or timeout_ms is 0 and another
 * process prepares. */
static int take_turn(bh_shared *m, int64_t timeout_ms, int64_t deadline, long long *res)
{
    bh_backoff nap = {.initial_ms = BH_REDIS_PREP_NAP_MIN_MS, .max_ms = BH_REDIS_PREP_NAP_MAX_MS};
    int64_t ms;
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
        if ((rc = bh_redis_reap_dead(m, "preparing", NULL)) == BH_REDIS_REAPED)
            continue;
        if (rc < 0)
            return rc;
        if (timeout_ms == 0 || (ms = nap_ms(&nap, deadline)) == 0)
            return bh_store_fail(&bh_redis_shared_of(m)->st->base, BH_ETIMEDOUT,
                                 "memory %s: another process is still preparing it", m->id);
        bh_sleep_ms(ms, NULL);
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

/* A wait with a timeout holds to it even when the server hangs: every
 * command of the wait is bounded by the deadline (conn.c), and one that
 * gets no answer by then is BH_ETIMEDOUT. A try whose answer was lost so
 * may have taken the preparing lease in the server: nobody renews it, and
 * the next caller after it runs out prepares. The preparer itself, once
 * the caller's turn came, runs without the deadline. */
int bh_redis_preparer_run_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    int64_t deadline = timeout_ms > 0 ? bh_clock_mono_ms() + timeout_ms : 0;
    int64_t outer = deadline ? bh_redis_deadline_set(r, deadline) : 0;
    long long res = BH_RPREP_BUSY;
    int rc = take_turn(m, timeout_ms, deadline, &res);

    if (deadline)
        bh_redis_deadline_set(r, outer);
    if (rc != BH_OK || res == BH_RPREP_READY)
        return rc;
    return run(m, fn, arg);
}

int bh_redis_preparer_run(bh_shared *m, bh_preparer_fn fn, void *arg)
{
    return bh_redis_preparer_run_timed(m, fn, arg, -1);
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
