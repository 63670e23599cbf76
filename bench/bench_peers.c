/*
 * bench_peers: bothive against the stores a bot would otherwise use, all
 * measured in the same run on the same keys in the same random order:
 *
 *  - the plain hash table of table.c (the limit);
 *  - Redis through hiredis, one request at a time and pipelined 16 deep
 *    (GET/SET/INCR), and a Redis lock: SET NX PX to acquire, a Lua
 *    compare-and-delete to release;
 *  - LMDB: put (and incr as get+put) in one write transaction per operation,
 *    get in a read transaction per operation (reset/renew, the fast path).
 *    The environment is opened with MDB_NOSYNC: bothive's file: store does
 *    not fsync either, and an fsync per commit would measure the disk;
 *  - Python's multiprocessing.Manager().dict() and Manager().Lock(), by
 *    running manager_bench.py and reading its RESULT lines.
 *
 * bothive here is one process on a mem: store (the figure per process).
 *
 * Usage: bench_peers [--quick] [--redis-port P] [--manager "python3 PATH"]
 * Without --redis-port (or BH_REDIS_PORT) Redis is skipped; without
 * --manager the Manager figures are skipped. A peer that is asked for but
 * fails makes the program exit non-zero.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/store.h"

#include "table.h"
#include "util.h"

enum peer_op { P_GET, P_SET, P_INCR, P_NOPS };
static const char *const pop_names[P_NOPS] = {"get", "set", "incr"};

static int quick, runs;
static size_t nkeys;
static char **keys;
static uint32_t *perm;

/* The key of operation i: a random walk over all keys. */
static inline const char *key_at(size_t i)
{
    return keys[perm[i % nkeys]];
}

static double ns_since(uint64_t t0, size_t ops)
{
    return (double)(bh_bench_now_ns() - t0) / (double)ops;
}

/* ---- bothive and the table ---- */

static double run_bothive(bh_shared *m, enum peer_op op, size_t ops)
{
    int64_t v = 0;
    uint64_t acc = 0, t0 = bh_bench_now_ns();
    int bad = 0;

    for (size_t i = 0; i < ops; i++) {
        const char *k = key_at(i);
        if (op == P_GET)
            bad |= bh_shared_get_int(m, k, &v);
        else if (op == P_SET)
            bad |= bh_shared_set_int(m, k, (int64_t)i);
        else
            bad |= bh_shared_incr(m, k, 1, &v);
        acc += (uint64_t)v;
    }
    double ns = ns_since(t0, ops);
    bh_bench_sink(acc);
    return bad ? -1 : ns;
}

static double run_table(struct bh_table *t, enum peer_op op, size_t ops)
{
    int64_t v = 0;
    uint64_t acc = 0, t0 = bh_bench_now_ns();
    int bad = 0;

    for (size_t i = 0; i < ops; i++) {
        const char *k = key_at(i);
        if (op == P_GET)
            bad |= bh_table_get_int(t, k, &v);
        else if (op == P_SET)
            bad |= bh_table_set_int(t, k, (int64_t)i);
        else
            bad |= bh_table_incr(t, k, 1, &v);
        acc += (uint64_t)v;
    }
    double ns = ns_since(t0, ops);
    bh_bench_sink(acc);
    return bad ? -1 : ns;
}

static double run_bh_lock(bh_shared *m, size_t ops)
{
    uint64_t t0 = bh_bench_now_ns();

    for (size_t i = 0; i < ops; i++)
        if (bh_lock_acquire(m, "peerlock", -1) != BH_OK || bh_lock_release(m, "peerlock") != BH_OK)
            return -1;
    return ns_since(t0, ops);
}

/* ---- Redis ---- */

static int reply_ok(redisReply *r)
{
    int ok = r && r->type != REDIS_REPLY_ERROR;
    if (r && !ok)
        fprintf(stderr, "bench_peers: redis: %s\n", r->str);
    freeReplyObject(r);
    return ok;
}

static double run_redis(redisContext *c, enum peer_op op, size_t ops, unsigned depth)
{
    uint64_t t0 = bh_bench_now_ns();

    for (size_t i = 0; i < ops; i += depth) {
        unsigned n = (unsigned)(ops - i < depth ? ops - i : depth);
        for (unsigned j = 0; j < n; j++) {
            const char *k = key_at(i + j);
            if (op == P_GET)
                redisAppendCommand(c, "GET %s", k);
            else if (op == P_SET)
                redisAppendCommand(c, "SET %s %lld", k, (long long)(i + j));
            else
                redisAppendCommand(c, "INCR %s", k);
        }
        for (unsigned j = 0; j < n; j++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK) {
                fprintf(stderr, "bench_peers: redis: %s\n", c->errstr);
                return -1;
            }
            if (!reply_ok(r))
                return -1;
        }
    }
    return ns_since(t0, ops);
}

static const char *unlock_lua =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

static double run_redis_lock(redisContext *c, const char *sha, size_t ops)
{
    char token[64];
    uint64_t t0 = bh_bench_now_ns();

    for (size_t i = 0; i < ops; i++) {
        snprintf(token, sizeof token, "%d:%zu", (int)getpid(), i);
        redisReply *r = redisCommand(c, "SET peerlock %s NX PX 30000", token);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
        r = redisCommand(c, "EVALSHA %s 1 peerlock %s", sha, token);
        if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
            freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
    }
    return ns_since(t0, ops);
}

/* ---- LMDB ---- */

struct lmdb_bench {
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *rtxn; /* reused by reset/renew */
};

static int lmdb_open(struct lmdb_bench *l, const char *dir)
{
    MDB_txn *txn;
    int rc;

    if ((rc = mdb_env_create(&l->env)) || (rc = mdb_env_set_mapsize(l->env, (size_t)1 << 30)) ||
        (rc = mdb_env_open(l->env, dir, MDB_NOSYNC, 0600)) ||
        (rc = mdb_txn_begin(l->env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, NULL, 0, &l->dbi)) || (rc = mdb_txn_commit(txn)) ||
        (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->rtxn))) {
        fprintf(stderr, "bench_peers: lmdb: %s\n", mdb_strerror(rc));
        return -1;
    }
    mdb_txn_reset(l->rtxn);
    return 0;
}

static double run_lmdb(struct lmdb_bench *l, enum peer_op op, size_t ops)
{
    uint64_t acc = 0, t0 = bh_bench_now_ns();
    int rc = 0;

    for (size_t i = 0; i < ops && !rc; i++) {
        const char *k = key_at(i);
        MDB_val key = {strlen(k), (void *)k}, val;
        int64_t v = (int64_t)i;
        if (op == P_GET) {
            if (!(rc = mdb_txn_renew(l->rtxn)) && !(rc = mdb_get(l->rtxn, l->dbi, &key, &val)))
                memcpy(&v, val.mv_data, 8);
            mdb_txn_reset(l->rtxn);
        } else {
            MDB_txn *txn;
            if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn)))
                break;
            if (op == P_INCR) {
                rc = mdb_get(txn, l->dbi, &key, &val);
                if (!rc) {
                    memcpy(&v, val.mv_data, 8);
                    v++;
                }
            }
            MDB_val nv = {8, &v};
            if (!rc)
                rc = mdb_put(txn, l->dbi, &key, &nv, 0);
            if (rc)
                mdb_txn_abort(txn);
            else
                rc = mdb_txn_commit(txn);
        }
        acc += (uint64_t)v;
    }
    bh_bench_sink(acc);
    if (rc) {
        fprintf(stderr, "bench_peers: lmdb %s: %s\n", pop_names[op], mdb_strerror(rc));
        return -1;
    }
    return ns_since(t0, ops);
}

/* ---- Python's Manager ---- */

/* Runs the manager script and picks "RESULT bench=manager op=X ns=Y" lines. */
static int run_manager(const char *cmd, double ns[P_NOPS + 1])
{
    char line[512], full[1024], op[32];
    double v;
    FILE *f;
    int got = 0;

    snprintf(full, sizeof full, "%s%s", cmd, quick ? " --quick" : "");
    if (!(f = popen(full, "r"))) {
        perror("bench_peers: popen");
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "RESULT bench=manager op=%31s ns=%lf", op, &v) != 2)
            continue;
        for (int i = 0; i < P_NOPS; i++)
            if (!strcmp(op, pop_names[i])) {
                ns[i] = v;
                got++;
            }
        if (!strcmp(op, "lock")) {
            ns[P_NOPS] = v;
            got++;
        }
    }
    int st = pclose(f);
    if (st != 0 || got != P_NOPS + 1) {
        fprintf(stderr, "bench_peers: manager script failed (status %d, %d figures)\n", st, got);
        return -1;
    }
    return 0;
}

/* Median of `runs` calls of an expression yielding ns/op (negative: failure). */
#define MEDIAN_OF(dst, expr)                                                   \
    do {                                                                       \
        double s_[16];                                                         \
        for (int k_ = 0; k_ < runs; k_++)                                      \
            if ((s_[k_] = (expr)) < 0) {                                       \
                fprintf(stderr, "bench_peers: %s failed\n", #expr);            \
                return 1;                                                      \
            }                                                                  \
        (dst) = bh_bench_median(s_, (size_t)runs);                             \
    } while (0)

int main(int argc, char **argv)
{
    const char *port_s = bh_bench_opt(argc, argv, "--redis-port");
    const char *manager = bh_bench_opt(argc, argv, "--manager");
    const char *tmp = getenv("TMPDIR");
    double bh[P_NOPS], tab[P_NOPS], rd1[P_NOPS], rd16[P_NOPS], lm[P_NOPS], mg[P_NOPS + 1];
    double bh_lock, rd_lock = 0;
    int have_redis = 0, have_manager = 0;
    char what[128];
    bh_store *st;
    bh_shared *m;
    int rc;

    quick = bh_bench_flag(argc, argv, "--quick");
    runs = quick ? 1 : 5;
    nkeys = quick ? 1000 : 10000;
    if (!port_s)
        port_s = getenv("BH_REDIS_PORT");
    size_t n_fast = quick ? 20000 : 1000000, n_redis = quick ? 500 : 20000,
           n_pipe = quick ? 1600 : 160000, n_lmdb_r = quick ? 2000 : 200000,
           n_lmdb_w = quick ? 2000 : 100000, n_lock = quick ? 2000 : 100000,
           n_rlock = quick ? 200 : 10000;

    keys = bh_bench_keys(nkeys);
    perm = bh_bench_perm(nkeys, 99);
    printf("INFO bench=peers keys=%zu runs=%d\n", nkeys, runs);

    /* bothive and the table. */
    if ((rc = bh_store_open(&st, "mem:", NULL)) != BH_OK || (rc = bh_shared_open(st, "peers", &m))) {
        fprintf(stderr, "bench_peers: %s\n", bh_strerror(rc));
        return 1;
    }
    struct bh_table *t = bh_table_new(nkeys, 8);
    for (size_t i = 0; i < nkeys; i++) {
        bh_shared_set_int(m, keys[i], (int64_t)i);
        bh_table_set_int(t, keys[i], (int64_t)i);
    }
    for (int op = 0; op < P_NOPS; op++) {
        MEDIAN_OF(bh[op], run_bothive(m, (enum peer_op)op, n_fast));
        MEDIAN_OF(tab[op], run_table(t, (enum peer_op)op, n_fast));
    }
    MEDIAN_OF(bh_lock, run_bh_lock(m, n_lock));

    /* Redis. */
    if (port_s) {
        redisContext *c = redisConnect("127.0.0.1", atoi(port_s));
        for (int tries = 0; tries < 50 && (!c || c->err); tries++) {
            redisFree(c);
            usleep(100000); /* the server may still be starting */
            c = redisConnect("127.0.0.1", atoi(port_s));
        }
        if (!c || c->err) {
            fprintf(stderr, "bench_peers: cannot connect to redis on port %s\n", port_s);
            return 1;
        }
        if (!reply_ok(redisCommand(c, "FLUSHALL"))) {
            fprintf(stderr, "bench_peers: redis FLUSHALL: %s\n", c->errstr);
            return 1;
        }
        for (size_t i = 0; i < nkeys; i++)
            redisAppendCommand(c, "SET %s %lld", keys[i], (long long)i);
        for (size_t i = 0; i < nkeys; i++) {
            redisReply *r = NULL;
            if (redisGetReply(c, (void **)&r) != REDIS_OK || !reply_ok(r)) {
                fprintf(stderr, "bench_peers: redis preload: %s\n", c->errstr);
                return 1;
            }
        }
        for (int op = 0; op < P_NOPS; op++) {
            MEDIAN_OF(rd1[op], run_redis(c, (enum peer_op)op, n_redis, 1));
            MEDIAN_OF(rd16[op], run_redis(c, (enum peer_op)op, n_pipe, 16));
        }
        redisReply *r = redisCommand(c, "SCRIPT LOAD %s", unlock_lua);
        if (!r || r->type != REDIS_REPLY_STRING) {
            fprintf(stderr, "bench_peers: SCRIPT LOAD failed\n");
            return 1;
        }
        char sha[64];
        snprintf(sha, sizeof sha, "%s", r->str);
        freeReplyObject(r);
        MEDIAN_OF(rd_lock, run_redis_lock(c, sha, n_rlock));
        redisFree(c);
        have_redis = 1;
    }

    /* LMDB. */
    {
        char dir[512];
        struct lmdb_bench l;
        snprintf(dir, sizeof dir, "%s/bothive-lmdb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(dir) || lmdb_open(&l, dir) != 0)
            return 1;
        MDB_txn *txn;
        mdb_txn_begin(l.env, NULL, 0, &txn);
        for (size_t i = 0; i < nkeys; i++) {
            int64_t v = (int64_t)i;
            MDB_val key = {strlen(keys[i]), keys[i]}, val = {8, &v};
            mdb_put(txn, l.dbi, &key, &val, 0);
        }
        mdb_txn_commit(txn);
        MEDIAN_OF(lm[P_GET], run_lmdb(&l, P_GET, n_lmdb_r));
        MEDIAN_OF(lm[P_SET], run_lmdb(&l, P_SET, n_lmdb_w));
        MEDIAN_OF(lm[P_INCR], run_lmdb(&l, P_INCR, n_lmdb_w));
        mdb_txn_abort(l.rtxn);
        mdb_env_close(l.env);
        char path[600];
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", dir);
        unlink(path);
        rmdir(dir);
    }

    if (manager) {
        if (run_manager(manager, mg) != 0)
            return 1;
        have_manager = 1;
    }

    /* Report: one row per peer and operation, with bothive's speedup. */
    for (int op = 0; op < P_NOPS; op++) {
        printf("RESULT bench=peers op=%s peer=table peer_ns=%.1f bothive_ns=%.1f speedup=%.3g\n",
               pop_names[op], tab[op], bh[op], tab[op] / bh[op]);
        if (have_redis) {
            printf("RESULT bench=peers op=%s peer=redis peer_ns=%.1f bothive_ns=%.1f speedup=%.3g\n",
                   pop_names[op], rd1[op], bh[op], rd1[op] / bh[op]);
            printf("RESULT bench=peers op=%s peer=redis_pipe16 peer_ns=%.1f bothive_ns=%.1f "
                   "speedup=%.3g\n", pop_names[op], rd16[op], bh[op], rd16[op] / bh[op]);
        }
        printf("RESULT bench=peers op=%s peer=lmdb peer_ns=%.1f bothive_ns=%.1f speedup=%.3g\n",
               pop_names[op], lm[op], bh[op], lm[op] / bh[op]);
        if (have_manager)
            printf("RESULT bench=peers op=%s peer=py_manager peer_ns=%.1f bothive_ns=%.1f "
                   "speedup=%.3g\n", pop_names[op], mg[op], bh[op], mg[op] / bh[op]);
    }
    if (have_redis)
        printf("RESULT bench=peers op=lock peer=redis_setnx_lua peer_ns=%.1f bothive_ns=%.1f "
               "speedup=%.3g\n", rd_lock, bh_lock, rd_lock / bh_lock);
    if (have_manager)
        printf("RESULT bench=peers op=lock peer=py_manager peer_ns=%.1f bothive_ns=%.1f "
               "speedup=%.3g\n", mg[P_NOPS], bh_lock, mg[P_NOPS] / bh_lock);
    for (int op = 0; op < P_NOPS; op++) {
        if (have_redis) {
            snprintf(what, sizeof what, "%s_speedup_vs_redis_one_at_a_time", pop_names[op]);
            bh_bench_target_min(what, rd1[op] / bh[op], 100);
        }
        if (have_manager) {
            snprintf(what, sizeof what, "%s_speedup_vs_py_manager_dict", pop_names[op]);
            bh_bench_target_min(what, mg[op] / bh[op], 500);
        }
        snprintf(what, sizeof what, "%s_bothive_vs_table_%zu_keys", pop_names[op], nkeys);
        bh_bench_target(what, bh[op] / tab[op], 2.0);
    }
    bh_table_free(t);
    bh_shared_close(m);
    bh_store_close(st);
    free(perm);
    bh_bench_keys_free(keys);
    return 0;
}
