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
};

struct bh_component {
    char *name;       /* "" for a bot's main component */
    int refs;
    struct bh_hook *hooks;
    size_t nhooks, cap;
    bh_memory_preparer_fn *preparers;
    size_t npreparers;
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
};

struct bh_ctx {
    bh_bot *bot;
    size_t comp;          /* index into bot->comps of the running hook's owner */
    const bh_update *update;
    int64_t update_id;
    int in_unavailable;   /* running chat_unavailable hooks: no recursion */
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

/* command.c */
int bh_bot_publish_commands(bh_bot *bot);
int bh_command_run(bh_ctx *ctx, const bh_message *msg, int *ran);

/* callback.c */
int bh_callback_sign(bh_bot *bot, const char *name, const char *data, char *out, size_t outlen);
/* Checks data's signature; on success *name and *payload point into buf. */
int bh_callback_verify(bh_bot *bot, const char *data, char *buf, size_t buflen,
                       const char **name, const char **payload);

#endif
