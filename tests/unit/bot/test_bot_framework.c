/*
 * The framework around the hooks: middleware (order, ending the chain,
 * the result), filters (every kind, combined; administrators asked of the
 * emulator once and cached), the error handler (a hook's code, a worker's
 * death and a dead letter, the last two through the real runner), and
 * memories scoped to a chat or a user (separate, listed, forgotten,
 * expiring).
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
#include "testutil.h"
#include "updates.h"

#define TOKEN "7474:FRAME"

static char trace[2048];
static int64_t next_id = 1;

static void mark(const char *fmt, const char *s)
{
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, fmt, s ? s : "");
    strncat(trace, " ", sizeof trace - strlen(trace) - 1);
}

static int say_ex(bh_bot *bot, int64_t chat, int64_t user, const char *text, int photo)
{
    char *u = bh_test_message_update(next_id++, chat, user, text, photo);
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

static int say(bh_bot *bot, int64_t chat, int64_t user, const char *text)
{
    return say_ex(bot, chat, user, text, 0);
}

static void setup(void)
{
    trace[0] = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
}

/* ---- Middleware ---- */

static int mw_outer(bh_ctx *ctx, const bh_update *u, void *arg)
{
    char buf[32];
    (void)u;
    mark("%s<", arg);
    int rc = bh_ctx_next(ctx);
    snprintf(buf, sizeof buf, "%s>%d", (const char *)arg, rc);
    mark("%s", buf);
    return rc;
}

static int mw_inner(bh_ctx *ctx, const bh_update *u, void *arg)
{
    (void)arg;
    mark("B<", NULL);
    if (!strcmp(u->message->text, "stop"))
        return BH_OK; /* ends the chain: the hooks never run */
    int rc = bh_ctx_next(ctx);
    ck_assert_int_eq(bh_ctx_next(ctx), BH_EINVAL); /* once only */
    /* the component's middleware sees its own memory */
    ck_assert_str_eq(bh_shared_id(bh_ctx_shared(ctx)), "bot:7474/comp");
    return rc;
}

static int mw_hook(bh_ctx *ctx, const bh_message *msg)
{
    ck_assert_int_eq(bh_ctx_next(ctx), BH_EINVAL); /* a hook has no next */
    mark("hook:%s", msg->text);
    if (!strcmp(msg->text, "fail"))
        return BH_EIO;
    return !strcmp(msg->text, "handled") ? BH_HANDLED : BH_CONTINUE;
}

START_TEST(middleware_wraps_the_chain)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_component *c = bh_component_new("comp");

    ck_assert_int_eq(bh_component_middleware(c, mw_inner, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, c), BH_OK);
    ck_assert_int_eq(bh_bot_middleware(bot, mw_outer, "A"), BH_OK);
    ck_assert_int_eq(bh_bot_middleware(bot, mw_outer, "A2"), BH_OK);
    ck_assert_int_eq(bh_bot_middleware(bot, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_process_message(bot, mw_hook), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "hi"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "handled"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "stop"), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "fail"), BH_EIO);
    char want[256];
    snprintf(want, sizeof want, "A< A2< B< hook:hi A2>0 A>0 A< A2< B< hook:handled A2>1 A>1 "
             "A< A2< B< A2>0 A>0 A< A2< B< hook:fail A2>%d A>%d ", BH_EIO, BH_EIO);
    ck_assert_str_eq(trace, want);
    bh_component_free(c);
    bh_bot_free(bot);
}
END_TEST

/* ---- Filters ---- */

static int fhook(bh_ctx *ctx, const bh_message *msg)
{
    (void)ctx;
    (void)msg;
    return BH_CONTINUE;
}

#define FHOOK(name)                                         \
    static int name(bh_ctx *ctx, const bh_message *msg)     \
    {                                                       \
        fhook(ctx, msg);                                    \
        mark("%s", #name);                                  \
        return BH_CONTINUE;                                 \
    }
FHOOK(priv)
FHOOK(user1)
FHOOK(chat5)
FHOOK(photo)
FHOOK(regex)
FHOOK(combo)
FHOOK(admin)

START_TEST(filters_guard_hooks)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    int64_t one = 1, five = -5;

    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_admins()), BH_EINVAL); /* no hook yet */
    ck_assert_int_eq(bh_bot_process_message(bot, priv), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_chat_type(BH_CHAT_PRIVATE)), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, user1), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_users(&one, 1)), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, chat5), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_chats(&five, 1)), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, photo), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_content(BH_HAS_PHOTO | BH_HAS_VIDEO)),
                     BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, regex), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_regex("^a+$", BH_IGNORE_CASE)), BH_OK);
    /* (group and not user 1) or a caption: two filters on one hook are and-ed */
    ck_assert_int_eq(bh_bot_process_message(bot, combo), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_or(bh_filter_and(bh_filter_chat_type(
                                                                       BH_CHAT_GROUP),
                                                                   bh_filter_not(bh_filter_users(
                                                                       &one, 1))),
                                                     bh_filter_content(BH_HAS_PHOTO))),
                     BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_not(bh_filter_regex("x", 0))), BH_OK);
    ck_assert_ptr_null(bh_filter_regex("(", 0));
    ck_assert_ptr_null(bh_filter_and(bh_filter_admins(), NULL));
    ck_assert_ptr_null(bh_filter_chats(NULL, 1));
    /* a count whose size in bytes wraps is refused, not copied short */
    ck_assert_ptr_null(bh_filter_users(&one, SIZE_MAX / sizeof one + 2));
    ck_assert_int_eq(bh_bot_filter(bot, NULL), BH_EINVAL);

    ck_assert_int_eq(say(bot, 1, 1, "AaA"), BH_OK);
    mark("|", NULL);
    ck_assert_int_eq(say(bot, -5, 2, "b"), BH_OK);
    mark("|", NULL);
    ck_assert_int_eq(say(bot, -5, 1, "x"), BH_OK);
    mark("|", NULL);
    ck_assert_int_eq(say_ex(bot, 2, 2, "aa", 1), BH_OK);
    ck_assert_str_eq(trace, "priv user1 regex | chat5 combo | user1 chat5 | priv photo regex combo ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(administrators_from_telegram_cached)
{
    bh_emu_proc emu;
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_ratelimit_options rl = {.disabled = 1};
    char body[160];
    int64_t calls = 0;

    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, admin), BH_OK);
    ck_assert_int_eq(bh_bot_filter(bot, bh_filter_admins()), BH_OK);
    /* the emulator's creator of a group is the first who wrote in it */
    snprintf(body, sizeof body, "{\"chat_id\":-300,\"user_id\":31,\"text\":\"hi\","
                                "\"chat_type\":\"group\"}");
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 200);
    ck_assert_int_eq(say(bot, -300, 31, "a"), BH_OK);
    ck_assert_int_eq(say(bot, -300, 32, "b"), BH_OK);
    ck_assert_int_eq(say(bot, -300, 31, "c"), BH_OK);
    ck_assert_int_eq(say(bot, 31, 31, "private"), BH_OK); /* none in private chats */
    ck_assert_str_eq(trace, "admin admin ");
    ck_assert_int_eq(bh_emu_stat(&emu, "by_method.getChatAdministrators", &calls), 0);
    ck_assert(calls == 1); /* then from the store */
    bh_bot_free(bot);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}
END_TEST

/* ---- The error handler ---- */

static int on_error(bh_ctx *ctx, const bh_failure *f)
{
    char buf[256];
    snprintf(buf, sizeof buf, "err:%d:%d:%s:%s:%lld:%s", f->kind, f->code,
             f->hook ? f->hook : "-", f->component ? f->component : "-",
             (long long)f->chat_id, f->update ? "u" : "-");
    mark("%s", buf);
    /* what a failure in a worker leaves for the test that runs the runner */
    char key[64];
    snprintf(key, sizeof key, "kind%d", f->kind);
    bh_shared_incr(bh_ctx_shared(ctx), key, 1, NULL);
    return BH_EIO; /* a failing handler is not reported to itself */
}

static int failing(bh_ctx *ctx, const bh_message *msg)
{
    (void)ctx;
    if (!strcmp(msg->text, "die"))
        raise(SIGKILL);
    return !strcmp(msg->text, "fail") ? BH_ENOSPC : BH_CONTINUE;
}

START_TEST(errors_of_hooks_reach_the_handler)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_component *c = bh_component_new("comp");

    ck_assert_int_eq(bh_component_process_message(c, failing), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, c), BH_OK);
    ck_assert_int_eq(bh_bot_on_error(bot, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_bot_on_error(bot, on_error), BH_OK);
    ck_assert_int_eq(say(bot, -9, 4, "fine"), BH_OK);
    ck_assert_int_eq(say(bot, -9, 4, "fail"), BH_ENOSPC);
    char want[128];
    snprintf(want, sizeof want, "err:1:%d:process_message:comp:-9:u ", BH_ENOSPC);
    ck_assert_str_eq(trace, want);
    bh_component_free(c);
    bh_bot_free(bot);
}
END_TEST

/* The runner's failures: an update whose worker dies is retried (the
 * handler hears of the crash on the retry), and one that kills two workers
 * is set aside (the handler hears of it from the sweep, once). */
START_TEST(crashes_and_dead_letters_reach_the_handler)
{
    bh_emu_proc emu;
    char *path = bh_test_tmppath("frame"), url[600];
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_store *st;
    bh_shared *m;
    int64_t crash = 0, dead = 0, end;

    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    snprintf(url, sizeof url, "file:%s", path);
    ck_assert_int_eq(bh_store_open(&st, url, NULL), BH_OK);
    ck_assert_int_eq(bh_shared_open(st, "bot:7474", &m), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, failing), BH_OK);
    ck_assert_int_eq(bh_bot_on_error(bot, on_error), BH_OK);
    pid_t pid = fork();
    if (pid == 0) {
        bh_run_options o = {.workers = 2, .store_url = url, .api_url = emu.url};
        _exit(bh_bot_run(bot, &o) == BH_OK ? 0 : 1);
    }
    int64_t polls = 0;
    for (end = bh_test_now_ms() + 30000; bh_test_now_ms() < end && polls < 1;)
        if (bh_emu_stat(&emu, "by_method.getUpdates", &polls) != 0 || polls < 1)
            usleep(50 * 1000);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, 3, 3, "die"), 1);
    for (end = bh_test_now_ms() + 60000; bh_test_now_ms() < end && dead < 1;) {
        usleep(100 * 1000);
        bh_shared_get_int(m, "kind3", &dead);
    }
    ck_assert(dead == 1);
    ck_assert_int_eq(bh_shared_get_int(m, "kind2", &crash), BH_OK);
    ck_assert(crash == 1); /* the retry, which died too */
    sleep(2);              /* two sweeps more: still reported once */
    ck_assert_int_eq(bh_shared_get_int(m, "kind3", &dead), BH_OK);
    ck_assert(dead == 1);
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    bh_shared_close(m);
    bh_store_close(st);
    bh_bot_free(bot);
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
    unlink(path);
    free(path);
}
END_TEST

/* ---- Scoped memories ---- */

static int remember(bh_ctx *ctx, const bh_message *msg)
{
    bh_shared *chat = bh_ctx_chat_memory(ctx), *user = bh_ctx_user_memory(ctx);
    int64_t n = 0, u = 0;
    char buf[64];

    ck_assert_ptr_nonnull(chat);
    ck_assert_ptr_nonnull(user);
    ck_assert_ptr_eq(bh_ctx_chat_memory(ctx), chat); /* one handle per update */
    ck_assert_int_eq(bh_shared_incr(chat, "n", 1, &n), BH_OK);
    ck_assert_int_eq(bh_shared_incr(user, "n", 1, &u), BH_OK);
    snprintf(buf, sizeof buf, "%s:%lld/%lld", msg->text, (long long)n, (long long)u);
    mark("%s", buf);
    return BH_CONTINUE;
}

static int remember_comp(bh_ctx *ctx, const bh_message *msg)
{
    int64_t n = 0;
    (void)msg;
    ck_assert_int_eq(bh_shared_incr(bh_ctx_chat_memory(ctx), "n", 10, &n), BH_OK);
    ck_assert(n % 10 == 0); /* its own memory: only its tens */
    return BH_CONTINUE;
}

static int no_scope(bh_ctx *ctx)
{
    ck_assert_ptr_null(bh_ctx_chat_memory(ctx));
    ck_assert_ptr_null(bh_ctx_user_memory(ctx));
    return BH_OK;
}

START_TEST(chat_and_user_memories)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_component *c = bh_component_new("comp");
    bh_shared *m;
    bh_cursor *cur;
    const char *key;
    int64_t v;

    ck_assert_int_eq(bh_bot_process_message(bot, remember), BH_OK);
    ck_assert_int_eq(bh_component_process_message(c, remember_comp), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, c), BH_OK);
    ck_assert_int_eq(bh_bot_timer(bot, 60, no_scope), BH_OK);
    ck_assert_int_eq(say(bot, -1, 1, "a"), BH_OK);
    ck_assert_int_eq(say(bot, -1, 2, "b"), BH_OK);
    ck_assert_int_eq(say(bot, -2, 1, "c"), BH_OK);
    ck_assert_int_eq(say(bot, -1, 1, "d"), BH_OK);
    ck_assert_str_eq(trace, "a:1/1 b:2/1 c:1/2 d:3/3 ");
    ck_assert_ptr_null(bh_ctx_chat_memory(NULL));

    /* listed from outside a hook, for a privacy request */
    ck_assert_int_eq(bh_bot_chat_memory(bot, NULL, -1, &m), BH_OK);
    ck_assert_str_eq(bh_shared_id(m), "bot:7474#chat:-1");
    ck_assert_int_eq(bh_cursor_open(m, &cur), BH_OK);
    ck_assert_int_eq(bh_cursor_next(cur, &key), BH_OK);
    ck_assert_str_eq(key, "n");
    ck_assert_int_eq(bh_cursor_next(cur, &key), BH_ENOTFOUND);
    bh_cursor_close(cur);
    bh_shared_close(m);
    ck_assert_int_eq(bh_bot_chat_memory(bot, c, -1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "n", &v), BH_OK);
    ck_assert(v == 30);
    bh_shared_close(m);
    ck_assert_int_eq(bh_bot_forget_chat(bot, -1), BH_OK);
    ck_assert_int_eq(bh_bot_chat_memory(bot, c, -1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_get_int(m, "n", &v), BH_ENOTFOUND);
    bh_shared_close(m);
    ck_assert_int_eq(bh_bot_forget_user(bot, 1), BH_OK);
    ck_assert_int_eq(bh_bot_user_memory(bot, NULL, 1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "n"), 0);
    bh_shared_close(m);
    ck_assert_int_eq(bh_bot_user_memory(bot, NULL, 2, &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "n"), 1);
    bh_shared_close(m);
    ck_assert_int_eq(bh_bot_chat_memory(NULL, NULL, 1, &m), BH_EINVAL);
    bh_component *other = bh_component_new("other"); /* not used by the bot */
    ck_assert_int_eq(bh_bot_chat_memory(bot, other, 1, &m), BH_EINVAL);
    bh_component_free(other);
    bh_component_free(c);
    bh_bot_free(bot);
}
END_TEST

START_TEST(idle_memories_expire)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_shared *m;

    ck_assert_int_eq(bh_bot_process_message(bot, remember), BH_OK);
    ck_assert_int_eq(bh_bot_chat_memory_expiry(bot, -1), BH_EINVAL);
    ck_assert_int_eq(bh_bot_user_memory_expiry(bot, 1), BH_OK);
    ck_assert_int_eq(say(bot, -1, 1, "a"), BH_OK);
    ck_assert_int_eq(bh_bot_sweep(bot), BH_OK); /* not idle yet */
    ck_assert_int_eq(bh_bot_user_memory(bot, NULL, 1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "n"), 1);
    int64_t end = bh_test_now_ms() + 30000;
    while (bh_test_now_ms() < end && bh_shared_contains(m, "n") == 1) {
        usleep(100 * 1000);
        ck_assert_int_eq(bh_bot_sweep(bot), BH_OK);
    }
    ck_assert_int_eq(bh_shared_contains(m, "n"), 0);
    bh_shared_close(m);
    /* chats do not expire: only users were asked to */
    ck_assert_int_eq(bh_bot_chat_memory(bot, NULL, -1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "n"), 1);
    bh_shared_close(m);
    /* an expiry too long for milliseconds in 64 bits is still an expiry, not "now" */
    ck_assert_int_eq(bh_bot_user_memory_expiry(bot, INT64_MAX), BH_OK);
    ck_assert_int_eq(say(bot, -1, 1, "b"), BH_OK);
    ck_assert_int_eq(bh_bot_sweep(bot), BH_OK);
    ck_assert_int_eq(bh_bot_user_memory(bot, NULL, 1, &m), BH_OK);
    ck_assert_int_eq(bh_shared_contains(m, "n"), 1);
    bh_shared_close(m);
    bh_bot_free(bot);
}
END_TEST

static int many_runs, many_second;

static int mw_pass(bh_ctx *ctx, const bh_update *u, void *arg)
{
    (void)u;
    int rc = bh_ctx_next(ctx);
    if (arg)
        many_second = bh_ctx_next(ctx);
    return rc;
}

static int count_run(bh_ctx *ctx, const bh_message *msg)
{
    (void)ctx;
    (void)msg;
    many_runs++;
    return BH_CONTINUE;
}

/* The once-only rule of bh_ctx_next holds for any number of middlewares. */
START_TEST(next_once_past_64_middlewares)
{
    bh_bot *bot = bh_bot_new(TOKEN);

    for (int i = 0; i < 70; i++)
        ck_assert_int_eq(bh_bot_middleware(bot, mw_pass, i == 65 ? "twice" : NULL), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, count_run), BH_OK);
    ck_assert_int_eq(say(bot, 1, 1, "x"), BH_OK);
    ck_assert_int_eq(many_runs, 1);
    ck_assert_int_eq(many_second, BH_EINVAL);
    bh_bot_free(bot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_framework");
    TCase *tc = tcase_create("framework");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, middleware_wraps_the_chain);
    tcase_add_test(tc, filters_guard_hooks);
    tcase_add_test(tc, administrators_from_telegram_cached);
    tcase_add_test(tc, errors_of_hooks_reach_the_handler);
    tcase_add_test(tc, crashes_and_dead_letters_reach_the_handler);
    tcase_add_test(tc, chat_and_user_memories);
    tcase_add_test(tc, idle_memories_expire);
    tcase_add_test(tc, next_once_past_64_middlewares);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
