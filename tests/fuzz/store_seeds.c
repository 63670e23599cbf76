/*
 * Writes the seeds of the store_file target into a directory: small file:
 * stores (BH_CAPACITY_MIN) of the current format, each made by a different
 * use of the store, without their trailing zeros. Generated at test time
 * rather than committed, so that they follow the format when it changes.
 *
 * Usage: bh_fuzz_store_seeds DIR
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bothive/store.h"
#include "fuzz.h"
#include "store_file_io.h"

#define CHECK(call)                                                                           \
    do {                                                                                      \
        int rc_ = (call);                                                                     \
        if (rc_ != BH_OK && rc_ != BH_ENOSPC) {                                               \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, bh_strerror(rc_));  \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static int prepare_one(bh_shared *m, void *arg)
{
    (void)arg;
    return bh_shared_set_int(m, "prepared", 1);
}

/* Each scenario fills the store its own way. */
static void empty(bh_store *st) { (void)st; }

static void typed(bh_store *st)
{
    bh_shared *m;
    static const unsigned char bytes[] = {0, 1, 2, 0xff, 0};
    CHECK(bh_shared_open(st, "bot:1", &m));
    CHECK(bh_shared_set_int(m, "count", 42));
    CHECK(bh_shared_set_double(m, "ratio", 0.25));
    CHECK(bh_shared_set_bool(m, "on", 1));
    CHECK(bh_shared_set_str(m, "name", "bothive"));
    CHECK(bh_shared_set_bytes(m, "raw", bytes, sizeof bytes));
    CHECK(bh_shared_set_json(m, "doc", "{\"a\":[1,2,{\"b\":null}]}"));
    bh_value nil = bh_value_nil();
    CHECK(bh_shared_put(m, "nothing", &nil, 0, 0));
    CHECK(bh_shared_prepare(m, prepare_one, NULL));
    bh_shared_close(m);
}

static void many(bh_store *st)
{
    bh_shared *m[3];
    char key[32];
    CHECK(bh_shared_open(st, "bot:1", &m[0]));
    CHECK(bh_shared_open(st, "bot:1/component", &m[1]));
    CHECK(bh_shared_open(st, "bothive.deadletter", &m[2]));
    for (int i = 0; i < 240; i++) {
        snprintf(key, sizeof key, "key:%d", i);
        CHECK(bh_shared_set_int(m[i % 3], key, i));
        if (i % 5 == 0)
            CHECK(bh_shared_set_str(m[i % 3], key, "a string long enough for another class"));
    }
    for (int i = 0; i < 240; i += 7) {
        snprintf(key, sizeof key, "key:%d", i);
        bh_shared_delete(m[i % 3], key);
    }
    for (int i = 0; i < 3; i++)
        bh_shared_close(m[i]);
}

static void large(bh_store *st)
{
    bh_shared *m;
    size_t n = 3 * 4096 + 100;
    char *big = malloc(n);
    if (!big)
        exit(1);
    memset(big, 'v', n);
    CHECK(bh_shared_open(st, "bot:2", &m));
    CHECK(bh_shared_set_bytes(m, "big", big, n));
    CHECK(bh_shared_set_bytes(m, "mid", big, 5000));
    CHECK(bh_shared_set_bytes(m, "big2", big, n / 2));
    CHECK(bh_shared_delete(m, "big2"));
    free(big);
    bh_shared_close(m);
}

static void locked(bh_store *st)
{
    bh_shared *m;
    CHECK(bh_shared_open(st, "bot:3", &m));
    CHECK(bh_lock_acquire(m, "held", 0));
    CHECK(bh_lock_acquire(m, "released", 0));
    CHECK(bh_lock_release(m, "released"));
    CHECK(bh_shared_set_int(m, "n", 1));
    /* Closed with "held" still held: the next first opener resets it. */
    bh_shared_close(m);
}

static void full(bh_store *st)
{
    bh_shared *m;
    char key[32], val[200];
    memset(val, 'f', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    CHECK(bh_shared_open(st, "bot:4", &m));
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "fill:%d", i);
        if (bh_shared_set_str(m, key, val) == BH_ENOSPC)
            break;
    }
    bh_shared_close(m);
}

static const struct {
    const char *name;
    void (*fill)(bh_store *st);
} scenarios[] = {
    {"empty", empty}, {"typed", typed}, {"many", many},
    {"large", large}, {"locked", locked}, {"full", full},
};

int main(int argc, char **argv)
{
    char path[4096], tmp[4096];

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    bh_fuzz_quiet();
    if (mkdir(argv[1], 0700) != 0 && errno != EEXIST) {
        perror(argv[1]);
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s/.making.store", argv[1]);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        bh_store_options opt = {.capacity = BH_CAPACITY_MIN};
        char url[4200];
        bh_store *st;
        size_t len;
        uint8_t *data;
        FILE *f;

        unlink(tmp);
        snprintf(url, sizeof url, "file:%s", tmp);
        CHECK(bh_store_open(&st, url, &opt));
        scenarios[i].fill(st);
        CHECK(bh_store_check(st));
        bh_store_close(st);
        if (!(data = bh_fuzz_read_stripped(tmp, &len))) {
            perror(tmp);
            return 1;
        }
        snprintf(path, sizeof path, "%s/%s", argv[1], scenarios[i].name);
        if (!(f = fopen(path, "wb")) || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            perror(path);
            return 1;
        }
        printf("%s: %zu bytes\n", path, len);
        free(data);
    }
    unlink(tmp);
    return 0;
}
