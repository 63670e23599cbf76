/*
 * A store file as found on disk, damaged any way: written out (padded with
 * zeros to 1 MiB), opened as the first opener (which resets its locks and
 * repairs it), checked, read in full, written once, checked again, then
 * opened read-only (as the inspector does) and read in full again. The
 * only acceptable outcomes are an error or a store that passes its check:
 * never a crash, whatever the bytes.
 *
 * Seeds: valid stores made by bh_fuzz_store_seeds (store_seeds.c).
 */
#include <stdio.h>
#include <unistd.h>

#include "bothive/store.h"
#include "fuzz.h"
#include "store_file_io.h"

/* bh_store_check must pass; when it does not, say why before aborting. */
static void must_check(bh_store *st, const char *when)
{
    int rc = bh_store_check(st);
    if (rc != BH_OK)
        fprintf(stderr, "bh_store_check %s: %s: %s\n", when, bh_strerror(rc), bh_store_errmsg(st));
    BH_FUZZ_ASSERT(rc == BH_OK);
}

static char bh_fuzz_path[256];
static char bh_fuzz_url[300];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* tmpfs when there is one: a million file writes must not reach a disk. */
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    snprintf(bh_fuzz_path, sizeof bh_fuzz_path, "%s/bh-fuzz-store-%ld", dir ? dir : "/tmp",
             (long)getpid());
    snprintf(bh_fuzz_url, sizeof bh_fuzz_url, "file:%s", bh_fuzz_path);
    return 0;
}

/* Reads every key of every memory; returns the number of keys read. */
static size_t read_all(bh_store *st)
{
    char **ids = NULL;
    size_t n = 0, keys = 0;

    if (bh_store_memories(st, &ids, &n) != BH_OK)
        return 0;
    for (size_t i = 0; i < n; i++) {
        bh_shared *m;
        bh_cursor *c;
        const char *key;
        size_t len = 0;
        if (bh_shared_open(st, ids[i], &m) != BH_OK)
            continue;
        bh_shared_len(m, &len);
        bh_shared_prepared(m);
        if (bh_cursor_open(m, &c) == BH_OK) {
            while (bh_cursor_next(c, &key) == BH_OK) {
                bh_value v;
                if (bh_shared_get(m, key, &v) == BH_OK)
                    bh_value_free(&v);
                bh_lock_held(m, key);
                keys++;
            }
            bh_cursor_close(c);
        }
        bh_shared_close(m);
    }
    bh_store_memories_free(ids, n);
    return keys;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_store_options opt = {.capacity = BH_CAPACITY_MIN};
    bh_store_options ro = {.flags = BH_STORE_READONLY};
    struct bh_store_stats stats;
    bh_store *st = NULL;

    if (size > 4 * BH_FUZZ_STORE_SIZE)
        return 0;
    if (bh_fuzz_write_store(bh_fuzz_path, data, size) != 0)
        abort();
    if (bh_store_open(&st, bh_fuzz_url, &opt) == BH_OK) {
        /* Opened: repaired, or undamaged; either way it must be whole. */
        must_check(st, "after the first open");
        BH_FUZZ_ASSERT(bh_store_stats(st, &stats) == BH_OK);
        read_all(st);
        bh_shared *m;
        if (bh_shared_open(st, "bot:1", &m) == BH_OK) {
            bh_shared_set_int(m, "written-after-open", 1);
            bh_shared_incr(m, "count", 1, NULL);
            bh_shared_close(m);
        }
        must_check(st, "after writes");
        bh_store_close(st);
    }
    /* Read-only, as `bothive shm` reads it: with the file as left above. */
    if (bh_store_open(&st, bh_fuzz_url, &ro) == BH_OK) {
        bh_store_check(st);
        bh_store_stats(st, &stats);
        read_all(st);
        bh_store_close(st);
    }
    unlink(bh_fuzz_path);
    return 0;
}
