/*
 * The redis:// backend against raw hiredis sending the same commands to
 * the same server: what bothive's client adds to a round trip (argument
 * building, reply checking, decoding). Redis's own work is the same on
 * both sides, because the commands are: bothive runs once under MONITOR,
 * and the exact command it sent for each operation is replayed raw.
 *
 * Usage: bench_redis [--quick] --redis-port P (skipped without a port)
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "util.h"

#define MAX_ARGS 32
#define KEY "bench-key"

enum op { OP_GET, OP_SET, OP_INCR, NOPS };
static const char *op_names[NOPS] = {"get", "set", "incr"};

/* One command as MONITOR showed it: its arguments, unescaped. */
struct cmd {
    int argc;
    char *argv[MAX_ARGS];
    size_t len[MAX_ARGS];
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Unescapes one quoted MONITOR argument starting after its opening quote;
 * returns the position after its closing quote, or NULL. */
static const char *arg_parse(const char *p, char *out, size_t *len)
{
    size_t n = 0;

    for (; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
            c = *++p;
            if (c == 'x' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
                c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
                p += 2;
            } else if (c == 'n') {
                c = '\n';
            } else if (c == 'r') {
                c = '\r';
            } else if (c == 't') {
                c = '\t';
            }
        }
        out[n++] = c;
    }
    out[n] = 0;
    *len = n;
    return *p == '"' ? p + 1 : NULL;
}

/* Parses a MONITOR line: `TIME [DB ADDR] "ARG" "ARG" ...`. */
static int cmd_parse(const char *line, struct cmd *c)
{
    const char *p = strchr(line, ']');

    c->argc = 0;
    if (!p)
        return -1;
    while ((p = strchr(p, '"')) && c->argc < MAX_ARGS) {
        char *buf = malloc(strlen(p) + 1);
        if (!buf || !(p = arg_parse(p + 1, buf, &c->len[c->argc]))) {
            free(buf);
            return -1;
        }
        c->argv[c->argc++] = buf;
    }
    return c->argc > 0 ? 0 : -1;
}

static void cmd_free(struct cmd *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    c->argc = 0;
}

static int do_op(bh_shared *m, enum op op, int64_t i)
{
    int64_t v;

    if (op == OP_GET)
        return bh_shared_get_int(m, KEY, &v);
    if (op == OP_SET)
        return bh_shared_set_int(m, KEY, i);
    return bh_shared_incr(m, KEY, 1, &v);
}

/* Reads MONITOR replies until the data command of op shows up (a GET is an
 * HMGET; a SET or an INCR an EVALSHA naming KEY's hash). */
static int capture(redisContext *mon, struct cmd *c)
{
    redisReply *r;

    while (redisGetReply(mon, (void **)&r) == REDIS_OK && r) {
        int ok = r->type == REDIS_REPLY_STATUS && cmd_parse(r->str, c) == 0 &&
                 (!strcasecmp(c->argv[0], "HMGET") || !strcasecmp(c->argv[0], "EVALSHA"));
        freeReplyObject(r);
        if (ok)
            return 0;
        cmd_free(c);
    }
    return -1;
}

static double run_bothive(bh_shared *m, enum op op, size_t n)
{
    uint64_t t0 = bh_bench_now_ns();

    for (size_t i = 0; i < n; i++)
        if (do_op(m, op, (int64_t)i) != BH_OK)
            return -1;
    return (double)(bh_bench_now_ns() - t0) / (double)n;
}

static double run_raw(redisContext *c, const struct cmd *cmd, size_t n)
{
    uint64_t t0 = bh_bench_now_ns();

    for (size_t i = 0; i < n; i++) {
        redisReply *r = redisCommandArgv(c, cmd->argc, (const char **)cmd->argv, cmd->len);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "bench_redis: raw %s: %s\n", cmd->argv[0], r ? r->str : c->errstr);
            freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
    }
    return (double)(bh_bench_now_ns() - t0) / (double)n;
}

/* Runs both sides of op, alternated so that noise hits them alike;
 * prints the row and the target. */
static int bench_op(bh_shared *m, redisContext *raw, enum op op, const struct cmd *cmd, size_t n,
                    int runs)
{
    double ratio[16], bns[16], rns[16];
    char what[64];

    for (int k = 0; k < runs; k++) {
        if ((bns[k] = run_bothive(m, op, n)) < 0 || (rns[k] = run_raw(raw, cmd, n)) < 0)
            return -1;
        ratio[k] = bns[k] / rns[k];
    }
    struct bh_bench_stat s = bh_bench_stat_of(ratio, (size_t)runs);
    printf("RESULT bench=redis op=%s command=%s hiredis_ns=%.0f bothive_ns=%.0f ratio=%.3f "
           "spread=%.0f%%\n",
           op_names[op], cmd->argv[0], bh_bench_median(rns, (size_t)runs),
           bh_bench_median(bns, (size_t)runs), s.median, 100 * s.spread);
    snprintf(what, sizeof what, "redis_%s_vs_raw_hiredis", op_names[op]);
    bh_bench_target_stat(what, s, 1.3);
    return 0;
}

/* Each op once under MONITOR, for the command it sends. MONITOR is closed
 * before anything is timed: it slows the server down for every client. */
static int capture_all(bh_shared *m, const char *port, struct cmd cmds[NOPS])
{
    redisContext *mon = redisConnect("127.0.0.1", atoi(port));
    int rc = 0;

    if (!mon || mon->err)
        rc = -1;
    else
        freeReplyObject(redisCommand(mon, "MONITOR"));
    for (int op = 0; op < NOPS && rc == 0; op++)
        if (do_op(m, (enum op)op, 1) != BH_OK || capture(mon, &cmds[op]) != 0) {
            fprintf(stderr, "bench_redis: %s: command not captured\n", op_names[op]);
            rc = -1;
        }
    redisFree(mon);
    return rc;
}

int main(int argc, char **argv)
{
    const char *port_s = bh_bench_opt(argc, argv, "--redis-port");
    int quick = bh_bench_flag(argc, argv, "--quick"), runs = quick ? 1 : 5, rc = 0;
    size_t n = quick ? 200 : 20000;
    char url[128];
    bh_store *st;
    bh_shared *m;

    if (!port_s) {
        printf("RESULT bench=redis op=none command=none hiredis_ns=0 bothive_ns=0 ratio=0 "
               "spread=-\n");
        fprintf(stderr, "bench_redis: no --redis-port: skipped\n");
        return 0;
    }
    redisContext *raw = redisConnect("127.0.0.1", atoi(port_s));
    struct cmd cmds[NOPS] = {{0}};
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", port_s);
    if (!raw || raw->err || (rc = bh_store_open(&st, url, NULL)) != BH_OK ||
        (rc = bh_shared_open(st, "bench-redis", &m)) != BH_OK) {
        fprintf(stderr, "bench_redis: cannot connect to %s: %s\n", url, bh_strerror(rc));
        return 1;
    }
    printf("INFO bench=redis ops_per_run=%zu runs=%d\n", n, runs);
    /* Seeded first, so that the captured SET replaces an int. */
    if (bh_shared_set_int(m, KEY, 0) != BH_OK || capture_all(m, port_s, cmds) != 0)
        rc = -1;
    for (int op = 0; op < NOPS && rc == 0; op++)
        rc = bench_op(m, raw, (enum op)op, &cmds[op], n, runs);
    for (int op = 0; op < NOPS; op++)
        cmd_free(&cmds[op]);
    redisFree(raw);
    bh_shared_close(m);
    bh_store_close(st);
    return rc ? 1 : 0;
}
