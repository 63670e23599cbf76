/*
 * Running the due jobs: what a worker does for the runner's BH_JOB_SCHEDULE
 * job, and bh_schedule_run_due without a runner.
 *
 * Each job's record is read, and a due one is claimed by one
 * compare-and-swap from the text read to the text of the record running
 * under a lease: of several workers (or hosts) that find it due, exactly
 * one swaps, and only that one runs it. The run ends with a second swap,
 * from the running text to the next pending one (or to nothing for a job
 * that runs once); a record changed meanwhile (cancelled, replaced) is left
 * as it is. A claim whose lease passed belongs to a worker that died: it is
 * claimed again for a second attempt, and after that set aside.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base/clock.h"
#include "bothive/log.h"
#include "internal.h"
#include "schedule_priv.h"

#define BH_SCHEDULE_DEADLETTER_MEMORY "bothive.deadletter"
#define BH_SCHEDULE_ATTEMPTS_MAX 2

/* One scan's state. */
typedef struct bh_sched_scan {
    bh_bot *bot;
    bh_shared *m;
    int64_t now;
    int64_t skew;    /* the caller's now minus the wall clock's, at the start */
    int64_t next;    /* the earliest due time or lease end seen; 0: none */
    int ran;
    int failed;      /* a record could not be read or claimed: the watermark stays */
} bh_sched_scan;

/* The scan's clock: the wall clock, moved to the caller's now. */
static int64_t bh_sched_time(const bh_sched_scan *sc)
{
    return bh_clock_wall_ms() + sc->skew;
}

static void bh_sched_scan_next(bh_sched_scan *sc, int64_t t)
{
    if (t > 0 && (sc->next == 0 || t < sc->next))
        sc->next = t;
}

/* Swaps key from the text `from` (indexed at minute old_slot) to the
 * record r (NULL: deletes it), keeping the time index: the new entry is
 * added first, the old one dropped after (r->slot gets the new minute).
 * BH_ECONFLICT / BH_ENOTFOUND: someone else changed it first. */
static int bh_sched_swap(bh_sched_scan *sc, const char *key, const char *from,
                         int64_t old_slot, bh_sched_rec *r, char **to_text)
{
    bh_value expected = bh_value_bytes(from, bh_sched_stored_len(from)), desired;
    const char *name = key + strlen(BH_SCHEDULE_KEY_PREFIX);
    char *text = NULL;
    int rc;

    if (r) {
        rc = bh_sched_index_add(sc->bot, name, bh_sched_minute_of(r, bh_clock_wall_ms()),
                                &r->slot);
        if (rc != BH_OK)
            return rc;
        if (!(text = bh_sched_rec_encode(r)))
            return BH_ENOMEM;
    }
    desired = bh_value_bytes(text, text ? bh_sched_stored_len(text) : 0);
    rc = bh_shared_cas(sc->m, key, &expected, r ? &desired : NULL);
    if (rc == BH_OK)
        bh_sched_index_drop(sc->bot, old_slot);
    else if (r)
        bh_sched_index_drop(sc->bot, r->slot); /* never published */
    if (rc == BH_OK && to_text)
        *to_text = text;
    else
        free(text);
    return rc;
}

/* The context of a run of r: its owner's memory, and its chat and user
 * (for their scoped memories and the error handler). */
static void bh_sched_ctx(bh_sched_scan *sc, const bh_sched_rec *r, size_t comp, bh_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->bot = sc->bot;
    ctx->comp = comp;
    ctx->attempt = r->attempt;
    ctx->ids_known = 1;
    ctx->chat_id = r->chat;
    ctx->user_id = r->user;
}

/* Tells the error handler of a job set aside. The internal sweep is not
 * given up: it is due again a lease later (what it sweeps is still due). */
static void bh_sched_report_aside(bh_sched_scan *sc, const bh_sched_rec *r)
{
    size_t comp = 0;
    bh_ctx ctx;

    if (bh_schedule_handler_of(sc->bot, r->handler, &comp)) {
        bh_sched_ctx(sc, r, comp, &ctx);
        bh_error_job(&ctx, comp, r->name, r->handler, BH_FAIL_DEADLETTER, 0,
                     "the job killed two workers and was set aside");
        bh_ctx_scoped_close(&ctx);
    }
}

/* Records a job that killed its workers in the dead-letter memory. */
static void bh_sched_set_aside(bh_sched_scan *sc, const bh_sched_rec *r, const char *stored)
{
    char key[sizeof "schedule:" + BH_SCHEDULE_NAME_MAX];
    bh_shared *dl;
    int rc;

    bh_log(BH_LOG_ERROR, "job %s (handler %s) did not finish in %d attempts: set aside in %s",
           r->name, r->handler, r->attempt, BH_SCHEDULE_DEADLETTER_MEMORY);
    snprintf(key, sizeof key, "schedule:%s", r->name);
    if ((rc = bh_shared_open(sc->bot->store, BH_SCHEDULE_DEADLETTER_MEMORY, &dl)) == BH_OK) {
        rc = bh_shared_set_json(dl, key, stored + BH_SCHED_HDR);
        bh_shared_close(dl);
    }
    if (rc != BH_OK)
        bh_log(BH_LOG_ERROR, "job %s: not recorded as set aside: %s", r->name, bh_strerror(rc));
    bh_sched_report_aside(sc, r);
}

/* Ends a run (or a skipped or set-aside one) of r, whose record now reads
 * `text`: the next pending record, or nothing. */
static void bh_sched_finish(bh_sched_scan *sc, const char *key, const char *text,
                            bh_sched_rec *r)
{
    int64_t next, old_slot = r->slot;
    int rc = bh_sched_rec_next(r, bh_sched_time(sc), &next);

    if (rc != BH_OK) {
        bh_log(BH_LOG_ERROR, "job %s: its next time cannot be computed (%s): removed",
               r->name, bh_strerror(rc));
        next = 0;
    }
    r->running = 0;
    r->attempt = 0;
    r->until = 0;
    r->due = next;
    rc = bh_sched_swap(sc, key, text, old_slot, next ? r : NULL, NULL);
    if (rc == BH_OK)
        bh_sched_scan_next(sc, next);
    else if (rc != BH_ECONFLICT && rc != BH_ENOTFOUND)
        bh_log(BH_LOG_ERROR, "job %s: not rescheduled: %s", r->name, bh_strerror(rc));
}

/* Calls the handler of the claimed run r; a run after a worker's death,
 * and a handler's error, reach the error handler as a hook's do. */
static int bh_sched_call(bh_sched_scan *sc, const bh_sched_rec *r)
{
    size_t comp;
    bh_schedule_fn fn = bh_schedule_handler_of(sc->bot, r->handler, &comp);
    bh_ctx ctx;
    bh_schedule_job job = {.name = r->name, .handler = r->handler, .kind = r->kind,
                           .chat_id = r->chat, .user_id = r->user,
                           .data = r->data ? r->data : "", .due_ms = r->due,
                           .attempt = r->attempt};
    bh_shared *mem;
    int rc, left;

    if (!fn) {
        bh_log(BH_LOG_ERROR, "job %s: no handler %s registered", r->name, r->handler);
        return BH_ENOTFOUND;
    }
    bh_sched_ctx(sc, r, comp, &ctx);
    if (r->attempt > 1)
        bh_error_job(&ctx, comp, r->name, r->handler, BH_FAIL_CRASH, 0,
                     "the worker running this job died; it runs again");
    if (sc->bot->note)
        sc->bot->note(r->handler);
    rc = fn(&ctx, &job);
    if (sc->bot->note)
        sc->bot->note(NULL);
    /* A lock a handler still holds would block every other worker. */
    if (sc->bot->mems && (mem = sc->bot->mems[comp]) && (left = bh_lock_release_all(mem)) > 0)
        bh_log(BH_LOG_WARN, "job %s returned holding %d lock(s); released", r->name, left);
    if (rc < 0) {
        bh_log(BH_LOG_ERROR, "job %s (handler %s) failed: %s", r->name, r->handler,
               bh_strerror(rc));
        bh_error_job(&ctx, comp, r->name, r->handler, BH_FAIL_HOOK, rc, bh_strerror(rc));
    }
    bh_ctx_scoped_close(&ctx);
    sc->ran++;
    return rc;
}

/* Claims r (read as `text`) for its attempt-th run and runs it. */
static void bh_sched_claim_run(bh_sched_scan *sc, const char *key, const char *text,
                               bh_sched_rec *r, int attempt)
{
    char *running = NULL;
    int64_t old_slot = r->slot;
    int rc;

    r->running = 1;
    r->attempt = attempt;
    r->until = bh_sched_time(sc) + r->lease;
    if ((rc = bh_sched_swap(sc, key, text, old_slot, r, &running)) != BH_OK) {
        if (rc != BH_ECONFLICT && rc != BH_ENOTFOUND) {
            bh_log(BH_LOG_ERROR, "job %s: not claimed: %s", r->name, bh_strerror(rc));
            sc->failed = 1;
        }
        return; /* another worker has it */
    }
    /* Should this process die in the handler, the master must wake when
     * the lease ends, so that the run is tried again. */
    bh_schedule_wake(sc->bot, r->until);
    if (attempt > 1)
        bh_log(BH_LOG_WARN, "job %s: its worker died; running it again (attempt %d)",
               r->name, attempt);
    bh_sched_call(sc, r);
    bh_sched_finish(sc, key, running, r);
    free(running);
}

/* A record found due: its key, its text as read, and the record. */
typedef struct bh_sched_due {
    const char *key;
    char *text;
    bh_sched_rec r;
} bh_sched_due;

/* What to do with a due record: run it (again), set it aside, or skip it. */
static void bh_sched_consider(bh_sched_scan *sc, bh_sched_due *d)
{
    bh_sched_rec *r = &d->r;

    if (r->running && r->attempt >= BH_SCHEDULE_ATTEMPTS_MAX) {
        bh_sched_set_aside(sc, r, d->text);
        bh_sched_finish(sc, d->key, d->text, r);
        if (!strcmp(r->handler, BH_SWEEP_JOB))
            bh_sweep_at(sc->bot, bh_sched_time(sc) + BH_SWEEP_LEASE_MS);
    } else if (r->running) {
        bh_sched_claim_run(sc, d->key, d->text, r, r->attempt + 1);
    } else if (r->misfire == BH_MISFIRE_SKIP && sc->now - r->due > r->grace) {
        bh_log(BH_LOG_INFO, "job %s: missed by %lld ms; skipped, as its misfire policy says",
               r->name, (long long)(sc->now - r->due));
        bh_sched_finish(sc, d->key, d->text, r);
    } else {
        bh_sched_claim_run(sc, d->key, d->text, r, 1);
    }
}

/* Whether the index entry of minute slot for key is stale (its record is
 * gone, or names another minute; 0 is a record not indexed yet), and
 * drops it when its minute ended over BH_SCHED_STALE_MS ago (younger, its
 * writer may be between adding it and writing the record). */
static int bh_sched_stale(bh_sched_scan *sc, int64_t slot, const bh_sched_rec *r)
{
    if (r && (r->slot == 0 || r->slot == slot))
        return 0;
    if (((slot >> BH_SCHED_POS_BITS) + 1) * BH_SCHED_SLOT_MS < bh_sched_time(sc) - BH_SCHED_STALE_MS)
        bh_sched_index_drop(sc->bot, slot);
    return 1;
}

/* Reads the record under key (found in the index at minute slot; 0: by
 * the full walk): a due one goes into *d (1), one not due yet only moves
 * the scan's next time (0). */
static int bh_sched_read(bh_sched_scan *sc, const char *key, int64_t slot, bh_sched_due *d)
{
    int64_t at;
    int rc;

    d->key = key;
    if ((rc = bh_sched_stored_get(sc->m, key, &d->text)) != BH_OK) {
        if (rc != BH_ENOTFOUND) /* else gone meanwhile */
            bh_log(BH_LOG_WARN, "%s: not a job record (%s); ignored", key, bh_strerror(rc));
        else if (slot)
            bh_sched_stale(sc, slot, NULL);
        if (rc != BH_ENOTFOUND && rc != BH_EJSON)
            sc->failed = 1; /* the store's error: read it again */
        return 0;
    }
    if ((at = bh_sched_stored_at(d->text)) > sc->now) {
        bh_sched_scan_next(sc, at);
        free(d->text);
        return 0;
    }
    if (bh_sched_rec_parse(d->text, &d->r) != BH_OK) {
        bh_log(BH_LOG_WARN, "%s: not a job record; ignored", key);
        free(d->text);
        return 0;
    }
    /* The record is the truth, should its header ever disagree. */
    if ((at = d->r.running ? d->r.until : d->r.due) <= sc->now &&
        !(slot && bh_sched_stale(sc, slot, &d->r)))
        return 1;
    bh_sched_scan_next(sc, at);
    bh_sched_rec_free(&d->r);
    free(d->text);
    return 0;
}

/*
 * Each record is read and parsed once; only the due ones are kept. Several
 * jobs due at once are run by several workers: a look that finds more
 * than one asks the runner for another look now (the master keeps at most
 * one per worker), and the looks start at different places of the list,
 * so that their claims seldom meet.
 */
static void bh_sched_run_all(bh_sched_scan *sc, char **keys, const int64_t *slots, size_t n)
{
    bh_sched_due *due = calloc(n ? n : 1, sizeof *due);
    size_t start = n ? (size_t)getpid() % n : 0, nd = 0;

    if (!due) {
        sc->failed = 1;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = (start + k) % n;
        nd += bh_sched_read(sc, keys[i], slots ? slots[i] : 0, &due[nd]);
    }
    if (nd > 1)
        bh_schedule_wake(sc->bot, sc->now);
    for (size_t i = 0; i < nd; i++) {
        bh_sched_consider(sc, &due[i]);
        bh_sched_rec_free(&due[i].r);
        free(due[i].text);
    }
    free(due);
}

/* The full walk: every job record; with repair, each is indexed too. */
static int bh_sched_walk(bh_bot *bot, int64_t now_ms, int repair, int64_t *next_ms)
{
    bh_sched_scan sc = {.bot = bot, .now = now_ms > 0 ? now_ms : bh_clock_wall_ms()};
    char **keys = NULL;
    size_t n = 0;
    int rc;

    sc.skew = sc.now - bh_clock_wall_ms();
    if ((rc = bh_schedule_memory(bot, &sc.m)) != BH_OK)
        return rc;
    if ((rc = bh_schedule_keys(sc.m, &keys, &n)) != BH_OK)
        goto out;
    bh_sched_run_all(&sc, keys, NULL, n);
    if (repair)
        bh_sched_index_repair(bot, sc.m, keys, n);
    /* Every record due at the start was read: what the index holds before
     * the hour the looks read is swept. */
    if (repair && !sc.failed)
        bh_sched_index_mark(bot, sc.now / BH_SCHED_SLOT_MS - BH_SCHED_BACK);
    bh_schedule_keys_free(keys, n);
    bh_schedule_wake(bot, sc.next);
    if (next_ms)
        *next_ms = sc.next;
    rc = sc.ran;
out:
    bh_shared_close(sc.m);
    return rc;
}

int bh_schedule_run_due(bh_bot *bot, int64_t now_ms, int64_t *next_ms)
{
    return bh_sched_walk(bot, now_ms, 0, next_ms);
}

/* The look of the index: the entries of the last hour and of a stretch
 * after the watermark, and the next minute with one. The watermark moves
 * once all it read is handled; while it is behind, the next look is now. */
int bh_schedule_look_due(bh_bot *bot, int64_t now_ms, int64_t *next_ms)
{
    bh_sched_scan sc = {.bot = bot, .now = now_ms > 0 ? now_ms : bh_clock_wall_ms()};
    bh_sched_cands c = {0};
    bh_sched_sweep sw;
    int rc;

    sc.skew = sc.now - bh_clock_wall_ms();
    if ((rc = bh_bot_attached_store(bot)) != BH_OK ||
        (rc = bh_schedule_memory(bot, &sc.m)) != BH_OK)
        return rc;
    if ((rc = bh_sched_index_due(bot, sc.now, &c, &sw)) != BH_OK)
        goto out;
    bh_sched_run_all(&sc, c.keys, c.slots, c.n);
    if (!sc.failed && (rc = bh_sched_index_mark(bot, sw.upto)) != BH_OK)
        bh_log(BH_LOG_WARN, "the time index's watermark did not move: %s", bh_strerror(rc));
    if (sw.behind)
        sc.next = sc.now; /* the rest of the stretch, now */
    else
        bh_sched_scan_next(&sc, bh_sched_index_next(bot, sc.m, sc.now));
    if (sc.failed) /* again soon, not in a loop while the store fails */
        bh_sched_scan_next(&sc, sc.now + BH_SCHED_RETRY_MS);
    bh_schedule_wake(bot, sc.next);
    if (next_ms)
        *next_ms = sc.next;
    rc = sc.ran;
out:
    bh_sched_cands_free(&c);
    bh_shared_close(sc.m);
    return rc;
}

int bh_schedule_look(bh_bot *bot, int start, int deadletters, int64_t *next_ms)
{
    bh_ctx ctx = {.bot = bot};
    int rc;

    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    if (deadletters && (rc = bh_error_deadletters(&ctx)) != BH_OK)
        bh_log(BH_LOG_ERROR, "dead letters not reported: %s", bh_strerror(rc));
    if (start) {
        bh_sweep_at(bot, bh_clock_wall_ms());
        return bh_sched_walk(bot, 0, 1, next_ms);
    }
    return bh_schedule_look_due(bot, 0, next_ms);
}
