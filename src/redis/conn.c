/*
 * The connection of the redis:// backend, and sending one command on it.
 *
 * One connection per bh_store handle, made when the store is opened; a
 * forked child never uses its parent's socket (both would read each
 * other's replies): it notices that its pid changed and connects on its
 * own at its first command. A connection the server closed, or that broke,
 * is made again at the next command.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
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

/* Opens the socket and sets the per-command timeout. *out is the context
 * even on failure (NULL only when it could not be allocated), for the
 * caller to free. */
static int dial(const struct bh_redis_conf *conf, redisContext **out, char *err, size_t errlen)
{
    redisContext *c = redisConnectWithTimeout(conf->host, conf->port,
                                              tv_of(conf->connect_timeout_ms));

    *out = c;
    if (!c)
        return BH_ENOMEM;
    if (c->err) {
        snprintf(err, errlen, "redis %s:%d: cannot connect: %s", conf->host, conf->port,
                 c->errstr);
        return BH_ENET;
    }
    if (redisSetTimeout(c, tv_of(conf->timeout_ms)) != REDIS_OK) {
        snprintf(err, errlen, "redis %s:%d: cannot set the timeout", conf->host, conf->port);
        return BH_ENET;
    }
    return BH_OK;
}

/* Judges and frees the reply rep to the setup command what (AUTH,
 * SELECT): BH_OK; refused, when the server refused it; BH_ENET when no
 * reply came. */
static int setup_reply(redisContext *c, redisReply *rep, int refused, const char *what,
                       const struct bh_redis_conf *conf, char *err, size_t errlen)
{
    int rc = BH_OK;

    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "redis %s:%d: %s failed: %s", conf->host, conf->port, what,
                 rep ? rep->str : c->errstr);
        rc = rep ? refused : BH_ENET;
    }
    if (rep)
        freeReplyObject(rep);
    return rc;
}

/* AUTH when the URL has a password, SELECT when its database is not 0. */
static int login(redisContext *c, const struct bh_redis_conf *conf, char *err, size_t errlen)
{
    char what[32];
    int rc = BH_OK;

    if (conf->password) {
        redisReply *rep = conf->user
                              ? redisCommand(c, "AUTH %s %s", conf->user, conf->password)
                              : redisCommand(c, "AUTH %s", conf->password);
        rc = setup_reply(c, rep, BH_EAPI, "AUTH", conf, err, errlen);
    }
    if (rc == BH_OK && conf->db != 0) {
        snprintf(what, sizeof what, "SELECT %d", conf->db);
        rc = setup_reply(c, redisCommand(c, "SELECT %d", conf->db), BH_EINVAL, what, conf,
                         err, errlen);
    }
    return rc;
}

int bh_redis_conn_new(const struct bh_redis_conf *conf, redisContext **out, char *err,
                      size_t errlen)
{
    struct sigpipe_guard g;
    redisContext *c;
    int rc;

    *out = NULL;
    sigpipe_block(&g);
    if ((rc = dial(conf, &c, err, errlen)) == BH_OK)
        rc = login(c, conf, err, errlen);
    if (rc == BH_OK)
        *out = c;
    else if (c)
        redisFree(c);
    sigpipe_restore(&g);
    return rc;
}

int bh_redis_conn_open(struct bh_redis *r)
{
    char err[256] = "";
    int rc = bh_redis_conn_new(&r->conf, &r->c, err, sizeof err);

    if (rc != BH_OK)
        return bh_store_fail(&r->base, rc, "%s", err);
    r->pid = bh_proc_pid();
    return BH_OK;
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

/* A usable connection of this process; *fresh tells whether it was made
 * just now. */
static int ensure(struct bh_redis *r, int *fresh)
{
    if (r->c && (r->pid != bh_proc_pid() || r->c->err || closed_by_server(r->c)))
        bh_redis_conn_close(r);
    *fresh = !r->c;
    return r->c ? BH_OK : bh_redis_conn_open(r);
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
        if ((*out = send_argv(r, a)))
            return BH_OK;
        rc = bh_store_fail(&r->base, BH_ENET, "redis %s:%d: %s", r->conf.host, r->conf.port,
                           r->c->errstr[0] ? r->c->errstr : "connection lost");
        bh_redis_conn_close(r);
        /* A command sent on a connection that just broke may or may not
         * have run: only one whose repetition is harmless is sent again,
         * once, on a new connection (a stale socket to a restarted server
         * fails like this at its first use). */
        if (fresh || !idempotent)
            break;
    }
    bh_log(BH_LOG_WARN, "store: %s", r->base.errmsg);
    return rc;
}
