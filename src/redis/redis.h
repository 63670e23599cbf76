/*
 * The redis:// backend's handles and helpers. Private to src/redis/.
 *
 * Layout of a store in Redis (P is the prefix, default "bothive"; ID is the
 * memory id with % : { } * ? [ ] \ percent-escaped, so that no two memories
 * share a key and {ID} is a cluster hash tag keeping a memory in one slot):
 *
 *   P:mems                  SET of every memory id (raw)
 *   P:m:{ID}:k:KEY          HASH {t: type digit, v: value} per bothive key;
 *                           PEXPIRE on it for a TTL
 *   P:m:{ID}:idx            SET of the memory's keys (len, cursor, clear)
 *   P:m:{ID}:ttl            ZSET key -> expiry (ms, Redis clock) of keys
 *                           with a TTL, to drop expired keys from idx
 *   P:m:{ID}:ctr            HASH {fence, seq}: counters of the locks
 *   P:m:{ID}:l:NAME         lock: owner token, PX lease
 *   P:m:{ID}:lh:NAME        HASH {owner, fence}, no TTL: "held"; present
 *                           while the lock key is gone = the holder died
 *   P:m:{ID}:lq:NAME        ZSET waiter token -> arrival number (FIFO)
 *   P:m:{ID}:lb:NAME        HASH waiter token -> heartbeat deadline (ms)
 *   P:m:{ID}:lw:TOKEN:NAME  LIST a waiter blocks on (BLPOP); release pushes
 *   P:m:{ID}:prepared       "1" once prepared
 *   P:m:{ID}:preparing      owner token of the running preparer, PX lease
 *
 * Every operation that touches more than one key is one Lua script, so the
 * hash, the index and the expiry set never disagree.
 */
#ifndef BH_REDIS_H
#define BH_REDIS_H

#include <hiredis/hiredis.h>
#include <sys/types.h>

#include "store/backend.h"
#include "base/clock.h"
#include "base/proc.h" /* bh_proc_pid: getpid() is a system call */

#define BH_REDIS_LEASE_DEFAULT_MS 30000
#define BH_REDIS_TIMEOUT_DEFAULT_MS 5000
#define BH_REDIS_TOKEN_MAX 160 /* RANDOM:PID:START@HOST (token.c) */
#define BH_REDIS_CONNECT_TIMEOUT_DEFAULT_MS 2000

enum bh_rscript {
    BH_RS_PUT,
    BH_RS_INCR,
    BH_RS_CAS,
    BH_RS_POP,
    BH_RS_LEN,
    BH_RS_CLEAR,
    BH_RS_SCAN,
    BH_RS_LOCK_TRY,
    BH_RS_LOCK_RELEASE,
    BH_RS_LOCK_LEAVE,
    BH_RS_LOCK_FENCE,
    BH_RS_PREP_TRY,
    BH_RS_PREP_DONE,
    BH_RS_RENEW,
    BH_RS_REAP,
    BH_RS_CHECK_IDX,
    BH_RS_CHECK_KEYS,
    BH_RS_COUNT
};

/* Where and how to connect: parsed from the URL, copied by helper threads. */
struct bh_redis_conf {
    char *host;
    int port;
    int db;
    char *user;     /* NULL: none */
    char *password; /* NULL: no AUTH */
    char *prefix;
    int64_t lease_ms;
    int64_t timeout_ms;
    int64_t connect_timeout_ms;
};

struct bh_redis {
    bh_store base;
    struct bh_redis_conf conf;
    redisContext *c; /* NULL until connected, or after a failure */
    pid_t pid;       /* the process c belongs to: a child reconnects */
    char sha[BH_RS_COUNT][41];
    struct bh_redis_keeper *keeper; /* renews held leases (keeper.c) */
};

struct bh_redis_shared {
    bh_shared base;
    struct bh_redis *st;
    char *kbase; /* "P:m:{ID}:" */
    size_t kbase_len;
    char **held; /* names of the locks held through this handle */
    size_t nheld, held_cap;
};

static inline struct bh_redis_shared *bh_redis_shared_of(bh_shared *m)
{
    return (struct bh_redis_shared *)m;
}

/* A Redis argument vector: strings with their lengths (binary-safe). */
struct bh_redis_argv {
    int n;
    const char *v[64];
    size_t len[64];
    char *owned[64]; /* freed by bh_redis_argv_free */
    int nowned;
};

void bh_redis_argv_add(struct bh_redis_argv *a, const char *s, size_t len);
void bh_redis_argv_str(struct bh_redis_argv *a, const char *s);
int bh_redis_argv_int(struct bh_redis_argv *a, long long v);
/* Adds the malloc'd key kbase + part + name (name may be NULL). */
int bh_redis_argv_key(struct bh_redis_argv *a, bh_shared *m, const char *part, const char *name);
/* The Redis key of part+name in m's memory, malloc'd (NULL: no memory). */
char *bh_redis_key_name(bh_shared *m, const char *part, const char *name);
void bh_redis_argv_free(struct bh_redis_argv *a);

/* store.c: connection and commands. idempotent: the command may be sent
 * again after a broken connection (reads, and writes whose repetition
 * cannot change their outcome). */
int bh_redis_cmd_run(struct bh_redis *r, int idempotent, redisReply **out, struct bh_redis_argv *a);
/* Runs script s (EVALSHA, loading it on NOSCRIPT) with a: nkeys keys
 * first, then the arguments. */
int bh_redis_script_eval(struct bh_redis *r, enum bh_rscript s, int idempotent, redisReply **out,
                  int nkeys, struct bh_redis_argv *a);
/* The same for a script that answers one integer: *out, or BH_EPROTO. */
int bh_redis_script_eval_int(struct bh_redis *r, enum bh_rscript s, int idempotent, int nkeys,
                      struct bh_redis_argv *a, long long *out);
/* Maps an error reply (OOM: BH_ENOSPC, others BH_EPROTO) and records it. */
int bh_redis_reply_fail(struct bh_redis *r, const redisReply *rep);
/* A new connection with the handle's settings (used by helper threads). */
int bh_redis_conn_new(const struct bh_redis_conf *conf, redisContext **out, char *err,
                          size_t errlen);
/* The caller's owner token for locks and preparers (token.c): random bits,
 * pid, start time and host, made again in a forked child. */
const char *bh_redis_token(void);
/* Whether tok is a process of this host that has died (token.c). */
int bh_redis_token_dead_here(const char *tok);
/* The owner token in the holder key part+name, into buf ("" if none). */
int bh_redis_holder(bh_shared *m, const char *part, const char *name, char *buf, size_t len);
/* Deletes the holder key part+name if the token in it is a process of this
 * host that has died: 1 if it did, 0 if not, or an error (token.c). */
int bh_redis_reap_dead(bh_shared *m, const char *part, const char *name);
/* Parses an integer reply or a decimal bulk string. */
int bh_redis_reply_int(const redisReply *rep, long long *out);

/* script.c */
const char *bh_redis_script_text(enum bh_rscript s);

/* keys.c, lock.c: keys and names come with their length, as for every
 * backend; these ignore it, since a round trip dwarfs measuring a key. */
int bh_redis_key_put(bh_shared *m, const char *key, size_t klen, const bh_value *v, unsigned flags, int64_t ttl_ms);
int bh_redis_key_get(bh_shared *m, const char *key, size_t klen, bh_value *out);
int bh_redis_key_incr(bh_shared *m, const char *key, size_t klen, int64_t delta, int64_t *out);
int bh_redis_key_cas(bh_shared *m, const char *key, size_t klen, const bh_value *expected, const bh_value *desired);
int bh_redis_key_pop(bh_shared *m, const char *key, size_t klen, bh_value *out);
int bh_redis_key_contains(bh_shared *m, const char *key, size_t klen);
int bh_redis_keys_len(bh_shared *m, size_t *out);
int bh_redis_keys_clear(bh_shared *m);
int bh_redis_cursor_open(bh_shared *m, bh_cursor **out);
int bh_redis_cursor_next(bh_cursor *c, const char **key);
void bh_redis_cursor_close(bh_cursor *c);

/* lock.c */
int bh_redis_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms);
int bh_redis_lock_release(bh_shared *m, const char *name, size_t len);
int bh_redis_lock_held(bh_shared *m, const char *name, size_t len);
int bh_redis_lock_fence(bh_shared *m, const char *name, size_t len, uint64_t *out);
int bh_redis_lock_release_all(bh_shared *m);

/* keeper.c: the lease of the key part+name is renewed while kept. */
int bh_redis_keep(bh_shared *m, const char *part, const char *name);
void bh_redis_unkeep(bh_shared *m, const char *part, const char *name);
void bh_redis_keeper_close(struct bh_redis *r);

/* prepare.c */
int bh_redis_preparer_run(bh_shared *m, bh_preparer_fn fn, void *arg);
int bh_redis_preparer_done(bh_shared *m);

/* check.c */
int bh_redis_store_check(bh_store *st);

#endif
