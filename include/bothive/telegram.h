/*
 * bothive: the Telegram Bot API client.
 *
 * A bh_client sends Bot API requests over HTTPS with libcurl: each call is a
 * POST of a JSON object to <base>/bot<token>/<method>, and the answer's
 * "result" comes back as a json-c object. The client retries what is safe to
 * retry (429 after retry_after, 5xx and network errors with a bounded
 * exponential backoff), and records the details of the last failure in a
 * bh_api_error readable with bh_client_last_error.
 *
 * Processes and threads: a bh_client keeps one libcurl handle (so that the
 * connection is kept alive between calls); a connection must not be shared
 * by two processes, so create the client AFTER fork, in the process that
 * uses it (a client used in another process than its creator's refuses with
 * BH_EINVAL). One thread at a time per client.
 *
 * Secrets: the bot token is never logged and never appears in an error
 * message (the request URL, which contains it, is never logged either).
 *
 * Typed views (bh_update, bh_message, bh_chat, bh_user, bh_callback_query)
 * are read-only structs parsed from the json-c objects of the answers; their
 * strings point into the JSON, which each view keeps alive with a reference
 * until it is freed. Ids are int64_t everywhere (chat ids such as
 * -1001234567890123 do not fit in 32 bits).
 */
#ifndef BOTHIVE_TELEGRAM_H
#define BOTHIVE_TELEGRAM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BH_TG_DEFAULT_URL "https://api.telegram.org"

/* ---- Client ----------------------------------------------------------- */

typedef struct bh_client bh_client;

/*
 * Options of a client. Zero in any field means its default, so a
 * zero-initialised struct (or NULL) gives the defaults.
 */
typedef struct bh_client_options {
    /* Connection establishment limit; default 5000 ms. */
    long connect_timeout_ms;
    /* Limit of one HTTP exchange, added to the long-poll timeout of
     * getUpdates (so a long poll of 50 s may take 50 s + this); default
     * 10000 ms. */
    long timeout_ms;
    /* How many times one call is retried after a 429, a 5xx or a network
     * error; default 3; BH_TG_NO_RETRY (negative) for none. */
    int max_retries;
    /* First backoff delay after a 5xx or network error, doubled each retry
     * up to backoff_max_ms; defaults 500 ms and 8000 ms. */
    long backoff_initial_ms;
    long backoff_max_ms;
    /* A 429 whose retry_after exceeds this many seconds is not waited for
     * but returned as BH_EAPI (so a worker is not blocked for minutes);
     * default 60 s. */
    int max_retry_after_s;
    /* If not NULL, a non-zero value makes a running call (a request in
     * flight, a long poll, or a wait before a retry) stop with BH_EINTR
     * within about a second (libcurl polls it at least once a second).
     * Set it from a signal handler to shut down. */
    volatile sig_atomic_t *cancel;
} bh_client_options;

#define BH_TG_NO_RETRY (-1)

/*
 * The details of the last failed call on a client (all zero/empty after a
 * successful call). description never contains the bot token.
 */
typedef struct bh_api_error {
    /* The error_code of an ok:false answer (400, 403, 429, ...), else 0. */
    int error_code;
    /* The HTTP status of the last answer, 0 if none came (network error). */
    int http_status;
    /* The answer's description, or a description of the network or
     * protocol failure ("" if none). */
    char description[256];
    /* parameters.retry_after of the answer (seconds), else 0. */
    int retry_after;
    /* parameters.migrate_to_chat_id of the answer, else 0. */
    int64_t migrate_to_chat_id;
} bh_api_error;

/**
 * Creates a client for the bot `token` (as given by @BotFather:
 * letters, digits, ':', '_' and '-').
 * base_url: the API server, without a trailing "/bot..."; NULL takes the
 * environment variable BOTHIVE_API_URL, or else BH_TG_DEFAULT_URL.
 * opt may be NULL (defaults). Does no network I/O.
 * Errors: BH_EINVAL (NULL out, NULL/empty token or one with other
 * characters, empty base URL, negative timeouts), BH_ENOMEM (also when
 * libcurl cannot be initialised).
 */
int bh_client_new(bh_client **out, const char *token, const char *base_url,
                  const bh_client_options *opt);

/** Closes the connection and frees the client. NULL is a no-op. */
void bh_client_free(bh_client *c);

/** The last failure's details (never NULL for a non-NULL client). */
const bh_api_error *bh_client_last_error(const bh_client *c);

/**
 * If the last call was resent to the supergroup a group had migrated to
 * (see bh_client_call), the new chat id; else 0. The caller should use the
 * new id for that chat from now on.
 */
int64_t bh_client_migrated_to(const bh_client *c);

/**
 * Calls the Bot API method `method` (e.g. "sendMessage") with params, a JSON
 * object as text ("{\"chat_id\":1,\"text\":\"hi\"}"), or NULL for none.
 * On success *result (if result is not NULL) is the answer's "result", a
 * json-c object (which may be a boolean, an array, ...) that the caller
 * releases with json_object_put.
 *
 * Retries: a 429 is retried after its retry_after (never earlier; without
 * one, after the backoff); an HTTP status >= 500 (JSON or not) or a network
 * error (refused, reset, DNS, empty answer) after an exponential backoff;
 * at most max_retries times in all. A timeout is not retried, because the
 * request may have been executed. (A 5xx or a reset after the request was
 * sent can still mean it was executed: a retried send may, rarely, be
 * delivered twice, as with any Bot API client.) A 400 answer with migrate_to_chat_id to
 * a send* method or forwardMessage is resent once to the new chat id (see
 * bh_client_migrated_to).
 *
 * Errors:
 *  BH_EINVAL    NULL client or method, a method name that is not
 *               [A-Za-z0-9_], a client used in another process than its
 *               creator's;
 *  BH_EJSON     params is not a JSON object;
 *  BH_EAPI      the server answered ok:false (also 403 "bot was blocked",
 *               429 after the retries or with a too long retry_after), or
 *               HTTP >= 500 after the retries (error_code is the answer's,
 *               or the HTTP status if the answer was not JSON): see
 *               bh_client_last_error;
 *  BH_ENET      network failure after the retries;
 *  BH_ETIMEDOUT no complete answer within the timeout;
 *  BH_EPROTO    an answer (HTTP < 500) that is not a Bot API answer (not
 *               JSON, no boolean "ok", ok true without "result", larger
 *               than 32 MiB); logged at warn level with an excerpt;
 *  BH_EINTR     cancelled through opt->cancel;
 *  BH_ENOMEM.
 */
int bh_client_call(bh_client *c, const char *method, const char *params,
                   json_object **result);

/**
 * The same as bh_client_call with params as a json-c object (NULL for none;
 * not modified, not consumed: the caller keeps its reference).
 * Errors: those of bh_client_call (BH_EJSON if params is not an object).
 */
int bh_client_call_json(bh_client *c, const char *method, json_object *params,
                        json_object **result);

/* ---- Typed views -------------------------------------------------------- */

typedef struct bh_user {
    int64_t id;
    int is_bot;
    const char *first_name;    /* "" if absent */
    const char *last_name;     /* NULL if absent */
    const char *username;      /* NULL if absent */
    const char *language_code; /* NULL if absent */
    json_object *json;         /* the User object (a reference held by the view) */
} bh_user;

typedef struct bh_chat {
    int64_t id;
    const char *type;       /* "private", "group", "supergroup", "channel"; "" if absent */
    const char *title;      /* NULL if absent */
    const char *username;   /* NULL if absent */
    const char *first_name; /* NULL if absent */
} bh_chat;

typedef struct bh_message {
    int64_t message_id;
    int64_t date;          /* unix time; 0 for an inaccessible message */
    int64_t edit_date;     /* 0 if absent */
    bh_chat chat;
    bh_user *from;         /* NULL if absent (channel posts) */
    const char *text;      /* NULL if absent */
    /* When the text (or, without a text, the caption) starts with a
     * bot_command entity (or, for a message without entities at all, with
     * '/' and command characters): the command without
     * its '/' and without the "@botname" suffix ("start"), the suffix
     * without '@' (NULL if none; "" for "/start@", which is no bot's), and
     * the text after the command with
     * leading blanks removed ("" if none). All NULL when not a command. */
    const char *command;
    const char *command_bot;
    const char *command_args;
    struct bh_message *reply_to; /* reply_to_message, NULL if absent */
    json_object *json;     /* the Message object (a reference held by the view) */
    char *command_buf_;    /* private: storage of command and command_bot */
} bh_message;

typedef struct bh_callback_query {
    const char *id;
    bh_user from;
    bh_message *message;       /* NULL if absent (inline-mode messages) */
    const char *inline_message_id; /* NULL if absent */
    const char *chat_instance; /* "" if absent */
    const char *data;          /* NULL if absent */
    const char *game_short_name; /* NULL if absent */
    json_object *json;         /* the CallbackQuery object (borrowed from the update) */
} bh_callback_query;

/* The update kinds of the current Bot API (BOTAPI.md), in its order but for
 * the first five, whose values predate the others. BH_UPDATE_OTHER is a
 * kind this version does not know (one the Bot API adds later): read it
 * with bh_update_json / bh_update_object. */
typedef enum bh_update_kind {
    BH_UPDATE_OTHER = 0,
    BH_UPDATE_MESSAGE,
    BH_UPDATE_EDITED_MESSAGE,
    BH_UPDATE_CHANNEL_POST,
    BH_UPDATE_EDITED_CHANNEL_POST,
    BH_UPDATE_CALLBACK_QUERY,
    BH_UPDATE_BUSINESS_CONNECTION,
    BH_UPDATE_BUSINESS_MESSAGE,
    BH_UPDATE_EDITED_BUSINESS_MESSAGE,
    BH_UPDATE_DELETED_BUSINESS_MESSAGES,
    BH_UPDATE_GUEST_MESSAGE,
    BH_UPDATE_STOPPED_MESSAGE_GENERATION,
    BH_UPDATE_MESSAGE_REACTION,
    BH_UPDATE_MESSAGE_REACTION_COUNT,
    BH_UPDATE_INLINE_QUERY,
    BH_UPDATE_CHOSEN_INLINE_RESULT,
    BH_UPDATE_SHIPPING_QUERY,
    BH_UPDATE_PRE_CHECKOUT_QUERY,
    BH_UPDATE_PURCHASED_PAID_MEDIA,
    BH_UPDATE_POLL,
    BH_UPDATE_POLL_ANSWER,
    BH_UPDATE_MY_CHAT_MEMBER,
    BH_UPDATE_CHAT_MEMBER,
    BH_UPDATE_CHAT_JOIN_REQUEST,
    BH_UPDATE_CHAT_BOOST,
    BH_UPDATE_REMOVED_CHAT_BOOST,
    BH_UPDATE_MANAGED_BOT,
    BH_UPDATE_SUBSCRIPTION,
    BH_UPDATE_KIND_COUNT /* not a kind: the number of values above */
} bh_update_kind;

typedef struct bh_update {
    int64_t update_id;
    bh_update_kind kind;
    /* For the four message kinds, the message (or post); else NULL. */
    bh_message *message;
    /* For BH_UPDATE_CALLBACK_QUERY, the query; else NULL. */
    bh_callback_query *callback_query;
    json_object *json;   /* the Update object (a reference held by the view) */
    /* The kind's object (the message, the chat_member change, ...: the
     * field beside update_id), borrowed from json; NULL if there is none. */
    json_object *object;
    /* The name of that field ("chat_member", or an unknown kind's name);
     * "" if there is none. Points into json. */
    const char *kind_key;
} bh_update;

/**
 * Parses one Update object. Takes its own reference on obj (the caller
 * keeps its own). Unknown update kinds are not an error: kind is
 * BH_UPDATE_OTHER. Optional fields that are malformed read as absent. Errors: BH_EINVAL (NULL argument), BH_EPROTO (obj is
 * not an object, update_id missing or not an integer, a message without an
 * integer message_id or chat.id, a callback_query without id or from),
 * BH_ENOMEM.
 */
int bh_update_parse(json_object *obj, bh_update **out);

/** Frees an update (and its views). NULL is a no-op. */
void bh_update_free(bh_update *u);

/** The raw Update object, for fields without a typed view. */
json_object *bh_update_json(const bh_update *u);

/** The name of a kind ("message", ..., "other"); "other" for values out
 *  of range too. */
const char *bh_update_kind_name(bh_update_kind kind);

/** The kind named name ("chat_member"); BH_UPDATE_OTHER for a name this
 *  version does not know or NULL. */
bh_update_kind bh_update_kind_from_name(const char *name);

/** Whether updates of kind carry a Message (message, edited_message,
 *  channel_post, edited_channel_post, business_message,
 *  edited_business_message, guest_message): 1 or 0. */
int bh_update_kind_is_message(bh_update_kind kind);

/** The kind's object of u (see bh_update.object); NULL if none or NULL u. */
json_object *bh_update_object(const bh_update *u);

/** Parses one Message object (same rules as in bh_update_parse).
 *  Errors: BH_EINVAL, BH_EPROTO, BH_ENOMEM. */
int bh_message_parse(json_object *obj, bh_message **out);
void bh_message_free(bh_message *m);

/** Parses one User object. Errors: BH_EINVAL, BH_EPROTO (no integer id), BH_ENOMEM. */
int bh_user_parse(json_object *obj, bh_user **out);
void bh_user_free(bh_user *u);

/*
 * The updates of one getUpdates answer. Malformed entries are skipped (and
 * logged), but next_offset still moves past them so that confirming it
 * does not fetch them again for ever.
 */
typedef struct bh_update_batch {
    bh_update **items;
    size_t count;
    size_t skipped;      /* malformed entries left out */
    int64_t next_offset; /* highest update_id seen + 1, or 0 if none */
} bh_update_batch;

/**
 * Parses a getUpdates result (an array of Update objects) into *out.
 * Errors: BH_EINVAL (NULL argument), BH_EPROTO (not an array), BH_ENOMEM.
 */
int bh_updates_parse(json_object *result, bh_update_batch *out);

/** Frees the updates of a batch and zeroes it. NULL is a no-op. */
void bh_update_batch_free(bh_update_batch *b);

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

/* The i-th option of a poll: its text and votes. */
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
    json_object *json;
} bh_chat_member_updated;
int bh_chat_member_updated_view(json_object *obj, bh_chat_member_updated *out);
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

/* ---- Inline keyboards ---------------------------------------------------- */

typedef struct bh_keyboard bh_keyboard;

/** A new empty inline keyboard. Errors: BH_EINVAL, BH_ENOMEM. */
int bh_keyboard_new(bh_keyboard **out);
void bh_keyboard_free(bh_keyboard *k);
/** Starts a new row; buttons go to the last row (a first row is implicit).
 *  Errors: BH_EINVAL, BH_ENOMEM. */
int bh_keyboard_row(bh_keyboard *k);
/** Adds a button that sends a callback query with data (1..64 bytes).
 *  Errors: BH_EINVAL (NULL/empty text, data empty or longer than 64 bytes), BH_ENOMEM. */
int bh_keyboard_button_callback(bh_keyboard *k, const char *text, const char *data);
/** Adds a button that opens url. Errors: BH_EINVAL (NULL/empty text or url), BH_ENOMEM. */
int bh_keyboard_button_url(bh_keyboard *k, const char *text, const char *url);
/** The reply_markup object {"inline_keyboard":[[...],...]}, owned by k. */
json_object *bh_keyboard_json(const bh_keyboard *k);

/* ---- Typed methods ------------------------------------------------------- */
/*
 * Each returns the errors of bh_client_call, plus BH_EINVAL for a NULL or
 * empty required argument, and BH_EPROTO when the result does not have the
 * documented type. Outputs may be NULL when not wanted.
 */

typedef struct bh_send_options {
    const char *parse_mode;          /* "HTML", "MarkdownV2", ...; NULL for none */
    int64_t reply_to_message_id;     /* 0 for none */
    int disable_notification;
    int disable_web_page_preview;
    const bh_keyboard *reply_markup; /* NULL for none */
} bh_send_options;

/** getMe: the bot's own user. */
int bh_client_get_me(bh_client *c, bh_user **me);

/**
 * getUpdates. offset: first update_id wanted (0: from the oldest
 * unconfirmed); limit: 1..100, 0 for the server's default (100); timeout:
 * seconds of long polling (0 for a short poll); allowed_updates: a
 * NULL-terminated list of kinds, or NULL to keep the server's setting.
 * The HTTP timeout of the request is timeout s + the client's timeout_ms.
 * Errors: those of bh_client_call, BH_EINVAL (negative timeout, limit out
 * of range), BH_EPROTO (result not an array).
 */
int bh_client_get_updates(bh_client *c, int64_t offset, int limit, int timeout,
                          const char *const *allowed_updates, bh_update_batch *out);

/** sendMessage to chat_id; opt may be NULL. *sent is the sent message. */
int bh_client_send_message(bh_client *c, int64_t chat_id, const char *text,
                           const bh_send_options *opt, bh_message **sent);

/** editMessageText of message_id in chat_id; opt may be NULL (only
 *  parse_mode, disable_web_page_preview and reply_markup are used).
 *  *edited is the edited message. */
int bh_client_edit_message_text(bh_client *c, int64_t chat_id, int64_t message_id,
                                const char *text, const bh_send_options *opt,
                                bh_message **edited);

/** deleteMessage. */
int bh_client_delete_message(bh_client *c, int64_t chat_id, int64_t message_id);

/** forwardMessage of message_id from from_chat_id to chat_id. */
int bh_client_forward_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                              int64_t message_id, int disable_notification,
                              bh_message **forwarded);

/** sendChatAction ("typing", "upload_photo", ...). */
int bh_client_send_chat_action(bh_client *c, int64_t chat_id, const char *action);

/** answerCallbackQuery; text may be NULL (no notification). */
int bh_client_answer_callback_query(bh_client *c, const char *callback_query_id,
                                    const char *text, int show_alert);

typedef struct bh_bot_command_info {
    const char *command;     /* 1..32 of a-z, 0-9, _ (without '/') */
    const char *description; /* 1..256 bytes */
} bh_bot_command_info;

/** setMyCommands with n commands (n may be 0 to clear the list).
 *  Errors: also BH_EINVAL for a command or description out of the rules above. */
int bh_client_set_my_commands(bh_client *c, const bh_bot_command_info *cmds, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_TELEGRAM_H */
