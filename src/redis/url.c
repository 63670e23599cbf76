/*
 * The URL of a redis:// store, parsed into a bh_redis_conf:
 *
 *   redis://[[user]:password@]host[:port][/db][?param=value&...]
 *
 * host may be [IPv6]; params are prefix (key namespace, default
 * "bothive"), lock_lease_ms (default 30000), timeout_ms (per command,
 * default 5000) and connect_timeout_ms (default 2000).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "redis.h"

void bh_redis_conf_free(struct bh_redis_conf *c)
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
    if (!(num = num_param(c, q, nl)) || parse_num(val, vl, 1, INT32_MAX, &v) != BH_OK)
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

    if (!at)
        return BH_OK;
    if (!(colon = memchr(*p, ':', (size_t)(at - *p))))
        return BH_EINVAL; /* a password is needed; a user alone is not */
    if (colon > *p && !(c->user = strndup(*p, (size_t)(colon - *p))))
        return BH_ENOMEM;
    if (!(c->password = strndup(colon + 1, (size_t)(at - colon - 1))))
        return BH_ENOMEM;
    *p = at + 1;
    return BH_OK;
}

/* host or [IPv6] at *p, which moves past it. */
static int parse_host(struct bh_redis_conf *c, const char **p, const char *end)
{
    const char *s = *p, *e;

    if (*s == '[') {
        e = memchr(s, ']', (size_t)(end - s));
        if (!e || e == s + 1)
            return BH_EINVAL;
        *p = e + 1;
        s++;
    } else {
        for (e = s; e < end && *e != ':' && *e != '/'; e++)
            ;
        if (e == s)
            return BH_EINVAL;
        *p = e;
    }
    return (c->host = strndup(s, (size_t)(e - s))) ? BH_OK : BH_ENOMEM;
}

/* [:port][/db] from p, which must then be at end. */
static int parse_port_db(struct bh_redis_conf *c, const char *p, const char *end)
{
    long long v;

    if (p < end && *p == ':') {
        const char *s = ++p;
        while (p < end && *p != '/')
            p++;
        if (parse_num(s, (size_t)(p - s), 1, 65535, &v) != BH_OK)
            return BH_EINVAL;
        c->port = (int)v;
    }
    if (p < end && *p == '/') {
        p++;
        if (p < end) {
            if (parse_num(p, (size_t)(end - p), 0, INT32_MAX, &v) != BH_OK)
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

int bh_redis_conf_parse(const char *url, struct bh_redis_conf *c)
{
    const char *p = url + strlen(BH_REDIS_SCHEME), *q, *end;
    int rc;

    conf_defaults(c);
    q = strchr(p, '?');
    end = q ? q : p + strlen(p);
    if ((rc = parse_auth(c, &p, end)) == BH_OK && (rc = parse_host(c, &p, end)) == BH_OK &&
        (rc = parse_port_db(c, p, end)) == BH_OK && q)
        rc = parse_params(c, q + 1);
    if (rc == BH_OK && !c->prefix && !(c->prefix = strdup(BH_REDIS_PREFIX_DEFAULT)))
        rc = BH_ENOMEM;
    if (rc != BH_OK)
        bh_redis_conf_free(c);
    return rc;
}
