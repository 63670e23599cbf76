/*
 * bh_bot_forget_user and the conversations: every conversation keyed by
 * the user ends, in every chat, and nobody else's; and its result code,
 * BH_OK or the store's error, here a file store opened read-only, whose
 * records cannot be deleted.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bot/internal.h" /* bh_conv_forget_user */
#include "bothive/bothive.h"
#include "testutil.h"
#include "updates.h"

#define TOKEN "7575:FORGET"

static char trace[1024];
static int64_t next_id = 1;

static void mark(const char *what, int64_t chat, int64_t user)
{
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, "%s:%lld/%lld ", what, (long long)chat, (long long)user);
}

static int say(bh_bot *bot, int64_t chat, int64_t user, const char *text)
{
    char *u = bh_test_message_update(next_id++, chat, user, text, 0);
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

static int ask(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)args;
    (void)msg;
    return bh_conversation_next(ctx, "answer");
}

static int answer(bh_ctx *ctx, const bh_message *msg)
{
    mark(bh_conversation_state(ctx)[0] ? "conv" : "?", msg->chat.id, msg->from->id);
    return BH_HANDLED; /* stays in its state */
}

static int plain(bh_ctx *ctx, const bh_message *msg)
{
    (void)ctx;
    mark("plain", msg->chat.id, msg->from->id);
    return BH_HANDLED;
}

/* A bot with two conversations: "quiz" keyed by chat and user, "poll" by
 * chat alone (which forgetting a user leaves alone). */
static bh_bot *new_bot(bh_store *st)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    const char *names[] = {"quiz", "poll"};

    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, "http://127.0.0.1:9"), BH_OK);
    for (int i = 0; i < 2; i++) {
        bh_conversation *cv = bh_conversation_new(names[i]);
        ck_assert_int_eq(bh_conversation_key(cv, i ? BH_CONV_BY_CHAT : BH_CONV_BY_CHAT_USER), BH_OK);
        ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, names[i], ask), BH_OK);
        ck_assert_int_eq(bh_conversation_text(cv, "answer", answer), BH_OK);
        ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
        bh_conversation_free(cv);
    }
    ck_assert_int_eq(bh_bot_process_message(bot, plain), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    return bot;
}

static void setup(void)
{
    trace[0] = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
}

START_TEST(forgetting_a_user_ends_their_conversations_only)
{
    char *path = bh_test_tmppath("forget"), url[600];
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_bot *bot = new_bot(st);
    ck_assert_int_eq(say(bot, -5, 1, "/quiz"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "/quiz"), BH_OK);
    ck_assert_int_eq(say(bot, -5, 2, "/quiz"), BH_OK);
    ck_assert_int_eq(say(bot, -6, 3, "/poll"), BH_OK);
    ck_assert_int_eq(say(bot, -5, 1, "a"), BH_OK);
    ck_assert_str_eq(trace, "conv:-5/1 ");
    trace[0] = 0;

    ck_assert_int_eq(bh_bot_forget_user(bot, 1), BH_OK);
    ck_assert_int_eq(say(bot, -5, 1, "b"), BH_OK);  /* ended in the group */
    ck_assert_int_eq(say(bot, 1, 1, "c"), BH_OK);   /* and in private */
    ck_assert_int_eq(say(bot, -5, 2, "d"), BH_OK);  /* another user's goes on */
    ck_assert_int_eq(say(bot, -6, 1, "e"), BH_OK);  /* a chat's goes on, for anyone */
    ck_assert_str_eq(trace, "plain:-5/1 plain:1/1 conv:-5/2 conv:-6/1 ");
    /* Nothing left to forget is no error. */
    ck_assert_int_eq(bh_bot_forget_user(bot, 1), BH_OK);
    ck_assert_int_eq(bh_conv_forget_user(bot, 99), BH_OK);
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(a_store_that_cannot_delete_is_the_result)
{
    char *path = bh_test_tmppath("forgetro"), url[600];
    bh_store *st;
    bh_store_options ro = {.flags = BH_STORE_READONLY};

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_bot *bot = new_bot(st);
    ck_assert_int_eq(say(bot, -5, 1, "/quiz"), BH_OK);
    bh_bot_free(bot);
    bh_store_close(st);

    ck_assert_int_eq(bh_store_open(&st, url, &ro), BH_OK);
    bot = new_bot(st);
    ck_assert_int_eq(bh_conv_forget_user(bot, 1), BH_EREADONLY);
    ck_assert_int_lt(bh_bot_forget_user(bot, 1), 0);
    ck_assert_int_eq(bh_conv_forget_user(bot, 2), BH_OK); /* nothing of user 2 to delete */
    bh_bot_free(bot);
    bh_store_close(st);

    /* Writable again: the conversation is still there, and now ends. */
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bot = new_bot(st);
    ck_assert_int_eq(say(bot, -5, 1, "x"), BH_OK);
    ck_assert_int_eq(bh_bot_forget_user(bot, 1), BH_OK);
    ck_assert_int_eq(say(bot, -5, 1, "y"), BH_OK);
    ck_assert_str_eq(trace, "conv:-5/1 plain:-5/1 ");
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_forget");
    TCase *tc = tcase_create("forget");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, forgetting_a_user_ends_their_conversations_only);
    tcase_add_test(tc, a_store_that_cannot_delete_is_the_result);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
