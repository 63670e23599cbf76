/*
 * The URL of a redis:// store, parsed into a bh_redis_conf:
 *
 *   redis://[[user]:password@]host[:port][/db][?param=value&...]
 *   redis+unix://[[user]:password@]/path/of/socket[?db=N&...]
 *   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/NAME[/db][?...]
 *
 * host may be [IPv6]; a sentinel's port is 26379 by default, NAME the
 * master's name it monitors. user, password and the socket's path are
 * percent-decoded (a password may hold any byte but NUL). params are
 * prefix (key namespace, default "bothive"), db, lock_lease_ms (default
 * 30000), timeout_ms (per command, default 5000) and connect_timeout_ms
 * (default 2000).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

void bh_redis_conf_free(struct bh_redis_conf *c)
{
    for (size_t i = 0; i < c->nsentinels; i++)
        free(c->sentinels[i].host);
    free(c->sentinels);
    free(c->socket);
    free(c->service);
    free(c->host);
    free(c->user);
    free(c->password);
    free(c->prefix);
    memset(c, 0, sizeof *c);
}

int bh_redis_decimal(const char *s, size_t len, long long lo, long long hi, long long *out)
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

/* The value of one hex digit, or -1. */
static int hex_digit(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

/* The len bytes at s with their %XX escapes decoded, malloc'd into *out.
 * BH_EINVAL for a cut or non-hex escape, or one that gives NUL. */
static int pct_decode(const char *s, size_t len, char **out)
{
    char *d = malloc(len + 1);
    size_t n = 0;

    if (!(*out = d))
        return BH_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] != '%') {
            d[n++] = s[i];
            continue;
        }
        if (len - i < 3 || (hi = hex_digit(s[i + 1])) < 0 || (lo = hex_digit(s[i + 2])) < 0 ||
            (hi | lo) == 0) {
            free(d);
            *out = NULL;
            return BH_EINVAL;
        }
        d[n++] = (char)(hi << 4 | lo);
        i += 2;
    }
    d[n] = 0;
    return BH_OK;
}

/* The field a numeric parameter sets, or NULL for an unknown name. */
static int64_t *num_param(struct bh_redis_conf *c, const char *name, size_t len)
{
    if (len == 13 && !strncmp(name, "lock_lease_ms", 13))
        return &c->lease_ms;
    if (len == 10 && !strncmp(name, "timeout_ms", 10))
        return &c->timeout_ms;
    if (len == 18 && !strncmp(name, "connect_timeout_ms", 18))
        return &c->connect_timeout_ms;
    return NULL;
}

/* One name=value, the len bytes at q. */
static int parse_param(struct bh_redis_conf *c, const char *q, size_t len)
{
    const char *eq = memchr(q, '=', len), *val;
    size_t nl, vl;
    int64_t *num;
    long long v;

    if (!eq)
        return BH_EINVAL;
    nl = (size_t)(eq - q);
    vl = len - nl - 1;
    val = eq + 1;
    if (nl == 6 && !strncmp(q, "prefix", 6)) {
        if (vl == 0)
            return BH_EINVAL;
        free(c->prefix);
        return (c->prefix = strndup(val, vl)) ? BH_OK : BH_ENOMEM;
    }
    if (nl == 2 && !strncmp(q, "db", 2)) {
        if (bh_redis_decimal(val, vl, 0, INT32_MAX, &v) != BH_OK)
            return BH_EINVAL;
        c->db = (int)v;
        return BH_OK;
    }
    if (!(num = num_param(c, q, nl)) || bh_redis_decimal(val, vl, 1, INT32_MAX, &v) != BH_OK)
        return BH_EINVAL;
    *num = v;
    return BH_OK;
}

/* The query string after '?': name=value pairs separated by '&'. */
static int parse_params(struct bh_redis_conf *c, const char *q)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        int rc = parse_param(c, q, len);

        if (rc != BH_OK)
            return rc;
        q += len + (amp ? 1 : 0);
    }
    return BH_OK;
}

/* [[user]:password@] at *p, which moves past it. */
static int parse_auth(struct bh_redis_conf *c, const char **p, const char *end)
{
    const char *at = memchr(*p, '@', (size_t)(end - *p)), *colon;
    int rc;

    if (!at)
        return BH_OK;
    if (!(colon = memchr(*p, ':', (size_t)(at - *p))))
        return BH_EINVAL; /* a password is needed; a user alone is not */
    if (colon > *p && (rc = pct_decode(*p, (size_t)(colon - *p), &c->user)) != BH_OK)
        return rc;
    if ((rc = pct_decode(colon + 1, (size_t)(at - colon - 1), &c->password)) != BH_OK)
        return rc;
    *p = at + 1;
    return BH_OK;
}

/* host or [IPv6] at *p, which moves past it, into *host (malloc'd). */
static int parse_host(char **host, const char **p, const char *end)
{
    const char *s = *p, *e;

    if (s < end && *s == '[') {
        e = memchr(s, ']', (size_t)(end - s));
        if (!e || e == s + 1)
            return BH_EINVAL;
        *p = e + 1;
        s++;
    } else {
        for (e = s; e < end && *e != ':' && *e != '/' && *e != ','; e++)
            ;
        if (e == s)
            return BH_EINVAL;
        *p = e;
    }
    return (*host = strndup(s, (size_t)(e - s))) ? BH_OK : BH_ENOMEM;
}

/* [:port] at *p (which moves past it) into *port; stops at '/', ',' or
 * end. */
static int parse_port(int *port, const char **p, const char *end)
{
    const char *s;
    long long v;

    if (*p >= end || **p != ':')
        return BH_OK;
    s = ++*p;
    while (*p < end && **p != '/' && **p != ',')
        ++*p;
    if (bh_redis_decimal(s, (size_t)(*p - s), 1, 65535, &v) != BH_OK)
        return BH_EINVAL;
    *port = (int)v;
    return BH_OK;
}

/* [/db] from p, which must then be at end. */
static int parse_db(struct bh_redis_conf *c, const char *p, const char *end)
{
    long long v;

    if (p < end && *p == '/') {
        p++;
        if (p < end) {
            if (bh_redis_decimal(p, (size_t)(end - p), 0, INT32_MAX, &v) != BH_OK)
                return BH_EINVAL;
            c->db = (int)v;
        }
        p = end;
    }
    return p == end ? BH_OK : BH_EINVAL;
}

static void conf_defaults(struct bh_redis_conf *c)
{
    memset(c, 0, sizeof *c);
    c->port = BH_REDIS_PORT_DEFAULT;
    c->lease_ms = BH_REDIS_LEASE_DEFAULT_MS;
    c->timeout_ms = BH_REDIS_TIMEOUT_DEFAULT_MS;
    c->connect_timeout_ms = BH_REDIS_CONNECT_TIMEOUT_DEFAULT_MS;
}

/* host[:port][/db] of a redis:// URL, from p to end. */
static int parse_tcp(struct bh_redis_conf *c, const char *p, const char *end)
{
    int rc;

    if ((rc = parse_host(&c->host, &p, end)) != BH_OK ||
        (rc = parse_port(&c->port, &p, end)) != BH_OK)
        return rc;
    return parse_db(c, p, end);
}

/* /path of a redis+unix:// URL, from p to end. */
static int parse_unix(struct bh_redis_conf *c, const char *p, const char *end)
{
    if (p == end || *p != '/')
        return BH_EINVAL;
    return pct_decode(p, (size_t)(end - p), &c->socket);
}

/* One more sentinel address at *p, which moves past it. */
static int parse_sentinel(struct bh_redis_conf *c, const char **p, const char *end)
{
    struct bh_redis_addr *a;

    if (c->nsentinels == BH_REDIS_SENTINELS_MAX)
        return BH_EINVAL;
    if (!(a = realloc(c->sentinels, (c->nsentinels + 1) * sizeof *a)))
        return BH_ENOMEM;
    c->sentinels = a;
    a += c->nsentinels;
    a->host = NULL;
    a->port = BH_REDIS_SENTINEL_PORT_DEFAULT;
    c->nsentinels++;
    if (parse_host(&a->host, p, end) != BH_OK || parse_port(&a->port, p, end) != BH_OK)
        return BH_EINVAL;
    return BH_OK;
}

/* host[:port][,host[:port]...]/NAME[/db] of a redis+sentinel:// URL. */
static int parse_sentinels(struct bh_redis_conf *c, const char *p, const char *end)
{
    const char *name;
    int rc;

    for (;;) {
        if ((rc = parse_sentinel(c, &p, end)) != BH_OK)
            return rc;
        if (p == end || *p != ',')
            break;
        p++;
    }
    if (p == end || *p != '/')
        return BH_EINVAL;
    for (name = ++p; p < end && *p != '/'; p++)
        ;
    if (p == name)
        return BH_EINVAL;
    if (!(c->service = strndup(name, (size_t)(p - name))))
        return BH_ENOMEM;
    return parse_db(c, p, end);
}

/* The scheme of url: its parser of what follows the credentials, and the
 * length of the scheme; NULL for another scheme. */
typedef int (*bh_redis_addr_parser)(struct bh_redis_conf *, const char *, const char *);

static bh_redis_addr_parser scheme_of(const char *url, size_t *len)
{
    static const struct {
        const char *prefix;
        bh_redis_addr_parser parse;
    } schemes[] = {{BH_REDIS_SCHEME, parse_tcp},
                   {BH_REDIS_UNIX_SCHEME, parse_unix},
                   {BH_REDIS_SENTINEL_SCHEME, parse_sentinels}};

    for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++)
        if (!strncmp(url, schemes[i].prefix, *len = strlen(schemes[i].prefix)))
            return schemes[i].parse;
    return NULL;
}

int bh_redis_conf_parse(const char *url, struct bh_redis_conf *c)
{
    size_t skip = 0;
    bh_redis_addr_parser parse = scheme_of(url, &skip);
    const char *p = url + skip, *q, *end;
    int rc;

    conf_defaults(c);
    if (!parse)
        return BH_EINVAL;
    q = strchr(p, '?');
    end = q ? q : p + strlen(p);
    if ((rc = parse_auth(c, &p, end)) == BH_OK && (rc = parse(c, p, end)) == BH_OK && q)
        rc = parse_params(c, q + 1);
    if (rc == BH_OK && !c->prefix && !(c->prefix = strdup(BH_REDIS_PREFIX_DEFAULT)))
        rc = BH_ENOMEM;
    if (rc != BH_OK)
        bh_redis_conf_free(c);
    return rc;
}
