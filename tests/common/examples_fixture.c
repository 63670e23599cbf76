/*
 * Test helper: the fixture of the example tests (see examples_fixture.h).
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "example_proc.h"
#include "examples_fixture.h"
#include "testutil.h"

bh_emu_proc bh_ex_emu;
static pid_t bot;
static char *store_path;

void bh_ex_setup(void)
{
    ck_assert_int_eq(bh_emu_start(&bh_ex_emu, BH_EX_TOKEN), 0);
    store_path = bh_test_tmppath("examples");
    bot = 0;
}

void bh_ex_teardown(void)
{
    if (bot > 0) {
        kill(bot, SIGKILL);
        bh_test_wait(bot);
    }
    ck_assert_int_eq(bh_emu_stop(&bh_ex_emu), 0);
    unlink(store_path);
    free(store_path);
}

/* Starts examples/<name> with 4 workers and a file: store, and waits until
 * it polls (what is sent before would be its skipped backlog): polls more
 * than before, for a bot started again on the same emulator. */
void bh_ex_start(const char *name)
{
    char store[600];

    snprintf(store, sizeof store, "file:%s", store_path);
    bot = bh_example_start(&bh_ex_emu, BH_EX_TOKEN, name, store);
}

/* Stops the bot with SIGTERM: it must finish and exit 0. */
void bh_ex_stop(void)
{
    kill(bot, SIGTERM);
    ck_assert_int_eq(bh_test_wait(bot), 0);
    bot = 0;
}

void bh_ex_say(int64_t chat, int64_t user, const char *text, const char *type)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"chat_id\":%lld,\"user_id\":%lld,\"text\":\"%s\",\"chat_type\":\"%s\"}",
             (long long)chat, (long long)user, text, type);
    ck_assert_int_eq(bh_emu_post(&bh_ex_emu, "/control/message", body, NULL), 200);
}

/* The text of the last message the bot sent to chat, waiting up to
 * timeout_ms for at least `count` messages there. malloc'd, or NULL. */
char *bh_ex_last_sent(int64_t chat, int count, int timeout_ms)
{
    char path[64], key[32];
    int64_t end = bh_test_now_ms() + timeout_ms;

    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    snprintf(key, sizeof key, "result.%d.text", count - 1);
    while (bh_test_now_ms() < end) {
        char *resp = NULL, *t = NULL;
        if (bh_emu_get(&bh_ex_emu, path, &resp) == 200)
            t = bh_emu_json_str(resp, key);
        free(resp);
        if (t)
            return t;
        usleep(50 * 1000);
    }
    return NULL;
}

int64_t bh_ex_store_int(const char *memory, const char *key)
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

void bh_ex_control(const char *path, const char *body)
{
    char *resp = NULL;
    int st = bh_emu_post(&bh_ex_emu, path, body, &resp);
    ck_assert_msg(st == 200, "%s %s: %d %s", path, body, st, resp ? resp : "");
    free(resp);
}

/* The answer to GET path (malloc'd), once it holds want (waiting up to
 * 30 s); the last answer otherwise. */
char *bh_ex_get_with(const char *path, const char *want)
{
    char *resp = NULL;
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_now_ms() < end) {
        free(resp);
        resp = NULL;
        ck_assert_int_eq(bh_emu_get(&bh_ex_emu, path, &resp), 200);
        if (strstr(resp, want))
            break;
        usleep(50 * 1000);
    }
    return resp;
}

/* The recorded calls of method, as JSON text (malloc'd), once they hold
 * want (waiting up to 30 s). */
char *bh_ex_answers_with(const char *method, const char *want)
{
    char path[96];
    snprintf(path, sizeof path, "/control/answers?method=%s", method);
    return bh_ex_get_with(path, want);
}

/* The JSON text of the bot's messages in chat (malloc'd), once it holds
 * want (waiting up to 30 s); the last answer otherwise. */
char *bh_ex_sent_with(int64_t chat, const char *want)
{
    char path[64];
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    return bh_ex_get_with(path, want);
}

