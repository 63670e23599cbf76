/*
 * Scheduled jobs under bh_bot_run, against the emulator: a job whose worker
 * dies (a real _exit in the handler) runs again once its lease ends, and
 * one that kills two workers is set aside; at the start, jobs missed while
 * the bot was down run once or are skipped as their misfire policy says;
 * and two runners on one redis:// store (two hosts, as far as the jobs can
 * tell) run each job exactly once.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "redis_proc.h"
#include "testutil.h"

#define TOKEN "7171:SCHEDRUN"
#define WAIT_MS 60000

static bh_emu_proc emu;
static char *db;
static char url[600];
static pid_t bots[2];

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    db = bh_test_tmppath("schedrun");
    snprintf(url, sizeof url, "file:%s", db);
    bots[0] = bots[1] = 0;
}

static void teardown(void)
{
    for (int i = 0; i < 2; i++)
        if (bots[i] > 0) {
            kill(bots[i], SIGKILL);
            bh_test_wait(bots[i]);
        }
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(db);
    free(db);
}

/* Counts the runs of each job in the bot's memory, and its last attempt. */
static int on_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    char key[256];
    bh_shared *m = bh_ctx_shared(ctx);

    snprintf(key, sizeof key, "runs:%s", job->name);
    bh_shared_incr(m, key, 1, NULL);
    snprintf(key, sizeof key, "attempt:%s", job->name);
    bh_shared_set_int(m, key, job->attempt);
    return bh_shared_incr(m, "done", 1, NULL);
}

static int on_die_once(bh_ctx *ctx, const bh_schedule_job *job)
{
    if (job->attempt == 1)
        _exit(3);
    return on_job(ctx, job);
}

static int on_die(bh_ctx *ctx, const bh_schedule_job *job)
{
    (void)ctx;
    (void)job;
    _exit(4);
}

/* /near: a job 3 s from now, added in a hook (so the runner is told). */
static int on_near(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_schedule_spec s = {.name = "near", .handler = "job", .flags = BH_SCHEDULE_REPLACE};

    (void)msg;
    (void)args;
    return bh_schedule_in(bh_ctx_bot(ctx), &s, 3000);
}

static bh_bot *make_bot(void)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_ptr_nonnull(bot);
    bh_bot_command(bot, "near", on_near, "a job in 3 s");
    bh_bot_schedule_handler(bot, "job", on_job);
    bh_bot_schedule_handler(bot, "die_once", on_die_once);
    bh_bot_schedule_handler(bot, "die", on_die);
    return bot;
}

/* Runs the bot with `workers` workers on store url in a child; its log
 * goes to log_path when not NULL, at debug level. */
static pid_t start_bot_logged(const char *store, const char *workers, const char *log_path)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd < 0 || dup2(fd, 2) < 0)
                _exit(126);
            setenv("T_LOG", "debug", 1);
        }
        setenv("BOTHIVE_API_URL", emu.url, 1);
        setenv("BOTHIVE_WORKERS", workers, 1);
        setenv("BOTHIVE_PROCESS_BACKLOG", "1", 1); /* a /near sent before its first poll */
        setenv("BOTHIVE_STORE", store, 1);
        setenv("BOTHIVE_LOG", getenv("T_LOG") ? getenv("T_LOG") : "error", 1);
        _exit(bh_bot_run(make_bot(), NULL) == BH_OK ? 0 : 1);
    }
    return pid;
}

static pid_t start_bot(const char *store, const char *workers)
{
    return start_bot_logged(store, workers, NULL);
}

/* Stops bots[i] with SIGTERM: it must exit 0. */
static void stop_bot(int i)
{
    kill(bots[i], SIGTERM);
    ck_assert_int_eq(bh_test_wait(bots[i]), 0);
    bots[i] = 0;
}

/* Schedules jobs through a bot of this process on store url. */
typedef struct job_def {
    const char *name, *handler;
    int64_t due;
    bh_misfire misfire;
    int64_t lease;
} job_def;

static void schedule(const char *store, const job_def *defs, size_t n)
{
    bh_store *st;
    bh_bot *bot = make_bot();

    ck_assert_int_eq(bh_store_open(&st, store, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    for (size_t i = 0; i < n; i++) {
        bh_schedule_spec s = {.name = defs[i].name, .handler = defs[i].handler,
                              .misfire = defs[i].misfire, .lease_ms = defs[i].lease};
        ck_assert_int_eq(bh_schedule_at(bot, &s, defs[i].due), BH_OK);
    }
    bh_bot_free(bot);
    bh_store_close(st);
}

/* An integer of the bot's memory (0 when absent). */
static int64_t bot_int(const char *store, const char *memory, const char *key)
{
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;

    ck_assert_int_eq(bh_store_open(&st, store, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

static int bot_has(const char *store, const char *memory, const char *key)
{
    bh_store *st;
    bh_shared *m;
    int has;

    ck_assert_int_eq(bh_store_open(&st, store, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    has = bh_shared_contains(m, key);
    bh_shared_close(m);
    bh_store_close(st);
    return has;
}

static void wait_int(const char *store, const char *key, int64_t want)
{
    int64_t end = bh_test_now_ms() + WAIT_MS, v = 0;
    char mem[64];

    snprintf(mem, sizeof mem, "bot:%s", "7171");
    while ((v = bot_int(store, mem, key)) < want && bh_test_now_ms() < end)
        usleep(100 * 1000);
    ck_assert_msg(v >= want, "%s is %lld, not %lld", key, (long long)v, (long long)want);
}

static void wait_has(const char *store, const char *memory, const char *key)
{
    int64_t end = bh_test_now_ms() + WAIT_MS;

    while (bot_has(store, memory, key) != 1 && bh_test_now_ms() < end)
        usleep(100 * 1000);
    ck_assert_msg(bot_has(store, memory, key) == 1, "no %s in %s", key, memory);
}

START_TEST(a_dead_workers_job_runs_again_after_its_lease)
{
    int64_t now = bh_schedule_now_ms();
    job_def defs[] = {
        {"once", "die_once", now + 1000, BH_MISFIRE_RUN, 2000},
        {"die", "die", now + 1000, BH_MISFIRE_RUN, 2000},
    };

    schedule(url, defs, 2);
    bots[0] = start_bot(url, "4");
    wait_int(url, "runs:once", 1);
    ck_assert_int_eq(bot_int(url, "bot:7171", "attempt:once"), 2);
    wait_has(url, "bothive.deadletter", "schedule:die");
    sleep(3); /* a further lease: nothing runs again */
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:once"), 1);
    ck_assert_int_eq(bot_has(url, "bothive.schedule.7171", "job:die"), 0);
    ck_assert_int_eq(bot_has(url, "bothive.schedule.7171", "job:once"), 0);
    stop_bot(0);
}
END_TEST

START_TEST(missed_jobs_run_once_or_are_skipped_at_the_start)
{
    int64_t now = bh_schedule_now_ms();
    job_def defs[] = {
        {"missed-run", "job", now - 600000, BH_MISFIRE_RUN, 0},
        {"missed-skip", "job", now - 600000, BH_MISFIRE_SKIP, 0},
        {"soon", "job", now + 2000, BH_MISFIRE_SKIP, 0},
    };

    schedule(url, defs, 3);
    bots[0] = start_bot(url, "4");
    wait_int(url, "runs:soon", 1);
    wait_int(url, "runs:missed-run", 1);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:missed-skip"), 0);
    ck_assert_int_eq(bot_has(url, "bothive.schedule.7171", "job:missed-skip"), 0);
    ck_assert_int_eq(bot_int(url, "bot:7171", "done"), 2);
    stop_bot(0);
}
END_TEST

/* Nothing polls: over eight idle seconds with one job due after four, the
 * jobs are looked at when the bot starts and when the job is due (and
 * perhaps once more), not once per turn of the master's loop. */
START_TEST(jobs_are_looked_at_only_when_due)
{
    char *log = bh_test_tmppath("schedrun-log");
    job_def defs[] = {{"later", "job", bh_schedule_now_ms() + 4000, BH_MISFIRE_RUN, 0}};
    int looks;

    schedule(url, defs, 1);
    bots[0] = start_bot_logged(url, "4", log);
    wait_int(url, "runs:later", 1);
    sleep(4);
    stop_bot(0);
    looks = bh_test_count_in_file(log, "scheduled jobs looked at");
    ck_assert_msg(looks >= 2 && looks <= 3, "%d looks", looks);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:later"), 1);
    unlink(log);
    free(log);
}
END_TEST

/* Deletes the time index entries of job name in the store at url. */
static int unindex(const char *store, const char *name)
{
    bh_store *st;
    bh_shared *m;
    bh_cursor *c;
    const char *key;
    char *v = NULL;
    int n = 0;

    ck_assert_int_eq(bh_store_open(&st, store, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bothive.schedule.7171#due", &m), BH_OK);
    ck_assert_int_eq(bh_cursor_open(m, &c), BH_OK);
    while (bh_cursor_next(c, &key) == BH_OK) {
        if (bh_shared_get_str(m, key, &v) == BH_OK && !strcmp(v, name) &&
            bh_shared_delete(m, key) == BH_OK)
            n++;
        free(v);
        v = NULL;
    }
    bh_cursor_close(c);
    bh_shared_close(m);
    bh_store_close(st);
    return n;
}

/* A job the time index lost (as a crash or an older version could leave
 * it) is indexed again by the walk of the first look, and runs when due,
 * not at the next start. */
START_TEST(a_job_missing_from_the_index_is_indexed_at_the_start)
{
    job_def defs[] = {{"unindexed", "job", bh_schedule_now_ms() + 3000, BH_MISFIRE_RUN, 0}};

    schedule(url, defs, 1);
    ck_assert_int_eq(unindex(url, "unindexed"), 1);
    bots[0] = start_bot(url, "4");
    wait_int(url, "runs:unindexed", 1);
    stop_bot(0);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:unindexed"), 1);
}
END_TEST

/* A bot whose only job is days ahead looks once a day; a job added near
 * (in a hook) wakes it in time, before and after a restart, and one added
 * while it was down is found by the restart's look. Were the wake-up the
 * far job's, the near ones would wait a day and the waits would fail. */
START_TEST(a_near_job_after_a_far_one_wakes_the_bot_in_time)
{
    int64_t now = bh_schedule_now_ms();
    job_def far[] = {{"far", "job", now + 3 * 24 * 3600 * 1000LL, BH_MISFIRE_RUN, 0}};
    job_def soon[] = {{"soon", "job", 0, BH_MISFIRE_RUN, 0}};

    schedule(url, far, 1);
    bots[0] = start_bot(url, "2");
    ck_assert_int_gt(bh_emu_send_user_message(&emu, 42, 7, "/near"), 0);
    wait_int(url, "runs:near", 1);
    stop_bot(0);
    soon[0].due = bh_schedule_now_ms() + 5000;
    schedule(url, soon, 1);
    bots[0] = start_bot(url, "2");
    wait_int(url, "runs:soon", 1);
    ck_assert_int_gt(bh_emu_send_user_message(&emu, 42, 7, "/near"), 0);
    wait_int(url, "runs:near", 2);
    stop_bot(0);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:far"), 0);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:soon"), 1);
    ck_assert_int_eq(bot_int(url, "bot:7171", "runs:near"), 2);
}
END_TEST

#define HOSTS_JOBS 60

START_TEST(two_runners_on_one_redis_store_run_each_job_once)
{
    bh_redis_proc rp;
    job_def defs[HOSTS_JOBS];
    char names[HOSTS_JOBS][16], key[32];
    bh_store *probe;
    int64_t now;

    if (bh_redis_start(&rp) != 0)
        return; /* no redis-server: nothing to test (said on stderr) */
    if (bh_store_open(&probe, rp.url, NULL) != BH_OK) {
        bh_redis_stop(&rp); /* built without the redis backend */
        return;
    }
    bh_store_close(probe);
    now = bh_schedule_now_ms();
    for (int i = 0; i < HOSTS_JOBS; i++) {
        snprintf(names[i], sizeof names[i], "h%d", i);
        defs[i] = (job_def){names[i], "job", now + 3000 + (i % 6) * 100, BH_MISFIRE_RUN, 0};
    }
    schedule(rp.url, defs, HOSTS_JOBS);
    bots[0] = start_bot(rp.url, "2");
    bots[1] = start_bot(rp.url, "2");
    wait_int(rp.url, "done", HOSTS_JOBS);
    sleep(2);
    for (int i = 0; i < HOSTS_JOBS; i++) {
        snprintf(key, sizeof key, "runs:h%d", i);
        ck_assert_int_eq(bot_int(rp.url, "bot:7171", key), 1);
    }
    ck_assert_int_eq(bot_int(rp.url, "bot:7171", "done"), HOSTS_JOBS);
    stop_bot(0);
    stop_bot(1);
    bh_redis_stop(&rp);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_schedule_run");
    bh_test_add_case(s, "lease", a_dead_workers_job_runs_again_after_its_lease, setup, teardown,
                     240);
    bh_test_add_case(s, "misfire", missed_jobs_run_once_or_are_skipped_at_the_start, setup,
                     teardown, 240);
    bh_test_add_case(s, "idle", jobs_are_looked_at_only_when_due, setup, teardown, 240);
    bh_test_add_case(s, "reindex", a_job_missing_from_the_index_is_indexed_at_the_start, setup,
                     teardown, 240);
    bh_test_add_case(s, "far_near", a_near_job_after_a_far_one_wakes_the_bot_in_time, setup,
                     teardown, 240);
    bh_test_add_case(s, "hosts", two_runners_on_one_redis_store_run_each_job_once, setup,
                     teardown, 240);
    return bh_test_run_suite(s);
}
