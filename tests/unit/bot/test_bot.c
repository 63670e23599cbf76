/*
 * The bot model against the real emulator: the chain order of every hook
 * kind, commands and their arguments, default /help, memories of bots and
 * components, preparers, signed callbacks, chat_unavailable, forgotten
 * locks. Updates are real ones: a user writes through the emulator's control
 * API and the test fetches the Update with getUpdates.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "4242:TEST"

static bh_emu_proc emu;
static char trace[1024];
static int64_t next_offset;

static void mark(const char *what)
{
    strncat(trace, what, sizeof trace - strlen(trace) - 1);
    strncat(trace, " ", sizeof trace - strlen(trace) - 1);
}

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    trace[0] = 0;
    next_offset = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static bh_bot *new_bot(const char *token)
{
    bh_bot *bot = bh_bot_new(token);
    bh_ratelimit_options rl = {.disabled = 1};
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    return bot;
}

/* The next queued Update, as JSON text (malloc'd). */
static char *next_update(void)
{
    char body[128], *resp = NULL;

    snprintf(body, sizeof body, "{\"offset\":%lld,\"limit\":1,\"timeout\":0}",
             (long long)next_offset);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, &resp), 200);
    char *u = bh_emu_json_str(resp, "result.0");
    ck_assert_ptr_nonnull(u);
    int64_t id;
    ck_assert_int_eq(bh_emu_json_int(u, "update_id", &id), 0);
    next_offset = id + 1;
    free(resp);
    return u;
}

/* A user writes text in chat; the bot processes it. */
static int say(bh_bot *bot, int64_t chat, const char *text)
{
    ck_assert_int_ge(bh_emu_send_user_message(&emu, chat, chat, text), 1);
    char *u = next_update();
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

/* The text of the n-th message the bot sent to chat (malloc'd). */
static char *sent_text(int64_t chat, int n)
{
    char path[64], key[32], *resp = NULL;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    snprintf(key, sizeof key, "result.%d.text", n);
    char *t = bh_emu_json_str(resp, key);
    free(resp);
    return t;
}

/* ---- chain order ---- */

static int h_before(bh_ctx *c, const bh_update *u) { (void)c; (void)u; mark("before"); return BH_CONTINUE; }
static int h_cmd(bh_ctx *c, const bh_message *m, const bh_args *a)
{
    (void)c; (void)m;
    char buf[128];
    snprintf(buf, sizeof buf, "cmd(%d:%s|%s)", a->argc, a->argc ? a->argv[a->argc - 1] : "", a->text);
    mark(buf);
    return BH_CONTINUE; /* ignored: a command always ends the chain */
}
static int h_equals(bh_ctx *c, const bh_message *m) { (void)c; (void)m; mark("equals"); return BH_CONTINUE; }
static int h_contains(bh_ctx *c, const bh_message *m) { (void)c; (void)m; mark("contains"); return BH_CONTINUE; }
static int h_matches(bh_ctx *c, const bh_message *m, const bh_match *x)
{
    (void)c; (void)m;
    char buf[128];
    snprintf(buf, sizeof buf, "matches(%d:%s)", x->count, x->count > 1 ? x->groups[1] : "");
    mark(buf);
    return BH_CONTINUE;
}
static int h_process(bh_ctx *c, const bh_message *m) { (void)c; (void)m; mark("process"); return BH_CONTINUE; }
static int h_stop(bh_ctx *c, const bh_message *m) { (void)c; (void)m; mark("stop"); return BH_HANDLED; }
static int h_fail(bh_ctx *c, const bh_message *m) { (void)c; (void)m; mark("fail"); return BH_EIO; }

START_TEST(chain_order)
{
    bh_bot *bot = new_bot(TOKEN);

    ck_assert_int_eq(bh_bot_process_message(bot, h_process), BH_OK);
    ck_assert_int_eq(bh_bot_message_matches(bot, "num([0-9]+)", 0, h_matches), BH_OK);
    ck_assert_int_eq(bh_bot_message_contains(bot, "hello", BH_IGNORE_CASE, h_contains), BH_OK);
    ck_assert_int_eq(bh_bot_message_equals(bot, "Hello num42", 0, h_equals), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "go", h_cmd, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_before_processing(bot, h_before), BH_OK);

    ck_assert_int_eq(say(bot, 10, "Hello num42"), BH_OK);
    ck_assert_str_eq(trace, "before matches(2:42) contains equals process "); /* registration order */
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "hellothere"), BH_OK); /* not a whole word */
    ck_assert_str_eq(trace, "before process ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/go  north   east "), BH_OK);
    ck_assert_str_eq(trace, "before cmd(2:east|north   east) ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/go@someotherbot x"), BH_OK); /* not for us */
    ck_assert_str_eq(trace, "before process ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/go@ x"), BH_OK); /* addressed to no bot */
    ck_assert_str_eq(trace, "before process ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/go@"), BH_OK);
    ck_assert_str_eq(trace, "before process ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/go@emu_bot x"), BH_OK);
    ck_assert_str_eq(trace, "before cmd(1:x|x) ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 10, "/unknown"), BH_OK); /* not a command of this bot */
    ck_assert_str_eq(trace, "before process ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(handled_and_errors_end_the_chain)
{
    bh_bot *bot = new_bot(TOKEN);

    ck_assert_int_eq(bh_bot_message_equals(bot, "stop", 0, h_stop), BH_OK);
    ck_assert_int_eq(bh_bot_message_equals(bot, "fail", 0, h_fail), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, h_process), BH_OK);
    ck_assert_int_eq(say(bot, 11, "stop"), BH_OK);
    ck_assert_str_eq(trace, "stop ");
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 11, "fail"), BH_EIO);
    ck_assert_str_eq(trace, "fail ");
    ck_assert_int_eq(bh_bot_process(bot, "{not json"), BH_EJSON);
    ck_assert_int_eq(bh_bot_process(bot, "{\"no_update_id\":1}"), BH_EPROTO);
    ck_assert_int_eq(bh_bot_process(bot, "{\"update_id\":5,\"poll\":{}}"), BH_OK);
    bh_bot_free(bot);
}
END_TEST

START_TEST(registration_errors)
{
    bh_bot *bot = new_bot(TOKEN);

    ck_assert_ptr_null(bh_bot_new("notatoken"));
    ck_assert_ptr_null(bh_bot_new(NULL));
    ck_assert_ptr_null(bh_bot_new(":abc"));
    ck_assert_ptr_null(bh_component_new("bad name"));
    ck_assert_int_eq(bh_bot_command(bot, "Bad", h_cmd, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_command(bot, "", h_cmd, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_command(bot, "ok", NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_message_matches(bot, "([", 0, h_matches), BH_EINVAL);
    ck_assert_int_eq(bh_bot_message_equals(bot, "", 0, h_process), BH_EINVAL);
    ck_assert_int_eq(bh_bot_timer(bot, 0, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_callback(bot, "a:b", NULL), BH_EINVAL);
    ck_assert(bh_bot_id(bot) == 4242);
    /* no context, no memory: a hook called directly gets none */
    ck_assert_ptr_null(bh_ctx_shared(NULL));
    bh_bot_free(bot);
}
END_TEST

/* ---- commands, /help ---- */

START_TEST(default_help_and_start)
{
    bh_bot *bot = new_bot(TOKEN);
    char *t;

    ck_assert_int_eq(bh_bot_about(bot, "A test bot."), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "zeta", h_cmd, "Last by name", 0, 0), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "alpha", h_cmd, "First by name", 0, 0), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "first", h_cmd, "First by order", 0, -1), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "secret", h_cmd, "Hidden", BH_CMD_HIDDEN, 0), BH_OK);
    ck_assert_int_eq(say(bot, 12, "/help"), BH_OK);
    t = sent_text(12, 0);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "This bot supports these commands:\n/first - First by order\n"
                        "/alpha - First by name\n/zeta - Last by name\n"
                        "/help - Show this help message");
    free(t);
    ck_assert_int_eq(say(bot, 12, "/start"), BH_OK);
    t = sent_text(12, 1);
    ck_assert_str_eq(t, "A test bot.\n\nUse /help to see what this bot can do.");
    free(t);
    bh_bot_free(bot);
}
END_TEST

/* ---- memories ---- */

static int count_msg(bh_ctx *ctx, const bh_message *m)
{
    (void)m;
    return bh_shared_incr(bh_ctx_shared(ctx), "n", 1, NULL) == BH_OK ? BH_CONTINUE : BH_EIO;
}

static int prepare_bot(bh_shared *m)
{
    mark("prepare_bot");
    return bh_shared_set_int(m, "n", 100);
}

static int prepare_comp(bh_shared *m)
{
    mark("prepare_comp");
    return bh_shared_set_int(m, "n", 1000);
}

static int64_t memory_int(bh_store *st, const char *id, const char *key)
{
    bh_shared *m;
    int64_t v = -1;
    ck_assert_int_eq(bh_shared_open(st, id, &m), BH_OK);
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    return v;
}

START_TEST(component_memories_are_separate)
{
    bh_store *st;
    bh_bot *a = new_bot("4242:TEST"), *b = new_bot("777:OTHER");
    bh_component *c1 = bh_component_new("counter"), *c2 = bh_component_new("other");

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(a, st), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(b, st), BH_OK);
    ck_assert_int_eq(bh_component_process_message(c1, count_msg), BH_OK);
    ck_assert_int_eq(bh_component_add_memory_preparer(c1, prepare_comp), BH_OK);
    ck_assert_int_eq(bh_component_process_message(c2, count_msg), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(a, count_msg), BH_OK);
    ck_assert_int_eq(bh_bot_prepare_memory(a, prepare_bot), BH_OK);
    ck_assert_int_eq(bh_bot_use(a, c1), BH_OK);
    ck_assert_int_eq(bh_bot_use(a, c2), BH_OK);
    ck_assert_int_eq(bh_bot_use(a, c1), BH_EINVAL); /* once */
    ck_assert_int_eq(bh_bot_use(b, c1), BH_OK);     /* one component, two bots */
    bh_component_free(c1);
    bh_component_free(c2);

    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(say(a, 20, "hi"), BH_OK);
    ck_assert_int_eq(say(b, 21, "hi"), BH_OK);
    ck_assert(memory_int(st, "bot:4242", "n") == 103);
    ck_assert(memory_int(st, "bot:4242/counter", "n") == 1003);
    ck_assert(memory_int(st, "bot:4242/other", "n") == 3);
    ck_assert(memory_int(st, "bot:777/counter", "n") == 1001);
    ck_assert(memory_int(st, "bot:777", "n") == -1);
    /* each preparer ran once per memory */
    ck_assert_str_eq(trace, "prepare_bot prepare_comp prepare_comp ");
    bh_bot_free(a);
    bh_bot_free(b);
    bh_store_close(st);
}
END_TEST

START_TEST(preparer_runs_once_across_processes)
{
    bh_store *st;
    bh_bot *bot = new_bot(TOKEN);

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, count_msg), BH_OK);
    ck_assert_int_eq(bh_bot_prepare_memory(bot, prepare_bot), BH_OK);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 30, 30, "x"), 1);
    char *u = next_update();
    pid_t pids[4];
    for (int p = 0; p < 4; p++)
        if ((pids[p] = fork()) == 0) {
            if (bh_bot_set_store(bot, st) != BH_OK)
                _exit(1);
            for (int i = 0; i < 5; i++)
                if (bh_bot_process(bot, u) != BH_OK)
                    _exit(2);
            _exit(0);
        }
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    free(u);
    ck_assert(memory_int(st, "bot:4242", "n") == 120); /* 100 once, plus 20 */
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

/* ---- callbacks ---- */

static int make_button(bh_ctx *ctx, const bh_message *m, const bh_args *a)
{
    bh_keyboard *kb;
    bh_send_options o = {0};
    (void)a;
    if (bh_keyboard_new(&kb) || bh_button_signed(ctx, kb, "Yes", "vote", "yes-42"))
        return BH_EIO;
    o.reply_markup = kb;
    int rc = bh_chat_send_ex(ctx, m->chat.id, "Vote?", &o, NULL);
    bh_keyboard_free(kb);
    return rc;
}

static int on_vote(bh_ctx *ctx, const bh_callback_query *q, const char *data)
{
    char buf[64];
    snprintf(buf, sizeof buf, "vote(%s)", data);
    mark(buf);
    return bh_callback_answer(ctx, q, "Thanks");
}

static int press(bh_bot *bot, int64_t chat, int64_t message_id, const char *data)
{
    char body[256];
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":%lld,\"message_id\":%lld,\"data\":\"%s\"}",
             (long long)chat, (long long)chat, (long long)message_id, data);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback", body, NULL), 200);
    char *u = next_update();
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

START_TEST(signed_callbacks_and_forgeries)
{
    bh_bot *bot = new_bot(TOKEN);
    char *resp, *data;
    int64_t mid;

    ck_assert_int_eq(bh_bot_command(bot, "vote", make_button, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_callback(bot, "vote", on_vote), BH_OK);
    ck_assert_int_eq(say(bot, 40, "/vote"), BH_OK);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/sent?chat_id=40", &resp), 200);
    data = bh_emu_json_str(resp, "result.0.reply_markup.inline_keyboard.0.0.callback_data");
    ck_assert_int_eq(bh_emu_json_int(resp, "result.0.message_id", &mid), 0);
    free(resp);
    ck_assert_ptr_nonnull(data);
    ck_assert_ptr_nonnull(strstr(data, "vote:yes-42:"));

    ck_assert_int_eq(press(bot, 40, mid, data), BH_OK);
    ck_assert_str_eq(trace, "vote(yes-42) ");
    trace[0] = 0;
    /* a user changes the payload, keeping the old signature */
    char forged[128];
    snprintf(forged, sizeof forged, "vote:yes-43:%s", data + strlen("vote:yes-42:"));
    ck_assert_int_eq(press(bot, 40, mid, forged), BH_OK);
    ck_assert_int_eq(press(bot, 40, mid, "vote:yes-42"), BH_OK);
    ck_assert_int_eq(press(bot, 40, mid, "garbage"), BH_OK);
    ck_assert_str_eq(trace, "");
    free(data);
    bh_bot_free(bot);
}
END_TEST

/* ---- chat_unavailable, forgotten locks, sends ---- */

static int echo(bh_ctx *ctx, const bh_message *m)
{
    return bh_message_replyf(ctx, m, "echo: %s", m->text);
}

static int unavailable(bh_ctx *ctx, int64_t chat, const char *reason)
{
    char buf[256];
    (void)ctx;
    snprintf(buf, sizeof buf, "gone(%lld:%s)", (long long)chat, reason);
    mark(buf);
    return BH_CONTINUE;
}

START_TEST(blocked_chat_runs_chat_unavailable)
{
    bh_bot *bot = new_bot(TOKEN);
    char *t;

    ck_assert_int_eq(bh_bot_process_message(bot, echo), BH_OK);
    ck_assert_int_eq(bh_bot_chat_unavailable(bot, unavailable), BH_OK);
    ck_assert_int_eq(say(bot, 50, "one"), BH_OK);
    t = sent_text(50, 0);
    ck_assert_str_eq(t, "echo: one");
    free(t);
    ck_assert_int_eq(bh_emu_send_user_message(&emu, 50, 50, "two"), 2);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/block", "{\"chat_id\":50}", NULL), 200);
    char *u = next_update();
    ck_assert_int_eq(bh_bot_process(bot, u), BH_EAPI);
    free(u);
    ck_assert_str_eq(trace, "gone(50:Forbidden: bot was blocked by the user) ");
    bh_bot_free(bot);
}
END_TEST

static int forget_lock(bh_ctx *ctx, const bh_message *m)
{
    (void)m;
    return bh_lock_acquire(bh_ctx_shared(ctx), "forgotten", 0) == BH_OK ? BH_CONTINUE : BH_EIO;
}

START_TEST(locks_left_held_are_released)
{
    bh_store *st;
    bh_bot *bot = new_bot(TOKEN);
    bh_shared *m;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, forget_lock), BH_OK);
    ck_assert_int_eq(say(bot, 60, "x"), BH_OK);
    ck_assert_int_eq(say(bot, 60, "y"), BH_OK); /* would fail if still held */
    ck_assert_int_eq(bh_shared_open(st, "bot:4242", &m), BH_OK);
    ck_assert_int_eq(bh_lock_held(m, "forgotten"), 0);
    bh_shared_close(m);
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

static int send_five(bh_ctx *ctx, const bh_message *m)
{
    for (int i = 0; i < 5; i++)
        if (bh_chat_sendf(ctx, m->chat.id, "burst %d", i) != BH_OK)
            return BH_EIO;
    return BH_CONTINUE;
}

/* Two processes sending to one chat share its limit through the store:
 * 10 messages at 5 per second, burst 1, take at least 1.8 s together. */
START_TEST(rate_limits_hold_across_processes)
{
    bh_store *st;
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_ratelimit_options rl = {.chat_per_sec = 5, .chat_burst = 1, .global_per_sec = 1000};

    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, send_five), BH_OK);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 70, 70, "go"), 1);
    char *u = next_update();
    int64_t t0 = bh_test_now_ms();
    pid_t pids[2];
    for (int p = 0; p < 2; p++)
        if ((pids[p] = fork()) == 0)
            _exit(bh_bot_set_store(bot, st) == BH_OK && bh_bot_process(bot, u) == BH_OK ? 0 : 1);
    for (int p = 0; p < 2; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_ge(bh_test_now_ms() - t0, 1700);
    free(u);
    char *t = sent_text(70, 9);
    ck_assert_ptr_nonnull(t);
    free(t);
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

/* ---- the other update kinds, and timers through the runner ---- */

static int h_edited(bh_ctx *c, const bh_message *m) { (void)c; mark("edited"); mark(m->text); return BH_CONTINUE; }
static int h_post(bh_ctx *c, const bh_message *m) { (void)c; mark("post"); mark(m->text); return BH_CONTINUE; }
static int h_before_stop(bh_ctx *c, const bh_update *u)
{
    (void)c;
    mark("before");
    return u->kind == BH_UPDATE_CHANNEL_POST ? BH_HANDLED : BH_CONTINUE;
}

START_TEST(edited_messages_and_channel_posts)
{
    bh_bot *bot = new_bot(TOKEN);

    ck_assert_int_eq(bh_bot_message_edited(bot, h_edited), BH_OK);
    ck_assert_int_eq(bh_bot_channel_post(bot, h_post), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, h_process), BH_OK);
    ck_assert_int_eq(bh_bot_process(bot, "{\"update_id\":900,\"edited_message\":{\"message_id\":3,"
                                         "\"date\":1,\"edit_date\":2,\"chat\":{\"id\":5,\"type\":\"private\"},"
                                         "\"text\":\"fixed\"}}"),
                     BH_OK);
    ck_assert_int_eq(bh_bot_process(bot, "{\"update_id\":901,\"channel_post\":{\"message_id\":4,"
                                         "\"date\":1,\"chat\":{\"id\":-1009,\"type\":\"channel\"},"
                                         "\"text\":\"news\"}}"),
                     BH_OK);
    ck_assert_str_eq(trace, "edited fixed post news ");
    trace[0] = 0;
    /* before_processing sees every kind and can end the chain */
    ck_assert_int_eq(bh_bot_before_processing(bot, h_before_stop), BH_OK);
    ck_assert_int_eq(bh_bot_process(bot, "{\"update_id\":902,\"channel_post\":{\"message_id\":5,"
                                         "\"date\":1,\"chat\":{\"id\":-1009,\"type\":\"channel\"},"
                                         "\"text\":\"more\"}}"),
                     BH_OK);
    ck_assert_str_eq(trace, "before ");
    bh_bot_free(bot);
}
END_TEST

static int tick(bh_ctx *ctx)
{
    return bh_shared_incr(bh_ctx_shared(ctx), "ticks", 1, NULL);
}

static int64_t ticks_of(bh_shared *m)
{
    int64_t ticks = 0;
    bh_shared_get_int(m, "ticks", &ticks);
    return ticks;
}

/* Waits up to 30 s (a slow start included) for the count to reach
 * want; returns when it did. */
static int64_t wait_ticks(bh_shared *m, int64_t want)
{
    int64_t end = bh_test_now_ms() + 30000;
    while (ticks_of(m) < want && bh_test_now_ms() < end)
        usleep(20 * 1000);
    ck_assert_int_ge(ticks_of(m), want);
    return bh_test_now_ms();
}

/* A timer runs every second in the runner's workers, in the memory of the
 * bot; bh_bot_run stops cleanly on SIGTERM. The rate is judged from the
 * ticks themselves, not from a fixed sleep that a slow start would eat. */
START_TEST(timers_run_through_the_runner)
{
    char *path = bh_test_tmppath("timer"), url[600];
    bh_bot *bot = new_bot(TOKEN);
    bh_store *st;
    bh_shared *m;

    snprintf(url, sizeof url, "file:%s", path);
    /* opened before the runner, as the runner's tests do, to watch it run */
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:4242", &m), BH_OK);
    ck_assert_int_eq(bh_bot_timer(bot, 1, tick), BH_OK);
    int64_t t0 = bh_test_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        bh_run_options o = {.workers = 2, .store_url = url, .api_url = emu.url};
        _exit(bh_bot_run(bot, &o) == BH_OK ? 0 : 1);
    }
    int64_t t1 = wait_ticks(m, 1), t2 = wait_ticks(m, 2);
    /* every second: the second tick came about a second after the first */
    ck_assert_int_lt(t2 - t1, 1000 + 3000);
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    /* and not more often: one at the start and one a second at most */
    int64_t secs = (bh_test_now_ms() - t0) / 1000;
    ck_assert_int_le(ticks_of(m), secs + 2);
    bh_shared_close(m);
    bh_store_close(st);
    bh_bot_free(bot);
    unlink(path);
    free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot");
    TCase *tc = tcase_create("bot");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, chain_order);
    tcase_add_test(tc, handled_and_errors_end_the_chain);
    tcase_add_test(tc, registration_errors);
    tcase_add_test(tc, default_help_and_start);
    tcase_add_test(tc, component_memories_are_separate);
    tcase_add_test(tc, preparer_runs_once_across_processes);
    tcase_add_test(tc, signed_callbacks_and_forgeries);
    tcase_add_test(tc, blocked_chat_runs_chat_unavailable);
    tcase_add_test(tc, locks_left_held_are_released);
    tcase_add_test(tc, rate_limits_hold_across_processes);
    tcase_add_test(tc, edited_messages_and_channel_posts);
    tcase_add_test(tc, timers_run_through_the_runner);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
