/*
 * Two bots in one runner (bh_run), as botogram's run(bot1, bot2): one
 * emulator serves both tokens, each bot a world of its own. Each bot has
 * its own hooks, its own memory (a counter of the same name in both) and
 * its own updates (a chat id used with both bots reaches each bot once),
 * with one pool of 4 workers and one store.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN_A "2101:ALPHA"
#define TOKEN_B "2102:BRAVO"

static bh_emu_proc emu;
static char *store_path;

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN_A "," TOKEN_B), 0);
    store_path = bh_test_tmppath("twobots");
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(store_path);
    free(store_path);
}

static int count(bh_ctx *ctx, const bh_message *msg)
{
    (void)msg;
    return bh_shared_incr(bh_ctx_shared(ctx), "seen", 1, NULL);
}

/* /seen: the bot's own count, and which bot answers. */
static int seen(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int64_t n = 0;
    (void)args;
    bh_shared_get_int(bh_ctx_shared(ctx), "seen", &n);
    return bh_chat_sendf(ctx, msg->chat.id, "bot %lld saw %lld", (long long)bh_bot_id(bh_ctx_bot(ctx)),
                         (long long)n);
}

/* Only bot B has this: a press of a plain button. */
static int pressed(bh_ctx *ctx, const bh_callback_query *q)
{
    return bh_chat_sendf(ctx, q->message ? q->message->chat.id : 0, "B pressed %s", q->data);
}

/* Only bot A has this. */
static int hello(bh_ctx *ctx, const bh_message *msg)
{
    return bh_chat_send(ctx, msg->chat.id, "A says hello");
}

/* The texts bot (by id) sent to chat, joined by '|' (malloc'd). */
static char *sent_texts(int64_t bot, int64_t chat)
{
    char path[96], *resp = NULL, *out = calloc(1, 1);
    json_object *o, *res;
    snprintf(path, sizeof path, "/control/sent?bot=%lld&chat_id=%lld", (long long)bot, (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    o = json_tokener_parse(resp);
    ck_assert(json_object_object_get_ex(o, "result", &res));
    for (size_t i = 0; i < json_object_array_length(res); i++) {
        json_object *t;
        json_object_object_get_ex(json_object_array_get_idx(res, i), "text", &t);
        out = realloc(out, strlen(out) + strlen(json_object_get_string(t)) + 2);
        strcat(strcat(out, json_object_get_string(t)), "|");
    }
    json_object_put(o);
    free(resp);
    return out;
}

/* Waits up to 60 s until bot sent exactly want to chat. */
static void wait_sent(int64_t bot, int64_t chat, const char *want)
{
    int64_t end = bh_test_now_ms() + 60000;
    char *t = NULL;
    while (bh_test_now_ms() < end) {
        free(t);
        t = sent_texts(bot, chat);
        if (!strcmp(t, want))
            break;
        usleep(50 * 1000);
    }
    ck_assert_msg(!strcmp(t, want), "bot %lld, chat %lld: \"%s\", not \"%s\"", (long long)bot,
                  (long long)chat, t, want);
    free(t);
}

static void say(int64_t bot, int64_t chat, const char *text)
{
    char path[64], body[256];
    snprintf(path, sizeof path, "/control/message?bot=%lld", (long long)bot);
    snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\"}",
             (long long)chat, (long long)chat, text);
    ck_assert_int_eq(bh_emu_post(&emu, path, body, NULL), 200);
}

START_TEST(two_bots_one_runner)
{
    char store[600];
    bh_bot *a = bh_bot_new(TOKEN_A), *b = bh_bot_new(TOKEN_B);
    ck_assert(a && b);
    ck_assert_int_eq(bh_bot_process_message(a, count), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(b, count), BH_OK);
    ck_assert_int_eq(bh_bot_command(a, "seen", seen, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_command(b, "seen", seen, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_message_equals(a, "hello", 0, hello), BH_OK);
    ck_assert_int_eq(bh_bot_callback_query(b, pressed), BH_OK);
    snprintf(store, sizeof store, "file:%s", store_path);

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_bot *bots[] = {a, b};
        bh_run_options o = {.workers = 4, .api_url = emu.url, .store_url = store,
                            .process_backlog = 1};
        bh_log_set_level(BH_LOG_WARN);
        _exit(bh_run(bots, 2, &o) == BH_OK ? 0 : 1);
    }
    /* chat 7 exists with both bots: 5 messages to A, 3 to B */
    for (int i = 0; i < 5; i++)
        say(2101, 7, "hello");
    for (int i = 0; i < 3; i++)
        say(2102, 7, "hello");
    say(2101, 7, "/seen");
    say(2102, 7, "/seen");
    /* A's hello hook answered each of its hellos; B has none */
    wait_sent(2101, 7, "A says hello|A says hello|A says hello|A says hello|A says hello|"
                       "bot 2101 saw 5|");
    wait_sent(2102, 7, "bot 2102 saw 3|");
    /* B's callback_query hook; A never sees B's press */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback?bot=2102",
                                 "{\"chat_id\":7,\"user_id\":7,\"message_id\":5,\"data\":\"x\"}", NULL),
                     200);
    wait_sent(2102, 7, "bot 2102 saw 3|B pressed x|");
    /* each bot asked for its own kinds: B for its callback queries too */
    static const char *const tokens[] = {TOKEN_A, TOKEN_B};
    static const char *const kinds[] = {"[\"message\"]", "[\"message\",\"callback_query\"]"};
    for (int i = 0; i < 2; i++) {
        bh_client *c;
        json_object *info = NULL, *au;
        ck_assert_int_eq(bh_client_new(&c, tokens[i], emu.url, NULL), BH_OK);
        ck_assert_int_eq(bh_client_call(c, "getWebhookInfo", NULL, &info), BH_OK);
        ck_assert(json_object_object_get_ex(info, "allowed_updates", &au));
        ck_assert_str_eq(json_object_to_json_string_ext(au, JSON_C_TO_STRING_PLAIN), kinds[i]);
        json_object_put(info);
        bh_client_free(c);
    }
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    wait_sent(2101, 7, "A says hello|A says hello|A says hello|A says hello|A says hello|"
                       "bot 2101 saw 5|");

    /* each memory holds its own count */
    bh_store_options so = {.flags = BH_STORE_READONLY};
    bh_store *st;
    bh_shared *m;
    int64_t v = 0;
    ck_assert_int_eq(bh_store_open(&st, store, &so), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:2101", &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "seen", &v), BH_OK);
    ck_assert_int_eq(v, 5);
    bh_shared_close(m);
    ck_assert_int_eq(bh_shared_open(st, "bot:2102", &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "seen", &v), BH_OK);
    ck_assert_int_eq(v, 3);
    bh_shared_close(m);
    bh_store_close(st);
    bh_bot_free(a);
    bh_bot_free(b);
}
END_TEST

START_TEST(emulator_keeps_the_bots_apart)
{
    char *resp = NULL;
    /* a token the emulator does not serve is refused; each serves its own */
    bh_client *ca, *cb;
    bh_client_options o = {.max_retries = BH_TG_NO_RETRY};
    ck_assert_int_eq(bh_client_new(&ca, TOKEN_A, emu.url, &o), BH_OK);
    ck_assert_int_eq(bh_client_new(&cb, TOKEN_B, emu.url, &o), BH_OK);
    bh_user *me = NULL;
    ck_assert_int_eq(bh_client_get_me(cb, &me), BH_OK);
    ck_assert_int_eq(me->id, 2102);
    bh_user_free(me);
    say(2101, 9, "only for A");
    bh_update_batch batch = {0};
    ck_assert_int_eq(bh_client_get_updates(cb, 0, 0, 0, NULL, &batch), BH_OK);
    ck_assert_uint_eq(batch.count, 0);
    bh_update_batch_free(&batch);
    ck_assert_int_eq(bh_client_get_updates(ca, 0, 0, 0, NULL, &batch), BH_OK);
    ck_assert_uint_eq(batch.count, 1);
    bh_update_batch_free(&batch);
    ck_assert_int_eq(bh_emu_get(&emu, "/control/stats?bot=3333", &resp), 404);
    free(resp);
    bh_client_free(ca);
    bh_client_free(cb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("two_bots");
    TCase *tc = tcase_create("two_bots");
    tcase_set_timeout(tc, 180);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, two_bots_one_runner);
    tcase_add_test(tc, emulator_keeps_the_bots_apart);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
