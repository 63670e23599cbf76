/*
 * Chaos: worker processes doing mixed writes on one file: store are
 * SIGKILLed at random moments, hundreds of times. Afterwards the store must
 * pass bh_store_check, hold every write that had returned success, have
 * counted its recoveries, and nobody may have deadlocked (the run ends).
 *
 * Each worker acknowledges a write only after it returned success, in a
 * shared array outside the store; the store must then hold at least that.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

#define WORKERS 4
#define KILLS 240

struct acks {
    volatile int64_t counter[WORKERS]; /* last value incr returned */
    volatile int64_t seq[WORKERS];     /* last "seq:w:n" key written */
};

static char url[512];
static struct acks *acks;

static unsigned rnd(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* Mixed writes forever: counter increments and sequence keys (both
 * acknowledged), and churn of every kind that is not checked afterwards:
 * sets of small and large values, deletes, TTLs, CAS, locks. Sequence keys
 * are never deleted, so a fast machine fills the store before the storm
 * ends: from then on writes that need space answer BH_ENOSPC, which is
 * acknowledged as nothing, and the kills go on hitting a full store. */
static void worker(bh_shared *m, int w)
{
    unsigned seed = (unsigned)getpid() * 2654435761u;
    char key[64], ctr[32];
    static char big[20000];

    memset(big, 'b', sizeof big - 1);
    snprintf(ctr, sizeof ctr, "ctr:%d", w);
    for (;;) {
        int64_t v;
        unsigned op = rnd(&seed) % 10;
        if (op < 3) {
            int rc = bh_shared_incr(m, ctr, 1, &v);
            if (rc != BH_OK && rc != BH_ENOSPC)
                _exit(10);
            if (rc == BH_OK)
                acks->counter[w] = v;
        } else if (op < 5) {
            int64_t n = acks->seq[w] + 1;
            snprintf(key, sizeof key, "seq:%d:%lld", w, (long long)n);
            int rc = bh_shared_set_int(m, key, n);
            if (rc != BH_OK && rc != BH_ENOSPC)
                _exit(11);
            if (rc == BH_OK)
                acks->seq[w] = n;
        } else if (op < 7) {
            snprintf(key, sizeof key, "churn:%d:%u", w, rnd(&seed) % 64);
            size_t len = rnd(&seed) % 3 == 0 ? 9000 + rnd(&seed) % 10000 : rnd(&seed) % 300;
            bh_value b = bh_value_bytes(big, len);
            int rc = bh_shared_put(m, key, &b, 0, rnd(&seed) % 4 == 0 ? 5 : 0);
            if (rc != BH_OK && rc != BH_ENOSPC)
                _exit(12);
        } else if (op < 8) {
            snprintf(key, sizeof key, "churn:%d:%u", w, rnd(&seed) % 64);
            int rc = bh_shared_delete(m, key);
            if (rc != BH_OK && rc != BH_ENOTFOUND)
                _exit(13);
        } else if (op < 9) {
            bh_value a = bh_value_int(1), b = bh_value_str("cas");
            snprintf(key, sizeof key, "cas:%u", rnd(&seed) % 8);
            bh_shared_cas(m, key, NULL, &a);
            bh_shared_cas(m, key, &a, &b);
            bh_shared_cas(m, key, &b, NULL);
        } else {
            snprintf(key, sizeof key, "lock:%u", rnd(&seed) % 4);
            int rc = bh_lock_acquire(m, key, 50);
            if (rc == BH_OK || rc == BH_EABANDONED)
                bh_lock_release(m, key);
            else if (rc != BH_ETIMEDOUT && rc != BH_ENOSPC)
                _exit(14);
        }
    }
}

static pid_t spawn(int w)
{
    pid_t pid = fork();
    if (pid == 0) {
        bh_store *st;
        bh_shared *m;
        if (bh_store_open(&st, url, NULL) != BH_OK || bh_shared_open(st, "chaos", &m) != BH_OK)
            _exit(20);
        worker(m, w);
    }
    return pid;
}

static void verify(bh_store *st)
{
    bh_shared *m;
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
        for (int64_t n = 1; n <= acks->seq[w]; n++) {
            snprintf(key, sizeof key, "seq:%d:%lld", w, (long long)n);
            ck_assert_msg(bh_shared_get_int(m, key, &v) == BH_OK && v == n,
                          "acknowledged write %s lost", key);
        }
    }
    bh_shared_close(m);
}

START_TEST(sigkill_storm)
{
    char *path = bh_test_tmppath("chaos");
    bh_store *st;
    pid_t pids[WORKERS];
    unsigned seed = (unsigned)time(NULL);

    snprintf(url, sizeof url, "file:%s", path);
    acks = mmap(NULL, sizeof *acks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(acks, MAP_FAILED);
    memset((void *)acks, 0, sizeof *acks);
    /* the test process keeps the file open, so workers never re-initialise it */
    bh_store_options o = {.capacity = 16 << 20};
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    for (int w = 0; w < WORKERS; w++)
        pids[w] = spawn(w);
    for (int k = 0; k < KILLS; k++) {
        usleep(1000 + rnd(&seed) % 8000);
        int w = (int)(rnd(&seed) % WORKERS);
        kill(pids[w], SIGKILL);
        int status = bh_test_wait(pids[w]);
        ck_assert_msg(status == 128 + SIGKILL, "worker %d failed on its own: %d", w, status);
        pids[w] = spawn(w);
    }
    for (int w = 0; w < WORKERS; w++) {
        kill(pids[w], SIGKILL);
        bh_test_wait(pids[w]);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_gt(ss.recoveries, 0);
    fprintf(stderr, "chaos: %d kills, %llu recoveries, %llu keys\n", KILLS,
            (unsigned long long)ss.recoveries, (unsigned long long)ss.keys);
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
