/*
 * bench_lock: bothive's named locks against the bare primitive under them.
 *
 *  - uncontended: bh_lock_acquire + bh_lock_release of one name, against
 *    pthread_mutex_lock + unlock of a robust process-shared mutex (the limit:
 *    a named lock must at least take such a mutex);
 *  - hand-off: two processes take turns. Each loops { acquire; if it is my
 *    turn, pass the turn; release } until it has had its turn R times, so
 *    the time per round is two hand-offs (A releases, B acquires, B
 *    releases, A acquires). A fair lock hands the lock straight to the
 *    waiter; an unfair one lets the releaser barge back in, and those wasted
 *    acquisitions are counted.
 *  - the cost of one getpid() system call, which the lock path makes
 *    several times per acquire/release.
 *
 * Usage: bench_lock [--quick] [--handoff-only]
 *
 * --handoff-only runs bothive's hand-off alone, 20000 rounds, and prints its
 * figures only: for perf stat (context switches, futex calls per round).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bothive/store.h"

#include "util.h"

#define LOCK_NAME "bench"

struct lock_shared {
    pthread_mutex_t mutex; /* the bare robust process-shared mutex */
    _Atomic unsigned turn;
    _Atomic uint64_t wasted;
    _Atomic uint64_t vcsw, ivcsw; /* context switches of both sides */
};

static struct lock_shared *shm;
static bh_shared *mem;
static size_t iters;

static void mutex_init_robust(pthread_mutex_t *m)
{
    pthread_mutexattr_t a;

    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}

static int bare_lock(void)
{
    int rc = pthread_mutex_lock(&shm->mutex);
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&shm->mutex);
        rc = 0;
    }
    return rc;
}

static double uncontended_bare(unsigned p, unsigned n, void *arg)
{
    (void)p, (void)n, (void)arg;
    uint64_t t0 = bh_bench_go();
    for (size_t i = 0; i < iters; i++) {
        if (bare_lock() != 0)
            return -1;
        pthread_mutex_unlock(&shm->mutex);
    }
    return (double)(bh_bench_now_ns() - t0) / (double)iters;
}

static double uncontended_bh(unsigned p, unsigned n, void *arg)
{
    (void)p, (void)n, (void)arg;
    uint64_t t0 = bh_bench_go();
    for (size_t i = 0; i < iters; i++) {
        if (bh_lock_acquire(mem, LOCK_NAME, -1) != BH_OK ||
            bh_lock_release(mem, LOCK_NAME) != BH_OK)
            return -1;
    }
    return (double)(bh_bench_now_ns() - t0) / (double)iters;
}

/* One side of the ping-pong; returns ns per round (two hand-offs). */
static double pingpong(unsigned me, unsigned n, void *arg)
{
    int use_bh = *(int *)arg;
    size_t turns = 0;
    uint64_t wasted = 0;

    struct rusage ru0, ru1;

    (void)n;
    getrusage(RUSAGE_SELF, &ru0);
    uint64_t t0 = bh_bench_go();
    while (turns < iters) {
        if (use_bh) {
            int rc = bh_lock_acquire(mem, LOCK_NAME, -1);
            if (rc != BH_OK)
                return -1;
        } else if (bare_lock() != 0) {
            return -1;
        }
        if (atomic_load(&shm->turn) == me) {
            atomic_store(&shm->turn, 1 - me);
            turns++;
        } else {
            wasted++;
        }
        if (use_bh) {
            if (bh_lock_release(mem, LOCK_NAME) != BH_OK)
                return -1;
        } else {
            pthread_mutex_unlock(&shm->mutex);
        }
    }
    double ns = (double)(bh_bench_now_ns() - t0) / (double)iters;
    getrusage(RUSAGE_SELF, &ru1);
    atomic_fetch_add(&shm->wasted, wasted);
    /* voluntary: sleeps in futexes; involuntary: preemption (other load) */
    atomic_fetch_add(&shm->vcsw, (uint64_t)(ru1.ru_nvcsw - ru0.ru_nvcsw));
    atomic_fetch_add(&shm->ivcsw, (uint64_t)(ru1.ru_nivcsw - ru0.ru_nivcsw));
    return ns;
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick");
    int runs = quick ? 1 : 5;
    size_t n_unc = quick ? 20000 : 2000000, n_pp = quick ? 100 : 500;
    double bare[16], bh[16], ppb[16], pph[16], per[2];
    double wasted_bare = 0, wasted_bh = 0, csw[2][2] = {{0}};
    bh_store *st;
    int rc;

    shm = bh_bench_shmem(sizeof *shm);
    mutex_init_robust(&shm->mutex);
    if ((rc = bh_store_open(&st, "mem:", NULL)) != BH_OK ||
        (rc = bh_shared_open(st, "locks", &mem)) != BH_OK) {
        fprintf(stderr, "bench_lock: %s\n", bh_strerror(rc));
        return 1;
    }
    if (bh_bench_flag(argc, argv, "--handoff-only")) {
        int use_bh = 1;
        iters = 20000;
        if (bh_bench_fork_run(2, pingpong, &use_bh, per))
            return 1;
        printf("RESULT bench=lock what=handoff_only rounds=%zu ns=%.1f wasted_per_turn=%.2f "
               "voluntary_csw_per_handoff=%.2f\n", iters, per[0] > per[1] ? per[0] : per[1],
               (double)atomic_load(&shm->wasted) / (2.0 * (double)iters),
               (double)atomic_load(&shm->vcsw) / (2.0 * (double)iters));
        return 0;
    }
    printf("INFO bench=lock uncontended_iters=%zu pingpong_rounds=%zu runs=%d\n", n_unc, n_pp,
           runs);
    for (int k = 0; k < runs; k++) {
        iters = n_unc;
        if (bh_bench_fork_run(1, uncontended_bare, NULL, &bare[k]) ||
            bh_bench_fork_run(1, uncontended_bh, NULL, &bh[k]))
            return 1;
        iters = n_pp;
        for (int use_bh = 0; use_bh < 2; use_bh++) {
            atomic_store(&shm->turn, 0);
            atomic_store(&shm->wasted, 0);
            atomic_store(&shm->vcsw, 0);
            atomic_store(&shm->ivcsw, 0);
            if (bh_bench_fork_run(2, pingpong, &use_bh, per))
                return 1;
            /* per hand-off: a round is two */
            csw[use_bh][0] += (double)atomic_load(&shm->vcsw) / (2.0 * (double)n_pp) / runs;
            csw[use_bh][1] += (double)atomic_load(&shm->ivcsw) / (2.0 * (double)n_pp) / runs;
            double round = per[0] > per[1] ? per[0] : per[1];
            double w = (double)atomic_load(&shm->wasted) / (2.0 * (double)n_pp);
            if (use_bh) {
                pph[k] = round;
                wasted_bh += w / runs;
            } else {
                ppb[k] = round;
                wasted_bare += w / runs;
            }
        }
    }
    /* The price of one system call here, for reading the lock figures:
     * getpid() is a real system call since glibc 2.25 (no cache). */
    double gp[16];
    for (int k = 0; k < runs; k++) {
        uint64_t t0 = bh_bench_now_ns();
        for (size_t i = 0; i < n_unc / 10; i++)
            bh_bench_sink((uint64_t)getpid());
        gp[k] = (double)(bh_bench_now_ns() - t0) / (double)(n_unc / 10);
    }
    printf("RESULT bench=syscall what=getpid ns=%.1f\n", bh_bench_median(gp, runs));
    /* Each run's ratio within the run, so that noise hits both sides. */
    double ru[16], rp[16];
    for (int k = 0; k < runs; k++) {
        ru[k] = bh[k] / bare[k];
        rp[k] = pph[k] / ppb[k];
    }
    struct bh_bench_stat su = bh_bench_stat_of(ru, (size_t)runs),
                         sp = bh_bench_stat_of(rp, (size_t)runs);
    double mb = bh_bench_median(bare, runs), mh = bh_bench_median(bh, runs);
    double pb = bh_bench_median(ppb, runs), ph = bh_bench_median(pph, runs);
    printf("RESULT bench=lock what=uncontended_acquire_release limit=robust_pshared_mutex "
           "limit_ns=%.1f bothive_ns=%.1f ratio=%.2f\n", mb, mh, su.median);
    printf("RESULT bench=lock what=handoff_round_trip limit=robust_pshared_mutex "
           "limit_ns=%.1f bothive_ns=%.1f ratio=%.2f\n", pb, ph, sp.median);
    printf("RESULT bench=lockwaste what=wasted_acquisitions_per_turn bare_mutex=%.2f "
           "bothive=%.2f\n", wasted_bare, wasted_bh);
    printf("RESULT bench=lockcsw what=context_switches_per_handoff bare_voluntary=%.2f "
           "bare_involuntary=%.2f bothive_voluntary=%.2f bothive_involuntary=%.2f\n",
           csw[0][0], csw[0][1], csw[1][0], csw[1][1]);
    bh_bench_target_stat("lock_uncontended_vs_bare_mutex", su, 3.0);
    bh_bench_target_stat("lock_handoff_vs_bare_mutex", sp, 2.0);
    bh_shared_close(mem);
    bh_store_close(st);
    return 0;
}
