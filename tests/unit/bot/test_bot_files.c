/*
 * Files from a hook and the limiter the bot gives its client, against the
 * real emulator: a reply with a photo from disk, a document sent back, the
 * chat_unavailable hooks after "chat not found", and a 429 answered to one
 * process holding back the sends of another.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "4545:TEST"

static bh_emu_proc emu;
static int64_t next_offset;
static char *photo_path;
static int unavailable_runs;

static void setup(void)
{
    FILE *f;
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    next_offset = 0;
    unavailable_runs = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
    photo_path = bh_test_tmppath("photo.png");
    ck_assert_ptr_nonnull(f = fopen(photo_path, "wb"));
    fputs("\x89PNG not really, but bytes all the same", f);
    fclose(f);
}

static void teardown(void)
{
    unlink(photo_path);
    free(photo_path);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

/* The next queued Update, as JSON text (malloc'd). */
static char *next_update(void)
{
    char body[128], *resp = NULL;
    int64_t id;
    snprintf(body, sizeof body, "{\"offset\":%lld,\"limit\":1,\"timeout\":0}",
             (long long)next_offset);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, &resp), 200);
    char *u = bh_emu_json_str(resp, "result.0");
    ck_assert_ptr_nonnull(u);
    ck_assert_int_eq(bh_emu_json_int(u, "update_id", &id), 0);
    next_offset = id + 1;
    free(resp);
    return u;
}

static int reply_photo(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_input_file f = bh_file_path(photo_path);
    (void)args;
    return bh_message_reply_photo(ctx, msg, &f, "from disk");
}

static int reply_missing(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_input_file f = bh_file_path("/nonexistent/photo.png");
    (void)args;
    return bh_message_reply_photo(ctx, msg, &f, NULL) == BH_EIO ? BH_HANDLED : BH_EINVAL;
}

static int send_elsewhere(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_input_file f = bh_file_memory("doc", 3, "doc.txt");
    (void)msg, (void)args;
    return bh_chat_send_document(ctx, 999999, &f, NULL) == BH_EAPI ? BH_HANDLED : BH_EINVAL;
}

static int call_elsewhere(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_params *p = NULL;
    int rc;
    (void)msg, (void)args;
    if (bh_params_new(&p) != BH_OK)
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", 999999);
    bh_params_int(p, "message_id", 1);
    rc = bh_ctx_call(ctx, "pinChatMessage", p, NULL);
    bh_params_free(p);
    return rc == BH_EAPI ? BH_HANDLED : BH_EINVAL;
}

static int on_unavailable(bh_ctx *ctx, int64_t chat_id, const char *reason)
{
    (void)ctx;
    if (chat_id == 999999 && strstr(reason, "chat not found"))
        unavailable_runs++;
    return BH_CONTINUE;
}

static bh_bot *new_bot(int limits)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_ratelimit_options rl = {.disabled = !limits, .global_per_sec = 1000, .chat_per_sec = 100,
                               .chat_burst = 10, .group_per_min = 6000};
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    return bot;
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

START_TEST(hooks_send_files)
{
    bh_bot *bot = new_bot(0);
    int64_t n = 0;
    ck_assert_int_eq(bh_bot_command(bot, "photo", reply_photo, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "missing", reply_missing, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "elsewhere", send_elsewhere, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "call", call_elsewhere, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_chat_unavailable(bot, on_unavailable), BH_OK);

    ck_assert_int_eq(say(bot, 31, "/photo"), BH_OK);
    ck_assert_int_eq(bh_emu_stat(&emu, "by_method.sendPhoto", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(say(bot, 31, "/missing"), BH_OK);
    ck_assert_int_eq(say(bot, 31, "/elsewhere"), BH_OK);
    ck_assert_int_eq(unavailable_runs, 1);
    /* any method that names a chat, through the builder */
    ck_assert_int_eq(say(bot, 31, "/call"), BH_OK);
    ck_assert_int_eq(unavailable_runs, 2);
    bh_bot_free(bot);
}
END_TEST

static int send_one(bh_ctx *ctx, const bh_message *msg)
{
    return bh_chat_send(ctx, msg->chat.id, "one");
}

/* Waits up to 5 s for the emulator to have answered a 429. */
static void wait_for_429(void)
{
    int64_t n = 0;
    for (int i = 0; i < 500 && n < 1; i++) {
        ck_assert_int_eq(bh_emu_stat(&emu, "faults_429", &n), 0);
        if (n < 1)
            usleep(10000);
    }
    ck_assert_int_ge(n, 1);
}

START_TEST(a_429_pauses_every_process)
{
    bh_store *st;
    bh_bot *bot = new_bot(1);
    char *u1, *u2;
    pid_t a, b;
    ck_assert_int_eq(bh_store_open(&st, "mem:", NULL), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, send_one), BH_OK);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 81, 81, "a"), 1);
    u1 = next_update();
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 82, 82, "b"), 1);
    u2 = next_update();

    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"rate_429\":1.0,\"retry_after\":2}", NULL), 200);
    if ((a = fork()) == 0)
        _exit(bh_bot_set_store(bot, st) == BH_OK && bh_bot_process(bot, u1) == BH_OK ? 0 : 1);
    wait_for_429();
    int64_t t429 = bh_test_now_ms();
    ck_assert_int_eq(bh_emu_post(&emu, "/control/faults", "{\"rate_429\":0}", NULL), 200);
    usleep(100000); /* the pause is written just after the 429 is read */
    /* Another process, another chat: it too waits for the end of the pause. */
    if ((b = fork()) == 0)
        _exit(bh_bot_set_store(bot, st) == BH_OK && bh_bot_process(bot, u2) == BH_OK ? 0 : 1);
    ck_assert_int_eq(bh_test_wait(b), 0);
    ck_assert_int_ge(bh_test_now_ms() - t429, 1800);
    ck_assert_int_eq(bh_test_wait(a), 0);
    free(u1);
    free(u2);
    bh_bot_free(bot);
    bh_store_close(st);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_files");
    bh_test_add_case(s, "hooks_send_files", hooks_send_files, setup, teardown, 60);
    bh_test_add_case(s, "a_429_pauses_every_process", a_429_pauses_every_process, setup, teardown, 60);
    return bh_test_run_suite(s);
}
