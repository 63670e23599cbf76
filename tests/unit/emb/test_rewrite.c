/*
 * Rewrites of string values (src/emb/undo.c): by the stripe's swap block (a
 * new entry written whole there and published by one slot store, the old
 * block kept as the next swap block), or, when the swap block is of another
 * size class, in place, the new value saved first in the stripe's undo
 * block under a record that recovery finishes. A writer SIGKILLed at any
 * instant must leave the old value or the new one, never a mix, on either
 * path, and the store must pass its check; a damaged undo record must be
 * dropped, not followed.
 */
#include <check.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emb/emb.h"
#include "emb/region.h"
#include "emb/undo.h"
#include "testutil.h"

#define KILLS 400
#define VLEN 480 /* under BH_UNDO_BYTES: rewritten in place */

static void fill(char *buf, char c, size_t len)
{
    memset(buf, c, len);
    buf[len] = 0;
}

/* Whether v is len bytes of one letter of "abcd" (len depends on it). */
static int whole(const bh_value *v)
{
    if (v->type != BH_STR || v->u.s.len == 0)
        return 0;
    const char *d = v->u.s.data;
    char c = d[0];
    if (c < 'a' || c > 'd' || v->u.s.len != (size_t)VLEN - (size_t)(c - 'a') * 8)
        return 0;
    for (size_t i = 0; i < v->u.s.len; i++)
        if (d[i] != c)
            return 0;
    return 1;
}

/* Whether v is the value of rewrite number i (rewriter below). */
static int is_rewrite(const bh_value *v, uint64_t i)
{
    return whole(v) && ((const char *)v->u.s.data)[0] == (char)('a' + i % 4);
}

/* The stripe of key in m's store, and the store's region. */
static unsigned stripe_of(bh_store *st, bh_shared *m, const char *key, struct bh_region **r)
{
    struct bh_key k;

    *r = &((struct bh_emb *)st)->r;
    bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, key, strlen(key));
    return bh_key_stripe(*r, &k);
}

/* The published entry of key (the caller holds its stripe or no one writes). */
static struct bh_entry *entry_of(struct bh_region *r, unsigned s, bh_shared *m, const char *key)
{
    struct bh_key k;
    struct bh_entry *e = NULL;

    bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, key, strlen(key));
    ck_assert_int_ge(bh_index_find_locked(r, s, &k, &e), 0);
    return e;
}

START_TEST(rewrite_keeps_values_and_types)
{
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1];

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    fill(buf, 'b', 10); /* shorter: in place */
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_STR);
    ck_assert_str_eq(v.u.s.data, buf);
    bh_value_free(&v);
    ck_assert_int_eq(bh_shared_set_bytes(m, "k", "\0x\0", 3), BH_OK); /* type changes */
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_BYTES);
    ck_assert_uint_eq(v.u.s.len, 3);
    ck_assert_int_eq(memcmp(v.u.s.data, "\0x\0", 3), 0);
    bh_value_free(&v);
    fill(buf, 'c', VLEN); /* longer than the block now holds? it was VLEN's */
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_str_eq(v.u.s.data, buf);
    bh_value_free(&v);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* Rewrites k with values of the four letters, counting each done: the
 * rewrite numbered done (from 1; number 0 is the parent's 'a') is the one in
 * progress. */
static void rewriter(const char *url, _Atomic uint64_t *done)
{
    bh_store *st;
    bh_shared *m;
    char buf[VLEN + 1];

    if (bh_store_open(&st, url, NULL) != BH_OK || bh_shared_open(st, "rw", &m) != BH_OK)
        _exit(2);
    for (uint64_t i = atomic_load(done) + 1;; i++) {
        unsigned c = (unsigned)(i % 4);
        fill(buf, (char)('a' + c), VLEN - c * 8);
        if (bh_shared_set_str(m, "k", buf) != BH_OK)
            _exit(3);
        atomic_fetch_add(done, 1);
    }
}

/* Kills the rewriter once it has made between 1 and 64 more rewrites. */
static void kill_mid_rewrite(pid_t pid, _Atomic uint64_t *done, unsigned *seed)
{
    uint64_t want = atomic_load(done) + 1 + (uint64_t)(rand_r(seed) % 64);
    int64_t deadline = bh_test_now_ms() + 30000;

    /* yield while spinning: on a loaded machine with few cores, a spin
     * that keeps its core starves the rewriter it waits for */
    while (atomic_load(done) < want && bh_test_now_ms() < deadline)
        sched_yield();
    ck_assert_uint_ge(atomic_load(done), want);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/*
 * For the in-place path: fills every swap word of key's stripe (one per
 * pid class, undo.h) with a block of a small class, so that rewrites of
 * key with long values, of another class, never swap and the words stay.
 * Returns the small class.
 */
static unsigned pin_swap_small(bh_store *st, bh_shared *m, const char *key)
{
    struct bh_region *r;
    unsigned s = stripe_of(st, m, key, &r), c = bh_entry_class(40);

    bh_stripe_lock(r, s);
    for (unsigned k = 0; k < BH_NSWAP; k++) {
        uint64_t off = r->stripes[s].swap[k];
        if (off)
            continue;
        off = bh_block_alloc_locked(r, s, 40);
        ck_assert_uint_ne(off, 0);
        r->stripes[s].swap[k] = BH_SWAP_MAKE(off, c);
    }
    bh_stripe_unlock(r, s);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    return c;
}

/* Whether every swap word of stripe s is 0 or of class c (0 too if zero). */
static int swaps_are(const struct bh_region *r, unsigned s, unsigned c, int zero)
{
    for (unsigned k = 0; k < BH_NSWAP; k++) {
        uint64_t w = r->stripes[s].swap[k];
        if (w ? BH_SWAP_CLASS(w) != c : !zero)
            return 0;
    }
    return 1;
}

/* Kills rewriters of k, on the swap path (_i 0) or the in-place one (1). */
START_TEST(killed_rewriters_leave_old_or_new)
{
    char *path = bh_test_tmppath("rewrite");
    char url[512];
    _Atomic uint64_t *done = mmap(NULL, sizeof *done, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    unsigned seed = 12345;
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1];

    ck_assert_ptr_ne(done, MAP_FAILED);
    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    struct bh_region *r;
    unsigned s = stripe_of(st, m, "k", &r), small = _i ? pin_swap_small(st, m, "k") : 0;
    unsigned big = bh_class_of(bh_entry_size(1, VLEN));
    for (int n = 0; n < KILLS; n++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0)
            rewriter(url, done);
        kill_mid_rewrite(pid, done, &seed);
        uint64_t last = atomic_load(done);
        ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
        ck_assert_msg(whole(&v), "kill %d left a torn value (%zu bytes)", n, v.u.s.len);
        /* Old (the last rewrite done) or new (the one it was killed in). */
        ck_assert_msg(is_rewrite(&v, last) || is_rewrite(&v, last + 1),
                      "kill %d after rewrite %llu left '%c'", n, (unsigned long long)last,
                      ((const char *)v.u.s.data)[0]);
        bh_value_free(&v);
        ck_assert_int_eq(bh_store_check(st), BH_OK);
        /* The path meant was the one taken (a swap block forgotten by a
         * recovery is made again by the next swap). */
        ck_assert(_i ? swaps_are(r, s, small, 0) : swaps_are(r, s, big, 1));
    }
    if (_i) {
        ck_assert_uint_ne(r->stripes[s].undo, 0);
    } else { /* the swap was taken: some word holds the last old entry */
        unsigned held = 0;
        for (unsigned k = 0; k < BH_NSWAP; k++)
            held += r->stripes[s].swap[k] != 0;
        ck_assert_uint_gt(held, 0);
    }
    bh_shared_close(m);
    bh_store_close(st);
    unlink(path);
    free(path);
    munmap(done, sizeof *done);
}
END_TEST

/*
 * A process dies holding the stripe with an in-place record naming an
 * offset that is no entry (only damage writes one): recovery must drop the
 * record, and the value must be what it was.
 */
START_TEST(damaged_record_is_dropped)
{
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1];

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    pin_swap_small(st, m, "k");
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK); /* makes the undo block */
    struct bh_region *r;
    unsigned s = stripe_of(st, m, "k", &r);
    ck_assert_uint_ne(r->stripes[s].undo, 0);
    pid_t pid = fork();
    if (pid == 0) {
        bh_stripe_lock(r, s);
        r->stripes[s].op = (struct bh_oprec){.op = BH_OP_INPLACE, .slot_pos = 7,
                                             .old_off = r->size - 8,
                                             .new_off = r->stripes[s].undo};
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_set_int(m, "other", 1), BH_OK);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_str_eq(v.u.s.data, buf);
    bh_value_free(&v);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/*
 * A writer dies after it saved the new value and set the record, having
 * copied only part of it over the old one (and changed neither length nor
 * type): recovery must finish the rewrite, so the next reader sees the new
 * value whole, with its length and type. Without the finish it would see
 * half 'c', half 'a'.
 */
START_TEST(interrupted_rewrite_is_finished)
{
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1], next[VLEN + 1];
    struct bh_region *r;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    unsigned s = stripe_of(st, m, "k", &r);
    fill(next, 'c', VLEN - 16);
    pid_t pid = fork();
    if (pid == 0) {
        bh_stripe_lock(r, s);
        struct bh_entry *e = entry_of(r, s, m, "k");
        if (!bh_undo_save_locked(r, s, e, BH_BYTES, next, VLEN - 16))
            _exit(3);
        memcpy(bh_entry_value(e), next, VLEN / 2);
        _exit(0);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_int_eq(v.type, BH_BYTES);
    ck_assert_uint_eq(v.u.s.len, VLEN - 16);
    ck_assert_int_eq(memcmp(v.u.s.data, next, VLEN - 16), 0);
    bh_value_free(&v);
    ck_assert_uint_eq(r->stripes[s].op.op, BH_OP_NONE);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/*
 * Values of up to 8 bytes replacing one of the same type and length are
 * one aligned store into the same entry, with no record (the entry does not
 * move, no undo block is made); other lengths or types of a small value
 * are rewritten whole (by the swap block). Each is read back.
 */
START_TEST(small_values_rewritten_in_place)
{
    bh_store *st;
    bh_shared *m;
    void *out;
    size_t len;
    struct bh_region *r;
    char *s8;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "k", "12345678", 8), BH_OK);
    unsigned s = stripe_of(st, m, "k", &r);
    struct bh_entry *e = entry_of(r, s, m, "k");
    ck_assert_int_eq(bh_shared_set_bytes(m, "k", "abcdefgh", 8), BH_OK);
    ck_assert_uint_eq(r->stripes[s].undo, 0); /* no saved copy was needed */
    ck_assert_ptr_eq(entry_of(r, s, m, "k"), e);
    ck_assert_int_eq(bh_shared_get_bytes(m, "k", &out, &len), BH_OK);
    ck_assert_uint_eq(len, 8);
    ck_assert_int_eq(memcmp(out, "abcdefgh", 8), 0);
    free(out);
    ck_assert_int_eq(bh_shared_set_bytes(m, "k", "xyz", 3), BH_OK); /* shorter */
    e = entry_of(r, s, m, "k");
    ck_assert_int_eq(bh_shared_set_bytes(m, "k", "uvw", 3), BH_OK); /* one word */
    ck_assert_ptr_eq(entry_of(r, s, m, "k"), e);
    ck_assert_int_eq(bh_shared_get_bytes(m, "k", &out, &len), BH_OK);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(out, "uvw", 3), 0);
    free(out);
    ck_assert_int_eq(bh_shared_set_str(m, "k", "uvw"), BH_OK); /* same bytes, new type */
    ck_assert_int_eq(bh_shared_get_str(m, "k", &s8), BH_OK);
    ck_assert_str_eq(s8, "uvw");
    free(s8);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/*
 * A writer dies right after the slot store of a swap, before it kept the
 * old entry as the swap block: the swap word names the published entry.
 * Recovery must forget it (the next swap would write over the live value)
 * and free the old entry, so that the check passes, the new value stays,
 * and later rewrites go on by swap.
 */
START_TEST(swap_killed_after_publishing)
{
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1], next[VLEN + 1];
    struct bh_region *r;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    fill(buf, 'b', VLEN - 8);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK); /* makes a swap block */
    unsigned s = stripe_of(st, m, "k", &r), mine = bh_swap_slot();
    ck_assert_uint_ne(r->stripes[s].swap[mine], 0);
    fill(next, 'c', VLEN - 16);
    pid_t pid = fork();
    if (pid == 0) {
        struct bh_key k;
        struct bh_entry *e = NULL;
        bh_stripe_lock(r, s);
        bh_key_init(&k, bh_emb_shared_of(m)->memory_no, BH_NS_DATA, "k", 1);
        int64_t pos = bh_index_find_locked(r, s, &k, &e);
        if (pos < 0 || !bh_entry_swap_locked(r, s, pos, e, BH_STR, next, VLEN - 16))
            _exit(3);
        /* As if killed before its last store: the word still names the
         * block just published. */
        e = entry_of(r, s, m, "k");
        r->stripes[s].swap[bh_swap_slot()] =
            BH_SWAP_MAKE(bh_off(r, e), bh_entry_class(bh_entry_size(1, VLEN - 16)));
        _exit(0);
    }
    unsigned theirs = (unsigned)pid & (BH_NSWAP - 1);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_str_eq(v.u.s.data, next);
    bh_value_free(&v);
    ck_assert_uint_eq(r->stripes[s].swap[theirs], 0);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK); /* swaps again */
    ck_assert_uint_ne(r->stripes[s].swap[mine], 0);
    ck_assert_ptr_ne(bh_at(r, BH_SWAP_OFF(r->stripes[s].swap[mine])), entry_of(r, s, m, "k"));
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_str_eq(v.u.s.data, buf);
    bh_value_free(&v);
    ck_assert_int_eq(bh_store_check(st), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

/* With the swap's threshold as shipped, a small store's rewrites are in
 * place: no swap block is made, the entry stays where it is. */
START_TEST(small_store_rewrites_in_place)
{
    bh_store *st;
    bh_shared *m;
    bh_value v;
    char buf[VLEN + 1];
    struct bh_region *r;

    bh_swap_min_bits = 11;
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "rw", &m), BH_OK);
    fill(buf, 'a', VLEN);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    unsigned s = stripe_of(st, m, "k", &r);
    struct bh_entry *e = entry_of(r, s, m, "k");
    fill(buf, 'b', VLEN - 8);
    ck_assert_int_eq(bh_shared_set_str(m, "k", buf), BH_OK);
    ck_assert(swaps_are(r, s, 0, 1) && r->stripes[s].swap[bh_swap_slot()] == 0);
    ck_assert_uint_ne(r->stripes[s].undo, 0);
    ck_assert_ptr_eq(entry_of(r, s, m, "k"), e);
    ck_assert_int_eq(bh_shared_get(m, "k", &v), BH_OK);
    ck_assert_str_eq(v.u.s.data, buf);
    bh_value_free(&v);
    bh_shared_close(m);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("emb_rewrite");
    /* The swap at any size, so that one key's rewrites take it (each test
     * runs in a child, which inherits this). */
    bh_swap_min_bits = 0;
    TCase *tc = tcase_create("rewrite");

    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, rewrite_keeps_values_and_types);
    tcase_add_loop_test(tc, killed_rewriters_leave_old_or_new, 0, 2);
    tcase_add_test(tc, damaged_record_is_dropped);
    tcase_add_test(tc, interrupted_rewrite_is_finished);
    tcase_add_test(tc, small_values_rewritten_in_place);
    tcase_add_test(tc, swap_killed_after_publishing);
    tcase_add_test(tc, small_store_rewrites_in_place);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
