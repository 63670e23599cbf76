/*
 * The redis:// backend's handles and helpers. Private to src/redis/.
 *
 * Files, one job each:
 *   backend.c  the store handle (open, close), the table of operations,
 *              stats, sync, and the registration of the redis:// scheme
 *   url.c      the URL, parsed into a bh_redis_conf
 *   conn.c     the connection (made again after a fork or a break), SIGPIPE,
 *              and sending one command on it
 *   reply.c    replies: an error reply as an error code, integers
 *   argv.c     argument vectors: the strings of one command
 *   eval.c     running a script (EVALSHA, loaded when the server lacks it)
 *   script.c   the Lua text of every script
 *   memory.c   memory handles, the names of their keys, the registry of
 *              memories
 *   keys.c     key operations, len, clear and cursors
 *   lock.c     named locks
 *   keeper.c   lease renewal of held locks and running preparers
 *   token.c    owner tokens, and the holder keys of dead processes
 *   prepare.c  preparers
 *   check.c    bh_store_check
 *   rate.c     rate limits on the server's clock (one script a decision)
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
 *   P:m:{ID}:fence          HASH key -> the highest fence of the fenced puts
 *                           to it (a uint64 decimal); gone with clear
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

#define BH_REDIS_SCHEME "redis://"
#define BH_REDIS_UNIX_SCHEME "redis+unix://"
#define BH_REDIS_SENTINEL_SCHEME "redis+sentinel://"
#define BH_REDIS_PORT_DEFAULT 6379
#define BH_REDIS_SENTINEL_PORT_DEFAULT 26379
#define BH_REDIS_SENTINELS_MAX 16
#define BH_REDIS_PREFIX_DEFAULT "bothive"
#define BH_REDIS_LEASE_DEFAULT_MS 30000
#define BH_REDIS_TIMEOUT_DEFAULT_MS 5000
#define BH_REDIS_TOKEN_MAX 160 /* RANDOM:PID:START@HOST (token.c) */
#define BH_REDIS_CONNECT_TIMEOUT_DEFAULT_MS 2000
/* What a command under a caller's deadline may wait past it: a server-side
 * wait bounded by the deadline (BLPOP) answers within it. */
#define BH_REDIS_DEADLINE_GRACE_MS 250
/* "NAME at HOST:PORT (from sentinel HOST:PORT)", "unix:PATH", "HOST:PORT". */
#define BH_REDIS_WHERE_MAX 640

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
    BH_RS_PUT_FENCED,
    BH_RS_RATE,
    BH_RS_RATE_PAUSE,
    BH_RS_COUNT
};

/* The answers of the data scripts (PUT, INCR, CAS, POP), which keys.c
 * maps to error codes. */
enum bh_redis_data_code {
    BH_RDATA_OK = 0,
    BH_RDATA_EXISTS = 1,
    BH_RDATA_NOTFOUND = 2,
    BH_RDATA_TYPE = 3,
    BH_RDATA_OVERFLOW = 4,
    BH_RDATA_CONFLICT = 5,
    BH_RDATA_FENCED = 6
};

/* The answers of PREP_TRY. */
enum bh_redis_prep_try {
    BH_RPREP_MINE = -1, /* the caller is running the preparer already */
    BH_RPREP_READY = 0, /* prepared */
    BH_RPREP_RUN = 1,   /* the caller holds the lease now, and prepares */
    BH_RPREP_BUSY = 2   /* another process is preparing */
};

/* The answers of PREP_DONE. */
enum bh_redis_prep_done {
    BH_RPREP_LATE = 0, /* the caller's lease had run out */
    BH_RPREP_HELD = 1  /* within the caller's lease */
};

/* A host and port (a sentinel's). */
struct bh_redis_addr {
    char *host;
    int port;
};

/* Where and how to connect: parsed from the URL, read by helper threads.
 * Exactly one of host (redis://), socket (redis+unix://) and service
 * (redis+sentinel://, with its sentinels) is set. */
struct bh_redis_conf {
    char *host;
    int port;
    char *socket;                    /* the unix socket's path, or NULL */
    char *service;                   /* the master's name at the sentinels, or NULL */
    struct bh_redis_addr *sentinels; /* tried in order */
    size_t nsentinels;
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
    char where[BH_REDIS_WHERE_MAX]; /* the server c reached, for messages */
    int64_t deadline_ms;     /* the caller's (monotonic), 0: none (conn.c) */
    int64_t sock_timeout_ms; /* the timeout set on c now */
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

/* ---- url.c ---- */

/* Parses url, which starts with BH_REDIS_SCHEME, BH_REDIS_UNIX_SCHEME or
 * BH_REDIS_SENTINEL_SCHEME, into *c (the defaults for what it leaves
 * out). BH_EINVAL for a malformed URL or another scheme, BH_ENOMEM; on
 * failure *c holds nothing to free. */
int bh_redis_conf_parse(const char *url, struct bh_redis_conf *c);
void bh_redis_conf_free(struct bh_redis_conf *c);
/* The decimal that is the whole of the len bytes at s (no NUL needed),
 * within [lo, hi], into *out: BH_OK, or BH_EINVAL (empty, 32 bytes or
 * more, not a number, out of range). For URLs and replies alike. */
int bh_redis_decimal(const char *s, size_t len, long long lo, long long hi, long long *out);

/* ---- argv.c ---- */

/* The most strings in one command. The longest the backend builds is
 * check.c's batch of key names inside EVALSHA (55); a command that would
 * pass the bound is refused with BH_ETOOBIG, never sent cut short. */
#define BH_REDIS_ARGV_MAX 64
/* EVALSHA, the SHA1, the key count: what eval.c puts before a script's
 * own keys and arguments. */
#define BH_REDIS_EVAL_ARGS 3

/* A Redis argument vector: strings with their lengths (binary-safe). */
struct bh_redis_argv {
    int n;
    int err; /* the first add that failed (BH_ETOOBIG, BH_ENOMEM), or BH_OK */
    const char *v[BH_REDIS_ARGV_MAX];
    size_t len[BH_REDIS_ARGV_MAX];
    char *owned[BH_REDIS_ARGV_MAX]; /* freed by bh_redis_argv_free */
    int nowned;
};

/* Each add returns BH_OK, or the vector's failure: BH_ETOOBIG when it
 * holds BH_REDIS_ARGV_MAX strings already, BH_ENOMEM. After a failure the
 * vector takes nothing more, and bh_redis_cmd_run refuses it. The strings
 * are borrowed until the command is sent, except those the vector owns. */
int bh_redis_argv_add(struct bh_redis_argv *a, const char *s, size_t len);
int bh_redis_argv_str(struct bh_redis_argv *a, const char *s);
/* Adds s, malloc'd, which the vector frees, even when the add fails (s
 * NULL: BH_ENOMEM). */
int bh_redis_argv_own(struct bh_redis_argv *a, char *s, size_t len);
int bh_redis_argv_int(struct bh_redis_argv *a, long long v);
/* Adds the malloc'd key kbase + part + name (name may be NULL). */
int bh_redis_argv_key(struct bh_redis_argv *a, bh_shared *m, const char *part, const char *name);
/* Adds the strings of from (borrowed), or takes on from's failure. */
int bh_redis_argv_append(struct bh_redis_argv *a, const struct bh_redis_argv *from);
/* Frees the owned strings and empties the vector for reuse. */
void bh_redis_argv_free(struct bh_redis_argv *a);

/* ---- conn.c ---- */

/* A new connection with the handle's settings (used by helper threads):
 * connected, timeout set, AUTH and SELECT done. On failure err says why. */
int bh_redis_conn_new(const struct bh_redis_conf *conf, redisContext **out, char *err,
                      size_t errlen);
/* Connects the handle's own connection for this process; on failure the
 * reason is in the handle's errmsg. */
int bh_redis_conn_open(struct bh_redis *r);
/* Drops the handle's connection, if any. */
void bh_redis_conn_close(struct bh_redis *r);
/* Bounds the commands of r by deadline_ms (a bh_clock_mono_ms time; 0:
 * none, only the URL's timeout): each waits for its reply no longer than
 * the deadline plus BH_REDIS_DEADLINE_GRACE_MS, and one that got no reply
 * by then fails with BH_ETIMEDOUT. Returns the previous deadline, for the
 * caller to put back. */
int64_t bh_redis_deadline_set(struct bh_redis *r, int64_t deadline_ms);
/* Whether a may be sent: BH_OK, or the failure of one of its adds
 * (recorded on r when it is BH_ETOOBIG). */
int bh_redis_cmd_check(struct bh_redis *r, const struct bh_redis_argv *a);
/* Sends a and gives its reply in *out (for the caller to free), connecting
 * first when the handle has no usable connection. idempotent: the command
 * may be sent again after a broken connection (reads, and writes whose
 * repetition cannot change their outcome). BH_ENET when no reply came;
 * a vector that failed to build is not sent: its failure (BH_ETOOBIG,
 * BH_ENOMEM), or BH_EINVAL for an empty one. */
int bh_redis_cmd_run(struct bh_redis *r, int idempotent, redisReply **out,
                     struct bh_redis_argv *a);

/* ---- reply.c ---- */

/* Maps an error reply (OOM: BH_ENOSPC, READONLY: BH_EREADONLY, LOADING
 * and MASTERDOWN: BH_EBUSY, NOAUTH and WRONGPASS: BH_EINVAL, others
 * BH_EPROTO; a reply of another type is BH_EPROTO too) and records it. */
int bh_redis_reply_fail(struct bh_redis *r, const redisReply *rep);
/* Whether rep says that its server takes no such command now and another
 * one does (READONLY, MASTERDOWN, LOADING): a failover, to follow by
 * connecting again. */
int bh_redis_reply_failover(const redisReply *rep);
/* Parses an integer reply or a decimal bulk string. */
int bh_redis_reply_int(const redisReply *rep, long long *out);
/* A scan step's reply {cursor, next} (SCAN, SSCAN, or a script answering
 * like them) whose next has type next_type: the cursor into cursor (len
 * bytes with its NUL), next into *next (part of rep). Nothing is written
 * when the reply has another shape: BH_EPROTO. */
int bh_redis_reply_scan(const redisReply *rep, int next_type, char *cursor, size_t len,
                        const redisReply **next);

/* ---- eval.c, script.c ---- */

/* Runs script s (EVALSHA, loading it on NOSCRIPT) with a: nkeys keys
 * first, then the arguments; a holds at most BH_REDIS_ARGV_MAX -
 * BH_REDIS_EVAL_ARGS strings (BH_ETOOBIG beyond), and nkeys is within
 * 0..a->n (BH_EINVAL otherwise). An error reply is mapped (reply.c) and
 * freed; any other is *out, for the caller to free. */
int bh_redis_script_eval(struct bh_redis *r, enum bh_rscript s, int idempotent,
                         redisReply **out, int nkeys, struct bh_redis_argv *a);
/* The same for a script that answers one integer: *out, or BH_EPROTO. */
int bh_redis_script_eval_int(struct bh_redis *r, enum bh_rscript s, int idempotent, int nkeys,
                             struct bh_redis_argv *a, long long *out);
const char *bh_redis_script_text(enum bh_rscript s);

/* ---- memory.c ---- */

/* The operations shared_open, shared_close and memories. */
int bh_redis_memory_open(bh_store *st, const char *id, bh_shared **out);
void bh_redis_memory_close(bh_shared *m);
int bh_redis_memory_list(bh_store *st, char ***ids, size_t *n);
/* The Redis key of part+name in m's memory, malloc'd (NULL: no memory). */
char *bh_redis_key_name(bh_shared *m, const char *part, const char *name);

/* ---- token.c ---- */

/* The caller's owner token for locks and preparers: random bits, pid,
 * start time and host, made again in a forked child. */
const char *bh_redis_token(void);
/* Whether tok is a process of this host that has died. */
int bh_redis_token_dead_here(const char *tok);
/* The owner token in the holder key part+name, into buf ("" if none). */
int bh_redis_holder(bh_shared *m, const char *part, const char *name, char *buf, size_t len);
/* What bh_redis_reap_dead did, when it did not fail. */
enum bh_redis_reap { BH_REDIS_REAP_NONE = 0, BH_REDIS_REAPED = 1 };
/* Deletes the holder key part+name if the token in it is a process of this
 * host that has died: BH_REDIS_REAPED if it did, BH_REDIS_REAP_NONE if
 * not, or an error code. */
int bh_redis_reap_dead(bh_shared *m, const char *part, const char *name);

/* ---- keys.c, lock.c ----
 * Keys and names come with their length, as for every backend; these
 * ignore it, since a round trip dwarfs measuring a key. */
int bh_redis_key_put(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                     unsigned flags, int64_t ttl_ms);
int bh_redis_key_put_fenced(bh_shared *m, const char *key, size_t klen, const bh_value *v,
                            unsigned flags, int64_t ttl_ms, uint64_t fence);
int bh_redis_key_get(bh_shared *m, const char *key, size_t klen, bh_value *out);
int bh_redis_key_incr(bh_shared *m, const char *key, size_t klen, int64_t delta, int64_t *out);
int bh_redis_key_cas(bh_shared *m, const char *key, size_t klen, const bh_value *expected,
                     const bh_value *desired);
int bh_redis_key_pop(bh_shared *m, const char *key, size_t klen, bh_value *out);
int bh_redis_key_contains(bh_shared *m, const char *key, size_t klen);
int bh_redis_keys_len(bh_shared *m, size_t *out);
int bh_redis_keys_clear(bh_shared *m);
int bh_redis_cursor_open(bh_shared *m, bh_cursor **out);
int bh_redis_cursor_next(bh_cursor *c, const char **key);
void bh_redis_cursor_close(bh_cursor *c);

int bh_redis_lock_acquire(bh_shared *m, const char *name, size_t len, int64_t timeout_ms);
int bh_redis_lock_release(bh_shared *m, const char *name, size_t len);
int bh_redis_lock_held(bh_shared *m, const char *name, size_t len);
int bh_redis_lock_fence(bh_shared *m, const char *name, size_t len, uint64_t *out);
int bh_redis_lock_release_all(bh_shared *m);

/* ---- keeper.c: the lease of the key part+name is renewed while kept ---- */
int bh_redis_keep(bh_shared *m, const char *part, const char *name);
void bh_redis_unkeep(bh_shared *m, const char *part, const char *name);
void bh_redis_keeper_close(struct bh_redis *r);

/* ---- prepare.c ---- */
int bh_redis_preparer_run(bh_shared *m, bh_preparer_fn fn, void *arg);
int bh_redis_preparer_run_timed(bh_shared *m, bh_preparer_fn fn, void *arg, int64_t timeout_ms);
int bh_redis_preparer_done(bh_shared *m);

/* ---- rate.c ---- */
int bh_redis_rate_take(bh_shared *m, const bh_rate_cell *cells, size_t n, const char *pause_key,
                       int64_t max_wait_us, int64_t *wait_us);
int bh_redis_rate_pause(bh_shared *m, const char *pause_key, int64_t pause_us);

/* ---- check.c ---- */
int bh_redis_store_check(bh_store *st);

#endif
