/*
 * Hosts mode, the master's side. The feeder (feeder.c, in the updater's
 * slot) sends the entries of the partitions this host owns, each with the
 * partition and the epoch of its lease, and the time until which each
 * lease surely holds (it renews them; the time is this machine's monotonic
 * clock, which runs on while a process is stopped). The master:
 *  - queues an entry as a job in its key's queue (per-chat order within
 *    the host; one owner per partition gives it across hosts);
 *  - hands out a job only while its partition's lease holds with the
 *    job's epoch: a host that was stopped past its lease, or whose feeder
 *    cannot renew, starts nothing more of it (a NACK tells the feeder,
 *    which reads it again if it still owns the partition);
 *  - acknowledges a job over for good through the feeder (ACK), which
 *    acknowledges it in the store, fenced by the epoch.
 * No store call is made here: the master never waits on Redis.
 *
 * Names: every function here is bh_master_hosts_*, as it works on the
 * master's state.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "hosts.h"
#include "master.h"

/* The jobs done lately that a new feeder is told of: more than a feeder
 * holds unacknowledged (it acknowledges with each read, every few ms). */
#define BH_HOSTS_DONE_RING 1024

typedef struct bh_hosts_lease_view {
    int64_t until;   /* monotonic ms; 0: not held */
    uint64_t epoch;
} bh_hosts_lease_view;

/* Messages to a feeder that its socket did not take yet, in order. */
typedef struct bh_hosts_outbox {
    bh_msg_hdr *h;
    size_t head, n, cap;
} bh_hosts_outbox;

struct bh_hosts_master {
    char host[BH_HOSTS_NAME_MAX + 1];
    int *mode;                                        /* per source: hosts mode */
    int64_t *timers_until;                            /* per source */
    bh_hosts_lease_view (*lease)[BH_HOSTS_PARTS_MAX]; /* per source */
    bh_hosts_outbox *out;                             /* per source */
    bh_qjob *parked;   /* crashed, waiting for the verdict (linked by next) */
    bh_hosts_held (*done)[BH_HOSTS_DONE_RING];        /* per source: done lately */
    size_t *ndone;                                    /* per source: ever done */
};

int bh_master_hosts_init(bh_master *m)
{
    struct bh_hosts_master *hm = calloc(1, sizeof *hm);

    if (!hm)
        return BH_ENOMEM;
    m->hm = hm;
    bh_hosts_new_id(hm->host, sizeof hm->host);
    hm->lease = calloc((size_t)m->ns, sizeof *hm->lease);
    hm->out = calloc((size_t)m->ns, sizeof *hm->out);
    hm->mode = calloc((size_t)m->ns, sizeof *hm->mode);
    hm->timers_until = calloc((size_t)m->ns, sizeof *hm->timers_until);
    hm->done = calloc((size_t)m->ns, sizeof *hm->done);
    hm->ndone = calloc((size_t)m->ns, sizeof *hm->ndone);
    if (!hm->lease || !hm->out || !hm->mode || !hm->timers_until || !hm->done || !hm->ndone)
        return BH_ENOMEM;
    for (int s = 0; s < m->ns; s++)
        hm->mode[s] = bh_hosts_mode(m->app, &m->o, s);
    return BH_OK;
}

void bh_master_hosts_free(bh_master *m)
{
    struct bh_hosts_master *hm = m->hm;

    if (!hm)
        return;
    for (int s = 0; hm->out && s < m->ns; s++)
        free(hm->out[s].h);
    free(hm->out);
    free(hm->lease);
    free(hm->mode);
    free(hm->timers_until);
    free(hm->done);
    free(hm->ndone);
    while (hm->parked) {
        bh_qjob *j = hm->parked;
        hm->parked = j->next;
        bh_qjob_free(j);
    }
    free(hm);
    m->hm = NULL;
}

const char *bh_master_hosts_id(const bh_master *m)
{
    return m->hm->host;
}

/* Sends what waits for the feeder of source s, as far as its socket takes
 * it now (the master never blocks on a child). */
static void bh_master_hosts_flush_one(bh_master *m, int s)
{
    bh_hosts_outbox *o = &m->hm->out[s];

    while (o->n && m->u[s].pid > 0) {
        if (bh_proto_send_flags(m->u[s].fd, &o->h[o->head], NULL, 0, MSG_DONTWAIT) == BH_EBUSY)
            return;
        o->head++;
        o->n--;
    }
    o->head = o->n ? o->head : 0;
}

void bh_master_hosts_flush(bh_master *m)
{
    for (int s = 0; m->hm && s < m->ns; s++)
        bh_master_hosts_flush_one(m, s);
}

/* Queues h for the feeder of source s and sends what can go. */
static void bh_master_hosts_post(bh_master *m, int s, const bh_msg_hdr *h)
{
    bh_hosts_outbox *o = &m->hm->out[s];

    if (o->head + o->n == o->cap) {
        if (o->head) {
            memmove(o->h, o->h + o->head, o->n * sizeof *o->h);
            o->head = 0;
        } else {
            bh_msg_hdr *nh = bh_grow(o->h, &o->cap, o->n + 1, sizeof *nh, 256);
            if (!nh) {
                /* Not acknowledged: the entry stays pending and is run
                 * again by the partition's next owner. */
                bh_log(BH_LOG_ERROR, "out of memory: update %lld not acknowledged",
                       (long long)h->update_id);
                return;
            }
            o->h = nh;
        }
    }
    o->h[o->head + o->n++] = *h;
    bh_master_hosts_flush_one(m, s);
}

/* The message of type telling the feeder of job j of a partition: its
 * partition, update and epoch. */
static bh_msg_hdr bh_master_hosts_msg(int type, const bh_qjob *j)
{
    return (bh_msg_hdr){.type = type, .source = j->source, .timer = j->part - 1,
                        .update_id = j->update_id, .b = (int64_t)j->epoch};
}

/* Tells the feeder that job j crashed, with its crash count, for a
 * verdict. */
static void bh_master_hosts_tell_crash(bh_master *m, const bh_qjob *j)
{
    bh_msg_hdr h = bh_master_hosts_msg(BH_MSG_CRASH, j);

    h.rc = BH_MASTER_CRASHES_MAX;
    h.a = j->crashes;
    bh_master_hosts_post(m, j->source, &h);
}

/*
 * Job j of a partition is dropped here unrun, or its run ended unfinished
 * (its lease lapsed in this master's view): the feeder is told (NACK), so
 * that it no longer counts the entry in flight and reads it again if it
 * still holds the lease with j's epoch. That happens when the feeder could
 * not renew in time but the lease had not yet run out in the store (a slow
 * or restarting Redis): without the NACK the entry would stay "in flight"
 * in the feeder for as long as it held the lease, run by no one. Of an
 * epoch gone, the NACK is ignored: the newer owner claimed the entry.
 */
void bh_master_hosts_nack(bh_master *m, const bh_qjob *j)
{
    bh_msg_hdr h = bh_master_hosts_msg(BH_MSG_NACK, j);

    if (m->hm && j->part)
        bh_master_hosts_post(m, j->source, &h);
}

/*
 * Drops the parked jobs of source s (any source: -1) that wait for a
 * verdict no one will give: those of a feeder gone (all: its replacement
 * reads them again from the log, with their count), or only those whose
 * lease no longer holds here (lost). Their keys are free again.
 */
static void bh_master_hosts_unpark(bh_master *m, int s, int lost)
{
    bh_qjob **pp = &m->hm->parked;

    while (*pp) {
        bh_qjob *j = *pp;
        if ((s >= 0 && j->source != s) || (lost && !bh_master_hosts_lost(m, j))) {
            pp = &j->next;
            continue;
        }
        *pp = j->next;
        j->next = NULL;
        bh_log(BH_LOG_WARN, "update %lld of partition %d left to the log: no verdict on "
               "its crash will come", (long long)j->update_id, j->part - 1);
        if (lost)
            bh_master_hosts_nack(m, j);
        bh_queue_release(&m->q, j);
        bh_qjob_free(j);
    }
}

void bh_master_hosts_crashed(bh_master *m, bh_qjob *j)
{
    j->next = m->hm->parked;
    m->hm->parked = j;
    bh_master_hosts_tell_crash(m, j);
}

/* The feeder's verdict on a crashed job: set aside (the feeder recorded
 * and acknowledged it) or run again, first in its key. */
static void bh_master_hosts_verdict(bh_master *m, int s, const bh_msg *msg)
{
    bh_qjob **pp = &m->hm->parked, *j;

    while (*pp && ((*pp)->source != s || (*pp)->part != msg->h.timer + 1 ||
                   (*pp)->update_id != msg->h.update_id || (*pp)->epoch != (uint64_t)msg->h.b))
        pp = &(*pp)->next;
    if (!(j = *pp))
        return; /* dropped meanwhile */
    *pp = j->next;
    j->next = NULL;
    bh_queue_release(&m->q, j);
    if (msg->h.rc == 1) {
        bh_log(BH_LOG_ERROR, "update %lld of source %d set aside in %s after %lld crash(es) "
               "across hosts", (long long)j->update_id, s, BH_DEADLETTER_MEMORY,
               (long long)msg->h.a);
        bh_master_deadletter_look(m, s);
        bh_qjob_free(j);
        return;
    }
    bh_log(BH_LOG_WARN, "update %lld of source %d: %lld crash(es) across hosts; retrying it "
           "on another worker", (long long)j->update_id, s, (long long)msg->h.a);
    j->attempt++;
    if (bh_queue_push(&m->q, j, 1) != BH_OK) {
        bh_master_hosts_nack(m, j);
        bh_qjob_free(j);
    }
}

/* A feeder is gone: the acknowledgements that waited for it are lost with
 * it (their entries stay pending and run again). The leases it reported
 * still hold until their time: its replacement, with this host's id,
 * renews them, and the updates running meanwhile go on. */
void bh_master_hosts_feeder_gone(bh_master *m, int s)
{
    if (!m->hm)
        return;
    m->hm->out[s].head = m->hm->out[s].n = 0;
}

void bh_master_hosts_feeder_new(bh_master *m, int s)
{
    if (!m->hm)
        return;
    for (bh_qjob *j = m->hm->parked; j; j = j->next)
        if (j->source == s)
            bh_master_hosts_tell_crash(m, j);
}

/* Appends job j (of source s and a partition) to the held list. */
static void bh_master_hosts_hold(bh_hosts_held *out, size_t *n, int s, const bh_qjob *j)
{
    if (j && j->source == s && j->part)
        out[(*n)++] = (bh_hosts_held){.part = j->part - 1, .update_id = j->update_id,
                                      .epoch = j->epoch};
}

size_t bh_master_hosts_held(const bh_master *m, int s, bh_hosts_held **out)
{
    const struct bh_hosts_master *hm = m->hm;
    size_t n = 0, nd = hm->ndone[s] < BH_HOSTS_DONE_RING ? hm->ndone[s] : BH_HOSTS_DONE_RING;
    size_t cap = m->q.queued + m->q.running + (size_t)m->nw + nd + 1;

    if (!(*out = malloc(cap * sizeof **out)))
        return 0;
    for (size_t b = 0; b < m->q.nbuckets; b++)
        for (const bh_qkey *k = m->q.buckets[b]; k; k = k->hnext)
            for (const bh_qjob *j = k->head; j && n < cap; j = j->next)
                bh_master_hosts_hold(*out, &n, s, j);
    for (int i = 0; i < m->nw && n < cap; i++)
        bh_master_hosts_hold(*out, &n, s, m->w[i].job);
    for (const bh_qjob *j = hm->parked; j && n < cap; j = j->next)
        bh_master_hosts_hold(*out, &n, s, j);
    for (size_t i = 0; i < nd && n < cap; i++)
        (*out)[n++] = hm->done[s][i];
    return n;
}

/* In hosts mode the timers of a bot tick on one host: the one whose
 * feeder holds the timers' lease. */
int bh_master_hosts_timers_here(const bh_master *m, int s)
{
    return !m->hm || !m->hm->mode[s] || bh_clock_mono_ms() < m->hm->timers_until[s];
}

/* An entry of a partition becomes a job in its key's queue. */
static void bh_master_hosts_entry(bh_master *m, int s, const bh_msg *msg)
{
    bh_qjob *j = bh_master_job_of_update(s, msg);

    if (!j) {
        bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d left for later",
               (long long)msg->h.update_id, s);
        return;
    }
    j->part = msg->h.timer + 1;
    j->epoch = (uint64_t)msg->h.b;
    if (bh_queue_push(&m->q, j, 0) != BH_OK) {
        bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d left for later",
               (long long)msg->h.update_id, s);
        bh_master_hosts_nack(m, j);
        bh_qjob_free(j);
    }
}

void bh_master_hosts_on_msg(bh_master *m, int s, const bh_msg *msg)
{
    int p = msg->h.timer;

    if (!m->hm || p < 0 || p >= BH_HOSTS_PARTS_MAX)
        return;
    if (msg->h.type == BH_MSG_ENTRY && msg->body) {
        bh_master_hosts_entry(m, s, msg);
    } else if (msg->h.type == BH_MSG_WAKE) {
        /* The bot's next due time, from any host. */
        bh_master_schedule_wake(m, s, msg->h.a);
    } else if (msg->h.type == BH_MSG_VERDICT) {
        bh_master_hosts_verdict(m, s, msg);
    } else if (msg->h.type == BH_MSG_TIMERS) {
        m->hm->timers_until[s] = msg->h.a;
    } else if (msg->h.type == BH_MSG_LEASE) {
        m->hm->lease[s][p].until = msg->h.a;
        m->hm->lease[s][p].epoch = (uint64_t)msg->h.b;
    }
}

/*
 * Whether job j of a partition may start now: its partition's lease holds
 * with j's epoch. A job of an older epoch is dropped silently (the owner
 * of the newer one claimed it and sends it again); one whose lease ran out
 * with the same epoch is dropped with a NACK, so that the feeder reads it
 * again if it renews.
 */
int bh_master_hosts_may_run(bh_master *m, const bh_qjob *j)
{
    const bh_hosts_lease_view *l = &m->hm->lease[j->source][j->part - 1];

    if (l->epoch == j->epoch && bh_clock_mono_ms() < l->until)
        return 1;
    bh_log(BH_LOG_DEBUG, "update %lld of partition %d not started: its lease is not held",
           (long long)j->update_id, j->part - 1);
    if (l->epoch == j->epoch)
        bh_master_hosts_nack(m, j);
    return 0;
}

/* Whether job j's partition lease no longer holds here (with its epoch). */
int bh_master_hosts_lost(const bh_master *m, const bh_qjob *j)
{
    const bh_hosts_lease_view *l;

    if (!j->part || !m->hm)
        return 0;
    l = &m->hm->lease[j->source][j->part - 1];
    return l->epoch != j->epoch || bh_clock_mono_ms() >= l->until;
}

/*
 * Ends the workers running updates of partitions whose lease no longer
 * holds here: another host may own the partition now and run those
 * updates itself, and per chat only one run at a time may go on anywhere.
 * The killed jobs are not retried here (jobs.c): the new owner runs them.
 */
void bh_master_hosts_end_stale(bh_master *m)
{
    if (m->hm && m->hm->parked)
        bh_master_hosts_unpark(m, -1, 1);
    for (int i = 0; m->hm && i < m->nw; i++) {
        bh_wslot *w = &m->w[i];
        if (w->state != BH_W_BUSY || !w->job || !bh_master_hosts_lost(m, w->job) ||
            w->job->lost)
            continue;
        bh_log(BH_LOG_WARN, "the lease of partition %d is not held here any more: ending "
               "worker %d (pid %d), which runs update %lld", w->job->part - 1, i, (int)w->pid,
               (long long)w->job->update_id);
        w->job->lost = 1;
        kill(w->pid, SIGKILL);
    }
}

void bh_master_hosts_done(bh_master *m, const bh_qjob *j)
{
    bh_msg_hdr h = bh_master_hosts_msg(BH_MSG_ACK, j);
    struct bh_hosts_master *hm = m->hm;

    /* Kept a while: a feeder gone may not have acknowledged it yet. */
    hm->done[j->source][hm->ndone[j->source]++ % BH_HOSTS_DONE_RING] =
        (bh_hosts_held){.part = j->part - 1, .done = 1, .update_id = j->update_id,
                        .epoch = j->epoch};

    bh_master_hosts_post(m, j->source, &h);
}

void bh_master_hosts_wake(bh_master *m, int s, int64_t wall_ms)
{
    bh_msg_hdr h = {.type = BH_MSG_WAKE, .source = s, .a = wall_ms};

    if (m->hm && s >= 0 && s < m->ns && m->hm->mode[s] && m->app->sources[s].schedule)
        bh_master_hosts_post(m, s, &h);
}
