/*
 * The feeder's side of the master's jobs (see feeder.c): a crash is
 * counted in the entry's delivery count in the log, so across hosts, and
 * at the limit the feeder, not the master, sets the update aside; and the
 * scheduled jobs' next due time is shared by the bot's hosts.
 *
 * Names: every function here is bh_feeder_*, as it works on the feeder.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/clock.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "feeder.h"

/* Records entry id of partition k (json) in the dead-letter memory and
 * acknowledges it: it is over for good, on every host. */
static void bh_feeder_set_aside(bh_feeder *f, int k, int64_t id, int crashes, char *json)
{
    bh_qjob j = {.kind = BH_JOB_UPDATE, .source = f->cfg->source, .update_id = id,
                 .crashes = crashes, .json = json[0] ? json : NULL};
    char reason[96];
    int rc;

    if (!f->st && (rc = bh_store_open(&f->st, f->cfg->opts->store_url, NULL)) != BH_OK)
        bh_log(BH_LOG_ERROR, "cannot open the store for a dead letter: %s", bh_strerror(rc));
    snprintf(reason, sizeof reason, "killed %d workers, on this host or others", crashes);
    if (f->st)
        bh_deadletter_put(f->st, f->bot, &j, reason);
    if ((rc = bh_hosts_ack(f->h, k, f->p[k].epoch, &id, 1)) != BH_OK)
        bh_log(BH_LOG_WARN, "dead letter %lld not acknowledged: %s", (long long)id,
               bh_strerror(rc));
}

/*
 * Update m's of partition k killed a worker of this host: one more
 * delivery in the log. At m->h.rc crashes in all (on any host) it is set
 * aside here, else the master runs it again; the verdict goes back. A
 * store that fails gives "again" (the master's respawn backoff paces it).
 */
void bh_feeder_crash(bh_feeder *f, int k, const bh_msg *m)
{
    bh_fpart *p = &f->p[k];
    bh_msg_hdr h = {.type = BH_MSG_VERDICT, .source = f->cfg->source, .timer = k,
                    .update_id = m->h.update_id, .b = m->h.b, .a = m->h.a};
    char *json = NULL;
    size_t len = 0;
    int crashes = 0, rc = BH_ENOTOWNER;

    if ((uint64_t)m->h.b == p->epoch && bh_feeder_flying(p, m->h.update_id))
        rc = bh_hosts_crash(f->h, k, p->epoch, m->h.update_id, &crashes, &json, &len);
    if (rc == BH_OK) {
        bh_feeder_worked(f);
        h.a = crashes;
        if (crashes >= m->h.rc) {
            bh_feeder_set_aside(f, k, m->h.update_id, crashes, json);
            bh_feeder_land(f, p, m->h.update_id);
            h.rc = 1;
        }
    } else if (rc != BH_ENOTOWNER) {
        bh_feeder_failed(f, bh_clock_mono_ms(), "counting a crash", rc);
    }
    free(json);
    if (bh_proto_send(f->cfg->fd, &h, NULL, 0) != BH_OK)
        f->gone = 1;
}

/*
 * The scheduled jobs' wake-up, shared by the bot's hosts (a source with
 * `schedule`): this host's workers' next due time is published, and the
 * earliest one kept (from any host) is told to the master when it
 * changes, so that the host that scheduled a job need not be alive when
 * it is due. Every host looks then; the store's claim runs the job once.
 */
void bh_feeder_wake(bh_feeder *f, int64_t now)
{
    bh_msg_hdr h = {.type = BH_MSG_WAKE, .source = f->cfg->source};
    int64_t next;
    int rc;

    if (!f->cfg->app->sources[f->cfg->source].schedule || f->nowake || now < f->down_until ||
        (now < f->wake_at && f->wake_pub < 0))
        return;
    rc = bh_hosts_wake(f->h, f->wake_pub, &next);
    if (rc == BH_ENOTSUP) {
        f->nowake = 1;
        return;
    }
    if (rc != BH_OK) {
        bh_feeder_failed(f, now, "the scheduled jobs' wake-up", rc);
        return;
    }
    f->wake_pub = -1;
    f->wake_at = now + BH_FEEDER_WAKE_MS;
    if (next < 0 || next == f->wake_told)
        return;
    f->wake_told = next;
    h.a = next;
    if (bh_proto_send(f->cfg->fd, &h, NULL, 0) != BH_OK)
        f->gone = 1;
}

