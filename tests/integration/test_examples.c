/*
 * The examples, run for real: each example bot is started as a process
 * with 4 workers against the emulator, users write through the control API,
 * and the bot's answers (and its file: store afterwards) must be exact.
 * The buttons and inline examples are in test_examples_buttons.c, media and
 * moderator in test_examples_media.c.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "examples_fixture.h"
#include "testutil.h"

START_TEST(counter_counts_2000_messages_in_50_chats)
{
    char want[64], *t = NULL;

    bh_ex_start("counter");
    for (int i = 0; i < 2000; i++) {
        int chat = 1 + i % 50;
        bh_ex_say(chat, chat, "a message", "private");
    }
    snprintf(want, sizeof want, "This bot received %d messages", 2000);
    /* Workers may still be busy with other chats: ask until all counted
     * (for two minutes, not a number of times: a slow machine asks less
     * often). */
    int64_t end = bh_test_now_ms() + 120000;
    for (int n = 1; bh_test_now_ms() < end; n++) {
        bh_ex_say(999, 999, "/count", "private");
        free(t);
        t = bh_ex_last_sent(999, n, 10000);
        ck_assert_ptr_nonnull(t);
        if (!strcmp(t, want))
            break;
        usleep(250 * 1000);
    }
    ck_assert_str_eq(t, want);
    free(t);
    bh_ex_stop();
    ck_assert(bh_ex_store_int("bot:5151", "messages") == 2000);
}
END_TEST

START_TEST(locks_example)
{
    bh_ex_start("locks");
    for (int round = 0; round < 20; round++)
        for (int chat = 1; chat <= 50; chat++)
            bh_ex_say(-chat, 100 + round, "hi", "group");
    /* per-chat order: each /count runs after its chat's 20 messages */
    for (int chat = 1; chat <= 50; chat++)
        bh_ex_say(-chat, 1, "/count", "group");
    for (int chat = 1; chat <= 50; chat++) {
        char *t = bh_ex_last_sent(-chat, 1, 30000);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "Number of messages: 20");
        free(t);
    }
    bh_ex_stop();
}
END_TEST

START_TEST(component_memory_is_isolated)
{
    bh_ex_start("component");
    for (int i = 0; i < 30; i++)
        bh_ex_say(7, 7, i % 3 == 0 ? "Hello bot" : "just talking", "private");
    bh_ex_say(7, 7, "/greeted", "private");
    bh_ex_say(7, 7, "/stats", "private");
    char *t = bh_ex_last_sent(7, 12, 30000); /* 10 greetings, then the two answers */
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Messages seen by the bot: 30");
    free(t);
    t = bh_ex_last_sent(7, 11, 1000);
    ck_assert_str_eq(t, "Greetings answered: 10");
    free(t);
    bh_ex_stop();
    /* each memory holds only its own keys; the preparers ran once (a second
     * run would have reset the counts) */
    ck_assert(bh_ex_store_int("bot:5151", "messages") == 30);
    ck_assert(bh_ex_store_int("bot:5151/greeter", "greeted") == 10);
}
END_TEST


START_TEST(members_example)
{
    char *t, *resp = NULL;

    bh_ex_start("members");
    /* It asked for exactly the kinds it handles. */
    ck_assert_int_eq(bh_emu_call(&bh_ex_emu, "getWebhookInfo", NULL, &resp), 200);
    t = bh_emu_json_str(resp, "result.allowed_updates");
    ck_assert_str_eq(t, "[ \"message\", \"message_reaction\", \"chat_member\", \"chat_join_request\" ]");
    free(t);
    free(resp);
    bh_ex_control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"member\",\"first_name\":\"Ann\"}");
    bh_ex_control("/control/member", "{\"chat_id\":-77,\"user_id\":8,\"status\":\"member\",\"first_name\":\"Bob\"}");
    bh_ex_control("/control/member", "{\"chat_id\":-77,\"user_id\":7,\"status\":\"left\",\"first_name\":\"Ann\"}");
    t = bh_ex_last_sent(-77, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Goodbye, Ann.");
    free(t);
    t = bh_ex_last_sent(-77, 1, 1000);
    ck_assert_str_eq(t, "Welcome, Ann!");
    free(t);
    t = bh_ex_last_sent(-77, 2, 1000);
    ck_assert_str_eq(t, "Welcome, Bob!");
    free(t);
    /* Join requests: even ids approved, odd declined. */
    for (int user = 10; user < 14; user++) {
        char body[96];
        snprintf(body, sizeof body, "{\"chat_id\":-77,\"user_id\":%d}", user);
        bh_ex_control("/control/join_request", body);
    }
    resp = bh_ex_answers_with("approveChatJoinRequest", "\"user_id\":12");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":10"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":11"));
    free(resp);
    resp = bh_ex_answers_with("declineChatJoinRequest", "\"user_id\":13");
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":11"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":12"));
    free(resp);
    /* Reactions to the bot's three messages count; one to a user's does not. */
    bh_ex_say(-77, 8, "nice group", "supergroup");
    bh_ex_control("/control/reaction", "{\"chat_id\":-77,\"user_id\":8,\"message_id\":1,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    bh_ex_control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x94\xa5\"}");
    bh_ex_control("/control/reaction", "{\"chat_id\":-77,\"user_id\":9,\"message_id\":2,\"emoji\":\"\xf0\x9f\x91\x8d\","
            "\"old_emoji\":\"\xf0\x9f\x94\xa5\"}");
    bh_ex_control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":3,\"emoji\":\"\xf0\x9f\x98\xa2\"}");
    bh_ex_control("/control/reaction", "{\"chat_id\":-77,\"user_id\":7,\"message_id\":4,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    /* per-chat order: /reactions runs after the reactions of its chat */
    bh_ex_say(-77, 8, "/reactions", "supergroup");
    t = bh_ex_last_sent(-77, 4, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Reactions to my messages: 4");
    free(t);
    bh_ex_stop();
    ck_assert(bh_ex_store_int("bot:5151", "reactions") == 4);
}
END_TEST


START_TEST(every_message_answered_despite_faults)
{
    int64_t early = -1, f429 = 0;

    bh_ex_start("counter");
    ck_assert_int_eq(bh_emu_post(&bh_ex_emu, "/control/faults",
                                 "{\"rate_429\":0.1,\"retry_after\":1,\"rate_500\":0.05,\"seed\":7}",
                                 NULL),
                     200);
    for (int chat = 1; chat <= 30; chat++)
        bh_ex_say(chat, chat, "/count", "private");
    for (int chat = 1; chat <= 30; chat++) {
        char *t = bh_ex_last_sent(chat, 1, 60000);
        ck_assert_msg(t != NULL, "chat %d got no answer", chat);
        ck_assert_str_eq(t, "This bot received 0 messages");
        free(t);
    }
    ck_assert_int_eq(bh_emu_stat(&bh_ex_emu, "early_retries", &early), 0);
    ck_assert_int_eq(bh_emu_stat(&bh_ex_emu, "faults_429", &f429), 0);
    ck_assert_int_gt(f429, 0);
    ck_assert(early == 0);
    bh_emu_post(&bh_ex_emu, "/control/faults", "{}", NULL);
    bh_ex_stop();
}
END_TEST

/* With Telegram's flood limits enforced (--flood's defaults: 30 a second
 * overall), the 4 workers' shared rate limiter keeps every answer within
 * them: the emulator answers no 429 at all. (Without the limiter, 4
 * workers answer 120 chats far faster than 30 a second.) */
START_TEST(counter_keeps_within_flood_limits)
{
    int64_t n429 = -1, sent = 0, end;

    bh_ex_control("/control/flood", "{\"enabled\":true}");
    bh_ex_start("counter");
    for (int chat = 1; chat <= 120; chat++)
        bh_ex_say(chat, chat, "/count", "private");
    end = bh_test_now_ms() + 120000;
    while (bh_test_now_ms() < end && (bh_emu_stat(&bh_ex_emu, "sent_messages", &sent) != 0 || sent < 120))
        usleep(100 * 1000);
    ck_assert_int_eq(sent, 120);
    ck_assert_int_eq(bh_emu_stat(&bh_ex_emu, "flood_429", &n429), 0);
    ck_assert(n429 == 0);
    bh_ex_stop();
}
END_TEST


/* The n-th message (1-based) the bot sent to chat, waiting up to 30 s. */
static void expect_sent(int64_t chat, int n, const char *want)
{
    char *t = bh_ex_last_sent(chat, n, 30000);
    ck_assert_msg(t != NULL, "chat %lld: no message %d (%s)", (long long)chat, n, want);
    ck_assert_str_eq(t, want);
    free(t);
}

/* Two users sign up in one group at once, on 4 workers; the bot stops and
 * starts again on the same file: store half-way, and both go on. */
START_TEST(signup_two_users_and_a_restart)
{
    setenv("SIGNUP_TIMEOUT", "600", 1);
    bh_ex_start("signup");
    bh_ex_say(-500, 11, "/signup", "group");
    bh_ex_say(-500, 12, "/signup", "group");
    expect_sent(-500, 1, "What is your name?");
    expect_sent(-500, 2, "What is your name?");
    bh_ex_say(-500, 12, "Bob", "group");
    bh_ex_say(-500, 11, "Ada", "group");
    expect_sent(-500, 3, "How old are you?");
    expect_sent(-500, 4, "How old are you?");
    bh_ex_say(-500, 11, "old", "group");
    expect_sent(-500, 5, "Please send your age as a number");
    expect_sent(-500, 6, "How old are you?");
    bh_ex_stop();
    bh_ex_start("signup");
    bh_ex_say(-500, 11, "30", "group");
    expect_sent(-500, 7, "Thanks Ada, you are 30.");
    bh_ex_say(-500, 12, "/cancel", "group");
    expect_sent(-500, 8, "Sign-up cancelled.");
    /* over for both: /cancel is no conversation's now */
    bh_ex_say(-500, 12, "41", "group");
    bh_ex_say(-500, 12, "/signup", "group");
    expect_sent(-500, 9, "What is your name?");
    bh_ex_stop();
    unsetenv("SIGNUP_TIMEOUT");
}
END_TEST

/* Unanswered, a sign-up times out though the user never writes again; one
 * finished in time does not. The timeout leaves each step of chat 22 five
 * seconds (its answers wait for the flood limits, 1 a second per chat, and
 * a loaded machine is slow); no fixed sleep: a sign-up started after chat
 * 22's ended times out later than chat 22's would have, so once it has,
 * the sweep has been past chat 22's deadline. */
START_TEST(signup_times_out)
{
    setenv("SIGNUP_TIMEOUT", "5", 1);
    bh_ex_start("signup");
    bh_ex_say(21, 21, "/signup", "private");
    bh_ex_say(22, 22, "/signup", "private");
    expect_sent(22, 1, "What is your name?");
    bh_ex_say(22, 22, "Eve", "private");
    bh_ex_say(22, 22, "5", "private");
    expect_sent(22, 3, "Thanks Eve, you are 5.");
    expect_sent(21, 1, "What is your name?");
    expect_sent(21, 2, "Sign-up timed out.");
    bh_ex_say(23, 23, "/signup", "private");
    expect_sent(23, 1, "What is your name?");
    expect_sent(23, 2, "Sign-up timed out.");
    /* nothing more in chat 22 */
    char *t = bh_ex_last_sent(22, 4, 1000);
    ck_assert_ptr_null(t);
    bh_ex_stop();
    unsetenv("SIGNUP_TIMEOUT");
}
END_TEST


int main(void)
{
    Suite *s = suite_create("examples");
    TCase *tc = tcase_create("examples");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, bh_ex_setup, bh_ex_teardown);
    tcase_add_test(tc, counter_counts_2000_messages_in_50_chats);
    tcase_add_test(tc, locks_example);
    tcase_add_test(tc, component_memory_is_isolated);
    tcase_add_test(tc, every_message_answered_despite_faults);
    tcase_add_test(tc, members_example);
    tcase_add_test(tc, counter_keeps_within_flood_limits);
    tcase_add_test(tc, signup_two_users_and_a_restart);
    tcase_add_test(tc, signup_times_out);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
