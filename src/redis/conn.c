/*
 * The connection of the redis:// backend, and sending one command on it.
 *
 * One connection per bh_store handle, made when the store is opened; a
 * forked child never uses its parent's socket (both would read each
 * other's replies): it notices that its pid changed and connects on its
 * own at its first command. A connection the server closed, or that broke,
 * is made again at the next command, and so is one to a server that says
 * it takes no commands now (READONLY, MASTERDOWN, LOADING). The server is
 * a host and port, a unix socket, or the master the sentinels name, asked
 * at every connection. Each command waits for its reply at most the URL's
 * timeout, and no longer than what is left of the caller's deadline
 * (bh_redis_deadline_set).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/log.h"
#include "redis.h"

static struct timeval tv_of(int64_t ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000)};
    return tv;
}

/* A writer to a socket the server closed gets SIGPIPE, which would kill a
 * program that did not ask for it; hiredis writes with write(2). So SIGPIPE
 * is blocked around each command, and one it raised is consumed. */
struct sigpipe_guard {
    sigset_t old;
    int pending_before;
};

static void sigpipe_block(struct sigpipe_guard *g)
{
    sigset_t set, pend;

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
    sigpending(&pend);
    g->pending_before = sigismember(&pend, SIGPIPE) == 1;
}

static void sigpipe_restore(struct sigpipe_guard *g)
{
    sigset_t set, pend;
    struct timespec zero = {0, 0};

    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pend);
    if (!g->pending_before && sigismember(&pend, SIGPIPE) == 1)
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* The timeout of a connection's setup and commands: the URL's, bounded by
 * bound_ms when that is positive. */
static int64_t bounded(int64_t ms, int64_t bound_ms)
{
    return bound_ms > 0 && bound_ms < ms ? bound_ms : ms;
}

/* Whether c failed because a read or write timed out: hiredis reports
 * the socket's EAGAIN as an I/O error with its strerror text. */
static int timed_out(const redisContext *c)
{
    return c->err == REDIS_ERR_IO &&
           (!strcmp(c->errstr, strerror(EAGAIN)) || !strcmp(c->errstr, strerror(ETIMEDOUT)));
}

/* What went wrong on c, for a message: "timed out" rather than the
 * socket's "Resource temporarily unavailable". */
static const char *failure_text(const redisContext *c)
{
    if (timed_out(c))
        return "timed out (no answer)";
    return c->errstr[0] ? c->errstr : "connection lost";
}

/* A TCP connection to host:port with the connect timeout, or NULL. */
static redisContext *dial_tcp(const char *host, int port, int64_t ms)
{
    redisContext *c = redisConnectWithTimeout(host, port, tv_of(ms));

    /* A peer that vanished (a host powered off, a cut link) is noticed
     * by the kernel's keepalive, not only by the next command's timeout. */
    if (c && !c->err)
        redisEnableKeepAlive(c);
    return c;
}

/* Asks one sentinel where the master named conf->service is, into
 * host/port. BH_OK, BH_ENOTFOUND (it knows no such master), BH_ENET. */
static int ask_sentinel(const struct bh_redis_conf *conf, const struct bh_redis_addr *s,
                        int64_t ms, char *host, size_t hostlen, int *port)
{
    redisContext *c = dial_tcp(s->host, s->port, ms);
    redisReply *rep = NULL;
    int rc = BH_ENET;

    if (!c || c->err || redisSetTimeout(c, tv_of(ms)) != REDIS_OK)
        goto out;
    rep = redisCommand(c, "SENTINEL get-master-addr-by-name %s", conf->service);
    if (!rep)
        goto out;
    rc = BH_ENOTFOUND;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING &&
        rep->element[1]->type == REDIS_REPLY_STRING &&
        rep->element[0]->len < hostlen && (*port = atoi(rep->element[1]->str)) > 0) {
        memcpy(host, rep->element[0]->str, rep->element[0]->len + 1);
        rc = BH_OK;
    }
out:
    if (rep)
        freeReplyObject(rep);
    if (c)
        redisFree(c);
    return rc;
}

/* The master's address from the first sentinel that knows it, and where
 * it came from in where. */
static int resolve(const struct bh_redis_conf *conf, int64_t ms, char *host, size_t hostlen,
                   int *port, char *where, size_t wlen, char *err, size_t errlen)
{
    int rc = BH_ENET;

    for (size_t i = 0; i < conf->nsentinels; i++) {
        const struct bh_redis_addr *s = &conf->sentinels[i];
        int one = ask_sentinel(conf, s, ms, host, hostlen, port);
        if (one == BH_OK) {
            snprintf(where, wlen, "%s at %s:%d (from sentinel %s:%d)", conf->service, host,
                     *port, s->host, s->port);
            return BH_OK;
        }
        if (one == BH_ENOTFOUND)
            rc = BH_ENOTFOUND;
    }
    if (rc == BH_ENOTFOUND)
        snprintf(err, errlen, "redis sentinels: none knows a master named %s", conf->service);
    else
        snprintf(err, errlen, "redis sentinels: none of %zu could be reached (asking for %s)",
                 conf->nsentinels, conf->service);
    return BH_ENET;
}

/* The socket to the server of conf: TCP, a unix socket, or the master the
 * sentinels name (asked again at every connection, so that a failover is
 * followed). where says what it reached, for messages. */
static int dial_server(const struct bh_redis_conf *conf, int64_t ms, redisContext **out,
                       char *where, size_t wlen, char *err, size_t errlen)
{
    char resolved[256];
    const char *host = conf->host;
    int port = conf->port, rc;

    *out = NULL;
    if (conf->socket) {
        snprintf(where, wlen, "unix:%s", conf->socket);
        *out = redisConnectUnixWithTimeout(conf->socket, tv_of(ms));
        return *out ? BH_OK : BH_ENOMEM;
    }
    if (conf->service) {
        rc = resolve(conf, ms, resolved, sizeof resolved, &port, where, wlen, err, errlen);
        if (rc != BH_OK)
            return rc;
        host = resolved;
    } else {
        snprintf(where, wlen, "%s:%d", conf->host, conf->port);
    }
    *out = dial_tcp(host, port, ms);
    return *out ? BH_OK : BH_ENOMEM;
}

/* Opens the socket and sets the per-command timeout. *out is the context
 * even on failure (NULL only when it could not be made), for the caller
 * to free. */
static int dial(const struct bh_redis_conf *conf, int64_t bound_ms, redisContext **out,
                char *where, size_t wlen, char *err, size_t errlen)
{
    int64_t ms = bounded(conf->timeout_ms, bound_ms);
    int rc = dial_server(conf, bounded(conf->connect_timeout_ms, bound_ms), out, where, wlen,
                         err, errlen);
    redisContext *c = *out;

    if (rc != BH_OK)
        return rc;
    if (c->err) {
        snprintf(err, errlen, "redis %s: cannot connect: %s", where,
                 timed_out(c) ? "timed out" : c->errstr);
        return BH_ENET;
    }
    if (redisSetTimeout(c, tv_of(ms)) != REDIS_OK) {
        snprintf(err, errlen, "redis %s: cannot set the timeout", where);
        return BH_ENET;
    }
    return BH_OK;
}

/* Judges and frees the reply rep to the setup command what (AUTH,
 * SELECT): BH_OK; refused, when the server refused it; BH_ENET when no
 * reply came. */
static int setup_reply(redisContext *c, redisReply *rep, int refused, const char *what,
                       const char *where, char *err, size_t errlen)
{
    int rc = BH_OK;

    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "redis %s: %s failed: %s", where, what,
                 rep ? rep->str : failure_text(c));
        rc = rep ? refused : BH_ENET;
    }
    if (rep)
        freeReplyObject(rep);
    return rc;
}

/* AUTH when the URL has a password, SELECT when its database is not 0.
 * A refused AUTH is a wrong user or password: BH_EINVAL, as for any other
 * wrong part of the URL, with a message that says so. */
static int login(redisContext *c, const struct bh_redis_conf *conf, const char *where,
                 char *err, size_t errlen)
{
    char what[32];
    int rc = BH_OK;

    if (conf->password) {
        redisReply *rep = conf->user
                              ? redisCommand(c, "AUTH %s %s", conf->user, conf->password)
                              : redisCommand(c, "AUTH %s", conf->password);
        rc = setup_reply(c, rep, BH_EINVAL, "authentication (AUTH: wrong user or password?)",
                         where, err, errlen);
    }
    if (rc == BH_OK && conf->db != 0) {
        snprintf(what, sizeof what, "SELECT %d", conf->db);
        rc = setup_reply(c, redisCommand(c, "SELECT %d", conf->db), BH_EINVAL, what, where,
                         err, errlen);
    }
    return rc;
}

/* bh_redis_conn_new with every timeout bounded by bound_ms (when
 * positive); where names what it reached. */
static int conn_make(const struct bh_redis_conf *conf, int64_t bound_ms, redisContext **out,
                     char *where, size_t wlen, char *err, size_t errlen)
{
    struct sigpipe_guard g;
    redisContext *c;
    int rc;

    *out = NULL;
    sigpipe_block(&g);
    if ((rc = dial(conf, bound_ms, &c, where, wlen, err, errlen)) == BH_OK)
        rc = login(c, conf, where, err, errlen);
    if (rc == BH_OK)
        *out = c;
    else if (c)
        redisFree(c);
    sigpipe_restore(&g);
    return rc;
}

int bh_redis_conn_new(const struct bh_redis_conf *conf, redisContext **out, char *err,
                      size_t errlen)
{
    char where[BH_REDIS_WHERE_MAX];

    return conn_make(conf, 0, out, where, sizeof where, err, errlen);
}

/* How long the handle's next command may wait for its reply: the URL's
 * timeout, bounded by what is left of the caller's deadline (with a
 * grace, so that a server-side wait of up to the deadline is answered
 * first); at least 1 ms. 0 without a deadline: the URL's timeout. */
static int64_t deadline_left(const struct bh_redis *r)
{
    int64_t left;

    if (!r->deadline_ms)
        return 0;
    left = r->deadline_ms + BH_REDIS_DEADLINE_GRACE_MS - bh_clock_mono_ms();
    return left < 1 ? 1 : left;
}

int bh_redis_conn_open(struct bh_redis *r)
{
    char err[256] = "";
    int rc = conn_make(&r->conf, deadline_left(r), &r->c, r->where, sizeof r->where, err,
                       sizeof err);

    if (rc != BH_OK)
        return bh_store_fail(&r->base, rc, "%s", err);
    r->pid = bh_proc_pid();
    r->sock_timeout_ms = bounded(r->conf.timeout_ms, deadline_left(r));
    return BH_OK;
}

int64_t bh_redis_deadline_set(struct bh_redis *r, int64_t deadline_ms)
{
    int64_t old = r->deadline_ms;

    r->deadline_ms = deadline_ms;
    return old;
}

/* In a forked child the context is the parent's: closing our copy of the
 * descriptor leaves the parent's socket alone. */
void bh_redis_conn_close(struct bh_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

/* Whether the server closed an idle connection (it restarted, or dropped
 * us): nothing is owed to us between commands, so a readable socket means
 * end of file or an error. Found before sending, the command can go on a
 * new connection without any doubt about whether it ran. */
static int closed_by_server(redisContext *c)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};

    return poll(&pfd, 1, 0) > 0;
}

/* A usable connection of this process, its socket timeout set for the
 * next command (deadline_left); *fresh tells whether it was made just
 * now. */
static int ensure(struct bh_redis *r, int *fresh)
{
    int64_t ms;
    int rc;

    if (r->c && (r->pid != bh_proc_pid() || r->c->err || closed_by_server(r->c)))
        bh_redis_conn_close(r);
    *fresh = !r->c;
    if (!r->c && (rc = bh_redis_conn_open(r)) != BH_OK)
        return rc;
    ms = bounded(r->conf.timeout_ms, deadline_left(r));
    if (ms != r->sock_timeout_ms) {
        if (redisSetTimeout(r->c, tv_of(ms)) != REDIS_OK) {
            bh_redis_conn_close(r);
            return bh_store_fail(&r->base, BH_ENET, "redis %s: cannot set the timeout",
                                 r->where);
        }
        r->sock_timeout_ms = ms;
    }
    return BH_OK;
}

/* Sends a and reads its reply; NULL when the connection broke. */
static redisReply *send_argv(struct bh_redis *r, struct bh_redis_argv *a)
{
    struct sigpipe_guard g;
    redisReply *rep;

    sigpipe_block(&g);
    rep = redisCommandArgv(r->c, a->n, a->v, a->len);
    sigpipe_restore(&g);
    return rep;
}

/* A command cut short at the bound could do something else entirely, so
 * a vector that could not be built whole is never sent. */
int bh_redis_cmd_check(struct bh_redis *r, const struct bh_redis_argv *a)
{
    if (a->err == BH_ETOOBIG)
        return bh_store_fail(&r->base, BH_ETOOBIG, "redis: a command of more than %d strings",
                             BH_REDIS_ARGV_MAX);
    return a->err;
}

/* The failure of a command that got no reply on r->c: BH_ETIMEDOUT when
 * the caller's deadline is what ran out, else BH_ENET, with a message
 * saying which. */
static int no_reply(struct bh_redis *r)
{
    if (timed_out(r->c) && r->deadline_ms && bh_clock_mono_ms() >= r->deadline_ms)
        return bh_store_fail(&r->base, BH_ETIMEDOUT, "redis %s: timed out: no answer before "
                             "the caller's deadline", r->where);
    if (timed_out(r->c))
        return bh_store_fail(&r->base, BH_ENET, "redis %s: timed out: no answer within %lld ms",
                             r->where, (long long)r->sock_timeout_ms);
    return bh_store_fail(&r->base, BH_ENET, "redis %s: %s", r->where, failure_text(r->c));
}

/* A reply that says this server takes no commands now (a demoted master,
 * one loading its data, a replica without its master): the connection is
 * dropped, so that the next one goes to the server that does (asked of
 * the sentinels again). Such a command did not run, so it may be sent
 * again whatever it is. */
static int server_moved_on(struct bh_redis *r, redisReply *rep)
{
    if (!bh_redis_reply_failover(rep))
        return 0;
    bh_log(BH_LOG_WARN, "store: redis %s: %.*s; connecting again", r->where,
           (int)(rep->len < 120 ? rep->len : 120), rep->str);
    bh_redis_conn_close(r);
    return 1;
}

int bh_redis_cmd_run(struct bh_redis *r, int idempotent, redisReply **out,
                     struct bh_redis_argv *a)
{
    int rc, fresh;

    *out = NULL;
    if ((rc = bh_redis_cmd_check(r, a)) != BH_OK)
        return rc;
    if (a->n <= 0)
        return bh_store_fail(&r->base, BH_EINVAL, "redis: an empty command");
    for (int attempt = 0; attempt < 2; attempt++) {
        if ((rc = ensure(r, &fresh)) != BH_OK)
            return rc;
        if ((*out = send_argv(r, a))) {
            if (!server_moved_on(r, *out) || attempt == 1)
                return BH_OK;
            freeReplyObject(*out);
            *out = NULL;
            continue;
        }
        rc = no_reply(r);
        int again = !timed_out(r->c);
        bh_redis_conn_close(r);
        /* A command sent on a connection that just broke may or may not
         * have run: only one whose repetition is harmless is sent again,
         * once, on a new connection (a stale socket to a restarted server
         * fails like this at its first use). A server that did not answer
         * in time is not asked again: it would not answer either. */
        if (fresh || !idempotent || !again)
            break;
    }
    bh_log(BH_LOG_WARN, "store: %s", r->base.errmsg);
    return rc;
}
