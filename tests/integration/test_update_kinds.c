/*
 * Every update kind end to end: the emulator plays users who join and
 * leave a group, ask to join, react, vote, type an inline query and pick a
 * result, press a plain button, send a photo with a command in its
 * caption; the bot runs in the runner (2 workers) and each hook answers
 * through the Bot API, which the test reads back from the emulator. The
 * bot asks Telegram for exactly the kinds its hooks handle.
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
#include "httpstub.h"
#include "testutil.h"

#define TOKEN "4242:TEST"
#define LOG_CHAT 1000 /* the private chat where hooks report */
#define GROUP (-500)

static bh_emu_proc emu;

static int log_line(bh_ctx *ctx, const char *text)
{
    return bh_chat_send(ctx, LOG_CHAT, text) == BH_OK ? BH_HANDLED : BH_EAPI;
}

static int on_member(bh_ctx *ctx, const bh_chat_member_updated *u)
{
    if (bh_chat_member_joined(u))
        bh_chat_sendf(ctx, u->chat.id, "Welcome, %s!", u->member.first_name);
    else if (bh_chat_member_left(u))
        bh_chat_sendf(ctx, u->chat.id, "Goodbye, %s.", u->member.first_name);
    return BH_HANDLED;
}

static int on_my_member(bh_ctx *ctx, const bh_chat_member_updated *u)
{
    char line[128];
    snprintf(line, sizeof line, "my_chat_member:%s", u->new_status);
    return log_line(ctx, line);
}

static int on_join(bh_ctx *ctx, const bh_chat_join_request *r)
{
    char params[128];
    snprintf(params, sizeof params, "{\"chat_id\":%lld,\"user_id\":%lld}",
             (long long)r->chat.id, (long long)r->from.id);
    return bh_api_call(bh_ctx_bot(ctx), r->from.id % 2 ? "declineChatJoinRequest"
                                                       : "approveChatJoinRequest",
                       params, NULL);
}

static int on_reaction(bh_ctx *ctx, const bh_message_reaction_updated *r)
{
    bh_reaction x;
    char line[128];
    if (bh_message_reaction_get(r, 1, 0, &x) != BH_OK)
        return BH_CONTINUE;
    snprintf(line, sizeof line, "reaction:%lld:%s:%lld", (long long)r->message_id, x.emoji,
             (long long)r->user.id);
    return log_line(ctx, line);
}

static int on_poll_answer(bh_ctx *ctx, const bh_poll_answer *a)
{
    char line[128];
    snprintf(line, sizeof line, "vote:%s:%lld:%lld", a->poll_id, (long long)a->user.id,
             (long long)bh_poll_answer_option(a, 0));
    return log_line(ctx, line);
}

static int on_poll(bh_ctx *ctx, const bh_poll *p)
{
    char line[128];
    snprintf(line, sizeof line, "poll:%s:%zu", p->question, p->option_count);
    return log_line(ctx, line);
}

static int on_inline(bh_ctx *ctx, const bh_inline_query *q)
{
    char params[512];
    snprintf(params, sizeof params,
             "{\"inline_query_id\":\"%s\",\"cache_time\":0,\"is_personal\":true,\"results\":"
             "[{\"type\":\"article\",\"id\":\"r1\",\"title\":\"%s\","
             "\"input_message_content\":{\"message_text\":\"%s\"}}]}",
             q->id, q->query, q->query);
    return bh_api_call(bh_ctx_bot(ctx), "answerInlineQuery", params, NULL);
}

static int on_chosen(bh_ctx *ctx, const bh_chosen_inline_result *r)
{
    char line[128];
    snprintf(line, sizeof line, "chosen:%s:%s:%lld", r->result_id, r->query,
             (long long)r->from.id);
    return log_line(ctx, line);
}

static int on_callback_query(bh_ctx *ctx, const bh_callback_query *q)
{
    char line[128];
    bh_callback_answer_options ans = {.text = "You said \"plain\"", .show_alert = 1,
                                      .cache_time = 5};
    if (bh_callback_answer_ex(ctx, q, &ans) != BH_OK)
        return BH_EAPI;
    snprintf(line, sizeof line, "press:%s:%lld", q->data ? q->data : "-",
             q->message ? (long long)q->message->chat.id : 0LL);
    return log_line(ctx, line);
}

static int on_photo(bh_ctx *ctx, const bh_message *m, const bh_args *args)
{
    bh_media big;
    char line[128];
    if (bh_message_photo(m, bh_message_photo_count(m) - 1, &big) != BH_OK)
        return log_line(ctx, "photo:none");
    snprintf(line, sizeof line, "photo:%s:%lld", args->text, (long long)big.width);
    return log_line(ctx, line);
}

static int on_future(bh_ctx *ctx, const bh_update *u)
{
    json_object *v;
    char line[128];
    json_object_object_get_ex(bh_update_object(u), "answer", &v);
    snprintf(line, sizeof line, "future:%s:%d", u->kind_key, json_object_get_int(v));
    return log_line(ctx, line);
}

/* ---- The kinds injected as given (/control/update) ---- */

static int log_fmt(bh_ctx *ctx, const char *what, const char *s, long long n)
{
    char line[160];
    snprintf(line, sizeof line, "%s:%s:%lld", what, s ? s : "-", n);
    return log_line(ctx, line);
}

static int on_rcount(bh_ctx *c, const bh_message_reaction_count_updated *r) { return log_fmt(c, "rcount", "n", (long long)r->count); }
static int on_ship(bh_ctx *c, const bh_shipping_query *q) { return log_fmt(c, "ship", q->country_code, (long long)q->from.id); }
static int on_checkout(bh_ctx *c, const bh_pre_checkout_query *q) { return log_fmt(c, "checkout", q->currency, (long long)q->total_amount); }
static int on_boost(bh_ctx *c, const bh_chat_boost *b) { return log_fmt(c, "boost", b->source, (long long)b->chat.id); }
static int on_unboost(bh_ctx *c, const bh_chat_boost *b) { return log_fmt(c, "unboost", b->boost_id, (long long)b->remove_date); }
static int on_ecp(bh_ctx *c, const bh_message *m) { return log_fmt(c, "edited_post", m->text, (long long)m->chat.id); }
static int on_bconn(bh_ctx *c, const bh_business_connection *b) { return log_fmt(c, "bconn", b->id, (long long)b->user.id); }
static int on_bmsg(bh_ctx *c, const bh_message *m) { return log_fmt(c, "bmsg", m->text, (long long)m->chat.id); }
static int on_ebmsg(bh_ctx *c, const bh_message *m) { return log_fmt(c, "ebmsg", m->text, (long long)m->chat.id); }
static int on_bdel(bh_ctx *c, const bh_business_messages_deleted *d) { return log_fmt(c, "bdel", d->business_connection_id, (long long)d->count); }
static int on_paid(bh_ctx *c, const bh_paid_media_purchased *p) { return log_fmt(c, "paid", p->payload, (long long)p->from.id); }
static int on_guest(bh_ctx *c, const bh_message *m) { return log_fmt(c, "guest", m->text, (long long)m->chat.id); }
static int on_managed(bh_ctx *c, const bh_update *u) { return log_fmt(c, u->kind_key, bh_update_kind_name(u->kind), 0); }

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    bh_log_set_level(BH_LOG_ERROR + 1);
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static bh_bot *members_bot(void)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_component *c = bh_component_new("membership");
    bh_ratelimit_options rl = {.disabled = 1};
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    /* Member hooks in a component: components have the same hooks. */
    ck_assert_int_eq(bh_component_chat_member(c, on_member), BH_OK);
    ck_assert_int_eq(bh_component_chat_join_request(c, on_join), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, c), BH_OK);
    bh_component_free(c);
    ck_assert_int_eq(bh_bot_my_chat_member(bot, on_my_member), BH_OK);
    ck_assert_int_eq(bh_bot_message_reaction(bot, on_reaction), BH_OK);
    ck_assert_int_eq(bh_bot_poll_answer(bot, on_poll_answer), BH_OK);
    ck_assert_int_eq(bh_bot_poll(bot, on_poll), BH_OK);
    ck_assert_int_eq(bh_bot_inline_query(bot, on_inline), BH_OK);
    ck_assert_int_eq(bh_bot_chosen_inline_result(bot, on_chosen), BH_OK);
    ck_assert_int_eq(bh_bot_callback_query(bot, on_callback_query), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "photo", on_photo, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "future_kind", on_future), BH_OK);
    return bot;
}

static pid_t run_bot(bh_bot *bot)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_run_options o = {.workers = 2, .api_url = emu.url, .process_backlog = 1};
        _exit(bh_bot_run(bot, &o) == BH_OK ? 0 : 1);
    }
    return pid;
}

/* The texts the bot sent to chat, joined by '|' (malloc'd). */
static char *sent_texts(int64_t chat)
{
    char path[64], *resp = NULL, *out = calloc(1, 1);
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    json_object *o = json_tokener_parse(resp), *res;
    ck_assert(json_object_object_get_ex(o, "result", &res));
    for (size_t i = 0; i < json_object_array_length(res); i++) {
        json_object *t;
        json_object_object_get_ex(json_object_array_get_idx(res, i), "text", &t);
        size_t n = strlen(out) + strlen(json_object_get_string(t)) + 2;
        out = realloc(out, n);
        strcat(out, json_object_get_string(t));
        strcat(out, "|");
    }
    json_object_put(o);
    free(resp);
    return out;
}

/* Waits up to 20 s until the bot has sent `want` (a substring) to chat. */
static void wait_sent(int64_t chat, const char *want)
{
    for (int i = 0; i < 400; i++) {
        char *t = sent_texts(chat);
        int found = strstr(t, want) != NULL;
        free(t);
        if (found)
            return;
        usleep(50 * 1000);
    }
    char *t = sent_texts(chat);
    ck_abort_msg("chat %lld never got \"%s\"; it has: %s", (long long)chat, want, t);
}

static void post_ok(const char *path, const char *json)
{
    char *resp = NULL;
    int st = bh_emu_post(&emu, path, json, &resp);
    ck_assert_msg(st == 200, "%s %s: %d %s", path, json, st, resp ? resp : "");
    free(resp);
}

START_TEST(every_kind_end_to_end)
{
    bh_bot *bot = members_bot();
    char *resp = NULL;

    ck_assert_int_ge(bh_emu_send_user_message(&emu, LOG_CHAT, LOG_CHAT, "hello"), 1);
    pid_t pid = run_bot(bot);

    /* A user joins and leaves: per-chat order keeps welcome first. */
    post_ok("/control/member", "{\"chat_id\":-500,\"user_id\":7,\"status\":\"member\",\"first_name\":\"Ann\"}");
    post_ok("/control/member", "{\"chat_id\":-500,\"user_id\":7,\"status\":\"left\",\"first_name\":\"Ann\"}");
    wait_sent(GROUP, "Welcome, Ann!|Goodbye, Ann.|");
    /* The bot is made an administrator: my_chat_member. */
    post_ok("/control/member", "{\"chat_id\":-500,\"user_id\":4242,\"status\":\"administrator\"}");
    wait_sent(LOG_CHAT, "my_chat_member:administrator|");
    /* A reaction to the bot's welcome (message 1 of the group). */
    post_ok("/control/reaction", "{\"chat_id\":-500,\"user_id\":7,\"message_id\":1,\"emoji\":\"\xf0\x9f\x91\x8d\"}");
    wait_sent(LOG_CHAT, "reaction:1:\xf0\x9f\x91\x8d:7|");
    /* A vote, and a poll's new state. */
    post_ok("/control/poll_answer", "{\"poll_id\":\"p1\",\"user_id\":7,\"option_ids\":[1]}");
    wait_sent(LOG_CHAT, "vote:p1:7:1|");
    post_ok("/control/update", "{\"type\":\"poll\",\"object\":{\"id\":\"p1\",\"question\":\"Tea?\","
            "\"options\":[{\"text\":\"y\",\"voter_count\":0},{\"text\":\"n\",\"voter_count\":1}],"
            "\"total_voter_count\":1,\"is_closed\":false,\"is_anonymous\":false,\"type\":\"regular\","
            "\"allows_multiple_answers\":false}}");
    wait_sent(LOG_CHAT, "poll:Tea?:2|");
    /* An inline query, answered; then the user picks the result. */
    post_ok("/control/inline_query", "{\"user_id\":7,\"query\":\"abc\"}");
    post_ok("/control/chosen_inline_result", "{\"user_id\":7,\"result_id\":\"r1\",\"query\":\"abc\"}");
    wait_sent(LOG_CHAT, "chosen:r1:abc:7|");
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers?method=answerInlineQuery", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"inline_query_id\":\"iq1\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"message_text\":\"abc\""));
    free(resp);
    /* A press of a plain (unsigned) button on a message of the group. */
    post_ok("/control/callback", "{\"chat_id\":-500,\"user_id\":7,\"message_id\":1,\"data\":\"plain\"}");
    wait_sent(LOG_CHAT, "press:plain:-500|");
    /* answered with every option: the text (quotes and all) as an alert */
    ck_assert_int_eq(bh_emu_get(&emu, "/control/callbacks", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"text\":\"You said \\\"plain\\\"\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"show_alert\":true"));
    free(resp);
    /* A photo with a command in its caption. */
    post_ok("/control/media", "{\"chat_id\":1000,\"kind\":\"photo\",\"caption\":\"/photo big\"}");
    wait_sent(LOG_CHAT, "photo:big:800|");
    /* Join requests: even ids approved, odd declined. */
    post_ok("/control/join_request", "{\"chat_id\":-500,\"user_id\":8}");
    post_ok("/control/join_request", "{\"chat_id\":-500,\"user_id\":9}");
    /* A kind this version does not know, by name. */
    post_ok("/control/update", "{\"type\":\"future_kind\",\"object\":{\"answer\":42}}");
    wait_sent(LOG_CHAT, "future:future_kind:42|");
    for (int i = 0; i < 400; i++) {
        ck_assert_int_eq(bh_emu_get(&emu, "/control/answers?method=declineChatJoinRequest", &resp), 200);
        int done = strstr(resp, "\"user_id\":9") != NULL;
        free(resp);
        if (done)
            break;
        usleep(50 * 1000);
    }
    ck_assert_int_eq(bh_emu_get(&emu, "/control/answers?method=approveChatJoinRequest", &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"user_id\":8"));
    ck_assert_ptr_null(strstr(resp, "\"user_id\":9"));
    free(resp);

    /* The bot asked for exactly what its hooks handle. */
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    ck_assert_ptr_nonnull(strstr(resp, "\"chat_member\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"message_reaction\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"future_kind\""));
    ck_assert_ptr_null(strstr(resp, "\"shipping_query\""));
    ck_assert_ptr_null(strstr(resp, "\"edited_message\""));
    free(resp);

    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    bh_bot_free(bot);
}
END_TEST

/* Telegram sends chat_member only to bots that ask for it: a bot without a
 * member hook does not get them, and the emulator drops them as Telegram
 * would; the override of allowed_updates asks for it all the same. */
START_TEST(kinds_nobody_handles_are_not_requested)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    char *resp = NULL;
    int64_t filtered = 0;
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_poll(bot, on_poll), BH_OK);
    post_ok("/control/member", "{\"chat_id\":-500,\"user_id\":7,\"status\":\"member\"}");
    pid_t pid = run_bot(bot);
    for (int i = 0; i < 400 && filtered == 0; i++) {
        ck_assert_int_eq(bh_emu_stat(&emu, "updates_filtered", &filtered), 0);
        usleep(50 * 1000);
    }
    ck_assert(filtered == 1);
    ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
    ck_assert_ptr_null(strstr(resp, "\"chat_member\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"poll\""));
    free(resp);
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);

    /* BOTHIVE_ALLOWED_UPDATES overrides what the hooks ask for. */
    setenv("BOTHIVE_ALLOWED_UPDATES", "message,chat_member", 1);
    pid = run_bot(bot);
    for (int i = 0; i < 400; i++) {
        ck_assert_int_eq(bh_emu_call(&emu, "getWebhookInfo", NULL, &resp), 200);
        int done = strstr(resp, "\"chat_member\"") != NULL;
        if (done)
            break;
        free(resp);
        resp = NULL;
        usleep(50 * 1000);
    }
    ck_assert_ptr_nonnull(resp);
    ck_assert_ptr_null(strstr(resp, "\"poll\""));
    free(resp);
    unsetenv("BOTHIVE_ALLOWED_UPDATES");
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    bh_bot_free(bot);
}
END_TEST

#define EMU_USER "{\"id\":7,\"is_bot\":false,\"first_name\":\"Ann\"}"
#define EMU_GROUP "{\"id\":-500,\"type\":\"supergroup\",\"title\":\"G\"}"

/* The kinds the control API has no call of its own for, queued as given:
 * each reaches its hook through the runner. */
START_TEST(kinds_injected_as_given)
{
    static const char *const updates[][3] = {
        {"message_reaction_count", "{\"chat\":" EMU_GROUP ",\"message_id\":1,\"date\":1,"
         "\"reactions\":[{\"type\":{\"type\":\"emoji\",\"emoji\":\"x\"},\"total_count\":3}]}", "rcount:n:1|"},
        {"shipping_query", "{\"id\":\"s1\",\"from\":" EMU_USER ",\"invoice_payload\":\"p\","
         "\"shipping_address\":{\"country_code\":\"IT\",\"state\":\"\",\"city\":\"Roma\","
         "\"street_line1\":\"Via\",\"street_line2\":\"\",\"post_code\":\"00100\"}}", "ship:IT:7|"},
        {"pre_checkout_query", "{\"id\":\"c1\",\"from\":" EMU_USER ",\"currency\":\"EUR\","
         "\"total_amount\":990,\"invoice_payload\":\"p\"}", "checkout:EUR:990|"},
        {"chat_boost", "{\"chat\":" EMU_GROUP ",\"boost\":{\"boost_id\":\"b1\",\"add_date\":1,"
         "\"expiration_date\":2,\"source\":{\"source\":\"premium\",\"user\":" EMU_USER "}}}", "boost:premium:-500|"},
        {"removed_chat_boost", "{\"chat\":" EMU_GROUP ",\"boost_id\":\"b1\",\"remove_date\":5,"
         "\"source\":{\"source\":\"premium\",\"user\":" EMU_USER "}}", "unboost:b1:5|"},
        {"edited_channel_post", "{\"message_id\":3,\"date\":1,\"edit_date\":2,"
         "\"chat\":{\"id\":-900,\"type\":\"channel\",\"title\":\"C\"},\"text\":\"fixed\"}", "edited_post:fixed:-900|"},
        {"business_connection", "{\"id\":\"bc1\",\"user\":" EMU_USER ",\"user_chat_id\":7,"
         "\"date\":1,\"is_enabled\":true}", "bconn:bc1:7|"},
        {"business_message", "{\"message_id\":1,\"date\":1,\"business_connection_id\":\"bc1\","
         "\"chat\":{\"id\":70,\"type\":\"private\"},\"from\":" EMU_USER ",\"text\":\"hi\"}", "bmsg:hi:70|"},
        {"edited_business_message", "{\"message_id\":1,\"date\":1,\"edit_date\":2,"
         "\"chat\":{\"id\":70,\"type\":\"private\"},\"text\":\"hi!\"}", "ebmsg:hi!:70|"},
        {"deleted_business_messages", "{\"business_connection_id\":\"bc1\","
         "\"chat\":{\"id\":70,\"type\":\"private\"},\"message_ids\":[1,2]}", "bdel:bc1:2|"},
        {"purchased_paid_media", "{\"from\":" EMU_USER ",\"paid_media_payload\":\"pp\"}", "paid:pp:7|"},
        {"guest_message", "{\"message_id\":9,\"date\":1,\"chat\":" EMU_GROUP ",\"text\":\"@bot hi\"}",
         "guest:@bot hi:-500|"},
        {"managed_bot", "{\"user\":" EMU_USER "}", "managed_bot:managed_bot:0|"},
    };
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_ratelimit_options rl = {.disabled = 1};
    char body[1024];

    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    ck_assert_int_eq(bh_bot_message_reaction_count(bot, on_rcount), BH_OK);
    ck_assert_int_eq(bh_bot_shipping_query(bot, on_ship), BH_OK);
    ck_assert_int_eq(bh_bot_pre_checkout_query(bot, on_checkout), BH_OK);
    ck_assert_int_eq(bh_bot_chat_boost(bot, on_boost), BH_OK);
    ck_assert_int_eq(bh_bot_removed_chat_boost(bot, on_unboost), BH_OK);
    ck_assert_int_eq(bh_bot_edited_channel_post(bot, on_ecp), BH_OK);
    ck_assert_int_eq(bh_bot_business_connection(bot, on_bconn), BH_OK);
    ck_assert_int_eq(bh_bot_business_message(bot, on_bmsg), BH_OK);
    ck_assert_int_eq(bh_bot_edited_business_message(bot, on_ebmsg), BH_OK);
    ck_assert_int_eq(bh_bot_deleted_business_messages(bot, on_bdel), BH_OK);
    ck_assert_int_eq(bh_bot_purchased_paid_media(bot, on_paid), BH_OK);
    ck_assert_int_eq(bh_bot_guest_message(bot, on_guest), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "managed_bot", on_managed), BH_OK);
    ck_assert_int_ge(bh_emu_send_user_message(&emu, LOG_CHAT, LOG_CHAT, "hello"), 1);
    pid_t pid = run_bot(bot);
    for (size_t i = 0; i < sizeof updates / sizeof *updates; i++) {
        snprintf(body, sizeof body, "{\"type\":\"%s\",\"object\":%s}", updates[i][0], updates[i][1]);
        post_ok("/control/update", body);
        wait_sent(LOG_CHAT, updates[i][2]);
    }
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    bh_bot_free(bot);
}
END_TEST

/* In webhook mode the kinds go on setWebhook, and the emulator's webhook
 * delivers a member change to the hook. */
START_TEST(webhook_asks_for_the_kinds_too)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    char url[128], listen[64], *resp = NULL;
    unsigned port = bh_test_free_port();
    int set = 0;

    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_chat_member(bot, on_member), BH_OK);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/hook", port);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        bh_run_options o = {.workers = 2, .api_url = emu.url, .webhook_url = url,
                            .webhook_listen = listen, .webhook_secret = "kinds-Secret_1"};
        _exit(bh_bot_run(bot, &o) == BH_OK ? 0 : 1);
    }
    for (int i = 0; i < 600 && !set; i++) {
        free(resp);
        resp = NULL;
        bh_emu_call(&emu, "getWebhookInfo", NULL, &resp);
        set = resp && strstr(resp, url);
        if (!set)
            usleep(50 * 1000);
    }
    ck_assert_msg(set, "the webhook was never set");
    ck_assert_ptr_nonnull(strstr(resp, "\"allowed_updates\""));
    ck_assert_ptr_nonnull(strstr(resp, "\"chat_member\""));
    ck_assert_ptr_null(strstr(resp, "\"callback_query\""));
    free(resp);
    post_ok("/control/member", "{\"chat_id\":-600,\"user_id\":5,\"status\":\"member\",\"first_name\":\"Zoe\"}");
    wait_sent(-600, "Welcome, Zoe!|");
    kill(pid, SIGTERM);
    ck_assert_int_eq(bh_test_wait(pid), 0);
    bh_bot_free(bot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("update_kinds");
    TCase *tc = tcase_create("e2e");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_kind_end_to_end);
    tcase_add_test(tc, kinds_nobody_handles_are_not_requested);
    tcase_add_test(tc, webhook_asks_for_the_kinds_too);
    tcase_add_test(tc, kinds_injected_as_given);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
