/*
 * Damaged file: stores. A valid store (keys of every type, TTLs, named
 * locks, several memories) is written, then copies of it are damaged at
 * random, from fixed seeds, in one area at a time: the page map, the
 * header, the stripes, the first 64 KiB, and the index tables and entries
 * in the heap. Each copy is opened by a forked child, read-only and then
 * for writing (which repairs it), checked, read through cursors, written
 * and deleted from. A damaged file must give an error or be repaired (then
 * bh_store_check passes), never kill its opener (SQLite's standard).
 * A child that dies by a signal, hangs (SIGALRM) or has a sanitizer report
 * fails the test.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emb/region.h"
#include "testutil.h"

/* Per area and capacity: 300 in all; BH_DAMAGE_COUNT asks for more. */
#define DAMAGES_PER_AREA 30u
#define CHILD_SECONDS 30u

enum area { AREA_PAGEMAP, AREA_HEADER, AREA_STRIPES, AREA_FIRST64K, AREA_HEAP, AREA_N };
static const char *const area_names[AREA_N] = {"page map", "header", "stripes",
                                                 "first 64 KiB", "index and entries"};

static void quiet(int level, const char *msg, void *arg)
{
    (void)level, (void)msg, (void)arg;
}

static void fill_memory(bh_shared *m, int n, int ttl_every)
{
    char key[32], val[400];

    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%d", i);
        memset(val, 'a' + i % 26, sizeof val);
        val[20 + (i * 37) % 370] = 0;
        bh_value v = {.type = BH_STR, .u.s = {val, strlen(val)}};
        if (i % 4 == 0)
            ck_assert_int_eq(bh_shared_set_int(m, key, i), BH_OK);
        else if (i % 4 == 1)
            ck_assert_int_eq(bh_shared_set_json(m, key, "{\"a\":[1,2,3]}"), BH_OK);
        else
            ck_assert_int_eq(bh_shared_put(m, key, &v, 0, i % ttl_every ? 0 : 3600000), BH_OK);
    }
}

/* A valid store at path: four memories, keys, TTLs, named locks (one left held). */
static void make_store(const char *path, size_t capacity)
{
    bh_store_options o = {.capacity = capacity};
    char url[512], id[32], lk[32];
    bh_store *st;
    bh_shared *m;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "mem%d", i);
        ck_assert_int_eq(bh_shared_open(st, id, &m), BH_OK);
        fill_memory(m, capacity > (1u << 20) ? 600 : 150, 3 + i);
        for (int j = 0; j < 3; j++) {
            snprintf(lk, sizeof lk, "lock%d", j);
            ck_assert_int_eq(bh_lock_acquire(m, lk, 0), BH_OK);
            if (j)
                ck_assert_int_eq(bh_lock_release(m, lk), BH_OK);
        }
        bh_shared_close(m);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_store_close(st);
}

static char *read_all(const char *path, size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY);
    char *buf;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstat(fd, &sb), 0);
    *len = (size_t)sb.st_size;
    buf = malloc(*len);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(read(fd, buf, *len), (ssize_t)*len);
    close(fd);
    return buf;
}

static void write_all(const char *path, const char *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

/* The slots of the index whose word is w in the file's bytes, and their
 * count in *cap; NULL if there is none or it lies past len. */
static uint64_t *file_slots(const char *buf, size_t len, uint64_t w, uint64_t *cap)
{
    uint64_t off = bh_ixw_off(w);

    *cap = (uint64_t)1 << (bh_ixw_bits(w) & 63);
    if (!off || bh_ixw_bits(w) > 40 || off + *cap * 8 > len)
        return NULL;
    return (uint64_t *)(void *)(buf + off);
}

/* Offset of a random live slot's entry in the undamaged file (0 if none). */
static uint64_t random_entry(const char *buf, size_t len, unsigned *seed)
{
    const struct bh_header *h = (const void *)buf;
    const struct bh_stripe *stripes = (const void *)(buf + h->stripes_off);

    for (int tries = 0; tries < 64; tries++) {
        uint64_t cap;
        const uint64_t *slots =
            file_slots(buf, len, stripes[rand_r(seed) % h->nstripes].index, &cap);
        if (!slots)
            continue;
        uint64_t slot = slots[(uint64_t)rand_r(seed) % cap];
        if (slot != BH_SLOT_EMPTY && slot != BH_SLOT_TOMB && BH_SLOT_OFF(slot) < len)
            return BH_SLOT_OFF(slot);
    }
    return 0;
}

/* Where in the heap to damage: an index table's slots, or an entry's header
 * and key. */
static uint64_t heap_target(const char *buf, size_t len, unsigned *seed)
{
    const struct bh_header *h = (const void *)buf;
    const struct bh_stripe *stripes = (const void *)(buf + h->stripes_off);
    uint64_t off = random_entry(buf, len, seed);

    if (rand_r(seed) % 2 && off) {
        const struct bh_entry *e = (const void *)(buf + off);
        return off + (uint64_t)rand_r(seed) % (rand_r(seed) % 2 ? BH_ENTRY_HDR + 8
                                                : bh_entry_size(e->klen, e->vlen));
    }
    uint64_t w = stripes[rand_r(seed) % h->nstripes].index, cap;
    if (!file_slots(buf, len, w, &cap))
        return h->heap_off;
    return bh_ixw_off(w) + (uint64_t)rand_r(seed) % (cap * 8);
}

/* A word of the page map, most often one of a page in use. */
static uint64_t pagemap_target(const char *buf, uint64_t r, unsigned *seed)
{
    const struct bh_header *h = (const void *)buf;
    const uint32_t *pm = (const void *)(buf + h->pagemap_off);

    for (int tries = 0; tries < 32 && rand_r(seed) % 4; tries++) {
        uint64_t page = (uint64_t)rand_r(seed) % h->npages;
        if (pm[page] != BH_PM_FREE)
            return h->pagemap_off + page * 4 + (uint64_t)rand_r(seed) % 4;
    }
    return h->pagemap_off + r % (h->npages * 4);
}

static uint64_t target(const char *buf, size_t len, enum area a, unsigned *seed)
{
    const struct bh_header *h = (const void *)buf;
    uint64_t r = (uint64_t)rand_r(seed) << 16 ^ (uint64_t)rand_r(seed);

    switch (a) {
    case AREA_PAGEMAP: return pagemap_target(buf, r, seed);
    case AREA_HEADER: return r % sizeof *h;
    case AREA_STRIPES: return h->stripes_off + r % (h->nstripes * sizeof(struct bh_stripe));
    case AREA_FIRST64K: return r % 65536;
    default: return heap_target(buf, len, seed);
    }
}

/* A plausible value for the 32-bit word at off: for the page map a word of
 * a valid kind and stripe, elsewhere a valid entry's offset (low half). */
static uint32_t plausible(const char *buf, size_t len, enum area a, unsigned *seed)
{
    const struct bh_header *h = (const void *)buf;

    if (a == AREA_PAGEMAP)
        return BH_PM_MAKE(rand_r(seed) % 4, rand_r(seed) % h->nstripes,
                          rand_r(seed) % 2 ? rand_r(seed) % 64 : rand_r(seed) % 0x400000);
    return (uint32_t)random_entry(buf, len, seed);
}

/* What random bytes rarely make in the heap: a slot copied over another of
 * the same index (two slots, one entry), or an entry's type changed to one
 * whose value has another size (a record, a scalar). */
static void heap_plausible(char *buf, const char *golden, size_t len, unsigned *seed)
{
    static const uint8_t types[] = {BH_BOOL, BH_INT, BH_STR, BH_T_MEMREC, BH_T_COUNT, BH_T_LOCK};
    const struct bh_header *h = (const void *)golden;
    const struct bh_stripe *stripes = (const void *)(golden + h->stripes_off);
    uint64_t off = random_entry(golden, len, seed);

    if (rand_r(seed) % 2) {
        if (off)
            ((struct bh_entry *)(buf + off))->type = types[rand_r(seed) % sizeof types];
        return;
    }
    uint64_t w = stripes[rand_r(seed) % h->nstripes].index;
    uint64_t cap, *slots = file_slots(buf, len, w, &cap);
    if (!slots)
        return;
    for (int tries = 0; tries < 64; tries++) {
        uint64_t from = (uint64_t)rand_r(seed) % cap, to = (uint64_t)rand_r(seed) % cap;
        if (slots[from] > BH_SLOT_TOMB && from != to) {
            slots[to] = slots[from];
            return;
        }
    }
}

/* Changes one to eight places of the area: a random byte, a random aligned
 * 32-bit word, or a plausible one (what random bytes rarely make). */
static void damage(char *buf, const char *golden, size_t len, enum area a, unsigned *seed)
{
    int n = 1 + rand_r(seed) % 8;

    for (int i = 0; i < n; i++) {
        uint64_t off = target(golden, len, a, seed);
        int how = rand_r(seed) % 3;
        if (a == AREA_HEAP && rand_r(seed) % 2) {
            heap_plausible(buf, golden, len, seed);
            continue;
        }
        if (how == 0) {
            buf[off] ^= (char)(1 + rand_r(seed) % 255);
        } else {
            uint32_t w = how == 1 ? (uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed)
                                  : plausible(golden, len, a, seed);
            off &= ~(uint64_t)3;
            if (off + 4 <= len)
                memcpy(buf + off, &w, 4);
        }
    }
}

/* Reads every key of the memory; opened for writing, writes and deletes
 * some too. */
/* Reads every key of the memory through a cursor; with del, deletes every
 * third one it read after the cursor is closed. Returns how many it read. */
static int read_all_keys(bh_shared *m, int del)
{
    char *keys[512];
    bh_cursor *c;
    const char *key;
    int n = 0, kept = 0;

    if (bh_cursor_open(m, &c) != BH_OK)
        return 0;
    while (bh_cursor_next(c, &key) == BH_OK && n++ < 100000) {
        bh_value v;
        if (bh_shared_get(m, key, &v) == BH_OK)
            bh_value_free(&v);
        if (del && n % 3 == 0 && kept < 512)
            keys[kept++] = strdup(key);
    }
    bh_cursor_close(c);
    for (int i = 0; i < kept; i++) {
        bh_shared_delete(m, keys[i]);
        free(keys[i]);
    }
    return n;
}

/* Reads every key of the memory; opened for writing, writes and deletes
 * some too, then reads them all again. */
static void use_memory(bh_store *st, const char *id, unsigned flags)
{
    bh_shared *m;

    if (bh_shared_open(st, id, &m) != BH_OK)
        return;
    read_all_keys(m, !flags);
    for (int i = 0; i < 40 && !flags; i++) {
        char k[32];
        snprintf(k, sizeof k, "k%d", i * 7);
        if (i % 3 == 0)
            bh_shared_delete(m, k);
        else
            bh_shared_set_str(m, k, "a new value of a few bytes");
    }
    if (!flags && bh_lock_acquire(m, "lock0", 0) >= 0)
        bh_lock_release(m, "lock0");
    bh_shared_len(m, &(size_t){0});
    read_all_keys(m, 0);
    bh_shared_close(m);
}

/* What a child saw, as its exit status: refused at open, or repaired and
 * checked whole, or opened with damage bh_store_check reports. */
enum outcome { REFUSED = 0, REPAIRED = 10, REPORTED = 11 };

static enum outcome use_store(const char *url, unsigned flags)
{
    bh_store_options o = {.flags = flags};
    bh_store *st;
    char **ids;
    size_t n;

    int rc = bh_store_open(&st, url, &o);
    if (getenv("BH_DAMAGE_VERBOSE"))
        fprintf(stderr, "open(%u): %s: %s\n", flags, bh_strerror(rc), bh_store_errmsg(NULL));
    if (rc != BH_OK)
        return REFUSED;
    rc = bh_store_check(st);
    if (getenv("BH_DAMAGE_VERBOSE"))
        fprintf(stderr, "check(%u): %s: %s\n", flags, bh_strerror(rc), bh_store_errmsg(st));
    if (bh_store_memories(st, &ids, &n) == BH_OK) {
        for (size_t i = 0; i < n; i++)
            use_memory(st, ids[i], flags);
        bh_store_memories_free(ids, n);
    }
    if (!flags)
        rc = bh_store_check(st);
    bh_store_close(st);
    return rc == BH_OK ? REPAIRED : REPORTED;
}

/* Opens the damaged file in a child; returns its wait status. */
static int try_open(const char *path)
{
    char url[512];
    int status;
    pid_t pid;

    snprintf(url, sizeof url, "file:%s", path);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        alarm(CHILD_SECONDS);
        bh_log_set_handler(quiet, NULL);
        use_store(url, BH_STORE_READONLY);
        _exit(use_store(url, 0));
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void damage_all(size_t capacity, unsigned seed0)
{
    char *path = bh_test_tmppath("damage"), *work = bh_test_tmppath("damaged");
    unsigned crashed[AREA_N] = {0}, seen[3] = {0}, total = 0, count = DAMAGES_PER_AREA;
    const char *env = getenv("BH_DAMAGE_COUNT");
    size_t len;
    char *golden, *copy;

    if (env && atoi(env) > 0)
        count = (unsigned)atoi(env);
    if ((env = getenv("BH_DAMAGE_CAPACITY")) && atoi(env) > 0)
        capacity = (size_t)atoi(env) << 20;
    make_store(path, capacity);
    golden = read_all(path, &len);
    copy = malloc(len);
    ck_assert_ptr_nonnull(copy);
    for (unsigned a = 0; a < AREA_N; a++) {
        for (unsigned i = 0; i < count; i++) {
            unsigned seed = seed0 + a * 1000 + i;
            memcpy(copy, golden, len);
            damage(copy, golden, len, (enum area)a, &seed);
            write_all(work, copy, len);
            int status = try_open(work);
            /* The child exits with an outcome whatever the store said:
             * anything else is a signal or a sanitizer's report. */
            int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            if (code == REFUSED || code == REPAIRED || code == REPORTED) {
                seen[code == REFUSED ? 0 : code == REPAIRED ? 1 : 2]++;
            } else {
                fprintf(stderr, "damage: %zu KiB, %s, seed %u: child %s %d\n", capacity >> 10,
                        area_names[a], seed0 + a * 1000 + i,
                        WIFSIGNALED(status) ? "killed by signal" : "exited with",
                        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
                crashed[a]++;
                total++;
            }
        }
    }
    for (unsigned a = 0; a < AREA_N; a++)
        fprintf(stderr, "damage: %zu KiB, %s: %u of %u crashed\n", capacity >> 10,
                area_names[a], crashed[a], count);
    fprintf(stderr, "damage: %zu KiB: %u refused at open, %u repaired whole, %u opened with "
            "damage check reports\n", capacity >> 10, seen[0], seen[1], seen[2]);
    unlink(path);
    unlink(work);
    free(golden);
    free(copy);
    free(path);
    free(work);
    ck_assert_uint_eq(total, 0);
    /* Repair leaves nothing for the check to report: what it cannot make
     * whole is refused at open. */
    ck_assert_uint_eq(seen[2], 0);
}

START_TEST(damaged_1mib_never_crashes)
{
    damage_all(1u << 20, 1);
}
END_TEST

START_TEST(damaged_4mib_never_crashes)
{
    damage_all(4u << 20, 100001);
}
END_TEST


/* ---- Damages made by hand, each checked for its repair ---- */

#define HAND_KEYS 200

/* A 1 MiB store at path with one memory of integer keys k0..k199 = i. */
static void make_int_store(const char *path)
{
    bh_store_options o = {.capacity = 1u << 20};
    char url[512], key[32];
    bh_store *st;
    bh_shared *m;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    for (int i = 0; i < HAND_KEYS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert_int_eq(bh_shared_set_int(m, key, i), BH_OK);
    }
    bh_shared_close(m);
    bh_store_close(st);
}

/* The index of the first stripe with two live slots, and those slots. */
static uint64_t *two_slots(char *buf, size_t len, uint64_t *a, uint64_t *b)
{
    const struct bh_header *h = (const void *)buf;
    const struct bh_stripe *stripes = (const void *)(buf + h->stripes_off);

    for (unsigned s = 0; s < h->nstripes; s++) {
        uint64_t cap, *slots = file_slots(buf, len, stripes[s].index, &cap);
        int n = 0;
        for (uint64_t i = 0; slots && i < cap && n < 2; i++) {
            struct bh_entry *e = (void *)(buf + BH_SLOT_OFF(slots[i]));
            if (slots[i] > BH_SLOT_TOMB && e->type == BH_INT)
                *(n++ ? b : a) = i;
        }
        if (n == 2)
            return slots;
    }
    ck_abort_msg("no stripe with two integer keys");
    return NULL;
}

/* In the file at path, damaged by fn, which gets the file's bytes. */
static void damage_by_hand(const char *path, void (*fn)(char *buf, size_t len))
{
    size_t len;
    char *buf = read_all(path, &len);

    fn(buf, len);
    write_all(path, buf, len);
    free(buf);
}

/* An integer entry made a lock record: the repair must not write a lock
 * record's fields over the next block. */
static void int_to_lockrec(char *buf, size_t len)
{
    uint64_t a, b;
    uint64_t *slots = two_slots(buf, len, &a, &b);

    ((struct bh_entry *)(buf + BH_SLOT_OFF(slots[a])))->type = BH_T_LOCK;
}

/* One entry in two slots: freed through one, it would stay reachable
 * through the other. */
static void slot_twice(char *buf, size_t len)
{
    uint64_t a, b;
    uint64_t *slots = two_slots(buf, len, &a, &b);

    slots[b] = slots[a];
}

/* Opens the damaged store: it must be repaired (check passes, counted),
 * every key left must hold its own value, and deleting and writing every
 * key must leave it whole. Returns how many keys were lost. */
static int reopen_repaired(const char *path)
{
    char url[512], key[32];
    struct bh_store_stats stats;
    bh_store *st;
    bh_shared *m;
    int lost = 0;

    snprintf(url, sizeof url, "file:%s", path);
    bh_log_set_handler(quiet, NULL);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_store_stats(st, &stats), BH_OK);
    ck_assert_uint_ge(stats.recoveries, 1);
    ck_assert_int_eq(bh_shared_open(st, "m", &m), BH_OK);
    for (int i = 0; i < HAND_KEYS; i++) {
        int64_t v = -1;
        snprintf(key, sizeof key, "k%d", i);
        int rc = bh_shared_get_int(m, key, &v);
        ck_assert(rc == BH_OK || rc == BH_ENOTFOUND);
        lost += rc == BH_ENOTFOUND;
        ck_assert(rc != BH_OK || v == i);
        bh_shared_delete(m, key);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    for (int i = 0; i < HAND_KEYS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert_int_eq(bh_shared_set_int(m, key, i), BH_OK);
    }
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    bh_log_set_handler(NULL, NULL);
    return lost;
}

START_TEST(record_type_on_a_small_entry_is_dropped)
{
    char *path = bh_test_tmppath("hand");

    make_int_store(path);
    damage_by_hand(path, int_to_lockrec);
    ck_assert_int_eq(reopen_repaired(path), 1);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(entry_in_two_slots_keeps_one)
{
    char *path = bh_test_tmppath("hand");

    make_int_store(path);
    damage_by_hand(path, slot_twice);
    ck_assert_int_eq(reopen_repaired(path), 1); /* the key whose slot was overwritten */
    unlink(path);
    free(path);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("damage");

    bh_test_add_case(s, "damaged_1mib_never_crashes", damaged_1mib_never_crashes, NULL, NULL,
                     280);
    bh_test_add_case(s, "damaged_4mib_never_crashes", damaged_4mib_never_crashes, NULL, NULL,
                     280);
    bh_test_add_case(s, "record_type_on_a_small_entry_is_dropped",
                     record_type_on_a_small_entry_is_dropped, NULL, NULL, 60);
    bh_test_add_case(s, "entry_in_two_slots_keeps_one", entry_in_two_slots_keeps_one, NULL,
                     NULL, 60);
    return s;
}

int main(void)
{
    return bh_test_run_suite(make_suite());
}
