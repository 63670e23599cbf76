/*
 * The backlog rule on one host with a file: store: the updates waiting
 * when a bot starts are skipped at its very first start only; after a
 * clean restart, or a crash of the whole runner, they are processed.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "runner_app.h"
#include "testutil.h"

static bh_test_runner_fx fx;

static void setup(void)
{
    bh_test_runner_fx_setup(&fx, "778:BACKLOG", "backlog", BH_LOG_WARN);
}

static void teardown(void)
{
    bh_test_runner_fx_teardown(&fx);
}

/* Waits until update id was processed; fails the test after 30 s. */
static void processed(int64_t id)
{
    char key[64];
    snprintf(key, sizeof key, "p:%lld", (long long)id);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1);
}

static int64_t count(int64_t id)
{
    char key[64];
    snprintf(key, sizeof key, "p:%lld", (long long)id);
    return bh_test_runner_get(fx.st, key);
}

START_TEST(test_skipped_at_first_start_only)
{
    bh_test_runner r;
    int64_t first = bh_emu_send_user_message(&fx.emu, 5, 5, "sleep:0"), id;

    bh_test_runner_fx_init(&fx, &r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    /* The skip is the first getUpdates, the long poll the second: send
     * after it. */
    int64_t polls = 0, end = bh_test_now_ms() + 30000;
    while ((bh_emu_stat(&fx.emu, "by_method.getUpdates", &polls) != 0 || polls < 2) &&
           bh_test_now_ms() < end)
        usleep(10000);
    id = bh_emu_send_user_message(&fx.emu, 5, 5, "sleep:0");
    processed(id);
    ck_assert_int_eq(count(first), 0); /* the first start skipped it */
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    /* Sent while the bot is down: processed after a clean restart. */
    int64_t down = bh_emu_send_user_message(&fx.emu, 5, 5, "sleep:0");
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    processed(down);
    /* A crash of the whole runner with an update in flight: after the
     * restart it is processed, not skipped as a backlog. */
    int64_t slow = bh_emu_send_user_message(&fx.emu, 6, 6, "sleep:3000");
    char key[64];
    snprintf(key, sizeof key, "b:%lld", (long long)slow);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1);
    kill(r.pid, SIGKILL);
    bh_test_wait(r.pid);
    sleep(1); /* the orphaned children end with their master */
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    processed(slow);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("runner_backlog");
    bh_test_add_case(s, "first_start", test_skipped_at_first_start_only, setup, teardown, 200);
    return bh_test_run_suite(s);
}
