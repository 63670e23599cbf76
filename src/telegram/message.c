/*
 * Lazy views of a Message's fields beyond text, command, sender and reply
 * (which bh_message_parse fills): each is read from the message's JSON
 * when asked and points into it, so a message costs nothing for the
 * fields no hook reads.
 */
#include <string.h>

#include "telegram/tg.h"

const char *bh_message_caption(const bh_message *m, size_t *len)
{
    return m ? bh_tg_get_text(m->json, "caption", len) : NULL;
}

/* Fills a bh_media from a PhotoSize, Animation, Audio, ... object: every
 * one has file_id and file_unique_id, the rest depends on the kind. */
int bh_media_view(json_object *o, bh_media *out)
{
    if (!out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    out->file_id = bh_tg_get_text(o, "file_id", NULL);
    out->file_unique_id = bh_tg_get_text(o, "file_unique_id", NULL);
    if (!out->file_id || !out->file_unique_id) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->file_size = bh_tg_int(o, "file_size");
    out->width = bh_tg_int(o, "width");
    out->height = bh_tg_int(o, "height");
    out->duration = bh_tg_int(o, "duration");
    out->length = bh_tg_int(o, "length");
    out->file_name = bh_tg_get_text(o, "file_name", NULL);
    out->mime_type = bh_tg_get_text(o, "mime_type", NULL);
    out->title = bh_tg_get_text(o, "title", NULL);
    out->performer = bh_tg_get_text(o, "performer", NULL);
    out->emoji = bh_tg_get_text(o, "emoji", NULL);
    out->set_name = bh_tg_get_text(o, "set_name", NULL);
    out->sticker_type = bh_tg_get_text(o, "type", NULL);
    out->is_animated = bh_tg_get_bool(o, "is_animated");
    out->is_video = bh_tg_get_bool(o, "is_video");
    out->json = o;
    return BH_OK;
}

size_t bh_message_photo_count(const bh_message *m)
{
    json_object *a = m ? bh_tg_get_arr(m->json, "photo") : NULL;
    return a ? json_object_array_length(a) : 0;
}

int bh_message_photo(const bh_message *m, size_t i, bh_media *out)
{
    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (i >= bh_message_photo_count(m))
        return BH_ENOTFOUND;
    return bh_media_view(json_object_array_get_idx(bh_tg_get_arr(m->json, "photo"), i), out);
}

static const char *const bh_media_keys[] = {
    [BH_MEDIA_ANIMATION] = "animation", [BH_MEDIA_AUDIO] = "audio",
    [BH_MEDIA_DOCUMENT] = "document",   [BH_MEDIA_VIDEO] = "video",
    [BH_MEDIA_VIDEO_NOTE] = "video_note", [BH_MEDIA_VOICE] = "voice",
    [BH_MEDIA_STICKER] = "sticker",     [BH_MEDIA_STORY] = "story",
};

int bh_message_media(const bh_message *m, bh_media_kind kind, bh_media *out)
{
    json_object *o;

    if (!m || !out || (unsigned)kind > BH_MEDIA_STORY)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (!(o = bh_tg_get_obj(m->json, bh_media_keys[kind])))
        return BH_ENOTFOUND;
    if (kind == BH_MEDIA_STORY) { /* a story has no file of its own */
        out->json = o;
        return BH_OK;
    }
    return bh_media_view(o, out);
}

int bh_message_contact(const bh_message *m, bh_contact *out)
{
    json_object *o;
    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    o = bh_tg_get_obj(m->json, "contact");
    out->phone_number = bh_tg_get_text(o, "phone_number", NULL);
    out->first_name = bh_tg_get_text(o, "first_name", NULL);
    if (!out->phone_number || !out->first_name) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->last_name = bh_tg_get_text(o, "last_name", NULL);
    out->vcard = bh_tg_get_text(o, "vcard", NULL);
    out->user_id = bh_tg_int(o, "user_id");
    return BH_OK;
}

int bh_message_dice(const bh_message *m, bh_dice *out)
{
    json_object *o;
    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    o = bh_tg_get_obj(m->json, "dice");
    if (!(out->emoji = bh_tg_get_text(o, "emoji", NULL)) ||
        !bh_tg_get_int64(o, "value", &out->value)) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    return BH_OK;
}

int bh_message_location(const bh_message *m, bh_location *out)
{
    if (!m || !out)
        return BH_EINVAL;
    return bh_tg_location_view(bh_tg_get_obj(m->json, "location"), out);
}

int bh_message_venue(const bh_message *m, bh_venue *out)
{
    json_object *o;
    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    o = bh_tg_get_obj(m->json, "venue");
    if (bh_tg_location_view(bh_tg_get_obj(o, "location"), &out->location) != BH_OK ||
        !(out->title = bh_tg_get_text(o, "title", NULL)) ||
        !(out->address = bh_tg_get_text(o, "address", NULL))) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    out->foursquare_id = bh_tg_get_text(o, "foursquare_id", NULL);
    out->foursquare_type = bh_tg_get_text(o, "foursquare_type", NULL);
    out->google_place_id = bh_tg_get_text(o, "google_place_id", NULL);
    out->google_place_type = bh_tg_get_text(o, "google_place_type", NULL);
    return BH_OK;
}

int bh_message_poll(const bh_message *m, bh_poll *out)
{
    json_object *o;
    if (!m || !out)
        return BH_EINVAL;
    if (!(o = bh_tg_get_obj(m->json, "poll"))) {
        memset(out, 0, sizeof *out);
        return BH_ENOTFOUND;
    }
    return bh_poll_view(o, out);
}

int bh_message_sender_chat(const bh_message *m, bh_chat *out)
{
    if (!m || !out)
        return BH_EINVAL;
    return bh_tg_chat_view(bh_tg_get_obj(m->json, "sender_chat"), out);
}

int bh_message_via_bot(const bh_message *m, bh_user *out)
{
    if (!m || !out)
        return BH_EINVAL;
    return bh_tg_user_view(bh_tg_get_obj(m->json, "via_bot"), out);
}

size_t bh_message_new_member_count(const bh_message *m)
{
    json_object *a = m ? bh_tg_get_arr(m->json, "new_chat_members") : NULL;
    return a ? json_object_array_length(a) : 0;
}

int bh_message_new_member(const bh_message *m, size_t i, bh_user *out)
{
    if (!m || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (i >= bh_message_new_member_count(m))
        return BH_ENOTFOUND;
    return bh_tg_user_view(
        json_object_array_get_idx(bh_tg_get_arr(m->json, "new_chat_members"), i), out);
}

int bh_message_left_member(const bh_message *m, bh_user *out)
{
    if (!m || !out)
        return BH_EINVAL;
    return bh_tg_user_view(bh_tg_get_obj(m->json, "left_chat_member"), out);
}

const char *bh_message_new_chat_title(const bh_message *m)
{
    return m ? bh_tg_get_text(m->json, "new_chat_title", NULL) : NULL;
}

static const char *const bh_flag_keys[] = {
    [BH_MSG_DELETE_CHAT_PHOTO] = "delete_chat_photo",
    [BH_MSG_GROUP_CHAT_CREATED] = "group_chat_created",
    [BH_MSG_SUPERGROUP_CHAT_CREATED] = "supergroup_chat_created",
    [BH_MSG_CHANNEL_CHAT_CREATED] = "channel_chat_created",
    [BH_MSG_IS_TOPIC_MESSAGE] = "is_topic_message",
    [BH_MSG_HAS_PROTECTED_CONTENT] = "has_protected_content",
    [BH_MSG_IS_AUTOMATIC_FORWARD] = "is_automatic_forward",
    [BH_MSG_HAS_MEDIA_SPOILER] = "has_media_spoiler",
};

int bh_message_flag_get(const bh_message *m, bh_message_flag flag)
{
    if (!m || (unsigned)flag >= BH_MSG_FLAG_COUNT)
        return 0;
    return bh_tg_get_bool(m->json, bh_flag_keys[flag]);
}

static const char *const bh_int_keys[] = {
    [BH_MSG_MIGRATE_TO_CHAT_ID] = "migrate_to_chat_id",
    [BH_MSG_MIGRATE_FROM_CHAT_ID] = "migrate_from_chat_id",
    [BH_MSG_MESSAGE_THREAD_ID] = "message_thread_id",
    [BH_MSG_AUTO_DELETE_TIME] = "message_auto_delete_timer_changed",
    [BH_MSG_SENDER_BOOST_COUNT] = "sender_boost_count",
};

int64_t bh_message_int_get(const bh_message *m, bh_message_int field)
{
    if (!m || (unsigned)field >= BH_MSG_INT_COUNT)
        return 0;
    if (field == BH_MSG_AUTO_DELETE_TIME) /* an object with one field */
        return bh_tg_int(bh_tg_get_obj(m->json, bh_int_keys[field]), "message_auto_delete_time");
    return bh_tg_int(m->json, bh_int_keys[field]);
}

static const char *const bh_str_keys[] = {
    [BH_MSG_MEDIA_GROUP_ID] = "media_group_id",
    [BH_MSG_AUTHOR_SIGNATURE] = "author_signature",
    [BH_MSG_EFFECT_ID] = "effect_id",
    [BH_MSG_BUSINESS_CONNECTION_ID] = "business_connection_id",
};

const char *bh_message_str_get(const bh_message *m, bh_message_str field)
{
    if (!m || (unsigned)field >= BH_MSG_STR_COUNT)
        return NULL;
    return bh_tg_get_text(m->json, bh_str_keys[field], NULL);
}

json_object *bh_message_field(const bh_message *m, const char *name)
{
    json_object *v;
    if (!m || !name || !json_object_object_get_ex(m->json, name, &v))
        return NULL;
    return v;
}
