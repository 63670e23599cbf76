/*
 * The updater process of one source: long-polls getUpdates and sends each
 * new update to the master; the master answers with the offset that may be
 * confirmed (the lowest update still unfinished), which the next poll
 * passes to Telegram. Ids are strictly increasing in getUpdates answers, so
 * "new" is simply "at or above the next id expected".
 *
 * Sources with a feed (tests, benchmarks) run it here instead.
 */
#include <errno.h>
#include <poll.h>
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
#include "internal.h"

/* Retries of a failing getUpdates: a 409 (another instance polls) starts
 * at the configured wait; any other failure at one second. */
#define BH_UPD_CONFLICT_MAX_MS 60000
#define BH_UPD_RETRY_MIN_MS 1000
#define BH_UPD_RETRY_MAX_MS 30000
/* Updates asked for per getUpdates call (Telegram's largest batch). */
#define BH_UPD_BATCH 100
/* When every update Telegram returned is already being processed, the
 * longest wait for the master's progress before polling again. */
#define BH_UPD_PROGRESS_WAIT_MS 200
/* The wait for a message of the master while idle or stopping. */
#define BH_UPD_IDLE_POLL_MS 1000

static volatile sig_atomic_t bh_upd_stop;
static volatile sig_atomic_t bh_upd_cancel;

static void bh_upd_on_signal(int sig)
{
    (void)sig;
    bh_upd_stop = 1;
    bh_upd_cancel = 1;
}

/* SIGTERM from the master (or ^C from the terminal) stops receiving: a
 * long poll in flight is cancelled through the client's cancel flag. */
void bh_updater_signals(void)
{
    struct sigaction sa = {.sa_handler = bh_upd_on_signal}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

struct bh_runner_feeder {
    int fd;
    int source;
};

int bh_updater_forward(int fd, int source, int64_t update_id, json_object *u,
                       const char *json, size_t len, int64_t confirmed)
{
    bh_msg_hdr h = {.type = BH_MSG_UPDATE, .source = source, .update_id = update_id,
                    .b = confirmed};
    int kind, rc;
    int64_t key;

    bh_proto_update_key(u, update_id, &kind, &key);
    h.kind = kind;
    h.a = key;
    rc = bh_proto_send(fd, &h, json, len);
    if (rc == BH_ETOOBIG) {
        bh_log(BH_LOG_ERROR, "update %lld is too large to dispatch (%zu bytes)",
               (long long)update_id, len);
        h.type = BH_MSG_TOOBIG;
        rc = bh_proto_send(fd, &h, NULL, 0);
    }
    return rc;
}

int bh_runner_feed(bh_runner_feeder *f, int64_t update_id, const char *json)
{
    json_object *u;
    int rc;

    if (!f || !json || update_id <= 0)
        return BH_EINVAL;
    if (!(u = json_tokener_parse(json)))
        return BH_EJSON;
    rc = bh_updater_forward(f->fd, f->source, update_id, u, json, strlen(json), 0);
    json_object_put(u);
    return rc;
}

/* What bh_upd_drain found. */
enum {
    BH_DRAIN_GONE = -1,  /* the master is gone */
    BH_DRAIN_MORE = 0,   /* read all there was; more may come */
    BH_DRAIN_FINAL = 1,  /* FINAL came */
};

/* Reads what the master sent: the confirmable offset into *offset, the
 * final one into *final. */
static int bh_upd_drain(int fd, char *buf, int64_t *offset, int64_t *final)
{
    bh_msg m;
    int rc;

    while ((rc = bh_proto_recv(fd, buf, &m)) == BH_PROTO_MSG) {
        if (m.h.type == BH_MSG_OFFSET && m.h.a > *offset)
            *offset = m.h.a;
        else if (m.h.type == BH_MSG_FINAL) {
            *final = m.h.a;
            return BH_DRAIN_FINAL;
        }
    }
    return rc == BH_PROTO_NONE ? BH_DRAIN_MORE : BH_DRAIN_GONE;
}

int bh_updater_stopping(void)
{
    return bh_upd_stop;
}

const volatile sig_atomic_t *bh_updater_stop_flag(void)
{
    return &bh_upd_stop;
}

/* Waits up to ms for a message of the master (or a signal). */
static void bh_upd_wait(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (!bh_upd_stop)
        poll(&p, 1, ms);
}

/*
 * After receiving stopped: tell the master, wait for the final offset, and
 * confirm it with a short poll (offset = final, timeout 0), so that a
 * restart does not get the processed updates again. The wait is bounded by
 * the master (it closes the socket, or dies and PR_SET_PDEATHSIG ends us).
 */
void bh_updater_finish(int fd, char *buf, bh_client *c)
{
    bh_msg_hdr h = {.type = BH_MSG_STOPPED};
    int64_t offset = 0, final = -1;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rc;

    bh_proto_send(fd, &h, NULL, 0);
    while ((rc = bh_upd_drain(fd, buf, &offset, &final)) == BH_DRAIN_MORE)
        if (poll(&p, 1, BH_UPD_IDLE_POLL_MS) < 0 && errno != EINTR)
            break;
    if (rc == BH_DRAIN_FINAL && c && final > 0) {
        bh_update_batch b = {0};
        bh_upd_cancel = 0;
        rc = bh_client_get_updates(c, final, 1, 0, NULL, &b);
        bh_update_batch_free(&b);
        if (rc == BH_OK)
            bh_log(BH_LOG_INFO, "offset %lld confirmed", (long long)final);
        else
            bh_log(BH_LOG_WARN, "could not confirm offset %lld: %s", (long long)final,
                   bh_strerror(rc));
    }
}

static void bh_upd_feed(const bh_updater_cfg *cfg, char *buf)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    bh_runner_feeder f = {.fd = cfg->fd, .source = cfg->source};
    int64_t offset = 0, final;

    if (!bh_upd_stop)
        src->feed(cfg->app->arg, cfg->source, &f);
    while (!bh_upd_stop && bh_upd_drain(cfg->fd, buf, &offset, &final) == BH_DRAIN_MORE)
        bh_upd_wait(cfg->fd, BH_UPD_IDLE_POLL_MS);
    bh_updater_finish(cfg->fd, buf, NULL);
}

/*
 * The polling loop. Errors never make it spin: 409 (another instance
 * polls, or a webhook is set) is logged once and waited out with a growing
 * delay; network and server errors back off from 1 s to 30 s.
 */
static void bh_upd_poll(const bh_updater_cfg *cfg, char *buf, bh_client *c)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    int64_t offset = cfg->offset, next = cfg->next, final = 0;
    bh_backoff conflict = {.initial_ms = cfg->opts->conflict_wait_ms, .max_ms = BH_UPD_CONFLICT_MAX_MS};
    bh_backoff retry = {.initial_ms = BH_UPD_RETRY_MIN_MS, .max_ms = BH_UPD_RETRY_MAX_MS};
    int64_t polled = -1; /* the offset of the last poll */
    int skipping = cfg->skip_backlog, in_conflict = 0, in_error = 0, waiting = 0;

    while (!bh_upd_stop) {
        bh_update_batch b = {0};
        int rc;

        if (bh_upd_drain(cfg->fd, buf, &offset, &final) != BH_DRAIN_MORE)
            return;
        if (waiting && offset == polled) {
            /* Everything Telegram returned is already being processed: the
             * next answer would be the same until the offset moves, so wait
             * for the master's progress (or, at most 200 ms, for updates of
             * other chats behind a slow one). */
            bh_upd_wait(cfg->fd, BH_UPD_PROGRESS_WAIT_MS);
            if (bh_upd_drain(cfg->fd, buf, &offset, &final) != BH_DRAIN_MORE)
                return;
        }
        waiting = 0;
        polled = offset;
        rc = bh_client_get_updates(c, offset, BH_UPD_BATCH, skipping ? 0 : cfg->opts->poll_timeout_s,
                                   src->allowed_updates, &b);
        if (rc == BH_EINTR || bh_upd_stop) {
            bh_update_batch_free(&b);
            break;
        }
        if (rc != BH_OK) {
            const bh_api_error *e = bh_client_last_error(c);
            if (e->error_code == 409) {
                int64_t conflict_ms = bh_backoff_next(&conflict);
                if (!in_conflict)
                    bh_log(BH_LOG_WARN, "getUpdates: conflict (%s); is another instance "
                           "running? waiting %lld ms between tries", e->description,
                           (long long)conflict_ms);
                in_conflict = 1;
                bh_sleep_ms(conflict_ms, &bh_upd_stop);
            } else {
                int64_t err_ms = bh_backoff_next(&retry);
                if (!in_error || err_ms == BH_UPD_RETRY_MAX_MS)
                    bh_log(BH_LOG_WARN, "getUpdates failed: %s; retrying in %lld ms",
                           e->description[0] ? e->description : bh_strerror(rc),
                           (long long)err_ms);
                in_error = 1;
                bh_sleep_ms(err_ms, &bh_upd_stop);
            }
            continue;
        }
        if (in_conflict || in_error)
            bh_log(BH_LOG_INFO, "getUpdates works again");
        in_conflict = in_error = 0;
        bh_backoff_reset(&conflict);
        bh_backoff_reset(&retry);
        if (skipping) {
            /* The backlog: confirmed by the next call's offset, unprocessed. */
            if (b.count == 0 && b.next_offset == 0) {
                bh_msg_hdr h = {.type = BH_MSG_SKIPPED, .source = cfg->source, .a = offset};
                skipping = 0;
                if (offset > next)
                    next = offset;
                if (offset > 0)
                    bh_log(BH_LOG_INFO, "skipped the backlog up to update %lld",
                           (long long)offset - 1);
                if (bh_proto_send(cfg->fd, &h, NULL, 0) != BH_OK)
                    return;
            } else if (b.next_offset > offset) {
                offset = b.next_offset;
            }
            bh_update_batch_free(&b);
            continue;
        }
        size_t fresh = 0;
        for (size_t i = 0; i < b.count; i++) {
            bh_update *u = b.items[i];
            json_object *j = bh_update_json(u);
            const char *txt;
            size_t len;
            if (u->update_id < next)
                continue;
            txt = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN, &len);
            if (bh_updater_forward(cfg->fd, cfg->source, u->update_id, j, txt, len, polled) !=
                BH_OK) {
                bh_update_batch_free(&b);
                return;
            }
            next = u->update_id + 1;
            fresh++;
        }
        /* Malformed entries the client skipped still move the offset past
         * them, or they would block confirmation for ever. */
        if (b.next_offset > next) {
            bh_msg_hdr h = {.type = BH_MSG_SKIPPED, .source = cfg->source, .a = b.next_offset};
            next = b.next_offset;
            if (bh_proto_send(cfg->fd, &h, NULL, 0) != BH_OK) {
                bh_update_batch_free(&b);
                return;
            }
        }
        waiting = fresh == 0 && b.count > 0;
        bh_update_batch_free(&b);
    }
    bh_updater_finish(cfg->fd, buf, c);
}

void bh_updater_main(const bh_updater_cfg *cfg)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    char *buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    bh_client_options co = {.cancel = &bh_upd_cancel};
    bh_client *c = NULL;
    int rc;

    bh_updater_signals();
    if (!buf)
        _exit(BH_EXIT_NOMEM);
    if (src->feed) {
        bh_upd_feed(cfg, buf);
        free(buf);
        _exit(0);
    }
    if ((rc = bh_client_new(&c, src->token, cfg->opts->api_url, &co)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "cannot create the Bot API client: %s", bh_strerror(rc));
        free(buf);
        _exit(BH_EXIT_START);
    }
    bh_upd_poll(cfg, buf, c);
    bh_client_free(c);
    free(buf);
    _exit(0);
}
