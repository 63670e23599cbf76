/*
 * A job's life in the master. An update from an updater (or a tick of a
 * timer) becomes a job, which waits in the queue of its key (queue.c) until
 * an idle worker takes it; it ends done, or is retried on another worker
 * after a crash, or is set aside in the dead-letter memory. Only a job over
 * for good moves the offset the updaters may confirm (ledger.c).
 *
 * Names: every function here is bh_master_*, as it works on the master's
 * state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "master.h"

/* Whether source s polls getUpdates (not a webhook, not a feed): only
 * then does Telegram give unconfirmed updates again. */
static int bh_master_polls(const bh_master *m, int s)
{
    return !m->app->sources[s].feed && !m->o.webhook_url;
}

void bh_master_job_finish(bh_master *m, bh_qjob *j)
{
    if (j->part) {
        bh_master_hosts_done(m, j);
    } else if (j->kind == BH_JOB_UPDATE) {
        /* Until Telegram confirms it, the store remembers it is done, for
         * a master that would crash meanwhile (doneset.c). */
        if (bh_master_polls(m, j->source))
            bh_doneset_mark(&m->done, j->source, j->update_id);
        bh_ledger_finish(&m->led[j->source], j->update_id);
    }
    if (j->kind == BH_JOB_SCHEDULE && m->sched_inflight[j->source] > 0)
        m->sched_inflight[j->source]--;
    bh_qjob_free(j);
}

/* " in <what worker i said it runs>", or "" when it said nothing. */
static void bh_master_note_text(const bh_master *m, int i, char *out, size_t n)
{
    out[0] = '\0';
    if (m->shm[i].note[0])
        snprintf(out, n, " in %.*s", BH_NOTE_MAX - 1, m->shm[i].note);
}

bh_qjob *bh_master_job_of_update(int s, const bh_msg *msg)
{
    bh_qjob *j = calloc(1, sizeof *j);

    if (!j)
        return NULL;
    j->kind = BH_JOB_UPDATE;
    j->source = s;
    j->attempt = 1;
    j->update_id = msg->h.update_id;
    j->key_kind = msg->h.kind;
    j->key = msg->h.a;
    j->received_ms = bh_clock_mono_ms();
    if (msg->body && msg->h.type != BH_MSG_TOOBIG) {
        if (!(j->json = malloc(msg->len + 1))) {
            free(j);
            return NULL;
        }
        memcpy(j->json, msg->body, msg->len + 1);
        j->len = msg->len;
    }
    return j;
}

/*
 * Whether update msg of source s is to run: not seen before (redeliveries
 * are dropped), and not finished before a restart of the master (then it
 * is finished now, unrun). The offset the updater reports with it lets
 * the done marks below it go.
 */
static int bh_master_update_is_new(bh_master *m, int s, const bh_msg *msg)
{
    int ordered = m->app->sources[s].feed || !m->o.webhook_url;
    int rc = bh_ledger_receive(&m->led[s], msg->h.update_id, ordered);

    if (rc == BH_LEDGER_SEEN) {
        bh_log(BH_LOG_DEBUG, "update %lld of source %d seen before: ignored",
               (long long)msg->h.update_id, s);
        return 0;
    }
    if (rc != BH_LEDGER_NEW) {
        bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d dropped",
               (long long)msg->h.update_id, s);
        return 0;
    }
    if (msg->h.b > 0)
        bh_doneset_confirmed(&m->done, s, msg->h.b);
    if (ordered && bh_doneset_before(&m->done, s, msg->h.update_id)) {
        bh_log(BH_LOG_DEBUG, "update %lld of source %d finished before a restart: not run "
               "again", (long long)msg->h.update_id, s);
        bh_ledger_finish(&m->led[s], msg->h.update_id);
        return 0;
    }
    return 1;
}

void bh_master_on_update(bh_master *m, int s, const bh_msg *msg)
{
    bh_qjob *j;

    if (!bh_master_update_is_new(m, s, msg))
        return;
    if (!(j = bh_master_job_of_update(s, msg)))
        goto fail;
    if (msg->h.type == BH_MSG_TOOBIG) {
        bh_deadletter_put(m->st, NULL, j, "too large to dispatch");
        bh_master_job_finish(m, j);
        return;
    }
    if (bh_queue_push(&m->q, j, 0) != BH_OK)
        goto fail;
    return;
fail:
    /* Left unfinished in the ledger: the offset stays below it, and it is
     * delivered again after a restart. */
    bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d dropped for now",
           (long long)msg->h.update_id, s);
    bh_qjob_free(j);
}

/* Logs how long a job took when it had overrun the deadline, and ends it:
 * the worker is idle again, and has shown that the code runs (pending
 * respawns are pulled in). */
void bh_master_job_done(bh_master *m, int i)
{
    bh_wslot *w = &m->w[i];
    bh_qjob *j = w->job;
    int64_t now = bh_clock_mono_ms(), took = now - w->started_ms;

    if (w->overrun_logged)
        bh_log(BH_LOG_WARN, "update %lld of source %d finished after %lld ms",
               (long long)j->update_id, j->source, (long long)took);
    w->job = NULL;
    w->state = BH_W_IDLE;
    bh_master_worker_proved(m, i, now);
    bh_queue_release(&m->q, j);
    bh_master_job_finish(m, j);
}

/* An update that killed BH_MASTER_CRASHES_MAX workers: into the dead-letter
 * memory with the way the last one ended. */
static void bh_master_job_set_aside(bh_master *m, int i, bh_qjob *j, const char *how,
                                    const char *note)
{
    char reason[256];

    bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running update %lld of source "
           "%d%s (attempt %d)", i, (int)m->w[i].pid, how, (long long)j->update_id,
           j->source, note, j->attempt);
    snprintf(reason, sizeof reason, "killed %d workers; the last one %s%s", j->crashes,
             how, note);
    bh_deadletter_put(m->st, NULL, j, reason);
    bh_master_deadletter_look(m, j->source);
    bh_master_job_finish(m, j);
}

void bh_master_deadletter_look(bh_master *m, int s)
{
    /* A look at the jobs now tells the application (its error handler). */
    if (s >= 0 && s < m->ns)
        m->sched_flags[s] |= BH_LOOK_DEADLETTER;
    bh_master_schedule_wake(m, s, bh_clock_wall_ms());
}

/* A timer's run that crashed is retried once on another worker (attempt
 * 2, which tells the application); when that one crashes too, a run of
 * attempt 3 only reports it, and the next tick comes as usual. */
static void bh_master_timer_crashed(bh_master *m, int i, bh_qjob *j, const char *how,
                                    const char *note)
{
    bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running timer %d of source %d%s "
           "(attempt %d)%s", i, (int)m->w[i].pid, how, j->timer, j->source, note, j->attempt,
           j->attempt < BH_MASTER_CRASHES_MAX ? "; retrying it on another worker" : "");
    if (j->attempt > BH_MASTER_CRASHES_MAX) {
        bh_qjob_free(j); /* the report itself died */
        return;
    }
    j->attempt++;
    if (bh_queue_push(&m->q, j, 1) != BH_OK)
        bh_qjob_free(j);
}

/* A timer's tick that crashed is not retried: the next tick comes anyway.
 * An update is retried first in its key's queue. */
void bh_master_job_crashed(bh_master *m, int i, bh_qjob *j, const char *how)
{
    char note[BH_MASTER_NOTE_TEXT_MAX];

    bh_master_note_text(m, i, note, sizeof note);
    if (j->part && !j->lost && !bh_master_hosts_lost(m, j)) {
        /* Hosts mode: the crashes are counted in the log, across hosts;
         * the key stays busy until the feeder's verdict. */
        j->crashes++;
        bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running update %lld of source "
               "%d%s (attempt %d)", i, (int)m->w[i].pid, how, (long long)j->update_id,
               j->source, note, j->attempt);
        bh_master_hosts_crashed(m, j);
        return;
    }
    bh_queue_release(&m->q, j);
    if (j->lost || bh_master_hosts_lost(m, j)) {
        /* Hosts mode: the partition's next owner runs it (this host's
         * feeder, when it renews the same lease); not a crash. */
        bh_log(BH_LOG_WARN, "update %lld of partition %d left to its next owner",
               (long long)j->update_id, j->part - 1);
        bh_master_hosts_nack(m, j);
        bh_qjob_free(j);
        return;
    }
    j->crashes++;
    /* What a dead worker told of scheduled jobs may be lost with it (the
     * master may reap it before reading its last messages): a look now
     * finds the state in the store again. */
    bh_master_schedule_wake(m, j->source, bh_clock_wall_ms());
    if (j->kind == BH_JOB_TIMER) {
        bh_master_timer_crashed(m, i, j, how, note);
    } else if (j->kind == BH_JOB_SCHEDULE) {
        m->sched_flags[j->source] |= j->timer; /* what it was to look at */
        /* Not retried here: the job it was running is claimed in the store
         * under a lease, and the worker asked to be woken when it ends. */
        bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running scheduled jobs of source "
               "%d%s", i, (int)m->w[i].pid, how, j->source, note);
        bh_master_job_finish(m, j);
    } else if (j->crashes >= BH_MASTER_CRASHES_MAX) {
        bh_master_job_set_aside(m, i, j, how, note);
    } else {
        bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running update %lld of source "
               "%d%s; retrying it on another worker", i, (int)m->w[i].pid, how,
               (long long)j->update_id, j->source, note);
        j->attempt++;
        if (bh_queue_push(&m->q, j, 1) != BH_OK)
            bh_master_job_finish(m, j);
    }
}

/* An idle worker other than `not` (-1: any), starting after the last one
 * used, so work spreads over the pool; -1 if none. */
static int bh_master_idle(bh_master *m, int not)
{
    for (int n = 0; n < m->nw; n++) {
        int i = (m->rr + 1 + n) % m->nw;
        if (i != not && m->w[i].state == BH_W_IDLE)
            return i;
    }
    return -1;
}

/* Sends j to idle worker i, which becomes busy with it. A job too large for
 * the socket is set aside; a worker that cannot be reached is dead. */
static void bh_master_hand_out(bh_master *m, int i, bh_qjob *j)
{
    bh_wslot *w = &m->w[i];
    bh_msg_hdr h = {.type = BH_MSG_JOB, .source = j->source, .kind = j->kind,
                    .timer = j->timer, .attempt = j->attempt, .update_id = j->update_id};
    int rc;

    m->rr = i;
    j->last_slot = i;
    w->job = j;
    w->state = BH_W_BUSY;
    w->started_ms = bh_clock_mono_ms();
    w->overrun_logged = 0;
    rc = bh_proto_send(w->fd, &h, j->json, j->json ? j->len : 0);
    if (rc == BH_ETOOBIG) {
        w->job = NULL;
        w->state = BH_W_IDLE;
        bh_queue_release(&m->q, j);
        bh_deadletter_put(m->st, NULL, j, "too large to dispatch");
        bh_master_job_finish(m, j);
    } else if (rc != BH_OK) {
        bh_master_worker_dead(m, i, 0, 0);
    }
}

void bh_master_dispatch(bh_master *m)
{
    int i;

    while (m->q.rhead && (i = bh_master_idle(m, -1)) >= 0) {
        bh_qjob *j = bh_queue_next(&m->q);
        if (!j)
            break;
        if (j->part && !bh_master_hosts_may_run(m, j)) {
            bh_queue_release(&m->q, j);
            bh_qjob_free(j);
            continue;
        }
        if (j->crashes && j->last_slot == i) {
            /* A retry goes to another worker when one is free (the slot it
             * crashed on holds a fresh process, but what the handler left
             * behind for it, e.g. in a file, would be the same). */
            int k = bh_master_idle(m, i);
            if (k >= 0)
                i = k;
        }
        bh_master_hand_out(m, i, j);
    }
}

/* Queues a run of timer t of source s. One run at a time: a tick that finds
 * the previous run still going (or queued) is dropped, not stacked up. */
static void bh_master_timer_tick(bh_master *m, int s, size_t t, int64_t now)
{
    bh_qjob *j;

    if (!bh_master_hosts_timers_here(m, s))
        return; /* another host's feeder holds the timers' lease */
    if (bh_queue_key_active(&m->q, s, BH_KEY_TIMER, (int64_t)t)) {
        bh_log(BH_LOG_DEBUG, "timer %zu of source %d: previous run not over, "
               "tick skipped", t, s);
        return;
    }
    if (!(j = calloc(1, sizeof *j)))
        return;
    j->kind = BH_JOB_TIMER;
    j->source = s;
    j->timer = (int)t;
    j->attempt = 1;
    j->key_kind = BH_KEY_TIMER;
    j->key = (int64_t)t;
    j->received_ms = now;
    if (bh_queue_push(&m->q, j, 0) != BH_OK)
        bh_qjob_free(j);
}

/* A tick missed by more than a period (the master was stopped, say) is not
 * caught up: the next one is a period from now. */
void bh_master_timers(bh_master *m, int64_t now, int64_t *wake)
{
    for (int s = 0; s < m->ns; s++) {
        const bh_runner_source *src = &m->app->sources[s];
        for (size_t t = 0; t < src->ntimers; t++) {
            int64_t *next = &m->timer_next[s][t];
            int64_t period = src->timer_seconds[t] * BH_MS_PER_S;
            if (*next <= now) {
                bh_master_timer_tick(m, s, t, now);
                *next += period;
                if (*next <= now)
                    *next = now + period;
            }
            if (*next < *wake)
                *wake = *next;
        }
    }
}

void bh_master_schedule_wake(bh_master *m, int s, int64_t wall_ms)
{
    int64_t now = bh_clock_wall_ms(), delta, at;

    if (s < 0 || s >= m->ns || !m->app->sources[s].schedule)
        return;
    /* The workers speak the wall clock (the store's jobs must mean the same
     * on every host); the loop sleeps on the monotonic one. A time beyond
     * any poll's timeout is as good as far. */
    delta = wall_ms <= now ? 0 : wall_ms - now;
    if (delta > INT32_MAX * BH_MS_PER_S)
        delta = INT32_MAX * BH_MS_PER_S;
    at = bh_clock_mono_ms() + delta;
    if (m->sched_wake[s] == 0 || at < m->sched_wake[s])
        m->sched_wake[s] = at;
}

/* Queues a look at the scheduled jobs of source s, under a key of its own
 * so that looks run side by side when a worker asks for another one.
 * Non-zero when queued; not while every worker already has one (the time
 * stays due, and the next turn after one ends queues it). */
static int bh_master_schedule_push(bh_master *m, int s, int64_t now)
{
    bh_qjob *j;

    if (m->sched_inflight[s] >= m->nw || !(j = calloc(1, sizeof *j)))
        return 0;
    j->kind = BH_JOB_SCHEDULE;
    j->source = s;
    j->attempt = 1;
    j->key_kind = BH_KEY_SCHEDULE;
    j->key = m->sched_seq++;
    j->received_ms = now;
    j->timer = m->sched_flags[s];
    if (bh_queue_push(&m->q, j, 0) != BH_OK) {
        bh_qjob_free(j);
        return 0;
    }
    m->sched_inflight[s]++;
    m->sched_flags[s] = 0;
    return 1;
}

void bh_master_schedules(bh_master *m, int64_t now, int64_t *wake)
{
    for (int s = 0; s < m->ns; s++) {
        int64_t *at = &m->sched_wake[s];
        if (!m->app->sources[s].schedule)
            continue;
        if (!m->sched_started) {
            *at = now; /* the look at the start: what was missed meanwhile */
            m->sched_flags[s] |= BH_LOOK_START;
        }
        if (*at && *at <= now) {
            if (bh_master_schedule_push(m, s, now))
                *at = 0;
        } else if (*at && *at < *wake) {
            *wake = *at;
        }
    }
    m->sched_started = 1;
}

/* Logs that worker i has been running its job past the deadline. */
static void bh_master_log_overrun(bh_master *m, int i, int64_t now)
{
    bh_wslot *w = &m->w[i];
    char note[BH_MASTER_NOTE_TEXT_MAX];

    bh_master_note_text(m, i, note, sizeof note);
    if (w->job->kind == BH_JOB_UPDATE)
        bh_log(BH_LOG_WARN, "update %lld of source %d has been running for %lld ms on "
               "worker %d%s (deadline %lld ms)", (long long)w->job->update_id,
               w->job->source, (long long)(now - w->started_ms), i, note,
               (long long)m->o.handler_deadline_ms);
    else
        bh_log(BH_LOG_WARN, "timer %d of source %d has been running for %lld ms on "
               "worker %d%s", w->job->timer, w->job->source,
               (long long)(now - w->started_ms), i, note);
}

void bh_master_overruns(bh_master *m, int64_t now, int64_t *wake)
{
    for (int i = 0; i < m->nw; i++) {
        bh_wslot *w = &m->w[i];
        if (w->state != BH_W_BUSY || w->overrun_logged)
            continue;
        int64_t due = w->started_ms + m->o.handler_deadline_ms;
        if (due <= now) {
            bh_master_log_overrun(m, i, now);
            w->overrun_logged = 1;
        } else if (due < *wake) {
            *wake = due;
        }
    }
}
