/*
 * Scheduled jobs: how long after its due time a job starts, under
 * bh_bot_run with 4 workers, a file: store and the emulator.
 *
 * A timer hook of the bot (so: in a worker, as a command would) schedules
 * the jobs once: three quarters due one after another 5 ms apart, a
 * quarter all due at the same instant. Each job's handler writes how late
 * it started (the wall clock minus its due time) into the store; the
 * figures are p50, p99 and the largest of those, against the target
 * p99 <= 50 ms. A second run has 2000 more jobs pending for tomorrow in
 * the store: every look at the jobs reads them all, so this is what a
 * bot with many pending reminders pays.
 *
 * The due-job lookup: one look at the jobs with nothing due, in this
 * process, with 100000 jobs pending over the next day in a file: store,
 * through the time index (what the runner's looks run) and by the full
 * walk of every job (the first look after a start, bh_schedule_run_due).
 *
 * --quick: a tiny run (40 jobs, 200 pending; 5000 for the lookup).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bothive/bothive.h>

#include "emu_util.h"
#include "util.h"

#define BENCH_TOKEN "4343:SCHEDULE"
#define BENCH_TARGET_P99_MS 50.0
#define BENCH_LEAD_MS 1000  /* from scheduling to the first due time */
#define BENCH_WAIT_MS 60000

static int njobs, nbg;

/* A job: how late it started, under "late:<name>". */
static int on_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    char key[BH_SCHEDULE_NAME_MAX + 8];
    int64_t late = bh_schedule_now_ms() - job->due_ms;
    bh_shared *m = bh_ctx_shared(ctx);

    snprintf(key, sizeof key, "late:%s", job->name);
    bh_shared_set_int(m, key, late);
    return bh_shared_incr(m, "done", 1, NULL);
}

/* The first tick schedules every job; later ticks do nothing. */
static int on_tick(bh_ctx *ctx)
{
    bh_shared *m = bh_ctx_shared(ctx);
    bh_value yes = bh_value_bool(1);
    int64_t t0 = bh_schedule_now_ms() + BENCH_LEAD_MS;
    char name[32];
    int rc;

    if (bh_shared_put(m, "started", &yes, BH_PUT_ADD, 0) != BH_OK)
        return 0;
    for (int i = 0; i < nbg; i++) {
        snprintf(name, sizeof name, "later%d", i);
        bh_schedule_spec s = {.name = name, .handler = "job"};
        if ((rc = bh_schedule_in(bh_ctx_bot(ctx), &s, 86400 * 1000)) != BH_OK)
            return rc;
    }
    t0 = bh_schedule_now_ms() + BENCH_LEAD_MS;
    for (int i = 0; i < njobs; i++) {
        int burst = i >= njobs * 3 / 4;
        snprintf(name, sizeof name, "job%d", i);
        bh_schedule_spec s = {.name = name, .handler = "job"};
        int64_t due = burst ? t0 + (int64_t)njobs * 5 + 200 : t0 + (int64_t)i * 5;
        if ((rc = bh_schedule_at(bh_ctx_bot(ctx), &s, due)) != BH_OK)
            return rc;
    }
    return 0;
}

/* The bot, in a child: returns only through _exit. */
static void run_bot(const char *api, const char *store)
{
    bh_bot *bot = bh_bot_new(BENCH_TOKEN);

    setenv("BOTHIVE_API_URL", api, 1);
    setenv("BOTHIVE_STORE", store, 1);
    setenv("BOTHIVE_WORKERS", "4", 1);
    setenv("BOTHIVE_LOG", "warn", 1);
    bh_bot_schedule_handler(bot, "job", on_job);
    bh_bot_timer(bot, 1, on_tick);
    _exit(bh_bot_run(bot, NULL) == BH_OK ? 0 : 1);
}

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Waits until every job ran; reads their lateness into late[]. */
static int collect(const char *store, int64_t *late)
{
    bh_bot *reader = bh_bot_new(BENCH_TOKEN);
    bh_store *st;
    bh_shared *m;
    int64_t done = 0, end = bh_bench_now_ns() / 1000000 + BENCH_WAIT_MS;
    char *id = NULL, key[64];
    int rc = -1;

    if (bh_store_open(&st, store, NULL) != BH_OK)
        return -1;
    if (asprintf(&id, "bot:%lld", (long long)bh_bot_id(reader)) < 0 ||
        bh_shared_open(st, id, &m) != BH_OK)
        goto out;
    while (done < njobs && (int64_t)(bh_bench_now_ns() / 1000000) < end) {
        usleep(50 * 1000);
        bh_shared_get_int(m, "done", &done);
    }
    for (int i = 0; done >= njobs && i < njobs; i++) {
        snprintf(key, sizeof key, "late:job%d", i);
        if (bh_shared_get_int(m, key, &late[i]) != BH_OK)
            goto close;
    }
    rc = done >= njobs ? 0 : -1;
close:
    bh_shared_close(m);
out:
    free(id);
    bh_store_close(st);
    bh_bot_free(reader);
    return rc;
}

/* One run with `bg` jobs pending beside the measured ones: prints its row
 * and target. 0, or -1 when the jobs did not all run. */
static int measure(const char *api, int bg)
{
    char store[256], path[200], what[64];
    int64_t *late = calloc((size_t)njobs, sizeof *late);
    const char *tmp = getenv("TMPDIR");
    pid_t bot;
    int rc = -1;

    nbg = bg;
    snprintf(path, sizeof path, "%s/bothive-bench-schedule-%d-%d", tmp ? tmp : "/tmp",
             (int)getpid(), bg);
    snprintf(store, sizeof store, "file:%s", path);
    unlink(path);
    if (!late || (bot = fork()) < 0)
        goto out;
    if (bot == 0)
        run_bot(api, store);
    if (collect(store, late) == 0) {
        qsort(late, (size_t)njobs, sizeof *late, cmp_int64);
        double p50 = (double)late[njobs / 2], p99 = (double)late[(njobs * 99 + 99) / 100 - 1];
        printf("RESULT bench=schedule jobs=%d pending=%d workers=4 store=file p50_ms=%.0f "
               "p99_ms=%.0f max_ms=%lld\n", njobs, bg, p50, p99, (long long)late[njobs - 1]);
        snprintf(what, sizeof what, bg ? "schedule_due_p99_ms_%d_pending" : "schedule_due_p99_ms",
                 bg);
        bh_bench_target(what, p99, BENCH_TARGET_P99_MS);
        rc = 0;
    } else {
        fprintf(stderr, "bench_schedule: the jobs did not all run\n");
    }
    kill(bot, SIGTERM);
    waitpid(bot, NULL, 0);
out:
    free(late);
    unlink(path);
    return rc;
}

#define BENCH_LOOKUP_REPS 7
#define BENCH_LOOKUP_TARGET_MS 20.0

static int lookup_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    (void)ctx;
    (void)job;
    return 0;
}

/* The median of BENCH_LOOKUP_REPS looks at now, in ms, into *out;
 * indexed: bh_schedule_look_due, else bh_schedule_run_due. */
static int lookup_time(bh_bot *bot, int64_t now, int indexed, struct bh_bench_stat *out)
{
    double ms[BENCH_LOOKUP_REPS];

    for (int r = 0; r < BENCH_LOOKUP_REPS; r++) {
        int64_t next = 0;
        uint64_t t0 = bh_bench_now_ns();
        int rc = indexed ? bh_schedule_look_due(bot, now, &next)
                         : bh_schedule_run_due(bot, now, &next);
        ms[r] = (double)(bh_bench_now_ns() - t0) / 1e6;
        if (rc != 0 || next <= now)
            return -1; /* nothing is due, something is pending */
    }
    *out = bh_bench_stat_of(ms, BENCH_LOOKUP_REPS);
    return 0;
}

/* n jobs pending over the next day (from a minute ahead), one look each
 * way: prints the row and the target of the indexed look. */
static int measure_lookup(int n)
{
    char path[200], url[256], name[32];
    const char *tmp = getenv("TMPDIR");
    bh_store_options o = {.capacity = (size_t)256 << 20};
    struct bh_bench_stat idx, walk;
    bh_store *st = NULL;
    bh_bot *bot = bh_bot_new("4444:LOOKUP");
    int64_t now = bh_schedule_now_ms();
    int rc = -1;

    snprintf(path, sizeof path, "%s/bothive-bench-lookup-%d", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(url, sizeof url, "file:%s", path);
    unlink(path);
    if (!bot || bh_store_open(&st, url, &o) != BH_OK || bh_bot_set_store(bot, st) != BH_OK ||
        bh_bot_schedule_handler(bot, "job", lookup_job) != BH_OK)
        goto out;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "p%d", i);
        bh_schedule_spec s = {.name = name, .handler = "job"};
        if (bh_schedule_at(bot, &s, now + 60000 + (int64_t)i * (86400000 / n)) != BH_OK)
            goto out;
    }
    if (lookup_time(bot, now, 1, &idx) != 0 || lookup_time(bot, now, 0, &walk) != 0)
        goto out;
    printf("RESULT bench=schedule_lookup pending=%d store=file indexed_ms=%.3f "
           "full_walk_ms=%.3f ratio=%.1f\n", n, idx.median, walk.median,
           walk.median / (idx.median > 0 ? idx.median : 1e-9));
    snprintf(name, sizeof name, "schedule_lookup_ms_%d", n);
    bh_bench_target_stat(name, idx, BENCH_LOOKUP_TARGET_MS);
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "bench_schedule: the lookup run failed\n");
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    return rc;
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick");
    bh_bench_emu emu;
    int rc = 0;

    njobs = quick ? 40 : 200;
    if (bh_bench_emu_start(&emu, BENCH_TOKEN, NULL) != 0) {
        fprintf(stderr, "bench_schedule: no emulator (set BOTHIVE_BIN)\n");
        return 1;
    }
    if (measure(emu.url, 0) != 0 || measure(emu.url, quick ? 200 : 2000) != 0)
        rc = 1;
    if (measure_lookup(quick ? 5000 : 100000) != 0)
        rc = 1;
    bh_bench_emu_stop(&emu);
    return rc;
}
