/*
 * bothive emu: private interface between the files of the Bot API emulator.
 *
 * emu.c      command line, signals, start and stop
 * http.c     libmicrohttpd glue: bodies, routing; calls api.c and control.c
 * api.c      the Bot API methods and fault injection
 * check.c    the parameter checks the methods share, in Telegram's words
 * control.c  the /control API used by tests and tools
 * inject.c   the control calls that play every other update kind
 * inline.c   answerInlineQuery and join request decisions, recorded
 * reply.c    the answers in the Bot API's shape, which api.c and control.c build
 * params.c   request parameters (query, form, JSON) and text helpers
 * state.c    the world: chats, messages, the update queue, counters
 * flood.c    --flood: Telegram's flood limits, 429 with retry_after
 * admin.c    members and their rights: what users may still do in a group
 * webhook.c  the thread that POSTs updates to a webhook
 *
 * launch.c (launch.h) and client.c (client.h) are for those who run the
 * emulator: start it as a child process and read its URL, send it
 * requests. `bothive chat` and the tests use them; they do not include
 * this header.
 *
 * Concurrency: libmicrohttpd runs one thread per connection. All of the
 * world (struct bh_emu) is guarded by one mutex, `lock`; `cond` is broadcast
 * whenever an update is queued, the webhook changes, or the emulator stops,
 * so long polls and the webhook thread wake at once. json-c objects are never
 * shared between threads: the world keeps plain C data and JSON texts.
 */
#ifndef BOTHIVE_TOOLS_EMU_H
#define BOTHIVE_TOOLS_EMU_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "base/backoff.h"
#include "base/clock.h"

/* Webhook retries (webhook.c): quicker than Telegram, so tests of
 * retries run fast. */
#define BH_EMU_WEBHOOK_BACKOFF_MIN_MS 100
#define BH_EMU_WEBHOOK_BACKOFF_MAX_MS 2000

#define BH_EMU_DEFAULT_TOKEN "123456:TEST"
#define BH_EMU_MAX_BODY (1024 * 1024)   /* request bodies above this get 413 */
#define BH_EMU_MAX_TEXT 4096            /* UTF-16 code units, as Telegram counts */
#define BH_EMU_MAX_POLL_TIMEOUT 600     /* seconds; longer long polls are cut */
#define BH_EMU_CHAT_BUCKETS 1024
#define BH_EMU_MAX_UPLOAD ((size_t)50 << 20)   /* a multipart body above this gets 413 */
#define BH_EMU_MAX_PHOTO ((size_t)10 << 20)
#define BH_EMU_MAX_DOWNLOAD ((size_t)20 << 20)  /* getFile refuses larger files */
#define BH_EMU_MAX_CAPTION 1024                 /* UTF-16 code units */

/* An uploaded part of a multipart request (files.c, http.c). */
typedef struct bh_emu_upload {
    char *filename;
    char *data;
    size_t len, cap;
} bh_emu_upload;

/* A file the emulator keeps: uploaded bytes, or a URL's file without them. */
typedef struct bh_emu_file {
    char id[64];
    char unique_id[24];
    char path[96];          /* "" when it cannot be downloaded */
    char kind[16];          /* photo, document, ... */
    char *name;             /* the uploaded file name, NULL if none */
    char *data;             /* NULL for a URL's file */
    size_t len;
    struct bh_emu_file *next;
} bh_emu_file;

/* A member of a group whose status the bot changed (ban, restriction). */
typedef struct bh_emu_member {
    int64_t user_id;
    char status[16];        /* member, kicked, restricted */
    int64_t until_date;
    char *permissions;      /* JSON text: a restriction's permissions, an administrator's rights */
    int by_bot;             /* an administrator the bot promoted (it may restrict them) */
    struct bh_emu_member *next;
} bh_emu_member;

#define BH_EMU_ERR_NOT_MODIFIED                                                              \
    "Bad Request: message is not modified: specified new message content and reply markup " \
    "are exactly the same as a current content and reply markup of the message"

/* A message in a chat, written by a user or by the bot. */
typedef struct bh_emu_msg {
    int64_t id;
    int64_t date;
    int64_t user_id;        /* author when !from_bot */
    char lang[16];          /* the author's language_code ("": "en"), BH_EMU_LANG_MAX */
    int from_bot;
    int deleted;
    int edited;
    int64_t edit_date;
    int disable_notification;
    char *text;
    char *parse_mode;       /* NULL when none */
    char *reply_markup;     /* JSON text, NULL when none */
    char *entities;         /* JSON text of the entities array, NULL when none */
    int64_t reply_to;       /* 0 when none */
    int64_t fwd_chat_id;    /* forwarded from, 0 when not a forward */
    int64_t fwd_msg_id;
    char *media;            /* JSON object text of the media fields ({"photo":[...]}), NULL for text */
    char *caption;          /* media messages; NULL when none */
    char *media_group_id;   /* NULL when not part of an album */
    int pinned;
    char *extra;            /* JSON object text of more Message fields (send options: quote,
                             * external_reply, has_protected_content...), NULL when none */
} bh_emu_msg;

typedef struct bh_emu_chat {
    int64_t id;
    char type[16];          /* private, group or supergroup */
    char *title;            /* groups only */
    int64_t user_id;        /* private chats: the user */
    int blocked;            /* the user blocked the bot: sends answer 403 */
    int left;               /* the bot left the group (leaveChat): sends answer 403 */
    char *permissions;      /* setChatPermissions: JSON text, NULL for Telegram's defaults */
    char *invite_links;     /* JSON text of the array of ChatInviteLinks made, NULL if none */
    char *description;      /* setChatDescription; NULL when none */
    char *photo_file_id;    /* setChatPhoto; NULL when none */
    char *menu_button;      /* setChatMenuButton: JSON text, NULL for the default */
    char *topics;           /* forums.c: JSON text of {"<id>": ForumTopic + is_closed}, NULL if none */
    int general_closed, general_hidden;
    int64_t next_topic_id;
    int64_t retry_until_ms; /* a 429 was answered: requests before this are early */
    int64_t early_retries;
    int64_t flood_tat_us, flood_group_tat_us; /* flood.c: GCRA state of the chat's limits */
    bh_emu_member *members; /* users whose status the bot changed */
    bh_emu_msg *msgs;       /* msgs[i].id == i + 1 */
    size_t nmsgs, capmsgs;
    struct bh_emu_chat *next;  /* hash chain */
} bh_emu_chat;

typedef struct bh_emu_update {
    int64_t id;
    char type[32];          /* message, callback_query, ... */
    char *json;             /* the Update object */
    struct bh_emu_update *next;
} bh_emu_update;

/* A pressed inline button, kept so answerCallbackQuery can be checked. */
typedef struct bh_emu_callback {
    char id[32];
    int answered;
    char *answer_text;
    int show_alert;
    struct bh_emu_callback *next;
} bh_emu_callback;

typedef struct bh_emu_faults {
    double rate_429, rate_500, bad_json_rate;
    int retry_after;        /* seconds, >= 1 */
    int delay_ms;
} bh_emu_faults;

typedef struct bh_emu_method_count {
    char name[48];
    int64_t count;
    struct bh_emu_method_count *next;
} bh_emu_method_count;

typedef struct bh_emu_stats {
    int64_t updates_queued, updates_confirmed, updates_filtered;
    int64_t requests, sent_messages, edits, deletes, forwards;
    int64_t faults_429, faults_500, faults_bad_json;
    int64_t early_retries, callback_answers;
    int64_t webhook_deliveries, webhook_failures;
    int64_t flood_429;      /* sends refused by --flood's limits */
    int64_t poll_conflicts; /* getUpdates answered 409: another poll began */
} bh_emu_stats;

/* --flood (flood.c): Telegram's flood limits, enforced with GCRA (a
 * token bucket: `burst` sends at once, then one every 1/rate). The
 * bursts are a little above what Telegram's documented rates imply, so a
 * client that keeps to them is not refused for a few milliseconds of
 * network jitter. Set at start (--flood) or by /control/flood; kept
 * across /control/reset (the buckets are emptied). */
typedef struct bh_emu_flood {
    int enabled;
    double global_per_sec;  /* every chat together: 30 */
    int global_burst;
    double chat_per_sec;    /* one chat: 1 */
    int chat_burst;
    double group_per_min;   /* one group or supergroup, on top: 20 */
    int group_burst;
    int64_t global_tat_us;
} bh_emu_flood;

typedef struct bh_emu {
    /* Fixed at start. */
    char *token;
    int64_t bot_id;
    /* The next bot served on the same port (--token A,B), each a world of
     * its own with its own lock; NULL for the last. */
    struct bh_emu *next_bot;

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;

    bh_emu_flood flood;          /* guarded by lock; not cleared by reset */

    /* Everything below is guarded by lock and cleared by reset. */
    bh_emu_chat *chats[BH_EMU_CHAT_BUCKETS];
    bh_emu_update *uhead, *utail;
    size_t pending;
    int64_t next_update_id;
    int64_t next_callback_id;
    bh_emu_callback *callbacks;
    char *allowed_updates;       /* JSON array text, NULL = all but the rare kinds */
    uint64_t poll_generation;    /* a newer getUpdates ends older ones (409) */
    char *commands;              /* setMyCommands: JSON text of {language_code: [...]} */
    char *sticker_sets;          /* stickersets.c: JSON text of {"<name>": StickerSet}, NULL if none */
    char *webhook_url;           /* NULL when no webhook */
    char *webhook_secret;
    int webhook_max_connections; /* setWebhook's, clamped to 1..100 as the Bot API does */
    int64_t webhook_retry_at_ms;
    bh_backoff webhook_backoff;
    int64_t webhook_last_error_date;
    char *webhook_last_error;
    uint64_t webhook_generation; /* bumped on every webhook change or reset */
    int64_t global_retry_until_ms; /* 429 answered to a request without chat */
    bh_emu_faults faults;
    uint64_t rng;
    bh_emu_stats stats;
    bh_emu_method_count *by_method;
    /* inline.c: the bot's answers to inline queries and join requests. */
    struct bh_emu_answer *answers, **answers_tail;
    int64_t next_query_id;        /* inject.c: ids of inline queries */
    struct bh_emu_join *joins;    /* inject.c: join requests not yet decided */
    struct bh_emu_inline_msg *inline_msgs; /* inline.c: messages sent via inline mode */
    int64_t next_inline_msg_id;
    bh_emu_file *files;          /* files.c */
    char *profile;               /* profile.c: {"name":{lang:text},...} as JSON text */
    char *settings;              /* settings.c: {"menu_button":..,"rights":..} as JSON text */
    int64_t next_file_id;

    pthread_t webhook_thread;
    int webhook_thread_started;
} bh_emu;

/* An HTTP answer: status and a malloc'd body (JSON unless the fault says not). */
typedef struct bh_emu_reply {
    unsigned status;
    char *body;
} bh_emu_reply;

/* Request parameters, whichever way they came: a json-c object whose values
 * are strings (query, form) or typed (JSON body). */
typedef struct json_object bh_emu_params;

/* ---- state.c ---- */
int bh_emu_init(bh_emu *e, const char *token);
void bh_emu_destroy(bh_emu *e);
void bh_emu_reset_locked(bh_emu *e);
void bh_emu_webhook_clear_locked(bh_emu *e);
bh_emu_chat *bh_emu_chat_find_locked(bh_emu *e, int64_t id);
bh_emu_chat *bh_emu_chat_get_locked(bh_emu *e, int64_t id, const char *type, int64_t user_id);
bh_emu_msg *bh_emu_msg_find(bh_emu_chat *c, int64_t id);
bh_emu_msg *bh_emu_msg_add_locked(bh_emu_chat *c);
json_object *bh_emu_msg_json_locked(bh_emu *e, bh_emu_chat *c, const bh_emu_msg *m, int depth);
json_object *bh_emu_user_json(int64_t user_id);
json_object *bh_emu_chat_json(const bh_emu_chat *c);
json_object *bh_emu_bot_json(const bh_emu *e);
json_object *bh_emu_chat_json(const bh_emu_chat *c);
int64_t bh_emu_update_queue_locked(bh_emu *e, const char *type, json_object *payload);
void bh_emu_update_confirm_locked(bh_emu *e, int64_t offset);
void bh_emu_update_drop_all_locked(bh_emu *e);
void bh_emu_update_filter_locked(bh_emu *e);
void bh_emu_count_method_locked(bh_emu *e, const char *method);
double bh_emu_random_locked(bh_emu *e);

/* ---- params.c ---- */
bh_emu_params *bh_emu_params_new(void);
int bh_emu_params_add_form(bh_emu_params *p, const char *body, size_t len);
int bh_emu_params_add_json(bh_emu_params *p, const char *body, size_t len);
int bh_emu_params_add_multipart(bh_emu_params *p, const char *ct, const char *body, size_t len);
const char *bh_emu_param_str(bh_emu_params *p, const char *name);
int bh_emu_param_int(bh_emu_params *p, const char *name, int64_t *out);
int bh_emu_param_bool(bh_emu_params *p, const char *name);
json_object *bh_emu_param_json(bh_emu_params *p, const char *name, int *bad);
size_t bh_emu_utf16_len(const char *s, size_t n);
char *bh_emu_trim(const char *s);
char *bh_emu_json_text(json_object *o);

/* ---- reply.c ---- */
enum {
    BH_EMU_REPLY_READY,     /* the answer has a body to send */
    BH_EMU_REPLY_NONE,      /* no body, not even the 500 error: out of memory */
};
void bh_emu_reply_json(bh_emu_reply *r, unsigned status, json_object *o);
void bh_emu_reply_ok(bh_emu_reply *r, json_object *result);
void bh_emu_reply_true_desc(bh_emu_reply *r, const char *desc);
void bh_emu_reply_error(bh_emu_reply *r, unsigned status, const char *description);
void bh_emu_reply_retry_after(bh_emu_reply *r, int retry_after);
void bh_emu_reply_raw(bh_emu_reply *r, unsigned status, const char *body);
int bh_emu_reply_finish(bh_emu_reply *r);

/* ---- check.c: the parameter checks the methods share ---- */
/* What a message shows, read from the text, parse_mode and reply_markup
 * parameters; all malloc'd, NULL when absent. */
typedef struct bh_emu_content {
    char *text;             /* trimmed, 1..BH_EMU_MAX_TEXT UTF-16 units */
    char *parse_mode;
    char *reply_markup;     /* JSON text */
} bh_emu_content;

bh_emu_chat *bh_emu_need_chat(bh_emu *e, bh_emu_params *p, const char *name, bh_emu_reply *r);
bh_emu_chat *bh_emu_need_open_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
bh_emu_msg *bh_emu_need_msg(bh_emu_chat *c, bh_emu_params *p, const char *missing,
                            bh_emu_reply *r);
/* The message an edit names (chat_id and message_id, one the bot sent),
 * its chat in *chat; NULL after answering the error. */
bh_emu_msg *bh_emu_need_own_msg(bh_emu *e, bh_emu_params *p, bh_emu_chat **chat,
                                bh_emu_reply *r);
/* Reads text, parse_mode and reply_markup into *out. Returns BH_OK, or
 * BH_EINVAL after answering the error (then *out holds nothing). */
int bh_emu_need_content(bh_emu_params *p, bh_emu_reply *r, bh_emu_content *out);
void bh_emu_content_free(bh_emu_content *m);
/* As bh_emu_need_content for a media message: caption (optional, at most
 * 1024 UTF-16 units) in out->text, parse_mode and reply_markup. */
int bh_emu_need_caption(bh_emu_params *p, bh_emu_reply *r, bh_emu_content *out);
/* Checks one caption text (raw may be NULL); *out malloc'd or NULL.
 * Returns BH_OK, or BH_EINVAL after answering the error. */
int bh_emu_check_caption(const char *raw, bh_emu_reply *r, char **out);
int64_t bh_emu_need_reply_to(bh_emu_chat *c, bh_emu_params *p, bh_emu_reply *r);
int bh_emu_need_allowed_updates(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- files.c: uploads, file ids, getFile and the file URL ---- */
void bh_emu_upload_free(bh_emu_upload *u);
/* Adds the uploaded part u as parameter name (u is taken). */
int bh_emu_params_add_upload(bh_emu_params *p, const char *name, bh_emu_upload *u);
/* The uploaded part sent as parameter name, or NULL. */
bh_emu_upload *bh_emu_param_upload(bh_emu_params *p, const char *name);
void bh_emu_files_free_locked(bh_emu *e);
bh_emu_file *bh_emu_file_find_locked(bh_emu *e, const char *file_id);
/* The file of parameter name (an upload, attach://, file_id or URL) of at
 * most max bytes, or NULL after answering Telegram's error. */
bh_emu_file *bh_emu_need_file(bh_emu *e, bh_emu_params *p, const char *name, size_t max,
                              bh_emu_reply *r);
/* The same for a value found inside another parameter (InputMedia). */
bh_emu_file *bh_emu_resolve_file(bh_emu *e, bh_emu_params *p, const char *value, const char *kind,
                                 size_t max, bh_emu_reply *r);
json_object *bh_emu_file_json(const bh_emu_file *f);
void bh_emu_get_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
/* A copy of the bytes of the file at file_path (takes e->lock). Returns
 * BH_OK, BH_ENOTFOUND or BH_ENOMEM. */
int bh_emu_file_copy(bh_emu *e, const char *path, char **data, size_t *len);

/* ---- form.c: multipart bodies, read as they arrive ---- */
struct MHD_Connection;
typedef struct bh_emu_form bh_emu_form;
/* A reader of the connection's multipart body, or NULL when the request is
 * not multipart/form-data (or out of memory). */
bh_emu_form *bh_emu_form_new(struct MHD_Connection *con);
/* Reads n more bytes. Returns BH_OK, or BH_ETOOBIG once past the limit. */
int bh_emu_form_feed(bh_emu_form *f, const char *data, size_t n);
/* Moves the fields and files read into p. Returns BH_OK, BH_EINVAL for a
 * malformed body, BH_ENOMEM. */
int bh_emu_form_params(bh_emu_form *f, bh_emu_params *p);
int bh_emu_form_too_big(const bh_emu_form *f);
void bh_emu_form_free(bh_emu_form *f);

/* ---- media.c: methods that send files ---- */
/* The kind of file the send-file method name sends ("photo", ...; its
 * canonical name in *canonical), or NULL when it is not one of them. */
const char *bh_emu_file_method(const char *name, const char **canonical);
/* Serves a send-file method whose file is of kind. */
void bh_emu_send_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *kind);
void bh_emu_send_media_group(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- edit.c: editing media and captions, copying messages ---- */
void bh_emu_edit_message_media(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_message_caption(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_copy_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_message_reply_markup(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_stop_poll(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
/* The media fields of a message showing f as kind, as malloc'd JSON text
 * (media.c). */
char *bh_emu_media_text(const bh_emu_file *f, const char *kind);

/* ---- chats.c: what the bot learns of a chat, leaving it, reactions,
 * forwarding and copying several messages ---- */
void bh_emu_get_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_leave_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_chat_administrators(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_chat_member_count(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_message_reaction(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_forward_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_copy_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- links.c: invite links, join requests, inline answers ---- */
void bh_emu_create_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_revoke_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- profile.c: the bot's name and descriptions, chat titles, logOut, close ---- */
void bh_emu_set_my_name(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_my_name(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_my_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_my_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_my_short_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_my_short_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_chat_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_chat_description(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_export_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_user_profile_photos(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_log_out(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- settings.c: chat photos, menu buttons, default rights, sender chats,
 * stickers, stars ---- */
void bh_emu_set_chat_photo(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_chat_photo(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_chat_menu_button(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_chat_menu_button(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_my_default_administrator_rights(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_my_default_administrator_rights(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_sender_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_upload_sticker_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r); /* stickersets.c */
/* stickersets.c: the bot's sticker sets, kept. */
void bh_emu_create_new_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_add_sticker_to_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_sticker_from_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_sticker_position_in_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_sticker_set_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_forum_topic_icon_stickers(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_my_star_balance(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- forums.c: forum topics of supergroups ---- */
void bh_emu_create_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_close_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_reopen_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_unpin_all_forum_topic_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_close_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_reopen_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_hide_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_unhide_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_unpin_all_general_forum_topic_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- payments.c: invoices, payment queries, stars; boosts, gifts, emoji ---- */
void bh_emu_send_invoice(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_create_invoice_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_answer_payment_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_star_transactions(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_refund_star_payment(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_user_chat_boosts(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_available_gifts(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_custom_emoji_stickers(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- misc.c: custom titles, group sticker sets, business connections,
 * Web App answers, verification, games ---- */
void bh_emu_set_chat_administrator_custom_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_chat_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_chat_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_business_connection(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_answer_web_app_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_verify(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_send_game(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
/* admin.c: the status of user_id in c ("member" when never changed). */
const char *bh_emu_member_status(bh_emu_chat *c, int64_t user_id);

/* ---- places.c: locations, venues, contacts, dice, polls ---- */
void bh_emu_send_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_send_venue(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_send_contact(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_send_dice(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_send_poll(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_edit_message_live_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_stop_message_live_location(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

/* ---- admin.c: managing messages and members ---- */
void bh_emu_unban_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_unpin_chat_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_unpin_all_chat_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_promote_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_set_chat_permissions(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_delete_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_pin_chat_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_ban_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_restrict_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_get_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
void bh_emu_members_free(bh_emu_chat *c);

/* ---- flood.c: --flood, Telegram's flood limits ---- */
/* Telegram's limits, enabled or not. */
void bh_emu_flood_defaults(bh_emu_flood *f, int enabled);
/* Empties every bucket (a reset; the chats' own are freed with them). */
void bh_emu_flood_reset_locked(bh_emu *e);
/* Takes one send of method (one that sends to a chat) from the buckets.
 * Returns true when it may go; false after answering 429 with the
 * retry_after that makes it conform. */
bool bh_emu_flood_take_locked(bh_emu *e, const char *method, bh_emu_params *p, bh_emu_reply *r);
/* GET and POST /control/flood: the limits in force, and changing them. */
void bh_emu_flood_show(bh_emu *e, bh_emu_params *q, bh_emu_reply *r);
void bh_emu_flood_set(bh_emu *e, json_object *b, bh_emu_reply *r);

/* ---- members (admin.c): what users may do in a group ---- */
/* NULL when user_id may post a message of kind ("text", "photo",
 * "document", ...) in c now, else why not, in words for the control API.
 * A ban or restriction whose until_date has passed is lifted first. */
const char *bh_emu_member_refusal_locked(bh_emu_chat *c, int64_t user_id, const char *kind);
/* Records status for user_id as a user changed it (/control/member):
 * "member", "administrator", "creator", "left", "kicked", "restricted"
 * (nothing may be sent). Returns BH_OK or BH_ENOMEM. */
int bh_emu_member_note_locked(bh_emu_chat *c, int64_t user_id, const char *status);
/* The creator of c (its first writer, unless a change says otherwise)
 * and the users promoted, as ChatMember objects appended to list. */
void bh_emu_member_admins_locked(bh_emu_chat *c, json_object *list);
/* A file a user sent (files.c): data (len bytes) taken; NULL if no memory. */
bh_emu_file *bh_emu_file_add_locked(bh_emu *e, const char *kind, const char *name, char *data,
                                    size_t len);

/* ---- api.c ---- */
void bh_emu_api_handle(bh_emu *e, const char *method, bh_emu_params *p, bh_emu_reply *r);

/* ---- control.c ---- */
void bh_emu_control_handle(bh_emu *e, const char *http_method, const char *what,
                           bh_emu_params *query, const char *body, size_t len,
                           bh_emu_reply *r);

/* Helpers of the control handlers, shared with inject.c. Each answers 400
 * itself when it fails (see control.c). */
int bh_emu_field_int(json_object *o, const char *name, int required, int64_t *out,
                     bh_emu_reply *r);
const char *bh_emu_field_str(json_object *o, const char *name, bh_emu_reply *r);
int bh_emu_field_user(json_object *o, int64_t chat_id, int64_t *out, bh_emu_reply *r);
/* A user's language_code in a control body (control.c). */
#define BH_EMU_LANG_MAX 16
int bh_emu_field_lang(json_object *o, char out[BH_EMU_LANG_MAX], bh_emu_reply *r);
json_object *bh_emu_user_lang(json_object *user, const char *lang);
void bh_emu_reply_queued(bh_emu_reply *r, int64_t update_id, const char *key, json_object *value);
/* The entities JSON text of a leading /command in text, NULL if none. */
char *bh_emu_command_entities(const char *text);

/* ---- inject.c: control calls that play every update kind ---- */
typedef void bh_emu_control_fn(bh_emu *e, json_object *body, bh_emu_reply *r);
/* The POST handler of /control/<what>, or NULL if inject.c has none. */
bh_emu_control_fn *bh_emu_inject_find(const char *what);

/* ---- inline.c: answerInlineQuery and join request decisions ---- */
typedef void bh_emu_method_fn(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);
typedef struct bh_emu_answer {
    char *json;                   /* {"method":..., "params":{...}} */
    struct bh_emu_answer *next;
} bh_emu_answer;
/* The method of that name among inline.c's, NULL if none; *canonical is
 * its name as Telegram spells it. */
bh_emu_method_fn *bh_emu_inline_method(const char *name, const char **canonical);
/* GET /control/answers[?method=M]: the answers recorded, oldest first. */
void bh_emu_answers_list(bh_emu *e, bh_emu_params *q, bh_emu_reply *r);
void bh_emu_answers_free_locked(bh_emu *e);

/* A user's request to join a chat, injected and not yet approved or
 * declined: Telegram refuses a decision on a request that does not exist. */
typedef struct bh_emu_join {
    int64_t chat_id, user_id;
    struct bh_emu_join *next;
} bh_emu_join;
/* Notes a pending request (inject.c). false when out of memory. */
bool bh_emu_join_add_locked(bh_emu *e, int64_t chat_id, int64_t user_id);
/* Removes the request; false if none was pending (inline.c). */
bool bh_emu_join_take_locked(bh_emu *e, int64_t chat_id, int64_t user_id);
void bh_emu_joins_free_locked(bh_emu *e);

/* A message a user sent via the bot's inline mode (a chosen result):
 * no chat of the bot's holds it, the bot edits it by inline_message_id. */
typedef struct bh_emu_inline_msg {
    char *id;
    int64_t user_id;
    char *result_id;
    char *text;             /* a text message; NULL for media */
    char *media;            /* the result's type for other results ("photo", "venue"...) */
    char *caption;          /* media; NULL when none */
    char *reply_markup;     /* JSON text of an inline keyboard, NULL when none */
    int edits;
    struct bh_emu_inline_msg *next;
} bh_emu_inline_msg;
/* Notes the inline message id (NULL: a new one is made) that showing the
 * result result_id of the bot's last answer holding it made for user_id;
 * *out is the message. Returns BH_OK, BH_ENOTFOUND (no answer holds that
 * result), BH_EEXISTS (id taken) or BH_ENOMEM. */
int bh_emu_inline_msg_add_locked(bh_emu *e, const char *id, int64_t user_id,
                                 const char *result_id, bh_emu_inline_msg **out);
bh_emu_inline_msg *bh_emu_inline_msg_find_locked(bh_emu *e, const char *id);
/* GET /control/inline_messages: the messages sent via inline mode. */
void bh_emu_inline_msgs_list(bh_emu *e, bh_emu_params *q, bh_emu_reply *r);
/* edit.c: when p names an inline_message_id, answers the edit `what`
 * ("text", "caption", "media", "reply_markup") of that inline message
 * and returns true; false when p names none (the edit is of a chat's
 * message). */
bool bh_emu_edit_inline(bh_emu *e, bh_emu_params *p, const char *what, bh_emu_reply *r);

/* press.c: POST /control/reply_button, a press of a reply keyboard's button. */
void bh_emu_press_reply_button(bh_emu *e, json_object *b, bh_emu_reply *r);
/* press.c: POST /control/inline_callback, a press of an inline button of
 * a message sent via inline mode. */
void bh_emu_press_inline_button(bh_emu *e, json_object *b, bh_emu_reply *r);
/* control.c: remembers a new pressed button, with the next callback query
 * id (so answerCallbackQuery can be checked). NULL when out of memory. */
bh_emu_callback *bh_emu_callback_new_locked(bh_emu *e);

/* ---- markup.c: reply_markup checked as Telegram checks it ---- */
/* NULL when rm is a valid reply_markup of any kind, else the description
 * of the 400. */
const char *bh_emu_markup_error(json_object *rm);
/* NULL when markup (JSON text, NULL for none) is an inline keyboard or
 * none, else the description of the 400 (edits and inline messages take
 * inline keyboards only). */
const char *bh_emu_markup_inline_error(const char *markup);

/* ---- webhook.c ---- */
int bh_emu_webhook_start(bh_emu *e);
/* --webhook-spread: deliveries go round-robin to the comma-separated
 * http(s) URLs of list (at most 16) instead of the webhook's URL. Once per
 * process. Errors: BH_EINVAL (an empty item, not http(s), too many, a
 * second call), BH_ENOMEM. */
int bh_emu_webhook_spread(const char *list);
void bh_emu_webhook_stop(bh_emu *e);

/* ---- http.c: on top of api.c, control.c and reply.c ---- */
/* The bot of e's chain whose token is the len bytes at token, or NULL. */
bh_emu *bh_emu_bot_of_token(bh_emu *e, const char *token, size_t len);
struct MHD_Daemon;
struct MHD_Daemon *bh_emu_http_start(bh_emu *e, unsigned port, unsigned *bound_port);


/* ---- The method table (src/telegram/methods.def) in the emulator ---- */
struct bh_api_method;
/* check.c: checks p against m's row (every required parameter, the type of
 * every known one); BH_OK, or BH_EINVAL after answering Telegram's 400. */
int bh_emu_check_params(const struct bh_api_method *m, bh_emu_params *p, bh_emu_reply *r);
/* generic.c: serves a method of the table that has no handler of its own:
 * its parameters checked, an answer of its result type, nothing kept but
 * the message of a method that sends one. */
void bh_emu_generic(bh_emu *e, const struct bh_api_method *m, bh_emu_params *p, bh_emu_reply *r);
/* options.c: checks the send options of a message to c whose text or
 * caption is text; *extra receives the Message fields they add (malloc'd
 * JSON text, NULL when none). BH_OK, or BH_EINVAL after answering the 400. */
int bh_emu_need_send_options(bh_emu *e, bh_emu_chat *c, bh_emu_params *p, const char *text,
                             bh_emu_reply *r, char **extra);
/* api.c: 2 when the emulator serves method with a handler of its own, 1
 * when generically (from the table), 0 when not at all. */
int bh_emu_api_serves(const char *method);

#endif
