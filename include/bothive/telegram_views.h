/*
 * bothive: lazy views of Bot API objects (part of the telegram layer, and
 * included by telegram.h): every field of a Message beyond those
 * bh_message_parse fills, and the objects of the update kinds other than
 * messages. Nothing here allocates: see the contract just below.
 */
#ifndef BOTHIVE_TELEGRAM_VIEWS_H
#define BOTHIVE_TELEGRAM_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "telegram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lazy views: every field of a Message, the other update objects ---- */
/*
 * These views are read from the JSON when asked: nothing is copied until a
 * function below is called, and what it fills points into the JSON of the
 * message or update it was given, so it stays valid as long as that does
 * (a hook's whole run) and nothing needs freeing. A bh_user or bh_chat
 * filled here borrows its json (it holds no reference).
 *
 * A field that is absent, of the wrong JSON type, or a string holding a
 * NUL byte reads as absent: NULL, 0, or a has_ flag of 0. A function
 * returning int gives BH_OK when the object is there, BH_ENOTFOUND when
 * it is absent or malformed (the output is then zeroed) and BH_EINVAL
 * for a NULL argument.
 */

/* A Location (also the location of a venue, an inline query, ...). */
typedef struct bh_location {
    double latitude, longitude;
    double horizontal_accuracy; /* 0 if absent */
    int64_t live_period;        /* seconds; 0 if not live */
    int64_t heading;            /* 1..360; 0 if absent */
    int64_t proximity_alert_radius;
} bh_location;

/* One MessageEntity, with its range in UTF-16 code units (as Telegram
 * counts) and in bytes of the UTF-8 text it belongs to. */
typedef struct bh_entity {
    const char *type;      /* "bot_command", "url", "mention", ... */
    int64_t offset, length;        /* UTF-16 code units */
    size_t byte_offset, byte_length; /* bytes of the text (clipped to it) */
    const char *url;             /* text_link; NULL otherwise */
    const char *language;        /* pre; NULL otherwise */
    const char *custom_emoji_id; /* custom_emoji; NULL otherwise */
    int has_user;                /* text_mention */
    bh_user user;
} bh_entity;

/* A PhotoSize, and the file-like media of a message (animation, audio,
 * document, video, video_note, voice, sticker): the fields a kind lacks
 * read as NULL / 0. */
typedef struct bh_media {
    const char *file_id, *file_unique_id;
    int64_t file_size, width, height, duration;
    int64_t length;          /* video_note: the diameter */
    const char *file_name, *mime_type;
    const char *title, *performer; /* audio */
    const char *emoji, *set_name;  /* sticker */
    const char *sticker_type;      /* sticker: "regular", "mask", "custom_emoji" */
    int is_animated, is_video;     /* sticker */
    json_object *json;
} bh_media;

typedef enum bh_media_kind {
    BH_MEDIA_ANIMATION,
    BH_MEDIA_AUDIO,
    BH_MEDIA_DOCUMENT,
    BH_MEDIA_VIDEO,
    BH_MEDIA_VIDEO_NOTE,
    BH_MEDIA_VOICE,
    BH_MEDIA_STICKER,
    BH_MEDIA_STORY /* a forwarded story: only json is set */
} bh_media_kind;

typedef struct bh_contact {
    const char *phone_number, *first_name;
    const char *last_name, *vcard; /* NULL if absent */
    int64_t user_id;               /* 0 if absent */
} bh_contact;

typedef struct bh_dice {
    const char *emoji; /* "🎲", "🎯", ... */
    int64_t value;
} bh_dice;

typedef struct bh_venue {
    bh_location location;
    const char *title, *address;
    const char *foursquare_id, *foursquare_type; /* NULL if absent */
    const char *google_place_id, *google_place_type;
} bh_venue;

/* A Poll (an update of its own, or in a message). */
typedef struct bh_poll {
    const char *id, *question;
    const char *type;           /* "regular" or "quiz" */
    size_t option_count;
    int64_t total_voter_count;
    int is_closed, is_anonymous, allows_multiple_answers;
    int64_t correct_option_id;  /* quizzes; -1 if absent */
    const char *explanation;    /* NULL if absent */
    int64_t open_period, close_date;
    json_object *json;
} bh_poll;

/** The i-th option of a poll: *text and (if voter_count is not NULL) its
 *  votes. Errors: BH_EINVAL (NULL p or text), BH_ENOTFOUND (i out of range,
 *  or an option without text). */
int bh_poll_option(const bh_poll *p, size_t i, const char **text, int64_t *voter_count);

/**
 * The range of UTF-16 code units [offset, offset + length) of text (len
 * bytes of UTF-8) as bytes: *byte_offset and *byte_length. A character
 * outside the Basic Multilingual Plane (an emoji such as U+1F600) is two
 * units and four bytes; a unit range that splits such a character is
 * widened to include it; an invalid UTF-8 byte counts as one unit.
 * Errors: BH_EINVAL (NULL argument, negative offset or length, or a
 * range that passes the end of the text).
 */
int bh_utf16_range(const char *text, size_t len, int64_t offset, int64_t length,
                   size_t *byte_offset, size_t *byte_length);

/** The length of text (len bytes of UTF-8) in UTF-16 code units, as
 *  Telegram counts it (for limits and offsets). */
size_t bh_utf16_length(const char *text, size_t len);

/** The caption of a photo, document, ... (NULL if absent), and its length
 *  in bytes in *len (if len is not NULL). */
const char *bh_message_caption(const bh_message *m, size_t *len);

/** The number of entities of the text (caption 0) or of the caption
 *  (caption 1); 0 if none or NULL m. */
size_t bh_message_entity_count(const bh_message *m, int caption);

/**
 * The i-th entity of the text (caption 0) or caption (1), with its byte
 * range. An entity whose range passes the end of its text, or that lacks
 * type, offset or length, reads as absent.
 * Errors: BH_EINVAL, BH_ENOTFOUND.
 */
int bh_message_entity(const bh_message *m, int caption, size_t i, bh_entity *out);

/**
 * The text an entity e of m covers: *start points into the text or caption
 * and *len is its length in bytes (the text is not NUL-terminated there).
 * Errors: BH_EINVAL, BH_ENOTFOUND (no text, or e out of its range).
 */
int bh_message_entity_text(const bh_message *m, int caption, const bh_entity *e,
                           const char **start, size_t *len);

/** The number of sizes of a photo message (0 if none); sizes come in
 *  increasing size. */
size_t bh_message_photo_count(const bh_message *m);
/** The i-th size of the photo; the largest is count - 1.
 *  Errors: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_photo(const bh_message *m, size_t i, bh_media *out);
/** The file-like media of kind carried by m. Errors: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_media(const bh_message *m, bh_media_kind kind, bh_media *out);

/* Errors of each: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_contact(const bh_message *m, bh_contact *out);
int bh_message_dice(const bh_message *m, bh_dice *out);
int bh_message_location(const bh_message *m, bh_location *out);
int bh_message_venue(const bh_message *m, bh_venue *out);
int bh_message_poll(const bh_message *m, bh_poll *out);
/** sender_chat (posts in channels, anonymous admins) and via_bot. */
int bh_message_sender_chat(const bh_message *m, bh_chat *out);
int bh_message_via_bot(const bh_message *m, bh_user *out);

/* Service messages. */
/** The number of new_chat_members (0 if none), and the i-th. */
size_t bh_message_new_member_count(const bh_message *m);
int bh_message_new_member(const bh_message *m, size_t i, bh_user *out);
/** left_chat_member. Errors: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_left_member(const bh_message *m, bh_user *out);
/** new_chat_title; NULL if absent. */
const char *bh_message_new_chat_title(const bh_message *m);

/* Flags of a message: each 1 if the field is true, else 0. */
typedef enum bh_message_flag {
    BH_MSG_DELETE_CHAT_PHOTO,
    BH_MSG_GROUP_CHAT_CREATED,
    BH_MSG_SUPERGROUP_CHAT_CREATED,
    BH_MSG_CHANNEL_CHAT_CREATED,
    BH_MSG_IS_TOPIC_MESSAGE,
    BH_MSG_HAS_PROTECTED_CONTENT,
    BH_MSG_IS_AUTOMATIC_FORWARD,
    BH_MSG_HAS_MEDIA_SPOILER,
    BH_MSG_FLAG_COUNT
} bh_message_flag;
int bh_message_flag_get(const bh_message *m, bh_message_flag flag);

/* Integer fields of a message: 0 if absent. */
typedef enum bh_message_int {
    BH_MSG_MIGRATE_TO_CHAT_ID,
    BH_MSG_MIGRATE_FROM_CHAT_ID,
    BH_MSG_MESSAGE_THREAD_ID,
    BH_MSG_AUTO_DELETE_TIME, /* message_auto_delete_timer_changed */
    BH_MSG_SENDER_BOOST_COUNT,
    BH_MSG_INT_COUNT
} bh_message_int;
int64_t bh_message_int_get(const bh_message *m, bh_message_int field);

/* String fields of a message: NULL if absent. */
typedef enum bh_message_str {
    BH_MSG_MEDIA_GROUP_ID,
    BH_MSG_AUTHOR_SIGNATURE,
    BH_MSG_EFFECT_ID,
    BH_MSG_BUSINESS_CONNECTION_ID,
    BH_MSG_STR_COUNT
} bh_message_str;
const char *bh_message_str_get(const bh_message *m, bh_message_str field);

/** Any other field of the message (pinned_message, forward_origin,
 *  reply_markup, web_app_data, successful_payment, forum_topic_created,
 *  ...) as its JSON, borrowed; NULL if absent or NULL arguments. */
json_object *bh_message_field(const bh_message *m, const char *name);

/* ---- More of a Message: where it came from, what it quotes, payments ---- */
/* Each function below answers BH_OK, BH_ENOTFOUND (the field is absent,
 * or lacks what its view cannot be without; out is zeroed) or BH_EINVAL
 * (NULL m or out). */

/* forward_origin (a MessageOrigin): "user" (sender_user), "hidden_user"
 * (sender_user_name), "chat" (sender_chat, author_signature) or "channel"
 * (chat, message_id, author_signature). */
typedef struct bh_forward_origin {
    const char *type;
    int64_t date;
    int has_sender_user, has_sender_chat, has_chat;
    bh_user sender_user;
    bh_chat sender_chat, chat;
    const char *sender_user_name, *author_signature; /* NULL if absent */
    int64_t message_id;
} bh_forward_origin;
/** Errors: BH_EINVAL, BH_ENOTFOUND (not forwarded, or no type). */
int bh_message_forward_origin(const bh_message *m, bh_forward_origin *out);

/* quote: the part of the replied-to message that the message quotes. */
typedef struct bh_quote {
    const char *text;
    int64_t position; /* UTF-16 units into the quoted message's text */
    int is_manual;
} bh_quote;
int bh_message_quote(const bh_message *m, bh_quote *out);

/* web_app_data sent by a Web App's keyboard button. */
typedef struct bh_web_app_data {
    const char *data, *button_text;
} bh_web_app_data;
int bh_message_web_app_data(const bh_message *m, bh_web_app_data *out);

/* successful_payment. */
typedef struct bh_successful_payment {
    const char *currency, *invoice_payload;
    int64_t total_amount;
    const char *telegram_payment_charge_id, *provider_payment_charge_id;
    const char *shipping_option_id; /* NULL if absent */
} bh_successful_payment;
int bh_message_successful_payment(const bh_message *m, bh_successful_payment *out);

/* game: its title and description. */
typedef struct bh_game {
    const char *title, *description;
} bh_game;
int bh_message_game(const bh_message *m, bh_game *out);

/* forum_topic_created / forum_topic_edited: the topic's name (NULL when an
 * edit leaves it) and icon color. */
typedef struct bh_forum_topic {
    const char *name, *icon_custom_emoji_id;
    int64_t icon_color;
} bh_forum_topic;
/** edited 0: forum_topic_created; 1: forum_topic_edited. */
int bh_message_forum_topic(const bh_message *m, int edited, bh_forum_topic *out);

/* users_shared and chat_shared: what a request_users / request_chat
 * button of a reply keyboard sent back. */
typedef struct bh_users_shared {
    int64_t request_id;
    size_t count; /* users shared */
    json_object *json;
} bh_users_shared;
int bh_message_users_shared(const bh_message *m, bh_users_shared *out);
/** The i-th shared user's id; 0 if i is out of range or malformed. */
int64_t bh_users_shared_id(const bh_users_shared *s, size_t i);

typedef struct bh_chat_shared {
    int64_t request_id, chat_id;
    const char *title, *username; /* NULL if not asked for */
} bh_chat_shared;
int bh_message_chat_shared(const bh_message *m, bh_chat_shared *out);

/**
 * Reads any file object (a PhotoSize of new_chat_photo, a thumbnail, the
 * media of an external_reply, ...: see bh_message_field) as a bh_media.
 * A nested Message (pinned_message, reply_to_message's own replies) is
 * read with bh_message_parse and freed with bh_message_free.
 * Errors: BH_EINVAL (NULL out), BH_ENOTFOUND (no file_id or file_unique_id).
 */
int bh_media_view(json_object *obj, bh_media *out);

/* ---- Views of the other update objects ---- */
/*
 * Each bh_<object>_view(obj, out) reads the object obj (e.g.
 * bh_update_object(u) of an update of that kind). Errors: BH_EINVAL
 * (NULL argument), BH_ENOTFOUND (obj is not an object, or lacks a field
 * the object cannot be without: the ids, the chat, the user); out is then
 * zeroed.
 */

typedef struct bh_inline_query {
    const char *id;
    bh_user from;
    const char *query, *offset; /* "" if absent */
    const char *chat_type;      /* NULL if absent */
    int has_location;
    bh_location location;
    json_object *json;
} bh_inline_query;
int bh_inline_query_view(json_object *obj, bh_inline_query *out);

typedef struct bh_chosen_inline_result {
    const char *result_id;
    bh_user from;
    const char *query;             /* "" if absent */
    const char *inline_message_id; /* NULL if absent */
    int has_location;
    bh_location location;
    json_object *json;
} bh_chosen_inline_result;
int bh_chosen_inline_result_view(json_object *obj, bh_chosen_inline_result *out);

/** A callback query (data unsigned, as Telegram sent it); message is NULL
 *  (read bh_update.callback_query for the parsed message). */
int bh_callback_query_view(json_object *obj, bh_callback_query *out);

/* A ChatMemberUpdated (my_chat_member, chat_member). */
typedef struct bh_chat_member_updated {
    bh_chat chat;
    bh_user from;                     /* who made the change */
    int64_t date;
    const char *old_status, *new_status; /* "creator", "administrator", "member",
                                         * "restricted", "left", "kicked"; "" if absent */
    int old_is_member, new_is_member; /* "restricted" members: is_member */
    bh_user member;                   /* new_chat_member.user */
    int64_t until_date;               /* new_chat_member's, 0 if absent */
    int via_join_request, via_chat_folder_invite_link;
    const char *invite_link;          /* invite_link.invite_link; NULL if absent */
    /* The ChatMember objects (borrowed), for the fields of their variants
     * (administrators' rights, restrictions): see bh_chat_member_flag. */
    json_object *old_member, *new_member;
    const char *new_custom_title;     /* administrators, creators; NULL if absent */
    json_object *json;
} bh_chat_member_updated;
int bh_chat_member_updated_view(json_object *obj, bh_chat_member_updated *out);
/** A boolean field of a ChatMember variant (member is old_member or
 *  new_member): "can_delete_messages", "can_send_messages",
 *  "is_anonymous", ...: 1 if it is true, 0 if false, absent or NULL. */
int bh_chat_member_flag(json_object *member, const char *name);
/** 1 if the change made the user a member (from left or kicked, or a
 *  restricted non-member), else 0. */
int bh_chat_member_joined(const bh_chat_member_updated *u);
/** 1 if the change made a member leave (left or kicked), else 0. */
int bh_chat_member_left(const bh_chat_member_updated *u);

typedef struct bh_chat_join_request {
    bh_chat chat;
    bh_user from;
    int64_t user_chat_id, date;
    const char *bio;        /* NULL if absent */
    const char *invite_link; /* invite_link.invite_link; NULL if absent */
    json_object *json;
} bh_chat_join_request;
int bh_chat_join_request_view(json_object *obj, bh_chat_join_request *out);

/* A ReactionType: "emoji" (emoji set), "custom_emoji" (custom_emoji_id
 * set) or "paid" (neither). */
typedef struct bh_reaction {
    const char *type;
    const char *emoji, *custom_emoji_id;
    int64_t total_count; /* counts (message_reaction_count) only */
} bh_reaction;

typedef struct bh_message_reaction_updated {
    bh_chat chat;
    int64_t message_id, date;
    int has_user, has_actor_chat;
    bh_user user;
    bh_chat actor_chat;
    size_t old_count, new_count;
    json_object *json;
} bh_message_reaction_updated;
int bh_message_reaction_updated_view(json_object *obj, bh_message_reaction_updated *out);
/** The i-th reaction of new_reaction (is_new 1) or old_reaction (0).
 *  Errors: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_reaction_get(const bh_message_reaction_updated *u, int is_new, size_t i,
                            bh_reaction *out);

typedef struct bh_message_reaction_count_updated {
    bh_chat chat;
    int64_t message_id, date;
    size_t count;
    json_object *json;
} bh_message_reaction_count_updated;
int bh_message_reaction_count_updated_view(json_object *obj,
                                           bh_message_reaction_count_updated *out);
/** The i-th reaction with its total_count. Errors: BH_EINVAL, BH_ENOTFOUND. */
int bh_message_reaction_count_get(const bh_message_reaction_count_updated *u, size_t i,
                                  bh_reaction *out);

int bh_poll_view(json_object *obj, bh_poll *out);

typedef struct bh_poll_answer {
    const char *poll_id;
    int has_user, has_voter_chat;
    bh_user user;
    bh_chat voter_chat;
    size_t option_count; /* 0: the vote was retracted */
    json_object *json;
} bh_poll_answer;
int bh_poll_answer_view(json_object *obj, bh_poll_answer *out);
/** The i-th chosen option's index; -1 if i is out of range or malformed. */
int64_t bh_poll_answer_option(const bh_poll_answer *a, size_t i);

typedef struct bh_shipping_query {
    const char *id, *invoice_payload;
    bh_user from;
    const char *country_code, *state, *city, *street_line1, *street_line2, *post_code;
    json_object *json;
} bh_shipping_query;
int bh_shipping_query_view(json_object *obj, bh_shipping_query *out);

typedef struct bh_pre_checkout_query {
    const char *id, *currency, *invoice_payload;
    bh_user from;
    int64_t total_amount;           /* in the smallest units of the currency */
    const char *shipping_option_id; /* NULL if absent */
    json_object *json;
} bh_pre_checkout_query;
int bh_pre_checkout_query_view(json_object *obj, bh_pre_checkout_query *out);

/* A ChatBoostUpdated (chat_boost) or ChatBoostRemoved (removed_chat_boost). */
typedef struct bh_chat_boost {
    bh_chat chat;
    const char *boost_id;
    int64_t add_date, expiration_date; /* chat_boost; 0 otherwise */
    int64_t remove_date;               /* removed_chat_boost; 0 otherwise */
    const char *source;                /* "premium", "gift_code", "giveaway"; "" if absent */
    int has_user;
    bh_user user;                      /* the source's user */
    json_object *json;
} bh_chat_boost;
int bh_chat_boost_view(json_object *obj, bh_chat_boost *out);

/* A BusinessConnection (business_connection). */
typedef struct bh_business_connection {
    const char *id;
    bh_user user;
    int64_t user_chat_id, date;
    int is_enabled;
    json_object *json; /* the rights object and the rest */
} bh_business_connection;
int bh_business_connection_view(json_object *obj, bh_business_connection *out);

/* A BusinessMessagesDeleted (deleted_business_messages). */
typedef struct bh_business_messages_deleted {
    const char *business_connection_id;
    bh_chat chat;
    size_t count; /* of message_ids */
    json_object *json;
} bh_business_messages_deleted;
int bh_business_messages_deleted_view(json_object *obj, bh_business_messages_deleted *out);
/** The i-th deleted message id; 0 if i is out of range or malformed. */
int64_t bh_business_messages_deleted_id(const bh_business_messages_deleted *d, size_t i);

/* A PaidMediaPurchased (purchased_paid_media). */
typedef struct bh_paid_media_purchased {
    bh_user from;
    const char *payload; /* paid_media_payload; "" if absent */
    json_object *json;
} bh_paid_media_purchased;
int bh_paid_media_purchased_view(json_object *obj, bh_paid_media_purchased *out);


/* ---- The newest update kinds ------------------------------------------- */
/* As the views above (the same contract and errors). */

/* A MessageGenerationStopped (stopped_message_generation): the user
 * pressed Stop on a draft the bot streamed with can_stop. Needs its chat. */
typedef struct bh_message_generation_stopped {
    bh_chat chat;
    int64_t message_thread_id; /* 0 if absent */
    int64_t draft_id;          /* the draft_id of sendMessageDraft; 0 if absent */
    int has_from;              /* who pressed it, when the object says */
    bh_user from;
    json_object *json;
} bh_message_generation_stopped;
int bh_message_generation_stopped_view(json_object *obj, bh_message_generation_stopped *out);

/* A ManagedBotUpdated (managed_bot): a bot managed by this bot was
 * created, or its token or owner changed. Needs both users. */
typedef struct bh_managed_bot_updated {
    bh_user user; /* who created (owns) the bot */
    bh_user bot;  /* the managed bot (its token: getManagedBotToken) */
    json_object *json;
} bh_managed_bot_updated;
int bh_managed_bot_updated_view(json_object *obj, bh_managed_bot_updated *out);

/* A BotSubscriptionUpdated (subscription): a user's subscription to the
 * bot's paid plan changed. Needs its user. */
typedef struct bh_subscription_updated {
    bh_user user;
    const char *invoice_payload; /* "" if absent */
    const char *state;           /* "canceled", "active", "failed", ...; "" if absent */
    json_object *json;
} bh_subscription_updated;
int bh_subscription_updated_view(json_object *obj, bh_subscription_updated *out);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_TELEGRAM_VIEWS_H */
