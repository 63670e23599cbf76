/*
 * The buttons and inline examples, run for real against the emulator with
 * 4 workers (the fixture: tests/common/examples_fixture.h).
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

/* The callback_data of button `i` of the inline keyboard of message n
 * (0-based) of the bot's messages in chat, malloc'd; its id into *id. */
static char *button_data(int64_t chat, int n, int i, int64_t *id)
{
    char path[64], key[96], *resp = NULL, *d;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&bh_ex_emu, path, &resp), 200);
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

    bh_ex_start("buttons");
    /* /menu in three chats; each press edits its own message. */
    for (int chat = 1; chat <= 3; chat++)
        bh_ex_say(chat, chat, "/menu", "private");
    for (int chat = 1; chat <= 3; chat++) {
        t = bh_ex_last_sent(chat, 1, 30000);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t, "Pick a colour");
        free(t);
        resp = bh_ex_sent_with(chat, "\"text\":\"Blue\"");
        ck_assert_msg(strstr(resp, "\"text\":\"Red\""), "%s", resp);
        ck_assert_ptr_nonnull(strstr(resp, "\"text\":\"Green\""));
        free(resp);
        int64_t id = 0;
        data = button_data(chat, 0, chat - 1, &id); /* Red, Green, Blue */
        snprintf(body, sizeof body,
                 "{\"chat_id\":%d,\"user_id\":%d,\"message_id\":%lld,\"data\":\"%s\"}", chat,
                 chat, (long long)id, data);
        free(data);
        bh_ex_control("/control/callback", body);
    }
    static const char *const colours[] = {"Red", "Green", "Blue"};
    for (int chat = 1; chat <= 3; chat++) {
        char want[64];
        snprintf(want, sizeof want, "You picked %s", colours[chat - 1]);
        resp = bh_ex_sent_with(chat, want);
        ck_assert_ptr_nonnull(strstr(resp, want));
        ck_assert_ptr_nonnull(strstr(resp, "\"edited\":true"));
        free(resp);
    }
    /* each press answered with the colour's name (answers stay listed) */
    free(bh_ex_get_with("/control/callbacks", "\"Red\""));
    free(bh_ex_get_with("/control/callbacks", "\"Green\""));
    resp = bh_ex_get_with("/control/callbacks", "\"Blue\"");
    ck_assert_msg(strstr(resp, "\"Red\"") && strstr(resp, "\"Green\"") && strstr(resp, "\"Blue\""),
                  "%s", resp);
    free(resp);

    /* /ask: a one-time, resized reply keyboard with a location button. */
    bh_ex_say(9, 9, "/ask", "private");
    resp = bh_ex_sent_with(9, "Send my location");
    ck_assert_ptr_nonnull(strstr(resp, "\"request_location\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"one_time_keyboard\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"resize_keyboard\":true"));
    ck_assert_ptr_nonnull(strstr(resp, "\"text\":\"No thanks\""));
    free(resp);
    bh_ex_control("/control/reply_button",
            "{\"chat_id\":9,\"user_id\":9,\"text\":\"Send my location\",\"latitude\":45.5,\"longitude\":9.25}");
    t = bh_ex_last_sent(9, 2, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "Thanks, got your location");
    free(t);
    bh_ex_control("/control/reply_button", "{\"chat_id\":9,\"user_id\":9,\"text\":\"No thanks\"}");
    t = bh_ex_last_sent(9, 3, 30000);
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t, "OK");
    free(t);
    resp = bh_ex_sent_with(9, "\"remove_keyboard\":true");
    ck_assert_ptr_nonnull(strstr(resp, "\"remove_keyboard\":true"));
    free(resp);
    /* the keyboard is gone: no button to press any more */
    ck_assert_int_eq(bh_emu_post(&bh_ex_emu, "/control/reply_button",
                                 "{\"chat_id\":9,\"user_id\":9,\"text\":\"No thanks\"}", NULL), 400);
    bh_ex_stop();
}
END_TEST

/* Types query (with offset) as user and returns the answer's params as
 * JSON text (malloc'd), once the bot answered it. */
static char *inline_answer(int64_t user, const char *query, const char *offset)
{
    char body[256], want[64], *resp = NULL, *id, *all, *p;
    snprintf(body, sizeof body, "{\"user_id\":%lld,\"query\":\"%s\",\"offset\":\"%s\"}",
             (long long)user, query, offset);
    ck_assert_int_eq(bh_emu_post(&bh_ex_emu, "/control/inline_query", body, &resp), 200);
    id = bh_emu_json_str(resp, "result.inline_query_id");
    ck_assert_ptr_nonnull(id);
    free(resp);
    snprintf(want, sizeof want, "\"inline_query_id\":\"%s\"", id);
    free(id);
    all = bh_ex_answers_with("answerInlineQuery", want);
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

    bh_ex_start("inline");
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
        bh_ex_control("/control/chosen_inline_result", body);
    }
    int64_t end = bh_test_now_ms() + 60000;
    t = NULL;
    for (int n = 1; bh_test_now_ms() < end; n++) {
        bh_ex_say(5, 5, "/chosen", "private");
        free(t);
        t = bh_ex_last_sent(5, n, 10000);
        ck_assert_ptr_nonnull(t);
        if (!strcmp(t, "Chosen results: 5"))
            break;
        usleep(250 * 1000);
    }
    ck_assert_str_eq(t, "Chosen results: 5");
    free(t);
    bh_ex_stop();
    ck_assert(bh_ex_store_int("bot:5151", "chosen") == 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("examples_buttons");
    TCase *tc = tcase_create("examples_buttons");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, bh_ex_setup, bh_ex_teardown);
    tcase_add_test(tc, buttons_example);
    tcase_add_test(tc, inline_example);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
