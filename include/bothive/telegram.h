/*
 * bothive: the Telegram Bot API client.
 *
 * A bh_client sends Bot API requests over HTTPS with libcurl: each call is a
 * POST of a JSON object to <base>/bot<token>/<method> (multipart/form-data
 * when it uploads a file: see botapi.h, included below), and the answer's
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
 * until it is freed. Every other field of a message, and the objects of the
 * other update kinds, are read lazily, when asked, by the functions of
 * telegram_views.h (included below), with nothing to free. Ids are int64_t everywhere (chat ids such as
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
 * Limits: before each attempt of a method that sends to a chat, the
 * client's limiter (bh_client_set_limiter in botapi.h), if any, is asked
 * to wait, and it is told of each 429; every typed method goes this way.
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

/* What a reply answers (ReplyParameters): a message of this chat or of
 * another one, optionally quoting a part of it. */
typedef struct bh_reply_parameters {
    int64_t message_id;              /* 0: not a reply */
    int64_t chat_id;                 /* the replied message's chat; 0: the same chat */
    int allow_sending_without_reply; /* send even when that message is gone */
    const char *quote;               /* a part of the replied message to quote; NULL: none */
    const char *quote_parse_mode;    /* the quote's parse mode; NULL: none */
    int64_t quote_position;          /* the quote's UTF-16 offset; sent when > 0 */
} bh_reply_parameters;

/* The options of a send (and, where the method takes them, of an edit).
 * Zero or NULL leaves an option out, so the server's default applies.
 * JSON values are not consumed (the builder copies a reference). */
typedef struct bh_send_options {
    const char *parse_mode;          /* "HTML", "MarkdownV2", ...; NULL for none
                                      * (see bh_text_escape_html / _markdown_v2) */
    int64_t reply_to_message_id;     /* 0 for none; reply.message_id replaces it */
    int disable_notification;
    int disable_web_page_preview;
    const bh_keyboard *reply_markup; /* NULL for none */
    /* The newer options of the Bot API. */
    json_object *entities;           /* MessageEntity array, instead of parse_mode: of
                                      * the text, or of the caption (caption_entities) */
    json_object *link_preview_options; /* LinkPreviewOptions (texts only) */
    int protect_content;             /* no forwarding nor saving */
    int allow_paid_broadcast;        /* past the broadcast limits, for Stars */
    int64_t message_thread_id;       /* a forum topic; 0 for none */
    const char *business_connection_id; /* on behalf of a business account */
    const char *message_effect_id;   /* a message effect (private chats only) */
    bh_reply_parameters reply;       /* reply_parameters; .message_id 0 for none */
    json_object *markup;             /* any reply markup as JSON (ReplyKeyboardMarkup,
                                      * ReplyKeyboardRemove, ForceReply, inline);
                                      * used when reply_markup is NULL */
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
 *  parse_mode, entities, link_preview_options, business_connection_id,
 *  disable_web_page_preview, reply_markup and markup are used).
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

/* The lazy views of every field of a Message and of the other update objects. */
#include "telegram_views.h"
/* Every method through one call path, files up and down, the parameter
 * builder and the typed methods beyond the first few: botapi.h. */
#include "botapi.h"

#endif /* BOTHIVE_TELEGRAM_H */
