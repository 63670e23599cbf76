/*
 * Named locks of the redis:// backend.
 *
 * A lock is the key l:NAME holding its owner's token (128 random bits and
 * the pid), set with a lease (PX, lock_lease_ms in the URL, 30 s by
 * default). No kernel sees a holder on another host die, so a dead holder's
 * lock is handed on when its lease runs out, not at once. To tell that
 * apart from a release, acquiring also writes lh:NAME {owner, fence}
 * without a TTL, and releasing deletes it: an acquirer that finds lh:NAME
 * but no l:NAME knows the previous holder never released, and gets
 * BH_EABANDONED. A holder on the caller's own host that died is seen at
 * once (its token names its pid, start time and host, token.c): its lock
 * key is deleted and taken the same way. While its holder lives, a lock's
 * lease is renewed (keeper.c), however long the critical section.
 *
 * Waiters queue in lq:NAME (FIFO by arrival number) with a heartbeat in
 * lb:NAME that they refresh every time they retry; a free lock goes only to
 * the first live waiter, so a process releasing and re-acquiring in a loop
 * cannot starve one. A waiter blocks in BLPOP on its own list lw:TOKEN:NAME,
 * which a release pushes to: it wakes at once, and retries every 100 ms in
 * any case (a lease may have run out; a waiter before it may have died).
 * The queue's keys, and a wake-up list, last one heartbeat past the last
 * refresh: a waiter killed while it waits leaves nothing behind for long,
 * even if nobody touches the lock again.
 * The fence comes from a counter per memory (ctr), so it grows across every
 * acquisition of a lock even though nothing of a free lock is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/grow.h"
#include "bothive/log.h"
#include "redis.h"

#define SLICE_MS 100
#define HEARTBEAT_MS 2000

/* Names of the locks held through this handle, for release_all. */
static int held_add(struct bh_redis_shared *ms, const char *name)
{
    char **p = bh_grow(ms->held, &ms->held_cap, ms->nheld + 1, sizeof *p, 4);
    if (!p)
        return BH_ENOMEM;
    ms->held = p;
    if (!(ms->held[ms->nheld] = strdup(name)))
        return BH_ENOMEM;
    ms->nheld++;
    return BH_OK;
}

static void held_remove(struct bh_redis_shared *ms, const char *name)
{
    for (size_t i = 0; i < ms->nheld; i++)
        if (!strcmp(ms->held[i], name)) {
            free(ms->held[i]);
            ms->held[i] = ms->held[--ms->nheld];
            return;
        }
}

/* The caller's wake-up list for name. */
static int wake_key(struct bh_redis_argv *a, bh_shared *m, const char *tok, const char *name)
{
    char part[BH_REDIS_TOKEN_MAX + 8]; /* "lw:" TOKEN ":" */

    snprintf(part, sizeof part, "lw:%s:", tok);
    return bh_redis_argv_key(a, m, part, name);
}

/* One attempt: *res is -1 (the caller holds it), 0 acquired, 1 acquired
 * from a dead holder, 2 busy (and queued, when queue is set). */
static int try_once(bh_shared *m, const char *name, const char *tok, int queue, int *res)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    long long code;
    int rc;

    if ((rc = bh_redis_argv_key(&a, m, "l:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lh:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lq:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lb:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "ctr", NULL)) != BH_OK ||
        (rc = wake_key(&a, m, tok, name)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, tok);
    if ((rc = bh_redis_argv_int(&a, ms->st->conf.lease_ms)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, queue ? "1" : "0");
    if ((rc = bh_redis_argv_int(&a, HEARTBEAT_MS)) != BH_OK)
        goto out;
    if ((rc = bh_redis_script_eval(ms->st, BH_RS_LOCK_TRY, 0, &rep, 6, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
        bh_redis_reply_int(rep->element[0], &code) != BH_OK || code < -1 || code > 2)
        rc = bh_store_fail(&ms->st->base, BH_EPROTO, "redis: unexpected reply to a lock");
    else
        *res = (int)code;
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Leaves the queue after a timeout, handing on a wake-up it may have
 * taken. Failures are ignored: the heartbeat lapses by itself. */
static void leave_queue(bh_shared *m, const char *name, const char *tok)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;

    if (bh_redis_argv_key(&a, m, "l:", name) == BH_OK && bh_redis_argv_key(&a, m, "lq:", name) == BH_OK &&
        bh_redis_argv_key(&a, m, "lb:", name) == BH_OK && wake_key(&a, m, tok, name) == BH_OK) {
        bh_redis_argv_str(&a, tok);
        bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
        bh_redis_argv_str(&a, name);
        if (bh_redis_argv_int(&a, HEARTBEAT_MS) == BH_OK)
            bh_redis_script_eval(ms->st, BH_RS_LOCK_LEAVE, 1, &rep, 4, &a);
    }
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
}

/* Blocks until a release wakes the caller or ms milliseconds pass. */
static int wait_wake(bh_shared *m, const char *name, const char *tok, int64_t ms)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    char secs[32];
    int rc;

    bh_redis_argv_str(&a, "BLPOP");
    if ((rc = wake_key(&a, m, tok, name)) != BH_OK)
        goto out;
    snprintf(secs, sizeof secs, "%.3f", (double)(ms < 1 ? 1 : ms) / 1000.0);
    bh_redis_argv_str(&a, secs);
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_ERROR)
        rc = bh_redis_reply_fail(r, rep);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* The lock name was just taken (res 1: from a dead holder): noted for
 * release_all and kept alive by the keeper, or released again when that
 * cannot be done. */
static int took(bh_shared *m, const char *name, size_t len, int res)
{
    if (held_add(bh_redis_shared_of(m), name) != BH_OK || bh_redis_keep(m, "l:", name) != BH_OK) {
        bh_redis_lock_release(m, name, len);
        return BH_ENOMEM;
    }
    if (res == 1)
        bh_log(BH_LOG_WARN, "store: lock %s of %s: its holder died without releasing it", name,
               m->id);
    return res == 1 ? BH_EABANDONED : BH_OK;
}

/* How long the next wait for a wake-up may last: a slice, or what is left
 * until deadline (0 when nothing is). */
static int64_t wait_slice(int64_t timeout_ms, int64_t deadline)
{
    int64_t left;

    if (timeout_ms < 0)
        return SLICE_MS;
    left = deadline - bh_clock_mono_ms();
    return left <= 0 ? 0 : left < SLICE_MS ? left : SLICE_MS;
}

/* The acquisition of bh_redis_lock_acquire, by deadline (0: none). */
static int acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms,
                   int64_t deadline)
{
    const char *tok = bh_redis_token();
    int queued = 0, res = 2, rc;
    int64_t wait;

    for (;;) {
        if ((rc = try_once(m, name, tok, timeout_ms != 0, &res)) != BH_OK)
            break;
        if (res == -1) {
            rc = BH_EDEADLK;
            break;
        }
        if (res == 0 || res == 1)
            return took(m, name, len, res);
        /* A holder on this host that died is seen at once, not at its lease. */
        if (bh_redis_reap_dead(m, "l:", name) == 1)
            continue;
        if (timeout_ms == 0)
            return BH_ETIMEDOUT;
        queued = 1;
        if ((wait = wait_slice(timeout_ms, deadline)) == 0) {
            rc = BH_ETIMEDOUT;
            break;
        }
        if ((rc = wait_wake(m, name, tok, wait)) != BH_OK)
            break;
    }
    if (queued)
        leave_queue(m, name, tok);
    return rc;
}

/* A wait with a timeout holds to it even when the server hangs: every
 * command of the wait, the last leave_queue included, is bounded by the
 * deadline (conn.c), and one that gets no answer by then is BH_ETIMEDOUT.
 * A try whose answer was lost that way may have taken the lock in the
 * server: unrenewed, it is handed on when its lease runs out. */
int bh_redis_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    int64_t deadline = timeout_ms > 0 ? bh_clock_mono_ms() + timeout_ms : 0;
    int64_t outer = deadline ? bh_redis_deadline_set(r, deadline) : 0;
    int rc = acquire(m, name, len, timeout_ms, deadline);

    if (deadline)
        bh_redis_deadline_set(r, outer);
    return rc;
}

int bh_redis_lock_release(bh_shared *m, const char *name, size_t len)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    const char *tok = bh_redis_token();
    struct bh_redis_argv a = {0};
    long long late;
    int rc;

    (void)len; /* see redis.h */
    if ((rc = bh_redis_argv_key(&a, m, "l:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lh:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lq:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lb:", name)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, tok);
    bh_redis_argv_add(&a, ms->kbase, ms->kbase_len);
    bh_redis_argv_str(&a, name);
    if ((rc = bh_redis_argv_int(&a, HEARTBEAT_MS)) != BH_OK ||
        (rc = bh_redis_script_eval_int(ms->st, BH_RS_LOCK_RELEASE, 0, 4, &a, &late)) != BH_OK)
        goto out;
    if (late < 0) {
        rc = BH_ENOTOWNER;
    } else {
        bh_redis_unkeep(m, "l:", name);
        if (late == 1)
            bh_log(BH_LOG_WARN, "store: lock %s of %s was held past its lease (%lld ms)", name,
                   m->id, (long long)ms->st->conf.lease_ms);
        held_remove(ms, name);
    }
out:
    bh_redis_argv_free(&a);
    return rc;
}

/* Held means: the lock key exists (a holder's lease is running), and it
 * does not name a process of this host that has died. */
int bh_redis_lock_held(bh_shared *m, const char *name, size_t len)
{
    char holder[BH_REDIS_TOKEN_MAX];
    int rc;

    (void)len; /* see redis.h */
    if ((rc = bh_redis_holder(m, "l:", name, holder, sizeof holder)) != BH_OK)
        return rc;
    return holder[0] && !bh_redis_token_dead_here(holder);
}

int bh_redis_lock_fence(bh_shared *m, const char *name, size_t len, uint64_t *out)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    long long v;
    int rc;

    (void)len; /* see redis.h */
    if ((rc = bh_redis_argv_key(&a, m, "l:", name)) != BH_OK ||
        (rc = bh_redis_argv_key(&a, m, "lh:", name)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, bh_redis_token());
    if ((rc = bh_redis_script_eval(r, BH_RS_LOCK_FENCE, 1, &rep, 2, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_NIL)
        rc = BH_ENOTOWNER;
    else if (bh_redis_reply_int(rep, &v) != BH_OK || v < 0)
        rc = BH_EPROTO;
    else
        *out = (uint64_t)v;
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

int bh_redis_lock_release_all(bh_shared *m)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    int n = 0;

    while (ms->nheld > 0) {
        char *name = strdup(ms->held[ms->nheld - 1]);
        if (!name)
            return BH_ENOMEM;
        if (bh_redis_lock_release(m, name, strlen(name)) == BH_OK)
            n++;
        else
            held_remove(ms, name); /* held no longer (not ours after a fork, or lost) */
        free(name);
    }
    return n;
}
