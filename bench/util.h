/*
 * What every benchmark shares: a clock, medians, key names in random order,
 * forked runs that start together, and the line format run.sh reads.
 *
 * Output: "RESULT bench=NAME k=v ..." for each figure and "TARGET what=...
 * value=... limit=... spread=...|- status=PASS|MISSED|NOISY" for each target, one per line,
 * no spaces inside values, so that run.sh can turn them into tables with awk.
 */
#ifndef BH_BENCH_UTIL_H
#define BH_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Key names "k0000000": 8 bytes, fixed width, so every key costs the same. */
#define BH_BENCH_KEYLEN 8

uint64_t bh_bench_now_ns(void);
/* Sorts v[0..n) and returns its median. */
double bh_bench_median(double *v, size_t n);
/* n keys in one malloc'd block; free with free(keys[0]) then free(keys). */
char **bh_bench_keys(size_t n);
void bh_bench_keys_free(char **keys);
/* A random permutation of 0..n-1 (malloc'd), from a fixed seed so runs repeat. */
uint32_t *bh_bench_perm(size_t n, uint64_t seed);
uint64_t bh_bench_rand(uint64_t *state);

/* Anonymous shared mapping: survives fork, seen by every child. */
void *bh_bench_shmem(size_t size);
void bh_bench_shfree(void *p, size_t size);

/*
 * Runs fn in nprocs processes at once and stores each one's result (ns per
 * op) in out[i]. With nprocs == 1 fn runs in the calling process. fn does
 * its setup, then calls bh_bench_go(), which waits until every process is
 * ready and returns the start time, so the timed loops overlap.
 * Returns 0, or -1 if a process failed (fn returned a negative value).
 */
typedef double (*bh_bench_fn)(unsigned proc, unsigned nprocs, void *arg);
int bh_bench_fork_run(unsigned nprocs, bh_bench_fn fn, void *arg, double *out);
uint64_t bh_bench_go(void);

/* Whether argv holds flag (e.g. "--quick"); the value after "--name V" or NULL. */
int bh_bench_flag(int argc, char **argv, const char *flag);
const char *bh_bench_opt(int argc, char **argv, const char *name);

/* A libcurl write callback that drops the body. */
size_t bh_bench_discard(char *p, size_t size, size_t n, void *arg);

/* Keeps a computed value alive so the compiler cannot drop the loop. */
void bh_bench_sink(uint64_t v);

/*
 * A figure measured several times: the median, and the spread (the
 * interquartile range over the median; -1 for fewer than 3 samples).
 * Sorts v.
 */
struct bh_bench_stat {
    double median, spread;
};
struct bh_bench_stat bh_bench_stat_of(double *v, size_t n);

/* A spread above this makes a target NOISY instead of PASS or MISSED. */
#define BH_BENCH_NOISY 0.20

/* Prints "TARGET ..." with PASS if value <= limit, else MISSED; returns 1 if passed. */
int bh_bench_target(const char *what, double value, double limit);

/* The same with PASS if value >= limit (speedups). */
int bh_bench_target_min(const char *what, double value, double limit);

/* The same for a measured figure: NOISY when its spread is over BH_BENCH_NOISY. */
int bh_bench_target_stat(const char *what, struct bh_bench_stat s, double limit);
int bh_bench_target_stat_min(const char *what, struct bh_bench_stat s, double limit);

/* "1K", "100K", "1M" for key counts in names. */
const char *bh_bench_count_name(size_t n, char *buf, size_t len);

#endif
