/*
 * The webhook updater: instead of polling, it registers a webhook
 * (setWebhook with a secret token) and serves it with libmicrohttpd.
 * Telegram's POSTs are checked (the secret header, in constant time; the
 * body size) and their update handed to the master before the 200 answer:
 * a 200 is Telegram's confirmation, so it is only given for an update the
 * runner holds.
 *
 * Hostile clients must not keep Telegram out: the server runs on epoll (no
 * select() limit on descriptors), limits connections in all and per
 * address, and cuts a connection whose request has not arrived whole by
 * its deadline (an idle timeout alone is reset by every byte, so a client
 * sending a header byte a second would hold its connection for ever).
 * libmicrohttpd has no such deadline: the server thread records each
 * connection with a duplicate of its socket, and the updater's main thread
 * shuts late ones down, which the server thread then sees as a closed
 * connection. The duplicate keeps the socket alive, so a shutdown never
 * hits a descriptor that was closed and reused meanwhile.
 *
 * In hosts mode (a store that spans hosts, see hosts.h) this server runs
 * in the intake's place, a child of the feeder, on every host: a POST is
 * answered 200 only once its update is pushed into the bot's partitioned
 * log (deduplicated by update_id), which the partitions' owners run as in
 * getUpdates mode; the master is not involved. A push that fails (the
 * store is slow or gone) is answered 503, so that Telegram delivers it
 * again, maybe to another host; for a moment after, every POST is answered
 * 503 at once rather than after a timeout each. setWebhook is called by
 * the holder of the intake lease only, and only when the registration
 * noted in the store (fenced by the lease's epoch) is not this one: once
 * per bot, not per host or per start. deleteWebhook is never called: one
 * host stopping must not take the hook from the others.
 *
 * Names: every function here is bh_webhook_*.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/sleep.h"
#include "bothive/error.h"
#include "bothive/log.h"
#include "bothive/telegram.h"
#include "base/siphash.h"
#include "hosts.h"
#include "internal.h"

/* Registering the webhook is retried from one second up to half a minute. */
#define BH_WEBHOOK_RETRY_MIN_MS 1000
#define BH_WEBHOOK_RETRY_MAX_MS 30000
/* A connection idle this long is closed by the server. */
#define BH_WEBHOOK_CONN_TIMEOUT_S 30
/* The wait for a message of the master between looks for late requests
 * and for a stop: how late past its deadline a request may be cut. */
#define BH_WEBHOOK_IDLE_POLL_MS 200
/* Hosts mode: after a failed push, POSTs are answered 503 at once for so
 * long. */
#define BH_WEBHOOK_DOWN_MS 1000
/* Hosts mode: Telegram keeps the order of updates to a hook with one
 * connection; the log takes them in order per partition. */
#define BH_WEBHOOK_HOSTS_CONNECTIONS 1
/* libmicrohttpd's messages: at most one a second (a flood of refused
 * connections would otherwise flood the log), the rest counted. */
#define BH_WEBHOOK_LOG_EVERY_MS 1000

/* A connection the server holds (see the top): fd is our duplicate of its
 * socket; its request must be whole by deadline_ms. */
typedef struct bh_webhook_conn {
    struct bh_webhook_conn *prev, *next;
    int fd;
    int cut;
    int64_t deadline_ms;
} bh_webhook_conn;

typedef struct bh_webhook_server {
    const bh_updater_cfg *cfg;
    size_t secret_len;
    pthread_mutex_t lock; /* conns and the log's counts: two threads use them */
    bh_webhook_conn *conns;
    int64_t log_last_ms;
    unsigned log_dropped;
    bh_hosts *hosts;      /* hosts mode: the server thread's handle; else NULL */
    int parts;
    int64_t down_until;   /* hosts mode: no push before (one failed) */
    int failing;
} bh_webhook_server;

typedef struct bh_webhook_req {
    char *data;
    size_t len;
    int too_big;
} bh_webhook_req;

/* A new connection: recorded with its deadline; left unrecorded (and
 * logged) when its socket cannot be duplicated. */
static void bh_webhook_conn_add(bh_webhook_server *h, struct MHD_Connection *con, void **ctx)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con,
                                                                 MHD_CONNECTION_INFO_CONNECTION_FD);
    bh_webhook_conn *c = calloc(1, sizeof *c);

    if (!c || !ci || (c->fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
        bh_log(BH_LOG_WARN, "webhook: a connection without a deadline (out of %s)",
               c ? "descriptors" : "memory");
        free(c);
        return;
    }
    c->deadline_ms = bh_clock_mono_ms() + h->cfg->opts->webhook_request_timeout_ms;
    pthread_mutex_lock(&h->lock);
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    pthread_mutex_unlock(&h->lock);
    *ctx = c;
}

/* A connection closed, by either side: its record and duplicate go. */
static void bh_webhook_conn_remove(bh_webhook_server *h, bh_webhook_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&h->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&h->lock);
    close(c->fd);
    free(c);
}

/* libmicrohttpd's notice of a connection's start and end. */
static void bh_webhook_notify(void *cls, struct MHD_Connection *con, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        bh_webhook_conn_add(cls, con, socket_context);
    else
        bh_webhook_conn_remove(cls, *socket_context);
}

/* A request ended on a connection kept alive: the next one has a deadline
 * of its own. */
static void bh_webhook_conn_renew(bh_webhook_server *h, struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con,
                                                                 MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    bh_webhook_conn *c = ci ? ci->socket_context : NULL;

    if (!c)
        return;
    pthread_mutex_lock(&h->lock);
    c->deadline_ms = bh_clock_mono_ms() + h->cfg->opts->webhook_request_timeout_ms;
    pthread_mutex_unlock(&h->lock);
}

/* Shuts down the connections past their deadline (once each); the server
 * thread then sees them closed and ends them. */
static void bh_webhook_cut_late(bh_webhook_server *h)
{
    int64_t now = bh_clock_mono_ms();
    unsigned n = 0;

    pthread_mutex_lock(&h->lock);
    for (bh_webhook_conn *c = h->conns; c; c = c->next)
        if (!c->cut && now >= c->deadline_ms) {
            shutdown(c->fd, SHUT_RDWR);
            c->cut = 1;
            n++;
        }
    pthread_mutex_unlock(&h->lock);
    if (n)
        bh_log(BH_LOG_WARN, "webhook: %u connection(s) closed: no whole request within %lld ms", n,
               (long long)h->cfg->opts->webhook_request_timeout_ms);
}

/* libmicrohttpd's own messages, through bh_log, at most one a second. */
static void bh_webhook_mhd_log(void *cls, const char *fmt, va_list ap)
{
    bh_webhook_server *h = cls;
    int64_t now = bh_clock_mono_ms();
    unsigned dropped;
    char msg[512];
    size_t n;

    pthread_mutex_lock(&h->lock);
    if (h->log_last_ms && now - h->log_last_ms < BH_WEBHOOK_LOG_EVERY_MS) {
        h->log_dropped++;
        pthread_mutex_unlock(&h->lock);
        return;
    }
    h->log_last_ms = now;
    dropped = h->log_dropped;
    h->log_dropped = 0;
    pthread_mutex_unlock(&h->lock);
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'); n--)
        msg[n - 1] = '\0';
    if (dropped)
        bh_log(BH_LOG_WARN, "webhook: %s (and %u more messages)", msg, dropped);
    else
        bh_log(BH_LOG_WARN, "webhook: %s", msg);
}

/* Compares without an early exit, so the time taken does not tell an
 * attacker how much of a guessed secret was right. */
static int bh_webhook_secret_ok(const char *got, const char *want, size_t want_len)
{
    size_t got_len = got ? strlen(got) : 0;
    unsigned char diff = got_len != want_len;

    for (size_t i = 0; i < want_len; i++)
        diff |= (unsigned char)(want[i] ^ (i < got_len ? got[i] : 0));
    return got && diff == 0;
}

/* Queues the answer status with a JSON body (a string constant). */
static enum MHD_Result bh_webhook_answer(struct MHD_Connection *con, unsigned status,
                                         const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    ret = MHD_queue_response(con, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The start of a request, before any body is read: refuses a method other
 * than POST, a wrong secret and a declared oversized body (which costs the
 * server nothing that way), else makes the request's record. */
static enum MHD_Result bh_webhook_begin(bh_webhook_server *h, struct MHD_Connection *con,
                                        const char *method, void **con_cls)
{
    const char *secret = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                     "X-Telegram-Bot-Api-Secret-Token");
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    bh_webhook_req *q;

    if (strcmp(method, "POST"))
        return bh_webhook_answer(con, 405, "{\"ok\":false}");
    if (!bh_webhook_secret_ok(secret, h->cfg->opts->webhook_secret, h->secret_len)) {
        bh_log(BH_LOG_WARN, "webhook: request with a wrong secret token refused");
        return bh_webhook_answer(con, 403, "{\"ok\":false,\"description\":\"Forbidden\"}");
    }
    if (cl && strtoull(cl, NULL, 10) > h->cfg->opts->webhook_max_body)
        return bh_webhook_answer(con, 413, "{\"ok\":false,\"description\":\"Too large\"}");
    if (!(q = calloc(1, sizeof *q)))
        return MHD_NO;
    *con_cls = q;
    return MHD_YES;
}

/* A piece of the body: kept while the whole stays within webhook_max_body,
 * else the request is only marked too big (and the rest read and dropped). */
static enum MHD_Result bh_webhook_take(const bh_webhook_server *h, bh_webhook_req *q,
                                       const char *upload, size_t *upload_size)
{
    if (!q->too_big && q->len + *upload_size <= h->cfg->opts->webhook_max_body) {
        char *d = realloc(q->data, q->len + *upload_size + 1);
        if (!d)
            return MHD_NO;
        memcpy(d + q->len, upload, *upload_size);
        q->data = d;
        q->len += *upload_size;
        q->data[q->len] = '\0';
    } else {
        q->too_big = 1;
    }
    *upload_size = 0;
    return MHD_YES;
}

/* Hosts mode: pushes update u (id) into its chat's partition of the log.
 * BH_OK when it is in (now or before: a redelivery), BH_EBUSY when the
 * store failed or failed a moment ago (the answer makes Telegram deliver
 * it again). Only the server thread calls it: the handle is its own. */
static int bh_webhook_push(bh_webhook_server *h, int64_t id, json_object *u)
{
    bh_hosts_entry e = {.update_id = id};
    int64_t now = bh_clock_mono_ms();
    int kind, rc;
    int64_t key;

    if (now < h->down_until)
        return BH_EBUSY;
    bh_proto_update_key(u, id, &kind, &key);
    e.part = bh_hosts_part_of(kind, key, h->parts);
    e.json = (char *)json_object_to_json_string_length(u, JSON_C_TO_STRING_PLAIN, &e.len);
    rc = bh_hosts_push(h->hosts, &e);
    if (rc < 0) {
        if (!h->failing)
            bh_log(BH_LOG_WARN, "webhook: cannot put update %lld into the store: %s; "
                   "answering 503 until it works again", (long long)id, bh_strerror(rc));
        h->failing = 1;
        h->down_until = bh_clock_mono_ms() + BH_WEBHOOK_DOWN_MS;
        return BH_EBUSY;
    }
    if (h->failing)
        bh_log(BH_LOG_INFO, "webhook: the store takes updates again");
    h->failing = 0;
    if (rc == 0)
        bh_log(BH_LOG_DEBUG, "webhook: update %lld was in the store already", (long long)id);
    return BH_OK;
}

/* The whole body is in: an Update with a positive update_id goes to the
 * master, and only once the master holds it is the answer 200. */
static enum MHD_Result bh_webhook_deliver(bh_webhook_server *h, struct MHD_Connection *con,
                                          const bh_webhook_req *q)
{
    json_object *u, *idv;
    int rc;

    if (q->too_big)
        return bh_webhook_answer(con, 413, "{\"ok\":false,\"description\":\"Too large\"}");
    u = q->data ? json_tokener_parse(q->data) : NULL;
    if (!u || !json_object_object_get_ex(u, "update_id", &idv) ||
        !json_object_is_type(idv, json_type_int) || json_object_get_int64(idv) <= 0) {
        json_object_put(u);
        return bh_webhook_answer(con, 400, "{\"ok\":false,\"description\":\"Not an update\"}");
    }
    if (h->hosts)
        rc = bh_webhook_push(h, json_object_get_int64(idv), u);
    else
        rc = bh_updater_forward(h->cfg->fd, h->cfg->source, json_object_get_int64(idv), u,
                                q->data, q->len, 0);
    json_object_put(u);
    if (rc == BH_EBUSY)
        return bh_webhook_answer(con, 503, "{\"ok\":false}"); /* retried, maybe elsewhere */
    if (rc != BH_OK)
        return bh_webhook_answer(con, 500, "{\"ok\":false}"); /* Telegram retries */
    return bh_webhook_answer(con, 200, "{\"ok\":true}");
}

/* libmicrohttpd's handler, called at the start of a request, for each piece
 * of its body, and once the body is in. */
static enum MHD_Result bh_webhook_access(void *cls, struct MHD_Connection *con, const char *url,
                                         const char *method, const char *version,
                                         const char *upload, size_t *upload_size,
                                         void **con_cls)
{
    bh_webhook_server *h = cls;
    bh_webhook_req *q = *con_cls;
    (void)url;
    (void)version;

    if (!q)
        return bh_webhook_begin(h, con, method, con_cls);
    if (*upload_size)
        return bh_webhook_take(h, q, upload, upload_size);
    return bh_webhook_deliver(h, con, q);
}

/* The end of a request, answered or not: its record goes. */
static void bh_webhook_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                                 enum MHD_RequestTerminationCode toe)
{
    bh_webhook_req *q = *con_cls;
    (void)toe;
    bh_webhook_conn_renew(cls, con);
    if (q) {
        free(q->data);
        free(q);
        *con_cls = NULL;
    }
}

/* "host:port", ":port" or "port" into an IPv4 address; the host is
 * 127.0.0.1 when left out (see the top). */
static int bh_webhook_parse_listen(const char *s, struct sockaddr_in *sa)
{
    char host[64] = "127.0.0.1";
    const char *colon = strrchr(s, ':');
    long port;
    char *end;

    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (colon) {
        size_t n = (size_t)(colon - s);
        if (n >= sizeof host)
            return BH_EINVAL;
        if (n) {
            memcpy(host, s, n);
            host[n] = '\0';
        }
        s = colon + 1;
    }
    port = strtol(s, &end, 10);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return BH_EINVAL;
    sa->sin_port = htons((uint16_t)port);
    return BH_OK;
}

/* setWebhook with the URL, the secret and the kinds wanted (and, in hosts
 * mode, one connection at a time: see the top; drop: the updates waiting
 * are dropped, the backlog of a bot's very first start). */
static int bh_webhook_register(bh_client *c, const bh_updater_cfg *cfg, int hosts, int drop)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    json_object *p = json_object_new_object(), *res = NULL;
    int rc;

    if (!p)
        return BH_ENOMEM;
    json_object_object_add(p, "url", json_object_new_string(cfg->opts->webhook_url));
    json_object_object_add(p, "secret_token", json_object_new_string(cfg->opts->webhook_secret));
    if (hosts)
        json_object_object_add(p, "max_connections",
                               json_object_new_int(BH_WEBHOOK_HOSTS_CONNECTIONS));
    if (drop)
        json_object_object_add(p, "drop_pending_updates", json_object_new_boolean(1));
    if (src->allowed_updates) {
        json_object *a = json_object_new_array();
        for (const char *const *k = src->allowed_updates; *k; k++)
            json_object_array_add(a, json_object_new_string(*k));
        json_object_object_add(p, "allowed_updates", a);
    }
    rc = bh_client_call_json(c, "setWebhook", p, &res);
    json_object_put(res);
    json_object_put(p);
    return rc;
}

/* Starts the HTTP server on webhook_listen; NULL (logged) when the address
 * is bad or cannot be listened on. */
static struct MHD_Daemon *bh_webhook_listen(bh_webhook_server *h)
{
    const char *listen = h->cfg->opts->webhook_listen;
    struct MHD_Daemon *d;
    struct sockaddr_in sa;

    if (bh_webhook_parse_listen(listen, &sa) != BH_OK) {
        bh_log(BH_LOG_ERROR, "webhook: bad listen address \"%s\"", listen);
        return NULL;
    }
    /* One internal thread (on epoll): sends to the master are never
     * concurrent. The logger comes first, so that no message of the start
     * goes to stderr. */
    d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                         bh_webhook_access, h, MHD_OPTION_EXTERNAL_LOGGER, bh_webhook_mhd_log, h,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, bh_webhook_completed, h,
                         MHD_OPTION_NOTIFY_CONNECTION, bh_webhook_notify, h,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)BH_WEBHOOK_CONN_TIMEOUT_S,
                         MHD_OPTION_CONNECTION_LIMIT, h->cfg->opts->webhook_max_connections,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                         h->cfg->opts->webhook_per_ip_connections, MHD_OPTION_END);
    if (!d)
        bh_log(BH_LOG_ERROR, "webhook: cannot listen on %s", listen);
    return d;
}

/* The server listens before Telegram is told about it, so the first
 * POST finds it. Failing to register is retried with a backoff, until the
 * stop. */
static void bh_webhook_register_retrying(bh_client *c, const bh_updater_cfg *cfg)
{
    bh_backoff b = {.initial_ms = BH_WEBHOOK_RETRY_MIN_MS, .max_ms = BH_WEBHOOK_RETRY_MAX_MS};
    int rc;

    while (!bh_updater_stopping()) {
        if ((rc = bh_webhook_register(c, cfg, 0, 0)) == BH_OK) {
            bh_log(BH_LOG_INFO, "webhook set, listening on %s", cfg->opts->webhook_listen);
            return;
        }
        int64_t wait = bh_backoff_next(&b);
        bh_log(BH_LOG_WARN, "setWebhook failed: %s (%s); retrying in %lld ms", bh_strerror(rc),
               bh_client_last_error(c)->description, (long long)wait);
        bh_sleep_ms(wait, bh_updater_stop_flag());
    }
}

/* While the server thread hands the updates on: reads (and drops) what the
 * master sends and cuts late requests, until the stop. BH_EIO when the
 * master is gone. */
static int bh_webhook_idle(bh_webhook_server *h, char *buf)
{
    const bh_updater_cfg *cfg = h->cfg;

    while (!bh_updater_stopping()) {
        bh_webhook_cut_late(h);
        struct pollfd p = {.fd = cfg->fd, .events = POLLIN};
        bh_msg m;
        int rc;
        if (poll(&p, 1, BH_WEBHOOK_IDLE_POLL_MS) > 0) {
            while ((rc = bh_proto_recv(cfg->fd, buf, &m)) == BH_PROTO_MSG)
                ;
            if (rc != BH_PROTO_NONE)
                return BH_EIO;
        }
    }
    return BH_OK;
}

/* Registers the webhook, hands updates on until the stop, then stops the
 * server, deletes the webhook and tells the master (unless the master is
 * gone). d is stopped in every case. */
static void bh_webhook_serve(bh_webhook_server *h, struct MHD_Daemon *d, bh_client *c, char *buf)
{
    int rc;

    bh_webhook_register_retrying(c, h->cfg);
    rc = bh_webhook_idle(h, buf);
    MHD_stop_daemon(d);
    if (rc != BH_OK)
        return; /* the master is gone */
    if ((rc = bh_client_call(c, "deleteWebhook", NULL, NULL)) != BH_OK)
        bh_log(BH_LOG_WARN, "deleteWebhook failed: %s", bh_strerror(rc));
    bh_updater_finish(h->cfg->fd, buf, NULL);
}

/* Each connection costs two descriptors (see the top): the soft limit on
 * them, often 1024, is raised to the hard one. */
static void bh_webhook_raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* The webhook updater's life after fork; never returns. */
void bh_webhook_main(const bh_updater_cfg *cfg)
{
    const bh_runner_source *src = &cfg->app->sources[cfg->source];
    char *buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    bh_webhook_server h = {.cfg = cfg, .secret_len = strlen(cfg->opts->webhook_secret)};
    struct MHD_Daemon *d;
    bh_client *c = NULL;
    int rc, status = 0;

    bh_updater_signals();
    bh_webhook_raise_nofile();
    pthread_mutex_init(&h.lock, NULL);
    if (!buf)
        _exit(BH_EXIT_NOMEM);
    if ((rc = bh_client_new(&c, src->token, cfg->opts->api_url, NULL)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "cannot create the Bot API client: %s", bh_strerror(rc));
        free(buf);
        _exit(BH_EXIT_START);
    }
    if ((d = bh_webhook_listen(&h)))
        bh_webhook_serve(&h, d, c, buf);
    else
        status = BH_EXIT_LISTEN;
    bh_client_free(c);
    free(buf);
    _exit(status);
}

/* ---- hosts mode (see the top) ---- */

/* The longest registration note: a hash and the URL. */
#define BH_WEBHOOK_NOTE_MAX 2200

/* The main thread's side of hosts mode: the intake lease and the
 * registration. */
typedef struct bh_webhook_hosts {
    const bh_updater_cfg *cfg;
    bh_hosts *h;          /* the main thread's handle (the server has its own) */
    bh_client *c;
    bh_hosts_cfg hc;
    uint64_t epoch;       /* the intake lease, when held; else 0 */
    int registered;       /* the registration is done under epoch */
    int failing;
    bh_backoff retry;
    int64_t next_ms;      /* the next look at the lease */
    char note[BH_WEBHOOK_NOTE_MAX];
} bh_webhook_hosts;

/* What the webhook is registered with, as noted in the store: a hash of
 * the secret and of the kinds wanted (the secret itself is not written
 * there), and the URL. */
static void bh_webhook_note_of(const bh_updater_cfg *cfg, char *out, size_t n)
{
    static const unsigned char key[16] = {0};
    const char *const *kinds = cfg->app->sources[cfg->source].allowed_updates;
    char what[BH_WEBHOOK_NOTE_MAX];
    size_t len = (size_t)snprintf(what, sizeof what, "%s\n", cfg->opts->webhook_secret);

    for (const char *const *k = kinds; k && *k && len < sizeof what; k++)
        len += (size_t)snprintf(what + len, sizeof what - len, "%s,", *k);
    if (len >= sizeof what)
        len = sizeof what - 1;
    snprintf(out, n, "%016llx %.2048s", (unsigned long long)bh_siphash(key, what, len),
             cfg->opts->webhook_url);
}

/* Under the intake lease: setWebhook, unless the store notes that this
 * registration was made already; then the note, fenced by the epoch. A
 * failure is retried at a later turn. At the bot's very first start (no
 * offset in the store: no intake of it ever put anything) the backlog is
 * dropped, unless process_backlog, as the polling intake skips it. */
static void bh_webhook_hosts_register(bh_webhook_hosts *w, int64_t now)
{
    char noted[BH_WEBHOOK_NOTE_MAX];
    int64_t offset = 0;
    int rc = bh_hosts_note_get(w->h, "webhook", noted, sizeof noted);

    if (rc == BH_OK && !strcmp(noted, w->note)) {
        bh_log(BH_LOG_INFO, "webhook: registered already; this host keeps it (epoch %llu)",
               (unsigned long long)w->epoch);
        w->registered = 1;
        return;
    }
    if ((rc != BH_OK && rc != BH_EINVAL) || bh_hosts_offset(w->h, &offset) != BH_OK)
        return; /* the store fails: the next turn */
    int drop = offset < 0 && !w->cfg->opts->process_backlog;
    if ((rc = bh_webhook_register(w->c, w->cfg, 1, drop)) != BH_OK) {
        int64_t wait = bh_backoff_next(&w->retry);
        bh_log(BH_LOG_WARN, "setWebhook failed: %s (%s); retrying in %lld ms", bh_strerror(rc),
               bh_client_last_error(w->c)->description, (long long)wait);
        w->next_ms = now + wait;
        return;
    }
    bh_backoff_reset(&w->retry);
    rc = bh_hosts_note_set(w->h, "intake", w->epoch, "webhook", w->note);
    if (rc == BH_OK) {
        bh_log(BH_LOG_INFO, "webhook set for every host (%s)%s", w->cfg->opts->webhook_url,
               drop ? "; first start of the bot: the backlog was dropped" : "");
        w->registered = 1;
    } else if (rc == BH_ENOTOWNER) {
        w->epoch = 0;
    }
}

/* One look at the intake lease: taken or kept, its holder sees to the
 * registration. */
static void bh_webhook_hosts_turn(bh_webhook_hosts *w, int64_t now)
{
    uint64_t e = w->epoch;
    int rc = bh_hosts_lease(w->h, "intake", w->hc.lease_ms, &e);

    w->next_ms = now + w->hc.lease_ms / 4;
    if (rc < 0) {
        if (!w->failing)
            bh_log(BH_LOG_WARN, "webhook: intake lease: %s", bh_strerror(rc));
        w->failing = 1;
        return;
    }
    w->failing = 0;
    if (rc == 0 || e != w->epoch) {
        w->registered = 0;
        w->epoch = rc == 1 ? e : 0;
    }
    if (w->epoch && !w->registered)
        bh_webhook_hosts_register(w, now);
}

/* Opens the handles (the server thread's into h, the main thread's into
 * w) and the client. Errors: the store's and the client's. */
static int bh_webhook_hosts_open(bh_webhook_server *h, bh_webhook_hosts *w, const char *host)
{
    const bh_updater_cfg *cfg = h->cfg;
    const char *token = cfg->app->sources[cfg->source].token;
    char bot[BH_HOSTS_NAME_MAX + 1];
    int rc;

    bh_hosts_bot_id(token, bot, sizeof bot);
    if ((rc = bh_client_new(&w->c, token, cfg->opts->api_url, NULL)) != BH_OK ||
        (rc = bh_hosts_open(&w->h, cfg->opts->store_url, bot, host)) != BH_OK ||
        (rc = bh_hosts_open(&h->hosts, cfg->opts->store_url, bot, host)) != BH_OK)
        return rc;
    return bh_hosts_setup(h->hosts, w->hc.parts, &h->parts);
}

void bh_webhook_hosts_main(const bh_updater_cfg *cfg, const char *host)
{
    bh_webhook_server h = {.cfg = cfg, .secret_len = strlen(cfg->opts->webhook_secret)};
    bh_webhook_hosts w = {.cfg = cfg, .retry = {.initial_ms = BH_WEBHOOK_RETRY_MIN_MS,
                                                .max_ms = BH_WEBHOOK_RETRY_MAX_MS}};
    struct MHD_Daemon *d = NULL;
    int rc, status = 0;

    bh_updater_signals();
    bh_webhook_raise_nofile();
    pthread_mutex_init(&h.lock, NULL);
    close(cfg->fd); /* the feeder's socket to the master is not ours */
    bh_hosts_cfg_get(&w.hc);
    bh_webhook_note_of(cfg, w.note, sizeof w.note);
    if ((rc = bh_webhook_hosts_open(&h, &w, host)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "webhook cannot start: %s", bh_strerror(rc));
        status = BH_EXIT_START;
    } else if (!(d = bh_webhook_listen(&h))) {
        status = BH_EXIT_LISTEN;
    }
    while (d && !bh_updater_stopping()) {
        int64_t now = bh_clock_mono_ms();
        bh_webhook_cut_late(&h);
        if (now >= w.next_ms)
            bh_webhook_hosts_turn(&w, now);
        bh_sleep_ms(BH_WEBHOOK_IDLE_POLL_MS, bh_updater_stop_flag());
    }
    if (d)
        MHD_stop_daemon(d); /* no deleteWebhook: the other hosts keep serving it */
    if (w.epoch)
        bh_hosts_release(w.h, "intake", w.epoch);
    bh_hosts_close(h.hosts);
    bh_hosts_close(w.h);
    bh_client_free(w.c);
    _exit(status);
}
