/*
 * examples/remind run for real: the bot with 4 workers and a file: store
 * against the emulator. Reminders of many chats arrive each exactly once,
 * /reminders lists what is pending and /forget cancels it; a reminder
 * survives a stop of the bot, whether it falls due while the bot is down
 * (sent once at the start) or after; and two runner processes on one
 * redis:// store send each reminder exactly once.
 */
#include <check.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "example_proc.h"
#include "redis_proc.h"
#include "testutil.h"

#define TOKEN "6161:REMIND"
#define WAIT_MS 60000

static bh_emu_proc emu;
static pid_t bot;
static char *db;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    db = bh_test_tmppath("remind");
    bot = 0;
}

static void teardown(void)
{
    if (bot > 0) {
        kill(bot, SIGKILL);
        bh_test_wait(bot);
    }
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(db);
    free(db);
}

static void bot_start(void)
{
    char store[600];

    snprintf(store, sizeof store, "file:%s", db);
    bot = bh_example_start(&emu, TOKEN, "remind", store);
}

static void bot_stop(void)
{
    ck_assert_int_eq(bh_example_stop(bot), 0);
    bot = 0;
}

static void write_in(int64_t chat, const char *text)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "chat_id", json_object_new_int64(chat));
    json_object_object_add(o, "user_id", json_object_new_int64(chat));
    json_object_object_add(o, "text", json_object_new_string(text));
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", json_object_to_json_string(o), NULL),
                     200);
    json_object_put(o);
}

/* How many messages the bot sent to chat whose text starts with want. */
static int sent_count(int64_t chat, const char *want)
{
    char path[64], *resp = NULL;
    json_object *o, *list;
    int n = 0;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    o = json_tokener_parse(resp);
    free(resp);
    if (o && json_object_object_get_ex(o, "result", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *t, *m = json_object_array_get_idx(list, i);
            if (json_object_object_get_ex(m, "text", &t) &&
                !strncmp(json_object_get_string(t), want, strlen(want)))
                n++;
        }
    json_object_put(o);
    return n;
}

/* Waits until chat got a message starting with want; its count. */
static int wait_sent(int64_t chat, const char *want)
{
    int64_t end = bh_test_now_ms() + WAIT_MS;
    int n;

    while ((n = sent_count(chat, want)) == 0 && bh_test_now_ms() < end)
        usleep(50 * 1000);
    ck_assert_msg(n > 0, "chat %lld never got \"%s\"", (long long)chat, want);
    return n;
}

/* The text of the last message to chat (malloc'd). */
static char *last_text(int64_t chat)
{
    char path[64], *resp = NULL, *t;
    int64_t n = 0;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    json_object *o = json_tokener_parse(resp);
    json_object *list;
    ck_assert(o && json_object_object_get_ex(o, "result", &list));
    n = (int64_t)json_object_array_length(list);
    ck_assert_int_gt(n, 0);
    json_object *m = json_object_array_get_idx(list, (size_t)(n - 1)), *tx;
    ck_assert(json_object_object_get_ex(m, "text", &tx));
    t = strdup(json_object_get_string(tx));
    json_object_put(o);
    free(resp);
    return t;
}

#define CHATS 12

/* Reminders of CHATS chats, listing and forgetting: each arrives once. */
static void check_reminders_once(void)
{
    char text[64];

    for (int c = 1; c <= CHATS; c++) {
        snprintf(text, sizeof text, "/remind %d tea %d", 1 + c % 3, c);
        write_in(1000 + c, text);
        snprintf(text, sizeof text, "/remind %d coffee %d", 2 + c % 2, c);
        write_in(1000 + c, text);
    }
    for (int c = 1; c <= CHATS; c++) {
        snprintf(text, sizeof text, "OK, in %d s", 1 + c % 3);
        wait_sent(1000 + c, text);
    }
    /* Listing and forgetting in a chat of its own. */
    write_in(77, "/remind 300 never");
    wait_sent(77, "OK, in 300 s");
    write_in(77, "/reminders");
    wait_sent(77, "Pending reminders:");
    char *t = last_text(77);
    ck_assert_msg(strstr(t, ": never") != NULL, "%s", t);
    free(t);
    write_in(77, "/forget");
    wait_sent(77, "Forgot 1 reminder.");
    write_in(77, "/reminders");
    wait_sent(77, "No pending reminders.");
    write_in(77, "/remind soon tea");
    wait_sent(77, "Usage: /remind SECONDS TEXT");
    for (int c = 1; c <= CHATS; c++) {
        char tea[32], coffee[32];
        snprintf(tea, sizeof tea, "tea %d", c);
        snprintf(coffee, sizeof coffee, "coffee %d", c);
        ck_assert_int_eq(wait_sent(1000 + c, tea), 1);
        ck_assert_int_eq(wait_sent(1000 + c, coffee), 1);
    }
    /* Everything is sent: a further look finds nothing to send twice. */
    write_in(1001, "/reminders");
    wait_sent(1001, "No pending reminders.");
    sleep(2);
    for (int c = 1; c <= CHATS; c++) {
        snprintf(text, sizeof text, "tea %d", c);
        ck_assert_int_eq(sent_count(1000 + c, text), 1);
        snprintf(text, sizeof text, "coffee %d", c);
        ck_assert_int_eq(sent_count(1000 + c, text), 1);
    }
    ck_assert_int_eq(sent_count(77, "never"), 0);
}

START_TEST(each_reminder_arrives_once)
{
    bot_start();
    check_reminders_once();
    bot_stop();
}
END_TEST

/*
 * Two runner processes of the bot on one redis:// store (hosts mode: one
 * polls, the partitions and the jobs are shared): each reminder still
 * arrives exactly once, whichever host scheduled it and whichever runs it.
 */
START_TEST(each_reminder_arrives_once_from_two_hosts)
{
    bh_redis_proc rp;
    pid_t second;

    ck_assert_int_eq(bh_redis_start(&rp), 0);
    bot = bh_example_start(&emu, TOKEN, "remind", rp.url);
    second = bh_example_start(&emu, TOKEN, "remind", rp.url);
    check_reminders_once();
    ck_assert_int_eq(bh_example_stop(second), 0);
    bot_stop();
    bh_redis_stop(&rp);
}
END_TEST

START_TEST(a_reminder_survives_a_restart)
{
    bot_start();
    write_in(5, "/remind 5 while down");
    write_in(6, "/remind 15 after the restart");
    wait_sent(5, "OK, in 5 s");
    wait_sent(6, "OK, in 15 s");
    bot_stop();
    ck_assert_int_eq(sent_count(5, "while down"), 0);
    sleep(6); /* the first falls due while the bot is down */
    bot_start();
    ck_assert_int_eq(wait_sent(5, "while down"), 1);
    ck_assert_int_eq(wait_sent(6, "after the restart"), 1);
    write_in(5, "/reminders");
    wait_sent(5, "No pending reminders.");
    sleep(2);
    ck_assert_int_eq(sent_count(5, "while down"), 1);
    ck_assert_int_eq(sent_count(6, "after the restart"), 1);
    bot_stop();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("example_remind");
    bh_test_add_case(s, "once", each_reminder_arrives_once, setup, teardown, 240);
    bh_test_add_case(s, "restart", a_reminder_survives_a_restart, setup, teardown, 240);
    bh_test_add_case(s, "hosts", each_reminder_arrives_once_from_two_hosts, setup, teardown, 240);
    return bh_test_run_suite(s);
}
