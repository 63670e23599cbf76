/*
 * The updater process of one source: long-polls getUpdates and sends each
 * new update to the master; the master answers with the offset that may be
 * confirmed (the lowest update still unfinished), which the next poll
 * passes to Telegram. Ids are strictly increasing in getUpdates answers, so
 * "new" is simply "at or above the next id expected".
 *
 * Sources with a feed (tests, benchmarks) run it here instead.
 *
 * Names: every function here is bh_updater_*, but for bh_runner_feed.
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
#define BH_UPDATER_CONFLICT_MAX_MS 60000
#define BH_UPDATER_RETRY_MIN_MS 1000
#define BH_UPDATER_RETRY_MAX_MS 30000
/* Updates asked for per getUpdates call (Telegram's largest batch). */
#define BH_UPDATER_BATCH 100
/* When every update Telegram returned is already being processed, the
 * longest wait for the master's progress before polling again. */
#define BH_UPDATER_PROGRESS_WAIT_MS 200
/* The wait for a message of the master while idle or stopping. */
#define BH_UPDATER_IDLE_POLL_MS 1000

static volatile sig_atomic_t bh_updater_stop_asked;
static volatile sig_atomic_t bh_updater_cancel;

/* A stop signal: stop receiving, and cancel the long poll in flight. */
static void bh_updater_on_signal(int sig)
{
    (void)sig;
    bh_updater_stop_asked = 1;
    bh_updater_cancel = 1;
}

/* SIGTERM from the master (or ^C from the terminal) stops receiving: a
 * long poll in flight is cancelled through the client's cancel flag. */
void bh_updater_signals(void)
{
    struct sigaction sa = {.sa_handler = bh_updater_on_signal}; /* no SA_RESTART */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

struct bh_runner_feeder {
    int fd;
    int source;
};

/* An update too large for one message is announced by its id alone
 * (TOOBIG), so that the master sets it aside and the offset can pass it. */
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

/* What bh_updater_drain found. */
enum {
    BH_DRAIN_GONE = -1,  /* the master is gone */
    BH_DRAIN_MORE = 0,   /* read all there was; more may come */
    BH_DRAIN_FINAL = 1,  /* FINAL came */
};

/* Reads what the master sent: the confirmable offset into *offset, the
 * final one into *final. */
static int bh_updater_drain(int fd, char *buf, int64_t *offset, int64_t *final)
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
    return bh_updater_stop_asked;
}

const volatile sig_atomic_t *bh_updater_stop_flag(void)
{
    return &bh_updater_stop_asked;
}

/* Waits up to ms for a message of the master (or a signal). */
static void bh_updater_wait(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (!bh_updater_stop_asked)
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
    while ((rc = bh_updater_drain(fd, buf, &offset, &final)) == BH_DRAIN_MORE)
        if (poll(&p, 1, BH_UPDATER_IDLE_POLL_MS) < 0 && errno != EINTR)
            break;
    if (rc == BH_DRAIN_FINAL && c && final > 0) {
        bh_update_batch b = {0};
        bh_updater_cancel = 0;
        rc = bh_client_get_updates(c, final, 1, 0, NULL, &b);
        bh_update_batch_free(&b);
        if (rc == BH_OK)
            bh_log(BH_LOG_INFO, "offset %lld confirmed", (long long)final);
        else
            bh_log(BH_LOG_WARN, "could not confirm offset %lld: %s", (long long)final,
                   bh_strerror(rc));
    }
}

/* A source with a feed: runs it, then idles until the stop (or until the
 * master is gone). It has no offset to confirm. */
static void bh_updater_feed(const bh_updater_cfg *cfg, char *buf)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    bh_runner_feeder f = {.fd = cfg->fd, .source = cfg->source};
    int64_t offset = 0, final;

    if (!bh_updater_stop_asked)
        src->feed(cfg->app->arg, cfg->source, &f);
    while (!bh_updater_stop_asked &&
           bh_updater_drain(cfg->fd, buf, &offset, &final) == BH_DRAIN_MORE)
        bh_updater_wait(cfg->fd, BH_UPDATER_IDLE_POLL_MS);
    bh_updater_finish(cfg->fd, buf, NULL);
}

/* The state of the polling loop. */
typedef struct bh_updater_poller {
    const bh_updater_cfg *cfg;
    char *buf;
    bh_client *c;
    int64_t offset;     /* the offset the next poll confirms */
    int64_t next;       /* the next update id expected */
    int64_t final;
    int64_t polled;     /* the offset of the last poll; -1 before it */
    bh_backoff conflict, retry;
    int skipping;       /* still confirming the backlog unprocessed */
    int in_conflict, in_error;
    int waiting;        /* the last answer held nothing new */
} bh_updater_poller;

/* Takes in the master's messages before a poll. When the last answer held
 * nothing new and the offset has not moved, first waits a little for the
 * master's progress. Returns what the (last) drain found. */
static int bh_updater_poll_prepare(bh_updater_poller *p)
{
    int fd = p->cfg->fd, rc = bh_updater_drain(fd, p->buf, &p->offset, &p->final);

    if (rc == BH_DRAIN_MORE && p->waiting && p->offset == p->polled) {
        /* Everything Telegram returned is already being processed: the
         * next answer would be the same until the offset moves, so wait
         * for the master's progress (or, at most 200 ms, for updates of
         * other chats behind a slow one). */
        bh_updater_wait(fd, BH_UPDATER_PROGRESS_WAIT_MS);
        rc = bh_updater_drain(fd, p->buf, &p->offset, &p->final);
    }
    p->waiting = 0;
    return rc;
}

/* A failed getUpdates: a 409 is logged once and waited out with a growing
 * delay; other failures are logged when they start and when the backoff
 * reaches its cap. */
static void bh_updater_poll_failed(bh_updater_poller *p, int rc)
{
    const bh_api_error *e = bh_client_last_error(p->c);

    if (e->error_code == 409) {
        int64_t conflict_ms = bh_backoff_next(&p->conflict);
        if (!p->in_conflict)
            bh_log(BH_LOG_WARN, "getUpdates: conflict (%s); is another instance "
                   "running? waiting %lld ms between tries", e->description,
                   (long long)conflict_ms);
        p->in_conflict = 1;
        bh_sleep_ms(conflict_ms, &bh_updater_stop_asked);
    } else {
        int64_t err_ms = bh_backoff_next(&p->retry);
        if (!p->in_error || err_ms == BH_UPDATER_RETRY_MAX_MS)
            bh_log(BH_LOG_WARN, "getUpdates failed: %s; retrying in %lld ms",
                   e->description[0] ? e->description : bh_strerror(rc), (long long)err_ms);
        p->in_error = 1;
        bh_sleep_ms(err_ms, &bh_updater_stop_asked);
    }
}

/* A getUpdates that worked: the failures are over. */
static void bh_updater_poll_worked(bh_updater_poller *p)
{
    if (p->in_conflict || p->in_error)
        bh_log(BH_LOG_INFO, "getUpdates works again");
    p->in_conflict = p->in_error = 0;
    bh_backoff_reset(&p->conflict);
    bh_backoff_reset(&p->retry);
}

/* Tells the master that every id below `to` is accounted for.
 * Errors: those of bh_proto_send (the master is gone). */
static int bh_updater_send_skipped(const bh_updater_poller *p, int64_t to)
{
    bh_msg_hdr h = {.type = BH_MSG_SKIPPED, .source = p->cfg->source, .a = to};

    return bh_proto_send(p->cfg->fd, &h, NULL, 0);
}

/* The backlog: confirmed by the next call's offset, unprocessed. An empty
 * answer ends it, and the master learns where it ended. Errors: those of
 * bh_proto_send. */
static int bh_updater_skip_batch(bh_updater_poller *p, const bh_update_batch *b)
{
    if (b->count == 0 && b->next_offset == 0) {
        p->skipping = 0;
        if (p->offset > p->next)
            p->next = p->offset;
        if (p->offset > 0)
            bh_log(BH_LOG_INFO, "skipped the backlog up to update %lld",
                   (long long)p->offset - 1);
        return bh_updater_send_skipped(p, p->offset);
    }
    if (b->next_offset > p->offset)
        p->offset = b->next_offset;
    return BH_OK;
}

/* Sends the master the updates of b not sent before, with the offset of the
 * poll that returned them. Errors: those of bh_updater_forward. */
static int bh_updater_forward_batch(bh_updater_poller *p, const bh_update_batch *b)
{
    size_t fresh = 0;
    int rc;

    for (size_t i = 0; i < b->count; i++) {
        bh_update *u = b->items[i];
        json_object *j = bh_update_json(u);
        const char *txt;
        size_t len;
        if (u->update_id < p->next)
            continue;
        txt = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN, &len);
        rc = bh_updater_forward(p->cfg->fd, p->cfg->source, u->update_id, j, txt, len, p->polled);
        if (rc != BH_OK)
            return rc;
        p->next = u->update_id + 1;
        fresh++;
    }
    p->waiting = fresh == 0 && b->count > 0;
    /* Malformed entries the client skipped still move the offset past
     * them, or they would block confirmation for ever. */
    if (b->next_offset > p->next) {
        p->next = b->next_offset;
        return bh_updater_send_skipped(p, b->next_offset);
    }
    return BH_OK;
}

/*
 * The polling loop. Errors never make it spin: 409 (another instance
 * polls, or a webhook is set) is logged once and waited out with a growing
 * delay; network and server errors back off from 1 s to 30 s. It returns
 * without the final confirmation when the master is gone (or already sent
 * the final offset).
 */
static void bh_updater_poll(const bh_updater_cfg *cfg, char *buf, bh_client *c)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    bh_updater_poller p = {
        .cfg = cfg, .buf = buf, .c = c, .offset = cfg->offset, .next = cfg->next,
        .polled = -1, .skipping = cfg->skip_backlog,
        .conflict = {.initial_ms = cfg->opts->conflict_wait_ms,
                     .max_ms = BH_UPDATER_CONFLICT_MAX_MS},
        .retry = {.initial_ms = BH_UPDATER_RETRY_MIN_MS, .max_ms = BH_UPDATER_RETRY_MAX_MS}};

    while (!bh_updater_stop_asked) {
        bh_update_batch b = {0};
        int rc;

        if (bh_updater_poll_prepare(&p) != BH_DRAIN_MORE)
            return;
        p.polled = p.offset;
        rc = bh_client_get_updates(c, p.offset, BH_UPDATER_BATCH,
                                   p.skipping ? 0 : cfg->opts->poll_timeout_s,
                                   src->allowed_updates, &b);
        if (rc == BH_EINTR || bh_updater_stop_asked) {
            bh_update_batch_free(&b);
            break;
        }
        if (rc != BH_OK) {
            bh_updater_poll_failed(&p, rc);
            continue;
        }
        bh_updater_poll_worked(&p);
        rc = p.skipping ? bh_updater_skip_batch(&p, &b) : bh_updater_forward_batch(&p, &b);
        bh_update_batch_free(&b);
        if (rc != BH_OK)
            return;
    }
    bh_updater_finish(cfg->fd, buf, c);
}

/* The updater's life after fork: a feed, or a Bot API client and the
 * polling loop; never returns. */
void bh_updater_main(const bh_updater_cfg *cfg)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    char *buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    bh_client_options co = {.cancel = &bh_updater_cancel};
    bh_client *c = NULL;
    int rc;

    bh_updater_signals();
    if (!buf)
        _exit(BH_EXIT_NOMEM);
    if (src->feed) {
        bh_updater_feed(cfg, buf);
        free(buf);
        _exit(0);
    }
    if ((rc = bh_client_new(&c, src->token, cfg->opts->api_url, &co)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "cannot create the Bot API client: %s", bh_strerror(rc));
        free(buf);
        _exit(BH_EXIT_START);
    }
    bh_updater_poll(cfg, buf, c);
    bh_client_free(c);
    free(buf);
    _exit(0);
}
