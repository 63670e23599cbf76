/*
 * Lazy views: every update kind by name, a Message's fields beyond text,
 * entities over emoji and non-BMP characters, the other update objects;
 * absent and wrongly typed fields read as absent. Also update ids that
 * cannot be followed and texts with a NUL byte (issue 15).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/telegram.h"
#include "testutil.h"

static bh_update *parse_ok(const char *text)
{
    json_object *o = json_tokener_parse(text);
    bh_update *u = NULL;
    ck_assert_msg(o != NULL, "test JSON invalid: %s", text);
    ck_assert_int_eq(bh_update_parse(o, &u), BH_OK);
    json_object_put(o);
    return u;
}

/* A message update with the given fields after message_id and chat. */
static bh_update *message_with(const char *fields)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"update_id\":1,\"message\":{\"message_id\":7,\"date\":1,"
             "\"chat\":{\"id\":-100,\"type\":\"group\"},%s}}", fields);
    return parse_ok(buf);
}

START_TEST(every_kind_has_a_name)
{
    static const char *names[] = {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "guest_message", "stopped_message_generation",
        "message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
        "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
        "poll", "poll_answer", "my_chat_member", "chat_member", "chat_join_request",
        "chat_boost", "removed_chat_boost", "managed_bot", "subscription"};
    ck_assert_int_eq(sizeof names / sizeof *names, 27);
    ck_assert_int_eq(BH_UPDATE_KIND_COUNT, 28);
    for (size_t i = 0; i < 27; i++) {
        bh_update_kind k = bh_update_kind_from_name(names[i]);
        ck_assert_msg(k != BH_UPDATE_OTHER, "%s unknown", names[i]);
        ck_assert_str_eq(bh_update_kind_name(k), names[i]);
    }
    ck_assert_int_eq(bh_update_kind_from_name("no_such_kind"), BH_UPDATE_OTHER);
    ck_assert_int_eq(bh_update_kind_from_name(NULL), BH_UPDATE_OTHER);
    ck_assert_str_eq(bh_update_kind_name((bh_update_kind)999), "other");
}
END_TEST

START_TEST(kinds_parse_with_their_object)
{
    bh_update *u = parse_ok("{\"update_id\":3,\"chat_member\":{\"chat\":{\"id\":-5}}}");
    ck_assert_int_eq(u->kind, BH_UPDATE_CHAT_MEMBER);
    ck_assert_str_eq(u->kind_key, "chat_member");
    ck_assert_ptr_nonnull(bh_update_object(u));
    ck_assert_ptr_null(u->message);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":4,\"business_message\":{\"message_id\":1,"
                 "\"chat\":{\"id\":9},\"text\":\"hi\"}}");
    ck_assert_int_eq(u->kind, BH_UPDATE_BUSINESS_MESSAGE);
    ck_assert_ptr_nonnull(u->message);
    ck_assert_str_eq(u->message->text, "hi");
    bh_update_free(u);

    /* A known kind whose object is not an object is malformed. */
    json_object *o = json_tokener_parse("{\"update_id\":5,\"poll\":7}");
    ck_assert_int_eq(bh_update_parse(o, &u), BH_EPROTO);
    json_object_put(o);
}
END_TEST

START_TEST(update_id_that_cannot_be_followed_is_refused)
{
    json_object *o = json_tokener_parse(
        "[{\"update_id\":5,\"message\":{\"message_id\":1,\"chat\":{\"id\":1}}},"
        "{\"update_id\":9223372036854775807,\"message\":{\"message_id\":2,\"chat\":{\"id\":1}}}]");
    bh_update_batch b;
    ck_assert_int_eq(bh_updates_parse(o, &b), BH_OK);
    ck_assert_uint_eq(b.count, 1);
    ck_assert_uint_eq(b.skipped, 1);
    ck_assert(b.next_offset == 6);
    bh_update_batch_free(&b);
    json_object_put(o);

    bh_update *u;
    o = json_tokener_parse("{\"update_id\":9223372036854775807,\"poll\":{}}");
    ck_assert_int_eq(bh_update_parse(o, &u), BH_EPROTO);
    json_object_put(o);
    o = json_tokener_parse("{\"update_id\":-3,\"poll\":{}}");
    ck_assert_int_eq(bh_update_parse(o, &u), BH_EPROTO);
    json_object_put(o);
    o = json_tokener_parse("{\"update_id\":9223372036854775806,\"poll\":{}}");
    ck_assert_int_eq(bh_update_parse(o, &u), BH_OK);
    bh_update_free(u);
    json_object_put(o);
}
END_TEST

START_TEST(text_with_nul_is_refused_not_cut)
{
    bh_update *u = message_with("\"text\":\"/ban\\u0000 everyone\"");
    ck_assert_ptr_null(u->message->text);
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);
    u = message_with("\"caption\":\"a\\u0000b\"");
    ck_assert_ptr_null(bh_message_caption(u->message, NULL));
    bh_update_free(u);
}
END_TEST

START_TEST(command_in_caption)
{
    bh_update *u = message_with(
        "\"photo\":[{\"file_id\":\"a\",\"file_unique_id\":\"A\",\"width\":90,\"height\":60}],"
        "\"caption\":\"/resize@hivebot 50%\","
        "\"caption_entities\":[{\"type\":\"bot_command\",\"offset\":0,\"length\":15}]");
    ck_assert_ptr_null(u->message->text);
    ck_assert_str_eq(u->message->command, "resize");
    ck_assert_str_eq(u->message->command_bot, "hivebot");
    ck_assert_str_eq(u->message->command_args, "50%");
    bh_update_free(u);
    /* A caption's command is not the text's. */
    u = message_with("\"text\":\"hello\",\"caption\":\"/x\"");
    ck_assert_ptr_null(u->message->command);
    bh_update_free(u);
}
END_TEST

START_TEST(utf16_ranges)
{
    /* "a😀b": 'a' 1 unit, the emoji 2 units (4 bytes), 'b' 1 unit. */
    const char *t = "a\xf0\x9f\x98\x80" "b";
    size_t off, len;
    ck_assert_uint_eq(bh_utf16_length(t, strlen(t)), 4);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), 1, 2, &off, &len), BH_OK);
    ck_assert_uint_eq(off, 1);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), 3, 1, &off, &len), BH_OK);
    ck_assert_uint_eq(off, 5);
    ck_assert_uint_eq(len, 1);
    /* Half of the surrogate pair: widened to the whole character. */
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), 2, 1, &off, &len), BH_OK);
    ck_assert_uint_eq(off, 1);
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), 4, 0, &off, &len), BH_OK);
    ck_assert_uint_eq(off, 6);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), 3, 2, &off, &len), BH_EINVAL);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), -1, 1, &off, &len), BH_EINVAL);
    ck_assert_int_eq(bh_utf16_range(t, strlen(t), INT64_MAX, 1, &off, &len), BH_EINVAL);
    /* "é" is two bytes, one unit; "中" three bytes, one unit. */
    ck_assert_uint_eq(bh_utf16_length("\xc3\xa9\xe4\xb8\xad", 5), 2);
}
END_TEST

START_TEST(entities_over_emoji)
{
    /* "👍 go to https://x.io #tag": the url starts after the emoji (2 units). */
    bh_update *u = message_with(
        "\"text\":\"\xf0\x9f\x91\x8d go \xf0\x9d\x90\x80 https://x.io #tag\","
        "\"entities\":[{\"type\":\"url\",\"offset\":9,\"length\":12},"
        "{\"type\":\"hashtag\",\"offset\":22,\"length\":4},"
        "{\"type\":\"text_mention\",\"offset\":0,\"length\":2,\"user\":{\"id\":42,\"first_name\":\"Z\"}},"
        "{\"type\":\"bold\",\"offset\":90,\"length\":1},"
        "{\"type\":7,\"offset\":0,\"length\":1}]");
    const bh_message *m = u->message;
    bh_entity e;
    const char *s;
    size_t n;
    ck_assert_uint_eq(bh_message_entity_count(m, 0), 5);
    ck_assert_uint_eq(bh_message_entity_count(m, 1), 0);
    ck_assert_int_eq(bh_message_entity(m, 0, 0, &e), BH_OK);
    ck_assert_str_eq(e.type, "url");
    ck_assert_int_eq(bh_message_entity_text(m, 0, &e, &s, &n), BH_OK);
    ck_assert_int_eq((int)n, 12);
    ck_assert(!memcmp(s, "https://x.io", 12));
    ck_assert_int_eq(bh_message_entity(m, 0, 1, &e), BH_OK);
    ck_assert_int_eq(bh_message_entity_text(m, 0, &e, &s, &n), BH_OK);
    ck_assert(n == 4 && !memcmp(s, "#tag", 4));
    ck_assert_int_eq(bh_message_entity(m, 0, 2, &e), BH_OK);
    ck_assert_int_eq(e.has_user, 1);
    ck_assert(e.user.id == 42);
    ck_assert_int_eq(bh_message_entity_text(m, 0, &e, &s, &n), BH_OK);
    ck_assert(n == 4 && !memcmp(s, "\xf0\x9f\x91\x8d", 4));
    /* Out of the text, and a type that is not a string: absent. */
    ck_assert_int_eq(bh_message_entity(m, 0, 3, &e), BH_ENOTFOUND);
    ck_assert_ptr_null(e.type);
    ck_assert_int_eq(bh_message_entity(m, 0, 4, &e), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_entity(m, 0, 5, &e), BH_ENOTFOUND);
    bh_update_free(u);
}
END_TEST

START_TEST(caption_entities)
{
    bh_update *u = message_with(
        "\"document\":{\"file_id\":\"d\",\"file_unique_id\":\"D\",\"file_name\":\"r.pdf\","
        "\"mime_type\":\"application/pdf\",\"file_size\":1234},"
        "\"caption\":\"\xf0\x9f\x93\x84 report\",\"caption_entities\":"
        "[{\"type\":\"italic\",\"offset\":3,\"length\":6}]");
    const bh_message *m = u->message;
    bh_entity e;
    bh_media d;
    const char *s;
    size_t n;
    ck_assert_str_eq(bh_message_caption(m, &n), "\xf0\x9f\x93\x84 report");
    ck_assert_uint_eq(n, 11);
    ck_assert_int_eq(bh_message_entity(m, 1, 0, &e), BH_OK);
    ck_assert_int_eq(bh_message_entity_text(m, 1, &e, &s, &n), BH_OK);
    ck_assert(n == 6 && !memcmp(s, "report", 6));
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_DOCUMENT, &d), BH_OK);
    ck_assert_str_eq(d.file_name, "r.pdf");
    ck_assert_str_eq(d.mime_type, "application/pdf");
    ck_assert(d.file_size == 1234);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_VIDEO, &d), BH_ENOTFOUND);
    ck_assert_ptr_null(d.file_id);
    bh_update_free(u);
}
END_TEST

START_TEST(media_of_every_kind)
{
    bh_update *u = message_with(
        "\"photo\":[{\"file_id\":\"s\",\"file_unique_id\":\"S\",\"width\":90,\"height\":60},"
        "{\"file_id\":\"l\",\"file_unique_id\":\"L\",\"width\":1280,\"height\":853,\"file_size\":99},"
        "{\"file_id\":5}],"
        "\"animation\":{\"file_id\":\"an\",\"file_unique_id\":\"AN\",\"width\":1,\"height\":2,\"duration\":3},"
        "\"audio\":{\"file_id\":\"au\",\"file_unique_id\":\"AU\",\"duration\":200,"
        "\"performer\":\"P\",\"title\":\"T\"},"
        "\"video\":{\"file_id\":\"v\",\"file_unique_id\":\"V\",\"width\":640,\"height\":480,\"duration\":9},"
        "\"video_note\":{\"file_id\":\"vn\",\"file_unique_id\":\"VN\",\"length\":240,\"duration\":5},"
        "\"voice\":{\"file_id\":\"vo\",\"file_unique_id\":\"VO\",\"duration\":4,\"mime_type\":\"audio/ogg\"},"
        "\"sticker\":{\"file_id\":\"st\",\"file_unique_id\":\"ST\",\"type\":\"regular\",\"width\":512,"
        "\"height\":512,\"is_animated\":true,\"is_video\":false,\"emoji\":\"\xf0\x9f\x98\x80\","
        "\"set_name\":\"pack\"}");
    const bh_message *m = u->message;
    bh_media p;
    ck_assert_uint_eq(bh_message_photo_count(m), 3);
    ck_assert_int_eq(bh_message_photo(m, 1, &p), BH_OK);
    ck_assert_str_eq(p.file_id, "l");
    ck_assert(p.width == 1280 && p.height == 853 && p.file_size == 99);
    ck_assert_int_eq(bh_message_photo(m, 2, &p), BH_ENOTFOUND); /* file_id not a string */
    ck_assert_int_eq(bh_message_photo(m, 3, &p), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_ANIMATION, &p), BH_OK);
    ck_assert(p.duration == 3);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_AUDIO, &p), BH_OK);
    ck_assert_str_eq(p.performer, "P");
    ck_assert_str_eq(p.title, "T");
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_VIDEO, &p), BH_OK);
    ck_assert(p.width == 640);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_VIDEO_NOTE, &p), BH_OK);
    ck_assert(p.length == 240);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_VOICE, &p), BH_OK);
    ck_assert_str_eq(p.mime_type, "audio/ogg");
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_STICKER, &p), BH_OK);
    ck_assert_str_eq(p.emoji, "\xf0\x9f\x98\x80");
    ck_assert_str_eq(p.set_name, "pack");
    ck_assert_str_eq(p.sticker_type, "regular");
    ck_assert(p.is_animated == 1 && p.is_video == 0);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_DOCUMENT, &p), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_media(m, (bh_media_kind)99, &p), BH_EINVAL);
    bh_update_free(u);
}
END_TEST

START_TEST(contact_dice_location_venue_poll)
{
    bh_update *u = message_with(
        "\"contact\":{\"phone_number\":\"+39\",\"first_name\":\"Ada\",\"user_id\":5},"
        "\"dice\":{\"emoji\":\"\xf0\x9f\x8e\xb2\",\"value\":6},"
        "\"location\":{\"latitude\":45.5,\"longitude\":9,\"live_period\":60,\"heading\":90},"
        "\"venue\":{\"location\":{\"latitude\":1.5,\"longitude\":2.5},\"title\":\"Bar\","
        "\"address\":\"Via 1\",\"foursquare_id\":\"f\"},"
        "\"poll\":{\"id\":\"p1\",\"question\":\"Tea?\",\"options\":[{\"text\":\"Yes\",\"voter_count\":3},"
        "{\"text\":\"No\",\"voter_count\":1}],\"total_voter_count\":4,\"is_closed\":false,"
        "\"is_anonymous\":true,\"type\":\"quiz\",\"allows_multiple_answers\":false,\"correct_option_id\":0}");
    const bh_message *m = u->message;
    bh_contact c;
    bh_dice d;
    bh_location l;
    bh_venue v;
    bh_poll p;
    const char *t;
    int64_t votes;
    ck_assert_int_eq(bh_message_contact(m, &c), BH_OK);
    ck_assert_str_eq(c.phone_number, "+39");
    ck_assert_ptr_null(c.last_name);
    ck_assert(c.user_id == 5);
    ck_assert_int_eq(bh_message_dice(m, &d), BH_OK);
    ck_assert(d.value == 6);
    ck_assert_int_eq(bh_message_location(m, &l), BH_OK);
    ck_assert(l.latitude == 45.5 && l.longitude == 9.0 && l.live_period == 60 && l.heading == 90);
    ck_assert_int_eq(bh_message_venue(m, &v), BH_OK);
    ck_assert_str_eq(v.title, "Bar");
    ck_assert(v.location.longitude == 2.5);
    ck_assert_str_eq(v.foursquare_id, "f");
    ck_assert_ptr_null(v.google_place_id);
    ck_assert_int_eq(bh_message_poll(m, &p), BH_OK);
    ck_assert_str_eq(p.question, "Tea?");
    ck_assert_uint_eq(p.option_count, 2);
    ck_assert(p.total_voter_count == 4 && p.is_anonymous && p.correct_option_id == 0);
    ck_assert_int_eq(bh_poll_option(&p, 1, &t, &votes), BH_OK);
    ck_assert_str_eq(t, "No");
    ck_assert(votes == 1);
    ck_assert_int_eq(bh_poll_option(&p, 2, &t, &votes), BH_ENOTFOUND);
    bh_update_free(u);
}
END_TEST

START_TEST(service_messages)
{
    bh_update *u = message_with(
        "\"new_chat_members\":[{\"id\":1,\"first_name\":\"A\"},{\"id\":\"x\"},{\"id\":3,\"first_name\":\"C\"}],"
        "\"left_chat_member\":{\"id\":4,\"first_name\":\"D\"},\"new_chat_title\":\"Hive\","
        "\"group_chat_created\":true,\"delete_chat_photo\":\"yes\",\"migrate_to_chat_id\":-1001,"
        "\"message_auto_delete_timer_changed\":{\"message_auto_delete_time\":86400},"
        "\"media_group_id\":\"g1\",\"message_thread_id\":12,\"is_topic_message\":true,"
        "\"sender_chat\":{\"id\":-77,\"type\":\"channel\",\"title\":\"News\"},"
        "\"via_bot\":{\"id\":88,\"is_bot\":true,\"first_name\":\"B\"},"
        "\"pinned_message\":{\"message_id\":3}");
    const bh_message *m = u->message;
    bh_user usr;
    bh_chat chat;
    ck_assert_uint_eq(bh_message_new_member_count(m), 3);
    ck_assert_int_eq(bh_message_new_member(m, 0, &usr), BH_OK);
    ck_assert_str_eq(usr.first_name, "A");
    ck_assert_int_eq(bh_message_new_member(m, 1, &usr), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_new_member(m, 2, &usr), BH_OK);
    ck_assert(usr.id == 3);
    ck_assert_int_eq(bh_message_left_member(m, &usr), BH_OK);
    ck_assert(usr.id == 4);
    ck_assert_str_eq(bh_message_new_chat_title(m), "Hive");
    ck_assert_int_eq(bh_message_flag_get(m, BH_MSG_GROUP_CHAT_CREATED), 1);
    ck_assert_int_eq(bh_message_flag_get(m, BH_MSG_DELETE_CHAT_PHOTO), 0); /* not a boolean */
    ck_assert_int_eq(bh_message_flag_get(m, BH_MSG_IS_TOPIC_MESSAGE), 1);
    ck_assert(bh_message_int_get(m, BH_MSG_MIGRATE_TO_CHAT_ID) == -1001);
    ck_assert(bh_message_int_get(m, BH_MSG_MIGRATE_FROM_CHAT_ID) == 0);
    ck_assert(bh_message_int_get(m, BH_MSG_AUTO_DELETE_TIME) == 86400);
    ck_assert(bh_message_int_get(m, BH_MSG_MESSAGE_THREAD_ID) == 12);
    ck_assert_str_eq(bh_message_str_get(m, BH_MSG_MEDIA_GROUP_ID), "g1");
    ck_assert_ptr_null(bh_message_str_get(m, BH_MSG_AUTHOR_SIGNATURE));
    ck_assert_int_eq(bh_message_sender_chat(m, &chat), BH_OK);
    ck_assert_str_eq(chat.title, "News");
    ck_assert_int_eq(bh_message_via_bot(m, &usr), BH_OK);
    ck_assert(usr.is_bot && usr.id == 88);
    ck_assert_ptr_nonnull(bh_message_field(m, "pinned_message"));
    ck_assert_ptr_null(bh_message_field(m, "web_app_data"));
    bh_update_free(u);
}
END_TEST

/* Every accessor on a message without those fields, or with them of the
 * wrong type, reads as absent. */
START_TEST(absent_and_wrong_types)
{
    bh_update *u = message_with(
        "\"caption\":5,\"photo\":{},\"audio\":[],\"contact\":{\"phone_number\":1},"
        "\"dice\":{\"emoji\":\"x\",\"value\":\"6\"},\"location\":{\"latitude\":\"1\",\"longitude\":2},"
        "\"venue\":{\"title\":\"t\"},\"poll\":[],\"new_chat_members\":{},\"left_chat_member\":7,"
        "\"entities\":{},\"sender_chat\":{\"id\":1.5}");
    const bh_message *m = u->message;
    bh_media me;
    bh_contact c;
    bh_dice d;
    bh_location l;
    bh_venue v;
    bh_poll p;
    bh_user usr;
    bh_chat chat;
    bh_entity e;
    ck_assert_ptr_null(bh_message_caption(m, NULL));
    ck_assert_uint_eq(bh_message_photo_count(m), 0);
    ck_assert_int_eq(bh_message_photo(m, 0, &me), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_media(m, BH_MEDIA_AUDIO, &me), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_contact(m, &c), BH_ENOTFOUND);
    ck_assert_ptr_null(c.first_name);
    ck_assert_int_eq(bh_message_dice(m, &d), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_location(m, &l), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_venue(m, &v), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_poll(m, &p), BH_ENOTFOUND);
    ck_assert_uint_eq(bh_message_new_member_count(m), 0);
    ck_assert_int_eq(bh_message_left_member(m, &usr), BH_ENOTFOUND);
    ck_assert_uint_eq(bh_message_entity_count(m, 0), 0);
    ck_assert_int_eq(bh_message_entity(m, 0, 0, &e), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_sender_chat(m, &chat), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_via_bot(m, &usr), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_flag_get(m, (bh_message_flag)-1), 0);
    ck_assert(bh_message_int_get(m, BH_MSG_INT_COUNT) == 0);
    ck_assert_ptr_null(bh_message_str_get(NULL, BH_MSG_MEDIA_GROUP_ID));
    ck_assert_int_eq(bh_message_contact(NULL, &c), BH_EINVAL);
    ck_assert_int_eq(bh_message_entity(m, 0, 0, NULL), BH_EINVAL);
    bh_update_free(u);
}
END_TEST

START_TEST(inline_views)
{
    bh_update *u = parse_ok(
        "{\"update_id\":2,\"inline_query\":{\"id\":\"q1\",\"from\":{\"id\":5,\"first_name\":\"A\"},"
        "\"query\":\"abc\",\"offset\":\"50\",\"chat_type\":\"private\","
        "\"location\":{\"latitude\":1,\"longitude\":2}}}");
    bh_inline_query q;
    ck_assert_int_eq(bh_inline_query_view(bh_update_object(u), &q), BH_OK);
    ck_assert_str_eq(q.id, "q1");
    ck_assert(q.from.id == 5);
    ck_assert_str_eq(q.query, "abc");
    ck_assert_str_eq(q.offset, "50");
    ck_assert_str_eq(q.chat_type, "private");
    ck_assert(q.has_location && q.location.longitude == 2.0);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":3,\"chosen_inline_result\":{\"result_id\":\"r\","
                 "\"from\":{\"id\":5},\"query\":\"abc\",\"inline_message_id\":\"IM\"}}");
    bh_chosen_inline_result r;
    ck_assert_int_eq(bh_chosen_inline_result_view(bh_update_object(u), &r), BH_OK);
    ck_assert_str_eq(r.result_id, "r");
    ck_assert_str_eq(r.inline_message_id, "IM");
    ck_assert_int_eq(r.has_location, 0);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":4,\"callback_query\":{\"id\":\"c\",\"from\":{\"id\":5},"
                 "\"inline_message_id\":\"IM\",\"chat_instance\":\"ci\",\"game_short_name\":\"g\"}}");
    ck_assert_str_eq(u->callback_query->game_short_name, "g");
    bh_callback_query cq;
    ck_assert_int_eq(bh_callback_query_view(bh_update_object(u), &cq), BH_OK);
    ck_assert_str_eq(cq.inline_message_id, "IM");
    ck_assert_ptr_null(cq.data);
    bh_update_free(u);

    json_object *bad = json_tokener_parse("{\"id\":\"q\",\"from\":{\"id\":\"5\"}}");
    ck_assert_int_eq(bh_inline_query_view(bad, &q), BH_ENOTFOUND);
    ck_assert_ptr_null(q.id);
    ck_assert_int_eq(bh_inline_query_view(NULL, &q), BH_EINVAL);
    json_object_put(bad);
}
END_TEST

START_TEST(member_views)
{
    bh_update *u = parse_ok(
        "{\"update_id\":5,\"chat_member\":{\"chat\":{\"id\":-9,\"type\":\"supergroup\"},"
        "\"from\":{\"id\":6},\"date\":100,\"old_chat_member\":{\"status\":\"left\",\"user\":{\"id\":6}},"
        "\"new_chat_member\":{\"status\":\"member\",\"user\":{\"id\":6,\"first_name\":\"Eve\"}},"
        "\"via_join_request\":true}}");
    bh_chat_member_updated cm;
    ck_assert_int_eq(bh_chat_member_updated_view(bh_update_object(u), &cm), BH_OK);
    ck_assert(cm.chat.id == -9);
    ck_assert_str_eq(cm.old_status, "left");
    ck_assert_str_eq(cm.new_status, "member");
    ck_assert_str_eq(cm.member.first_name, "Eve");
    ck_assert(cm.via_join_request && bh_chat_member_joined(&cm) && !bh_chat_member_left(&cm));
    bh_update_free(u);

    u = parse_ok("{\"update_id\":6,\"chat_member\":{\"chat\":{\"id\":-9},\"from\":{\"id\":6},"
                 "\"old_chat_member\":{\"status\":\"restricted\",\"is_member\":true,\"user\":{\"id\":6}},"
                 "\"new_chat_member\":{\"status\":\"kicked\",\"until_date\":9,\"user\":{\"id\":6}}}}");
    ck_assert_int_eq(bh_chat_member_updated_view(bh_update_object(u), &cm), BH_OK);
    ck_assert(bh_chat_member_left(&cm) && !bh_chat_member_joined(&cm) && cm.until_date == 9);
    ck_assert_int_eq(bh_chat_member_flag(cm.old_member, "is_member"), 1);
    ck_assert_int_eq(bh_chat_member_flag(cm.new_member, "is_member"), 0);
    ck_assert_ptr_null(cm.new_custom_title);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":6,\"chat_member\":{\"chat\":{\"id\":-9},\"from\":{\"id\":1},"
                 "\"old_chat_member\":{\"status\":\"member\",\"user\":{\"id\":6}},"
                 "\"new_chat_member\":{\"status\":\"administrator\",\"user\":{\"id\":6},"
                 "\"custom_title\":\"Boss\",\"can_delete_messages\":true,\"is_anonymous\":false},"
                 "\"invite_link\":{\"invite_link\":\"https://t.me/+y\"}}}");
    ck_assert_int_eq(bh_chat_member_updated_view(bh_update_object(u), &cm), BH_OK);
    ck_assert(!bh_chat_member_joined(&cm) && !bh_chat_member_left(&cm));
    ck_assert_str_eq(cm.new_custom_title, "Boss");
    ck_assert_str_eq(cm.invite_link, "https://t.me/+y");
    ck_assert_int_eq(bh_chat_member_flag(cm.new_member, "can_delete_messages"), 1);
    ck_assert_int_eq(bh_chat_member_flag(cm.new_member, "is_anonymous"), 0);
    ck_assert_int_eq(bh_chat_member_flag(NULL, "is_anonymous"), 0);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":7,\"chat_join_request\":{\"chat\":{\"id\":-9},\"from\":{\"id\":8},"
                 "\"user_chat_id\":8,\"date\":5,\"bio\":\"hi\",\"invite_link\":{\"invite_link\":\"https://t.me/+x\"}}}");
    bh_chat_join_request jr;
    ck_assert_int_eq(bh_chat_join_request_view(bh_update_object(u), &jr), BH_OK);
    ck_assert(jr.from.id == 8 && jr.user_chat_id == 8);
    ck_assert_str_eq(jr.bio, "hi");
    ck_assert_str_eq(jr.invite_link, "https://t.me/+x");
    bh_update_free(u);

    json_object *bad = json_tokener_parse("{\"chat\":{\"id\":1},\"from\":{\"id\":2}}");
    ck_assert_int_eq(bh_chat_member_updated_view(bad, &cm), BH_ENOTFOUND);
    json_object_put(bad);
}
END_TEST

START_TEST(reaction_views)
{
    bh_update *u = parse_ok(
        "{\"update_id\":8,\"message_reaction\":{\"chat\":{\"id\":-9},\"message_id\":4,"
        "\"user\":{\"id\":6},\"date\":1,\"old_reaction\":[],"
        "\"new_reaction\":[{\"type\":\"emoji\",\"emoji\":\"\xf0\x9f\x91\x8d\"},"
        "{\"type\":\"custom_emoji\",\"custom_emoji_id\":\"123\"},{\"type\":\"paid\"}]}}");
    bh_message_reaction_updated r;
    bh_reaction x;
    ck_assert_int_eq(bh_message_reaction_updated_view(bh_update_object(u), &r), BH_OK);
    ck_assert(r.message_id == 4 && r.has_user && r.user.id == 6 && !r.has_actor_chat);
    ck_assert_uint_eq(r.old_count, 0);
    ck_assert_uint_eq(r.new_count, 3);
    ck_assert_int_eq(bh_message_reaction_get(&r, 1, 0, &x), BH_OK);
    ck_assert_str_eq(x.emoji, "\xf0\x9f\x91\x8d");
    ck_assert_int_eq(bh_message_reaction_get(&r, 1, 1, &x), BH_OK);
    ck_assert_str_eq(x.custom_emoji_id, "123");
    ck_assert_int_eq(bh_message_reaction_get(&r, 1, 2, &x), BH_OK);
    ck_assert_str_eq(x.type, "paid");
    ck_assert_ptr_null(x.emoji);
    ck_assert_int_eq(bh_message_reaction_get(&r, 0, 0, &x), BH_ENOTFOUND);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":9,\"message_reaction_count\":{\"chat\":{\"id\":-9},\"message_id\":4,"
                 "\"date\":1,\"reactions\":[{\"type\":{\"type\":\"emoji\",\"emoji\":\"x\"},\"total_count\":5}]}}");
    bh_message_reaction_count_updated c;
    ck_assert_int_eq(bh_message_reaction_count_updated_view(bh_update_object(u), &c), BH_OK);
    ck_assert_uint_eq(c.count, 1);
    ck_assert_int_eq(bh_message_reaction_count_get(&c, 0, &x), BH_OK);
    ck_assert(x.total_count == 5);
    ck_assert_str_eq(x.emoji, "x");
    bh_update_free(u);
}
END_TEST

START_TEST(poll_payment_boost_views)
{
    bh_update *u = parse_ok("{\"update_id\":10,\"poll_answer\":{\"poll_id\":\"p1\","
                            "\"user\":{\"id\":6},\"option_ids\":[1,\"x\",2]}}");
    bh_poll_answer a;
    ck_assert_int_eq(bh_poll_answer_view(bh_update_object(u), &a), BH_OK);
    ck_assert_str_eq(a.poll_id, "p1");
    ck_assert_uint_eq(a.option_count, 3);
    ck_assert(bh_poll_answer_option(&a, 0) == 1 && bh_poll_answer_option(&a, 1) == -1 &&
              bh_poll_answer_option(&a, 2) == 2 && bh_poll_answer_option(&a, 3) == -1);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":11,\"poll\":{\"id\":\"p1\",\"question\":\"Q\",\"options\":[],"
                 "\"is_closed\":true}}");
    bh_poll p;
    ck_assert_int_eq(bh_poll_view(bh_update_object(u), &p), BH_OK);
    ck_assert(p.is_closed && p.correct_option_id == -1);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":12,\"shipping_query\":{\"id\":\"s\",\"from\":{\"id\":6},"
                 "\"invoice_payload\":\"pl\",\"shipping_address\":{\"country_code\":\"IT\","
                 "\"city\":\"Roma\",\"street_line1\":\"Via\",\"post_code\":\"00100\"}}}");
    bh_shipping_query s;
    ck_assert_int_eq(bh_shipping_query_view(bh_update_object(u), &s), BH_OK);
    ck_assert_str_eq(s.country_code, "IT");
    ck_assert_str_eq(s.state, "");
    bh_update_free(u);

    u = parse_ok("{\"update_id\":13,\"pre_checkout_query\":{\"id\":\"pc\",\"from\":{\"id\":6},"
                 "\"currency\":\"EUR\",\"total_amount\":1050,\"invoice_payload\":\"pl\"}}");
    bh_pre_checkout_query pc;
    ck_assert_int_eq(bh_pre_checkout_query_view(bh_update_object(u), &pc), BH_OK);
    ck_assert(pc.total_amount == 1050);
    ck_assert_ptr_null(pc.shipping_option_id);
    bh_update_free(u);

    u = parse_ok("{\"update_id\":14,\"chat_boost\":{\"chat\":{\"id\":-9},\"boost\":{\"boost_id\":\"b\","
                 "\"add_date\":1,\"expiration_date\":2,\"source\":{\"source\":\"premium\",\"user\":{\"id\":6}}}}}");
    bh_chat_boost b;
    ck_assert_int_eq(bh_chat_boost_view(bh_update_object(u), &b), BH_OK);
    ck_assert(b.expiration_date == 2 && b.has_user && b.user.id == 6 && b.remove_date == 0);
    ck_assert_str_eq(b.source, "premium");
    bh_update_free(u);

    u = parse_ok("{\"update_id\":15,\"removed_chat_boost\":{\"chat\":{\"id\":-9},\"boost_id\":\"b\","
                 "\"remove_date\":3,\"source\":{\"source\":\"gift_code\",\"user\":{\"id\":6}}}}");
    ck_assert_int_eq(bh_chat_boost_view(bh_update_object(u), &b), BH_OK);
    ck_assert(b.remove_date == 3 && b.add_date == 0);
    ck_assert_str_eq(b.source, "gift_code");
    bh_update_free(u);
}
END_TEST

START_TEST(origin_quote_payment_game_topic)
{
    bh_update *u = message_with(
        "\"forward_origin\":{\"type\":\"channel\",\"date\":5,\"chat\":{\"id\":-100,\"type\":\"channel\"},"
        "\"message_id\":77,\"author_signature\":\"Ed\"},"
        "\"quote\":{\"text\":\"quoted\",\"position\":3,\"is_manual\":true},"
        "\"web_app_data\":{\"data\":\"d\",\"button_text\":\"Go\"},"
        "\"successful_payment\":{\"currency\":\"EUR\",\"total_amount\":250,\"invoice_payload\":\"p\","
        "\"telegram_payment_charge_id\":\"t\",\"provider_payment_charge_id\":\"v\"},"
        "\"game\":{\"title\":\"Chess\",\"description\":\"d\"},"
        "\"forum_topic_created\":{\"name\":\"News\",\"icon_color\":7322096}");
    const bh_message *m = u->message;
    bh_forward_origin fo;
    bh_quote q;
    bh_web_app_data w;
    bh_successful_payment sp;
    bh_game g;
    bh_forum_topic t;
    ck_assert_int_eq(bh_message_forward_origin(m, &fo), BH_OK);
    ck_assert_str_eq(fo.type, "channel");
    ck_assert(fo.has_chat && fo.chat.id == -100 && fo.message_id == 77 && !fo.has_sender_user);
    ck_assert_str_eq(fo.author_signature, "Ed");
    ck_assert_int_eq(bh_message_quote(m, &q), BH_OK);
    ck_assert(q.position == 3 && q.is_manual);
    ck_assert_int_eq(bh_message_web_app_data(m, &w), BH_OK);
    ck_assert_str_eq(w.button_text, "Go");
    ck_assert_int_eq(bh_message_successful_payment(m, &sp), BH_OK);
    ck_assert(sp.total_amount == 250);
    ck_assert_ptr_null(sp.shipping_option_id);
    ck_assert_int_eq(bh_message_game(m, &g), BH_OK);
    ck_assert_str_eq(g.title, "Chess");
    ck_assert_int_eq(bh_message_forum_topic(m, 0, &t), BH_OK);
    ck_assert(t.icon_color == 7322096);
    ck_assert_int_eq(bh_message_forum_topic(m, 1, &t), BH_ENOTFOUND);
    bh_update_free(u);
    u = message_with("\"users_shared\":{\"request_id\":3,\"users\":[{\"user_id\":11},{\"user_id\":\"x\"}]},"
                     "\"chat_shared\":{\"request_id\":4,\"chat_id\":-55,\"title\":\"T\"},"
                     "\"new_chat_photo\":[{\"file_id\":\"n\",\"file_unique_id\":\"N\",\"width\":160}]");
    bh_users_shared us;
    bh_chat_shared cs;
    bh_media nm;
    ck_assert_int_eq(bh_message_users_shared(u->message, &us), BH_OK);
    ck_assert(us.request_id == 3 && us.count == 2);
    ck_assert(bh_users_shared_id(&us, 0) == 11 && bh_users_shared_id(&us, 1) == 0 &&
              bh_users_shared_id(&us, 2) == 0);
    ck_assert_int_eq(bh_message_chat_shared(u->message, &cs), BH_OK);
    ck_assert(cs.chat_id == -55);
    ck_assert_str_eq(cs.title, "T");
    ck_assert_int_eq(bh_media_view(json_object_array_get_idx(
                         bh_message_field(u->message, "new_chat_photo"), 0), &nm), BH_OK);
    ck_assert(nm.width == 160);
    ck_assert_int_eq(bh_media_view(NULL, &nm), BH_ENOTFOUND);
    bh_update_free(u);
    u = message_with("\"forward_origin\":{\"date\":5},\"quote\":{\"text\":1},\"game\":[]");
    ck_assert_int_eq(bh_message_forward_origin(u->message, &fo), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_quote(u->message, &q), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_game(u->message, &g), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_web_app_data(u->message, &w), BH_ENOTFOUND);
    ck_assert_int_eq(bh_message_game(NULL, &g), BH_EINVAL);
    bh_update_free(u);
}
END_TEST

START_TEST(business_views_absent_fields)
{
    json_object *o = json_tokener_parse("{\"id\":\"bc\",\"user\":{\"id\":\"6\"}}");
    bh_business_connection bc;
    bh_business_messages_deleted bd;
    bh_paid_media_purchased pm;
    ck_assert_int_eq(bh_business_connection_view(o, &bc), BH_ENOTFOUND);
    ck_assert_ptr_null(bc.id);
    json_object_put(o);
    o = json_tokener_parse("{\"business_connection_id\":\"bc\",\"chat\":{\"id\":1},\"message_ids\":\"x\"}");
    ck_assert_int_eq(bh_business_messages_deleted_view(o, &bd), BH_OK);
    ck_assert_uint_eq(bd.count, 0);
    ck_assert(bh_business_messages_deleted_id(&bd, 0) == 0);
    json_object_put(o);
    o = json_tokener_parse("{\"from\":{\"id\":3},\"paid_media_payload\":7}");
    ck_assert_int_eq(bh_paid_media_purchased_view(o, &pm), BH_OK);
    ck_assert_str_eq(pm.payload, "");
    ck_assert_int_eq(bh_paid_media_purchased_view(NULL, &pm), BH_EINVAL);
    json_object_put(o);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("telegram_views");
    TCase *tc = tcase_create("views");
    tcase_add_test(tc, every_kind_has_a_name);
    tcase_add_test(tc, kinds_parse_with_their_object);
    tcase_add_test(tc, update_id_that_cannot_be_followed_is_refused);
    tcase_add_test(tc, text_with_nul_is_refused_not_cut);
    tcase_add_test(tc, command_in_caption);
    tcase_add_test(tc, utf16_ranges);
    tcase_add_test(tc, entities_over_emoji);
    tcase_add_test(tc, caption_entities);
    tcase_add_test(tc, media_of_every_kind);
    tcase_add_test(tc, contact_dice_location_venue_poll);
    tcase_add_test(tc, service_messages);
    tcase_add_test(tc, absent_and_wrong_types);
    tcase_add_test(tc, inline_views);
    tcase_add_test(tc, member_views);
    tcase_add_test(tc, reaction_views);
    tcase_add_test(tc, poll_payment_boost_views);
    tcase_add_test(tc, business_views_absent_fields);
    tcase_add_test(tc, origin_quote_payment_game_topic);
    suite_add_tcase(s, tc);
    return bh_test_run_suite(s);
}
