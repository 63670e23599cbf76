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

/* A message in a chat, written by a user or by the bot. */
typedef struct bh_emu_msg {
    int64_t id;
    int64_t date;
    int64_t user_id;        /* author when !from_bot */
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
} bh_emu_msg;

typedef struct bh_emu_chat {
    int64_t id;
    char type[16];          /* private, group or supergroup */
    char *title;            /* groups only */
    int64_t user_id;        /* private chats: the user */
    int blocked;            /* the user blocked the bot: sends answer 403 */
    int64_t retry_until_ms; /* a 429 was answered: requests before this are early */
    int64_t early_retries;
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
} bh_emu_stats;

typedef struct bh_emu {
    /* Fixed at start. */
    char *token;
    int64_t bot_id;

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stopping;

    /* Everything below is guarded by lock and cleared by reset. */
    bh_emu_chat *chats[BH_EMU_CHAT_BUCKETS];
    bh_emu_update *uhead, *utail;
    size_t pending;
    int64_t next_update_id;
    int64_t next_callback_id;
    bh_emu_callback *callbacks;
    char *allowed_updates;       /* JSON array text, NULL = all but the rare kinds */
    uint64_t poll_generation;    /* a newer getUpdates ends older ones (409) */
    char *commands;              /* JSON array text of setMyCommands */
    char *webhook_url;           /* NULL when no webhook */
    char *webhook_secret;
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
/* Reads text, parse_mode and reply_markup into *out. Returns BH_OK, or
 * BH_EINVAL after answering the error (then *out holds nothing). */
int bh_emu_need_content(bh_emu_params *p, bh_emu_reply *r, bh_emu_content *out);
void bh_emu_content_free(bh_emu_content *m);
int64_t bh_emu_need_reply_to(bh_emu_chat *c, bh_emu_params *p, bh_emu_reply *r);
int bh_emu_need_allowed_updates(bh_emu *e, bh_emu_params *p, bh_emu_reply *r);

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

/* ---- webhook.c ---- */
int bh_emu_webhook_start(bh_emu *e);
void bh_emu_webhook_stop(bh_emu *e);

/* ---- http.c: on top of api.c, control.c and reply.c ---- */
struct MHD_Daemon;
struct MHD_Daemon *bh_emu_http_start(bh_emu *e, unsigned port, unsigned *bound_port);

#endif
