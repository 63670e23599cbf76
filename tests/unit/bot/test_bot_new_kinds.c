/*
 * The typed hooks of the newest update kinds (stopped_message_generation,
 * managed_bot, subscription), run through a bot's chain in this process:
 * each gets its view; an object without what its view needs reaches only
 * the raw hooks; the kinds are requested once a hook handles them.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bothive/bothive.h"
#include "testutil.h"

static char trace[1024];

static void mark(const char *fmt, const char *s, long long n)
{
    size_t len = strlen(trace);
    snprintf(trace + len, sizeof trace - len, fmt, s, n);
    strncat(trace, " ", sizeof trace - strlen(trace) - 1);
}

static int on_stopped(bh_ctx *c, const bh_message_generation_stopped *s)
{
    (void)c;
    mark("stopped:%s:%lld", s->has_from ? s->from.first_name : "-", (long long)s->draft_id);
    mark("thread:%s:%lld", s->chat.type, (long long)s->message_thread_id);
    return BH_HANDLED;
}

static int on_managed(bh_ctx *c, const bh_managed_bot_updated *m)
{
    (void)c;
    mark("managed:%s:%lld", m->bot.username ? m->bot.username : "-", (long long)m->user.id);
    return BH_HANDLED;
}

static int on_subscription(bh_ctx *c, const bh_subscription_updated *s)
{
    (void)c;
    mark("sub:%s:%lld", s->state, (long long)s->user.id);
    mark("payload:%s:%lld", s->invoice_payload, 0);
    return BH_HANDLED;
}

static int on_raw(bh_ctx *c, const bh_update *u)
{
    (void)c;
    mark("raw:%s:%lld", u->kind_key, (long long)u->update_id);
    return BH_CONTINUE;
}

static void process(bh_bot *bot, const char *kind, const char *obj)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "{\"update_id\":3,\"%s\":%s}", kind, obj);
    ck_assert_int_eq(bh_bot_process(bot, buf), BH_OK);
}

static bh_bot *new_bot(bh_component **comp)
{
    bh_bot *bot = bh_bot_new("778:TEST");
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, "http://127.0.0.1:1"), BH_OK);
    bh_log_set_level(BH_LOG_ERROR + 1);
    *comp = bh_component_new("newkinds");
    ck_assert_ptr_nonnull(*comp);
    ck_assert_int_eq(bh_bot_stopped_message_generation(bot, on_stopped), BH_OK);
    ck_assert_int_eq(bh_component_managed_bot(*comp, on_managed), BH_OK);
    ck_assert_int_eq(bh_bot_subscription(bot, on_subscription), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, *comp), BH_OK);
    trace[0] = 0;
    return bot;
}

START_TEST(each_new_kind_reaches_its_typed_hook)
{
    bh_component *comp;
    bh_bot *bot = new_bot(&comp);
    process(bot, "stopped_message_generation",
            "{\"chat\":{\"id\":5,\"type\":\"private\"},\"message_thread_id\":7,\"draft_id\":42,"
            "\"from\":{\"id\":5,\"first_name\":\"Ann\"}}");
    process(bot, "managed_bot",
            "{\"user\":{\"id\":6,\"first_name\":\"Bob\"},"
            "\"bot\":{\"id\":99,\"is_bot\":true,\"first_name\":\"Kid\",\"username\":\"kid_bot\"}}");
    process(bot, "subscription",
            "{\"user\":{\"id\":8,\"first_name\":\"Cy\"},\"invoice_payload\":\"gold\",\"state\":\"canceled\"}");
    ck_assert_str_eq(trace, "stopped:Ann:42 thread:private:7 managed:kid_bot:6 sub:canceled:8 "
                            "payload:gold:0 ");
    bh_component_free(comp);
    bh_bot_free(bot);
}
END_TEST

START_TEST(malformed_objects_reach_raw_hooks_only)
{
    bh_component *comp;
    bh_bot *bot = new_bot(&comp);
    ck_assert_int_eq(bh_bot_on_update(bot, "managed_bot", on_raw), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "stopped_message_generation", on_raw), BH_OK);
    /* no bot user; a chat of the wrong type */
    process(bot, "managed_bot", "{\"user\":{\"id\":6,\"first_name\":\"Bob\"}}");
    process(bot, "stopped_message_generation", "{\"chat\":\"nope\",\"draft_id\":1}");
    ck_assert_str_eq(trace, "raw:managed_bot:3 raw:stopped_message_generation:3 ");
    /* absent optional fields read as absent; a handled update ends there */
    trace[0] = 0;
    process(bot, "stopped_message_generation", "{\"chat\":{\"id\":5,\"type\":\"private\"}}");
    process(bot, "subscription", "{\"user\":{\"id\":8},\"state\":17}");
    ck_assert_str_eq(trace, "stopped:-:0 thread:private:0 sub::8 payload::0 ");
    bh_component_free(comp);
    bh_bot_free(bot);
}
END_TEST

START_TEST(views_refuse_null_and_need_their_fields)
{
    bh_message_generation_stopped s;
    bh_managed_bot_updated m;
    bh_subscription_updated u;
    json_object *o = json_tokener_parse("{\"user\":{\"id\":1}}");
    ck_assert_int_eq(bh_message_generation_stopped_view(NULL, &s), BH_EINVAL);
    ck_assert_int_eq(bh_managed_bot_updated_view(o, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_message_generation_stopped_view(o, &s), BH_ENOTFOUND);
    ck_assert_int_eq(bh_managed_bot_updated_view(o, &m), BH_ENOTFOUND);
    ck_assert_ptr_null(m.json); /* zeroed */
    ck_assert_int_eq(bh_subscription_updated_view(o, &u), BH_OK);
    ck_assert_int_eq(u.user.id, 1);
    ck_assert_str_eq(u.state, "");
    json_object_put(o);
}
END_TEST

START_TEST(new_kinds_are_requested_when_handled)
{
    bh_component *comp;
    bh_bot *bot = new_bot(&comp);
    const char *const *a = bh_bot_allowed_updates(bot);
    int seen = 0;
    for (; a && *a; a++)
        seen += !strcmp(*a, "stopped_message_generation") + !strcmp(*a, "managed_bot") +
                !strcmp(*a, "subscription");
    ck_assert_int_eq(seen, 3);
    bh_component_free(comp);
    bh_bot_free(bot);
    bot = bh_bot_new("779:TEST");
    for (a = bh_bot_allowed_updates(bot); a && *a; a++)
        ck_assert_msg(strcmp(*a, "managed_bot") && strcmp(*a, "subscription"), "%s asked", *a);
    bh_bot_free(bot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_new_kinds");
    TCase *tc = tcase_create("new_kinds");
    tcase_add_test(tc, each_new_kind_reaches_its_typed_hook);
    tcase_add_test(tc, malformed_objects_reach_raw_hooks_only);
    tcase_add_test(tc, views_refuse_null_and_need_their_fields);
    tcase_add_test(tc, new_kinds_are_requested_when_handled);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
