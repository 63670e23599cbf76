/*
 * The redis:// backend: the URL, the connection, commands and scripts,
 * memories and stats. One connection per bh_store handle, made when the
 * store is opened; a forked child never uses its parent's socket (both
 * would read each other's replies): it notices that its pid changed and
 * connects on its own at its first command.
 *
 * URL: redis://[[user]:password@]host[:port][/db][?param=value&...], with
 * params prefix (key namespace, default "bothive"), lock_lease_ms (default
 * 30000), timeout_ms (per command, default 5000) and connect_timeout_ms
 * (default 2000).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/log.h"
#include "redis.h"

/* ---- argument vectors ---- */

void bh_redis_argv_add(struct bh_redis_argv *a, const char *s, size_t len)
{
    a->v[a->n] = s;
    a->len[a->n] = len;
    a->n++;
}

void bh_redis_argv_str(struct bh_redis_argv *a, const char *s)
{
    bh_redis_argv_add(a, s, strlen(s));
}

static int rargs_own(struct bh_redis_argv *a, char *s, size_t len)
{
    if (!s)
        return BH_ENOMEM;
    a->owned[a->nowned++] = s;
    bh_redis_argv_add(a, s, len);
    return BH_OK;
}

int bh_redis_argv_int(struct bh_redis_argv *a, long long v)
{
    char *s = NULL;
    int n = asprintf(&s, "%lld", v);
    return n < 0 ? BH_ENOMEM : rargs_own(a, s, (size_t)n);
}

char *bh_redis_key_name(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);
    size_t pl = strlen(part), nl = name ? strlen(name) : 0;
    char *s = malloc(ms->kbase_len + pl + nl + 1);

    if (!s)
        return NULL;
    memcpy(s, ms->kbase, ms->kbase_len);
    memcpy(s + ms->kbase_len, part, pl);
    if (nl)
        memcpy(s + ms->kbase_len + pl, name, nl);
    s[ms->kbase_len + pl + nl] = 0;
    return s;
}

int bh_redis_argv_key(struct bh_redis_argv *a, bh_shared *m, const char *part, const char *name)
{
    char *s = bh_redis_key_name(m, part, name);
    return s ? rargs_own(a, s, strlen(s)) : BH_ENOMEM;
}

void bh_redis_argv_free(struct bh_redis_argv *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    a->nowned = a->n = 0;
}

/* ---- connection ---- */

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

int bh_redis_conn_new(const struct bh_redis_conf *conf, redisContext **out, char *err,
                          size_t errlen)
{
    struct sigpipe_guard g;
    redisContext *c;
    redisReply *rep = NULL;
    int rc = BH_OK;

    *out = NULL;
    sigpipe_block(&g);
    c = redisConnectWithTimeout(conf->host, conf->port, tv_of(conf->connect_timeout_ms));
    if (!c) {
        rc = BH_ENOMEM;
        goto fail;
    }
    if (c->err) {
        snprintf(err, errlen, "redis %s:%d: cannot connect: %s", conf->host, conf->port,
                 c->errstr);
        rc = BH_ENET;
        goto fail;
    }
    if (redisSetTimeout(c, tv_of(conf->timeout_ms)) != REDIS_OK) {
        snprintf(err, errlen, "redis %s:%d: cannot set the timeout", conf->host, conf->port);
        rc = BH_ENET;
        goto fail;
    }
    if (conf->password) {
        rep = conf->user ? redisCommand(c, "AUTH %s %s", conf->user, conf->password)
                         : redisCommand(c, "AUTH %s", conf->password);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis %s:%d: AUTH failed: %s", conf->host, conf->port,
                     rep ? rep->str : c->errstr);
            rc = rep ? BH_EAPI : BH_ENET;
            goto fail;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    if (conf->db != 0) {
        rep = redisCommand(c, "SELECT %d", conf->db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "redis %s:%d: SELECT %d failed: %s", conf->host, conf->port,
                     conf->db, rep ? rep->str : c->errstr);
            rc = rep ? BH_EINVAL : BH_ENET;
            goto fail;
        }
        freeReplyObject(rep);
        rep = NULL;
    }
    sigpipe_restore(&g);
    *out = c;
    return BH_OK;
fail:
    if (rep)
        freeReplyObject(rep);
    if (c)
        redisFree(c);
    sigpipe_restore(&g);
    return rc;
}

/* Drops the connection. In a forked child the context is the parent's:
 * closing our copy of the descriptor leaves the parent's socket alone. */
static void disconnect(struct bh_redis *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

static int connect_now(struct bh_redis *r)
{
    char err[256] = "";
    int rc = bh_redis_conn_new(&r->conf, &r->c, err, sizeof err);

    if (rc != BH_OK)
        return bh_store_fail(&r->base, rc, "%s", err);
    r->pid = bh_proc_pid();
    return BH_OK;
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

/* A usable connection of this process. */
static int ensure(struct bh_redis *r, int *fresh)
{
    if (r->c && (r->pid != bh_proc_pid() || r->c->err || closed_by_server(r->c)))
        disconnect(r);
    *fresh = !r->c;
    return r->c ? BH_OK : connect_now(r);
}

int bh_redis_cmd_run(struct bh_redis *r, int idempotent, redisReply **out, struct bh_redis_argv *a)
{
    struct sigpipe_guard g;
    redisReply *rep = NULL;
    int rc;

    *out = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh;
        if ((rc = ensure(r, &fresh)) != BH_OK)
            return rc;
        sigpipe_block(&g);
        rep = redisCommandArgv(r->c, a->n, a->v, a->len);
        sigpipe_restore(&g);
        if (rep) {
            *out = rep;
            return BH_OK;
        }
        rc = bh_store_fail(&r->base, BH_ENET, "redis %s:%d: %s", r->conf.host, r->conf.port,
                           r->c->errstr[0] ? r->c->errstr : "connection lost");
        disconnect(r);
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

int bh_redis_reply_fail(struct bh_redis *r, const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ERROR)
        return bh_store_fail(&r->base, BH_EPROTO, "redis: unexpected reply of type %d",
                             rep->type);
    if (!strncmp(rep->str, "OOM", 3))
        return bh_store_fail(&r->base, BH_ENOSPC, "redis: %s", rep->str);
    if (!strncmp(rep->str, "READONLY", 8))
        return bh_store_fail(&r->base, BH_EREADONLY, "redis: %s", rep->str);
    return bh_store_fail(&r->base, BH_EPROTO, "redis: %s", rep->str);
}

static int script_load(struct bh_redis *r, enum bh_rscript s)
{
    struct bh_redis_argv a = {0};
    redisReply *rep;
    int rc;

    bh_redis_argv_str(&a, "SCRIPT");
    bh_redis_argv_str(&a, "LOAD");
    bh_redis_argv_str(&a, bh_redis_script_text(s));
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_STRING && rep->len == 40) {
        memcpy(r->sha[s], rep->str, 41);
        rc = BH_OK;
    } else {
        rc = bh_redis_reply_fail(r, rep);
        bh_log(BH_LOG_ERROR, "store: cannot load script %d: %s", (int)s, r->base.errmsg);
    }
    freeReplyObject(rep);
    return rc;
}

/* EVALSHA, loading the script first when this handle has not yet, and
 * again when the server forgot it (restarted, SCRIPT FLUSH). */
int bh_redis_script_eval(struct bh_redis *r, enum bh_rscript s, int idempotent, redisReply **out,
                  int nkeys, struct bh_redis_argv *a)
{
    struct bh_redis_argv e = {0};
    char nk[16];
    int rc;

    *out = NULL;
    snprintf(nk, sizeof nk, "%d", nkeys);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!r->sha[s][0] && (rc = script_load(r, s)) != BH_OK)
            return rc;
        e.n = 0;
        bh_redis_argv_str(&e, "EVALSHA");
        bh_redis_argv_add(&e, r->sha[s], 40);
        bh_redis_argv_str(&e, nk);
        for (int i = 0; i < a->n; i++)
            bh_redis_argv_add(&e, a->v[i], a->len[i]);
        if ((rc = bh_redis_cmd_run(r, idempotent, out, &e)) != BH_OK)
            return rc;
        if ((*out)->type == REDIS_REPLY_ERROR && !strncmp((*out)->str, "NOSCRIPT", 8)) {
            freeReplyObject(*out);
            *out = NULL;
            r->sha[s][0] = 0;
            continue;
        }
        if ((*out)->type == REDIS_REPLY_ERROR) {
            rc = bh_redis_reply_fail(r, *out);
            freeReplyObject(*out);
            *out = NULL;
            return rc;
        }
        return BH_OK;
    }
    return bh_store_fail(&r->base, BH_EPROTO, "redis: script %d keeps being forgotten", (int)s);
}

int bh_redis_script_eval_int(struct bh_redis *r, enum bh_rscript s, int idempotent, int nkeys,
                      struct bh_redis_argv *a, long long *out)
{
    redisReply *rep;
    int rc;

    if ((rc = bh_redis_script_eval(r, s, idempotent, &rep, nkeys, a)) != BH_OK)
        return rc;
    if (rep->type == REDIS_REPLY_INTEGER)
        *out = rep->integer;
    else
        rc = BH_EPROTO;
    freeReplyObject(rep);
    return rc;
}

int bh_redis_reply_int(const redisReply *rep, long long *out)
{
    char buf[32], *end;

    if (rep->type == REDIS_REPLY_INTEGER) {
        *out = rep->integer;
        return BH_OK;
    }
    if (rep->type != REDIS_REPLY_STRING || rep->len == 0 || rep->len >= sizeof buf)
        return BH_EPROTO;
    memcpy(buf, rep->str, rep->len);
    buf[rep->len] = 0;
    errno = 0;
    *out = strtoll(buf, &end, 10);
    return errno || *end ? BH_EPROTO : BH_OK;
}

/* ---- URL ---- */

static void conf_free(struct bh_redis_conf *c)
{
    free(c->host);
    free(c->user);
    free(c->password);
    free(c->prefix);
    memset(c, 0, sizeof *c);
}

/* A decimal within [lo, hi], the whole of s..s+len. */
static int parse_num(const char *s, size_t len, long long lo, long long hi, long long *out)
{
    char buf[32], *end;

    if (len == 0 || len >= sizeof buf)
        return BH_EINVAL;
    memcpy(buf, s, len);
    buf[len] = 0;
    errno = 0;
    *out = strtoll(buf, &end, 10);
    if (errno || *end || *out < lo || *out > hi)
        return BH_EINVAL;
    return BH_OK;
}

static int parse_params(struct bh_redis_conf *c, const char *q)
{
    while (*q) {
        const char *amp = strchr(q, '&'), *eq;
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        long long v;

        eq = memchr(q, '=', len);
        if (!eq)
            return BH_EINVAL;
        size_t nl = (size_t)(eq - q), vl = len - nl - 1;
        const char *val = eq + 1;
        if (nl == 6 && !strncmp(q, "prefix", 6)) {
            if (vl == 0)
                return BH_EINVAL;
            free(c->prefix);
            if (!(c->prefix = strndup(val, vl)))
                return BH_ENOMEM;
        } else if (nl == 13 && !strncmp(q, "lock_lease_ms", 13)) {
            if (parse_num(val, vl, 1, INT32_MAX, &v))
                return BH_EINVAL;
            c->lease_ms = v;
        } else if (nl == 10 && !strncmp(q, "timeout_ms", 10)) {
            if (parse_num(val, vl, 1, INT32_MAX, &v))
                return BH_EINVAL;
            c->timeout_ms = v;
        } else if (nl == 18 && !strncmp(q, "connect_timeout_ms", 18)) {
            if (parse_num(val, vl, 1, INT32_MAX, &v))
                return BH_EINVAL;
            c->connect_timeout_ms = v;
        } else {
            return BH_EINVAL;
        }
        q += len + (amp ? 1 : 0);
    }
    return BH_OK;
}

/* Parses redis://[[user]:password@]host[:port][/db][?params]. */
static int parse_url(const char *url, struct bh_redis_conf *c)
{
    const char *p = url + 8, *end, *at, *hostend, *q;
    long long v;
    int rc = BH_EINVAL;

    memset(c, 0, sizeof *c);
    c->port = 6379;
    c->lease_ms = BH_REDIS_LEASE_DEFAULT_MS;
    c->timeout_ms = BH_REDIS_TIMEOUT_DEFAULT_MS;
    c->connect_timeout_ms = BH_REDIS_CONNECT_TIMEOUT_DEFAULT_MS;
    q = strchr(p, '?');
    end = q ? q : p + strlen(p);
    at = memchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (!colon)
            goto fail; /* a password is needed; a user alone is not */
        if (colon > p && !(c->user = strndup(p, (size_t)(colon - p))))
            goto nomem;
        if (!(c->password = strndup(colon + 1, (size_t)(at - colon - 1))))
            goto nomem;
        p = at + 1;
    }
    if (*p == '[') { /* [IPv6] */
        hostend = memchr(p, ']', (size_t)(end - p));
        if (!hostend || hostend == p + 1)
            goto fail;
        if (!(c->host = strndup(p + 1, (size_t)(hostend - p - 1))))
            goto nomem;
        p = hostend + 1;
    } else {
        hostend = p;
        while (hostend < end && *hostend != ':' && *hostend != '/')
            hostend++;
        if (hostend == p)
            goto fail;
        if (!(c->host = strndup(p, (size_t)(hostend - p))))
            goto nomem;
        p = hostend;
    }
    if (p < end && *p == ':') {
        const char *s = ++p;
        while (p < end && *p != '/')
            p++;
        if (parse_num(s, (size_t)(p - s), 1, 65535, &v))
            goto fail;
        c->port = (int)v;
    }
    if (p < end && *p == '/') {
        p++;
        if (p < end) {
            if (parse_num(p, (size_t)(end - p), 0, INT32_MAX, &v))
                goto fail;
            c->db = (int)v;
        }
        p = end;
    }
    if (p != end)
        goto fail;
    if (q && (rc = parse_params(c, q + 1)) != BH_OK)
        goto fail;
    if (!c->prefix && !(c->prefix = strdup("bothive")))
        goto nomem;
    return BH_OK;
nomem:
    rc = BH_ENOMEM;
fail:
    conf_free(c);
    return rc;
}

/* ---- store operations ---- */

static void redis_close(bh_store *st)
{
    struct bh_redis *r = (struct bh_redis *)st;

    bh_redis_keeper_close(r); /* before conf_free: its thread reads conf */
    disconnect(r);
    conf_free(&r->conf);
    free(r);
}

static int mems_key(struct bh_redis *r, struct bh_redis_argv *a)
{
    char *s = NULL;
    int n = asprintf(&s, "%s:mems", r->conf.prefix);
    return n < 0 ? BH_ENOMEM : rargs_own(a, s, (size_t)n);
}

/* Percent-escapes the characters that would make two ids share keys (':'),
 * end the cluster hash tag ('{', '}'), or act in a SCAN pattern. */
static char *escape_id(const char *id)
{
    static const char special[] = "%:{}*?[]\\";
    char *out = malloc(strlen(id) * 3 + 1), *o = out;

    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (strchr(special, *p) || *p < 0x20 || *p == 0x7f)
            o += sprintf(o, "%%%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = 0;
    return out;
}

static int redis_shared_open(bh_store *st, const char *id, bh_shared **out)
{
    struct bh_redis *r = (struct bh_redis *)st;
    struct bh_redis_shared *ms = calloc(1, sizeof *ms);
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    char *esc = NULL;
    int rc = BH_ENOMEM;

    if (!ms || !(ms->base.id = strdup(id)) || !(esc = escape_id(id)))
        goto fail;
    if (asprintf(&ms->kbase, "%s:m:{%s}:", r->conf.prefix, esc) < 0) {
        ms->kbase = NULL;
        goto fail;
    }
    ms->kbase_len = strlen(ms->kbase);
    ms->base.st = st;
    ms->st = r;
    /* The registry of memories, for bh_store_memories and stats. */
    bh_redis_argv_str(&a, st->readonly ? "SISMEMBER" : "SADD");
    if ((rc = mems_key(r, &a)) != BH_OK)
        goto fail;
    bh_redis_argv_str(&a, id);
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto fail;
    if (rep->type != REDIS_REPLY_INTEGER) {
        rc = bh_redis_reply_fail(r, rep);
        goto fail;
    }
    if (st->readonly && rep->integer == 0) {
        rc = BH_ENOTFOUND;
        goto fail;
    }
    freeReplyObject(rep);
    bh_redis_argv_free(&a);
    free(esc);
    *out = &ms->base;
    return BH_OK;
fail:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    free(esc);
    if (ms) {
        free(ms->kbase);
        free(ms->base.id);
        free(ms);
    }
    return rc;
}

/* Locks still held through the handle are released: the handle is the
 * only record of them in this process. */
static void redis_shared_close(bh_shared *m)
{
    struct bh_redis_shared *ms = bh_redis_shared_of(m);

    bh_redis_lock_release_all(m);
    for (size_t i = 0; i < ms->nheld; i++)
        free(ms->held[i]);
    free(ms->held);
    free(ms->kbase);
    free(m->id);
    free(m);
}

static int redis_memories(bh_store *st, char ***ids, size_t *n)
{
    struct bh_redis *r = (struct bh_redis *)st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    char **list = NULL;
    size_t i = 0;
    int rc;

    bh_redis_argv_str(&a, "SMEMBERS");
    if ((rc = mems_key(r, &a)) != BH_OK || (rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto fail;
    if (rep->type != REDIS_REPLY_ARRAY) {
        rc = bh_redis_reply_fail(r, rep);
        goto fail;
    }
    rc = BH_ENOMEM;
    if (rep->elements && !(list = calloc(rep->elements, sizeof *list)))
        goto fail;
    for (i = 0; i < rep->elements; i++) {
        redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_STRING) {
            rc = BH_EPROTO;
            goto fail;
        }
        if (!(list[i] = strndup(e->str, e->len)))
            goto fail;
    }
    *ids = list;
    *n = i;
    freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return BH_OK;
fail:
    bh_store_memories_free(list, i);
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* A number from the text of INFO ("name:value\r\n"), 0 if absent. */
static unsigned long long info_field(const char *info, const char *name)
{
    size_t nl = strlen(name);

    for (const char *p = info; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, name, nl) && p[nl] == ':')
            return strtoull(p + nl + 1, NULL, 10);
    return 0;
}

/* Keys: every memory's live count (expired keys dropped first); memories:
 * the registry; capacity, used, free: Redis's maxmemory and used_memory
 * (capacity 0: no limit). Locks and recoveries are not tracked. */
static int redis_stats(bh_store *st, struct bh_store_stats *out)
{
    struct bh_redis *r = (struct bh_redis *)st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    char **ids = NULL;
    size_t n = 0;
    int rc;

    bh_redis_argv_str(&a, "INFO");
    bh_redis_argv_str(&a, "memory");
    if ((rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type != REDIS_REPLY_STRING) {
        rc = bh_redis_reply_fail(r, rep);
        goto out;
    }
    out->capacity = (size_t)info_field(rep->str, "maxmemory");
    out->used = (size_t)info_field(rep->str, "used_memory");
    out->free = out->capacity > out->used ? out->capacity - out->used : 0;
    if ((rc = redis_memories(st, &ids, &n)) != BH_OK)
        goto out;
    out->memories = n;
    for (size_t i = 0; i < n; i++) {
        bh_shared *m;
        size_t len;
        if ((rc = redis_shared_open(st, ids[i], &m)) != BH_OK)
            goto out;
        rc = bh_redis_keys_len(m, &len);
        redis_shared_close(m);
        if (rc != BH_OK)
            goto out;
        out->keys += len;
    }
    out->generation = 1;
out:
    bh_store_memories_free(ids, n);
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

/* Durability is the server's business (its appendfsync setting). */
static int redis_sync(bh_store *st)
{
    (void)st;
    return BH_OK;
}

static const struct bh_store_ops bh_redis_ops = {
    .close = redis_close,
    .stats = redis_stats,
    .check = bh_redis_store_check,
    .sync = redis_sync,
    .shared_open = redis_shared_open,
    .shared_close = redis_shared_close,
    .put = bh_redis_key_put,
    .get = bh_redis_key_get,
    .incr = bh_redis_key_incr,
    .cas = bh_redis_key_cas,
    .pop = bh_redis_key_pop,
    .contains = bh_redis_key_contains,
    .len = bh_redis_keys_len,
    .clear = bh_redis_keys_clear,
    .cursor_open = bh_redis_cursor_open,
    .cursor_next = bh_redis_cursor_next,
    .cursor_close = bh_redis_cursor_close,
    .lock_acquire = bh_redis_lock_acquire,
    .lock_release = bh_redis_lock_release,
    .lock_held = bh_redis_lock_held,
    .lock_fence = bh_redis_lock_fence,
    .lock_release_all = bh_redis_lock_release_all,
    .prepare = bh_redis_preparer_run,
    .prepared = bh_redis_preparer_done,
    .memories = redis_memories,
};

/* Parses the URL and connects at once, so that a wrong address is reported
 * by bh_store_open rather than by the first operation. */
static int bh_redis_open(bh_store **out, const char *url, const bh_store_options *opt)
{
    struct bh_redis *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r)
        return BH_ENOMEM;
    r->base.ops = &bh_redis_ops;
    r->base.readonly = opt && (opt->flags & BH_STORE_READONLY);
    if ((rc = parse_url(url, &r->conf)) != BH_OK) {
        bh_store_fail(NULL, rc, "bad redis URL (expected "
                                "redis://[[user]:password@]host[:port][/db][?prefix=...])");
        free(r);
        return rc;
    }
    if ((rc = connect_now(r)) != BH_OK) {
        bh_store_fail(NULL, rc, "%s", r->base.errmsg);
        redis_close(&r->base);
        return rc;
    }
    *out = &r->base;
    return BH_OK;
}

static const struct bh_store_scheme bh_redis_scheme = {"redis://", bh_redis_open};

__attribute__((constructor)) static void bh_redis_register(void)
{
    bh_store_register(&bh_redis_scheme);
}
