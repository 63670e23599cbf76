/*
 * Hooks of every update kind, run through a bot's chain in this process
 * (bh_bot_process): each gets its typed view; components have the same
 * hooks; on_update sees a kind the Bot API may add later; allowed_updates
 * asks for exactly the kinds some hook handles.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bothive/bothive.h"
#include "testutil.h"

static char trace[2048];

static void mark(const char *fmt, const char *s, long long n)
{
    size_t len = strlen(trace);
    snprintf(trace + len, sizeof trace - len, fmt, s, n);
    strncat(trace, " ", sizeof trace - strlen(trace) - 1);
}

static int on_iq(bh_ctx *c, const bh_inline_query *q) { (void)c; mark("iq:%s:%lld", q->query, q->from.id); return BH_HANDLED; }
static int on_cr(bh_ctx *c, const bh_chosen_inline_result *r) { (void)c; mark("cr:%s:%lld", r->result_id, r->from.id); return BH_HANDLED; }
static int on_cq(bh_ctx *c, const bh_callback_query *q) { (void)c; mark("cq:%s:%lld", q->data ? q->data : "-", q->message ? q->message->chat.id : 0); return BH_HANDLED; }
static int on_mcm(bh_ctx *c, const bh_chat_member_updated *u) { (void)c; mark("mcm:%s:%lld", u->new_status, u->chat.id); return BH_HANDLED; }
static int on_cm(bh_ctx *c, const bh_chat_member_updated *u) { (void)c; mark("cm:%s:%lld", bh_chat_member_joined(u) ? "joined" : "other", u->member.id); return BH_HANDLED; }
static int on_jr(bh_ctx *c, const bh_chat_join_request *r) { (void)c; mark("jr:%s:%lld", r->chat.type, r->from.id); return BH_HANDLED; }
static int on_mr(bh_ctx *c, const bh_message_reaction_updated *r) { (void)c; mark("mr:%s:%lld", "n", (long long)r->new_count); return BH_HANDLED; }
static int on_mrc(bh_ctx *c, const bh_message_reaction_count_updated *r) { (void)c; mark("mrc:%s:%lld", "n", (long long)r->count); return BH_HANDLED; }
static int on_poll(bh_ctx *c, const bh_poll *p) { (void)c; mark("poll:%s:%lld", p->question, (long long)p->option_count); return BH_HANDLED; }
static int on_pa(bh_ctx *c, const bh_poll_answer *a) { (void)c; mark("pa:%s:%lld", a->poll_id, bh_poll_answer_option(a, 0)); return BH_HANDLED; }
static int on_sq(bh_ctx *c, const bh_shipping_query *q) { (void)c; mark("sq:%s:%lld", q->country_code, q->from.id); return BH_HANDLED; }
static int on_pc(bh_ctx *c, const bh_pre_checkout_query *q) { (void)c; mark("pc:%s:%lld", q->currency, q->total_amount); return BH_HANDLED; }
static int on_cb(bh_ctx *c, const bh_chat_boost *b) { (void)c; mark("cb:%s:%lld", b->boost_id, b->chat.id); return BH_HANDLED; }
static int on_rcb(bh_ctx *c, const bh_chat_boost *b) { (void)c; mark("rcb:%s:%lld", b->boost_id, b->remove_date); return BH_HANDLED; }
static int on_ecp(bh_ctx *c, const bh_message *m) { (void)c; mark("ecp:%s:%lld", m->text, m->chat.id); return BH_HANDLED; }
static int on_bm(bh_ctx *c, const bh_message *m) { (void)c; mark("bm:%s:%lld", m->text, m->chat.id); return BH_HANDLED; }
static int on_ebm(bh_ctx *c, const bh_message *m) { (void)c; mark("ebm:%s:%lld", m->text, m->chat.id); return BH_HANDLED; }
static int on_edited(bh_ctx *c, const bh_message *m) { (void)c; mark("edited:%s:%lld", m->text, m->chat.id); return BH_HANDLED; }
static int on_gm(bh_ctx *c, const bh_message *m) { (void)c; mark("gm:%s:%lld", m->text, m->chat.id); return BH_HANDLED; }
static int on_bc(bh_ctx *c, const bh_business_connection *b) { (void)c; mark("bc:%s:%lld", b->id, b->user.id); return BH_HANDLED; }
static int on_bd(bh_ctx *c, const bh_business_messages_deleted *d) { (void)c; mark("bd:%s:%lld", d->business_connection_id, bh_business_messages_deleted_id(d, 1)); return BH_HANDLED; }
static int on_pm(bh_ctx *c, const bh_paid_media_purchased *p) { (void)c; mark("pm:%s:%lld", p->payload, p->from.id); return BH_HANDLED; }
static int on_caption(bh_ctx *c, const bh_message *m) { (void)c; mark("caption:%s:%lld", bh_message_caption(m, NULL), m->chat.id); return BH_HANDLED; }
static int on_raw(bh_ctx *c, const bh_update *u)
{
    (void)c;
    mark("raw:%s:%lld", u->kind_key, (long long)json_object_object_length(bh_update_object(u)));
    return BH_CONTINUE;
}
static int on_photo(bh_ctx *c, const bh_message *m, const bh_args *a)
{
    (void)c;
    mark("cmd:%s:%lld", a->text, (long long)bh_message_photo_count(m));
    return BH_HANDLED;
}

static bh_bot *new_bot(void)
{
    bh_bot *bot = bh_bot_new("777:TEST");
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, "http://127.0.0.1:1"), BH_OK);
    bh_log_set_level(BH_LOG_ERROR + 1);
    trace[0] = 0;
    return bot;
}

static void process(bh_bot *bot, const char *kind, const char *obj)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "{\"update_id\":1,\"%s\":%s}", kind, obj);
    ck_assert_int_eq(bh_bot_process(bot, buf), BH_OK);
}

#define USER "{\"id\":6,\"first_name\":\"Eve\"}"
#define CHAT "{\"id\":-9,\"type\":\"supergroup\"}"

START_TEST(every_kind_reaches_its_hook)
{
    bh_bot *bot = new_bot();
    bh_component *comp = bh_component_new("members");
    ck_assert_int_eq(bh_bot_inline_query(bot, on_iq), BH_OK);
    ck_assert_int_eq(bh_bot_chosen_inline_result(bot, on_cr), BH_OK);
    ck_assert_int_eq(bh_bot_callback_query(bot, on_cq), BH_OK);
    ck_assert_int_eq(bh_bot_my_chat_member(bot, on_mcm), BH_OK);
    /* Components have the same hooks. */
    ck_assert_int_eq(bh_component_chat_member(comp, on_cm), BH_OK);
    ck_assert_int_eq(bh_component_chat_join_request(comp, on_jr), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, comp), BH_OK);
    bh_component_free(comp);
    ck_assert_int_eq(bh_bot_message_reaction(bot, on_mr), BH_OK);
    ck_assert_int_eq(bh_bot_message_reaction_count(bot, on_mrc), BH_OK);
    ck_assert_int_eq(bh_bot_poll(bot, on_poll), BH_OK);
    ck_assert_int_eq(bh_bot_poll_answer(bot, on_pa), BH_OK);
    ck_assert_int_eq(bh_bot_shipping_query(bot, on_sq), BH_OK);
    ck_assert_int_eq(bh_bot_pre_checkout_query(bot, on_pc), BH_OK);
    ck_assert_int_eq(bh_bot_chat_boost(bot, on_cb), BH_OK);
    ck_assert_int_eq(bh_bot_removed_chat_boost(bot, on_rcb), BH_OK);
    ck_assert_int_eq(bh_bot_edited_channel_post(bot, on_ecp), BH_OK);
    ck_assert_int_eq(bh_bot_message_edited(bot, on_edited), BH_OK);
    ck_assert_int_eq(bh_bot_business_message(bot, on_bm), BH_OK);
    ck_assert_int_eq(bh_bot_edited_business_message(bot, on_ebm), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "future_kind", on_raw), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "deleted_business_messages", on_raw), BH_OK);

    process(bot, "inline_query", "{\"id\":\"q\",\"from\":" USER ",\"query\":\"abc\",\"offset\":\"\"}");
    process(bot, "chosen_inline_result", "{\"result_id\":\"r1\",\"from\":" USER ",\"query\":\"abc\"}");
    process(bot, "callback_query", "{\"id\":\"c\",\"from\":" USER ",\"data\":\"plain\","
            "\"message\":{\"message_id\":3,\"chat\":" CHAT "}}");
    process(bot, "my_chat_member", "{\"chat\":" CHAT ",\"from\":" USER ",\"date\":1,"
            "\"old_chat_member\":{\"status\":\"member\",\"user\":{\"id\":777}},"
            "\"new_chat_member\":{\"status\":\"administrator\",\"user\":{\"id\":777}}}");
    process(bot, "chat_member", "{\"chat\":" CHAT ",\"from\":" USER ",\"date\":1,"
            "\"old_chat_member\":{\"status\":\"left\",\"user\":" USER "},"
            "\"new_chat_member\":{\"status\":\"member\",\"user\":" USER "}}");
    process(bot, "chat_join_request", "{\"chat\":" CHAT ",\"from\":" USER ",\"user_chat_id\":6,\"date\":1}");
    process(bot, "message_reaction", "{\"chat\":" CHAT ",\"message_id\":3,\"date\":1,\"user\":" USER ","
            "\"old_reaction\":[],\"new_reaction\":[{\"type\":\"emoji\",\"emoji\":\"x\"}]}");
    process(bot, "message_reaction_count", "{\"chat\":" CHAT ",\"message_id\":3,\"date\":1,"
            "\"reactions\":[{\"type\":{\"type\":\"emoji\",\"emoji\":\"x\"},\"total_count\":2},"
            "{\"type\":{\"type\":\"paid\"},\"total_count\":1}]}");
    process(bot, "poll", "{\"id\":\"p\",\"question\":\"Tea?\",\"options\":[{\"text\":\"y\",\"voter_count\":0}]}");
    process(bot, "poll_answer", "{\"poll_id\":\"p\",\"user\":" USER ",\"option_ids\":[0]}");
    process(bot, "shipping_query", "{\"id\":\"s\",\"from\":" USER ",\"invoice_payload\":\"x\","
            "\"shipping_address\":{\"country_code\":\"IT\"}}");
    process(bot, "pre_checkout_query", "{\"id\":\"s\",\"from\":" USER ",\"currency\":\"EUR\",\"total_amount\":500}");
    process(bot, "chat_boost", "{\"chat\":" CHAT ",\"boost\":{\"boost_id\":\"b\",\"add_date\":1,"
            "\"expiration_date\":2,\"source\":{\"source\":\"premium\",\"user\":" USER "}}}");
    process(bot, "removed_chat_boost", "{\"chat\":" CHAT ",\"boost_id\":\"b\",\"remove_date\":4,"
            "\"source\":{\"source\":\"premium\",\"user\":" USER "}}");
    process(bot, "edited_channel_post", "{\"message_id\":1,\"chat\":{\"id\":-5,\"type\":\"channel\"},\"text\":\"post\"}");
    process(bot, "edited_message", "{\"message_id\":1,\"chat\":{\"id\":6,\"type\":\"private\"},\"text\":\"msg\"}");
    process(bot, "business_message", "{\"message_id\":1,\"chat\":{\"id\":8},\"text\":\"b\"}");
    process(bot, "edited_business_message", "{\"message_id\":1,\"chat\":{\"id\":8},\"text\":\"eb\"}");
    process(bot, "deleted_business_messages", "{\"business_connection_id\":\"x\",\"chat\":" CHAT ",\"message_ids\":[1]}");
    process(bot, "future_kind", "{\"a\":1,\"b\":2}");
    ck_assert_str_eq(trace,
                     "iq:abc:6 cr:r1:6 cq:plain:-9 mcm:administrator:-9 cm:joined:6 jr:supergroup:6 "
                     "mr:n:1 mrc:n:2 poll:Tea?:1 pa:p:0 sq:IT:6 pc:EUR:500 cb:b:-9 rcb:b:4 "
                     "ecp:post:-5 edited:msg:6 bm:b:8 ebm:eb:8 raw:deleted_business_messages:3 "
                     "raw:future_kind:2 ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(business_guest_and_paid_media)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_guest_message(bot, on_gm), BH_OK);
    ck_assert_int_eq(bh_bot_business_connection(bot, on_bc), BH_OK);
    ck_assert_int_eq(bh_bot_deleted_business_messages(bot, on_bd), BH_OK);
    ck_assert_int_eq(bh_bot_purchased_paid_media(bot, on_pm), BH_OK);
    process(bot, "guest_message", "{\"message_id\":1,\"chat\":{\"id\":-3},\"text\":\"hey\"}");
    process(bot, "business_connection", "{\"id\":\"bc1\",\"user\":" USER ",\"user_chat_id\":6,"
            "\"date\":1,\"is_enabled\":true}");
    process(bot, "deleted_business_messages", "{\"business_connection_id\":\"bc1\",\"chat\":" CHAT ","
            "\"message_ids\":[4,5]}");
    process(bot, "purchased_paid_media", "{\"from\":" USER ",\"paid_media_payload\":\"pp\"}");
    ck_assert_str_eq(trace, "gm:hey:-3 bc:bc1:6 bd:bc1:5 pm:pp:6 ");
    const char *all = bh_bot_allowed_updates(bot)[1];
    ck_assert_str_eq(all, "business_connection");
    bh_bot_free(bot);
}
END_TEST

/* Text hooks look at a caption only when asked to. */
START_TEST(text_hooks_on_captions)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_message_contains(bot, "cat", 0, on_edited), BH_OK);
    ck_assert_int_eq(bh_bot_message_contains(bot, "cat", BH_MATCH_CAPTION, on_caption), BH_OK);
    process(bot, "message", "{\"message_id\":1,\"chat\":{\"id\":6},\"caption\":\"my cat\","
            "\"photo\":[{\"file_id\":\"a\",\"file_unique_id\":\"A\"}]}");
    ck_assert_str_eq(trace, "caption:my cat:6 ");
    trace[0] = 0;
    process(bot, "message", "{\"message_id\":2,\"chat\":{\"id\":6},\"text\":\"a cat\"}");
    ck_assert_str_eq(trace, "edited:a cat:6 ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(malformed_object_skips_typed_hooks)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_chat_member(bot, on_cm), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "chat_member", on_raw), BH_OK);
    process(bot, "chat_member", "{\"chat\":{\"id\":\"x\"}}");
    ck_assert_str_eq(trace, "raw:chat_member:1 ");
    bh_bot_free(bot);
}
END_TEST

START_TEST(command_in_a_photo_caption)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "resize", on_photo, NULL), BH_OK);
    process(bot, "message", "{\"message_id\":1,\"chat\":{\"id\":6,\"type\":\"private\"},"
            "\"photo\":[{\"file_id\":\"a\",\"file_unique_id\":\"A\",\"width\":1,\"height\":1}],"
            "\"caption\":\"/resize 50\",\"caption_entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":7}]}");
    ck_assert_str_eq(trace, "cmd:50:1 ");
    /* "/resize@" names no bot: it does not run (issue 15). */
    trace[0] = 0;
    process(bot, "message", "{\"message_id\":2,\"chat\":{\"id\":6,\"type\":\"private\"},"
            "\"text\":\"/resize@ 50\",\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":8}]}");
    ck_assert_str_eq(trace, "");
    /* An entity that ends right before an '@' is no command of this bot,
     * in a caption as in a text. */
    process(bot, "message", "{\"message_id\":3,\"chat\":{\"id\":6,\"type\":\"private\"},"
            "\"text\":\"/resize@other 50\",\"entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":7}]}");
    process(bot, "message", "{\"message_id\":4,\"chat\":{\"id\":6,\"type\":\"private\"},"
            "\"photo\":[{\"file_id\":\"a\",\"file_unique_id\":\"A\",\"width\":1,\"height\":1}],"
            "\"caption\":\"/resize@other 50\",\"caption_entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":7}]}");
    ck_assert_str_eq(trace, "");
    bh_bot_free(bot);
}
END_TEST

/* The list as one string, for comparisons. */
static const char *joined(const char *const *list)
{
    static char buf[1024];
    buf[0] = 0;
    for (; list && *list; list++) {
        strncat(buf, *list, sizeof buf - strlen(buf) - 1);
        strncat(buf, ",", sizeof buf - strlen(buf) - 1);
    }
    return buf;
}

static int on_before(bh_ctx *c, const bh_update *u) { (void)c; (void)u; return BH_CONTINUE; }

START_TEST(allowed_updates_follow_the_hooks)
{
    bh_bot *bot = new_bot();
    bh_component *comp = bh_component_new("c");
    ck_assert_str_eq(joined(bh_bot_allowed_updates(bot)), "message,");
    ck_assert_int_eq(bh_component_chat_member(comp, on_cm), BH_OK);
    ck_assert_int_eq(bh_bot_use(bot, comp), BH_OK);
    bh_component_free(comp);
    ck_assert_int_eq(bh_bot_inline_query(bot, on_iq), BH_OK);
    ck_assert_str_eq(joined(bh_bot_allowed_updates(bot)), "message,inline_query,chat_member,");
    ck_assert_int_eq(bh_bot_on_update(bot, "future_kind", on_raw), BH_OK);
    ck_assert_int_eq(bh_bot_on_update(bot, "inline_query", on_raw), BH_OK);
    ck_assert_str_eq(joined(bh_bot_allowed_updates(bot)),
                     "message,inline_query,chat_member,future_kind,");
    bh_bot_free(bot);

    /* before_processing sees every kind Telegram sends by default. */
    bot = new_bot();
    ck_assert_int_eq(bh_bot_before_processing(bot, on_before), BH_OK);
    const char *all = joined(bh_bot_allowed_updates(bot));
    ck_assert_ptr_nonnull(strstr(all, "edited_channel_post,"));
    ck_assert_ptr_nonnull(strstr(all, "poll_answer,"));
    ck_assert_ptr_null(strstr(all, ",chat_member,"));
    ck_assert_ptr_nonnull(strstr(all, ",my_chat_member,"));
    ck_assert_ptr_null(strstr(all, "message_reaction"));
    bh_bot_free(bot);

    ck_assert_ptr_null(bh_bot_allowed_updates(NULL));
    ck_assert_int_eq(bh_bot_on_update(NULL, "x", on_raw), BH_EINVAL);
    bot = new_bot();
    ck_assert_int_eq(bh_bot_on_update(bot, "Bad-Name", on_raw), BH_EINVAL);
    ck_assert_int_eq(bh_bot_on_update(bot, "", on_raw), BH_EINVAL);
    ck_assert_int_eq(bh_bot_chat_member(bot, NULL), BH_EINVAL);
    bh_callback_query q = {.id = "c"};
    ck_assert_int_eq(bh_callback_answer_ex(NULL, &q, NULL), BH_EINVAL);
    bh_bot_free(bot);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_kinds");
    TCase *tc = tcase_create("kinds");
    tcase_add_test(tc, every_kind_reaches_its_hook);
    tcase_add_test(tc, malformed_object_skips_typed_hooks);
    tcase_add_test(tc, business_guest_and_paid_media);
    tcase_add_test(tc, text_hooks_on_captions);
    tcase_add_test(tc, command_in_a_photo_caption);
    tcase_add_test(tc, allowed_updates_follow_the_hooks);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
