/*
 * bothive runner core: what the files of src/runner/ share.
 *
 * runner.h      the contract with the application (the bot layer's run.c)
 * options.c     defaults and the environment
 * proto.c       messages between the master and its children (SOCK_SEQPACKET)
 * queue.c       per-key queues: per-chat order, parallel chats
 * ledger.c      per-source offsets and deduplication of update ids
 * doneset.c     updates finished but not yet confirmed, marked in the store
 * deadletter.c  updates set aside after killing two workers
 * worker.c      the worker process
 * updater.c     the polling updater process (and feeds)
 * webhook.c     the webhook updater process (libmicrohttpd)
 * backlog.c     the backlog is skipped at a bot's very first start only
 * hosts.h       several hosts through Redis: hosting.c (the master's
 *               side), feeder.c and intake.c (the processes doing the
 *               Redis I/O), hostcfg.c (settings and names)
 * master.h      the master process, in five files (see there): master.c
 *               (bh_runner_run), supervise.c (forking, respawning, reaping
 *               the children), jobs.c (a job's life), loop.c (the poll
 *               loop), shutdown.c (the stop)
 *
 * Names: a function is named bh_<what it works on>_<verb>: the structure of
 * its file (bh_queue_*, bh_ledger_*, bh_doneset_*, bh_master_* for the
 * master's state, bh_updater_*, bh_webhook_*), static helpers too.
 */
#ifndef BOTHIVE_RUNNER_INTERNAL_H
#define BOTHIVE_RUNNER_INTERNAL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/idset.h"
#include "runner.h"

#define BH_MS_PER_S 1000LL

/* ---- proto.c ---- */

/* Largest message: an update's JSON plus the header. Telegram's updates are
 * far smaller; a larger one is set aside in the dead-letter memory. */
#define BH_RUNNER_MSG_MAX (1024 * 1024)

enum {
    /* updater -> master */
    BH_MSG_UPDATE = 1, /* a: key (kind: key_kind); b: confirmed offset or 0; json */
    BH_MSG_TOOBIG,     /* a: update_id (its JSON did not fit) */
    BH_MSG_SKIPPED,    /* a: the offset after the skipped backlog */
    BH_MSG_STOPPED,    /* the updater stopped receiving */
    /* master -> updater */
    BH_MSG_OFFSET,     /* a: the confirmable offset; b: next update id expected */
    BH_MSG_FINAL,      /* a: the offset to confirm before exiting */
    /* master -> worker */
    BH_MSG_JOB,        /* kind, source, timer, attempt, update_id; json */
    /* worker -> master */
    BH_MSG_DONE,       /* rc */
    BH_MSG_WAKE,       /* source; a: the wall time (ms) a BH_JOB_SCHEDULE is due */
};

/* Key kinds, in the order a key is chosen. */
enum { BH_KEY_CHAT = 1, BH_KEY_USER, BH_KEY_UPDATE, BH_KEY_TIMER, BH_KEY_SCHEDULE };

typedef struct bh_msg_hdr {
    int32_t type;
    int32_t source;
    int32_t kind;    /* job kind, or key kind */
    int32_t timer;
    int32_t attempt;
    int32_t rc;
    int64_t update_id;
    int64_t a, b;    /* key, offsets */
} bh_msg_hdr;

typedef struct bh_msg {
    bh_msg_hdr h;
    char *body;      /* NUL-terminated, or NULL */
    size_t len;
} bh_msg;

/* A SOCK_SEQPACKET pair with buffers large enough for BH_RUNNER_MSG_MAX.
 * Both ends close-on-exec. Errors: BH_EIO. */
int bh_proto_pair(int fds[2]);
/* Sends one message (body may be NULL). Retries EINTR; blocks when the
 * peer's buffer is full. Errors: BH_EIO (peer gone: EPIPE, ECONNRESET),
 * BH_ETOOBIG. */
int bh_proto_send(int fd, const bh_msg_hdr *h, const char *body, size_t len);
/* The same with send flags: MSG_DONTWAIT makes a full buffer BH_EBUSY. The
 * master never blocks on an updater, which may itself be blocked sending
 * updates to the master. */
int bh_proto_send_flags(int fd, const bh_msg_hdr *h, const char *body, size_t len, int flags);
/* What bh_proto_recv found (or a negative BH_E* code). */
enum {
    BH_PROTO_EOF = 0,   /* the peer is gone */
    BH_PROTO_MSG = 1,   /* a message */
    BH_PROTO_NONE = 2,  /* nothing now (the socket is read without blocking) */
};

/* Receives one message into m without blocking, using buf
 * (sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1 bytes): m->body points into
 * buf. Returns BH_PROTO_MSG, BH_PROTO_EOF or BH_PROTO_NONE. Errors: BH_EIO
 * (a failed recv, or a message shorter than its header). */
int bh_proto_recv(int fd, char *buf, bh_msg *m);

/* The dispatch key of an Update object: its chat, else its user, else its
 * id. Never fails (falls back to the update id). */
void bh_proto_update_key(json_object *u, int64_t update_id, int *kind, int64_t *key);

/* ---- options.c ---- */

/* Copies o (NULL: the environment) and fills in every default. */
int bh_runner_options_resolve(const bh_run_options *o, bh_run_options *out);

/* ---- ledger.c: per-source update ids ---- */

typedef struct bh_ledger {
    /* Polling: ids received and not finished, ascending (ids come in
     * ascending order from getUpdates). */
    int64_t *open;
    size_t head, len, cap;      /* open[head .. len) */
    uint8_t *done;              /* parallel to open */
    int64_t next;               /* highest id received + 1 (0: none yet) */
    /* Recently seen ids, for redeliveries in any order (webhooks): two
     * generations of an open-addressing set; the older one is dropped when
     * the newer fills. */
    int64_t *set[2];
    size_t nset[2];
} bh_ledger;

/* What bh_ledger_receive found. */
enum { BH_LEDGER_SEEN = 0, BH_LEDGER_NEW = 1 };

/* An empty ledger: offset 0, nothing seen. Errors: BH_ENOMEM. */
int bh_ledger_init(bh_ledger *l);
void bh_ledger_free(bh_ledger *l);
/* Records update id as received: BH_LEDGER_NEW the first time,
 * BH_LEDGER_SEEN for a redelivery. ordered: ids only grow (getUpdates), so
 * one below the highest received is seen and a new one stays open until
 * finished; unordered ids (webhooks) are only checked against the recent
 * ones and are never open. Errors: BH_ENOMEM (ordered: not recorded). */
int bh_ledger_receive(bh_ledger *l, int64_t id, int ordered);
/* Marks id finished; an id that is not open is ignored. */
void bh_ledger_finish(bh_ledger *l, int64_t id);
/* The offset that may be confirmed: the lowest unfinished id, or next. */
int64_t bh_ledger_offset(const bh_ledger *l);

/* ---- queue.c: the per-key queues ---- */

/* The master's record of a job, from its arrival to its end. */
typedef struct bh_qjob {
    bh_job_kind kind;
    int source;
    int timer;
    int attempt;       /* starts at 1 */
    int crashes;       /* workers it killed */
    int last_slot;     /* the worker slot it ran on last */
    int64_t update_id;
    char *json;        /* malloc'd; NULL for timers */
    size_t len;
    int key_kind;
    int64_t key;
    int64_t received_ms;
    int part;          /* hosts mode: its partition + 1; 0 otherwise */
    uint64_t epoch;    /* hosts mode: the epoch of the partition's lease */
    int lost;          /* hosts mode: its worker was ended, the lease gone */
    struct bh_qjob *next;
    struct bh_qkey *qkey;  /* its key's queue while queued or running */
} bh_qjob;

/* The queue of one key: (source, key kind, key). */
typedef struct bh_qkey {
    int source, kind;
    int64_t key;
    int busy;                  /* a job of this key is running */
    bh_qjob *head, *tail;      /* queued, not running */
    struct bh_qkey *hnext;     /* hash chain */
    struct bh_qkey *rnext;     /* ready list */
    int ready;                 /* on the ready list */
} bh_qkey;

typedef struct bh_queue {
    bh_qkey **buckets;
    size_t nbuckets;
    bh_qkey *rhead, *rtail;    /* keys with queued jobs and nothing running */
    size_t queued, running;
} bh_queue;

/* An empty queue. Errors: BH_ENOMEM. */
int bh_queue_init(bh_queue *q);
/* Frees the queue and every job queued in it (not those running). */
void bh_queue_free(bh_queue *q);
/* Queues j at the back of its key, or at its front when front (a retry
 * goes before what came after it). Errors: BH_ENOMEM (j is not queued). */
int bh_queue_push(bh_queue *q, bh_qjob *j, int front);
/* The next job to run, its key marked busy; NULL if none is runnable. Keys
 * take turns in the order they became ready. */
bh_qjob *bh_queue_next(bh_queue *q);
/* The job ended (done, set aside, or to be requeued by the caller with
 * push(front)): its key is free again. A job not taken by next (qkey NULL)
 * is ignored. */
void bh_queue_release(bh_queue *q, bh_qjob *j);
/* Non-zero if the key has a job queued or running (timers use it to never
 * overlap). */
int bh_queue_key_active(bh_queue *q, int source, int kind, int64_t key);
/* Frees a job and its JSON; NULL is ignored. */
void bh_qjob_free(bh_qjob *j);

/* ---- deadletter.c ---- */

#define BH_DEADLETTER_MEMORY "bothive.deadletter"

/* A bot id longer than this is hashed in a dead letter's key. */
#define BH_DEADLETTER_BOT_MAX 64
/* Room for any dead letter's key (well within BH_KEY_MAX). */
#define BH_DEADLETTER_KEY_MAX (BH_DEADLETTER_BOT_MAX + 48)

/* The key of a dead letter into out (n bytes, at least
 * BH_DEADLETTER_KEY_MAX): "<source>:<update_id>", or with bot (not NULL)
 * "<bot>:<source>:<update_id>", bot replaced by "h<hash>" when longer than
 * BH_DEADLETTER_BOT_MAX. Never fails. */
void bh_deadletter_key(char *out, size_t n, const char *bot, int source, int64_t id);
/* Records the update of j in the dead-letter memory under its key (bot:
 * as bh_deadletter_key) with reason, and logs it. A failure to record is
 * logged too (the update is lost for replay, not for the offset). */
void bh_deadletter_put(bh_store *st, const char *bot, const bh_qjob *j, const char *reason);

/* ---- doneset.c: updates finished ahead of the offset, kept in the store ---- */

#define BH_DONE_MEMORY "bothive.done"

typedef struct bh_doneset {
    bh_shared *m;       /* the memory of the marks; NULL: none kept */
    int ns;
    bh_idset *before;   /* per source: marks found at start, ascending */
    bh_idset *marked;   /* per source: marks made since, not yet confirmed */
} bh_doneset;

/* Opens the marks' memory and reads what an earlier master left there. */
int bh_doneset_open(bh_doneset *d, bh_store *st, int nsources);
void bh_doneset_close(bh_doneset *d);
/* Whether update id of source s was finished before this master started. */
int bh_doneset_before(const bh_doneset *d, int s, int64_t id);
/* Update id of source s finished: marked until Telegram confirms it. */
void bh_doneset_mark(bh_doneset *d, int s, int64_t id);
/* Telegram confirmed every update of source s below offset: their marks go. */
void bh_doneset_confirmed(bh_doneset *d, int s, int64_t offset);

/* ---- worker.c ---- */

/* A worker's note, in a shared mapping the master reads. */
#define BH_NOTE_MAX 64
typedef struct bh_worker_slot_shm {
    char note[BH_NOTE_MAX];
} bh_worker_slot_shm;

/* The worker's life after fork; never returns. */
void bh_worker_main(const bh_runner_app *app, bh_store *st, int worker_no, int fd,
                    bh_worker_slot_shm *shm) __attribute__((noreturn));

/* ---- updater.c / webhook.c ---- */

typedef struct bh_updater_cfg {
    const bh_runner_app *app;
    const bh_run_options *opts;
    int source;
    int fd;                 /* to the master */
    int skip_backlog;       /* the first updater of a run */
    int64_t offset, next;   /* from the master's ledger */
    const char *host;       /* hosts mode: this run's host id; else NULL */
    /* Hosts mode: what the master holds of the partitions at the fork
     * (hosting.c), so that a feeder started again sends none of it. */
    const struct bh_hosts_held *held;
    size_t nheld;
} bh_updater_cfg;

void bh_updater_main(const bh_updater_cfg *cfg) __attribute__((noreturn));
void bh_webhook_main(const bh_updater_cfg *cfg) __attribute__((noreturn));

struct bh_client;
/* Installs the updater's SIGTERM/SIGINT handlers (stop receiving). */
void bh_updater_signals(void);
/* Non-zero once a stop signal came. */
int bh_updater_stopping(void);
/* The flag a stop signal sets, for bh_sleep_ms. */
const volatile sig_atomic_t *bh_updater_stop_flag(void);
/* Tells the master the updater stopped, waits for the final offset and, with
 * a client, confirms it to Telegram. */
void bh_updater_finish(int fd, char *buf, struct bh_client *c);

/* Sends an update (parsed) to the master; used by both updaters and feeds.
 * confirmed: the offset of the getUpdates call that returned it (Telegram
 * now holds every update below it as handled), or 0. */
int bh_updater_forward(int fd, int source, int64_t update_id, json_object *u,
                       const char *json, size_t len, int64_t confirmed);

/* ---- supervise.c ---- */

/* A minute without crashes forgets the earlier ones. */
#define BH_RESPAWN_QUIET_MS 60000

/* Respawn backoff: crashes close together make the delay grow. */
typedef struct bh_respawn {
    bh_backoff b;
    int64_t last_ms; /* the last crash, 0 = none */
} bh_respawn;
/* Called at a crash at now_ms: the delay before the replacement starts.
 * 0 for the first crash, and for the first after more than
 * BH_RESPAWN_QUIET_MS without one; then b's initial_ms, doubling up to its
 * max_ms. */
int64_t bh_respawn_delay(bh_respawn *r, int64_t now_ms);
/* What the master knows of a worker slot whose worker just died. */
typedef struct bh_respawn_case {
    int others_alive;  /* workers alive in the other slots */
    int had_job;       /* it died while processing an update */
    int64_t jobs_done; /* jobs it finished since it started */
    int rescue;        /* in: the runner's one immediate respawn with no worker
                        * alive is unused; out: cleared when this used it */
} bh_respawn_case;
/* The same for a worker slot, with r the slot's own backoff: a worker that
 * finished a job was not crash-looping, so r is reset first (its
 * replacement starts at once). When no other worker is alive the
 * replacement starts at once if the dead one was processing an update
 * (which is retried or set aside, so this cannot loop) or if c->rescue is
 * set (then cleared); otherwise a worker that dies before finishing any
 * job waits out r, doubling. The crash is counted in r in every case. */
int64_t bh_respawn_worker_delay(bh_respawn *r, int64_t now_ms, bh_respawn_case *c);

#endif
