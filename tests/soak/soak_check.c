/*
 * The soak's verdict, read after the bot stopped: per-chat counts against
 * what was sent, the store's usage and structure, the emulator's fault
 * counters, and the processes' memory and descriptors. See soak.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bothive/bothive.h"
#include "soak.h"

/* A process that lived this many samples (2 s) is judged on growth. */
#define SOAK_MIN_SAMPLES 20
/* Growth allowed between a process's first and last sample: a heap that
 * settles (malloc arenas, libcurl's caches) grows a little once; a leak of
 * even a few dozen bytes an update passes this over a long run. */
#define SOAK_ANON_GROWTH_KB 8192
#define SOAK_FD_GROWTH 4
#define SOAK_DONE_SLACK 1024

typedef struct soak_counts {
    int64_t total, shortfall, excess, deadletters, chats_short;
} soak_counts;

/* The memory's integer at key, 0 when absent. */
static int64_t get_int(bh_shared *m, const char *key)
{
    int64_t v = 0;
    return bh_shared_get_int(m, key, &v) == BH_OK ? v : 0;
}

/* Reads every chat's count and compares it with what was sent. */
static int read_counts(const soak_run *r, bh_store *st, soak_counts *c)
{
    bh_shared *m, *dl;
    size_t dead = 0;
    char key[48];
    if (bh_shared_open(st, SOAK_MEMORY, &m) != BH_OK ||
        bh_shared_open(st, "bothive.deadletter", &dl) != BH_OK)
        return -1;
    bh_shared_len(dl, &dead);
    bh_shared_close(dl);
    c->deadletters = (int64_t)dead;
    c->total = get_int(m, "total");
    for (int64_t i = 0; i < r->cfg.chats; i++) {
        snprintf(key, sizeof key, "c:%" PRId64, 1000 + i);
        int64_t got = get_int(m, key), want = r->sent[i];
        if (got < want) {
            c->shortfall += want - got;
            c->chats_short++;
        } else {
            c->excess += got - want;
        }
    }
    bh_shared_close(m);
    return 0;
}

/* Counts: every update counted at least once, except those set aside
 * (each of which killed two workers, so it may be missing); at most one
 * extra count per killed worker (its update in flight, counted before the
 * kill and counted again on the retry), and, when the master was
 * SIGKILLed, one per worker (what each had in flight then). */
static int judge_counts(const soak_run *r, const soak_counts *c)
{
    int64_t extra_bound = r->kills + (r->cfg.restart_kill ? r->cfg.workers : 0);
    int64_t sum = r->injected - c->shortfall + c->excess;
    printf("counts: sent %" PRId64 ", counted %" PRId64 " (sum of chats %" PRId64 "), %" PRId64
           " short in %" PRId64 " chats, %" PRId64 " extra; set aside %" PRId64
           "; bound: short <= set aside, extra <= %" PRId64 "\n",
           r->injected, c->total, sum, c->shortfall, c->chats_short, c->excess, c->deadletters,
           extra_bound);
    int ok = c->shortfall <= c->deadletters && c->excess <= extra_bound && c->total == sum;
    printf("counts: %s\n", !ok ? "WRONG" : c->shortfall + c->excess == 0 ? "exact" :
                                         "within the at-least-once bound");
    return ok ? 0 : -1;
}

/* The store: bh_store_check passes and usage is what the keys explain:
 * a count per chat, a marker per crash, the set-aside updates, and the
 * framework's own keys (bothive.done marks updates processed but not yet
 * confirmed: a window of at most SOAK_DONE_SLACK). */
static int judge_store(const soak_run *r, bh_store *st, const soak_counts *c)
{
    struct bh_store_stats s;
    int rc = bh_store_check(st);
    if (rc != BH_OK) {
        printf("store: bh_store_check: %s: %s\n", bh_strerror(rc), bh_store_errmsg(st));
        return -1;
    }
    if (bh_store_stats(st, &s) != BH_OK)
        return -1;
    uint64_t key_bound = (uint64_t)(r->cfg.chats + r->crashes + c->deadletters + SOAK_DONE_SLACK);
    size_t used_bound = ((size_t)1 << 20) + (size_t)key_bound * 256;
    printf("store: check passed; used %zu of %zu bytes, %" PRIu64 " keys, %" PRIu64
           " memories, %" PRIu64 " recoveries; bounds: keys <= %" PRIu64 ", used <= %zu\n",
           s.used, s.capacity, s.keys, s.memories, s.recoveries, key_bound, used_bound);
    return s.keys <= key_bound && s.used <= used_bound ? 0 : -1;
}

static void print_emulator(soak_run *r)
{
    printf("emulator: %" PRId64 " updates queued, %" PRId64 " confirmed; %" PRId64
           " answered 429, %" PRId64 " answered 500; %" PRId64 " getUpdates, %" PRId64
           " messages sent by the bot (%" PRId64 " pings)\n",
           soak_emu_stat(r, "updates_queued"), soak_emu_stat(r, "updates_confirmed"),
           soak_emu_stat(r, "faults_429"), soak_emu_stat(r, "faults_500"),
           soak_emu_stat(r, "by_method.getUpdates"), soak_emu_stat(r, "sent_messages"), r->pings);
    printf("faults: %" PRId64 " workers SIGKILLed, %" PRId64 " handler crashes, %" PRId64
           " fault windows, %" PRId64 " restarts of the bot\n",
           r->kills, r->crashes, r->fault_windows, r->restarts);
}

int soak_check(soak_run *r)
{
    char url[600];
    bh_store *st;
    soak_counts c = {0};
    int bad = 0;

    print_emulator(r);
    snprintf(url, sizeof url, "file:%s", r->cfg.store_path);
    if (bh_store_open(&st, url, NULL) != BH_OK) {
        printf("store: cannot open %s\n", url);
        return -1;
    }
    if (read_counts(r, st, &c) != 0) {
        printf("store: cannot read the counts\n");
        bad = 1;
    } else {
        bad |= judge_counts(r, &c) != 0;
        bad |= judge_store(r, st, &c) != 0;
    }
    bh_store_close(st);
    bad |= bh_soak_sampler_report(&r->sampler, SOAK_MIN_SAMPLES, SOAK_ANON_GROWTH_KB,
                                  SOAK_FD_GROWTH) != 0;
    return bad ? -1 : 0;
}
