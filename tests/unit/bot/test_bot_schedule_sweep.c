/*
 * The internal sweep as a scheduled job, and failures of timers and jobs,
 * under bh_bot_run against the emulator with 4 workers and a file: store:
 *  - an idle bot with one pending conversation timeout is swept when the
 *    timeout is due, not every second (the sweeps are counted in the
 *    debug log), and the timeout hook has the chat's and the user's
 *    memories;
 *  - a conversation started before a restart times out after it;
 *  - a timer whose worker is killed (SIGKILL) and a job whose handler
 *    calls abort() or SIGKILLs its worker, or returns an error, reach the
 *    bot's error handler, as an update's failures do.
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
#include "testutil.h"

#define TOKEN "7373:SWEEP"
#define BOT_MEM "bot:7373"
#define WAIT_MS 60000
#define TIMEOUT_S 4
#define CHAT -100500
#define USER 77

static bh_emu_proc emu;
static char *db;
static char url[600];
static pid_t bot_pid;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    db = bh_test_tmppath("sweep");
    snprintf(url, sizeof url, "file:%s", db);
    bot_pid = 0;
}

static void teardown(void)
{
    if (bot_pid > 0) {
        kill(bot_pid, SIGKILL);
        bh_test_wait(bot_pid);
    }
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(db);
    free(db);
}

/* ---- The bot ---- */

static int ask(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    bh_shared_incr(bh_ctx_shared(ctx), "asked", 1, NULL);
    return bh_conversation_next(ctx, "waiting");
}

static int answer(bh_ctx *ctx, const bh_message *msg)
{
    (void)msg;
    return bh_conversation_end(ctx);
}

/* Writes into the chat's and the user's memories, and counts. */
static int timed_out(bh_ctx *ctx, int64_t chat_id, int64_t user_id)
{
    bh_shared *chat = bh_ctx_chat_memory(ctx), *user = bh_ctx_user_memory(ctx);
    bh_shared *m = bh_ctx_shared(ctx);

    if (!chat || !user)
        return bh_shared_incr(m, "no_scoped_memory", 1, NULL);
    bh_shared_set_int(chat, "timed_out_chat", chat_id);
    bh_shared_set_int(user, "timed_out_user", user_id);
    return bh_shared_incr(m, "timeouts", 1, NULL);
}

/* Counts each failure by kind and hook, and by kind and job. */
static int on_error(bh_ctx *ctx, const bh_failure *f)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[256];

    snprintf(key, sizeof key, "fail:%d:%s", (int)f->kind, f->hook ? f->hook : "-");
    bh_shared_incr(m, key, 1, NULL);
    if (f->job) {
        snprintf(key, sizeof key, "job:%d:%s", (int)f->kind, f->job);
        bh_shared_incr(m, key, 1, NULL);
        snprintf(key, sizeof key, "chat:%s", f->job);
        bh_shared_set_int(m, key, f->chat_id);
        snprintf(key, sizeof key, "code:%s", f->job);
        bh_shared_set_int(m, key, f->code);
    }
    return BH_OK;
}

/* Its first two runs are killed: the first is retried, the retry dies too. */
static int tick(bh_ctx *ctx)
{
    int64_t n = 0;

    bh_shared_incr(bh_ctx_shared(ctx), "ticks", 1, &n);
    if (n <= 2)
        kill(getpid(), SIGKILL);
    return BH_OK;
}

static int job_abort_once(bh_ctx *ctx, const bh_schedule_job *job)
{
    if (job->attempt == 1)
        abort();
    return bh_shared_incr(bh_ctx_shared(ctx), "abort_once_ran", 1, NULL);
}

static int job_kill(bh_ctx *ctx, const bh_schedule_job *job)
{
    (void)ctx;
    (void)job;
    kill(getpid(), SIGKILL);
    return BH_OK;
}

static int job_fail(bh_ctx *ctx, const bh_schedule_job *job)
{
    (void)ctx;
    (void)job;
    return BH_EOVERFLOW;
}

enum { WITH_CONVERSATION = 1, WITH_FAILURES = 2 };

static bh_bot *make_bot(int what)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = bh_conversation_new("ask");

    ck_assert_ptr_nonnull(bot);
    if (what & WITH_CONVERSATION) {
        bh_conversation_command(cv, BH_CONV_ENTRY, "ask", ask);
        bh_conversation_text(cv, "waiting", answer);
        bh_conversation_timeout(cv, TIMEOUT_S, timed_out);
        bh_bot_conversation(bot, cv);
    }
    bh_conversation_free(cv);
    if (what & WITH_FAILURES) {
        bh_bot_on_error(bot, on_error);
        bh_bot_timer(bot, 1, tick);
        bh_bot_schedule_handler(bot, "abort_once", job_abort_once);
        bh_bot_schedule_handler(bot, "kill", job_kill);
        bh_bot_schedule_handler(bot, "fail", job_fail);
    }
    return bot;
}

/* Runs the bot in a child, its log at debug level into log_path (NULL:
 * errors only, to stderr). */
static pid_t start_bot(int what, const char *log_path)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (fd < 0 || dup2(fd, 2) < 0)
                _exit(126);
        }
        setenv("BOTHIVE_API_URL", emu.url, 1);
        setenv("BOTHIVE_WORKERS", "4", 1);
        setenv("BOTHIVE_PROCESS_BACKLOG", "1", 1);
        setenv("BOTHIVE_STORE", url, 1);
        setenv("BOTHIVE_LOG", log_path ? "debug" : "off", 1);
        _exit(bh_bot_run(make_bot(what), NULL) == BH_OK ? 0 : 1);
    }
    return pid;
}

static void stop_bot(void)
{
    kill(bot_pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(bot_pid), 0);
    bot_pid = 0;
}

/* ---- Reading the store ---- */

static int64_t mem_int(const char *memory, const char *key)
{
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;

    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

static void wait_int(const char *memory, const char *key, int64_t want)
{
    int64_t end = bh_test_now_ms() + WAIT_MS, v = 0;

    while ((v = mem_int(memory, key)) < want && bh_test_now_ms() < end)
        usleep(100 * 1000);
    ck_assert_msg(v >= want, "%s of %s is %lld, not %lld", key, memory, (long long)v,
                  (long long)want);
}

/* The scoped memories the timeout hook wrote. */
static void check_scoped_memories(void)
{
    char chat[64], user[64];

    snprintf(chat, sizeof chat, BOT_MEM "#chat:%d", CHAT);
    snprintf(user, sizeof user, BOT_MEM "#user:%d", USER);
    ck_assert_int_eq(mem_int(chat, "timed_out_chat"), CHAT);
    ck_assert_int_eq(mem_int(user, "timed_out_user"), USER);
    ck_assert_int_eq(mem_int(BOT_MEM, "no_scoped_memory"), 0);
}

/* Sends /ask (processed even if queued before the bot's first poll). */
static void ask_now(void)
{
    ck_assert_int_gt(bh_emu_send_user_message(&emu, CHAT, USER, "/ask"), 0);
}

/* ---- Tests ---- */

/*
 * One conversation waits TIMEOUT_S seconds, then the bot stays idle as
 * long again: a sweep every second would run more than 2 * TIMEOUT_S
 * times; riding on the jobs, it runs at the start and at the deadline
 * (and perhaps once more should a look meet a lease's end).
 */
START_TEST(an_idle_bot_is_swept_when_a_timeout_is_due_not_every_second)
{
    char *log = bh_test_tmppath("sweep-log");
    int sweeps, looks;

    bot_pid = start_bot(WITH_CONVERSATION, log);
    ask_now();
    wait_int(BOT_MEM, "asked", 1);
    wait_int(BOT_MEM, "timeouts", 1);
    sleep(TIMEOUT_S);
    stop_bot();
    ck_assert_int_eq(mem_int(BOT_MEM, "timeouts"), 1);
    check_scoped_memories();
    sweeps = bh_test_count_in_file(log, "sweep ran");
    looks = bh_test_count_in_file(log, "scheduled jobs looked at");
    ck_assert_msg(sweeps >= 2 && sweeps <= 3, "%d sweeps", sweeps);
    ck_assert_msg(looks >= 2 && looks <= 4, "%d looks", looks);
    unlink(log);
    free(log);
}
END_TEST

/* The bot stops with the conversation waiting; started again on the same
 * file: store, it times the conversation out. */
START_TEST(a_timeout_fires_after_a_restart)
{
    bot_pid = start_bot(WITH_CONVERSATION, NULL);
    ask_now();
    wait_int(BOT_MEM, "asked", 1);
    stop_bot();
    ck_assert_int_eq(mem_int(BOT_MEM, "timeouts"), 0);
    bot_pid = start_bot(WITH_CONVERSATION, NULL);
    wait_int(BOT_MEM, "timeouts", 1);
    sleep(1);
    stop_bot();
    ck_assert_int_eq(mem_int(BOT_MEM, "timeouts"), 1);
    check_scoped_memories();
}
END_TEST

/* Schedules a job in 1 s through a bot of this process on the store. */
static void schedule(const char *name, const char *handler, int64_t chat)
{
    bh_store *st;
    bh_bot *bot = make_bot(WITH_FAILURES);
    bh_schedule_spec s = {.name = name, .handler = handler, .chat_id = chat,
                          .lease_ms = 2000};

    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    ck_assert_int_eq(bh_schedule_in(bot, &s, 1000), BH_OK);
    bh_bot_free(bot);
    bh_store_close(st);
}

START_TEST(timer_and_job_crashes_and_errors_reach_the_error_handler)
{
    schedule("a", "abort_once", 11);
    schedule("k", "kill", 12);
    schedule("f", "fail", 13);
    bot_pid = start_bot(WITH_FAILURES, NULL);
    /* The timer: its retry is reported as a crash, the retry's death as
     * set aside; the next tick runs. */
    wait_int(BOT_MEM, "fail:2:timer 0", 1);
    wait_int(BOT_MEM, "fail:3:timer 0", 1);
    wait_int(BOT_MEM, "ticks", 3);
    /* abort() in the first attempt: the second is reported, and runs. */
    wait_int(BOT_MEM, "abort_once_ran", 1);
    ck_assert_int_eq(mem_int(BOT_MEM, "job:2:a"), 1);
    ck_assert_int_eq(mem_int(BOT_MEM, "chat:a"), 11);
    /* SIGKILL in both attempts: the second is reported, then the set-aside. */
    wait_int(BOT_MEM, "job:3:k", 1);
    ck_assert_int_eq(mem_int(BOT_MEM, "job:2:k"), 1);
    ck_assert_int_eq(mem_int(BOT_MEM, "fail:3:job kill"), 1);
    /* A negative code. */
    wait_int(BOT_MEM, "job:1:f", 1);
    ck_assert_int_eq(mem_int(BOT_MEM, "code:f"), BH_EOVERFLOW);
    ck_assert_int_eq(mem_int(BOT_MEM, "fail:1:job fail"), 1);
    stop_bot();
    ck_assert_int_eq(mem_int(BOT_MEM, "job:1:a"), 0);
    ck_assert_int_eq(mem_int(BOT_MEM, "job:2:f"), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_schedule_sweep");
    bh_test_add_case(s, "idle", an_idle_bot_is_swept_when_a_timeout_is_due_not_every_second,
                     setup, teardown, 240);
    bh_test_add_case(s, "restart", a_timeout_fires_after_a_restart, setup, teardown, 240);
    bh_test_add_case(s, "failures", timer_and_job_crashes_and_errors_reach_the_error_handler,
                     setup, teardown, 240);
    return bh_test_run_suite(s);
}
