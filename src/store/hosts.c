/*
 * The coordination contract of several hosts (hosts.h): the registry of the
 * schemes that implement it, and the argument checks made once here, so
 * that a backend may assume non-NULL handles and names within bounds.
 *
 * Names: every function here is bh_hosts_*.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "hosts.h"

#define BH_HOSTS_SCHEMES_MAX 8

/* Filled from the backends' constructors before main, never written
 * while read. */
static struct {
    const char *prefix;
    const struct bh_hosts_ops *ops;
} bh_hosts_schemes[BH_HOSTS_SCHEMES_MAX];
static size_t bh_hosts_nschemes;

void bh_hosts_register(const char *prefix, const struct bh_hosts_ops *ops)
{
    if (bh_hosts_nschemes < BH_HOSTS_SCHEMES_MAX) {
        bh_hosts_schemes[bh_hosts_nschemes].prefix = prefix;
        bh_hosts_schemes[bh_hosts_nschemes++].ops = ops;
    }
}

static const struct bh_hosts_ops *bh_hosts_ops_of(const char *url)
{
    for (size_t i = 0; url && i < bh_hosts_nschemes; i++)
        if (!strncmp(url, bh_hosts_schemes[i].prefix, strlen(bh_hosts_schemes[i].prefix)))
            return bh_hosts_schemes[i].ops;
    return NULL;
}

int bh_hosts_supported(const char *url)
{
    return bh_hosts_ops_of(url) != NULL;
}

/* A name or id: 1..BH_HOSTS_NAME_MAX bytes. */
static int bh_hosts_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= BH_HOSTS_NAME_MAX;
}

int bh_hosts_open(bh_hosts **out, const char *url, const char *bot, const char *host)
{
    const struct bh_hosts_ops *ops = bh_hosts_ops_of(url);

    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (!url || !bh_hosts_name_ok(bot) || !bh_hosts_name_ok(host))
        return BH_EINVAL;
    if (!ops)
        return BH_ENOTSUP;
    return ops->open(out, url, bot, host);
}

void bh_hosts_close(bh_hosts *h)
{
    if (h)
        h->ops->close(h);
}

int bh_hosts_lease(bh_hosts *h, const char *name, int64_t ttl_ms, uint64_t *epoch)
{
    if (!h || !bh_hosts_name_ok(name) || ttl_ms <= 0 || !epoch)
        return BH_EINVAL;
    return h->ops->lease(h, name, ttl_ms, epoch);
}

int bh_hosts_release(bh_hosts *h, const char *name, uint64_t epoch)
{
    if (!h || !bh_hosts_name_ok(name))
        return BH_EINVAL;
    return h->ops->release(h, name, epoch);
}

int bh_hosts_beat(bh_hosts *h, int64_t ttl_ms, int *index, int *count)
{
    if (!h || ttl_ms <= 0 || !index || !count)
        return BH_EINVAL;
    return h->ops->beat(h, ttl_ms, index, count);
}

int bh_hosts_setup(bh_hosts *h, int parts_wanted, int *parts)
{
    if (!h || parts_wanted < 1 || parts_wanted > BH_HOSTS_PARTS_MAX || !parts)
        return BH_EINVAL;
    return h->ops->setup(h, parts_wanted, parts);
}

int bh_hosts_offset(bh_hosts *h, int64_t *offset)
{
    if (!h || !offset)
        return BH_EINVAL;
    return h->ops->offset(h, offset);
}

int bh_hosts_put(bh_hosts *h, uint64_t epoch, const bh_hosts_entry *e, size_t n, int64_t next)
{
    if (!h || (n && !e))
        return BH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (e[i].update_id <= 0 || e[i].part < 0 || e[i].part >= BH_HOSTS_PARTS_MAX || !e[i].json)
            return BH_EINVAL;
    return h->ops->put(h, epoch, e, n, next);
}

int bh_hosts_claim(bh_hosts *h, int part, uint64_t epoch, size_t *moved)
{
    if (!h || part < 0 || part >= BH_HOSTS_PARTS_MAX || !moved)
        return BH_EINVAL;
    return h->ops->claim(h, part, epoch, moved);
}

int bh_hosts_read(bh_hosts *h, const bh_hosts_want *w, size_t nw, size_t count, int *status,
                  bh_hosts_entry **out, size_t *nout)
{
    if (!out || !nout)
        return BH_EINVAL;
    *out = NULL;
    *nout = 0;
    if (!h || !w || !nw || !status)
        return BH_EINVAL;
    for (size_t i = 0; i < nw; i++)
        if (w[i].part < 0 || w[i].part >= BH_HOSTS_PARTS_MAX || (w[i].nacks && !w[i].acks) ||
            w[i].after < BH_HOSTS_ACK_ONLY || (!count && w[i].after != BH_HOSTS_ACK_ONLY))
            return BH_EINVAL;
    return h->ops->read(h, w, nw, count, status, out, nout);
}

void bh_hosts_entries_free(bh_hosts_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++)
        free(e[i].json);
    free(e);
}

int bh_hosts_ack(bh_hosts *h, int part, uint64_t epoch, const int64_t *ids, size_t n)
{
    if (!h || part < 0 || part >= BH_HOSTS_PARTS_MAX || (n && !ids))
        return BH_EINVAL;
    if (!n)
        return BH_OK;
    return h->ops->ack(h, part, epoch, ids, n);
}

int bh_hosts_crash(bh_hosts *h, int part, uint64_t epoch, int64_t id, int *crashes,
                   char **json, size_t *len)
{
    if (!h || part < 0 || part >= BH_HOSTS_PARTS_MAX || id < 0 || !crashes || !json || !len)
        return BH_EINVAL;
    if (!h->ops->crash)
        return BH_ENOTSUP;
    return h->ops->crash(h, part, epoch, id, crashes, json, len);
}

int bh_hosts_wait(bh_hosts *h, const int *parts, const int64_t *after, size_t n, int ms)
{
    if (!h || !parts || !after || !n || n > BH_HOSTS_PARTS_MAX || ms < 1 ||
        ms > BH_HOSTS_WAIT_MAX_MS)
        return BH_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (parts[i] < 0 || parts[i] >= BH_HOSTS_PARTS_MAX || after[i] < -1)
            return BH_EINVAL;
    if (!h->ops->wait)
        return BH_ENOTSUP;
    return h->ops->wait(h, parts, after, n, ms);
}

int bh_hosts_wake(bh_hosts *h, int64_t at_ms, int64_t *next_ms)
{
    if (!h || at_ms < -1 || !next_ms)
        return BH_EINVAL;
    if (!h->ops->wake)
        return BH_ENOTSUP;
    return h->ops->wake(h, at_ms, next_ms);
}

int bh_hosts_push(bh_hosts *h, const bh_hosts_entry *e)
{
    if (!h || !e || e->update_id <= 0 || e->part < 0 || e->part >= BH_HOSTS_PARTS_MAX || !e->json)
        return BH_EINVAL;
    return h->ops->push ? h->ops->push(h, e) : BH_ENOTSUP;
}

int bh_hosts_note_get(bh_hosts *h, const char *name, char *buf, size_t len)
{
    if (!h || !bh_hosts_name_ok(name) || !buf || !len)
        return BH_EINVAL;
    return h->ops->note_get ? h->ops->note_get(h, name, buf, len) : BH_ENOTSUP;
}

int bh_hosts_note_set(bh_hosts *h, const char *lease, uint64_t epoch, const char *name,
                      const char *value)
{
    if (!h || !bh_hosts_name_ok(lease) || !bh_hosts_name_ok(name) || !value)
        return BH_EINVAL;
    return h->ops->note_set ? h->ops->note_set(h, lease, epoch, name, value) : BH_ENOTSUP;
}
