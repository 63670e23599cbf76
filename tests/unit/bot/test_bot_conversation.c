/*
 * Conversations through bh_bot_process: states, entry points, fallbacks,
 * precedence over the bot's other hooks, keys, typed data, a step whose
 * hook fails or whose process dies (the record stays as before), a
 * restart on a file: store, and timeouts (at the next update, and by the
 * sweep). The hooks send nothing: they write what ran into a trace.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bot/internal.h" /* bh_callback_sign: a press of a signed button */
#include "bothive/bothive.h"
#include "redis_proc.h"
#include "testutil.h"
#include "updates.h"

#define TOKEN "7373:CONV"

static char trace[2048];
static int64_t next_id = 1;

static void mark(const char *fmt, const char *s)
{
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, fmt, s ? s : "");
    strncat(trace, " ", sizeof trace - strlen(trace) - 1);
}

static int say(bh_bot *bot, int64_t chat, int64_t user, const char *text)
{
    char *u = bh_test_message_update(next_id++, chat, user, text, 0);
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

/* ---- The hooks: signup without sends ---- */

static int fail_name; /* take_name returns BH_EIO */
static int die_in_name; /* take_name _exits after changing the data */

static int ask_name(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    mark("ask[%s]", args->text);
    ck_assert_str_eq(bh_conversation_state(ctx), "");
    return bh_conversation_next(ctx, "name");
}

static int take_name(bh_ctx *ctx, const bh_message *msg)
{
    mark("name=%s", msg->text);
    ck_assert_str_eq(bh_conversation_state(ctx), "name");
    ck_assert_int_eq(bh_conversation_set_str(ctx, "name", msg->text), BH_OK);
    ck_assert_int_eq(bh_conversation_next(ctx, "agee"), BH_EINVAL); /* no such state */
    ck_assert_int_eq(bh_conversation_next(ctx, BH_CONV_FALLBACK), BH_EINVAL);
    bh_conversation_next(ctx, "age");
    if (die_in_name)
        _exit(0);
    return fail_name ? BH_EIO : BH_HANDLED;
}

static int take_age(bh_ctx *ctx, const bh_message *msg)
{
    char *name = NULL, *end;
    long age = strtol(msg->text, &end, 10);

    if (*end || end == msg->text) {
        mark("bad-age", NULL);
        return BH_HANDLED;
    }
    ck_assert_int_eq(bh_conversation_get_str(ctx, "name", &name), BH_OK);
    mark("done=%s", name);
    free(name);
    (void)age;
    return bh_conversation_end(ctx);
}

static int cancel(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    mark("cancel", NULL);
    return bh_conversation_end(ctx);
}

static int timed_out(bh_ctx *ctx, int64_t chat, int64_t user)
{
    char *name = NULL, buf[64];
    int rc = bh_conversation_get_str(ctx, "name", &name);
    snprintf(buf, sizeof buf, "timeout:%lld:%lld:%s", (long long)chat, (long long)user,
             rc == BH_OK ? name : "-");
    mark("%s", buf);
    free(name);
    return BH_OK;
}

/* The bot's own hooks, to see what the conversation hides. */
static int bot_before(bh_ctx *ctx, const bh_update *u)
{
    (void)ctx;
    (void)u;
    mark("before", NULL);
    return BH_CONTINUE;
}

static int bot_text(bh_ctx *ctx, const bh_message *msg)
{
    (void)ctx;
    mark("bot:%s", msg->text ? msg->text : "photo");
    return BH_CONTINUE;
}

static int bot_other(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)ctx;
    (void)msg;
    (void)args;
    mark("bot-other", NULL);
    return BH_OK;
}

static bh_conversation *signup(int by, int timeout)
{
    bh_conversation *cv = bh_conversation_new("signup");
    ck_assert_ptr_nonnull(cv);
    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "signup", ask_name), BH_OK);
    ck_assert_int_eq(bh_conversation_text(cv, "name", take_name), BH_OK);
    ck_assert_int_eq(bh_conversation_text(cv, "age", take_age), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_FALLBACK, "cancel", cancel), BH_OK);
    ck_assert_int_eq(bh_conversation_key(cv, by), BH_OK);
    if (timeout)
        ck_assert_int_eq(bh_conversation_timeout(cv, timeout, timed_out), BH_OK);
    return cv;
}

static bh_bot *new_bot(int by, int timeout, bh_store *st)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = signup(by, timeout);

    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, "http://127.0.0.1:9"), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_EINVAL); /* same name */
    bh_conversation_free(cv);
    ck_assert_int_eq(bh_bot_before_processing(bot, bot_before), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, bot_text), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "other", bot_other, NULL), BH_OK);
    if (st)
        ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    return bot;
}

static void setup(void)
{
    trace[0] = 0;
    fail_name = die_in_name = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
}

START_TEST(three_steps_and_precedence)
{
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, NULL);

    ck_assert_int_eq(say(bot, 5, 5, "hello"), BH_OK);         /* none active: the bot's */
    ck_assert_int_eq(say(bot, 5, 5, "/signup now"), BH_OK);   /* entry */
    ck_assert_int_eq(say(bot, 5, 5, "/other"), BH_OK);        /* not the state's: the bot's */
    ck_assert_int_eq(say(bot, 5, 5, "Ada"), BH_OK);           /* hides process_message */
    ck_assert_int_eq(say(bot, 5, 5, "many"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, NULL), BH_OK);            /* a photo: not text */
    ck_assert_int_eq(say(bot, 5, 5, "36"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "after"), BH_OK);         /* ended: the bot's again */
    ck_assert_str_eq(trace, "before bot:hello before ask[now] before bot-other before name=Ada "
                            "before bad-age before bot:photo before done=Ada before bot:after ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(fallbacks_and_entries)
{
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, NULL);

    ck_assert_int_eq(say(bot, 5, 5, "/cancel"), BH_OK); /* a fallback needs an active one */
    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "/cancel"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "Ada"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "Bob"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "/cancel"), BH_OK); /* in another state */
    ck_assert_int_eq(say(bot, 5, 5, "7"), BH_OK);
    ck_assert_str_eq(trace, "before bot:/cancel before ask[] before cancel before bot:Ada before ask[] "
                            "before name=Bob before cancel before bot:7 ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(keys_keep_conversations_apart)
{
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, NULL);

    /* two users in one group, one of them also in private */
    ck_assert_int_eq(say(bot, -100, 1, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 2, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 2, "Bob"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "private"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 1, "Ada"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 1, "30"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 2, "40"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before ask[] before name=Bob before bot:private "
                            "before name=Ada before done=Ada before done=Bob ");
    bh_bot_free(bot);

    /* keyed by chat: the group has one conversation, whoever answers */
    trace[0] = 0;
    bot = new_bot(BH_CONV_BY_CHAT, 0, NULL);
    ck_assert_int_eq(say(bot, -100, 1, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 2, "Bob"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 3, "9"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before name=Bob before done=Bob ");
    bh_bot_free(bot);

    /* keyed by user: one conversation across chats */
    trace[0] = 0;
    bot = new_bot(BH_CONV_BY_USER, 0, NULL);
    ck_assert_int_eq(say(bot, -100, 1, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "Ada"), BH_OK);
    ck_assert_int_eq(say(bot, -200, 2, "x"), BH_OK);
    ck_assert_int_eq(say(bot, -200, 1, "3"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before name=Ada before bot:x before done=Ada ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(a_failed_step_publishes_nothing)
{
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, NULL);

    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_OK);
    fail_name = 1;
    ck_assert_int_eq(say(bot, 5, 5, "Ada"), BH_EIO);
    fail_name = 0;
    /* still in "name": the next text is a name again */
    ck_assert_int_eq(say(bot, 5, 5, "Bob"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "1"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before name=Ada before name=Bob before done=Bob ");
    bh_bot_free(bot);
}
END_TEST

/* A process killed in the middle of a step (after changing the data and
 * the state, before returning) leaves the conversation as it was; the
 * lock it held goes to the next step. */
START_TEST(a_worker_killed_mid_step_leaves_it_before)
{
    char *path = bh_test_tmppath("convkill"), url[600];
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, st);
    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_OK);
    pid_t pid = fork();
    if (pid == 0) {
        die_in_name = 1;
        say(bot, 5, 5, "Ada");
        _exit(1);
    }
    ck_assert_int_eq(bh_test_wait(pid), 0); /* it died in the hook */
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 5, 5, "Bob"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "2"), BH_OK);
    ck_assert_str_eq(trace, "before name=Bob before done=Bob ");
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(a_restart_on_a_file_store_continues)
{
    char *path = bh_test_tmppath("convfile"), url[600];
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, st);
    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "Ada"), BH_OK);
    bh_bot_free(bot);
    bh_store_close(st);

    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bot = new_bot(BH_CONV_BY_CHAT_USER, 0, st);
    ck_assert_int_eq(say(bot, 5, 5, "41"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before name=Ada before done=Ada ");
    /* the record is gone once it ended */
    bh_shared *m;
    ck_assert_int_eq(bh_shared_open(st, "bot:7373#conv:signup", &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "5:5"), 0);
    bh_shared_close(m);
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

/* Two hosts on one redis:// store: a conversation begun on one goes on on
 * the other, and the other's sweep times out what the first began. */
START_TEST(another_host_continues_on_redis)
{
    bh_redis_proc rp;
    bh_store *a, *b;

    if (bh_redis_start(&rp) != 0)
        ck_abort_msg("no redis-server");
    if (bh_store_open(&a, rp.url, NULL) == BH_ENOTSUP) { /* built without redis */
        bh_redis_stop(&rp);
        return;
    }
    ck_assert_int_eq(bh_store_open(&b, rp.url, NULL), BH_OK);
    /* 4 s: the steps of key 5 must not time out between each other, even
     * on a loaded machine */
    bh_bot *one = new_bot(BH_CONV_BY_CHAT_USER, 4, a), *two = new_bot(BH_CONV_BY_CHAT_USER, 4, b);
    ck_assert_int_eq(say(one, 5, 5, "/signup"), BH_OK);
    ck_assert_int_eq(say(two, 5, 5, "Ada"), BH_OK);
    ck_assert_int_eq(say(one, 5, 5, "30"), BH_OK);
    ck_assert_int_eq(say(one, 6, 6, "/signup"), BH_OK);
    ck_assert_int_eq(say(one, 6, 6, "Bob"), BH_OK);
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_now_ms() < end && !strstr(trace, "timeout:")) {
        ck_assert_int_eq(bh_bot_sweep(two), BH_OK);
        usleep(100 * 1000);
    }
    ck_assert_str_eq(trace, "before ask[] before name=Ada before done=Ada before ask[] "
                            "before name=Bob timeout:6:6:Bob ");
    bh_bot_free(one);
    bh_bot_free(two);
    bh_store_close(a);
    bh_store_close(b);
    bh_redis_stop(&rp);
}
END_TEST

/* Waits (up to 30 s) until the trace holds want, sweeping meanwhile. */
static int swept_until(bh_bot *bot, const char *want)
{
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_now_ms() < end) {
        ck_assert_int_eq(bh_bot_sweep(bot), BH_OK);
        if (strstr(trace, want))
            return 1;
        usleep(50 * 1000);
    }
    return 0;
}

START_TEST(timeouts_at_the_sweep_and_at_the_next_update)
{
    /* 3 s: "Ada" must come in time even on a loaded machine */
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 3, NULL);

    ck_assert_int_eq(say(bot, -100, 7, "/signup"), BH_OK);
    ck_assert_int_eq(say(bot, -100, 7, "Ada"), BH_OK);
    /* the user never writes again: the sweep ends it, with its data */
    ck_assert(swept_until(bot, "timeout:-100:7:Ada"));
    ck_assert_int_eq(say(bot, -100, 7, "30"), BH_OK); /* over: the bot's */
    ck_assert_str_eq(trace, "before ask[] before name=Ada timeout:-100:7:Ada before bot:30 ");

    /* without a sweep, the next update of the key times it out first */
    trace[0] = 0;
    ck_assert_int_eq(say(bot, 8, 8, "/signup"), BH_OK);
    usleep(3200 * 1000); /* past the deadline (it is on the wall clock) */
    ck_assert_int_eq(say(bot, 8, 8, "Bob"), BH_OK);
    ck_assert_str_eq(trace, "before ask[] before timeout:8:8:- bot:Bob ");
    bh_bot_free(bot);
}
END_TEST

static int data_types(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_value v;
    int64_t i;
    char *s;
    (void)msg;
    if (!strcmp(args->text, "set")) {
        bh_value d = bh_value_double(2.5), b = bh_value_bool(1), j = bh_value_json("[1,2]");
        bh_value by = bh_value_bytes("\x00\xff", 2), bad = bh_value_json("[");
        ck_assert_int_eq(bh_conversation_set_int(ctx, "i", INT64_MAX), BH_OK);
        ck_assert_int_eq(bh_conversation_set_str(ctx, "s", "text"), BH_OK);
        ck_assert_int_eq(bh_conversation_set(ctx, "d", &d), BH_OK);
        ck_assert_int_eq(bh_conversation_set(ctx, "b", &b), BH_OK);
        ck_assert_int_eq(bh_conversation_set(ctx, "j", &j), BH_OK);
        ck_assert_int_eq(bh_conversation_set(ctx, "by", &by), BH_OK);
        ck_assert_int_eq(bh_conversation_set(ctx, "bad", &bad), BH_EJSON);
        /* a value is its len bytes, as in the store: "{" of "{}" is no JSON */
        bad = (bh_value){.type = BH_JSON, .u.s = {(void *)"{}", 1}};
        ck_assert_int_eq(bh_conversation_set(ctx, "bad", &bad), BH_EJSON);
        bad = (bh_value){.type = BH_STR, .u.s = {(void *)"a\0b", 3}};
        ck_assert_int_eq(bh_conversation_set(ctx, "bad", &bad), BH_EINVAL);
        ck_assert_int_eq(bh_conversation_set_int(ctx, "", 1), BH_EINVAL);
        return bh_conversation_next(ctx, "typed");
    }
    ck_assert_int_eq(bh_conversation_get_int(ctx, "i", &i), BH_OK);
    ck_assert(i == INT64_MAX);
    ck_assert_int_eq(bh_conversation_get_int(ctx, "s", &i), BH_ETYPE);
    ck_assert_int_eq(bh_conversation_get_str(ctx, "s", &s), BH_OK);
    ck_assert_str_eq(s, "text");
    free(s);
    ck_assert_int_eq(bh_conversation_get(ctx, "d", &v), BH_OK);
    ck_assert(v.type == BH_DOUBLE && v.u.d == 2.5);
    ck_assert_int_eq(bh_conversation_get(ctx, "b", &v), BH_OK);
    ck_assert(v.type == BH_BOOL && v.u.b);
    ck_assert_int_eq(bh_conversation_get(ctx, "j", &v), BH_OK);
    ck_assert(v.type == BH_JSON && !strcmp(v.u.s.data, "[1,2]"));
    bh_value_free(&v);
    ck_assert_int_eq(bh_conversation_get(ctx, "by", &v), BH_OK);
    ck_assert(v.type == BH_BYTES && v.u.s.len == 2 && !memcmp(v.u.s.data, "\x00\xff", 2));
    bh_value_free(&v);
    ck_assert_int_eq(bh_conversation_delete(ctx, "i"), BH_OK);
    ck_assert_int_eq(bh_conversation_delete(ctx, "i"), BH_ENOTFOUND);
    ck_assert_int_eq(bh_conversation_get(ctx, "i", &v), BH_ENOTFOUND);
    mark("typed", NULL);
    return bh_conversation_end(ctx);
}

static int fresh(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_value v;
    (void)msg;
    (void)args;
    /* a new conversation starts without the data of the last one */
    ck_assert_int_eq(bh_conversation_get(ctx, "s", &v), BH_ENOTFOUND);
    mark("fresh", NULL);
    return BH_OK;
}

static int outside(bh_ctx *ctx, const bh_message *msg)
{
    (void)msg;
    ck_assert_ptr_null(bh_conversation_state(ctx));
    ck_assert_int_eq(bh_conversation_set_int(ctx, "x", 1), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_next(ctx, "x"), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_end(ctx), BH_EINVAL);
    mark("outside", NULL);
    return BH_OK;
}

START_TEST(typed_data_dropped_at_the_end)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = bh_conversation_new("typed");

    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "t", data_types), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, "typed", "t", data_types), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "fresh", fresh), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    bh_conversation_free(cv);
    ck_assert_int_eq(bh_bot_process_message(bot, outside), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "/t set"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "/t get"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "/fresh"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "plain"), BH_OK);
    ck_assert_str_eq(trace, "typed fresh outside ");
    bh_bot_free(bot);
}
END_TEST

/* A claim left by a worker that died while timing a conversation out is
 * claimed again once it expires: the timeout hook runs after all. */
START_TEST(a_stale_claim_is_timed_out_again)
{
    bh_store *st;
    bh_shared *m;

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 60, st);
    ck_assert_int_eq(bh_shared_open(st, "bot:7373#conv:signup", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "5:6", "1 5 6 @timeout\n{\"name\":{\"t\":4,\"v\":\"Zed\"}}"),
                     BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "5:7", "not a record"), BH_OK);
    ck_assert_int_eq(bh_bot_sweep(bot), BH_OK);
    ck_assert_str_eq(trace, "timeout:5:6:Zed ");
    ck_assert_int_eq(bh_shared_contains(m, "5:6"), 0);
    /* a damaged record is an error of its key's steps, not a crash */
    ck_assert_int_eq(say(bot, 5, 7, "/signup"), BH_ECORRUPT);
    bh_shared_close(m);
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

/* Each damaged value of the record is BH_ECORRUPT, and the others still read. */
static int read_damaged(bh_ctx *ctx, const bh_message *msg)
{
    static const char *const keys[] = {"type", "hex", "odd", "num", "nostr", "untyped"};
    bh_value v;
    (void)msg;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        ck_assert_int_eq(bh_conversation_get(ctx, keys[i], &v), BH_ECORRUPT);
        ck_assert(v.type == BH_NIL);
    }
    ck_assert_int_eq(bh_conversation_get(ctx, "ok", &v), BH_OK);
    ck_assert(v.type == BH_BYTES && v.u.s.len == 1 && ((unsigned char *)v.u.s.data)[0] == 0xab);
    bh_value_free(&v);
    mark("damaged", NULL);
    return bh_conversation_end(ctx);
}

START_TEST(damaged_data_is_corrupt)
{
    bh_store *st;
    bh_shared *m;
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = bh_conversation_new("dmg");

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    ck_assert_int_eq(bh_conversation_text(cv, "s", read_damaged), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    bh_conversation_free(cv);
    ck_assert_int_eq(bh_shared_open(st, "bot:7373#conv:dmg", &m), BH_OK);
    ck_assert_int_eq(bh_shared_set_str(m, "1:1", "0 1 1 s\n"
                                       "{\"type\":{\"t\":9,\"v\":\"x\"},"
                                       "\"hex\":{\"t\":5,\"v\":\"zz\"},"
                                       "\"odd\":{\"t\":5,\"v\":\"abc\"},"
                                       "\"num\":{\"t\":4,\"v\":12},"
                                       "\"nostr\":{\"t\":6,\"v\":null},"
                                       "\"untyped\":{\"t\":\"4\",\"v\":\"x\"},"
                                       "\"ok\":{\"t\":5,\"v\":\"ab\"}}"),
                     BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "read"), BH_OK);
    ck_assert_str_eq(trace, "damaged ");
    bh_shared_close(m);
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

/* A store that cannot open the conversation's memory gives its own error,
 * not "out of memory": a read-only file: store where it does not exist. */
START_TEST(a_store_error_is_the_stores)
{
    char *path = bh_test_tmppath("convro"), url[600];
    bh_store_options ro = {.flags = BH_STORE_READONLY};
    bh_store *st;

    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    bh_store_close(st);
    ck_assert_int_eq(bh_store_open(&st, url, &ro), BH_OK);
    bh_bot *bot = new_bot(BH_CONV_BY_CHAT_USER, 0, st);
    ck_assert_int_eq(say(bot, 5, 5, "/signup"), BH_ENOTFOUND);
    ck_assert_int_eq(bh_bot_sweep(bot), BH_OK); /* no timeouts, nothing to open */
    bh_bot_free(bot);
    bh_store_close(st);
    unlink(path);
    free(path);
}
END_TEST

static int count_start(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    return bh_conversation_next(ctx, "counting");
}

static int count_one(bh_ctx *ctx, const bh_message *msg)
{
    int64_t n = 0;
    (void)msg;
    bh_conversation_get_int(ctx, "n", &n);
    return bh_conversation_set_int(ctx, "n", n + 1);
}

static int count_total(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = -1;
    char buf[32];
    (void)msg;
    (void)args;
    bh_conversation_get_int(ctx, "n", &n);
    snprintf(buf, sizeof buf, "total=%lld", (long long)n);
    mark("%s", buf);
    return bh_conversation_end(ctx);
}

/* One user writes in four chats at once (four processes, as four workers
 * would): a conversation keyed by user sees every step, none lost. */
START_TEST(a_user_keyed_conversation_in_parallel_chats)
{
    bh_store *st;
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = bh_conversation_new("count");
    pid_t pids[4];

    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_conversation_key(cv, BH_CONV_BY_USER), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "count", count_start), BH_OK);
    ck_assert_int_eq(bh_conversation_text(cv, "counting", count_one), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, "counting", "total", count_total), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    bh_conversation_free(cv);
    ck_assert_int_eq(bh_bot_set_store(bot, st), BH_OK);
    ck_assert_int_eq(say(bot, 100, 9, "/count"), BH_OK);
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    for (int p = 0; p < 4; p++) {
        if ((pids[p] = fork()) == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 0) /* all start when the pipe closes */
                _exit(2);
            for (int i = 0; i < 1000; i++)
                if (say(bot, 101 + p, 9, "one") != BH_OK)
                    _exit(1);
            _exit(0);
        }
    }
    close(go[0]);
    close(go[1]);
    for (int p = 0; p < 4; p++)
        ck_assert_int_eq(bh_test_wait(pids[p]), 0);
    ck_assert_int_eq(say(bot, 100, 9, "/total"), BH_OK);
    ck_assert_str_eq(trace, "total=4000 ");
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

/* A callback_query update in chat 5 from user 5 with data. */
static char *press(const char *data)
{
    json_object *u = json_object_new_object(), *q = json_object_new_object();
    json_object *from = json_object_new_object(), *m = json_object_new_object();
    json_object *chat = json_object_new_object();
    char *s;

    json_object_object_add(from, "id", json_object_new_int64(5));
    json_object_object_add(from, "is_bot", json_object_new_boolean(0));
    json_object_object_add(from, "first_name", json_object_new_string("U"));
    json_object_object_add(chat, "id", json_object_new_int64(5));
    json_object_object_add(chat, "type", json_object_new_string("private"));
    json_object_object_add(m, "message_id", json_object_new_int64(1));
    json_object_object_add(m, "date", json_object_new_int64(1700000000));
    json_object_object_add(m, "chat", chat);
    json_object_object_add(q, "id", json_object_new_string("q"));
    json_object_object_add(q, "from", from);
    json_object_object_add(q, "message", m);
    json_object_object_add(q, "chat_instance", json_object_new_string("ci"));
    json_object_object_add(q, "data", json_object_new_string(data));
    json_object_object_add(u, "update_id", json_object_new_int64(next_id++));
    json_object_object_add(u, "callback_query", q);
    s = strdup(json_object_to_json_string(u));
    json_object_put(u);
    return s;
}

static int pick(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    mark("pick", NULL);
    return bh_conversation_next(ctx, "picking");
}

static int picked(bh_ctx *ctx, const bh_callback_query *q, const char *data)
{
    (void)q;
    mark("picked=%s", data);
    return bh_conversation_next(ctx, "confirm");
}

static int any_press(bh_ctx *ctx, const bh_callback_query *q)
{
    mark("press=%s", q->data);
    return bh_conversation_end(ctx);
}

static int any_update(bh_ctx *ctx, const bh_update *u)
{
    (void)ctx;
    mark("update:%s", u->kind_key);
    return BH_OK;
}

/* Button presses in a state: signed ones by name, any press, and raw
 * updates of any kind; conversation callbacks make the bot ask for
 * callback queries. Filters guard a conversation's hooks too. */
START_TEST(callbacks_updates_and_filters_in_states)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_conversation *cv = bh_conversation_new("pick");
    char sig[128], *u;

    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "pick", pick), BH_OK);
    ck_assert_int_eq(bh_conversation_filter(cv, bh_filter_chat_type(BH_CHAT_PRIVATE)), BH_OK);
    ck_assert_int_eq(bh_conversation_callback(cv, "picking", "choice", picked), BH_OK);
    ck_assert_int_eq(bh_conversation_callback_query(cv, "confirm", any_press), BH_OK);
    ck_assert_int_eq(bh_conversation_on_update(cv, "picking", any_update), BH_OK);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    bh_conversation_free(cv);
    ck_assert_int_eq(bh_bot_process_message(bot, bot_text), BH_OK);
    const char *const *kinds = bh_bot_allowed_updates(bot);
    int asks = 0;
    for (size_t i = 0; kinds[i]; i++)
        asks |= !strcmp(kinds[i], "callback_query");
    ck_assert(asks);

    ck_assert_int_eq(say(bot, -5, 5, "/pick"), BH_OK); /* the filter: private chats only */
    ck_assert_int_eq(say(bot, 5, 5, "/pick"), BH_OK);
    ck_assert_int_eq(bh_callback_sign(bot, "choice", "blue", sig, sizeof sig), BH_OK);
    ck_assert_int_eq(say(bot, 5, 5, "text"), BH_OK); /* on_update: any update */
    u = press("forged:blue");
    ck_assert_int_eq(bh_bot_process(bot, u), BH_OK); /* not signed: on_update */
    free(u);
    u = press(sig);
    ck_assert_int_eq(bh_bot_process(bot, u), BH_OK);
    free(u);
    u = press("plain");
    ck_assert_int_eq(bh_bot_process(bot, u), BH_OK);
    free(u);
    ck_assert_str_eq(trace, "bot:/pick pick update:message update:callback_query picked=blue "
                            "press=plain ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(registration_errors)
{
    bh_conversation *cv = bh_conversation_new("ok.name-1");
    bh_bot *bot = bh_bot_new(TOKEN);

    ck_assert_ptr_null(bh_conversation_new(""));
    ck_assert_ptr_null(bh_conversation_new("no spaces"));
    ck_assert_ptr_null(bh_conversation_new(NULL));
    ck_assert_ptr_nonnull(cv);
    ck_assert_int_eq(bh_conversation_text(cv, "bad state", take_name), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_text(cv, NULL, take_name), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_text(cv, "s", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_command(cv, "s", "Bad", cancel), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_callback(cv, "s", "a:b", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_key(cv, 3), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_timeout(cv, 0, timed_out), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_filter(cv, bh_filter_admins()), BH_EINVAL); /* no hook */
    ck_assert_int_eq(bh_bot_conversation(NULL, cv), BH_EINVAL);
    ck_assert_int_eq(bh_bot_conversation(bot, NULL), BH_EINVAL);
    bh_conversation_free(cv);
    bh_bot_free(bot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_conversation");
    TCase *tc = tcase_create("conversation");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, three_steps_and_precedence);
    tcase_add_test(tc, fallbacks_and_entries);
    tcase_add_test(tc, keys_keep_conversations_apart);
    tcase_add_test(tc, a_failed_step_publishes_nothing);
    tcase_add_test(tc, a_worker_killed_mid_step_leaves_it_before);
    tcase_add_test(tc, a_restart_on_a_file_store_continues);
    tcase_add_test(tc, timeouts_at_the_sweep_and_at_the_next_update);
    tcase_add_test(tc, typed_data_dropped_at_the_end);
    tcase_add_test(tc, a_stale_claim_is_timed_out_again);
    tcase_add_test(tc, a_user_keyed_conversation_in_parallel_chats);
    tcase_add_test(tc, callbacks_updates_and_filters_in_states);
    tcase_add_test(tc, another_host_continues_on_redis);
    tcase_add_test(tc, registration_errors);
    tcase_add_test(tc, damaged_data_is_corrupt);
    tcase_add_test(tc, a_store_error_is_the_stores);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
