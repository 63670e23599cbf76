/*
 * Chaos: worker processes doing mixed writes on one file: store are
 * SIGKILLed at random moments, hundreds of times. Afterwards the store must
 * pass bh_store_check, hold every write that had returned success, have
 * counted its recoveries, and nobody may have deadlocked (the run ends).
 *
 * Each worker acknowledges a write only after it returned success, in a
 * shared array outside the store; the store must then hold at least that.
 *
 * Nothing here depends on the machine's speed. What a worker keeps in the
 * store is bounded by count, not by how long the kills last: its sequence
 * keys are a ring (write the next, delete the oldest), its churn a fixed
 * set of names. A kill waits until its target has done some work since the
 * last one, so kills land mid-write on a slow machine too, and a worker
 * that stops working is reported instead of waited for.
 */
#include <check.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

#define WORKERS 4
#define KILLS 240
#define RING 64          /* sequence keys a worker keeps */
#define CHURN_KEYS 64    /* churn key names per worker */
#define CAS_KEYS 8       /* shared by all workers */
#define BIG_MIN 9000     /* a third of the churn values are BIG_MIN.. */
#define BIG_SPAN 10000   /* ..BIG_MIN + BIG_SPAN bytes: page runs, not slabs */
#define CAPACITY (16 << 20)
#define STALL_MS 30000   /* a worker without progress for this long is stuck */

/*
 * What the store holds is bounded whatever the speed: at most RING + 2
 * sequence keys per worker (the ring, one written but not yet trimmed, one
 * written but not yet acknowledged), CHURN_KEYS churn keys, a counter, and
 * CAS_KEYS shared. The space too: a big churn value is a run of at most
 * 5 pages (20 KiB), 4 * 64 * 20 KiB = 5 MiB if every churn key held one.
 * Every other entry of the test is under 400 bytes, in one of the 18 size
 * classes up to 384; a stripe keeps the slab pages it carved, and if each of
 * the 64 stripes kept one of every such class that would be 4.5 MiB. So
 * under 10 MiB of the 16 at worst (a run here leaves about 15 MiB free). A
 * block a killed worker allocated and never published is freed by the
 * recovery of its stripe, so kills do not add to this.
 */
#define MAX_KEYS (WORKERS * (RING + 2 + CHURN_KEYS + 1) + CAS_KEYS)
_Static_assert(WORKERS * CHURN_KEYS * 5 * 4096 + 64 * 18 * 4096 < CAPACITY / 8 * 5,
               "the churn must leave a good part of the store free");

/* Lives outside the store, shared by the test and every worker. */
struct acks {
    _Atomic int64_t counter[WORKERS]; /* last value incr returned */
    _Atomic int64_t seq[WORKERS];     /* newest "seq:w:n" acknowledged written */
    _Atomic int64_t gone[WORKERS];    /* every "seq:w:n" with n <= this acknowledged deleted */
    _Atomic uint64_t ops[WORKERS];    /* operations the worker finished (its progress) */
};

static char url[512];
static struct acks *acks;
static char big[BIG_MIN + BIG_SPAN]; /* the bytes of every churn value */

static unsigned rnd(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static void seq_key(char *key, size_t len, int w, int64_t n)
{
    snprintf(key, len, "seq:%d:%lld", w, (long long)n);
}

/* Deletes the sequence keys that fell out of the ring, acknowledging each
 * delete once it returned. */
static void seq_trim(bh_shared *m, int w)
{
    char key[64];

    while (acks->gone[w] < acks->seq[w] - RING) {
        int64_t old = acks->gone[w] + 1;
        seq_key(key, sizeof key, w, old);
        int rc = bh_shared_delete(m, key);
        if (rc != BH_OK && rc != BH_ENOTFOUND)
            _exit(15);
        acks->gone[w] = old;
    }
}

/*
 * Writes the next sequence key, then deletes the one that fell out of the
 * ring. A kill may land anywhere: after a write not yet acknowledged (the
 * next incarnation writes the same key again), after a delete not yet
 * acknowledged (it deletes again and finds nothing), or before the trim
 * (the next incarnation finishes it before it writes, so kills cannot make
 * the ring grow). At any moment gone >= seq - RING - 1.
 */
static void seq_step(bh_shared *m, int w)
{
    char key[64];
    int64_t n;

    seq_trim(m, w);
    n = acks->seq[w] + 1;
    seq_key(key, sizeof key, w, n);
    if (bh_shared_set_int(m, key, n) != BH_OK)
        _exit(11);
    acks->seq[w] = n;
    seq_trim(m, w);
}

/* Sets of small and large values (some with a TTL) and deletes, on a
 * fixed set of names: the store full is tolerated, not expected. */
static void churn_step(bh_shared *m, int w, unsigned *seed, unsigned op)
{
    char key[64];
    int rc;

    snprintf(key, sizeof key, "churn:%d:%u", w, rnd(seed) % CHURN_KEYS);
    if (op == 0) {
        size_t len = rnd(seed) % 3 == 0 ? BIG_MIN + rnd(seed) % BIG_SPAN : rnd(seed) % 300;
        bh_value b = bh_value_bytes(big, len);
        rc = bh_shared_put(m, key, &b, 0, rnd(seed) % 4 == 0 ? 5 : 0);
        if (rc != BH_OK && rc != BH_ENOSPC)
            _exit(12);
    } else {
        rc = bh_shared_delete(m, key);
        if (rc != BH_OK && rc != BH_ENOTFOUND)
            _exit(13);
    }
}

static void cas_step(bh_shared *m, unsigned *seed)
{
    bh_value a = bh_value_int(1), b = bh_value_str("cas");
    char key[64];

    snprintf(key, sizeof key, "cas:%u", rnd(seed) % CAS_KEYS);
    bh_shared_cas(m, key, NULL, &a);
    bh_shared_cas(m, key, &a, &b);
    bh_shared_cas(m, key, &b, NULL);
}

static void lock_step(bh_shared *m, unsigned *seed)
{
    char key[64];

    snprintf(key, sizeof key, "lock:%u", rnd(seed) % 4);
    int rc = bh_lock_acquire(m, key, 50);
    if (rc == BH_OK || rc == BH_EABANDONED)
        bh_lock_release(m, key);
    else if (rc != BH_ETIMEDOUT)
        _exit(14);
}

/* Mixed writes until killed: counter increments and sequence keys (both
 * acknowledged), and churn of every kind that is not checked afterwards. */
static void worker(bh_shared *m, int w)
{
    unsigned seed = (unsigned)getpid() * 2654435761u;
    char ctr[32];

    memset(big, 'b', sizeof big);
    snprintf(ctr, sizeof ctr, "ctr:%d", w);
    for (;;) {
        int64_t v;
        unsigned op = rnd(&seed) % 10;
        if (op < 3) {
            if (bh_shared_incr(m, ctr, 1, &v) != BH_OK)
                _exit(10);
            acks->counter[w] = v;
        } else if (op < 5) {
            seq_step(m, w);
        } else if (op < 8) {
            churn_step(m, w, &seed, op < 7 ? 0 : 1);
        } else if (op < 9) {
            cas_step(m, &seed);
        } else {
            lock_step(m, &seed);
        }
        acks->ops[w]++;
    }
}

static pid_t spawn(int w)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        bh_store *st;
        bh_shared *m;
        /* a failed check ends the test process: its workers go with it,
         * stuck ones included */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(21);
        if (bh_store_open(&st, url, NULL) != BH_OK || bh_shared_open(st, "chaos", &m) != BH_OK)
            _exit(20);
        worker(m, w);
    }
    return pid;
}

/* Waits until worker w has finished at least `want` operations in all.
 * A worker that exited on its own, or made no progress for STALL_MS (a
 * deadlock), fails the test. */
static void wait_progress(pid_t pid, int w, uint64_t want)
{
    int64_t last_ms = bh_test_now_ms();
    uint64_t seen = acks->ops[w];

    while (seen < want) {
        int status = 0;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0, "worker %d ended on its own: %s %d", w,
                      WIFEXITED(status) ? "exit" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        usleep(200);
        uint64_t now_ops = acks->ops[w];
        if (now_ops != seen) {
            seen = now_ops;
            last_ms = bh_test_now_ms();
        }
        ck_assert_msg(bh_test_now_ms() - last_ms < STALL_MS,
                      "worker %d made no progress for %d s (at %llu ops): a deadlock", w,
                      STALL_MS / 1000, (unsigned long long)seen);
    }
}

/* Every key of worker w's ring that was acknowledged, and not yet
 * acknowledged deleted, holds its number: all of them but the oldest, which
 * may be deleted already if it had fallen out of the ring (the kill came
 * between the delete and its acknowledgement). The keys deleted last stay
 * deleted. */
static void verify_ring(bh_shared *m, int w)
{
    int64_t s = acks->seq[w], g = acks->gone[w], v;
    char key[64];

    ck_assert_int_le(s - g, RING + 1);
    for (int64_t n = g + 1; n <= s; n++) {
        seq_key(key, sizeof key, w, n);
        int rc = bh_shared_get_int(m, key, &v);
        if (rc == BH_ENOTFOUND && n == g + 1 && n <= s - RING)
            continue;
        ck_assert_msg(rc == BH_OK && v == n, "acknowledged write %s lost (%s)", key,
                      bh_strerror(rc));
    }
    for (int64_t n = g; n > 0 && n > g - 2 * RING; n--) {
        seq_key(key, sizeof key, w, n);
        ck_assert_msg(bh_shared_contains(m, key) == 0, "acknowledged delete of %s undone", key);
    }
}

static void verify(bh_store *st)
{
    bh_shared *m;
    struct bh_store_stats ss;
    int64_t v;

    ck_assert_int_eq(bh_shared_open(st, "chaos", &m), BH_OK);
    for (int w = 0; w < WORKERS; w++) {
        char key[64];
        snprintf(key, sizeof key, "ctr:%d", w);
        if (acks->counter[w] > 0) {
            ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
            /* the kill may land between a successful incr and its ack */
            ck_assert(v == acks->counter[w] || v == acks->counter[w] + 1);
        }
        verify_ring(m, w);
    }
    /* nothing accumulated: no key outlived the names it may have */
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_msg(ss.keys <= MAX_KEYS, "%llu keys, at most %d expected",
                  (unsigned long long)ss.keys, MAX_KEYS);
    bh_shared_close(m);
}

/* Kills a worker KILLS times, each time once it has done 1 to 64 more
 * operations and then a moment more (so the kill lands inside one), and
 * starts it again. Returns the least free space seen on the way. */
static size_t storm(bh_store *st, pid_t *pids)
{
    unsigned seed = (unsigned)time(NULL);
    size_t least_free = CAPACITY;

    for (int k = 0; k < KILLS; k++) {
        int w = (int)(rnd(&seed) % WORKERS);
        wait_progress(pids[w], w, acks->ops[w] + 1 + rnd(&seed) % 64);
        usleep(rnd(&seed) % 2000);
        kill(pids[w], SIGKILL);
        int status = bh_test_wait(pids[w]);
        ck_assert_msg(status == 128 + SIGKILL, "worker %d failed on its own: %d", w, status);
        pids[w] = spawn(w);
        if (k % 16 == 0) {
            struct bh_store_stats ss;
            ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
            if (ss.free < least_free)
                least_free = ss.free;
        }
    }
    for (int w = 0; w < WORKERS; w++) {
        kill(pids[w], SIGKILL);
        int status = bh_test_wait(pids[w]);
        ck_assert_msg(status == 128 + SIGKILL, "worker %d failed on its own: %d", w, status);
    }
    return least_free;
}

START_TEST(sigkill_storm)
{
    char *path = bh_test_tmppath("chaos");
    bh_store *st;
    pid_t pids[WORKERS];

    snprintf(url, sizeof url, "file:%s", path);
    acks = mmap(NULL, sizeof *acks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(acks, MAP_FAILED);
    memset((void *)acks, 0, sizeof *acks);
    /* the test process keeps the file open, so workers never re-initialise it */
    bh_store_options o = {.capacity = CAPACITY};
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    for (int w = 0; w < WORKERS; w++)
        pids[w] = spawn(w);
    size_t least_free = storm(st, pids);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_gt(ss.recoveries, 0);
    uint64_t ops = 0;
    for (int w = 0; w < WORKERS; w++)
        ops += acks->ops[w];
    fprintf(stderr, "chaos: %d kills, %llu ops, %llu recoveries, %llu keys, least free %zu KiB\n",
            KILLS, (unsigned long long)ops, (unsigned long long)ss.recoveries,
            (unsigned long long)ss.keys, least_free >> 10);
    verify(st);
    bh_store_close(st);

    /* and reopened alone, as after a reboot */
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    verify(st);
    bh_store_close(st);
    munmap((void *)acks, sizeof *acks);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store_chaos");
    TCase *tc = tcase_create("chaos");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, sigkill_storm);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
