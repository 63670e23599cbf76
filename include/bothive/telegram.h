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
    /* When the text starts with a bot_command entity (or, for a message
     * without entities at all, with '/' and command characters): the command without
     * its '/' and without the "@botname" suffix ("start"), the suffix
     * without '@' (NULL if none), and the text after the command with
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
} bh_callback_query;

typedef enum bh_update_kind {
    BH_UPDATE_OTHER = 0, /* a kind without a typed view: use bh_update_json */
    BH_UPDATE_MESSAGE,
    BH_UPDATE_EDITED_MESSAGE,
    BH_UPDATE_CHANNEL_POST,
    BH_UPDATE_EDITED_CHANNEL_POST,
    BH_UPDATE_CALLBACK_QUERY
} bh_update_kind;

typedef struct bh_update {
    int64_t update_id;
    bh_update_kind kind;
    /* For the four message kinds, the message (or post); else NULL. */
    bh_message *message;
    /* For BH_UPDATE_CALLBACK_QUERY, the query; else NULL. */
    bh_callback_query *callback_query;
    json_object *json;   /* the Update object (a reference held by the view) */
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

/** The name of a kind ("message", ..., "other"). */
const char *bh_update_kind_name(bh_update_kind kind);

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


/* ---- The call path's limiter ---------------------------------------------- */
/*
 * The client knows no store: a program that wants the flood limits shared
 * by several processes (the bot layer does, with its store-backed rate
 * limiter) gives the client a limiter. Before each attempt of a method that
 * sends to a chat (every send* but sendChatAction, copy*, forward*), the
 * client calls wait(); after each 429 it calls paused() with retry_after,
 * so the limiter can hold back every process of the bot for that time.
 */
typedef struct bh_limiter {
    /* Blocks until a message may go to chat_id (0 when the chat is given
     * as @username). A non-zero return is logged and the send goes anyway:
     * a broken limiter must not silence the bot. */
    int (*wait)(void *arg, const char *method, int64_t chat_id);
    /* A 429 answered method for chat_id: nothing may be sent for
     * retry_after seconds. */
    void (*paused)(void *arg, const char *method, int64_t chat_id, int retry_after);
    void *arg;
} bh_limiter;

/** Sets (or with NULL removes) the client's limiter; *l is copied.
 *  Errors: BH_EINVAL (NULL client). */
int bh_client_set_limiter(bh_client *c, const bh_limiter *l);

/** Whether method sends to a chat and so waits for the limiter (1 or 0). */
int bh_method_sends_to_chat(const char *method);

/* ---- Files to upload -------------------------------------------------------- */

typedef enum bh_input_kind {
    BH_INPUT_NONE = 0,
    BH_INPUT_PATH,    /* a file on disk, streamed as it is sent */
    BH_INPUT_MEMORY,  /* bytes in memory (copied by the builder) */
    BH_INPUT_FILE_ID, /* a file already on Telegram's servers */
    BH_INPUT_URL      /* a URL Telegram fetches itself */
} bh_input_kind;

/* A file for any parameter that takes one. Make it with the functions
 * below; the strings and bytes it points to must live until it is added
 * to a bh_params (which copies them). */
typedef struct bh_input_file {
    bh_input_kind kind;
    const char *value;    /* path, file_id or URL */
    const void *data;     /* BH_INPUT_MEMORY: the bytes */
    size_t len;
    const char *filename; /* name shown to users; NULL: the path's base name, or "file" */
} bh_input_file;

#define BH_UPLOAD_MAX ((int64_t)50 << 20)    /* any upload, as the Bot API limits it */
#define BH_PHOTO_MAX ((int64_t)10 << 20)     /* a photo */
#define BH_DOWNLOAD_MAX ((int64_t)20 << 20)  /* what getFile serves */

bh_input_file bh_file_path(const char *path);
bh_input_file bh_file_memory(const void *data, size_t len, const char *filename);
bh_input_file bh_file_id(const char *file_id);
bh_input_file bh_file_url(const char *url);

/* ---- The parameter builder ------------------------------------------------ */
/*
 * The parameters of any method, built without writing JSON: json-c makes
 * the body. A file to upload makes the request multipart/form-data. A
 * setter that fails keeps its error, which the call returns (so a chain of
 * setters may be checked once, at the call); bh_params_error says why.
 */
typedef struct bh_params bh_params;

/** Errors: BH_EINVAL (NULL out), BH_ENOMEM. */
int bh_params_new(bh_params **out);
void bh_params_free(bh_params *p);
/* Each setter replaces an earlier value of key. Errors: BH_EINVAL (NULL p,
 * key or value), BH_ENOMEM, or the first error of an earlier setter. */
int bh_params_str(bh_params *p, const char *key, const char *value);
int bh_params_int(bh_params *p, const char *key, int64_t value);
int bh_params_bool(bh_params *p, const char *key, int value);
int bh_params_double(bh_params *p, const char *key, double value);
/** Any JSON value (takes a new reference; the caller keeps its own). */
int bh_params_json(bh_params *p, const char *key, json_object *value);
/** A JSON value given as text. Errors: also BH_EJSON (not JSON). */
int bh_params_json_text(bh_params *p, const char *key, const char *json);
/** reply_markup from an inline keyboard (copied). */
int bh_params_keyboard(bh_params *p, const bh_keyboard *k);
/**
 * A file for key: a file_id or URL goes as a string, a path or bytes as an
 * upload part. Checked at once: a path that cannot be opened for reading
 * (BH_EIO, the description naming the path), a file above BH_UPLOAD_MAX,
 * or above BH_PHOTO_MAX for key "photo" (BH_ETOOBIG, naming the limit).
 * Errors: BH_EINVAL (NULL, empty or BH_INPUT_NONE file), BH_EIO,
 * BH_ETOOBIG, BH_ENOMEM.
 */
int bh_params_file(bh_params *p, const char *key, const bh_input_file *f);
/**
 * A file referred to from inside another parameter (InputMedia's "media"):
 * an upload becomes a part of its own, and ref receives "attach://<part>";
 * a file_id or URL is copied to ref as it is. max_bytes: the limit of that
 * use (BH_PHOTO_MAX for a photo; 0 for BH_UPLOAD_MAX).
 * Errors: those of bh_params_file, BH_ETOOBIG also when ref is too small.
 */
int bh_params_attach(bh_params *p, const bh_input_file *f, int64_t max_bytes, char *ref,
                     size_t refsz);
/** Why the first failed setter failed ("" if none); never NULL. */
const char *bh_params_error(const bh_params *p);
/** The JSON object of the non-file parameters (owned by p). */
json_object *bh_params_object(const bh_params *p);

/**
 * Calls method with p (NULL for none; not consumed). Goes through the same
 * path as bh_client_call (limiter, retries, 429, migration); as
 * multipart/form-data when p has an upload, the files streamed from disk.
 * Errors: those of bh_client_call, and the error of a failed setter of p
 * (its description in bh_client_last_error).
 */
int bh_client_call_params(bh_client *c, const char *method, const bh_params *p,
                          json_object **result);

/* ---- Downloads -------------------------------------------------------------- */

typedef struct bh_file_info {
    char file_id[256];
    char file_unique_id[128];
    int64_t file_size;    /* 0 when Telegram does not say */
    char file_path[1024]; /* "" when the file cannot be downloaded */
} bh_file_info;

/** getFile. Errors: those of bh_client_call, BH_EINVAL (NULL/empty id),
 *  BH_EPROTO (no File in the answer). */
int bh_client_get_file(bh_client *c, const char *file_id, bh_file_info *out);

/**
 * Downloads file_path (from getFile) from <base>/file/bot<token>/ to dest:
 * written to a temporary file beside it and renamed when complete, so a
 * failed download leaves no file at dest (nor the temporary). An absolute
 * file_path (a local Bot API server) is copied from the local disk.
 * max_bytes: 0 for BH_DOWNLOAD_MAX. The URL is never logged.
 * Errors: BH_EINVAL (NULL argument, empty path), BH_ETOOBIG (larger than
 * max_bytes), BH_EAPI (HTTP error; error_code is the status), BH_EIO
 * (cannot write dest or read a local file), BH_ENET, BH_ETIMEDOUT,
 * BH_EINTR, BH_ENOMEM.
 */
int bh_client_download(bh_client *c, const char *file_path, const char *dest,
                       int64_t max_bytes);

/** As bh_client_download, into *data (malloc'd, NUL-terminated, caller
 *  frees) and *len. Errors: those of bh_client_download. */
int bh_client_download_buffer(bh_client *c, const char *file_path, int64_t max_bytes,
                              char **data, size_t *len);

/** getFile of file_id and then bh_client_download to dest.
 *  Errors: those of both. */
int bh_client_download_file(bh_client *c, const char *file_id, const char *dest,
                            int64_t max_bytes);

/* ---- Typed methods with files, and chat management ------------------------- */
/*
 * Each goes through bh_client_call_params (the limiter, retries, 429,
 * migration), and returns its errors, plus BH_EINVAL for a NULL or empty
 * required argument, the builder's errors for a file (BH_EIO for an
 * unreadable path, BH_ETOOBIG above the limits, each described in
 * bh_client_last_error), and BH_EPROTO when the result does not have the
 * documented type. Outputs may be NULL when not wanted.
 */

/** sendPhoto of photo (at most BH_PHOTO_MAX) with caption (NULL: none);
 *  opt may be NULL. */
int bh_client_send_photo(bh_client *c, int64_t chat_id, const bh_input_file *photo,
                         const char *caption, const bh_send_options *opt, bh_message **sent);

/** sendDocument of document (at most BH_UPLOAD_MAX); as bh_client_send_photo. */
int bh_client_send_document(bh_client *c, int64_t chat_id, const bh_input_file *document,
                            const char *caption, const bh_send_options *opt, bh_message **sent);

/** sendAudio, sendVideo, sendAnimation, sendVoice, sendVideoNote: as
 *  bh_client_send_document (video notes take no caption: pass NULL). */
int bh_client_send_audio(bh_client *c, int64_t chat_id, const bh_input_file *audio,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_video(bh_client *c, int64_t chat_id, const bh_input_file *video,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_animation(bh_client *c, int64_t chat_id, const bh_input_file *animation,
                             const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_voice(bh_client *c, int64_t chat_id, const bh_input_file *voice,
                         const char *caption, const bh_send_options *opt, bh_message **sent);
int bh_client_send_video_note(bh_client *c, int64_t chat_id, const bh_input_file *video_note,
                              const char *caption, const bh_send_options *opt, bh_message **sent);
/** sendSticker (a sticker has no caption). */
int bh_client_send_sticker(bh_client *c, int64_t chat_id, const bh_input_file *sticker,
                           const bh_send_options *opt, bh_message **sent);

/* One item of an album. */
typedef struct bh_input_media {
    const char *type;      /* "photo", "video", "document" or "audio" */
    bh_input_file file;    /* uploads go as attach:// parts */
    const char *caption;   /* NULL: none */
    const char *parse_mode;
} bh_input_media;

/**
 * sendMediaGroup of n (2..10) items as one album. *sent receives the n
 * messages (free with bh_messages_free), *nsent their number.
 * Errors: also BH_EINVAL for n out of 2..10 or an item without type.
 */
int bh_client_send_media_group(bh_client *c, int64_t chat_id, const bh_input_media *media,
                               size_t n, const bh_send_options *opt, bh_message ***sent,
                               size_t *nsent);
/** Frees an array of n messages. NULL is a no-op. */
void bh_messages_free(bh_message **msgs, size_t n);

/** deleteMessages of n (1..100) ids. */
int bh_client_delete_messages(bh_client *c, int64_t chat_id, const int64_t *ids, size_t n);

/** pinChatMessage. */
int bh_client_pin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id,
                               int disable_notification);

/** banChatMember until until_date (unix time; 0: for ever); revoke_messages
 *  deletes the user's messages too. */
int bh_client_ban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              int64_t until_date, int revoke_messages);

/* What a restricted member may do; every field is sent (0 is "no"). */
typedef struct bh_chat_permissions {
    int can_send_messages, can_send_audios, can_send_documents, can_send_photos;
    int can_send_videos, can_send_video_notes, can_send_voice_notes, can_send_polls;
    int can_send_other_messages, can_add_web_page_previews, can_change_info;
    int can_invite_users, can_pin_messages, can_manage_topics;
} bh_chat_permissions;

/** restrictChatMember to perm until until_date (0: for ever). */
int bh_client_restrict_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                   const bh_chat_permissions *perm, int64_t until_date);

typedef struct bh_chat_member {
    char status[24];    /* creator, administrator, member, restricted, left, kicked */
    int64_t user_id;
    int64_t until_date; /* 0 when none */
    json_object *json;  /* the ChatMember object; released by bh_chat_member_clear */
} bh_chat_member;

/** getChatMember into *out (clear it with bh_chat_member_clear). */
int bh_client_get_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                              bh_chat_member *out);
void bh_chat_member_clear(bh_chat_member *m);

/* ---- Editing, copying, unbanning, unpinning ------------------------------- */
/* The same rules and errors as the typed methods above. */

/** editMessageMedia: message_id in chat_id shows media instead (an upload
 *  goes as an attach:// part); markup may be NULL. *edited: the message. */
int bh_client_edit_message_media(bh_client *c, int64_t chat_id, int64_t message_id,
                                 const bh_input_media *media, const bh_keyboard *markup,
                                 bh_message **edited);

/** editMessageCaption: caption (NULL or "" removes it); opt may be NULL
 *  (only parse_mode and reply_markup are used). */
int bh_client_edit_message_caption(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *caption, const bh_send_options *opt,
                                   bh_message **edited);

/** copyMessage of message_id from from_chat_id to chat_id; caption, when
 *  not NULL, replaces a media message's caption. *new_id: the copy's id. */
int bh_client_copy_message(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                           int64_t message_id, const char *caption,
                           const bh_send_options *opt, int64_t *new_id);

/** unbanChatMember; only_if_banned leaves a member who is not banned alone. */
int bh_client_unban_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                int only_if_banned);

/** unpinChatMessage of message_id (0: the most recently pinned). */
int bh_client_unpin_chat_message(bh_client *c, int64_t chat_id, int64_t message_id);

/** unpinAllChatMessages. */
int bh_client_unpin_all_chat_messages(bh_client *c, int64_t chat_id);

/* ---- Text for the parse modes -------------------------------------------- */

/**
 * A copy of text (malloc'd; the caller frees it) that shows as itself with
 * parse_mode "HTML" (&, <, > and " escaped) or "MarkdownV2" (each of
 * _*[]()~`>#+-=|{}.! and \ preceded by a backslash): for putting what a
 * user wrote inside formatted text. NULL when text is NULL or out of memory.
 */
char *bh_text_escape_html(const char *text);
char *bh_text_escape_markdown_v2(const char *text);

/* ---- Locations, venues, contacts, dice, polls ------------------------------- */
/* The same rules and errors as the typed methods above; opt may be NULL. */

/** sendLocation. Errors: also BH_EINVAL (latitude outside -90..90,
 *  longitude outside -180..180). */
int bh_client_send_location(bh_client *c, int64_t chat_id, double latitude, double longitude,
                            const bh_send_options *opt, bh_message **sent);
/** sendVenue (title and address required). */
int bh_client_send_venue(bh_client *c, int64_t chat_id, double latitude, double longitude,
                         const char *title, const char *address, const bh_send_options *opt,
                         bh_message **sent);
/** sendContact; last_name may be NULL. */
int bh_client_send_contact(bh_client *c, int64_t chat_id, const char *phone_number,
                           const char *first_name, const char *last_name,
                           const bh_send_options *opt, bh_message **sent);
/** sendDice; emoji NULL for the server's default (a die). */
int bh_client_send_dice(bh_client *c, int64_t chat_id, const char *emoji,
                        const bh_send_options *opt, bh_message **sent);
/** sendPoll with n (2..10) options. */
int bh_client_send_poll(bh_client *c, int64_t chat_id, const char *question,
                        const char *const *options, size_t n, const bh_send_options *opt,
                        bh_message **sent);

/* ---- Chats: information, leaving, reactions, bulk forwards and copies ------- */
/* The same rules and errors as the typed methods above. */

typedef struct bh_chat_info {
    int64_t id;
    char type[16];      /* private, group, supergroup, channel */
    char title[256];    /* "" for private chats */
    char username[64];  /* "" when none */
    json_object *json;  /* the ChatFullInfo object; released by bh_chat_info_clear */
} bh_chat_info;

/** getChat into *out (clear it with bh_chat_info_clear). */
int bh_client_get_chat(bh_client *c, int64_t chat_id, bh_chat_info *out);
void bh_chat_info_clear(bh_chat_info *info);

/** leaveChat. */
int bh_client_leave_chat(bh_client *c, int64_t chat_id);

/** getChatAdministrators: *out receives *n members (free them with
 *  bh_chat_members_free). */
int bh_client_get_chat_administrators(bh_client *c, int64_t chat_id, bh_chat_member **out,
                                      size_t *n);
void bh_chat_members_free(bh_chat_member *members, size_t n);

/** getChatMemberCount. */
int bh_client_get_chat_member_count(bh_client *c, int64_t chat_id, int64_t *count);

/** setMessageReaction: emoji (NULL removes the bot's reaction). */
int bh_client_set_message_reaction(bh_client *c, int64_t chat_id, int64_t message_id,
                                   const char *emoji, int is_big);

/**
 * forwardMessages / copyMessages of n (1..100) ids of from_chat_id to
 * chat_id. new_ids (room for n, or NULL) receives the ids of the messages
 * sent, *nsent (may be NULL) their number (ids that name no message are
 * skipped by Telegram).
 */
int bh_client_forward_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                               const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent);
int bh_client_copy_messages(bh_client *c, int64_t chat_id, int64_t from_chat_id,
                            const int64_t *ids, size_t n, int64_t *new_ids, size_t *nsent);

/* ---- Webhooks, commands, keyboards of sent messages, polls, rights -------- */
/* The same rules and errors as the typed methods above. */

typedef struct bh_webhook_options {
    const char *secret_token;            /* NULL: none */
    const char *const *allowed_updates;  /* NULL-terminated; NULL: keep the server's */
    int max_connections;                 /* 0: the server's default */
    int drop_pending_updates;
} bh_webhook_options;

/** setWebhook to url; opt may be NULL. */
int bh_client_set_webhook(bh_client *c, const char *url, const bh_webhook_options *opt);
/** deleteWebhook. */
int bh_client_delete_webhook(bh_client *c, int drop_pending_updates);

typedef struct bh_webhook_info {
    char url[512];                 /* "" when none is set */
    int64_t pending_update_count;
    int64_t last_error_date;       /* 0 when none */
    char last_error_message[256];
    json_object *json;             /* the WebhookInfo; released by bh_webhook_info_clear */
} bh_webhook_info;

/** getWebhookInfo into *out (clear it with bh_webhook_info_clear). */
int bh_client_get_webhook_info(bh_client *c, bh_webhook_info *out);
void bh_webhook_info_clear(bh_webhook_info *info);

/** deleteMyCommands (of the default scope and language). */
int bh_client_delete_my_commands(bh_client *c);

/** editMessageReplyMarkup: markup NULL removes the inline keyboard. */
int bh_client_edit_message_reply_markup(bh_client *c, int64_t chat_id, int64_t message_id,
                                        const bh_keyboard *markup, bh_message **edited);

/** stopPoll: closes the poll of message_id; *poll (may be NULL) receives the
 *  Poll object (a new reference the caller puts). */
int bh_client_stop_poll(bh_client *c, int64_t chat_id, int64_t message_id, json_object **poll);

/* The rights of an administrator; every field is sent (0 is "no"). */
typedef struct bh_admin_rights {
    int is_anonymous, can_manage_chat, can_delete_messages, can_manage_video_chats;
    int can_restrict_members, can_promote_members, can_change_info, can_invite_users;
    int can_pin_messages, can_post_stories, can_edit_stories, can_delete_stories;
    int can_manage_topics;
} bh_admin_rights;

/** promoteChatMember with rights (all zero demotes to a member). */
int bh_client_promote_chat_member(bh_client *c, int64_t chat_id, int64_t user_id,
                                  const bh_admin_rights *rights);

/** setChatPermissions: what members may do by default. */
int bh_client_set_chat_permissions(bh_client *c, int64_t chat_id, const bh_chat_permissions *perm);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_TELEGRAM_H */
