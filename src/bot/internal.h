/*
 * The bot model's private structures. Used by src/bot/ and by the runner's
 * glue (src/bot/run.c), the bot model as an application of the runner.
 */
#ifndef BH_BOT_INTERNAL_H
#define BH_BOT_INTERNAL_H

#include <regex.h>
#include <sys/types.h>

#include "base/siphash.h"
#include "bothive/bot.h"
#include "bothive/conversation.h"

enum bh_hook_kind {
    BH_HOOK_BEFORE,
    BH_HOOK_COMMAND,
    BH_HOOK_EQUALS,
    BH_HOOK_CONTAINS,
    BH_HOOK_MATCHES,
    BH_HOOK_PROCESS,
    BH_HOOK_EDITED,
    BH_HOOK_CHANNEL_POST,
    BH_HOOK_CALLBACK,
    BH_HOOK_UNAVAILABLE,
    BH_HOOK_TIMER,
    BH_HOOK_KIND,     /* the typed hook of one update kind (hooks.c) */
    BH_HOOK_NAMED,    /* on_update: any kind by name, raw (hooks.c) */
    BH_HOOK_CONV_TIMEOUT, /* a conversation's timeout hook (conversation.c) */
    BH_HOOK_ERROR,        /* the bot's error handler (errors.c) */
};

struct bh_hook {
    enum bh_hook_kind kind;
    union {
        bh_update_fn update;
        bh_message_fn message;
        bh_command_fn command;
        bh_matches_fn matches;
        bh_callback_fn callback;
        bh_unavailable_fn unavailable;
        bh_timer_fn timer;
        bh_inline_query_fn inline_query;
        bh_chosen_inline_result_fn chosen;
        bh_callback_query_fn callback_query;
        bh_chat_member_fn member;
        bh_chat_join_request_fn join;
        bh_reaction_fn reaction;
        bh_reaction_count_fn reaction_count;
        bh_poll_fn poll;
        bh_poll_answer_fn poll_answer;
        bh_shipping_query_fn shipping;
        bh_pre_checkout_query_fn pre_checkout;
        bh_chat_boost_fn boost;
        bh_business_connection_fn business;
        bh_business_deleted_fn business_deleted;
        bh_paid_media_fn paid_media;
        bh_conversation_timeout_fn conv_timeout;
        bh_error_fn error;
        bh_generation_stopped_fn generation_stopped;
        bh_managed_bot_fn managed_bot;
        bh_subscription_fn subscription;
    } fn;
    bh_update_kind ukind; /* BH_HOOK_KIND */
    char *text;       /* command name, text, word, callback name */
    char *help;       /* commands */
    unsigned flags;
    int order;        /* commands */
    int seconds;      /* timers */
    regex_t re;       /* message_matches */
    int has_re;
    char *long_help;  /* commands: what /help NAME shows (help.c) */
    bh_filter *filter; /* checked before the hook runs (filter.c); NULL: none */
};

/* A middleware of a component (middleware.c). */
struct bh_middleware {
    bh_middleware_fn fn;
    void *arg;
};

struct bh_component {
    char *name;       /* "" for a bot's main component */
    int refs;
    struct bh_hook *hooks;
    size_t nhooks, cap;
    bh_memory_preparer_fn *preparers;
    size_t npreparers;
    bh_conversation **convs;     /* conversation.c */
    size_t nconvs;
    struct bh_middleware *mws;   /* middleware.c */
    size_t nmws;
    struct bh_schedule_reg *sched; /* scheduled jobs' handlers (schedule.c) */
    size_t nsched;
};

struct bh_bot {
    char *token;
    int64_t id;
    char *about;
    char *api_url;
    bh_component *main;
    bh_component **comps; /* main first, then used components */
    size_t ncomps;
    bh_ratelimit_options rl_opts;
    /* Per process (rebuilt after fork, see bot.c): */
    pid_t pid;
    bh_client *client;
    bh_ratelimit *rl;
    bh_shared *rl_mem;
    bh_shared **mems;     /* one per component, opened on first use */
    char *username;       /* from getMe, for /cmd@name */
    unsigned char secret[16];
    int have_secret;
    bh_store *store;      /* the store of this process's hooks */
    bh_store *own_store;  /* made by bh_bot_process */
    void (*note)(const char *what); /* the runner's "now running" reporter */
    const char **allowed;           /* bh_bot_allowed_updates (hooks.c) */
    struct bh_texts *texts;         /* owner, help texts, translations (i18n.c) */
    bh_error_fn on_error;           /* errors.c */
    int source;                     /* the runner's source index (run.c) */
    int64_t chat_expiry_s, user_expiry_s; /* scope.c */
    struct bh_memcache *memcache;   /* per process: memories by id (scope.c) */
    /* Scheduled jobs (schedule.c): the handlers by name, and under the
     * runner the way to tell the master when the next job is due. */
    struct bh_schedule_reg *sched;
    size_t nsched;
    void (*wake)(int source, int64_t wall_ms);   /* NULL outside the runner */
    /* The sweep job (sweep.c): seen pending at sweep_seen in sweep_store;
     * until then it can only move earlier. */
    int64_t sweep_seen;
    const bh_store *sweep_store;
};

struct bh_ctx {
    bh_bot *bot;
    size_t comp;          /* index into bot->comps of the running hook's owner */
    const bh_update *update;
    int64_t update_id;
    int in_unavailable;   /* running chat_unavailable hooks: no recursion */
    int in_error;         /* running the error handler: no recursion */
    int attempt;          /* the runner's attempt of this update (2: a retry) */
    struct bh_conv_step *step; /* the running conversation step (conversation.c) */
    int (*chain)(bh_ctx *); /* the hooks' chain, inside the middleware */
    size_t mw_pos;        /* 1 + the running middleware's position; 0: none */
    int mw_called;        /* the running middleware called bh_ctx_next */
    int ids_known;        /* chat_id and user_id computed (scope.c) */
    int64_t chat_id, user_id;
    struct bh_scoped {    /* the scoped memories this update opened */
        size_t comp;
        int user;
        bh_shared *m;
    } scoped[8];
    size_t nscoped;
};

/* component.c: a component without the name check (the main one is "") */
bh_component *bh_component_create(const char *name);

/* bot.c: per-process state */
int bh_bot_attach(bh_bot *bot, bh_store *st);
bh_client *bh_bot_client(bh_bot *bot);
bh_shared *bh_bot_memory(bh_bot *bot, size_t comp);
const char *bh_bot_username(bh_bot *bot);
int bh_bot_secret(bh_bot *bot, unsigned char key[16]);

/* callback.c: HKDF-SHA256 (RFC 5869) of ikm with salt and info into
 * out_len bytes of out (libcrypto's). BH_OK, BH_EINVAL (out_len over 8160,
 * HKDF's limit), BH_ENOMEM. The callback key of a BOTHIVE_SECRET is its
 * HKDF with these salt and info: changing them changes every bot's key. */
#define BH_SECRET_SALT "bothive"
#define BH_SECRET_INFO "bothive callback signing key v1"
int bh_secret_hkdf(const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
                   const void *info, size_t info_len, unsigned char *out, size_t out_len);
char *bh_memory_id(const bh_bot *bot, const bh_component *c);

/* dispatch.c: what the runner calls in a worker */
int bh_bot_dispatch(bh_bot *bot, const char *update_json);
int bh_bot_dispatch_parsed(bh_bot *bot, const bh_update *u);
int bh_bot_run_timer(bh_bot *bot, int timer);
/* The same for the runner's attempt of the run (2: its worker died; 3:
 * that one died too, so it is only reported). */
int bh_bot_run_timer_attempt(bh_bot *bot, int timer, int attempt);
/* Timers of every component, in a stable order: seconds and count. */
size_t bh_bot_timers(const bh_bot *bot, int *seconds, size_t max);
/* Runs a hook's function with the context set for its owner; releases
 * locks the hook left held (with a warning). */
int bh_hook_call(bh_ctx *ctx, size_t comp, const struct bh_hook *h, const void *a,
                 const void *b);
/* limiter.c: the store-backed limiter the bot's client asks before each
 * send (NULL when disabled or without a store), and its installation. */
bh_ratelimit *bh_bot_ratelimit_of(bh_bot *bot);
void bh_bot_limiter_install(bh_bot *bot, bh_client *c);
/* After a call to chat_id that returned rc: runs the chat_unavailable
 * hooks when the chat refused the bot (403) or is gone (400 chat not found). */
void bh_ctx_check_unavailable(bh_ctx *ctx, bh_client *c, int64_t chat_id, int rc);

/* Runs the chat_unavailable hooks for chat_id. */
void bh_unavailable_run(bh_ctx *ctx, int64_t chat_id, const char *reason);

/* component.c: registers h for c if fn_set (taking its strings), else
 * frees them and returns BH_EINVAL. */
int bh_component_hook_add(bh_component *c, struct bh_hook *h, int fn_set);
/* The name a hook is logged with ("inline_query", "command"). */
const char *bh_hook_name(const struct bh_hook *h);

/* hooks.c: the hooks of the update kinds other than message and the
 * signed callbacks. */
/* Runs the typed hooks of u's kind (and the on_update hooks of its name). */
int bh_kind_run(bh_ctx *ctx, const bh_update *u);
/* The typed hooks of callback queries: BH_CONTINUE when none ended the chain. */
int bh_kind_run_callback_query(bh_ctx *ctx, const bh_callback_query *q);
/* Calls a BH_HOOK_KIND hook's function with its view. */
int bh_kind_call(bh_ctx *ctx, const struct bh_hook *h, const void *view);
/* Whether some hook of kind runs (for allowed_updates and dispatch). */
int bh_bot_has_hook(const bh_bot *bot, enum bh_hook_kind kind, bh_update_kind ukind);

/* schedule.c: frees the handlers' registry (bh_bot_free); runs the due
 * jobs for the runner (a BH_JOB_SCHEDULE job). */
void bh_schedule_handlers_free(bh_bot *bot);
void bh_schedule_regs_free(struct bh_schedule_reg *regs, size_t n);
/* Whether the runner must wake for the bot's scheduled jobs: a handler
 * (of the bot or a component), or the internal sweep. */
int bh_bot_has_schedule(const bh_bot *bot);
/* schedule_run.c: the runner's look at the jobs (bh_schedule_run_due);
 * at the start, it also makes the sweep due now (what expired while the
 * bot was down) and reads the whole job list (jobs the index may miss);
 * with deadletters, it reports the new dead letters to the error handler
 * first. */
int bh_schedule_look(bh_bot *bot, int start, int deadletters, int64_t *next_ms);

/* command.c */
int bh_bot_publish_commands(bh_bot *bot);
/* The commands of those flags (bh_command_list; the conversations' alone,
 * bh_conv_commands, when convs), malloc'd, their count in *n: no fixed
 * cap. NULL when out of memory. */
const struct bh_hook **bh_command_array(const bh_bot *bot, unsigned without, unsigned with,
                                        int convs, size_t *n);
int bh_command_run(bh_ctx *ctx, const bh_message *msg, int *ran);

/* i18n.c: the bot's texts and translations; help.c: the default /help,
 * /start and the unknown-command answer. */
struct bh_texts;
void bh_texts_free(struct bh_texts *t);
/* The bot's texts, made on first use; NULL only out of memory. */
struct bh_texts *bh_bot_texts(bh_bot *bot);
/* The languages with a translation (built in, or the bot's), each once,
 * and their count (at most max). */
size_t bh_bot_languages(const bh_bot *bot, const char **out, size_t max);
/* The bot's own texts (NULL when unset) and its owner. */
const char *bh_texts_get(const bh_bot *bot, int which);
enum { BH_TEXTS_BEFORE_HELP, BH_TEXTS_AFTER_HELP, BH_TEXTS_UNKNOWN, BH_TEXTS_OWNER };
/* Whether the sender of msg is the bot's owner. */
int bh_bot_is_owner(const bh_bot *bot, const bh_message *msg);
/* Sets one of the bot's texts (taking text, which may be NULL). */
int bh_texts_set(struct bh_texts *t, int which, char *text);
void bh_texts_set_unknown_off(struct bh_texts *t, int off);
/* Whether the unknown-command answer is turned off. */
int bh_texts_unknown_off(const bh_bot *bot);
/* help.c */
int bh_help_run(bh_ctx *ctx, const bh_message *msg);
int bh_start_run(bh_ctx *ctx, const bh_message *msg);
/* After the whole chain continued on a command message: answers an
 * unknown command (in a private chat, or addressed to this bot). */
int bh_command_fallback(bh_ctx *ctx, const bh_message *msg);
/* command.c: the command hook name of bot that the sender of msg may use
 * (owner-only ones only for the owner); NULL if none. */
const struct bh_hook *bh_command_find(const bh_bot *bot, const char *name,
                                      const bh_message *msg, size_t *comp);
/* The commands whose flags have none of without and all of with, sorted
 * by order then name, and their count (at most max). */
size_t bh_command_list(const bh_bot *bot, unsigned without, unsigned with,
                       const struct bh_hook **out, size_t max);
/* Whether msg's command is addressed to another bot, or to none. */
int bh_command_not_ours(bh_bot *bot, const bh_message *msg);

/* callback.c */
int bh_callback_sign(bh_bot *bot, const char *name, const char *data, char *out, size_t outlen);
/* Checks data's signature; on success *name and *payload point into buf. */
int bh_callback_verify(bh_bot *bot, const char *data, char *buf, size_t buflen,
                       const char **name, const char **payload);

/* command.c: whether msg's command is addressed to another bot (or to
 * none); and a run of command hook h of comp with msg's arguments. */
int bh_command_not_ours(bh_bot *bot, const bh_message *msg);
int bh_command_call(bh_ctx *ctx, size_t comp, const struct bh_hook *h, const bh_message *msg);

/* dispatch.c: one update with the runner's attempt number. */
int bh_bot_dispatch_attempt(bh_bot *bot, const char *update_json, int attempt);

/* conversation.c */
/* Runs the step of the first conversation whose hook matches the update;
 * BH_CONTINUE when none matched. */
int bh_conv_run(bh_ctx *ctx);
/* Times out the expired conversations of the bot; *next gets the earliest
 * deadline of those still running (0: none). */
int bh_conv_sweep(bh_ctx *ctx, int64_t *next);
/* Ends every conversation of user_id (those keyed by user): BH_OK, or the
 * first error of the store (BH_ENOMEM, BH_ETOOBIG for a memory id...). */
int bh_conv_forget_user(bh_bot *bot, int64_t user_id);
/* Deletes the keys of m ending in suffix: BH_OK, or the store's first
 * error (the walk goes on past a failed delete). */
int bh_conv_forget_keys(bh_shared *m, const char *suffix);
int bh_conv_has_timeouts(const bh_bot *bot);
/* Whether a conversation has callback hooks (allowed_updates). */
int bh_conv_wants_callbacks(const bh_bot *bot);
/* Appends the conversations' command hooks of those flags to out (see
 * bh_command_list), each name once; returns the new count. */
size_t bh_conv_commands(const bh_bot *bot, unsigned without, unsigned with,
                        const struct bh_hook **out, size_t n, size_t max);
/* The running step's data (an object owned by the step), NULL outside. */
json_object *bh_conv_data(bh_ctx *ctx);
void bh_component_extras_free(bh_component *c);

/* scope.c */
/* The update's chat and user ids (0 when it has none). */
void bh_ctx_ids(bh_ctx *ctx, int64_t *chat, int64_t *user);
/* The chat object of u's kind (message.chat, callback_query.message.chat,
 * chat_member.chat, ...), NULL if none. */
json_object *bh_update_chat_object(const bh_update *u);
/* Memory id of this process into *out, cached by id until the bot's
 * memories close (the cache owns it). Errors: those of attaching the bot,
 * BH_EINVAL (no store), BH_ENOMEM, bh_shared_open's. */
int bh_bot_memory_named(bh_bot *bot, const char *id, bh_shared **out);
void bh_memcache_clear(bh_bot *bot);
/* The same, also found by (tag, comp) without building the id: NULL
 * until bh_bot_memory_tag opened it. */
bh_shared *bh_bot_memory_tagged(bh_bot *bot, const void *tag, size_t comp);
int bh_bot_memory_tag(bh_bot *bot, const char *id, const void *tag, size_t comp,
                      bh_shared **out);
/* Closes the scoped memories an update opened. */
void bh_ctx_scoped_close(bh_ctx *ctx);
/* Clears what expired; *next gets when the next one expires (0: none). */
int bh_scope_sweep(bh_ctx *ctx, int64_t *next);
/* Attaches bot to this process: BH_OK when it has a store, else BH_EINVAL
 * (or attach's error). */
int bh_bot_attached_store(bh_bot *bot);
/* "bothive.bot:<id>": the bot's own records (secret, admin caches), as
 * bh_bot_memory_named. */
int bh_bot_internal_memory(bh_bot *bot, bh_shared **out);

/* middleware.c: the chain of u inside every middleware. */
int bh_mw_run(bh_ctx *ctx, int (*chain)(bh_ctx *));

/* filter.c: whether the hook's filter lets it run (logs a failed check). */
int bh_hook_filter_ok(bh_ctx *ctx, const struct bh_hook *h);
/* Adds f to *slot, by and with the filter already there. Takes f. */
int bh_filter_attach(bh_filter **slot, bh_filter *f);

/* errors.c */
void bh_error_hook(bh_ctx *ctx, size_t comp, const struct bh_hook *h, int rc);
void bh_error_crash(bh_ctx *ctx);
/* Reports the crash of a run of timer hook h (number timer) of comp before
 * ctx->attempt; non-zero when the run is not to happen (attempt 3). */
int bh_error_timer_crash(bh_ctx *ctx, size_t comp, const struct bh_hook *h, int timer);
/* Reports a failure of scheduled job `job` (handler `handler`): kind,
 * code (BH_FAIL_HOOK), the runner's words. */
void bh_error_job(bh_ctx *ctx, size_t comp, const char *job, const char *handler,
                  bh_failure_kind kind, int code, const char *reason);
int bh_error_deadletters(bh_ctx *ctx);

/* sweep.c: whether the bot needs the internal sweep (a conversation
 * timeout, a memory expiry) or dead-letter reports (an error handler), so
 * that the runner wakes for its scheduled jobs. */
int bh_bot_needs_sweep(const bh_bot *bot);
/* Makes the internal sweep job due at at_ms at the latest (logs a failure). */
void bh_sweep_at(bh_bot *bot, int64_t at_ms);

#endif
