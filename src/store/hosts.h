/*
 * The coordination contract of several hosts serving one bot (private to
 * the tree): named leases fenced by an epoch, a heartbeat that tells each
 * host its place among the live ones, and a partitioned log of updates
 * (put once by the intake's lease holder, read and acknowledged by each
 * partition's lease holder). The runner's intake and feeder processes use
 * it (src/runner/intake.c, feeder.c); a backend that can span hosts
 * implements it (src/redis/lease.c, stream.c over Redis Streams) and
 * registers it by URL scheme, as stores register (backend.h), so that
 * nothing above the store names a backend.
 *
 * A handle is one connection for one process; it is never shared across
 * fork. Every call may block up to the backend's timeout (the redis://
 * URL's), never longer.
 */
#ifndef BH_STORE_HOSTS_H
#define BH_STORE_HOSTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct bh_hosts bh_hosts;

/* Names and ids: at most this long. */
#define BH_HOSTS_NAME_MAX 64
/* Partitions of one bot's log, at most. */
#define BH_HOSTS_PARTS_MAX 256

/* One update in the log. put: json borrowed; read: json malloc'd and
 * NUL-terminated, freed by bh_hosts_entries_free. */
typedef struct bh_hosts_entry {
    int part;
    int64_t update_id;
    char *json;
    size_t len;
} bh_hosts_entry;

/* What to read of one partition, under the lease of epoch: after is -1
 * for entries never delivered, BH_HOSTS_ACK_ONLY for nothing, or an update
 * id: the entries already delivered to this host (its pending ones) above
 * it, in order. The nacks entries of acks are acknowledged first, in the
 * same step (as bh_hosts_ack would). */
typedef struct bh_hosts_want {
    int part;
    uint64_t epoch;
    int64_t after;
    const int64_t *acks;
    size_t nacks;
} bh_hosts_want;

#define BH_HOSTS_ACK_ONLY (-2)

/* The answers of a read, per want. */
enum { BH_HOSTS_READ_OK = 0, BH_HOSTS_READ_LOST = 1 };

struct bh_hosts_ops {
    int (*open)(bh_hosts **out, const char *url, const char *bot, const char *host);
    void (*close)(bh_hosts *h);
    int (*lease)(bh_hosts *h, const char *name, int64_t ttl_ms, uint64_t *epoch);
    int (*release)(bh_hosts *h, const char *name, uint64_t epoch);
    int (*beat)(bh_hosts *h, int64_t ttl_ms, int *index, int *count);
    int (*setup)(bh_hosts *h, int parts_wanted, int *parts);
    int (*offset)(bh_hosts *h, int64_t *offset);
    int (*put)(bh_hosts *h, uint64_t epoch, const bh_hosts_entry *e, size_t n, int64_t next);
    int (*claim)(bh_hosts *h, int part, uint64_t epoch, size_t *moved);
    int (*read)(bh_hosts *h, const bh_hosts_want *w, size_t nw, size_t count, int *status,
                bh_hosts_entry **out, size_t *nout);
    int (*ack)(bh_hosts *h, int part, uint64_t epoch, const int64_t *ids, size_t n);
    int (*crash)(bh_hosts *h, int part, uint64_t epoch, int64_t id, int *crashes, char **json,
                 size_t *len);
    int (*wait)(bh_hosts *h, const int *parts, const int64_t *after, size_t n, int ms);
    int (*wake)(bh_hosts *h, int64_t at_ms, int64_t *next_ms);
    int (*push)(bh_hosts *h, const bh_hosts_entry *e);
    int (*note_get)(bh_hosts *h, const char *name, char *buf, size_t len);
    int (*note_set)(bh_hosts *h, const char *lease, uint64_t epoch, const char *name,
                    const char *value);
};

/* The part of every handle this layer knows; backends embed it first. */
struct bh_hosts {
    const struct bh_hosts_ops *ops;
};

/* Adds the coordination of the URLs that start with prefix (called by a
 * backend's constructor). */
void bh_hosts_register(const char *prefix, const struct bh_hosts_ops *ops);

/* Whether url's scheme can span hosts (no I/O). */
int bh_hosts_supported(const char *url);

/*
 * Opens a handle for bot (an id unique to the bot, e.g. its token's
 * number) as host (an id unique to this host's run). Errors: BH_EINVAL
 * (NULL or empty or too long arguments), BH_ENOTSUP (a scheme that cannot
 * span hosts), the backend's connection errors (BH_ENET, BH_EAUTH...).
 */
int bh_hosts_open(bh_hosts **out, const char *url, const char *bot, const char *host);
void bh_hosts_close(bh_hosts *h);

/*
 * Takes or renews the lease `name` for ttl_ms: *epoch is the epoch of the
 * hold (a new, larger one each time the lease changes hands or lapsed;
 * the same while renewed in time) and the call returns 1; it returns 0
 * when another host holds it (*epoch untouched). Errors: BH_EINVAL, the
 * backend's.
 */
int bh_hosts_lease(bh_hosts *h, const char *name, int64_t ttl_ms, uint64_t *epoch);
/* Gives the lease up if this host still holds it with epoch (else a
 * no-op). Errors: BH_EINVAL, the backend's. */
int bh_hosts_release(bh_hosts *h, const char *name, uint64_t epoch);
/*
 * The heartbeat: this host is alive for ttl_ms more; *index (0-based) and
 * *count place it among the hosts alive now, ordered by their ids, so that
 * every host computes the same share. Errors: BH_EINVAL, the backend's.
 */
int bh_hosts_beat(bh_hosts *h, int64_t ttl_ms, int *index, int *count);
/*
 * Makes the bot's log ready: the partition count is the one the first
 * host set (parts_wanted, 1..BH_HOSTS_PARTS_MAX), into *parts, so that a
 * chat maps to the same partition on every host. Errors: BH_EINVAL, the
 * backend's.
 */
int bh_hosts_setup(bh_hosts *h, int parts_wanted, int *parts);
/*
 * The intake's offset: the next update id to ask Telegram for, or -1 when
 * no intake of this bot ever put anything (its very first start).
 * Errors: BH_EINVAL, the backend's.
 */
int bh_hosts_offset(bh_hosts *h, int64_t *offset);
/*
 * Puts the n entries (ascending update ids, each with its partition) into
 * the log under the intake lease of epoch, each at most once: an entry
 * below the stored offset is dropped. The offset becomes the last id + 1,
 * or next when larger (skipped entries). Errors: BH_EINVAL, BH_ENOTOWNER
 * (the lease is not held with epoch: nothing was put), BH_ETOOBIG, the
 * backend's.
 */
int bh_hosts_put(bh_hosts *h, uint64_t epoch, const bh_hosts_entry *e, size_t n, int64_t next);
/*
 * After taking the lease of part with epoch: moves every entry delivered
 * to other hosts and not acknowledged to this host (*moved of them), so
 * that a read of the pending ones (want.after = 0) returns them in order.
 * Errors: BH_EINVAL, BH_ENOTOWNER, the backend's.
 */
int bh_hosts_claim(bh_hosts *h, int part, uint64_t epoch, size_t *moved);
/*
 * Acknowledges each want's acks, then reads at most count entries of its
 * partition, fenced: status[i] is BH_HOSTS_READ_LOST (nothing
 * acknowledged, nothing read) when the lease is not held with its epoch.
 * One round trip for many partitions. *out is a malloc'd array of *nout entries, grouped by want
 * and ascending within one. Errors: BH_EINVAL, BH_ENOMEM, the backend's.
 */
int bh_hosts_read(bh_hosts *h, const bh_hosts_want *w, size_t nw, size_t count, int *status,
                  bh_hosts_entry **out, size_t *nout);
void bh_hosts_entries_free(bh_hosts_entry *e, size_t n);
/*
 * Acknowledges the n entries of part (processed), fenced: refused with
 * BH_ENOTOWNER when the lease is not held with epoch (the entries stay
 * for the next owner). Errors: BH_EINVAL, BH_ENOTOWNER, the backend's.
 */
int bh_hosts_ack(bh_hosts *h, int part, uint64_t epoch, const int64_t *ids, size_t n);

/*
 * A worker crashed running entry id of part (pending on this host, under
 * the lease of epoch): one more delivery is counted in the log, so that
 * the count is the entry's across hosts. *crashes: the crashes counted so
 * far (deliveries - 1; a re-read of a pending entry is not a delivery);
 * *json (malloc'd, NUL-terminated, "" when the entry is gone) and *len:
 * the entry, for a dead letter. Errors: BH_EINVAL, BH_ENOTOWNER (the lease
 * is not held with epoch: nothing counted), BH_ENOMEM, BH_ENOTSUP (a
 * backend without it), the backend's.
 */
int bh_hosts_crash(bh_hosts *h, int part, uint64_t epoch, int64_t id, int *crashes,
                   char **json, size_t *len);
/*
 * Waits up to ms (1..BH_HOSTS_WAIT_MAX_MS) for an entry to enter one of
 * the n partitions parts: one above after[i] in parts[i] (-1: above the
 * last one there now). Reads nothing for anyone (a fenced read follows).
 * Returns 1 when one came, 0 at the end of ms. Errors: BH_EINVAL,
 * BH_ENOTSUP (a backend without it: the caller polls), the backend's.
 */
int bh_hosts_wait(bh_hosts *h, const int *parts, const int64_t *after, size_t n, int ms);
#define BH_HOSTS_WAIT_MAX_MS 1000
/*
 * The bot's next wake-up for its scheduled jobs, shared by its hosts (so
 * that any host looks at them when they are due, whichever scheduled
 * them): at_ms (wall ms; -1: only read) replaces the time kept when
 * earlier, or when that one is past (on the backend's clock). *next_ms:
 * the time kept now, -1 when none. Errors: BH_EINVAL, BH_ENOTSUP (a
 * backend without it), the backend's.
 */
int bh_hosts_wake(bh_hosts *h, int64_t at_ms, int64_t *next_ms);
/*
 * Puts one entry into the log from any host, no lease needed (webhook
 * mode: every host serves the hook), at most once: it returns 1 when put,
 * 0 when an entry of that update id was put before (a redelivery), or
 * when the id is not above the last one put into its partition (entries
 * go in in ascending order per partition; Telegram delivers in order to a
 * hook with max_connections 1). The offset becomes at least the id + 1.
 * Errors: BH_EINVAL, the backend's (then it may or may not be in: a push
 * again is safe), BH_ENOTSUP (a backend without it).
 */
int bh_hosts_push(bh_hosts *h, const bh_hosts_entry *e);
/*
 * A note of the bot (a short value every host reads, e.g. what the webhook
 * was registered with): its value into buf (len bytes, NUL-terminated;
 * "" when none). Errors: BH_EINVAL (a bad name, a buf too small for the
 * value), BH_ENOTSUP (a backend without notes), the backend's.
 */
int bh_hosts_note_get(bh_hosts *h, const char *name, char *buf, size_t len);
/*
 * Sets note name to value, fenced: only while the lease `lease` is held
 * with epoch. Errors: BH_EINVAL, BH_ENOTOWNER (not held: nothing set),
 * BH_ENOTSUP (a backend without notes), the backend's.
 */
int bh_hosts_note_set(bh_hosts *h, const char *lease, uint64_t epoch, const char *name,
                      const char *value);

#endif
