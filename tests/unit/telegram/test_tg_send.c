/*
 * Typed methods against the real emulator: those that send neither text
 * nor a file (locations, venues, contacts, dice, polls), and those about a
 * chat (getChat, administrators, member count, leaving it, reactions,
 * forwarding and copying in bulk): the answers, the emulator's 400s and
 * 403s, and the client's own argument checks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "emu_proc.h"
#include "tg_fixture.h"
#include "testutil.h"

#define TOKEN "4646:TEST"
#define USER 88

static bh_emu_proc emu;
static bh_client *cl;

START_TEST(location_and_venue)
{
    bh_message *m = NULL;
    ck_assert_int_eq(bh_client_send_location(cl, USER, 45.4642, 9.19, NULL, &m), BH_OK);
    ck_assert_double_eq_tol(json_object_get_double(bh_tgfx_field(m, "location", "latitude")), 45.4642, 1e-9);
    ck_assert_double_eq_tol(json_object_get_double(bh_tgfx_field(m, "location", "longitude")), 9.19, 1e-9);
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_location(cl, USER, 91, 0, NULL, NULL), BH_EINVAL);

    ck_assert_int_eq(bh_client_send_venue(cl, USER, 1.5, -2.5, "Bar", "Main St 1", NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "venue", "title")), "Bar");
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "venue", "address")), "Main St 1");
    ck_assert_double_eq_tol(json_object_get_double(bh_tgfx_field(m, "location", "longitude")), -2.5, 1e-9);
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_venue(cl, USER, 1, 1, "Bar", "", NULL, NULL), BH_EINVAL);

    /* the emulator's checks, reached through the builder */
    bh_params *p = NULL;
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_int(p, "chat_id", USER);
    bh_params_double(p, "latitude", 100);
    bh_params_double(p, "longitude", 0);
    ck_assert_int_eq(bh_client_call_params(cl, "sendLocation", p, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: wrong latitude specified");
    bh_params_free(p);
}
END_TEST

START_TEST(contact_dice_and_poll)
{
    static const char *const opts[] = {"Red", "Green", "Blue"};
    bh_message *m = NULL;
    ck_assert_int_eq(bh_client_send_contact(cl, USER, "+39 02 1234", "Ada", NULL, NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "contact", "phone_number")), "+39 02 1234");
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "contact", "first_name")), "Ada");
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_contact(cl, USER, "", "Ada", NULL, NULL, NULL), BH_EINVAL);

    ck_assert_int_eq(bh_client_send_dice(cl, USER, NULL, NULL, &m), BH_OK);
    int v = json_object_get_int(bh_tgfx_field(m, "dice", "value"));
    ck_assert(v >= 1 && v <= 6);
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_dice(cl, USER, "x", NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: invalid dice emoji specified");

    ck_assert_int_eq(bh_client_send_poll(cl, USER, "Colour?", opts, 3, NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "poll", "question")), "Colour?");
    json_object *o = bh_tgfx_field(m, "poll", "options");
    ck_assert_int_eq((int)json_object_array_length(o), 3);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(o, 2), "text")), "Blue");
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_poll(cl, USER, "Colour?", opts, 1, NULL, NULL), BH_EINVAL);

    bh_params *p = NULL;
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_int(p, "chat_id", USER);
    bh_params_str(p, "question", "One?");
    ck_assert_int_eq(bh_params_json_text(p, "options", "[\"only\"]"), BH_OK);
    ck_assert_int_eq(bh_client_call_params(cl, "sendPoll", p, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: poll must have at least 2 option");
    bh_params_free(p);
}
END_TEST

START_TEST(chats_and_bulk)
{
    const int64_t group = -200300;
    char body[160];
    bh_chat_info info;
    bh_chat_member *admins = NULL;
    size_t n = 0;
    int64_t count = 0, ids[3] = {1, 2, 50}, new_ids[3] = {0};
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof body, "{\"chat_id\":%lld,\"user_id\":%d,\"text\":\"m%d\",\"chat_type\":\"supergroup\"}",
                 (long long)group, 10 + (i % 2), i);
        ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 200);
    }
    ck_assert_int_eq(bh_client_get_chat(cl, group, &info), BH_OK);
    ck_assert_int_eq(info.id, group);
    ck_assert_str_eq(info.type, "supergroup");
    ck_assert_str_ne(info.title, "");
    bh_chat_info_clear(&info);
    ck_assert_int_eq(bh_client_get_chat(cl, USER, &info), BH_OK);
    ck_assert_str_eq(info.type, "private");
    bh_chat_info_clear(&info);

    ck_assert_int_eq(bh_client_get_chat_administrators(cl, group, &admins, &n), BH_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(admins[0].status, "creator");
    ck_assert_int_eq(admins[0].user_id, 10);
    ck_assert_str_eq(admins[1].status, "administrator");
    bh_chat_members_free(admins, n);
    ck_assert_int_eq(bh_client_get_chat_member_count(cl, group, &count), BH_OK);
    ck_assert_int_eq(count, 3); /* two users and the bot */

    ck_assert_int_eq(bh_client_set_message_reaction(cl, group, 1, "\xF0\x9F\x91\x8D", 0), BH_OK);
    ck_assert_int_eq(bh_client_set_message_reaction(cl, group, 1, NULL, 0), BH_OK);
    ck_assert_int_eq(bh_client_set_message_reaction(cl, group, 99, NULL, 0), BH_EAPI);

    ck_assert_int_eq(bh_client_forward_messages(cl, USER, group, ids, 3, new_ids, &n), BH_OK);
    ck_assert_uint_eq(n, 2); /* 50 does not exist */
    ck_assert_int_gt(new_ids[1], new_ids[0]);
    ck_assert_int_eq(bh_client_copy_messages(cl, USER, group, ids, 2, NULL, &n), BH_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(bh_client_copy_messages(cl, USER, group, ids + 2, 1, NULL, &n), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message to copy not found");

    /* after leaveChat, sends are refused */
    ck_assert_int_eq(bh_client_leave_chat(cl, group), BH_OK);
    ck_assert_int_eq(bh_client_send_message(cl, group, "still here?", NULL, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_last_error(cl)->error_code, 403);
    ck_assert_int_eq(bh_client_leave_chat(cl, USER), BH_EAPI);
    ck_assert_int_eq(bh_client_get_chat(cl, -1, &info), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: chat not found");
}
END_TEST

START_TEST(settings_keyboards_polls_rights)
{
    static const char *const opts[] = {"Yes", "No"};
    static const char *const kinds[] = {"message", NULL};
    bh_webhook_options wo = {.secret_token = "s3cret", .allowed_updates = kinds, .drop_pending_updates = 1};
    bh_webhook_info wi;
    bh_keyboard *k = NULL;
    bh_message *m = NULL, *ed = NULL;
    json_object *poll = NULL, *v;

    ck_assert_int_eq(bh_client_set_webhook(cl, "http://127.0.0.1:1/hook", &wo), BH_OK);
    ck_assert_int_eq(bh_client_get_webhook_info(cl, &wi), BH_OK);
    ck_assert_str_eq(wi.url, "http://127.0.0.1:1/hook");
    ck_assert_int_eq(wi.pending_update_count, 0);
    bh_webhook_info_clear(&wi);
    ck_assert_int_eq(bh_client_delete_webhook(cl, 1), BH_OK);
    ck_assert_int_eq(bh_client_get_webhook_info(cl, &wi), BH_OK);
    ck_assert_str_eq(wi.url, "");
    bh_webhook_info_clear(&wi);
    ck_assert_int_eq(bh_client_set_webhook(cl, "ftp://x", NULL), BH_EAPI);
    bh_bot_command_info cmds[2] = {{"start", "Start"}, {"help", "Help"}};
    json_object *got = NULL;
    ck_assert_int_eq(bh_client_set_my_commands(cl, cmds, 2), BH_OK);
    ck_assert_int_eq(bh_client_get_my_commands(cl, &got), BH_OK);
    ck_assert_int_eq((int)json_object_array_length(got), 2);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(got, 1), "command")), "help");
    json_object_put(got);
    ck_assert_int_eq(bh_client_delete_my_commands(cl), BH_OK);
    ck_assert_int_eq(bh_client_get_my_commands(cl, &got), BH_OK);
    ck_assert_int_eq((int)json_object_array_length(got), 0);
    json_object_put(got);

    ck_assert_int_eq(bh_keyboard_new(&k), BH_OK);
    ck_assert_int_eq(bh_keyboard_button_callback(k, "Go", "go"), BH_OK);
    bh_send_options so = {.reply_markup = k};
    ck_assert_int_eq(bh_client_send_message(cl, USER, "with keys", &so, &m), BH_OK);
    ck_assert_int_eq(bh_client_edit_message_reply_markup(cl, USER, m->message_id, NULL, &ed), BH_OK);
    ck_assert(!json_object_object_get_ex(ed->json, "reply_markup", &v));
    bh_message_free(ed);
    ck_assert_int_eq(bh_client_edit_message_reply_markup(cl, USER, m->message_id, NULL, NULL), BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "message is not modified"));
    ck_assert_int_eq(bh_client_edit_message_reply_markup(cl, USER, m->message_id, k, &ed), BH_OK);
    ck_assert(json_object_object_get_ex(ed->json, "reply_markup", &v));
    bh_message_free(ed);
    bh_message_free(m);
    bh_keyboard_free(k);

    ck_assert_int_eq(bh_client_send_poll(cl, USER, "Ok?", opts, 2, NULL, &m), BH_OK);
    ck_assert_int_eq(bh_client_stop_poll(cl, USER, m->message_id, &poll), BH_OK);
    ck_assert(json_object_get_boolean(json_object_object_get(poll, "is_closed")));
    json_object_put(poll);
    ck_assert_int_eq(bh_client_stop_poll(cl, USER, m->message_id, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: poll has already been closed");
    bh_message_free(m);
}
END_TEST

START_TEST(promotion_and_permissions)
{
    const int64_t group = -300400;
    bh_admin_rights rights = {.can_pin_messages = 1, .can_delete_messages = 1};
    bh_admin_rights none = {0};
    bh_chat_permissions perm = {.can_send_messages = 1};
    bh_chat_member cm;
    bh_chat_info info;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-300400,\"user_id\":12,\"text\":\"hey\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_promote_chat_member(cl, group, 12, &rights), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 12, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "administrator");
    ck_assert(json_object_get_boolean(json_object_object_get(cm.json, "can_pin_messages")));
    ck_assert(!json_object_get_boolean(json_object_object_get(cm.json, "can_promote_members")));
    bh_chat_member_clear(&cm);
    ck_assert_int_eq(bh_client_promote_chat_member(cl, group, 12, &none), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_member(cl, group, 12, &cm), BH_OK);
    ck_assert_str_eq(cm.status, "member");
    bh_chat_member_clear(&cm);

    ck_assert_int_eq(bh_client_set_chat_permissions(cl, group, &perm), BH_OK);
    ck_assert_int_eq(bh_client_get_chat(cl, group, &info), BH_OK);
    json_object *p = json_object_object_get(info.json, "permissions");
    ck_assert(json_object_get_boolean(json_object_object_get(p, "can_send_messages")));
    ck_assert(!json_object_get_boolean(json_object_object_get(p, "can_send_polls")));
    bh_chat_info_clear(&info);
    ck_assert_int_eq(bh_client_set_chat_permissions(cl, USER, &perm), BH_EAPI);
}
END_TEST

/* The status of user in chat as getChatMember reports it (a copy). */
static void member_status(int64_t chat, int64_t user, char *st, size_t n, int64_t *until)
{
    bh_chat_member cm;
    ck_assert_int_eq(bh_client_get_chat_member(cl, chat, user, &cm), BH_OK);
    snprintf(st, n, "%s", cm.status);
    *until = cm.until_date;
    bh_chat_member_clear(&cm);
}

/* An until_date that is no Unix time is refused with a 400, as the Bot
 * API refuses it, and the member is left as they were, never banned or
 * restricted for ever by mistake; a good one is kept. */
START_TEST(malformed_until_date_is_refused)
{
    static const char *const bad[] = {
        "\"99999999999999999999\"", "99999999999999999999", "-99999999999999999999",
        "4294967296", "\"2147483648\"",
    };
    static const char *const methods[] = {"banChatMember", "restrictChatMember"};
    bh_chat_permissions none = {0};
    char body[256], st[32];
    int64_t until = -1;
    /* the group's first writer is its creator, whom no one bans */
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-300500,\"user_id\":13,\"text\":\"mine\","
                                 "\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-300500,\"user_id\":14,\"text\":\"hey\","
                                 "\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            json_object *res = NULL;
            snprintf(body, sizeof body,
                     "{\"chat_id\":-300500,\"user_id\":14,\"until_date\":%s%s}", bad[i],
                     m ? ",\"permissions\":{\"can_send_messages\":false}" : "");
            ck_assert_int_eq(bh_client_call(cl, methods[m], body, &res), BH_EAPI);
            ck_assert_int_eq(bh_client_last_error(cl)->error_code, 400);
            ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: invalid until_date specified");
            member_status(-300500, 14, st, sizeof st, &until);
            ck_assert_msg(!strcmp(st, "member"), "%s with until_date %s: %s", methods[m], bad[i],
                          st);
        }
    /* the typed calls send what they are given */
    ck_assert_int_eq(bh_client_ban_chat_member(cl, -300500, 14, INT64_C(1) << 40, 0), BH_EAPI);
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, -300500, 14, &none, INT64_C(1) << 33),
                     BH_EAPI);
    member_status(-300500, 14, st, sizeof st, &until);
    ck_assert_str_eq(st, "member");
    /* good dates: kept, and answered back */
    ck_assert_int_eq(bh_client_call(cl, "banChatMember",
                                    "{\"chat_id\":-300500,\"user_id\":14,"
                                    "\"until_date\":\"2000000000\"}",
                                    NULL), BH_OK);
    member_status(-300500, 14, st, sizeof st, &until);
    ck_assert_str_eq(st, "kicked");
    ck_assert_int_eq(until, 2000000000);
    ck_assert_int_eq(bh_client_unban_chat_member(cl, -300500, 14, 1), BH_OK);
    ck_assert_int_eq(bh_client_restrict_chat_member(cl, -300500, 14, &none, 2147483647), BH_OK);
    member_status(-300500, 14, st, sizeof st, &until);
    ck_assert_str_eq(st, "restricted");
    ck_assert_int_eq(until, 2147483647);
}
END_TEST

START_TEST(links_requests_inline_live)
{
    const int64_t group = -400500;
    bh_invite_link link, revoked;
    bh_message *m = NULL, *ed = NULL;
    json_object *results = json_object_new_array();
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-400500,\"user_id\":13,\"text\":\"yo\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_create_chat_invite_link(cl, group, "promo", 0, 10, 0, &link), BH_OK);
    ck_assert_ptr_nonnull(strstr(link.invite_link, "https://t.me/+"));
    ck_assert_int_eq(link.is_revoked, 0);
    ck_assert_int_eq(bh_client_revoke_chat_invite_link(cl, group, link.invite_link, &revoked), BH_OK);
    ck_assert_str_eq(revoked.invite_link, link.invite_link);
    ck_assert_int_eq(revoked.is_revoked, 1);
    bh_invite_link_clear(&link);
    bh_invite_link_clear(&revoked);
    ck_assert_int_eq(bh_client_revoke_chat_invite_link(cl, group, "https://t.me/+nope", NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_create_chat_invite_link(cl, group, NULL, 0, 5, 1, NULL), BH_EINVAL);

    ck_assert_int_eq(bh_client_approve_chat_join_request(cl, group, 13), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: HIDE_REQUESTER_MISSING");
    ck_assert_int_eq(bh_client_decline_chat_join_request(cl, group, 13), BH_EAPI);

    ck_assert_int_eq(bh_client_answer_inline_query(cl, "q1", results, 0, 1, NULL), BH_EAPI);
    ck_assert_ptr_nonnull(strstr(bh_tgfx_desc(), "query ID is invalid"));
    json_object_put(results);

    /* a live location, moved, then stopped */
    bh_params *p = NULL;
    json_object *res = NULL;
    ck_assert_int_eq(bh_params_new(&p), BH_OK);
    bh_params_int(p, "chat_id", USER);
    bh_params_double(p, "latitude", 10);
    bh_params_double(p, "longitude", 20);
    bh_params_int(p, "live_period", 600);
    ck_assert_int_eq(bh_client_call_params(cl, "sendLocation", p, &res), BH_OK);
    ck_assert_int_eq(bh_message_parse(res, &m), BH_OK);
    json_object_put(res);
    bh_params_free(p);
    ck_assert_int_eq(bh_client_edit_message_live_location(cl, USER, m->message_id, 11, 21, &ed), BH_OK);
    ck_assert_double_eq_tol(json_object_get_double(bh_tgfx_field(ed, "location", "latitude")), 11, 1e-9);
    bh_message_free(ed);
    ck_assert_int_eq(bh_client_stop_message_live_location(cl, USER, m->message_id, NULL), BH_OK);
    ck_assert_int_eq(bh_client_stop_message_live_location(cl, USER, m->message_id, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: message can't be edited");
    bh_message_free(m);
}
END_TEST

START_TEST(profile_and_chat_texts)
{
    const int64_t group = -500600;
    char buf[128];
    bh_chat_info info;
    json_object *photos = NULL;
    ck_assert_int_eq(bh_client_set_my_name(cl, "Hive", NULL), BH_OK);
    ck_assert_int_eq(bh_client_set_my_name(cl, "Alveare", "it"), BH_OK);
    ck_assert_int_eq(bh_client_get_my_name(cl, "it", buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "Alveare");
    ck_assert_int_eq(bh_client_get_my_name(cl, "de", buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "Hive");
    ck_assert_int_eq(bh_client_set_my_description(cl, "Counts messages", NULL), BH_OK);
    ck_assert_int_eq(bh_client_get_my_description(cl, NULL, buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "Counts messages");
    ck_assert_int_eq(bh_client_set_my_short_description(cl, "Counter", NULL), BH_OK);
    ck_assert_int_eq(bh_client_set_my_short_description(cl, NULL, NULL), BH_OK);
    ck_assert_int_eq(bh_client_get_my_short_description(cl, NULL, buf, sizeof buf), BH_OK);
    ck_assert_str_eq(buf, "");

    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-500600,\"user_id\":14,\"text\":\"x\",\"chat_type\":\"group\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_set_chat_title(cl, group, "Bees"), BH_OK);
    ck_assert_int_eq(bh_client_set_chat_title(cl, group, "Bees"), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: chat title is not modified");
    ck_assert_int_eq(bh_client_set_chat_description(cl, group, "All about bees"), BH_OK);
    ck_assert_int_eq(bh_client_get_chat(cl, group, &info), BH_OK);
    ck_assert_str_eq(info.title, "Bees");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(info.json, "description")), "All about bees");
    bh_chat_info_clear(&info);
    ck_assert_int_eq(bh_client_export_chat_invite_link(cl, group, buf, sizeof buf), BH_OK);
    ck_assert_ptr_nonnull(strstr(buf, "https://t.me/+"));
    ck_assert_int_eq(bh_client_set_chat_title(cl, USER, "Me"), BH_EAPI);

    ck_assert_int_eq(bh_client_get_user_profile_photos(cl, 14, 0, 0, &photos), BH_OK);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(photos, "total_count")), 0);
    json_object_put(photos);
    ck_assert_int_eq(bh_client_log_out(cl), BH_OK);
    ck_assert_int_eq(bh_client_close(cl), BH_OK);
}
END_TEST

START_TEST(chat_setup_stickers_stars)
{
    const int64_t group = -600700;
    bh_chat_info info;
    bh_file_info fi;
    bh_admin_rights rights = {.can_delete_messages = 1};
    json_object *mb = json_object_new_object(), *got = NULL;
    int64_t stars = -1;
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-600700,\"user_id\":15,\"text\":\"x\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    bh_input_file photo = bh_file_memory("\x89PNG", 4, "p.png"), byid = bh_file_id("X");
    ck_assert_int_eq(bh_client_delete_chat_photo(cl, group), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: CHAT_NOT_MODIFIED");
    ck_assert_int_eq(bh_client_set_chat_photo(cl, group, &byid), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_chat_photo(cl, group, &photo), BH_OK);
    ck_assert_int_eq(bh_client_get_chat(cl, group, &info), BH_OK);
    ck_assert(json_object_object_get_ex(info.json, "photo", NULL));
    bh_chat_info_clear(&info);
    ck_assert_int_eq(bh_client_delete_chat_photo(cl, group), BH_OK);

    json_object_object_add(mb, "type", json_object_new_string("commands"));
    ck_assert_int_eq(bh_client_get_chat_menu_button(cl, USER, &got), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(got, "type")), "default");
    json_object_put(got);
    ck_assert_int_eq(bh_client_set_chat_menu_button(cl, 0, mb), BH_OK);
    ck_assert_int_eq(bh_client_get_chat_menu_button(cl, USER, &got), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(got, "type")), "commands");
    json_object_put(got);
    json_object_put(mb);

    ck_assert_int_eq(bh_client_set_my_default_administrator_rights(cl, &rights, 0), BH_OK);
    ck_assert_int_eq(bh_client_get_my_default_administrator_rights(cl, 0, &got), BH_OK);
    ck_assert(json_object_get_boolean(json_object_object_get(got, "can_delete_messages")));
    json_object_put(got);
    ck_assert_int_eq(bh_client_get_my_default_administrator_rights(cl, 1, &got), BH_OK);
    ck_assert(!json_object_get_boolean(json_object_object_get(got, "can_delete_messages")));
    json_object_put(got);

    ck_assert_int_eq(bh_client_ban_chat_sender_chat(cl, group, -1009), BH_OK);
    ck_assert_int_eq(bh_client_unban_chat_sender_chat(cl, group, -1009), BH_OK);

    bh_input_file st = bh_file_memory("webp!", 5, "s.webp");
    ck_assert_int_eq(bh_client_upload_sticker_file(cl, 15, &st, "static", &fi), BH_OK);
    ck_assert_int_eq(bh_client_download_buffer(cl, fi.file_path, 0, &data, &len), BH_OK);
    ck_assert_uint_eq(len, 5);
    ck_assert(!memcmp(data, "webp!", 5));
    free(data);
    ck_assert_int_eq(bh_client_upload_sticker_file(cl, 15, &st, "jpeg", NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_get_sticker_set(cl, "nope", &got), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: STICKERSET_INVALID");
    ck_assert_int_eq(bh_client_get_forum_topic_icon_stickers(cl, &got), BH_OK);
    ck_assert_int_eq((int)json_object_array_length(got), 0);
    json_object_put(got);
    ck_assert_int_eq(bh_client_get_my_star_balance(cl, &stars), BH_OK);
    ck_assert_int_eq(stars, 0);
}
END_TEST

START_TEST(forum_topics)
{
    const int64_t forum = -700800;
    int64_t a = 0, b = 0;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-700800,\"user_id\":16,\"text\":\"x\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_create_forum_topic(cl, forum, "News", 0, &a), BH_OK);
    ck_assert_int_eq(bh_client_create_forum_topic(cl, forum, "Chat", 0x6FB9F0, &b), BH_OK);
    ck_assert_int_gt(a, 1);
    ck_assert_int_eq(b, a + 1);
    ck_assert_int_eq(bh_client_edit_forum_topic(cl, forum, a, "Old news"), BH_OK);
    ck_assert_int_eq(bh_client_close_forum_topic(cl, forum, a), BH_OK);
    ck_assert_int_eq(bh_client_close_forum_topic(cl, forum, a), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: TOPIC_NOT_MODIFIED");
    ck_assert_int_eq(bh_client_reopen_forum_topic(cl, forum, a), BH_OK);
    ck_assert_int_eq(bh_client_unpin_all_forum_topic_messages(cl, forum, a), BH_OK);
    ck_assert_int_eq(bh_client_delete_forum_topic(cl, forum, a), BH_OK);
    ck_assert_int_eq(bh_client_delete_forum_topic(cl, forum, a), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: TOPIC_ID_INVALID");

    ck_assert_int_eq(bh_client_edit_general_forum_topic(cl, forum, "Lobby"), BH_OK);
    ck_assert_int_eq(bh_client_close_general_forum_topic(cl, forum), BH_OK);
    ck_assert_int_eq(bh_client_close_general_forum_topic(cl, forum), BH_EAPI);
    ck_assert_int_eq(bh_client_reopen_general_forum_topic(cl, forum), BH_OK);
    ck_assert_int_eq(bh_client_hide_general_forum_topic(cl, forum), BH_OK);
    ck_assert_int_eq(bh_client_unhide_general_forum_topic(cl, forum), BH_OK);
    ck_assert_int_eq(bh_client_unpin_all_general_forum_topic_messages(cl, forum), BH_OK);
    ck_assert_int_eq(bh_client_create_forum_topic(cl, USER, "No", 0, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: the chat is not a forum");
}
END_TEST

START_TEST(payments_and_lists)
{
    static const bh_labeled_price prices[] = {{"Ticket", 150}, {"Fee", 5}};
    static const char *const emoji[] = {"5368324170671202286"};
    bh_invoice inv = {.title = "Concert", .description = "One seat", .payload = "seat-12",
                      .currency = "XTR", .prices = prices, .nprices = 2};
    bh_message *m = NULL;
    char link[128];
    json_object *o = NULL;
    ck_assert_int_eq(bh_client_send_invoice(cl, USER, &inv, NULL, &m), BH_OK);
    ck_assert_int_eq(json_object_get_int(bh_tgfx_field(m, "invoice", "total_amount")), 155);
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "invoice", "currency")), "XTR");
    bh_message_free(m);
    ck_assert_int_eq(bh_client_create_invoice_link(cl, &inv, link, sizeof link), BH_OK);
    ck_assert_ptr_nonnull(strstr(link, "https://t.me/$"));
    inv.currency = "EURO";
    ck_assert_int_eq(bh_client_send_invoice(cl, USER, &inv, NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: CURRENCY_INVALID");
    inv.nprices = 0;
    ck_assert_int_eq(bh_client_send_invoice(cl, USER, &inv, NULL, NULL), BH_EINVAL);

    ck_assert_int_eq(bh_client_answer_pre_checkout_query(cl, "pq1", 1, NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: QUERY_ID_INVALID");
    ck_assert_int_eq(bh_client_answer_pre_checkout_query(cl, "pq1", 0, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_answer_shipping_query(cl, "sq1", 0, NULL, "No shipping there"), BH_EAPI);
    ck_assert_int_eq(bh_client_refund_star_payment(cl, USER, "ch1"), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: CHARGE_NOT_FOUND");
    ck_assert_int_eq(bh_client_get_star_transactions(cl, 0, 10, &o), BH_OK);
    ck_assert_int_eq((int)json_object_array_length(json_object_object_get(o, "transactions")), 0);
    json_object_put(o);

    ck_assert_int_eq(bh_client_get_user_chat_boosts(cl, USER, USER, &o), BH_OK);
    ck_assert(json_object_object_get_ex(o, "boosts", NULL));
    json_object_put(o);
    ck_assert_int_eq(bh_client_get_available_gifts(cl, &o), BH_OK);
    ck_assert(json_object_object_get_ex(o, "gifts", NULL));
    json_object_put(o);
    ck_assert_int_eq(bh_client_get_custom_emoji_stickers(cl, emoji, 1, &o), BH_OK);
    ck_assert_int_eq((int)json_object_array_length(o), 0);
    json_object_put(o);

    /* an invite link, edited */
    bh_invite_link l, ed;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-800900,\"user_id\":17,\"text\":\"x\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_create_chat_invite_link(cl, -800900, NULL, 0, 0, 0, &l), BH_OK);
    ck_assert_int_eq(bh_client_edit_chat_invite_link(cl, -800900, l.invite_link, "vip", -1, 5, &ed), BH_OK);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(ed.json, "name")), "vip");
    ck_assert_int_eq(json_object_get_int(json_object_object_get(ed.json, "member_limit")), 5);
    bh_invite_link_clear(&l);
    bh_invite_link_clear(&ed);
}
END_TEST

START_TEST(titles_apps_games)
{
    const int64_t group = -900100;
    bh_admin_rights rights = {.can_pin_messages = 1};
    bh_message *m = NULL;
    json_object *o = json_object_new_object();
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-900100,\"user_id\":18,\"text\":\"x\",\"chat_type\":\"supergroup\"}",
                                 NULL), 200);
    ck_assert_int_eq(bh_client_set_chat_administrator_custom_title(cl, group, 18, "Boss"), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: user is not an administrator");
    ck_assert_int_eq(bh_client_promote_chat_member(cl, group, 18, &rights), BH_OK);
    ck_assert_int_eq(bh_client_set_chat_administrator_custom_title(cl, group, 18, "Boss"), BH_OK);
    ck_assert_int_eq(bh_client_set_chat_administrator_custom_title(cl, group, 18, "A title far too long"), BH_EAPI);
    ck_assert_int_eq(bh_client_set_chat_sticker_set(cl, group, "none"), BH_EAPI);
    ck_assert_int_eq(bh_client_delete_chat_sticker_set(cl, group), BH_EAPI);

    ck_assert_int_eq(bh_client_get_business_connection(cl, "bc1", NULL), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: BUSINESS_CONNECTION_INVALID");
    ck_assert_int_eq(bh_client_answer_web_app_query(cl, "wq1", o), BH_EAPI);
    ck_assert_str_eq(bh_tgfx_desc(), "Bad Request: QUERY_ID_INVALID");
    json_object_put(o);
    ck_assert_int_eq(bh_client_verify_user(cl, 18, "Official"), BH_OK);
    ck_assert_int_eq(bh_client_remove_user_verification(cl, 18), BH_OK);
    ck_assert_int_eq(bh_client_verify_chat(cl, group, NULL), BH_OK);
    ck_assert_int_eq(bh_client_remove_chat_verification(cl, -1), BH_EAPI);

    ck_assert_int_eq(bh_client_send_game(cl, USER, "tetris", NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(bh_tgfx_field(m, "game", "title")), "tetris");
    bh_message_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_send");
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_tgfx_add(s, "location_and_venue", location_and_venue);
    bh_tgfx_add(s, "contact_dice_and_poll", contact_dice_and_poll);
    bh_tgfx_add(s, "chats_and_bulk", chats_and_bulk);
    bh_tgfx_add(s, "settings", settings_keyboards_polls_rights);
    bh_tgfx_add(s, "promotion", promotion_and_permissions);
    bh_tgfx_add(s, "until_date", malformed_until_date_is_refused);
    bh_tgfx_add(s, "profile", profile_and_chat_texts);
    bh_tgfx_add(s, "chat_setup", chat_setup_stickers_stars);
    bh_tgfx_add(s, "forum_topics", forum_topics);
    bh_tgfx_add(s, "payments", payments_and_lists);
    bh_tgfx_add(s, "titles_apps_games", titles_apps_games);
    bh_tgfx_add(s, "links_and_live", links_requests_inline_live);
    return bh_test_run_suite(s);
}
