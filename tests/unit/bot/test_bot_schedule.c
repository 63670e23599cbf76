/*
 * Scheduled jobs in the store, without the runner: bh_schedule_run_due at
 * chosen times runs what is due once, reschedules what repeats, applies
 * the misfire policy, and takes a run again from a process that died with
 * it (real fork, a real _exit in the handler) once, then sets it aside.
 * Several processes running the due jobs at once run each exactly once, on
 * mem:, file: and (when redis-server is there) redis:// stores; a file:
 * store keeps the jobs across a close and reopen.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"

#define TOKEN "4242:SCHEDULE"
#define T0 ((int64_t)1800000000000) /* 2027-01-15, a fixed "now" */

static bh_store *st;
static bh_bot *bot;
static char *path;

/* What the handlers saw, in the store, so that forked runners count too. */
static bh_shared *seen(void)
{
    bh_shared *m;
    ck_assert_int_eq(bh_shared_open(st, "test.seen", &m), BH_OK);
    return m;
}

static int64_t seen_int(const char *key)
{
    bh_shared *m = seen();
    int64_t v = 0;
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    return v;
}

/* Counts runs per job name, and keeps the last data, chat and attempt. */
static int on_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    bh_shared *m = seen();
    char key[256];

    ck_assert_ptr_eq(bh_ctx_bot(ctx), bot);
    snprintf(key, sizeof key, "runs:%s", job->name);
    bh_shared_incr(m, key, 1, NULL);
    bh_shared_set_str(m, "data", job->data);
    bh_shared_set_int(m, "chat", job->chat_id);
    bh_shared_set_int(m, "attempt", job->attempt);
    bh_shared_set_int(m, "due", job->due_ms);
    bh_shared_close(m);
    return 0;
}

/* Dies on the first attempt, runs on the second. */
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

static void open_bot(const char *url)
{
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_ptr_nonnull(bot = bh_bot_new(TOKEN));
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    ck_assert_int_eq(bh_bot_schedule_handler(bot, "job", on_job), BH_OK);
    ck_assert_int_eq(bh_bot_schedule_handler(bot, "die_once", on_die_once), BH_OK);
    ck_assert_int_eq(bh_bot_schedule_handler(bot, "die", on_die), BH_OK);
}

static void close_bot(void)
{
    bh_bot_free(bot);
    bh_store_close(st);
    bot = NULL;
    st = NULL;
}

static void setup(void)
{
    path = bh_test_tmppath("schedule");
    open_bot("mem:");
}

static void teardown(void)
{
    close_bot();
    unlink(path);
    free(path);
}

static size_t pending(int64_t chat)
{
    bh_schedule_info *l;
    size_t n;
    ck_assert_int_eq(bh_schedule_list(bot, chat, &l, &n), BH_OK);
    bh_schedule_list_free(l, n);
    return n;
}

START_TEST(once_runs_at_its_time_then_is_gone)
{
    bh_schedule_spec s = {.name = "tea", .handler = "job", .chat_id = 42, .data = "tea"};
    int64_t next = -1;
    char *data = NULL;

    ck_assert_int_eq(bh_schedule_at(bot, &s, T0 + 5000), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &s, T0 + 6000), BH_EEXISTS);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0, &next), 0);
    ck_assert_int_eq(next, T0 + 5000);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 4999, NULL), 0);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 5000, &next), 1);
    ck_assert_int_eq(next, 0);
    ck_assert_int_eq(seen_int("runs:tea"), 1);
    ck_assert_int_eq(seen_int("chat"), 42);
    ck_assert_int_eq(seen_int("due"), T0 + 5000);
    bh_shared *m = seen();
    ck_assert_int_eq(bh_shared_get_str(m, "data", &data), BH_OK);
    ck_assert_str_eq(data, "tea");
    free(data);
    bh_shared_close(m);
    ck_assert_int_eq(pending(0), 0);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 99999, NULL), 0);
    ck_assert_int_eq(seen_int("runs:tea"), 1);
}
END_TEST

START_TEST(bad_specs_are_refused)
{
    bh_schedule_spec s = {.name = "x", .handler = "job"};
    bh_schedule_spec noname = {.handler = "job"}, nohandler = {.name = "x"};
    char big[BH_SCHEDULE_NAME_MAX + 2];

    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bh_schedule_spec longname = {.name = big, .handler = "job"};
    ck_assert_int_eq(bh_schedule_at(bot, &noname, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, &nohandler, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, &longname, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(NULL, &s, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, NULL, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_in(bot, &s, -1), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_every(bot, &s, 999, 0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, &s, BH_SCHEDULE_TIME_MAX + 1), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_every(bot, &s, 1000, BH_SCHEDULE_TIME_MAX + 1), BH_EINVAL);
    bh_schedule_spec lease = {.name = "x", .handler = "job",
                              .lease_ms = BH_SCHEDULE_SPAN_MAX + 1};
    ck_assert_int_eq(bh_schedule_at(bot, &lease, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_daily(bot, &s, 25, 0, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_daily(bot, &s, 1, 0, "No/Where"), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_cron(bot, &s, "* * *", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_cron(bot, &s, "0 0 31 2 *", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_schedule_handler(bot, "", on_job), BH_EINVAL);
    ck_assert_int_eq(bh_bot_schedule_handler(bot, "job", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_cancel(bot, "x"), BH_ENOTFOUND);
    ck_assert_int_eq(pending(0), 0);
    /* A bot without a store cannot schedule. */
    bh_bot *lone = bh_bot_new(TOKEN);
    ck_assert_int_eq(bh_schedule_at(lone, &s, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_run_due(lone, T0, NULL), BH_EINVAL);
    bh_bot_free(lone);
}
END_TEST

START_TEST(every_keeps_its_phase_and_runs_a_missed_stretch_once)
{
    bh_schedule_spec s = {.name = "tick", .handler = "job"};
    int64_t next;

    ck_assert_int_eq(bh_schedule_every(bot, &s, 60000, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 10, &next), 1);
    ck_assert_int_eq(next, T0 + 60000);
    /* Ten minutes missed (within the default grace of the run due at
     * T0 + 10 min): one run, and the phase is kept. */
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 600000 + 5000, &next), 1);
    ck_assert_int_eq(next, T0 + 660000);
    ck_assert_int_eq(seen_int("runs:tick"), 2);
    ck_assert_int_eq(seen_int("due"), T0 + 60000);
}
END_TEST

START_TEST(misfire_skip_drops_a_missed_run)
{
    bh_schedule_spec once = {.name = "late", .handler = "job", .misfire = BH_MISFIRE_SKIP};
    bh_schedule_spec run = {.name = "late-run", .handler = "job"};
    bh_schedule_spec tick = {.name = "tick", .handler = "job", .misfire = BH_MISFIRE_SKIP,
                             .grace_ms = 1000};
    int64_t next;

    ck_assert_int_eq(bh_schedule_at(bot, &once, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &run, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_every(bot, &tick, 60000, T0), BH_OK);
    /* Five minutes late: the default grace is one minute. */
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 300000, &next), 1);
    ck_assert_int_eq(seen_int("runs:late"), 0);
    ck_assert_int_eq(seen_int("runs:late-run"), 1);
    ck_assert_int_eq(seen_int("runs:tick"), 0);
    ck_assert_int_eq(next, T0 + 360000);
    ck_assert_int_eq(pending(0), 1);
    /* Within the grace it runs. */
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 360500, NULL), 1);
    ck_assert_int_eq(seen_int("runs:tick"), 1);
}
END_TEST

START_TEST(list_filters_by_chat_sorts_by_time_and_cancel_removes)
{
    bh_schedule_spec a = {.name = "a", .handler = "job", .chat_id = 1, .data = "A",
                          .user_id = 9};
    bh_schedule_spec b = {.name = "b", .handler = "job", .chat_id = 2, .user_id = 9};
    bh_schedule_spec c = {.name = "c", .handler = "job", .chat_id = 1};
    bh_schedule_info *l;
    size_t n;

    ck_assert_int_eq(bh_schedule_at(bot, &a, T0 + 3000), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &b, T0 + 1000), BH_OK);
    ck_assert_int_eq(bh_schedule_cron(bot, &c, "0 12 * * *", "Europe/Rome"), BH_OK);
    ck_assert_int_eq(bh_schedule_list(bot, 0, &l, &n), BH_OK);
    ck_assert_int_eq(n, 3);
    /* c is due at the next noon in Rome from the real now, before T0. */
    ck_assert_str_eq(l[0].name, "c");
    ck_assert_str_eq(l[0].data, "");
    ck_assert_int_eq(l[0].kind, BH_SCHEDULE_CRON);
    ck_assert_str_eq(l[1].name, "b");
    ck_assert_str_eq(l[2].name, "a");
    ck_assert_str_eq(l[2].data, "A");
    bh_schedule_list_free(l, n);
    ck_assert_int_eq(pending(1), 2);
    ck_assert_int_eq(pending(2), 1);
    ck_assert_int_eq(bh_schedule_list_of(bot, 0, 9, &l, &n), BH_OK);
    ck_assert_int_eq(n, 2);
    bh_schedule_list_free(l, n);
    ck_assert_int_eq(bh_schedule_list_of(bot, 2, 9, &l, &n), BH_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(l[0].name, "b");
    bh_schedule_list_free(l, n);
    ck_assert_int_eq(bh_schedule_cancel(bot, "a"), BH_OK);
    ck_assert_int_eq(bh_schedule_cancel(bot, "a"), BH_ENOTFOUND);
    ck_assert_int_eq(pending(1), 1);
    /* REPLACE moves a job. */
    a.flags = BH_SCHEDULE_REPLACE;
    ck_assert_int_eq(bh_schedule_at(bot, &a, T0 + 5000), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &a, T0 + 7000), BH_OK);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 6000, NULL), 2); /* b and c */
    ck_assert_int_eq(seen_int("runs:a"), 0);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 7000, NULL), 1);
    ck_assert_int_eq(seen_int("runs:a"), 1);
}
END_TEST

/* Runs the due jobs at now in a child process; its exit status. */
static int run_in_child(int64_t now)
{
    pid_t pid = fork();
    int status;

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(bh_schedule_run_due(bot, now, NULL) >= 0 ? 0 : 1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

START_TEST(a_run_whose_process_died_is_retried_once_then_set_aside)
{
    bh_schedule_spec once = {.name = "once", .handler = "die_once", .lease_ms = 10000};
    bh_schedule_spec die = {.name = "die", .handler = "die", .lease_ms = 10000};
    bh_schedule_info *l;
    bh_shared *dl;
    char *json = NULL;
    size_t n;

    ck_assert_int_eq(bh_schedule_at(bot, &once, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &die, T0), BH_OK);
    /* The first run of both kills its process. */
    int a = run_in_child(T0), b = run_in_child(T0);
    ck_assert_msg((a == 3 && b == 4) || (a == 4 && b == 3), "exits %d %d", a, b);
    ck_assert_int_eq(bh_schedule_list(bot, 0, &l, &n), BH_OK);
    ck_assert_int_ge(n, 1);
    ck_assert(l[0].running);
    bh_schedule_list_free(l, n);
    /* Within the lease nobody takes them. */
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 5000, NULL), 0);
    /* After it, each is run again, in a child since "die" dies again. */
    for (int k = 0; k < 4 && pending(0) > 0; k++)
        run_in_child(T0 + 20000 + k * 20000);
    ck_assert_int_eq(seen_int("runs:once"), 1);
    ck_assert_int_eq(seen_int("attempt"), 2);
    ck_assert_int_eq(pending(0), 0);
    ck_assert_int_eq(bh_shared_open(st, "bothive.deadletter", &dl), BH_OK);
    ck_assert_int_eq(bh_shared_get_json(dl, "schedule:die", &json), BH_OK);
    ck_assert_ptr_nonnull(strstr(json, "\"attempt\":2"));
    ck_assert_int_eq(bh_shared_contains(dl, "schedule:once"), 0);
    free(json);
    bh_shared_close(dl);
}
END_TEST

/* nproc processes run the due jobs of njobs at once, over and over: each
 * job runs exactly once. */
static void race(int nproc, int njobs)
{
    pid_t pids[8];
    char name[32];

    for (int i = 0; i < njobs; i++) {
        snprintf(name, sizeof name, "j%d", i);
        bh_schedule_spec s = {.name = name, .handler = "job"};
        ck_assert_int_eq(bh_schedule_at(bot, &s, T0 + i), BH_OK);
    }
    for (int p = 0; p < nproc; p++) {
        ck_assert_int_ge(pids[p] = fork(), 0);
        if (pids[p] == 0) {
            for (int k = 0; k < 20; k++)
                if (bh_schedule_run_due(bot, T0 + njobs, NULL) < 0)
                    _exit(1);
            _exit(0);
        }
    }
    for (int p = 0; p < nproc; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    for (int i = 0; i < njobs; i++) {
        snprintf(name, sizeof name, "runs:j%d", i);
        ck_assert_msg(seen_int(name) == 1, "%s ran %lld times", name, (long long)seen_int(name));
    }
    ck_assert_int_eq(pending(0), 0);
}

START_TEST(racing_processes_run_each_job_once_mem)
{
    race(4, 200);
}
END_TEST

START_TEST(racing_processes_run_each_job_once_file)
{
    char url[600];

    close_bot();
    snprintf(url, sizeof url, "file:%s", path);
    open_bot(url);
    race(4, 200);
}
END_TEST

START_TEST(racing_processes_run_each_job_once_redis)
{
    bh_redis_proc rp;

    if (bh_redis_start(&rp) != 0) {
        fprintf(stderr, "redis-server not available: redis case skipped\n");
        return;
    }
    close_bot();
    bh_store *probe;
    if (bh_store_open(&probe, rp.url, NULL) == BH_ENOTSUP) {
        bh_redis_stop(&rp);
        open_bot("mem:");
        return;
    }
    bh_store_close(probe);
    open_bot(rp.url);
    race(4, 100);
    /* A job outlives the bot's connection: a new one finds it. */
    bh_schedule_spec s = {.name = "kept", .handler = "job", .chat_id = 5};
    ck_assert_int_eq(bh_schedule_at(bot, &s, T0 + 1000), BH_OK);
    close_bot();
    open_bot(rp.url);
    ck_assert_int_eq(pending(5), 1);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0 + 1000, NULL), 1);
    ck_assert_int_eq(seen_int("runs:kept"), 1);
    close_bot();
    bh_redis_stop(&rp);
    open_bot("mem:");
}
END_TEST

START_TEST(a_file_store_keeps_jobs_across_a_reopen)
{
    bh_schedule_spec s = {.name = "later", .handler = "job", .chat_id = 7, .data = "kept"};
    char url[600];

    close_bot();
    snprintf(url, sizeof url, "file:%s", path);
    open_bot(url);
    ck_assert_int_eq(bh_schedule_daily(bot, &s, 17, 0, "Europe/Rome"), BH_OK);
    close_bot();
    open_bot(url);
    bh_schedule_info *l;
    size_t n;
    ck_assert_int_eq(bh_schedule_list(bot, 7, &l, &n), BH_OK);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(l[0].data, "kept");
    ck_assert_int_eq(l[0].kind, BH_SCHEDULE_DAILY);
    int64_t due = l[0].due_ms, next, want;
    bh_schedule_list_free(l, n);
    ck_assert_int_eq(bh_schedule_run_due(bot, due, &next), 1);
    ck_assert_int_eq(bh_schedule_daily_next(17, 0, "Europe/Rome", due, &want), BH_OK);
    ck_assert_int_eq(next, want);
    ck_assert_int_eq(seen_int("runs:later"), 1);
}
END_TEST

/* A damaged record (its times past the limits, its form wrong) is ignored,
 * not run. */
START_TEST(a_damaged_record_is_ignored)
{
    bh_shared *m;
    char id[64];

    snprintf(id, sizeof id, "bothive.schedule.%lld", (long long)bh_bot_id(bot));
    ck_assert_int_eq(bh_shared_open(st, id, &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_json(m, "job:bad", "{\"name\":\"bad\",\"handler\":\"job\","
                     "\"kind\":\"once\",\"due\":-9223372036854775807,\"lease\":1000}"), BH_OK);
    ck_assert_int_eq(bh_shared_set_json(m, "job:notjob", "[1,2]"), BH_OK);
    /* Stored values are an 8-byte time, then the JSON: too short, a time
     * that says due before JSON that is not a job, a NUL inside. */
    ck_assert_int_eq(bh_shared_set_bytes(m, "job:short", "abc", 3), BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "job:garbage", "\0\0\0\0\0\0\0\0{\"name\":1}", 18),
                     BH_OK);
    ck_assert_int_eq(bh_shared_set_bytes(m, "job:nul", "\0\0\0\0\0\0\0\0{\0}", 11), BH_OK);
    bh_shared_close(m);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0, NULL), 0);
    ck_assert_int_eq(pending(0), 0);
    ck_assert_int_eq(seen_int("runs:bad"), 0);
}
END_TEST

START_TEST(a_job_without_its_handler_is_logged_and_dropped)
{
    bh_schedule_spec s = {.name = "orphan", .handler = "nobody"};

    ck_assert_int_eq(bh_schedule_at(bot, &s, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_run_due(bot, T0, NULL), 0);
    ck_assert_int_eq(pending(0), 0);
}
END_TEST

/* A component's job: writes into its owner's memory and its chat's. */
static int on_component_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    bh_shared *chat = bh_ctx_chat_memory(ctx);

    ck_assert_ptr_nonnull(chat);
    ck_assert_int_eq(bh_shared_set_int(chat, "reminded", job->chat_id), BH_OK);
    return bh_shared_set_str(bh_ctx_shared(ctx), "ran", job->name);
}

static int on_component_fail(bh_ctx *ctx, const bh_schedule_job *job)
{
    (void)ctx;
    (void)job;
    return BH_EIO;
}

/* Keeps what the error handler was told. */
static int on_error_seen(bh_ctx *ctx, const bh_failure *f)
{
    bh_shared *m = seen();
    char key[128];

    (void)ctx;
    snprintf(key, sizeof key, "err:%d:%s", (int)f->kind, f->hook);
    bh_shared_incr(m, key, 1, NULL);
    bh_shared_set_str(m, "err.component", f->component);
    bh_shared_set_str(m, "err.job", f->job ? f->job : "");
    bh_shared_set_int(m, "err.code", f->code);
    bh_shared_set_int(m, "err.chat", f->chat_id);
    bh_shared_close(m);
    return BH_OK;
}

static char *mem_str(const char *memory, const char *key)
{
    bh_shared *m;
    char *v = NULL;

    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    bh_shared_get_str(m, key, &v);
    bh_shared_close(m);
    return v;
}

/* A component's handlers run its jobs with its memory (and the job's chat
 * memory of the component), and their errors reach the bot's handler. */
START_TEST(a_components_job_runs_with_the_components_memory)
{
    bh_component *c = bh_component_new("notes");
    bh_bot *b = bh_bot_new(TOKEN);
    bh_schedule_spec ok = {.name = "n1", .handler = "notes.remind", .chat_id = 42};
    bh_schedule_spec bad = {.name = "n2", .handler = "notes.fail", .chat_id = 43};
    bh_shared *chat;
    int64_t v = 0;
    char *text;

    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(bh_component_schedule_handler(NULL, "x", on_component_job), BH_EINVAL);
    ck_assert_int_eq(bh_component_schedule_handler(c, "@x", on_component_job), BH_EINVAL);
    ck_assert_int_eq(bh_component_schedule_handler(c, "notes.remind", on_component_job), BH_OK);
    ck_assert_int_eq(bh_component_schedule_handler(c, "notes.fail", on_component_fail), BH_OK);
    ck_assert_int_eq(bh_bot_use(b, c), BH_OK);
    bh_component_free(c);
    ck_assert_int_eq(bh_bot_on_error(b, on_error_seen), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(b, st), BH_OK);
    ck_assert_int_eq(bh_schedule_at(b, &ok, T0), BH_OK);
    ck_assert_int_eq(bh_schedule_at(b, &bad, T0 + 10), BH_OK);
    ck_assert_int_eq(bh_schedule_run_due(b, T0 + 10, NULL), 2);
    ck_assert_str_eq(text = mem_str("bot:4242/notes", "ran"), "n1");
    free(text);
    ck_assert_ptr_null(mem_str("bot:4242", "ran"));
    ck_assert_int_eq(bh_bot_chat_memory(b, c, 42, &chat), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(chat, "reminded", &v), BH_OK);
    ck_assert_int_eq(v, 42);
    bh_shared_close(chat);
    ck_assert_int_eq(seen_int("err:1:job notes.fail"), 1);
    ck_assert_int_eq(seen_int("err.code"), BH_EIO);
    ck_assert_int_eq(seen_int("err.chat"), 43);
    bh_shared *m = seen();
    ck_assert_int_eq(bh_shared_get_str(m, "err.component", &text), BH_OK);
    ck_assert_str_eq(text, "notes");
    free(text);
    ck_assert_int_eq(bh_shared_get_str(m, "err.job", &text), BH_OK);
    ck_assert_str_eq(text, "n2");
    free(text);
    bh_shared_close(m);
    bh_bot_free(b);
}
END_TEST

/* Names starting with '@' are the framework's (the internal sweep's). */
START_TEST(internal_names_are_refused)
{
    bh_schedule_spec s = {.name = "@sweep", .handler = "job"};
    bh_schedule_spec h = {.name = "x", .handler = "@sweep"};

    ck_assert_int_eq(bh_bot_schedule_handler(bot, "@mine", on_job), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, &s, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_at(bot, &h, T0), BH_EINVAL);
    ck_assert_int_eq(bh_schedule_cancel(bot, "@sweep"), BH_EINVAL);
}
END_TEST

/* Deletes the index entries naming job `name`; returns how many. */
static int index_entries_of(const char *name, int delete)
{
    bh_shared *m;
    bh_cursor *c;
    const char *key;
    char *v = NULL;
    int n = 0;

    ck_assert_int_eq(bh_shared_open(st, "bothive.schedule.4242#due", &m), BH_OK);
    ck_assert_int_eq(bh_cursor_open(m, &c), BH_OK);
    while (bh_cursor_next(c, &key) == BH_OK) {
        if (bh_shared_get_str(m, key, &v) == BH_OK && !strcmp(v, name)) {
            n++;
            if (delete)
                bh_shared_delete(m, key);
        }
        free(v);
        v = NULL;
    }
    bh_cursor_close(c);
    bh_shared_close(m);
    return n;
}

#define MIN_MS 60000

/* The runner's looks (bh_schedule_look_due) find due jobs through the
 * time index: the next look's time, the due ones only, once each; an
 * entry whose job was cancelled is dropped once a minute old; a job whose
 * entry is lost is not found by the index, but by the full walk. */
START_TEST(the_time_index_finds_the_due_jobs)
{
    int64_t now = bh_schedule_now_ms(), next = 0, far = now + 180 * MIN_MS;
    char name[32];

    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "far%d", i);
        bh_schedule_spec f = {.name = name, .handler = "job"};
        ck_assert_int_eq(bh_schedule_at(bot, &f, far + i), BH_OK);
    }
    bh_schedule_spec soon = {.name = "soon", .handler = "job"};
    bh_schedule_spec gone = {.name = "gone", .handler = "job"};
    bh_schedule_spec lost = {.name = "lost", .handler = "job"};
    ck_assert_int_eq(bh_schedule_at(bot, &soon, now + 2 * MIN_MS), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &gone, now + 5 * MIN_MS), BH_OK);
    ck_assert_int_eq(bh_schedule_at(bot, &lost, now + 10 * MIN_MS), BH_OK);
    ck_assert_int_eq(index_entries_of("soon", 0), 1);
    ck_assert_int_eq(bh_schedule_look_due(bot, now, &next), 0);
    ck_assert(next > now && next <= now + 2 * MIN_MS);
    ck_assert_int_eq(bh_schedule_look_due(bot, now + 2 * MIN_MS, &next), 1);
    ck_assert_int_eq(seen_int("runs:soon"), 1);
    ck_assert_int_eq(index_entries_of("soon", 0), 0); /* dropped with its record */
    ck_assert(next > now + 2 * MIN_MS && next <= now + 5 * MIN_MS);
    /* Cancelled: its entry stays until a look a minute after its time. */
    ck_assert_int_eq(bh_schedule_cancel(bot, "gone"), BH_OK);
    ck_assert_int_eq(bh_schedule_look_due(bot, now + 5 * MIN_MS, NULL), 0);
    ck_assert_int_eq(bh_schedule_look_due(bot, now + 8 * MIN_MS, NULL), 0);
    ck_assert_int_eq(index_entries_of("gone", 0), 0);
    /* Lost from the index: only the full walk finds it. */
    ck_assert_int_eq(index_entries_of("lost", 1), 1);
    ck_assert_int_eq(bh_schedule_look_due(bot, now + 11 * MIN_MS, NULL), 0);
    ck_assert_int_eq(bh_schedule_run_due(bot, now + 11 * MIN_MS, NULL), 1);
    ck_assert_int_eq(seen_int("runs:lost"), 1);
    /* The far ones, all at once, each once. */
    ck_assert_int_eq(bh_schedule_look_due(bot, far + 100, &next), 50);
    ck_assert_int_eq(bh_schedule_look_due(bot, far + 100, &next), 0);
    ck_assert_int_eq(next, 0);
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "runs:far%d", i);
        ck_assert_int_eq(seen_int(name), 1);
    }
    ck_assert_int_eq(pending(0), 0);
}
END_TEST

/* The watermark of the time index, or -1. */
static int64_t watermark(void)
{
    bh_shared *m;
    int64_t k = -1;

    ck_assert_int_eq(bh_shared_open(st, "bothive.schedule.4242#due", &m), BH_OK);
    bh_shared_get_int(m, "mark", &k);
    bh_shared_close(m);
    return k;
}

/* Jobs due hours before the first look after them (no look for ten hours:
 * the looks' clock is moved on) run at that look and the next ones, each
 * exactly once across four processes; the watermark survives a restart
 * on a file: store (without it, the jobs would wait for the next start's
 * full walk). A look that has not caught up asks for the next at once. */
START_TEST(jobs_due_hours_before_a_look_run_once)
{
    int64_t now = bh_schedule_now_ms(), late = now + 600 * MIN_MS, next = 0, mark;
    pid_t pids[4];
    char name[32], url[600];

    close_bot();
    snprintf(url, sizeof url, "file:%s", path);
    open_bot(url);
    ck_assert_int_eq(bh_schedule_look_due(bot, now, NULL), 0);
    ck_assert_int_ge(mark = watermark(), now / MIN_MS - 61);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "late%d", i);
        bh_schedule_spec s = {.name = name, .handler = "job"};
        /* Half 2 hours ahead of now, half 7 hours: 8 and 3 hours before
         * the look; the second half beyond the first look's stretch. */
        int64_t at = now + (i % 2 ? 420 : 120) * MIN_MS + i * 1000;
        ck_assert_int_eq(bh_schedule_at(bot, &s, at), BH_OK);
    }
    close_bot();
    open_bot(url);
    ck_assert_int_eq(watermark(), mark);
    ck_assert_int_eq(bh_schedule_look_due(bot, late, &next), 20);
    ck_assert_int_eq(next, late); /* behind: look again now */
    ck_assert_int_gt(watermark(), mark);
    for (int p = 0; p < 4; p++) {
        ck_assert_int_ge(pids[p] = fork(), 0);
        if (pids[p] == 0) {
            for (int k = 0; k < 10; k++)
                if (bh_schedule_look_due(bot, late, NULL) < 0)
                    _exit(1);
            _exit(0);
        }
    }
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "runs:late%d", i);
        ck_assert_msg(seen_int(name) == 1, "%s ran %lld times", name, (long long)seen_int(name));
    }
    ck_assert_int_eq(pending(0), 0);
    ck_assert_int_eq(watermark(), late / MIN_MS - 60);
    ck_assert_int_eq(bh_schedule_look_due(bot, late, &next), 0);
    ck_assert_int_eq(next, 0);
}
END_TEST

/* With its only job three days ahead, a look's next time is a day later;
 * a job added near then is the next look's time, also after a restart;
 * following the looks' times, each runs once, never before its time. */
START_TEST(a_near_job_after_a_far_one_is_the_next_look)
{
    int64_t now = bh_schedule_now_ms(), far = now + 3 * 1440 * MIN_MS, near = now + 10 * MIN_MS;
    int64_t next = 0, t;
    bh_schedule_spec f = {.name = "far", .handler = "job"};
    bh_schedule_spec n = {.name = "near", .handler = "job"};
    char url[600];
    int looks = 0;

    close_bot();
    snprintf(url, sizeof url, "file:%s", path);
    open_bot(url);
    ck_assert_int_eq(bh_schedule_at(bot, &f, far), BH_OK);
    ck_assert_int_eq(bh_schedule_look_due(bot, now, &next), 0);
    ck_assert(next > now + 1439 * MIN_MS && next <= now + 1442 * MIN_MS);
    ck_assert_int_eq(bh_schedule_at(bot, &n, near), BH_OK);
    ck_assert_int_eq(bh_schedule_look_due(bot, now, &next), 0);
    ck_assert(next > now && next <= near);
    close_bot();
    open_bot(url);
    ck_assert_int_eq(bh_schedule_run_due(bot, now, &next), 0);
    ck_assert_int_eq(next, near);
    ck_assert_int_eq(bh_schedule_look_due(bot, now, &next), 0);
    ck_assert(next > now && next <= near);
    for (t = now; next && looks < 100; looks++) {
        t = next > t ? next : t;
        ck_assert_int_ge(bh_schedule_look_due(bot, t, &next), 0);
        if (seen_int("runs:near") == 1 && !seen_int("runs:far"))
            ck_assert_int_eq(seen_int("due"), near);
    }
    ck_assert_int_lt(looks, 100);
    ck_assert_int_eq(seen_int("runs:near"), 1);
    ck_assert_int_eq(seen_int("runs:far"), 1);
    ck_assert_int_eq(seen_int("due"), far);
    ck_assert_int_ge(t, far);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_schedule");
    bh_test_add_case(s, "once", once_runs_at_its_time_then_is_gone, setup, teardown, 60);
    bh_test_add_case(s, "bad", bad_specs_are_refused, setup, teardown, 60);
    bh_test_add_case(s, "every", every_keeps_its_phase_and_runs_a_missed_stretch_once, setup,
                     teardown, 60);
    bh_test_add_case(s, "misfire", misfire_skip_drops_a_missed_run, setup, teardown, 60);
    bh_test_add_case(s, "list", list_filters_by_chat_sorts_by_time_and_cancel_removes, setup,
                     teardown, 60);
    bh_test_add_case(s, "retry", a_run_whose_process_died_is_retried_once_then_set_aside, setup,
                     teardown, 60);
    bh_test_add_case(s, "race_mem", racing_processes_run_each_job_once_mem, setup, teardown, 240);
    bh_test_add_case(s, "race_file", racing_processes_run_each_job_once_file, setup, teardown,
                     240);
    bh_test_add_case(s, "race_redis", racing_processes_run_each_job_once_redis, setup, teardown,
                     240);
    bh_test_add_case(s, "reopen", a_file_store_keeps_jobs_across_a_reopen, setup, teardown, 60);
    bh_test_add_case(s, "damaged", a_damaged_record_is_ignored, setup, teardown, 60);
    bh_test_add_case(s, "orphan", a_job_without_its_handler_is_logged_and_dropped, setup,
                     teardown, 60);
    bh_test_add_case(s, "component", a_components_job_runs_with_the_components_memory, setup,
                     teardown, 60);
    bh_test_add_case(s, "internal", internal_names_are_refused, setup, teardown,
                     60);
    bh_test_add_case(s, "index", the_time_index_finds_the_due_jobs, setup, teardown, 60);
    bh_test_add_case(s, "late", jobs_due_hours_before_a_look_run_once, setup, teardown, 120);
    bh_test_add_case(s, "far_near", a_near_job_after_a_far_one_is_the_next_look, setup,
                     teardown, 60);
    return bh_test_run_suite(s);
}
