/*
 * Forked workers sharing one store: concurrent increments and writes must
 * add up exactly, on mem: and on file: stores.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "testutil.h"

#define WORKERS 4
#define ROUNDS 20000

static void hammer(const char *url)
{
    bh_store *st;
    bh_shared *m;
    pid_t pids[WORKERS];
    int64_t v;

    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "hammer", &m), BH_OK);
    for (int w = 0; w < WORKERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            char own[32];
            snprintf(own, sizeof own, "own%d", w);
            for (int i = 0; i < ROUNDS; i++) {
                char k[48];
                if (bh_shared_incr(m, "shared", 1, NULL) != BH_OK ||
                    bh_shared_incr(m, own, 2, NULL) != BH_OK)
                    _exit(1);
                snprintf(k, sizeof k, "w%d-%d", w, i % 500);
                if (bh_shared_set_int(m, k, i) != BH_OK)
                    _exit(2);
                if (i % 3 == 0 && bh_shared_delete(m, k) != BH_OK)
                    _exit(3);
            }
            _exit(0);
        }
    }
    for (int w = 0; w < WORKERS; w++)
        ck_assert_int_eq(bh_test_wait(pids[w]), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "shared", &v), BH_OK);
    ck_assert(v == WORKERS * ROUNDS);
    for (int w = 0; w < WORKERS; w++) {
        char own[32];
        snprintf(own, sizeof own, "own%d", w);
        ck_assert_int_eq(bh_shared_get_int(m, own, &v), BH_OK);
        ck_assert(v == 2 * ROUNDS);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    struct bh_store_stats ss;
    ck_assert_int_eq(bh_store_stats(st, &ss), BH_OK);
    ck_assert_uint_eq(ss.recoveries, 0);
    bh_shared_close(m);
    bh_store_close(st);
}

START_TEST(mem_counts_are_exact)
{
    hammer("mem:");
}
END_TEST

START_TEST(file_counts_are_exact)
{
    char *path = bh_test_tmppath("procs"), url[512];
    snprintf(url, sizeof url, "file:%s", path);
    hammer(url);
    unlink(path);
    free(path);
}
END_TEST

/* A second process opening the same file while the first has it open must
 * not re-initialise it (the first opener's repair happens only when alone). */
START_TEST(file_second_opener_shares)
{
    char *path = bh_test_tmppath("share"), url[512];
    bh_store *st;
    bh_shared *m;
    int64_t v;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    ck_assert_int_eq(bh_lock_acquire(m, "held", 0), BH_OK);
    pid_t pid = fork();
    if (pid == 0) {
        bh_store *s2;
        bh_shared *m2;
        struct bh_store_stats ss;
        /* exec-like: a new handle, not the inherited one */
        if (bh_store_open(&s2, url, NULL) || bh_shared_open(s2, "m", &m2))
            _exit(1);
        if (bh_store_stats(s2, &ss) || ss.generation != 1)
            _exit(2);
        if (bh_lock_held(m2, "held") != 1)
            _exit(3);
        if (bh_lock_acquire(m2, "held", 0) != BH_ETIMEDOUT)
            _exit(4);
        if (bh_shared_set_int(m2, "child", 7))
            _exit(5);
        bh_shared_close(m2);
        bh_store_close(s2);
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_get_int(m, "child", &v), BH_OK);
    ck_assert(v == 7);
    ck_assert_int_eq(bh_lock_release(m, "held"), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

/* What the readers and the writer of the seqlock case share, outside the
 * store. */
struct seq_race {
    _Atomic int readers_in; /* readers that have started */
    _Atomic int writer_done;
    _Atomic long reads;     /* whole values read while the writer wrote */
};

/* A fixed number of rounds, not a time: a fast machine does no more than
 * a slow one, and the readers read for as long as the writer writes. */
#define SEQ_ROUNDS 1000000

static void seq_writer(bh_shared *m, struct seq_race *race, const char *a, const char *b)
{
    while (race->readers_in < 2)
        usleep(1000);
    for (int i = 0; i < SEQ_ROUNDS; i++) {
        char k[32];
        if (bh_shared_set_str(m, "v", i % 2 ? a : b) != BH_OK)
            _exit(1);
        if (i % 7 == 0 && bh_shared_delete(m, "v") != BH_OK)
            _exit(2);
        snprintf(k, sizeof k, "filler%d", i % 5000);
        if (bh_shared_set_int(m, k, i) != BH_OK)
            _exit(3);
    }
    race->writer_done = 1;
    _exit(0);
}

static void seq_reader(bh_shared *m, struct seq_race *race, const char *a, const char *b)
{
    race->readers_in++;
    while (!race->writer_done) {
        char *v = NULL;
        int rc = bh_shared_get_str(m, "v", &v);
        if (rc == BH_ENOTFOUND)
            continue;
        if (rc != BH_OK)
            _exit(4);
        int whole = !strcmp(v, a) || !strcmp(v, b);
        free(v);
        if (!whole)
            _exit(5);
        race->reads++;
    }
    _exit(0);
}

/* Readers that take no lock (the seqlock path) see whole values only, while
 * a writer replaces, deletes and re-adds them with other lengths, and
 * rehashes the stripe by adding keys. */
START_TEST(lockfree_readers_never_see_torn_values)
{
    bh_store *st;
    bh_shared *m;
    pid_t writer, readers[2];
    static char a[11], b[3001];
    struct seq_race *race = mmap(NULL, sizeof *race, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(race, MAP_FAILED);
    memset(race, 0, sizeof *race);
    memset(a, 'a', 10);
    memset(b, 'b', 3000);
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "seq", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "v", a), BH_OK);
    if ((writer = fork()) == 0)
        seq_writer(m, race, a, b);
    for (int p = 0; p < 2; p++)
        if ((readers[p] = fork()) == 0)
            seq_reader(m, race, a, b);
    ck_assert_int_eq(bh_test_wait(writer), 0);
    for (int p = 0; p < 2; p++)
        ck_assert_int_eq(bh_test_wait(readers[p]), 0);
    ck_assert_int_gt(race->reads, 0);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    munmap(race, sizeof *race);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("store_procs");
    TCase *tc = tcase_create("procs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mem_counts_are_exact);
    tcase_add_test(tc, file_counts_are_exact);
    tcase_add_test(tc, file_second_opener_shares);
    tcase_add_test(tc, lockfree_readers_never_see_torn_values);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
