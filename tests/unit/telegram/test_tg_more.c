/*
 * The typed wrappers of sticker sets, gifts, games, reactions, member
 * tags, emoji statuses, the bot's profile photo, subscription links,
 * business accounts and checklists, against the emulator (which serves
 * these from the method table: their parameters checked, an answer of
 * the result type): each call reaches it well formed and reads its typed
 * answer, and each wrapper refuses what it must before sending.
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

#define TOKEN "4747:MOREsecretTOKEN"
#define USER 95

static bh_emu_proc emu;
static bh_client *cl;

/* The file_id of sticker i of the set (malloc'd), and the set's size in *n. */
static char *sticker_id(const char *set, size_t i, size_t *n, char **title)
{
    json_object *o = NULL, *arr;
    char *id;
    ck_assert_int_eq(bh_client_get_sticker_set(cl, set, &o), BH_OK);
    arr = json_object_object_get(o, "stickers");
    *n = json_object_array_length(arr);
    id = i < *n ? strdup(json_object_get_string(
                      json_object_object_get(json_object_array_get_idx(arr, i), "file_id")))
                : NULL;
    if (title)
        *title = strdup(json_object_get_string(json_object_object_get(o, "title")));
    json_object_put(o);
    return id;
}

START_TEST(sticker_sets)
{
    static const char *const emoji[] = {"\xF0\x9F\x98\x80", NULL};
    static const char *const words[] = {"smile", NULL};
    bh_input_sticker s[2] = {
        {.file = bh_file_memory("PNG1", 4, "a.png"), .format = "static", .emoji = emoji},
        {.file = bh_file_memory("PNG2", 4, "b.png"), .format = "static", .emoji = emoji, .keywords = words},
    };
    bh_input_file thumb = bh_file_memory("PNG", 3, "t.png");
    char *first, *second, *title;
    size_t n;
    ck_assert_int_eq(bh_client_create_new_sticker_set(cl, USER, "set_by_emu_bot", "Set", s, 2, NULL),
                     BH_OK);
    ck_assert_int_eq(bh_client_create_new_sticker_set(cl, USER, "set_by_emu_bot", "Set", s, 1, NULL),
                     BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description,
                     "Bad Request: sticker set name is already occupied");
    ck_assert_int_eq(bh_client_create_new_sticker_set(cl, USER, "set_of_mine", "Set", s, 1, NULL),
                     BH_EAPI);
    ck_assert_int_eq(bh_client_add_sticker_to_set(cl, USER, "set_by_emu_bot", &s[0]), BH_OK);
    first = sticker_id("set_by_emu_bot", 0, &n, NULL);
    ck_assert_uint_eq(n, 3);
    /* the first sticker moves to the end, then is deleted */
    ck_assert_int_eq(bh_client_set_sticker_position_in_set(cl, first, 2), BH_OK);
    second = sticker_id("set_by_emu_bot", 2, &n, NULL);
    ck_assert_str_eq(second, first);
    ck_assert_int_eq(bh_client_set_sticker_position_in_set(cl, first, 3), BH_EAPI);
    ck_assert_int_eq(bh_client_delete_sticker_from_set(cl, first), BH_OK);
    free(sticker_id("set_by_emu_bot", 0, &n, NULL));
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(bh_client_delete_sticker_from_set(cl, first), BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description, "Bad Request: STICKER_ID_INVALID");
    ck_assert_int_eq(bh_client_set_sticker_set_title(cl, "set_by_emu_bot", "New"), BH_OK);
    free(sticker_id("set_by_emu_bot", 0, &n, &title));
    ck_assert_str_eq(title, "New");
    free(title);
    free(second);
    second = sticker_id("set_by_emu_bot", 0, &n, NULL);
    /* served from the table */
    ck_assert_int_eq(bh_client_replace_sticker_in_set(cl, USER, "set_by_emu_bot", second, &s[1]), BH_OK);
    ck_assert_int_eq(bh_client_set_sticker_emoji_list(cl, second, emoji), BH_OK);
    ck_assert_int_eq(bh_client_set_sticker_keywords(cl, second, NULL), BH_OK);
    ck_assert_int_eq(bh_client_set_sticker_mask_position(cl, second, NULL), BH_OK);
    ck_assert_int_eq(bh_client_set_sticker_set_thumbnail(cl, "set_by_emu_bot", USER, &thumb, "static"),
                     BH_OK);
    ck_assert_int_eq(bh_client_set_custom_emoji_sticker_set_thumbnail(cl, "set_by_emu_bot", NULL),
                     BH_OK);
    ck_assert_int_eq(bh_client_delete_sticker_set(cl, "set_by_emu_bot"), BH_OK);
    ck_assert_int_eq(bh_client_get_sticker_set(cl, "set_by_emu_bot", NULL), BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description, "Bad Request: STICKERSET_INVALID");
    /* refused before sending */
    s[0].format = NULL;
    ck_assert_int_eq(bh_client_add_sticker_to_set(cl, USER, "set_by_emu_bot", &s[0]), BH_EINVAL);
    ck_assert_int_eq(bh_client_create_new_sticker_set(cl, USER, "x", "X", s, 0, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_sticker_emoji_list(cl, second, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_sticker_position_in_set(cl, second, -1), BH_EINVAL);
    ck_assert_int_eq(bh_tgfx_calls("addStickerToSet"), 1);
    free(first);
    free(second);
}
END_TEST

START_TEST(gifts_games_reactions)
{
    json_object *o = NULL;
    bh_message *m = NULL, *game = NULL;
    bh_input_file photo = bh_file_memory("JPG", 3, "me.jpg");
    ck_assert_int_eq(bh_client_send_gift(cl, USER, 0, "gift-1", "for you"), BH_OK);
    ck_assert_int_eq(bh_client_send_gift(cl, USER, -100, "gift-1", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_gift_premium_subscription(cl, USER, 3, 1000, NULL), BH_OK);
    ck_assert_int_eq(bh_client_gift_premium_subscription(cl, USER, 5, 1000, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_get_user_gifts(cl, USER, NULL, 10, &o), BH_OK);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "total_count")), 0);
    ck_assert(json_object_is_type(json_object_object_get(o, "gifts"), json_type_array));
    json_object_put(o);
    ck_assert_int_eq(bh_client_get_chat_gifts(cl, USER, "next", 0, &o), BH_OK);
    json_object_put(o);
    /* a game score set on a message of the bot answers that message */
    ck_assert_int_eq(bh_client_send_game(cl, USER, "tetris", NULL, &game), BH_OK);
    ck_assert_int_eq(bh_client_set_game_score(cl, USER, 42, USER, game->message_id, 0, &m), BH_OK);
    ck_assert_int_eq(m->message_id, game->message_id);
    bh_message_free(m);
    ck_assert_int_eq(bh_client_set_game_score(cl, USER, 42, USER, 999, 0, NULL), BH_EAPI);
    ck_assert_int_eq(bh_client_get_game_high_scores(cl, USER, USER, game->message_id, &o), BH_OK);
    ck_assert(json_object_is_type(o, json_type_array));
    json_object_put(o);
    bh_message_free(game);
    ck_assert_int_eq(bh_client_delete_message_reaction(cl, USER, 1, USER, 0), BH_OK);
    ck_assert_int_eq(bh_client_delete_message_reaction(cl, USER, 1, USER, -5), BH_EINVAL);
    ck_assert_int_eq(bh_client_delete_all_message_reactions(cl, USER, 0, -5), BH_OK);
    ck_assert_int_eq(bh_client_set_chat_member_tag(cl, USER, USER, "vip"), BH_OK);
    ck_assert_int_eq(bh_client_set_user_emoji_status(cl, USER, "5368324170671202286", 0), BH_OK);
    ck_assert_int_eq(bh_client_set_my_profile_photo(cl, &photo), BH_OK);
    ck_assert_int_eq(bh_client_remove_my_profile_photo(cl), BH_OK);
    ck_assert_int_eq(bh_tgfx_calls("setMyProfilePhoto"), 1);
}
END_TEST

START_TEST(links_business_checklists)
{
    bh_invite_link link = {0};
    bh_message *m = NULL, *e = NULL;
    int64_t stars = -1, ids[2] = {1, 2};
    json_object *list = json_tokener_parse("{\"title\":\"To do\",\"tasks\":[{\"id\":1,\"text\":\"a\"}]}");
    ck_assert_int_eq(bh_client_create_chat_subscription_invite_link(cl, USER, "club", 2592000, 50, &link),
                     BH_OK);
    ck_assert(!strncmp(link.invite_link, "https://t.me/+", 14));
    bh_invite_link_clear(&link);
    ck_assert_int_eq(bh_client_create_chat_subscription_invite_link(cl, USER, NULL, 86400, 50, &link),
                     BH_EINVAL);
    ck_assert_int_eq(bh_client_edit_chat_subscription_invite_link(cl, USER, "https://t.me/+x", "new",
                                                                  &link),
                     BH_OK);
    bh_invite_link_clear(&link);
    ck_assert_int_eq(bh_client_read_business_message(cl, "biz", USER, 1), BH_OK);
    ck_assert_int_eq(bh_client_delete_business_messages(cl, "biz", ids, 2), BH_OK);
    ck_assert_int_eq(bh_client_delete_business_messages(cl, "biz", ids, 0), BH_EINVAL);
    ck_assert_int_eq(bh_client_set_business_account_name(cl, "biz", "Ann", NULL), BH_OK);
    ck_assert_int_eq(bh_client_set_business_account_username(cl, "biz", "ann"), BH_OK);
    ck_assert_int_eq(bh_client_set_business_account_bio(cl, "biz", NULL), BH_OK);
    ck_assert_int_eq(bh_client_get_business_account_star_balance(cl, "biz", &stars), BH_OK);
    ck_assert_int_eq(stars, 0);
    ck_assert_int_eq(bh_client_transfer_business_account_stars(cl, "biz", 5), BH_OK);
    ck_assert_int_eq(bh_client_transfer_business_account_stars(cl, "", 5), BH_EINVAL);
    ck_assert_int_eq(bh_client_send_checklist(cl, "biz", USER, list, NULL, &m), BH_OK);
    ck_assert_int_gt(m->message_id, 0);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(bh_message_field(m, "checklist"),
                                                                   "title")),
                     "To do");
    ck_assert_int_eq(bh_client_edit_message_checklist(cl, "biz", USER, m->message_id, list, &e),
                     BH_OK);
    ck_assert_int_eq(e->message_id, m->message_id);
    bh_message_free(m);
    bh_message_free(e);
    json_object_put(list);
}
END_TEST

START_TEST(managed_drafts_posts)
{
    char token[64];
    json_object *o = NULL, *errs = json_tokener_parse("[{\"source\":\"data\",\"type\":\"passport\"}]");
    int64_t users[1] = {USER};
    ck_assert_int_eq(bh_client_remove_business_account_profile_photo(cl, "biz", 1), BH_OK);
    ck_assert_int_eq(bh_client_get_business_account_gifts(cl, "biz", NULL, 5, &o), BH_OK);
    ck_assert(json_object_is_type(json_object_object_get(o, "gifts"), json_type_array));
    json_object_put(o);
    ck_assert_int_eq(bh_client_convert_gift_to_stars(cl, "biz", "g1"), BH_OK);
    ck_assert_int_eq(bh_client_upgrade_gift(cl, "biz", "g1", 0), BH_OK);
    ck_assert_int_eq(bh_client_transfer_gift(cl, "biz", "g1", USER, 10), BH_OK);
    ck_assert_int_eq(bh_client_transfer_gift(cl, "biz", "g1", 0, 10), BH_EINVAL);
    ck_assert_int_eq(bh_client_delete_story(cl, "biz", 3), BH_OK);
    ck_assert_int_eq(bh_client_repost_story(cl, "biz", USER, 3, 86400, &o), BH_OK);
    ck_assert_int_gt(json_object_get_int64(json_object_object_get(o, "id")), 0);
    json_object_put(o);
    ck_assert_int_eq(bh_client_get_managed_bot_token(cl, USER, token, sizeof token), BH_OK);
    ck_assert_ptr_nonnull(strchr(token, ':'));
    ck_assert_int_eq(bh_client_replace_managed_bot_token(cl, USER, token, sizeof token), BH_OK);
    ck_assert_int_eq(bh_client_get_managed_bot_access_settings(cl, USER, &o), BH_OK);
    ck_assert(json_object_object_get_ex(o, "is_access_restricted", NULL));
    json_object_put(o);
    ck_assert_int_eq(bh_client_set_managed_bot_access_settings(cl, USER, 1, users, 1), BH_OK);
    ck_assert_int_eq(bh_client_send_message_draft(cl, USER, 7, "typing...", NULL), BH_OK);
    ck_assert_int_eq(bh_client_send_message_draft(cl, USER, 0, "x", NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_delete_ephemeral_message(cl, USER, USER, 2), BH_OK);
    ck_assert_int_eq(bh_client_approve_suggested_post(cl, -100, 5, 0), BH_OK);
    ck_assert_int_eq(bh_client_decline_suggested_post(cl, -100, 5, "no"), BH_OK);
    ck_assert_int_eq(bh_client_get_user_personal_chat_messages(cl, USER, 10, &o), BH_OK);
    ck_assert(json_object_is_type(o, json_type_array));
    json_object_put(o);
    ck_assert_int_eq(bh_client_get_user_personal_chat_messages(cl, USER, 0, &o), BH_EINVAL);
    ck_assert_int_eq(bh_client_get_user_profile_audios(cl, USER, 0, 0, &o), BH_OK);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "total_count")), 0);
    json_object_put(o);
    ck_assert_int_eq(bh_client_edit_user_star_subscription(cl, USER, "charge", 1), BH_OK);
    ck_assert_int_eq(bh_client_set_passport_data_errors(cl, USER, errs), BH_OK);
    ck_assert_int_eq(bh_client_set_passport_data_errors(cl, USER, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_answer_chat_join_request_query(cl, "q1", "approve"), BH_OK);
    ck_assert_int_eq(bh_client_send_chat_join_request_web_app(cl, "q1", "https://example.org"), BH_OK);
    ck_assert_int_eq(bh_client_send_chat_join_request_web_app(cl, "", "https://example.org"), BH_EINVAL);
    ck_assert_int_eq(bh_tgfx_calls("setPassportDataErrors"), 1);
    json_object_put(errs);
}
END_TEST

START_TEST(newer_sends_and_edits)
{
    bh_message *m = NULL;
    json_object *o = NULL, *rich = json_tokener_parse("{\"markdown\":\"**hi**\"}");
    json_object *gifts = json_tokener_parse("{\"unlimited_gifts\":true}");
    json_object *button = json_tokener_parse("{\"text\":\"Pick\",\"request_users\":{\"request_id\":1}}");
    json_object *result = json_tokener_parse("{\"type\":\"article\",\"id\":\"1\",\"title\":\"t\"}");
    bh_input_file video = bh_file_memory("MP4", 3, "v.mp4"), photo = bh_file_memory("JPG", 3, "p.jpg");
    bh_input_media paid[2] = {{.type = "photo", .file = photo}, {.type = "video", .file = bh_file_id("BAAC")}};
    bh_send_options opt = {.parse_mode = "HTML"};
    char id[64];
    ck_assert_int_eq(bh_client_send_live_photo(cl, USER, &video, &photo, "live", NULL, &m), BH_OK);
    ck_assert_str_eq(json_object_get_string(bh_message_field(m, "caption")), "live");
    ck_assert_ptr_nonnull(json_object_object_get(bh_message_field(m, "live_photo"), "file_id"));
    ck_assert(json_object_is_type(bh_message_field(m, "photo"), json_type_array));
    bh_message_free(m);
    /* files named by id must exist, as for the sends with a handler */
    bh_input_file nobody = bh_file_id("no-such-file");
    ck_assert_int_eq(bh_client_send_live_photo(cl, USER, &nobody, &photo, NULL, NULL, NULL), BH_EAPI);
    ck_assert_str_eq(bh_client_last_error(cl)->description,
                     "Bad Request: wrong file identifier/HTTP URL specified");
    ck_assert_int_eq(bh_client_send_paid_media(cl, USER, 25, paid, 2, "pay", NULL, &m), BH_OK);
    ck_assert_int_gt(m->message_id, 0);
    bh_message_free(m);
    paid[1].type = "audio";
    ck_assert_int_eq(bh_client_send_paid_media(cl, USER, 25, paid, 2, NULL, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_send_paid_media(cl, USER, 0, paid, 1, NULL, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_send_rich_message(cl, USER, rich, NULL, &m), BH_OK);
    bh_message_free(m);
    ck_assert_int_eq(bh_client_send_rich_message_draft(cl, USER, 4, rich), BH_OK);
    ck_assert_int_eq(bh_client_answer_guest_query(cl, "gq", result, id, sizeof id), BH_OK);
    ck_assert(*id);
    ck_assert_int_eq(bh_client_save_prepared_keyboard_button(cl, USER, button, id, sizeof id), BH_OK);
    ck_assert(*id);
    ck_assert_int_eq(bh_client_edit_ephemeral_message_text(cl, USER, USER, 3, "<b>new</b>", &opt), BH_OK);
    ck_assert_int_eq(bh_client_edit_ephemeral_message_text(cl, USER, USER, 3, "", &opt), BH_EINVAL);
    ck_assert_int_eq(bh_client_edit_ephemeral_message_caption(cl, USER, USER, 3, NULL, NULL), BH_OK);
    ck_assert_int_eq(bh_client_edit_ephemeral_message_reply_markup(cl, USER, USER, 3, NULL), BH_OK);
    ck_assert_int_eq(bh_client_edit_ephemeral_message_media(cl, USER, USER, 3, &paid[0]), BH_OK);
    ck_assert_int_eq(bh_client_set_business_account_profile_photo(cl, "biz", &photo, 0), BH_OK);
    ck_assert_int_eq(bh_client_set_business_account_gift_settings(cl, "biz", 1, gifts), BH_OK);
    ck_assert_int_eq(bh_client_post_story(cl, "biz", &video, 1, 86400, "story", &o), BH_OK);
    ck_assert_int_gt(json_object_get_int64(json_object_object_get(o, "id")), 0);
    json_object_put(o);
    ck_assert_int_eq(bh_client_post_story(cl, "biz", &video, 1, 0, NULL, NULL), BH_EINVAL);
    ck_assert_int_eq(bh_client_edit_story(cl, "biz", 9, &photo, 0, NULL, &o), BH_OK);
    json_object_put(o);
    ck_assert_int_eq(bh_tgfx_calls("sendLivePhoto"), 2);
    ck_assert_int_eq(bh_tgfx_calls("sendPaidMedia"), 1);
    json_object_put(rich);
    json_object_put(gifts);
    json_object_put(button);
    json_object_put(result);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tg_more");
    bh_tgfx_use(&emu, &cl, TOKEN, USER);
    bh_tgfx_add(s, "sticker_sets", sticker_sets);
    bh_tgfx_add(s, "gifts_games_reactions", gifts_games_reactions);
    bh_tgfx_add(s, "links_business_checklists", links_business_checklists);
    bh_tgfx_add(s, "managed_drafts_posts", managed_drafts_posts);
    bh_tgfx_add(s, "newer_sends_and_edits", newer_sends_and_edits);
    return bh_test_run_suite(s);
}
