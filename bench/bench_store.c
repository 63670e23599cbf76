/*
 * bench_store: get, set and incr of small values in a bothive store (mem:
 * and file:), with 1 and 2 processes, at several key counts, against the
 * plain hash table of table.c doing the same work in the same run.
 *
 * Each figure is the median of several runs; each run walks the keys in a
 * precomputed random order (a sequential walk would be a best case for the
 * caches). With 2 processes each does half of the operations, either on its
 * own half of the keys or on all keys (shared), and the figure is ns per
 * operation per process. Also: bytes of store per entry beyond key and
 * value, and ns per get/set as the value grows from 8 B to 64 KiB.
 *
 * Usage: bench_store [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/store.h"

#include "table.h"
#include "util.h"

enum bench_op { OP_SET_INT, OP_GET_INT, OP_INCR, OP_SET_STR, OP_GET_STR, OP_SET_BYTES,
                OP_GET_BYTES, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"set_int", "get_int", "incr", "set_str",
                                                 "get_str", "set_bytes", "get_bytes"};

#define STR_LEN 100
#define NBACKENDS 3 /* table, mem, file */
static const char *const backend_names[NBACKENDS] = {"table", "mem", "file"};

/* One timed run: which structure, which operation, over which keys. */
struct run {
    int backend; /* 0 table, else the store of that index */
    enum bench_op op;
    int shared_keys;
    size_t nkeys, nops;
    char **keys;
    const uint32_t *perm;
    struct bh_table *table;
    bh_shared *mem;
    const char *value; /* for set_str / set_bytes */
    size_t vlen;
};

static double run_ops(unsigned p, unsigned nprocs, void *arg)
{
    struct run *r = arg;
    size_t n = r->nkeys, ops = r->nops / nprocs;
    const char **seq = malloc(ops * sizeof *seq);
    uint64_t acc = 0, errors = 0;

    if (!seq)
        return -1;
    for (size_t i = 0; i < ops; i++) {
        size_t j = r->shared_keys ? (i + p * (n / 2)) % n : (i * nprocs + p) % n;
        seq[i] = r->keys[r->perm[j]];
    }
    uint64_t t0 = bh_bench_go();
    if (r->backend == 0) {
        struct bh_table *t = r->table;
        int64_t v;
        void *buf;
        size_t len;
        switch (r->op) {
        case OP_SET_INT:
            for (size_t i = 0; i < ops; i++)
                errors += bh_table_set_int(t, seq[i], (int64_t)i) != 0;
            break;
        case OP_GET_INT:
            for (size_t i = 0; i < ops; i++) {
                errors += bh_table_get_int(t, seq[i], &v) != 0;
                acc += (uint64_t)v;
            }
            break;
        case OP_INCR:
            for (size_t i = 0; i < ops; i++) {
                errors += bh_table_incr(t, seq[i], 1, &v) != 0;
                acc += (uint64_t)v;
            }
            break;
        case OP_SET_STR:
        case OP_SET_BYTES:
            for (size_t i = 0; i < ops; i++)
                errors += bh_table_set(t, seq[i], r->value, r->vlen) != 0;
            break;
        case OP_GET_STR:
        case OP_GET_BYTES:
            for (size_t i = 0; i < ops; i++) {
                if (bh_table_get_copy(t, seq[i], &buf, &len) != 0 || len != r->vlen) {
                    errors++;
                    continue;
                }
                acc += ((unsigned char *)buf)[0];
                free(buf);
            }
            break;
        default: break;
        }
    } else {
        bh_shared *m = r->mem;
        int64_t v = 0;
        char *s;
        void *buf;
        size_t len;
        switch (r->op) {
        case OP_SET_INT:
            for (size_t i = 0; i < ops; i++)
                errors += bh_shared_set_int(m, seq[i], (int64_t)i) != BH_OK;
            break;
        case OP_GET_INT:
            for (size_t i = 0; i < ops; i++) {
                errors += bh_shared_get_int(m, seq[i], &v) != BH_OK;
                acc += (uint64_t)v;
            }
            break;
        case OP_INCR:
            for (size_t i = 0; i < ops; i++) {
                errors += bh_shared_incr(m, seq[i], 1, &v) != BH_OK;
                acc += (uint64_t)v;
            }
            break;
        case OP_SET_STR:
            for (size_t i = 0; i < ops; i++)
                errors += bh_shared_set_str(m, seq[i], r->value) != BH_OK;
            break;
        case OP_GET_STR:
            for (size_t i = 0; i < ops; i++) {
                if (bh_shared_get_str(m, seq[i], &s) != BH_OK || strlen(s) != r->vlen) {
                    errors++;
                    continue;
                }
                acc += (unsigned char)s[0];
                free(s);
            }
            break;
        case OP_SET_BYTES:
            for (size_t i = 0; i < ops; i++)
                errors += bh_shared_set_bytes(m, seq[i], r->value, r->vlen) != BH_OK;
            break;
        case OP_GET_BYTES:
            for (size_t i = 0; i < ops; i++) {
                if (bh_shared_get_bytes(m, seq[i], &buf, &len) != BH_OK || len != r->vlen) {
                    errors++;
                    continue;
                }
                acc += ((unsigned char *)buf)[0];
                free(buf);
            }
            break;
        default: break;
        }
    }
    uint64_t t1 = bh_bench_now_ns();
    bh_bench_sink(acc);
    free(seq);
    if (errors) {
        fprintf(stderr, "bench_store: %s on %s: %llu errors\n", op_names[r->op],
                backend_names[r->backend], (unsigned long long)errors);
        return -1;
    }
    return (double)(t1 - t0) / (double)ops;
}

/* What one measurement gives: per backend, the median ns/op, and the
 * ratio to the table with its spread (each run's ratio is taken within the
 * run, so that noise hitting a run hits both sides of its ratio alike). */
struct figure {
    double ns[NBACKENDS];
    struct bh_bench_stat ratio[NBACKENDS];
};

/* Median over runs of the mean ns/op per process; all backends of one run
 * are measured back to back so that noise hits them alike. */
static int measure(struct run *base, struct bh_table *table, bh_shared **mems, unsigned nprocs,
                   int runs, struct figure *f)
{
    double samples[NBACKENDS][16], ratios[16];

    for (int k = 0; k < runs; k++) {
        for (int b = 0; b < NBACKENDS; b++) {
            struct run r = *base;
            double per[16];
            r.backend = b;
            r.table = table;
            r.mem = b ? mems[b] : NULL;
            if (bh_bench_fork_run(nprocs, run_ops, &r, per) != 0)
                return -1;
            double sum = 0;
            for (unsigned p = 0; p < nprocs; p++)
                sum += per[p];
            samples[b][k] = sum / nprocs;
        }
    }
    for (int b = NBACKENDS - 1; b >= 0; b--) {
        for (int k = 0; k < runs; k++)
            ratios[k] = samples[b][k] / samples[0][k];
        f->ratio[b] = bh_bench_stat_of(ratios, (size_t)runs);
        f->ns[b] = bh_bench_median(samples[b], (size_t)runs);
    }
    return 0;
}

static int64_t sum_ints(bh_shared *m, char **keys, size_t n)
{
    int64_t sum = 0, v;

    for (size_t i = 0; i < n; i++)
        if (bh_shared_get_int(m, keys[i], &v) == BH_OK)
            sum += v;
    return sum;
}

static size_t used_bytes(bh_store *st)
{
    struct bh_store_stats s;

    return bh_store_stats(st, &s) == BH_OK ? s.used : 0;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_store: %s: %s\n", what, bh_strerror(rc));
    exit(1);
}

/* ns/op of 1-process runs, by size index, op and backend: for the scaling figures. */
static double single[4][OP_COUNT][NBACKENDS];

/* The ratio targets of one row: <= 2x the table at every size, for one
 * process and for two each on its own keys. */
static void ratio_targets(const char *op, const char *nname, unsigned nprocs,
                          const struct figure *f)
{
    char what[128];

    for (int b = 1; b < NBACKENDS; b++) {
        snprintf(what, sizeof what, "%s_%s_%s%s_vs_table", op, backend_names[b], nname,
                 nprocs > 1 ? "_2procs_own" : "");
        bh_bench_target_stat(what, f->ratio[b], 2.0);
    }
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick");
    size_t sizes_full[] = {1000, 10000, 100000, 1000000}, sizes_quick[] = {1000, 4000};
    size_t *sizes = quick ? sizes_quick : sizes_full;
    size_t nsizes = quick ? 2 : 4;
    size_t nops = quick ? 20000 : 1000000;
    int runs = quick ? 1 : 5;
    const char *tmp = getenv("TMPDIR");
    char path[512], url[600], nbuf[32], what[128];
    bh_store_options opt = {.capacity = (size_t)1 << 30};
    char str[STR_LEN + 1];
    int rc;

    memset(str, 'v', STR_LEN);
    str[STR_LEN] = 0;
    snprintf(path, sizeof path, "%s/bothive-bench-%d.store", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    snprintf(url, sizeof url, "file:%s", path);
    printf("INFO bench=store ops_per_run=%zu runs=%d file=%s\n", nops, runs, path);

    for (size_t si = 0; si < nsizes; si++) {
        size_t n = sizes[si];
        const char *nname = bh_bench_count_name(n, nbuf, sizeof nbuf);
        char **keys = bh_bench_keys(n);
        uint32_t *perm = bh_bench_perm(n, 42 + n);
        bh_store *stores[NBACKENDS] = {NULL};
        bh_shared *mint[NBACKENDS] = {NULL}, *mstr[NBACKENDS] = {NULL};
        struct bh_table *tint = bh_table_new(n, 8), *tstr = bh_table_new(n, STR_LEN);

        unlink(path);
        if ((rc = bh_store_open(&stores[1], "mem:", &opt)) != BH_OK)
            die("open mem:", rc);
        if ((rc = bh_store_open(&stores[2], url, &opt)) != BH_OK)
            die(url, rc);
        for (int b = 1; b < NBACKENDS; b++) {
            if ((rc = bh_shared_open(stores[b], "ints", &mint[b])) != BH_OK ||
                (rc = bh_shared_open(stores[b], "strs", &mstr[b])) != BH_OK)
                die("bh_shared_open", rc);
            /* Load ints, then strings, measuring what each costs per key. */
            size_t u0 = used_bytes(stores[b]);
            for (size_t i = 0; i < n; i++)
                if ((rc = bh_shared_set_int(mint[b], keys[i], (int64_t)i)) != BH_OK)
                    die("preload int", rc);
            size_t u1 = used_bytes(stores[b]);
            for (size_t i = 0; i < n; i++)
                if ((rc = bh_shared_set_str(mstr[b], keys[i], str)) != BH_OK)
                    die("preload str", rc);
            size_t u2 = used_bytes(stores[b]);
            double per_int = (double)(u1 - u0) / (double)n;
            double per_str = (double)(u2 - u1) / (double)n;
            double ov_int = per_int - (BH_BENCH_KEYLEN + 8);
            double ov_str = per_str - (BH_BENCH_KEYLEN + STR_LEN);
            printf("RESULT bench=overhead backend=%s keys=%s value=int64 used_per_key=%.1f "
                   "key_value_bytes=%d overhead=%.1f\n",
                   backend_names[b], nname, per_int, BH_BENCH_KEYLEN + 8, ov_int);
            printf("RESULT bench=overhead backend=%s keys=%s value=str100 used_per_key=%.1f "
                   "key_value_bytes=%d overhead=%.1f\n",
                   backend_names[b], nname, per_str, BH_BENCH_KEYLEN + STR_LEN, ov_str);
            if (b == 1) {
                snprintf(what, sizeof what, "overhead_bytes_per_entry_int64_%s", nname);
                bh_bench_target(what, ov_int, 64);
                snprintf(what, sizeof what, "overhead_bytes_per_entry_str100_%s", nname);
                bh_bench_target(what, ov_str, 64);
            }
        }
        for (size_t i = 0; i < n; i++) {
            bh_table_set_int(tint, keys[i], (int64_t)i);
            bh_table_set(tstr, keys[i], str, STR_LEN);
        }
        fflush(stdout);

        for (int op = OP_SET_INT; op <= OP_GET_STR; op++) {
            int is_str = op == OP_SET_STR || op == OP_GET_STR;
            int64_t before[NBACKENDS] = {0};
            uint64_t incrs = 0;
            if (op == OP_INCR)
                for (int b = 1; b < NBACKENDS; b++)
                    before[b] = sum_ints(mint[b], keys, n);
            for (int mode = 0; mode < 3; mode++) {
                unsigned nprocs = mode == 0 ? 1 : 2;
                struct run base = {.op = (enum bench_op)op, .shared_keys = mode == 2,
                                   .nkeys = n, .nops = nops, .keys = keys, .perm = perm,
                                   .value = str, .vlen = STR_LEN};
                struct figure f;
                if (measure(&base, is_str ? tstr : tint, is_str ? mstr : mint, nprocs, runs,
                            &f) != 0) {
                    fprintf(stderr, "bench_store: a run failed\n");
                    return 1;
                }
                incrs += (uint64_t)runs * (nops / nprocs) * nprocs;
                if (mode == 0)
                    for (int b = 0; b < NBACKENDS; b++)
                        single[si][op][b] = f.ns[b];
                printf("RESULT bench=store keys=%s op=%s procs=%u keyset=%s table_ns=%.1f "
                       "mem_ns=%.1f mem_ratio=%.2f file_ns=%.1f file_ratio=%.2f "
                       "spread=%.0f%% mem_mops_per_proc=%.2f\n",
                       nname, op_names[op], nprocs, mode == 0 ? "-" : mode == 1 ? "own" : "shared",
                       f.ns[0], f.ns[1], f.ratio[1].median, f.ns[2], f.ratio[2].median,
                       100 * (f.ratio[1].spread > f.ratio[2].spread ? f.ratio[1].spread
                                                                     : f.ratio[2].spread),
                       1000.0 / f.ns[1]);
                fflush(stdout);
                if (mode < 2)
                    ratio_targets(op_names[op], nname, nprocs, &f);
            }
            if (op == OP_INCR) {
                /* Every increment of every process must have landed. */
                for (int b = 1; b < NBACKENDS; b++) {
                    int64_t after = sum_ints(mint[b], keys, n);
                    int ok = after - before[b] == (int64_t)incrs;
                    printf("RESULT bench=check what=incr_total backend=%s keys=%s expected=%llu "
                           "got=%lld ok=%d\n",
                           backend_names[b], nname, (unsigned long long)incrs,
                           (long long)(after - before[b]), ok);
                    if (!ok)
                        return 1;
                }
            }
        }
        for (int b = 1; b < NBACKENDS; b++) {
            if ((rc = bh_store_check(stores[b])) != BH_OK)
                die("bh_store_check", rc);
            bh_shared_close(mint[b]);
            bh_shared_close(mstr[b]);
            bh_store_close(stores[b]);
        }
        unlink(path);
        bh_table_free(tint);
        bh_table_free(tstr);
        free(perm);
        bh_bench_keys_free(keys);
    }

    /* Scaling with the key count, largest size against smallest: a figure,
     * not a target. Random access over a million keys misses every cache,
     * the table's too; the limit at each size is the table at that size. */
    for (int op = OP_SET_INT; op <= OP_GET_STR; op++)
        for (int b = 0; b < NBACKENDS; b++) {
            char a[32], z[32];
            snprintf(what, sizeof what, "%s_%s_ns_%s_over_%s", op_names[op], backend_names[b],
                     bh_bench_count_name(sizes[nsizes - 1], z, sizeof z),
                     bh_bench_count_name(sizes[0], a, sizeof a));
            printf("RESULT bench=keyscale what=%s ratio=%.2f\n", what,
                   single[nsizes - 1][op][b] / single[0][op][b]);
        }

    /* Scaling with the value size, at a fixed small key count, mem: only. */
    {
        size_t vsizes_full[] = {8, 64, 512, 4096, 65536}, vsizes_quick[] = {8, 512, 65536};
        size_t *vsizes = quick ? vsizes_quick : vsizes_full;
        size_t nv = quick ? 3 : 5, n = quick ? 100 : 1000;
        char **keys = bh_bench_keys(n);
        uint32_t *perm = bh_bench_perm(n, 7);
        bh_store *st;
        bh_shared *m;
        char *val = malloc(65536);

        memset(val, 'b', 65536);
        if ((rc = bh_store_open(&st, "mem:", &opt)) != BH_OK)
            die("open mem:", rc);
        for (size_t vi = 0; vi < nv; vi++) {
            size_t vs = vsizes[vi];
            /* Bounded bytes copied per run, so 64 KiB values do not take minutes. */
            size_t ops = (quick ? 2000 : 200000) * 64 / (vs < 64 ? 64 : vs);
            if (ops < 200)
                ops = 200;
            char id[32];
            snprintf(id, sizeof id, "bytes%zu", vs);
            if ((rc = bh_shared_open(st, id, &m)) != BH_OK)
                die("bh_shared_open", rc);
            struct bh_table *t = bh_table_new(n, vs);
            for (size_t i = 0; i < n; i++) {
                if ((rc = bh_shared_set_bytes(m, keys[i], val, vs)) != BH_OK)
                    die("preload bytes", rc);
                bh_table_set(t, keys[i], val, vs);
            }
            bh_shared *mems[NBACKENDS] = {NULL, m, m}; /* "file" column unused here */
            for (int op = OP_SET_BYTES; op <= OP_GET_BYTES; op++) {
                struct run base = {.op = (enum bench_op)op, .nkeys = n, .nops = ops,
                                   .keys = keys, .perm = perm, .value = val, .vlen = vs};
                struct figure f;
                if (measure(&base, t, mems, 1, runs, &f) != 0)
                    return 1;
                printf("RESULT bench=vsize keys=%zu bytes=%zu op=%s table_ns=%.1f mem_ns=%.1f "
                       "ratio=%.2f spread=%.0f%%\n",
                       n, vs, op_names[op], f.ns[0], f.ns[1], f.ratio[1].median,
                       100 * f.ratio[1].spread);
                fflush(stdout);
                if (vs <= 512) {
                    snprintf(what, sizeof what, "%s_%zuB_mem_%zu_vs_table", op_names[op], vs, n);
                    bh_bench_target_stat(what, f.ratio[1], 2.0);
                }
            }
            bh_shared_clear(m);
            bh_shared_close(m);
            bh_table_free(t);
        }
        bh_store_close(st);
        free(val);
        free(perm);
        bh_bench_keys_free(keys);
    }
    return 0;
}
