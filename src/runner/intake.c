/*
 * The intake: hosts mode's poller of one bot, a child of the feeder. It
 * polls getUpdates only while it holds the lease "intake" (so one host
 * polls, and Telegram answers no 409), and puts each update once into the
 * log, in the partition of its chat, fenced by the lease's epoch. The
 * offset of the next poll (which confirms the updates to Telegram) is the
 * one the put stored: nothing is confirmed before it is in the store.
 *
 * Each poll is at most a quarter lease long, and the lease is renewed
 * before each, so it never lapses while held; a host that loses it (it
 * was stopped, or the store was unreachable past the lease) stops polling
 * and tries again as a candidate.
 *
 * The backlog (updates waiting when the bot starts) is skipped only at the
 * very first start of the bot, when the store has no offset of it yet and
 * process_backlog is off; never on a restart or when a host joins.
 *
 * In webhook mode the intake is the webhook server instead (webhook.c,
 * bh_webhook_hosts_main): every host serves the hook.
 *
 * Names: every function here is bh_intake_*.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/sleep.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "bothive/telegram.h"
#include "hosts.h"

#define BH_INTAKE_BATCH 100
#define BH_INTAKE_RETRY_MIN_MS 1000
#define BH_INTAKE_RETRY_MAX_MS 30000

static volatile sig_atomic_t bh_intake_stop, bh_intake_cancel;

static void bh_intake_on_signal(int sig)
{
    (void)sig;
    bh_intake_stop = 1;
    bh_intake_cancel = 1;
}

typedef struct bh_intake {
    const bh_updater_cfg *cfg;
    const bh_runner_source *src;
    char bot[BH_HOSTS_NAME_MAX + 1];
    const char *host;
    bh_hosts *h;
    bh_client *c;
    bh_hosts_cfg hc;
    int parts;
    uint64_t epoch;       /* 0: not the holder */
    int64_t offset;       /* the next poll's */
    bh_backoff retry;
    int failing;
} bh_intake;

/* The entries of batch b at or above the offset, each in its chat's
 * partition, put under the lease; the offset moves past them. Errors:
 * BH_ENOTOWNER (the lease moved on), BH_ENOMEM, the store's. */
static int bh_intake_put(bh_intake *in, const bh_update_batch *b)
{
    bh_hosts_entry *e = calloc(b->count ? b->count : 1, sizeof *e);
    size_t n = 0;
    int64_t next = in->offset;
    int rc;

    if (!e)
        return BH_ENOMEM;
    for (size_t i = 0; i < b->count; i++) {
        bh_update *u = b->items[i];
        json_object *j = bh_update_json(u);
        int kind;
        int64_t key;
        if (u->update_id < in->offset)
            continue;
        bh_proto_update_key(j, u->update_id, &kind, &key);
        e[n].part = bh_hosts_part_of(kind, key, in->parts);
        e[n].update_id = u->update_id;
        e[n].json = (char *)json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN,
                                                               &e[n].len);
        next = u->update_id + 1;
        n++;
    }
    /* Malformed entries the client skipped move the offset past them. */
    if (b->next_offset > next)
        next = b->next_offset;
    rc = bh_hosts_put(in->h, in->epoch, e, n, next);
    free(e);
    if (rc == BH_OK)
        in->offset = next;
    return rc;
}

/* The very first start of the bot: the backlog is confirmed unprocessed
 * (unless process_backlog), and the offset after it stored. */
static int bh_intake_first(bh_intake *in)
{
    bh_update_batch b = {0};
    int rc = BH_OK;

    in->offset = 0;
    while (!in->cfg->opts->process_backlog && !bh_intake_stop) {
        rc = bh_client_get_updates(in->c, in->offset, BH_INTAKE_BATCH, 0,
                                   in->src->allowed_updates, &b);
        if (rc != BH_OK || b.next_offset == 0) {
            bh_update_batch_free(&b);
            break;
        }
        in->offset = b.next_offset;
        bh_update_batch_free(&b);
    }
    if (rc != BH_OK)
        return rc;
    if (in->offset > 0)
        bh_log(BH_LOG_INFO, "first start of the bot: skipped the backlog up to update %lld",
               (long long)in->offset - 1);
    return bh_hosts_put(in->h, in->epoch, NULL, 0, in->offset);
}

/* Takes or renews the lease; on taking it, reads where the log stands.
 * Returns 1 when held. */
static int bh_intake_lease(bh_intake *in)
{
    uint64_t e = in->epoch;
    int rc = bh_hosts_lease(in->h, "intake", in->hc.lease_ms, &e);

    if (rc == 1 && e == in->epoch)
        return 1;
    if (rc == 1) {
        in->epoch = e;
        if ((rc = bh_hosts_offset(in->h, &in->offset)) == BH_OK && in->offset < 0)
            rc = bh_intake_first(in);
        if (rc == BH_OK) {
            bh_log(BH_LOG_INFO, "polling (intake lease, epoch %llu, offset %lld)",
                   (unsigned long long)e, (long long)in->offset);
            return 1;
        }
    }
    if (rc < 0)
        bh_log(BH_LOG_WARN, "intake lease: %s", bh_strerror(rc));
    if (in->epoch)
        bh_log(BH_LOG_WARN, "intake lease lost: polling stops");
    in->epoch = 0;
    return 0;
}

/* One poll under the lease, and the put of what it brought. */
static void bh_intake_poll(bh_intake *in)
{
    bh_update_batch b = {0};
    int timeout = in->cfg->opts->poll_timeout_s;
    int quarter = (int)(in->hc.lease_ms / 4000);
    int rc;

    if (timeout > quarter)
        timeout = quarter;
    if (timeout < 1)
        timeout = 1;
    rc = bh_client_get_updates(in->c, in->offset, BH_INTAKE_BATCH, timeout,
                               in->src->allowed_updates, &b);
    if (rc == BH_OK)
        rc = bh_intake_put(in, &b);
    bh_update_batch_free(&b);
    if (rc == BH_OK || rc == BH_EINTR) {
        if (in->failing && rc == BH_OK)
            bh_log(BH_LOG_INFO, "getUpdates works again");
        in->failing = 0;
        bh_backoff_reset(&in->retry);
        return;
    }
    if (rc == BH_ENOTOWNER) {
        bh_log(BH_LOG_WARN, "intake lease lost: polling stops");
        in->epoch = 0;
        return;
    }
    int64_t ms = bh_backoff_next(&in->retry);
    const bh_api_error *err = bh_client_last_error(in->c);
    if (!in->failing)
        bh_log(BH_LOG_WARN, "intake: %s; retrying in %lld ms",
               err->description[0] ? err->description : bh_strerror(rc), (long long)ms);
    in->failing = 1;
    bh_sleep_ms(ms, &bh_intake_stop);
}

/* At the stop: the holder confirms what it put and gives the lease up, so
 * that another host polls at once. */
static void bh_intake_end(bh_intake *in)
{
    bh_update_batch b = {0};

    if (!in->epoch)
        return;
    bh_intake_cancel = 0;
    if (bh_client_get_updates(in->c, in->offset, 1, 0, in->src->allowed_updates, &b) == BH_OK)
        bh_intake_put(in, &b); /* a last batch goes in too, not lost */
    bh_update_batch_free(&b);
    bh_hosts_release(in->h, "intake", in->epoch);
}

void bh_intake_main(const bh_updater_cfg *cfg, const char *host)
{
    struct sigaction sa = {.sa_handler = bh_intake_on_signal};
    bh_client_options co = {.cancel = &bh_intake_cancel};
    bh_intake in = {.cfg = cfg, .src = &cfg->app->sources[cfg->source], .host = host,
                    .retry = {.initial_ms = BH_INTAKE_RETRY_MIN_MS,
                              .max_ms = BH_INTAKE_RETRY_MAX_MS}};
    int rc;

    if (cfg->opts->webhook_url)
        bh_webhook_hosts_main(cfg, host);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    close(cfg->fd); /* the feeder's socket to the master is not ours */
    bh_hosts_cfg_get(&in.hc);
    bh_hosts_bot_id(in.src->token, in.bot, sizeof in.bot);
    if ((rc = bh_client_new(&in.c, in.src->token, cfg->opts->api_url, &co)) != BH_OK ||
        (rc = bh_hosts_open(&in.h, cfg->opts->store_url, in.bot, host)) != BH_OK ||
        (rc = bh_hosts_setup(in.h, in.hc.parts, &in.parts)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "intake cannot start: %s", bh_strerror(rc));
        bh_client_free(in.c);
        bh_hosts_close(in.h);
        _exit(BH_EXIT_START);
    }
    while (!bh_intake_stop) {
        if (bh_intake_lease(&in))
            bh_intake_poll(&in);
        else
            bh_sleep_ms(in.hc.lease_ms / 4, &bh_intake_stop);
    }
    bh_intake_end(&in);
    bh_client_free(in.c);
    bh_hosts_close(in.h);
    _exit(0);
}
