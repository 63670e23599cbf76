/*
 * Benchmark helpers (see util.h).
 */
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t bh_bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bh_bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct bh_bench_stat bh_bench_stat_of(double *v, size_t n)
{
    struct bh_bench_stat s = {bh_bench_median(v, n), -1};

    /* Sorted by the median. The quartiles drop the best and the worst run
     * of five, so one preempted run does not make a figure noisy. */
    if (n >= 3 && s.median > 0)
        s.spread = (v[(3 * n) / 4] - v[n / 4]) / s.median;
    return s;
}

char **bh_bench_keys(size_t n)
{
    char **keys = malloc(n * sizeof *keys);
    char *block = malloc(n * (BH_BENCH_KEYLEN + 8));

    if (!keys || !block) {
        fprintf(stderr, "bench: out of memory for %zu keys\n", n);
        exit(2);
    }
    /* 16 bytes apart so keys never share a cache line split oddly. */
    for (size_t i = 0; i < n; i++) {
        keys[i] = block + i * (BH_BENCH_KEYLEN + 8);
        snprintf(keys[i], BH_BENCH_KEYLEN + 8, "k%07u", (unsigned)(i % 10000000));
    }
    return keys;
}

void bh_bench_keys_free(char **keys)
{
    if (!keys)
        return;
    free(keys[0]);
    free(keys);
}

uint64_t bh_bench_rand(uint64_t *state)
{
    /* splitmix64: good enough for shuffles, and repeatable. */
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint32_t *bh_bench_perm(size_t n, uint64_t seed)
{
    uint32_t *p = malloc(n * sizeof *p);

    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = bh_bench_rand(&seed) % i;
        uint32_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

void *bh_bench_shmem(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        perror("bench: mmap");
        exit(2);
    }
    return p;
}

void bh_bench_shfree(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

/* The barrier of the current run; NULL when one process runs alone. */
struct bench_barrier {
    _Atomic unsigned arrived;
    unsigned n;
};
static struct bench_barrier *cur_barrier;

uint64_t bh_bench_go(void)
{
    if (cur_barrier) {
        /* Spin: a sleeping barrier would add a wake-up to the first ops. */
        atomic_fetch_add(&cur_barrier->arrived, 1);
        while (atomic_load(&cur_barrier->arrived) < cur_barrier->n)
            ;
    }
    return bh_bench_now_ns();
}

int bh_bench_fork_run(unsigned nprocs, bh_bench_fn fn, void *arg, double *out)
{
    if (nprocs == 1) {
        out[0] = fn(0, 1, arg);
        return out[0] < 0 ? -1 : 0;
    }
    size_t shsize = 4096;
    char *sh = bh_bench_shmem(shsize);
    struct bench_barrier *b = (struct bench_barrier *)sh;
    double *res = (double *)(sh + 64);
    pid_t pids[16];
    int failed = 0;

    b->n = nprocs;
    atomic_store(&b->arrived, 0);
    fflush(stdout);
    for (unsigned i = 0; i < nprocs && i < 16; i++) {
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("bench: fork");
            exit(2);
        }
        if (pids[i] == 0) {
            cur_barrier = b;
            res[i] = fn(i, nprocs, arg);
            _exit(res[i] < 0 ? 1 : 0);
        }
    }
    for (unsigned i = 0; i < nprocs && i < 16; i++) {
        int st;
        if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed = 1;
        out[i] = res[i];
    }
    bh_bench_shfree(sh, shsize);
    return failed ? -1 : 0;
}

int bh_bench_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0)
            return 1;
    return 0;
}

const char *bh_bench_opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

static volatile uint64_t sink;

void bh_bench_sink(uint64_t v)
{
    sink += v;
}

/*
 * Prints one TARGET line. A figure whose spread is over BH_BENCH_NOISY is
 * NOISY, not PASS or MISSED: on a machine that noisy the side of the limit
 * it fell on is chance. spread < 0: a single figure, printed as "-".
 */
static int target_print(const char *what, double value, int at_most, double limit,
                        double spread)
{
    int ok = at_most ? value <= limit : value >= limit;
    const char *status = spread > BH_BENCH_NOISY ? "NOISY" : ok ? "PASS" : "MISSED";
    char sp[32] = "-";

    if (spread >= 0)
        snprintf(sp, sizeof sp, "%.0f%%", spread * 100);
    printf("TARGET what=%s value=%.3g limit=%s%.3g spread=%s status=%s\n", what, value,
           at_most ? "<=" : ">=", limit, sp, status);
    fflush(stdout);
    return ok;
}

int bh_bench_target(const char *what, double value, double limit)
{
    return target_print(what, value, 1, limit, -1);
}

int bh_bench_target_stat(const char *what, struct bh_bench_stat s, double limit)
{
    return target_print(what, s.median, 1, limit, s.spread);
}

int bh_bench_target_stat_min(const char *what, struct bh_bench_stat s, double limit)
{
    return target_print(what, s.median, 0, limit, s.spread);
}

const char *bh_bench_count_name(size_t n, char *buf, size_t len)
{
    if (n >= 1000000 && n % 1000000 == 0)
        snprintf(buf, len, "%zuM", n / 1000000);
    else if (n >= 1000 && n % 1000 == 0)
        snprintf(buf, len, "%zuK", n / 1000);
    else
        snprintf(buf, len, "%zu", n);
    return buf;
}

int bh_bench_target_min(const char *what, double value, double limit)
{
    return target_print(what, value, 0, limit, -1);
}

size_t bh_bench_discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}
