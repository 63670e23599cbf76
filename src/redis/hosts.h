/*
 * The coordination of several hosts over Redis (store/hosts.h), private to
 * src/redis/: lease.c (the handle, leases, the heartbeat, the set-up and
 * the intake's offset) and stream.c (the log as Redis Streams: put, claim,
 * read, acknowledge).
 *
 * Layout (P the URL's prefix, BOT the bot's id; {BOT} is a cluster hash
 * tag, so that a script's keys share one slot):
 *
 *   P:h:{BOT}:lease:NAME    "HOST|EPOCH", PX the lease's time to live
 *   P:h:{BOT}:epoch:NAME    the last epoch given for NAME (INCR)
 *   P:h:{BOT}:hosts         HASH host id -> expiry (ms, Redis TIME)
 *   P:h:{BOT}:parts         the partition count the first host set
 *   P:h:{BOT}:offset        the next update id the intake asks for
 *   P:h:{BOT}:s:N           STREAM of partition N; entry id "UPDATE_ID-0",
 *                           field u = the update's JSON; consumer group
 *                           "g", one consumer per host
 *
 * Every step that must be fenced (put, claim, read, ack) is one script
 * that first checks the lease key holds the caller's "HOST|EPOCH".
 */
#ifndef BH_REDIS_HOSTS_H
#define BH_REDIS_HOSTS_H

#include "redis.h"
#include "store/hosts.h"

/* The group of every partition's stream. */
#define BH_RHOSTS_GROUP "g"
/* "HOST|EPOCH": the value of a lease key. */
#define BH_RHOSTS_TOKEN_MAX (BH_HOSTS_NAME_MAX + 24)

struct bh_redis_hosts {
    bh_hosts base;
    bh_store *st;        /* the connection (a redis:// store handle) */
    struct bh_redis *r;  /* the same, as the backend's */
    char *kbase;         /* "P:h:{BOT}:" */
    char host[BH_HOSTS_NAME_MAX + 1];
};

static inline struct bh_redis_hosts *bh_rhosts_of(bh_hosts *h)
{
    return (struct bh_redis_hosts *)h;
}

/* Adds the malloc'd key kbase + the printf of fmt to a. */
int bh_rhosts_key(struct bh_redis_hosts *h, struct bh_redis_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "HOST|EPOCH" into buf. */
void bh_rhosts_token(const struct bh_redis_hosts *h, uint64_t epoch, char *buf, size_t len);
/* EVAL of script text with a (nkeys keys, then the arguments): the reply
 * in *out for the caller to free, or an error code (an error reply is
 * mapped by reply.c). */
int bh_rhosts_eval(struct bh_redis_hosts *h, const char *text, int idempotent, int nkeys,
                   struct bh_redis_argv *a, redisReply **out);
/* The same for a script answering an integer. */
int bh_rhosts_eval_int(struct bh_redis_hosts *h, const char *text, int idempotent, int nkeys,
                       struct bh_redis_argv *a, long long *out);

/* stream.c: the operations of the log. */
int bh_rhosts_put(bh_hosts *h, uint64_t epoch, const bh_hosts_entry *e, size_t n, int64_t next);
int bh_rhosts_claim(bh_hosts *h, int part, uint64_t epoch, size_t *moved);
int bh_rhosts_read(bh_hosts *h, const bh_hosts_want *w, size_t nw, size_t count, int *status,
                   bh_hosts_entry **out, size_t *nout);
int bh_rhosts_ack(bh_hosts *h, int part, uint64_t epoch, const int64_t *ids, size_t n);
int bh_rhosts_crash(bh_hosts *h, int part, uint64_t epoch, int64_t id, int *crashes,
                    char **json, size_t *len);
int bh_rhosts_wait(bh_hosts *h, const int *parts, const int64_t *after, size_t n, int ms);
/* lease.c: the scheduled jobs' wake-up. */
int bh_rhosts_wake(bh_hosts *h, int64_t at_ms, int64_t *next_ms);
/* stream.c: webhook mode's push, and the bot's notes. */
int bh_rhosts_push(bh_hosts *h, const bh_hosts_entry *e);
int bh_rhosts_note_get(bh_hosts *h, const char *name, char *buf, size_t len);
int bh_rhosts_note_set(bh_hosts *h, const char *lease, uint64_t epoch, const char *name,
                       const char *value);
/* Creates the group of partitions 0..parts-1 where missing. */
int bh_rhosts_groups(struct bh_redis_hosts *h, int parts);

#endif
