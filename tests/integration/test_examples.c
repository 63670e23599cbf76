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
    char exe[1024], store[600];

    snprintf(exe, sizeof exe, "%s/%s", getenv("BOTHIVE_EXAMPLES"), name);
    snprintf(store, sizeof store, "file:%s", store_path);
    bot = fork();
    ck_assert_int_ge(bot, 0);
    if (bot == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("BOT_TOKEN", TOKEN, 1);
        setenv("BOTHIVE_API_URL", emu.url, 1);
        setenv("BOTHIVE_WORKERS", "4", 1);
        setenv("BOTHIVE_STORE", store, 1);
        setenv("BOTHIVE_LOG", "warn", 1);
        execl(exe, exe, (char *)NULL);
        _exit(127);
    }
    int64_t polls = 0, end = bh_test_now_ms() + 60000;
    while (bh_test_now_ms() < end &&
           (bh_emu_stat(&emu, "by_method.getUpdates", &polls) != 0 || polls < 1))
        usleep(50 * 1000);
    ck_assert_msg(polls > 0, "%s never polled", name);
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

/* The answer to GET path (malloc'd), once it holds want (waiting up to
 * 30 s); the last answer otherwise. */
static char *get_with(const char *path, const char *want)
{
    char *resp = NULL;
    int64_t end = bh_test_now_ms() + 30000;
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

/* The recorded calls of method, as JSON text (malloc'd), once they hold
 * want (waiting up to 30 s). */
static char *answers_with(const char *method, const char *want)
{
    char path[96];
    snprintf(path, sizeof path, "/control/answers?method=%s", method);
    return get_with(path, want);
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

/* The JSON text of the bot's messages in chat (malloc'd), once it holds
 * want (waiting up to 30 s); the last answer otherwise. */
static char *sent_with(int64_t chat, const char *want)
{
    char path[64];
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    return get_with(path, want);
}

/* The callback_data of button `i` of the inline keyboard of message n
 * (0-based) of the bot's messages in chat, malloc'd; its id into *id. */
static char *button_data(int64_t chat, int n, int i, int64_t *id)
{
    char path[64], key[96], *resp = NULL, *d;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    snprintf(key, sizeof key, "result.%d.reply_markup.inline_keyboard.0.%d.callback_data", n, i);
    d = bh_emu_json_str(resp, key);
    snprintf(key, sizeof key, "result.%d.message_id", n);
    ck_assert_int_eq(bh_emu_json_int(resp, key, id), 0);
    free(resp);
    ck_assert_ptr_nonnull(d);
    return d;
}

START_TEST(buttons_example)
{
    char body[256], *t, *resp, *data;

    start_example("buttons");
    /* /menu in three chats; each press edits its own message. */
    for (int chat = 1; chat <= 3; chat++)
        say(chat, chat, "/menu", "private");
    for (int chat = 1; chat <= 3; chat++) {
        t = last_sent(chat, 1, 30000);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "Pick a colour");
        free(t);
        resp = sent_with(chat, "\"text\":\"Blue\"");
        ck_assert_msg(strstr(resp, "\"text\":\"Red\""), "%s", resp);
        ck_assert_ptr_nonnull(strstr(resp, "\"text\":\"Green\""));
        free(resp);
        int64_t id = 0;
        data = button_data(chat, 0, chat - 1, &id); /* Red, Green, Blue */
        snprintf(body, sizeof body,
                 "{\"chat_id\":%d,\"user_id\":%d,\"message_id\":%lld,\"data\":\"%s\"}", chat,
                 chat, (long long)id, data);
        free(data);
        control("/control/callback", body);
    }
    static const char *const colours[] = {"Red", "Green", "Blue"};
    for (int chat = 1; chat <= 3; chat++) {
        char want[64];
        snprintf(want, sizeof want, "You picked %s", colours[chat - 1]);
        resp = sent_with(chat, want);
        ck_assert_ptr_nonnull(strstr(resp, want));
        ck_assert_ptr_nonnull(strstr(resp, "\"edited\":true"));
        free(resp);
    }
    /* each press answered with the colour's name (answers stay listed) */
    free(get_with("/control/callbacks", "\"Red\""));
    free(get_with("/control/callbacks", "\"Green\""));
    resp = get_with("/control/callbacks", "\"Blue\"");
    ck_assert_msg(strstr(resp, "\"Red\"") && strstr(resp, "\"Green\"") && strstr(resp, "\"Blue\""),
                  "%s", resp);
    free(resp);

    /* /ask: a one-time, resized reply keyboard with a location button. */
    say(9, 9, "/ask", "private");
    resp = sent_with(9, "Send my location");
    ck_assert_ptr_nonnull(strstr(resp, "\"request_location\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"one_time_keyboard\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"resize_keyboard\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"text\":\"No thanks\""));
    free(resp);
    control("/control/reply_button",
            "{\"chat_id\":9,\"user_id\":9,\"text\":\"Send my location\",\"latitude\":45.5,\"longitude\":9.25}");
    t = last_sent(9, 2, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Thanks, got your location");
    free(t);
    control("/control/reply_button", "{\"chat_id\":9,\"user_id\":9,\"text\":\"No thanks\"}");
    t = last_sent(9, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "OK");
    free(t);
    resp = sent_with(9, "\"remove_keyboard\":true");
    ck_assert_ptr_nonnull(strstr(resp, "\"remove_keyboard\":true"));
    free(resp);
    /* the keyboard is gone: no button to press any more */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/reply_button",
                                 "{\"chat_id\":9,\"user_id\":9,\"text\":\"No thanks\"}", NULL), 400);
    stop_example();
}
END_TEST

/* Types query (with offset) as user and returns the answer's params as
 * JSON text (malloc'd), once the bot answered it. */
static char *inline_answer(int64_t user, const char *query, const char *offset)
{
    char body[256], want[64], *resp = NULL, *id, *all, *p;
    snprintf(body, sizeof body, "{\"user_id\":%lld,\"query\":\"%s\",\"offset\":\"%s\"}",
             (long long)user, query, offset);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/inline_query", body, &resp), 200);
    id = bh_emu_json_str(resp, "result.inline_query_id");
    ck_assert_ptr_nonnull(id);
    free(resp);
    snprintf(want, sizeof want, "\"inline_query_id\":\"%s\"", id);
    free(id);
    all = answers_with("answerInlineQuery", want);
    p = strstr(all, want);
    ck_assert_msg(p != NULL, "no answer holds %s: %s", want, all);
    /* the answer's record: from its opening brace to the next record */
    char *start = p, *stop = strstr(p, "{\"method\"");
    while (start > all && strncmp(start, "{\"method\"", 9))
        start--;
    char *out = strndup(start, stop ? (size_t)(stop - start) : strlen(start));
    free(all);
    return out;
}

START_TEST(inline_example)
{
    char *a, *t;

    start_example("inline");
    a = inline_answer(7, "abc", "");
    ck_assert_msg(strstr(a, "\"message_text\":\"ABC\""), "%s", a);
    ck_assert_msg(strstr(a, "\"type\":\"article\""), "%s", a);
    ck_assert_msg(strstr(a, "\"cache_time\":0"), "%s", a);
    ck_assert_msg(strstr(a, "\"is_personal\":true"), "%s", a);
    free(a);
    /* "many": 120 articles, 50 a page */
    static const char *const offsets[] = {"", "50", "100"};
    static const char *const next[] = {"\"next_offset\":\"50\"", "\"next_offset\":\"100\"", NULL};
    static const char *const first[] = {"\"id\":\"n1\"", "\"id\":\"n51\"", "\"id\":\"n101\""};
    static const char *const last[] = {"\"id\":\"n50\"", "\"id\":\"n100\"", "\"id\":\"n120\""};
    for (int i = 0; i < 3; i++) {
        a = inline_answer(8, "many", offsets[i]);
        ck_assert_msg(strstr(a, first[i]) && strstr(a, last[i]), "%s", a);
        if (next[i])
            ck_assert_msg(strstr(a, next[i]), "page %d: %s", i, a);
        else /* the end: no next_offset, or an empty one */
            ck_assert_msg(!strstr(a, "\"next_offset\":\"1") && !strstr(a, "\"next_offset\":\"5"),
                          "%s", a);
        int n = 0;
        for (char *p = a; (p = strstr(p, "\"type\":\"article\"")); p++)
            n++;
        ck_assert_int_eq(n, i < 2 ? 50 : 20);
        free(a);
    }
    /* five chosen results, from several users */
    for (int i = 0; i < 5; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"user_id\":%d,\"result_id\":\"n%d\",\"query\":\"many\"}",
                 10 + i, i + 1);
        control("/control/chosen_inline_result", body);
    }
    int64_t end = bh_test_now_ms() + 60000;
    t = NULL;
    for (int n = 1; bh_test_now_ms() < end; n++) {
        say(5, 5, "/chosen", "private");
        free(t);
        t = last_sent(5, n, 10000);
        ck_assert_ptr_nonnull(t);
        if (!strcmp(t, "Chosen results: 5"))
            break;
        usleep(250 * 1000);
    }
    ck_assert_str_eq(t, "Chosen results: 5");
    free(t);
    stop_example();
    ck_assert(store_int("bot:5151", "chosen") == 5);
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
    tcase_add_test(tc, buttons_example);
    tcase_add_test(tc, inline_example);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
