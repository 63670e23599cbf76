/*
 * The error handler in hosts mode: a bot on a redis:// store (getUpdates,
 * so hosts mode is on by itself) whose /boom kills its worker every time.
 * The feeder counts the crashes in the stream and writes the dead letter
 * under "<bot>:<source>:<update_id>"; the bot's error handler must still
 * be told of the crash (the retry) and of the dead letter, exactly once
 * each, and an ordinary update must still be answered afterwards.
 */
#include <check.h>
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

#define TOKEN "7474:HOSTERR"
#define BOT_MEM "bot:7474"
#define WAIT_MS 60000
#define CHAT 4242
#define USER 77

static bh_emu_proc emu;
static bh_redis_proc rp;
static pid_t bot_pid;

/* Counts each failure by kind, and keeps the update id of a dead letter. */
static int on_error(bh_ctx *ctx, const bh_failure *f)
{
    bh_shared *m = bh_ctx_shared(ctx);
    char key[64];

    snprintf(key, sizeof key, "fail:%d", (int)f->kind);
    bh_shared_incr(m, key, 1, NULL);
    if (f->kind == BH_FAIL_DEADLETTER) {
        bh_shared_set_int(m, "deadletter_update", f->update_id);
        /* The update was read back from the dead letter. */
        bh_shared_set_int(m, "deadletter_chat", f->chat_id);
    }
    return BH_OK;
}

static int boom(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    bh_shared_incr(bh_ctx_shared(ctx), "boom_runs", 1, NULL);
    kill(getpid(), SIGKILL);
    return BH_OK;
}

static int ping(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    return bh_shared_incr(bh_ctx_shared(ctx), "pings", 1, NULL);
}

static pid_t start_bot(void)
{
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_bot *bot = bh_bot_new(TOKEN);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        bh_bot_command(bot, "boom", boom, NULL);
        bh_bot_command(bot, "ping", ping, NULL);
        bh_bot_on_error(bot, on_error);
        setenv("BOTHIVE_API_URL", emu.url, 1);
        setenv("BOTHIVE_WORKERS", "2", 1);
        setenv("BOTHIVE_PROCESS_BACKLOG", "1", 1);
        setenv("BOTHIVE_STORE", rp.url, 1);
        setenv("BOTHIVE_LOG", "off", 1);
        _exit(bh_bot_run(bot, NULL) == BH_OK ? 0 : 1);
    }
    return pid;
}

static int64_t mem_int(const char *key)
{
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;

    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, BOT_MEM, &m), BH_OK);
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

static void wait_int(const char *key, int64_t want)
{
    int64_t end = bh_test_now_ms() + WAIT_MS, v = 0;

    while ((v = mem_int(key)) < want && bh_test_now_ms() < end)
        usleep(100 * 1000);
    ck_assert_msg(v >= want, "%s is %lld, not %lld", key, (long long)v, (long long)want);
}

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_redis_start(&rp), 0);
    bot_pid = 0;
}

static void teardown(void)
{
    if (bot_pid > 0) {
        kill(bot_pid, SIGKILL);
        bh_test_wait(bot_pid);
    }
    bh_redis_stop(&rp);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

START_TEST(a_dead_letter_of_hosts_mode_reaches_the_error_handler)
{
    int64_t id;

    bot_pid = start_bot();
    id = bh_emu_send_user_message(&emu, CHAT, USER, "/boom");
    ck_assert_int_gt(id, 0);
    wait_int("fail:3", 1); /* BH_FAIL_DEADLETTER */
    ck_assert_int_eq(mem_int("deadletter_update"), id);
    ck_assert_int_eq(mem_int("deadletter_chat"), CHAT);
    /* Two crashes in all set it aside; the retry was reported once. */
    ck_assert_int_eq(mem_int("boom_runs"), 2);
    ck_assert_int_eq(mem_int("fail:2"), 1);
    /* Ordinary updates go on, and nothing is reported twice. */
    ck_assert_int_gt(bh_emu_send_user_message(&emu, CHAT, USER, "/ping"), 0);
    wait_int("pings", 1);
    ck_assert_int_eq(mem_int("fail:3"), 1);
    ck_assert_int_eq(mem_int("boom_runs"), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hosts_errors");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 200);
    tcase_add_test(tc, a_dead_letter_of_hosts_mode_reaches_the_error_handler);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
