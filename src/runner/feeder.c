/*
 * The feeder: hosts mode's process in the updater's slot of a source. It
 * does all of this host's Redis I/O for the source (the master does none):
 *
 *  - the heartbeat, every quarter lease: its place among the live hosts
 *    gives the partitions it should own (p % hosts == place), so that
 *    hosts share them evenly;
 *  - the partition leases: it takes those it should own when free,
 *    renews those it holds every quarter lease and tells the master until
 *    when each surely holds (the renewal's start plus nine tenths of the
 *    lease, on this machine's clock); one it should no longer own is no
 *    longer read, and given up once its updates in flight are done;
 *  - on taking a partition (a new epoch), it first moves the previous
 *    owner's pending entries to itself (XAUTOCLAIM) and reads its pending
 *    ones from the start, in order, before any new entry;
 *  - the reads (fenced by the leases) become ENTRY messages; the master's
 *    ACKs become acknowledgements in the store (fenced too: a stale owner
 *    is refused, and its entry stays for the owner of the newer epoch);
 *    an idle feeder waits in the store for the next entry (a blocking
 *    read, bounded) rather than polling it;
 *  - the master's CRASHes are counted in the entry's delivery count, so
 *    across hosts; at the limit the feeder writes the dead letter,
 *    acknowledges the entry and says so (VERDICT);
 *  - started again while its master lives, it sends none of what the
 *    master held at its fork (cfg->held): per-chat order holds;
 *  - the scheduled jobs' next due time is shared with the other hosts;
 *  - it forks the intake (intake.c) and restarts it if it dies.
 *
 * On SIGTERM it stops reading, says STOPPED, keeps renewing and
 * acknowledging until the master's FINAL, then gives every lease up.
 *
 * Names: every function here is bh_feeder_*.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/grow.h"
#include "base/sleep.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "feeder.h"

/* The wait for the master when a read found nothing, and when it found
 * some: a moment for acknowledgements to gather, so that one round trip
 * carries many. */
#define BH_FEEDER_IDLE_MS 10
#define BH_FEEDER_BUSY_MS 2
/* Updates in flight in the master at most, and read per partition per
 * turn. */
#define BH_FEEDER_FLIGHT_MAX 512
#define BH_FEEDER_READ_MAX 64
/* An idle feeder waits in the store for a new entry this long at most
 * (less when a renewal is due sooner): what the master sends meanwhile
 * waits as long. */
#define BH_FEEDER_BLOCK_MS 50
/* Before starting the intake again, or retrying a failed connection. */
#define BH_FEEDER_RETRY_MS 1000
/* After a failed call to the store, the pause before the next: a store
 * that is hung costs a timeout per call, not one per partition. */
#define BH_FEEDER_DOWN_MS 500

/* Appends v to a growing array. Errors: BH_ENOMEM. */
int bh_feeder_push(int64_t **a, size_t *n, size_t *cap, int64_t v)
{
    int64_t *na = bh_grow(*a, cap, *n + 1, sizeof *na, 32);
    if (!na)
        return BH_ENOMEM;
    *a = na;
    (*a)[(*n)++] = v;
    return BH_OK;
}

/* Removes v from the in-flight ids of p; 1 if it was there. */
int bh_feeder_land(bh_feeder *f, bh_fpart *p, int64_t v)
{
    for (size_t i = 0; i < p->nfly; i++)
        if (p->fly[i] == v) {
            p->fly[i] = p->fly[--p->nfly];
            f->flying--;
            return 1;
        }
    return 0;
}

int bh_feeder_flying(const bh_fpart *p, int64_t v)
{
    for (size_t i = 0; i < p->nfly; i++)
        if (p->fly[i] == v)
            return 1;
    return 0;
}

/* A call to the store failed: logged once until one works again, and the
 * store is left alone for a moment. */
void bh_feeder_failed(bh_feeder *f, int64_t now, const char *what, int rc)
{
    if (!f->failing)
        bh_log(BH_LOG_WARN, "%s: %s; dispatch stops where the leases end, until the store "
               "answers again", what, bh_strerror(rc));
    f->failing = 1;
    f->down_until = now + BH_FEEDER_DOWN_MS;
}

/* A call to the store worked. */
void bh_feeder_worked(bh_feeder *f)
{
    if (f->failing)
        bh_log(BH_LOG_INFO, "the store answers again");
    f->failing = 0;
}

/* Tells the master until when partition k's lease holds (0: it does not). */
static void bh_feeder_tell_lease(bh_feeder *f, int k, int64_t until)
{
    bh_msg_hdr h = {.type = BH_MSG_LEASE, .source = f->cfg->source, .timer = k, .a = until,
                    .b = (int64_t)f->p[k].epoch};

    if (bh_proto_send(f->cfg->fd, &h, NULL, 0) != BH_OK)
        f->gone = 1;
}

/* Partition k is not held (lost, or given up): what was in flight and
 * not acknowledged is the next owner's. */
static void bh_feeder_drop(bh_feeder *f, int k)
{
    bh_fpart *p = &f->p[k];

    f->flying -= p->nfly;
    p->nfly = p->nacks = 0;
    p->epoch = 0;
    bh_feeder_tell_lease(f, k, 0);
}

/*
 * What the master held of partition k at this feeder's fork, under the
 * epoch e now taken (a feeder started again while its master lives, and
 * renewing the same lease): in flight already, not sent again, so that a
 * chat's later update never runs before one resent; the done ones are
 * acknowledged first. Held entries of another epoch are the master's to
 * drop (it starts no job of a lease it does not hold).
 */
static void bh_feeder_held(bh_feeder *f, int k, uint64_t e)
{
    bh_fpart *p = &f->p[k];
    size_t kept = 0;

    for (size_t i = 0; i < f->cfg->nheld; i++) {
        const bh_hosts_held *h = &f->cfg->held[i];
        if (h->part != k || h->epoch != e)
            continue;
        if (h->done) {
            bh_feeder_push(&p->acks, &p->nacks, &p->capacks, h->update_id);
        } else if (!bh_feeder_flying(p, h->update_id) &&
                   bh_feeder_push(&p->fly, &p->nfly, &p->capfly, h->update_id) == BH_OK) {
            f->flying++;
            kept++;
        }
    }
    if (kept)
        bh_log(BH_LOG_INFO, "partition %d: %zu update(s) still held by the master", k, kept);
    /* What the master ended of them before the lease was taken here. */
    for (size_t i = 0; i < f->nearly; i++) {
        bh_msg_hdr *h = &f->early[i];
        if (h->timer != k || (uint64_t)h->b != e || !bh_feeder_land(f, p, h->update_id))
            continue;
        if (h->type == BH_MSG_ACK)
            bh_feeder_push(&p->acks, &p->nacks, &p->capacks, h->update_id);
    }
}

/* Keeps an ACK or NACK of a partition not taken yet, for bh_feeder_held. */
static void bh_feeder_early(bh_feeder *f, const bh_msg_hdr *h)
{
    bh_msg_hdr *n = bh_grow(f->early, &f->capearly, f->nearly + 1, sizeof *n, 64);
    if (!n)
        return; /* stays pending: the next owner runs it again */
    f->early = n;
    f->early[f->nearly++] = *h;
}

/* Lease of partition k taken with a new epoch e: the previous owner's
 * pending entries first, then this host's own from the start. */
static void bh_feeder_taken(bh_feeder *f, int k, uint64_t e, int64_t until)
{
    bh_fpart *p = &f->p[k];
    size_t moved = 0;
    int rc;

    f->flying -= p->nfly;
    p->nfly = p->nacks = 0;
    p->epoch = e;
    p->after = 0;
    bh_feeder_held(f, k, e);
    if ((rc = bh_hosts_claim(f->h, k, e, &moved)) != BH_OK) {
        bh_log(BH_LOG_WARN, "partition %d: cannot claim the pending entries: %s", k,
               bh_strerror(rc));
        p->epoch = 0;
        return;
    }
    bh_log(BH_LOG_INFO, "partition %d taken (epoch %llu, %zu pending entr%s claimed)", k,
           (unsigned long long)e, moved, moved == 1 ? "y" : "ies");
    bh_feeder_tell_lease(f, k, until);
}

/* Takes or renews the lease of partition k. */
static void bh_feeder_lease(bh_feeder *f, int k, int64_t now)
{
    bh_fpart *p = &f->p[k];
    char name[16];
    uint64_t e = p->epoch;
    int rc;

    snprintf(name, sizeof name, "p%d", k);
    rc = bh_hosts_lease(f->h, name, f->hc.lease_ms, &e);
    if (rc < 0) {
        /* The master stops at the time it was told: nothing to do. */
        bh_feeder_failed(f, now, "partition lease", rc);
        return;
    }
    bh_feeder_worked(f);
    int64_t until = now + f->hc.lease_ms * 9 / 10;
    p->renew_at = now + f->hc.lease_ms / 4;
    p->try_at = now + f->hc.lease_ms / 8;
    if (rc == 0) {
        if (p->epoch) {
            bh_log(BH_LOG_WARN, "partition %d: lease lost to another host", k);
            bh_feeder_drop(f, k);
        }
    } else if (e != p->epoch) {
        bh_feeder_taken(f, k, e, until);
    } else {
        bh_feeder_tell_lease(f, k, until);
    }
}

/* Acknowledges what partition k's done entries are, fenced by its epoch. */
static void bh_feeder_ack(bh_feeder *f, int k)
{
    bh_fpart *p = &f->p[k];
    int rc;

    if (!p->nacks || !p->epoch)
        return;
    rc = bh_hosts_ack(f->h, k, p->epoch, p->acks, p->nacks);
    if (rc == BH_ENOTOWNER)
        bh_log(BH_LOG_WARN, "partition %d: %zu acknowledgement(s) refused: the lease moved "
               "on; the next owner runs them again", k, p->nacks);
    else if (rc != BH_OK) {
        bh_feeder_failed(f, bh_clock_mono_ms(), "acknowledgements", rc);
        return; /* kept for the next turn */
    }
    p->nacks = 0;
}

/* The heartbeat and the share it gives. */
static void bh_feeder_beat(bh_feeder *f, int64_t now)
{
    int index, count, rc;

    if (now < f->beat_at)
        return;
    f->beat_at = now + f->hc.lease_ms / 4;
    if ((rc = bh_hosts_beat(f->h, f->hc.lease_ms, &index, &count)) != BH_OK) {
        bh_feeder_failed(f, now, "heartbeat", rc);
        return;
    }
    for (int k = 0; k < f->parts; k++)
        f->p[k].want = count > 0 && k % count == index;
}

/* The timers' lease (a source with timers): its holder's master ticks
 * them, so that they run once per period for the bot, not per host. */
static void bh_feeder_timers(bh_feeder *f, int64_t now)
{
    bh_msg_hdr h = {.type = BH_MSG_TIMERS, .source = f->cfg->source};
    uint64_t e = f->tepoch;
    int rc;

    if (!f->cfg->app->sources[f->cfg->source].ntimers || f->stopping || now < f->timers_at ||
        now < f->down_until)
        return;
    if ((rc = bh_hosts_lease(f->h, "timers", f->hc.lease_ms, &e)) < 0) {
        bh_feeder_failed(f, now, "timers' lease", rc);
        return;
    }
    if (rc == 1 && e != f->tepoch)
        bh_log(BH_LOG_INFO, "timers run on this host (epoch %llu)", (unsigned long long)e);
    f->tepoch = rc == 1 ? e : 0;
    f->timers_at = now + f->hc.lease_ms / (rc == 1 ? 4 : 8);
    h.a = rc == 1 ? now + f->hc.lease_ms * 9 / 10 : 0;
    if (bh_proto_send(f->cfg->fd, &h, NULL, 0) != BH_OK)
        f->gone = 1;
}

/* The leases' part of a turn. */
static void bh_feeder_leases(bh_feeder *f, int64_t now)
{
    for (int k = 0; k < f->parts && !f->gone && now >= f->down_until; k++) {
        bh_fpart *p = &f->p[k];
        char name[16];
        if (!p->want || f->stopping)
            bh_feeder_ack(f, k); /* else with the read (bh_feeder_read) */
        if (p->epoch && (!p->want || f->final) && p->nfly == 0 && (!f->stopping || f->final)) {
            snprintf(name, sizeof name, "p%d", k);
            bh_hosts_release(f->h, name, p->epoch);
            bh_log(BH_LOG_INFO, "partition %d given up", k);
            bh_feeder_drop(f, k);
        } else if (p->epoch ? now >= p->renew_at : p->want && !f->stopping && now >= p->try_at) {
            bh_feeder_lease(f, k, now);
        }
    }
}

/* Sends entry e of partition k to the master. */
static void bh_feeder_send(bh_feeder *f, int k, const bh_hosts_entry *e)
{
    bh_fpart *p = &f->p[k];
    bh_msg_hdr h = {.type = BH_MSG_ENTRY, .source = f->cfg->source, .timer = k,
                    .update_id = e->update_id, .b = (int64_t)p->epoch};
    json_object *u = json_tokener_parse(e->json);
    int kind, rc;
    int64_t key;

    bh_proto_update_key(u, e->update_id, &kind, &key);
    json_object_put(u);
    h.kind = kind;
    h.a = key;
    if (bh_feeder_push(&p->fly, &p->nfly, &p->capfly, e->update_id) != BH_OK)
        return; /* read again at the next rewind */
    f->flying++;
    rc = bh_proto_send(f->cfg->fd, &h, e->json, e->len);
    if (rc == BH_ETOOBIG) {
        /* Never dispatchable: acknowledged, and logged as lost. */
        bh_log(BH_LOG_ERROR, "update %lld is too large to dispatch (%zu bytes): dropped",
               (long long)e->update_id, e->len);
        bh_feeder_land(f, p, e->update_id);
        bh_feeder_push(&p->acks, &p->nacks, &p->capacks, e->update_id);
    } else if (rc != BH_OK) {
        f->gone = 1;
    }
}

/* Moves each want's rewind on: done when it returned fewer than asked. */
static void bh_feeder_rewound(bh_feeder *f, const bh_hosts_want *w, size_t nw,
                              const bh_hosts_entry *e, size_t ne, size_t count)
{
    for (size_t i = 0; i < nw; i++) {
        bh_fpart *p = &f->p[w[i].part];
        size_t got = 0;
        int64_t last = w[i].after;
        if (w[i].after < 0 || p->epoch != w[i].epoch)
            continue;
        for (size_t j = 0; j < ne; j++)
            if (e[j].part == w[i].part) {
                got++;
                last = e[j].update_id;
            }
        p->after = got < count ? -1 : last;
    }
}

/*
 * A read failed: it may still have been done in the store, its answer
 * lost (the connection cut mid-reply, a server killed right after it
 * wrote its AOF). Entries it delivered to this host are then pending for
 * it, and a read of new entries would never return them: each partition
 * it read reads its pending entries again from the start (those in
 * flight are not sent twice).
 */
static void bh_feeder_unsure(bh_feeder *f, const bh_hosts_want *w, size_t nw)
{
    for (size_t i = 0; i < nw; i++) {
        bh_fpart *p = &f->p[w[i].part];
        if (p->epoch == w[i].epoch)
            p->after = 0;
    }
}

/* The wants of a turn: every partition held and wanted, with its done
 * entries to acknowledge in the same round trip, reading as far as the
 * room in flight allows. */
static size_t bh_feeder_wants(bh_feeder *f, bh_hosts_want *w, size_t count)
{
    size_t nw = 0;

    for (int k = 0; k < f->parts; k++) {
        bh_fpart *p = &f->p[k];
        if (!p->epoch || !p->want || (!count && !p->nacks))
            continue;
        w[nw++] = (bh_hosts_want){.part = k, .epoch = p->epoch,
                                  .after = count ? p->after : BH_HOSTS_ACK_ONLY,
                                  .acks = p->acks, .nacks = p->nacks};
    }
    return nw;
}

/* After a read: the acknowledgements went with it (or were refused with
 * a lost lease). */
static void bh_feeder_read_status(bh_feeder *f, const bh_hosts_want *w, size_t nw,
                                  const int *status)
{
    for (size_t i = 0; i < nw; i++) {
        bh_fpart *p = &f->p[w[i].part];
        if (p->epoch != w[i].epoch)
            continue;
        if (status[i] == BH_HOSTS_READ_LOST) {
            bh_log(BH_LOG_WARN, "partition %d: lease lost to another host%s", w[i].part,
                   p->nacks ? "; its acknowledgements were refused" : "");
            bh_feeder_drop(f, w[i].part);
        } else if (w[i].nacks) {
            /* Acks that came after the wants were made stay queued. */
            memmove(p->acks, p->acks + w[i].nacks, (p->nacks - w[i].nacks) * sizeof *p->acks);
            p->nacks -= w[i].nacks;
        }
    }
}

/* Acknowledges and reads the partitions held and wanted; returns how many
 * entries came. */
static size_t bh_feeder_read(bh_feeder *f)
{
    bh_hosts_want w[BH_HOSTS_PARTS_MAX];
    int status[BH_HOSTS_PARTS_MAX];
    bh_hosts_entry *e = NULL;
    size_t ne = 0, sent = 0;
    size_t room = f->stopping ? 0 : BH_FEEDER_FLIGHT_MAX - f->flying;
    size_t count = room < BH_FEEDER_READ_MAX ? room : BH_FEEDER_READ_MAX;
    size_t nw = bh_feeder_wants(f, w, count);

    if (!nw || bh_clock_mono_ms() < f->down_until)
        return 0;
    int rc = bh_hosts_read(f->h, w, nw, count, status, &e, &ne);
    if (rc != BH_OK) {
        bh_feeder_failed(f, bh_clock_mono_ms(), "reading the partitions", rc);
        if (count)
            bh_feeder_unsure(f, w, nw);
        return 0;
    }
    bh_feeder_read_status(f, w, nw, status);
    if (count)
        bh_feeder_rewound(f, w, nw, e, ne, count);
    for (size_t j = 0; j < ne && !f->gone; j++) {
        bh_fpart *p = &f->p[e[j].part];
        if (e[j].update_id > p->seen)
            p->seen = e[j].update_id;
        if (p->epoch && !bh_feeder_flying(p, e[j].update_id)) {
            bh_feeder_send(f, e[j].part, &e[j]);
            sent++;
        }
    }
    bh_hosts_entries_free(e, ne);
    return sent;
}

/* One message of the master. */
static void bh_feeder_on_msg(bh_feeder *f, const bh_msg *m)
{
    int k = m->h.timer;
    bh_fpart *p;

    if (m->h.type == BH_MSG_FINAL) {
        f->final = 1;
        return;
    }
    if (m->h.type == BH_MSG_WAKE) {
        if (m->h.a >= 0 && (f->wake_pub < 0 || m->h.a < f->wake_pub))
            f->wake_pub = m->h.a;
        return;
    }
    if (k < 0 || k >= f->parts)
        return;
    if (m->h.type == BH_MSG_CRASH) {
        bh_feeder_crash(f, k, m);
        return;
    }
    if (m->h.type != BH_MSG_ACK && m->h.type != BH_MSG_NACK)
        return;
    p = &f->p[k];
    if (!p->epoch && f->cfg->nheld) {
        bh_feeder_early(f, &m->h);
        return;
    }
    /* Of an epoch gone, the entry is the newer owner's: if that is this
     * feeder, it may be in flight again under the new epoch, and stays so. */
    if ((uint64_t)m->h.b != p->epoch || !bh_feeder_land(f, p, m->h.update_id))
        return;
    if (m->h.type == BH_MSG_ACK)
        bh_feeder_push(&p->acks, &p->nacks, &p->capacks, m->h.update_id);
    else
        p->after = 0; /* read it again, in order, if still held */
}

/* Waits up to ms for the master and takes in what it sent. */
static void bh_feeder_listen(bh_feeder *f, int ms)
{
    struct pollfd pf = {.fd = f->cfg->fd, .events = POLLIN};
    bh_msg m;
    int rc;

    if (!bh_updater_stopping() || f->stopping)
        poll(&pf, 1, ms);
    while ((rc = bh_proto_recv(f->cfg->fd, f->buf, &m)) == BH_PROTO_MSG)
        bh_feeder_on_msg(f, &m);
    if (rc != BH_PROTO_NONE)
        f->gone = 1;
}

/* The earliest of the feeder's timed steps (renewals, retries, the
 * heartbeat), for a wait not to delay them. */
static int64_t bh_feeder_next_due(const bh_feeder *f)
{
    int64_t due = f->beat_at;

    if (f->cfg->app->sources[f->cfg->source].ntimers && f->timers_at < due)
        due = f->timers_at;
    if (f->intake <= 0 && f->intake_at < due)
        due = f->intake_at;
    if (f->cfg->app->sources[f->cfg->source].schedule && !f->nowake && f->wake_at < due)
        due = f->wake_at;
    for (int k = 0; k < f->parts; k++) {
        const bh_fpart *p = &f->p[k];
        int64_t at = p->epoch ? p->renew_at : p->want ? p->try_at : INT64_MAX;
        if (at < due)
            due = at;
    }
    return due;
}

/*
 * An idle turn (the read found nothing, nothing to acknowledge, the master
 * silent): waits in the store until the intake adds an entry to a
 * partition read here, so that it is dispatched at once, without polling.
 * 0 when it did not wait (the caller polls the master instead).
 */
static int bh_feeder_block(bh_feeder *f, int64_t now)
{
    struct pollfd pf = {.fd = f->cfg->fd, .events = POLLIN};
    int parts[BH_HOSTS_PARTS_MAX];
    int64_t after[BH_HOSTS_PARTS_MAX], ms = bh_feeder_next_due(f) - now;
    size_t n = 0;
    int rc;

    if (f->nowait || f->stopping || now < f->down_until || f->flying >= BH_FEEDER_FLIGHT_MAX ||
        ms < 1 || poll(&pf, 1, 0) != 0)
        return 0;
    for (int k = 0; k < f->parts; k++) {
        const bh_fpart *p = &f->p[k];
        if (p->nacks || (p->epoch && p->after >= 0))
            return 0; /* work to do now */
        if (p->epoch && p->want) {
            /* Nothing read here yet: the partition holds no live entry
             * (acknowledged ones are deleted, another owner's were claimed
             * and read), so any entry there is new. */
            parts[n] = k;
            after[n++] = p->seen < 0 ? 0 : p->seen;
        }
    }
    if (!n)
        return 0;
    /* With updates in flight their acknowledgements come soon: a short
     * wait, so that they reach the store about as soon as before (what a
     * host that dies has not acknowledged runs again elsewhere). */
    int64_t cap = f->flying ? BH_FEEDER_IDLE_MS : BH_FEEDER_BLOCK_MS;
    rc = bh_hosts_wait(f->h, parts, after, n, (int)(ms < cap ? ms : cap));
    if (rc == BH_ENOTSUP || rc == BH_ETOOBIG || rc == BH_EINVAL) {
        f->nowait = 1; /* a backend, or a partition count, it cannot serve */
        return 0;
    }
    if (rc < 0) {
        bh_feeder_failed(f, bh_clock_mono_ms(), "waiting for entries", rc);
        return 0;
    }
    f->woke = rc == 1;
    return 1;
}

/* Starts the intake in a child, or again when it died. */
static void bh_feeder_intake(bh_feeder *f, int64_t now)
{
    int status;

    if (f->intake > 0 && waitpid(f->intake, &status, WNOHANG) == f->intake) {
        bh_log(BH_LOG_WARN, "the intake (pid %d) ended; starting it again", (int)f->intake);
        f->intake = 0;
        f->intake_at = now + BH_FEEDER_RETRY_MS;
    }
    if (f->intake > 0 || f->stopping || now < f->intake_at)
        return;
    pid_t me = getpid(), pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != me)
            _exit(0);
        bh_log_set_tag("intake");
        prctl(PR_SET_NAME, "bh intake");
        bh_intake_main(f->cfg, f->host);
    }
    f->intake = pid > 0 ? pid : 0;
    f->intake_at = now + BH_FEEDER_RETRY_MS;
}

/* The first stop signal: no more reading; the master is told. */
static void bh_feeder_stop(bh_feeder *f)
{
    bh_msg_hdr h = {.type = BH_MSG_STOPPED, .source = f->cfg->source};

    f->stopping = 1;
    if (f->intake > 0)
        kill(f->intake, SIGTERM);
    if (bh_proto_send(f->cfg->fd, &h, NULL, 0) != BH_OK)
        f->gone = 1;
}

/* Connects and makes the log ready, retrying until it works or a stop. */
static int bh_feeder_connect(bh_feeder *f)
{
    int rc;

    while (!bh_updater_stopping()) {
        if ((rc = bh_hosts_open(&f->h, f->cfg->opts->store_url, f->bot, f->host)) == BH_OK &&
            (rc = bh_hosts_setup(f->h, f->hc.parts, &f->parts)) == BH_OK)
            return BH_OK;
        bh_log(BH_LOG_WARN, "cannot reach the store: %s; retrying", bh_strerror(rc));
        bh_hosts_close(f->h);
        f->h = NULL;
        bh_sleep_ms(BH_FEEDER_RETRY_MS, bh_updater_stop_flag());
    }
    return BH_EINTR;
}

/* The turns, until FINAL or the master is gone. */
static void bh_feeder_run(bh_feeder *f)
{
    while (!f->gone && !f->final) {
        int64_t now = bh_clock_mono_ms();
        if (bh_updater_stopping() && !f->stopping)
            bh_feeder_stop(f);
        bh_feeder_intake(f, now);
        if (now >= f->down_until)
            bh_feeder_beat(f, now);
        bh_feeder_leases(f, now);
        bh_feeder_timers(f, now);
        bh_feeder_wake(f, now);
        size_t got = bh_feeder_read(f);
        if (got) {
            f->woke = 0;
            bh_feeder_listen(f, BH_FEEDER_BUSY_MS);
        } else if (f->woke) {
            /* Woken for an entry the read did not give (not this host's
             * to read): a poll this turn, so that it cannot spin. */
            f->woke = 0;
            bh_feeder_listen(f, BH_FEEDER_IDLE_MS);
        } else {
            bh_feeder_listen(f, bh_feeder_block(f, bh_clock_mono_ms()) ? 0 : BH_FEEDER_IDLE_MS);
        }
    }
    /* The acknowledgements that came with or before FINAL, then every
     * lease goes back (the others take the partitions at once). */
    bh_feeder_leases(f, bh_clock_mono_ms());
    for (int k = 0; k < f->parts; k++)
        if (f->p[k].epoch) {
            char name[16];
            snprintf(name, sizeof name, "p%d", k);
            bh_feeder_ack(f, k);
            bh_hosts_release(f->h, name, f->p[k].epoch);
        }
    if (f->tepoch)
        bh_hosts_release(f->h, "timers", f->tepoch);
}

/* Frees the feeder's state and waits for the intake. */
static void bh_feeder_end(bh_feeder *f)
{
    if (f->intake > 0) {
        kill(f->intake, SIGTERM);
        while (waitpid(f->intake, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    for (int k = 0; f->p && k < f->parts; k++) {
        free(f->p[k].fly);
        free(f->p[k].acks);
    }
    free(f->p);
    bh_hosts_close(f->h);
    bh_store_close(f->st);
    free(f->early);
    free(f->buf);
}

void bh_feeder_main(const bh_updater_cfg *cfg, const char *host)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    bh_feeder f = {.cfg = cfg, .host = host, .wake_pub = -1, .wake_told = -1};

    bh_updater_signals();
    bh_hosts_cfg_get(&f.hc);
    bh_hosts_bot_id(src->token, f.bot, sizeof f.bot);
    if (!(f.buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1)))
        _exit(BH_EXIT_NOMEM);
    if (bh_feeder_connect(&f) == BH_OK && (f.p = calloc((size_t)f.parts, sizeof *f.p))) {
        for (int k = 0; k < f.parts; k++)
            f.p[k].after = f.p[k].seen = -1;
        bh_log(BH_LOG_INFO, "host %s: %d partition(s), lease %lld ms", host, f.parts,
               (long long)f.hc.lease_ms);
        bh_feeder_run(&f);
    }
    if (!f.stopping && !f.gone && !f.final)
        bh_feeder_stop(&f);
    bh_feeder_end(&f);
    _exit(0);
}
