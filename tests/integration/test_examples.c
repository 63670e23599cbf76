/*
 * The examples, run for real: each example bot is started as a process
 * with 4 workers against the emulator, users write through the control API,
 * and the bot's answers (and its file: store afterwards) must be exact.
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
#include "example_proc.h"
#include "testutil.h"

#define TOKEN "5151:EXAMPLES"

static bh_emu_proc emu;
static pid_t bot;
static char *store_path;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    store_path = bh_test_tmppath("examples");
    bot = 0;
}

static void teardown(void)
{
    if (bot > 0) {
        kill(bot, SIGKILL);
        bh_test_wait(bot);
    }
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(store_path);
    free(store_path);
}

/* Starts examples/<name> with 4 workers and a file: store, and waits until
 * it polls (what is sent before would be its skipped backlog). */
static void start_example(const char *name)
{
    char store[600];

    snprintf(store, sizeof store, "file:%s", store_path);
    bot = bh_example_start(&emu, TOKEN, name, store);
}

/* Stops the bot with SIGTERM: it must finish and exit 0. */
static void stop_example(void)
{
    kill(bot, SIGTERM);
    ck_assert_int_eq(bh_test_wait(bot), 0);
    bot = 0;
}

static void say(int64_t chat, int64_t user, const char *text, const char *type)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"%s\"}",
             (long long)chat, (long long)user, text, type);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 200);
}

/* The text of the last message the bot sent to chat, waiting up to
 * timeout_ms for at least `count` messages there. malloc'd, or NULL. */
static char *last_sent(int64_t chat, int count, int timeout_ms)
{
    char path[64], key[32];
    int64_t end = bh_test_now_ms() + timeout_ms;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    snprintf(key, sizeof key, "result.%d.text", count - 1);
    while (bh_test_now_ms() < end) {
        char *resp = NULL, *t = NULL;
        if (bh_emu_get(&emu, path, &resp) == 200)
            t = bh_emu_json_str(resp, key);
        free(resp);
        if (t)
            return t;
        usleep(50 * 1000);
    }
    return NULL;
}

static int64_t store_int(const char *memory, const char *key)
{
    char url[600];
    bh_store_options o = {.flags = BH_STORE_READONLY};
    bh_store *st;
    bh_shared *m;
    int64_t v = -1;

    snprintf(url, sizeof url, "file:%s", store_path);
    ck_assert_int_eq(bh_store_open(&st, url, &o), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, memory, &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, key, &v), BH_OK);
    bh_shared_close(m);
    bh_store_close(st);
    return v;
}

START_TEST(counter_counts_2000_messages_in_50_chats)
{
    char want[64], *t = NULL;

    start_example("counter");
    for (int i = 0; i < 2000; i++) {
        int chat = 1 + i % 50;
        say(chat, chat, "a message", "private");
    }
    snprintf(want, sizeof want, "This bot received %d messages", 2000);
    /* Workers may still be busy with other chats: ask until all counted
     * (for two minutes, not a number of times: a slow machine asks less
     * often). */
    int64_t end = bh_test_now_ms() + 120000;
    for (int n = 1; bh_test_now_ms() < end; n++) {
        say(999, 999, "/count", "private");
        free(t);
        t = last_sent(999, n, 10000);
        ck_assert_ptr_nonnull(t);
        if (!strcmp(t, want))
            break;
        usleep(250 * 1000);
    }
    ck_assert_str_eq(t, want);
    free(t);
    stop_example();
    ck_assert(store_int("bot:5151", "messages") == 2000);
}
END_TEST

START_TEST(locks_example)
{
    start_example("locks");
    for (int round = 0; round < 20; round++)
        for (int chat = 1; chat <= 50; chat++)
            say(-chat, 100 + round, "hi", "group");
    /* per-chat order: each /count runs after its chat's 20 messages */
    for (int chat = 1; chat <= 50; chat++)
        say(-chat, 1, "/count", "group");
    for (int chat = 1; chat <= 50; chat++) {
        char *t = last_sent(-chat, 1, 30000);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "Number of messages: 20");
        free(t);
    }
    stop_example();
}
END_TEST

START_TEST(component_memory_is_isolated)
{
    start_example("component");
    for (int i = 0; i < 30; i++)
        say(7, 7, i % 3 == 0 ? "Hello bot" : "just talking", "private");
    say(7, 7, "/greeted", "private");
    say(7, 7, "/stats", "private");
    char *t = last_sent(7, 12, 30000); /* 10 greetings, then the two answers */
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Messages seen by the bot: 30");
    free(t);
    t = last_sent(7, 11, 1000);
    ck_assert_str_eq(t, "Greetings answered: 10");
    free(t);
    stop_example();
    /* each memory holds only its own keys; the preparers ran once (a second
     * run would have reset the counts) */
    ck_assert(store_int("bot:5151", "messages") == 30);
    ck_assert(store_int("bot:5151/greeter", "greeted") == 10);
}
END_TEST

static void control(const char *path, const char *body)
{
    char *resp = NULL;
    int st = bh_emu_post(&emu, path, body, &resp);
    ck_assert_msg(st == 200, "%s %s: %d %s", path, body, st, resp ? resp : "");
    free(resp);
}

/* The recorded calls of method, as JSON text (malloc'd), once they hold
 * want (waiting up to 30 s). */
static char *answers_with(const char *method, const char *want)
{
    char path[96], *resp = NULL;
    int64_t end = bh_test_now_ms() + 30000;
    snprintf(path, sizeof path, "/control/answers?method=%s", method);
    while (bh_test_now_ms() < end) {
        free(resp);
        resp = NULL;
        ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
        if (strstr(resp, want))
            break;
        usleep(50 * 1000);
    }
    return resp;
}

START_TEST(members_example)
{
    char *t, *resp = NULL;

    start_example("members");
    /* It asked for exactly the kinds it handles. */
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    t = bh_emu_json_str(resp, "result.allowed_updates");
    ck_assert_str_eq(t, "[ \"message\", \"message_reaction\", \"chat_member\", \"chat_join_request\" ]");
    free(t);
    free(resp);
    control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"member\",\"first_name\":\"Ann\"}");
    control("/control/member", "{\"chat_id\":-77,\"user_id\":8,\"status\":\"member\",\"first_name\":\"Bob\"}");
    control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"left\",\"first_name\":\"Ann\"}");
    t = last_sent(-77, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Goodbye, Ann.");
    free(t);
    t = last_sent(-77, 1, 1000);
    ck_assert_str_eq(t, "Welcome, Ann!");
    free(t);
    t = last_sent(-77, 2, 1000);
    ck_assert_str_eq(t, "Welcome, Bob!");
    free(t);
    /* Join requests: even ids approved, odd declined. */
    for (int user = 10; user < 14; user++) {
        char body[96];
        snprintf(body, sizeof body, "{\"chat_id\":-77,\"user_id\":%d}", user);
        control("/control/join_request", body);
    }
    resp = answers_with("approveChatJoinRequest", "\"user_id\":12");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":10"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":11"));
    free(resp);
    resp = answers_with("declineChatJoinRequest", "\"user_id\":13");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":11"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":12"));
    free(resp);
    /* Reactions to the bot's three messages count; one to a user's does not. */
    say(-77, 8, "nice group", "supergroup");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":8,\"message_id\":1,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x94\xa5\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x91\x8d\","
            "\"old_emoji\":\"\xf0\x9f\x94\xa5\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":3,\"emoji\":\"\xf0\x9f\x98\xa2\"}");
    control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":4,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    /* per-chat order: /reactions runs after the reactions of its chat */
    say(-77, 8, "/reactions", "supergroup");
    t = last_sent(-77, 4, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Reactions to my messages: 4");
    free(t);
    stop_example();
    ck_assert(store_int("bot:5151", "reactions") == 4);
}
END_TEST

START_TEST(every_message_answered_despite_faults)
{
    int64_t early = -1, f429 = 0;

    start_example("counter");
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults",
                                 "{\"rate_429\":0.1,\"retry_after\":1,\"rate_500\":0.05,\"seed\":7}",
                                 NULL),
                     200);
    for (int chat = 1; chat <= 30; chat++)
        say(chat, chat, "/count", "private");
    for (int chat = 1; chat <= 30; chat++) {
        char *t = last_sent(chat, 1, 60000);
        ck_assert_msg(t != NULL, "chat %d got no answer", chat);
        ck_assert_str_eq(t, "This bot received 0 messages");
        free(t);
    }
    ck_assert_int_eq(bh_emu_stat(&emu, "early_retries", &early), 0);
    ck_assert_int_eq(bh_emu_stat(&emu, "faults_429", &f429), 0);
    ck_assert_int_gt(f429, 0);
    ck_assert(early == 0);
    bh_emu_post(&emu, "/control/faults", "{}", NULL);
    stop_example();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, counter_counts_2000_messages_in_50_chats);
    tcase_add_test(tc, locks_example);
    tcase_add_test(tc, component_memory_is_isolated);
    tcase_add_test(tc, every_message_answered_despite_faults);
    tcase_add_test(tc, members_example);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
