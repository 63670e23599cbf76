/*
 * bothive: conversations, per-chat and per-user memory, middleware,
 * filters and the error handler: the framework above the hooks.
 *
 * ---- Conversations --------------------------------------------------------
 *
 *     bh_conversation *cv = bh_conversation_new("signup");
 *     bh_conversation_command(cv, BH_CONV_ENTRY, "signup", ask_name);
 *     bh_conversation_text(cv, "name", take_name);
 *     bh_conversation_text(cv, "age", take_age);
 *     bh_conversation_command(cv, BH_CONV_FALLBACK, "cancel", cancel);
 *     bh_conversation_timeout(cv, 300, timed_out);
 *     bh_bot_conversation(bot, cv);
 *
 * A conversation is a set of named states, each with the hooks that run in
 * it. It is keyed by chat and user (BH_CONV_BY_CHAT_USER, the default), by
 * chat alone or by user alone: two users in one group have two
 * conversations, one user in two chats has two (when keyed by chat).
 *
 * One update for a key runs one step:
 *  - no conversation active for its key: the hooks of BH_CONV_ENTRY are
 *    tried; one that calls bh_conversation_next starts the conversation in
 *    that state (one that does not leaves none started);
 *  - a conversation active: the hooks of BH_CONV_FALLBACK (any state)
 *    are tried first, then those of the current state, in registration
 *    order; the first that matches runs. A hook moves the conversation on
 *    with bh_conversation_next, ends it with bh_conversation_end, or stays
 *    in its state by calling neither.
 * The hook that ran ends the update's chain, whatever it returns (as a
 * command does); a negative code is an error (logged, reported to the
 * error handler) and publishes nothing. An update that no hook of the
 * conversation matches goes through the bot's chain as if no conversation
 * were active.
 *
 * Precedence: conversations are tried after the before_processing hooks
 * and the middleware (which always run), and before everything else of
 * the bot: its commands (including /start and /help), text hooks, message
 * processors, callbacks and every update kind's hooks. A hook of a
 * conversation that matches therefore hides every other hook of the bot
 * for that update; the bot's conversations are tried in the order they
 * were added, the bot's first, then each component's.
 *
 * State: a conversation is a record in the store (a memory of its own per
 * bot and component, "bot:<id>[/<component>]#conv:<name>"): its state, its
 * deadline and its data. A step reads it, runs the hook, and publishes the
 * new record with one atomic compare-and-swap when the hook returns (a
 * hook that returns a negative code publishes nothing). A worker killed
 * mid-step leaves the conversation as it was before the step; a restart
 * with a file: store, or another host with redis://, continues it. Steps
 * of one key never interleave: the runner runs a chat's updates in order,
 * and a conversation keyed by user alone holds a store lock of the key
 * over each step (its chats run in parallel).
 *
 * Timeout: bh_conversation_timeout ends a conversation unanswered for that
 * long and runs the timeout hook, also when the user never writes again:
 * each step makes the internal sweep (a scheduled job, "@sweep") due by
 * its new deadline, and the runner wakes for it then, not every second;
 * a sweep times out what expired and makes itself due at the next
 * deadline. The sweep claims an expired record before it runs the hook,
 * so a step racing it is not saved, and the hook runs at least once
 * (again if its worker dies). The hook's context carries the
 * conversation's chat and user: bh_ctx_chat_memory and bh_ctx_user_memory
 * work in it (bh_ctx_update is NULL). Under bh_bot_process the runner does
 * not run the sweep: an expired conversation times out when its key's
 * next update comes (or at bh_bot_sweep).
 *
 * Data: typed key/values of one conversation (bh_conversation_set and
 * the getters), published with its state and dropped when it ends.
 *
 * ---- Per-chat and per-user memory -------------------------------------
 *
 * bh_ctx_chat_memory and bh_ctx_user_memory give a bh_shared (the whole
 * dict-like API of store.h) scoped to the update's chat or user, separate
 * per bot and per component ("bot:<id>[/<component>]#chat:<chat id>").
 *
 * ---- Middleware, filters, errors ------------------------------------------
 *
 * Middleware wraps the whole chain of each update (before_processing
 * included): it runs code before and after bh_ctx_next, may end the chain
 * by not calling it, and sees its result. The bot's middleware runs first
 * (outermost), in registration order, then each component's.
 *
 * A filter guards one hook: the hook runs only when the filter accepts
 * the update (checked before it runs); a refused hook is skipped as if it
 * had returned BH_CONTINUE.
 *
 * The error handler (bh_bot_on_error) is told of every failure: a hook
 * that returned a negative code, an update whose worker died while it ran
 * (noticed when the runner retries it), and an update the runner set
 * aside in the dead letter after it killed two workers (delivered once,
 * by a worker's look at the jobs), and the same of timers and scheduled
 * jobs. Without a handler these are only logged.
 */
#ifndef BOTHIVE_CONVERSATION_H
#define BOTHIVE_CONVERSATION_H

#include "bot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bh_conversation bh_conversation;

/* The pseudo-states of the registration functions below. */
#define BH_CONV_ENTRY "@entry"       /* entry points: no conversation active */
#define BH_CONV_FALLBACK "@fallback" /* tried first in every state */

/* Keys of a conversation. */
#define BH_CONV_BY_CHAT_USER 0 /* the default */
#define BH_CONV_BY_CHAT 1
#define BH_CONV_BY_USER 2

/* The timeout hook: chat_id and user_id of the last step. The
 * conversation's data is readable (bh_conversation_get...). */
typedef int (*bh_conversation_timeout_fn)(bh_ctx *ctx, int64_t chat_id, int64_t user_id);

/**
 * A new conversation named name (1..64 of [A-Za-z0-9_.-]; it names the
 * store's record, so keep it stable across restarts). NULL on a bad name
 * or out of memory.
 */
bh_conversation *bh_conversation_new(const char *name);
/** Drops the caller's reference; a bot or component using it keeps its own. */
void bh_conversation_free(bh_conversation *cv);

/** How steps are keyed: BH_CONV_BY_CHAT_USER, BH_CONV_BY_CHAT or
 *  BH_CONV_BY_USER. Errors: BH_EINVAL (NULL cv, another value). */
int bh_conversation_key(bh_conversation *cv, int by);

/**
 * Ends the conversation when no step came for seconds (>= 1) and runs fn
 * (NULL: none) in a worker, with the conversation's data. The deadline is
 * renewed by every step. Errors: BH_EINVAL (NULL cv, seconds < 1).
 */
int bh_conversation_timeout(bh_conversation *cv, int seconds, bh_conversation_timeout_fn fn);

/*
 * Hooks of a state (a name of 1..64 of [A-Za-z0-9_.-]), of BH_CONV_ENTRY
 * or of BH_CONV_FALLBACK:
 *   command:        "/name args" of this bot (as bh_bot_command);
 *   text:           a message with text that is not a command;
 *   message:        any message (commands included);
 *   callback:       a press of a button made by bh_button_signed with name;
 *   callback_query: any button press;
 *   on_update:      any update of the key, of any kind (raw).
 * Errors of each: BH_EINVAL (NULL cv or fn, a bad state, a bad command
 * name: 1..32 of [a-z0-9_], a bad callback name: 1..32 bytes without ':'),
 * BH_ENOMEM.
 */
int bh_conversation_command(bh_conversation *cv, const char *state, const char *name,
                            bh_command_fn fn);
/*
 * A command with a /help line and setMyCommands description (help, NULL:
 * none, translated as the bot's command helps are) and its order in /help
 * (as bh_bot_command_ex). An entry command (BH_CONV_ENTRY) is listed like
 * any command of the bot (bh_conversation_command's too, without a
 * description, so only in /help), unless flags has BH_CMD_HIDDEN. A
 * command of a state or of BH_CONV_FALLBACK (e.g. /cancel) works inside a
 * conversation only, so it is listed only when flags has BH_CONV_LISTED.
 * A name the bot itself (or an earlier conversation) lists is listed once.
 * Errors: those of bh_conversation_command, BH_EINVAL (other flags).
 */
#define BH_CONV_LISTED 0x100u
int bh_conversation_command_ex(bh_conversation *cv, const char *state, const char *name,
                               bh_command_fn fn, const char *help, unsigned flags, int order);
int bh_conversation_text(bh_conversation *cv, const char *state, bh_message_fn fn);
int bh_conversation_message(bh_conversation *cv, const char *state, bh_message_fn fn);
int bh_conversation_callback(bh_conversation *cv, const char *state, const char *name,
                             bh_callback_fn fn);
int bh_conversation_callback_query(bh_conversation *cv, const char *state,
                                   bh_callback_query_fn fn);
int bh_conversation_on_update(bh_conversation *cv, const char *state, bh_update_fn fn);

/**
 * Makes the bot (the component) run cv; its records live beside the
 * bot's (component's) memory. Register before bh_bot_run.
 * Errors: BH_EINVAL (NULL, or a conversation of that name already there),
 * BH_ENOMEM.
 */
int bh_bot_conversation(bh_bot *bot, bh_conversation *cv);
int bh_component_conversation(bh_component *c, bh_conversation *cv);

/* ---- In a conversation's hook (and its timeout hook) ------------------ */

/** Moves the conversation to state when the running step is published.
 *  Errors: BH_EINVAL (not in a conversation's hook, a state without
 *  hooks of this conversation). */
int bh_conversation_next(bh_ctx *ctx, const char *state);
/** Ends the conversation (its data is dropped) when the step is published.
 *  Errors: BH_EINVAL (not in a conversation's hook). */
int bh_conversation_end(bh_ctx *ctx);
/** The current state ("" in an entry hook), NULL outside a conversation. */
const char *bh_conversation_state(bh_ctx *ctx);

/*
 * The conversation's data. Values are typed (store.h's bh_value) and
 * checked as the store checks them. A value read is a copy the caller
 * owns: bh_value_free it (bh_conversation_get_str: free the string); on
 * an error there is nothing to free.
 * Errors: BH_EINVAL (not in a conversation's hook, NULL or empty key, an
 * unknown type, a string with a NUL byte), BH_ETOOBIG (set: more than
 * BH_VALUE_MAX bytes), BH_EJSON (set: not one whole JSON document),
 * BH_ENOTFOUND (get, delete), BH_ETYPE (typed getters: stored with another
 * type), BH_ECORRUPT (get: the value in the store's record is damaged),
 * BH_ENOMEM.
 */
int bh_conversation_set(bh_ctx *ctx, const char *key, const bh_value *v);
int bh_conversation_get(bh_ctx *ctx, const char *key, bh_value *out);
int bh_conversation_delete(bh_ctx *ctx, const char *key);
int bh_conversation_set_int(bh_ctx *ctx, const char *key, int64_t v);
int bh_conversation_get_int(bh_ctx *ctx, const char *key, int64_t *out);
int bh_conversation_set_str(bh_ctx *ctx, const char *key, const char *s);
int bh_conversation_get_str(bh_ctx *ctx, const char *key, char **out);

/**
 * Runs the sweep once in the calling process: times out the expired
 * conversations, clears the scoped memories idle past their expiry,
 * delivers new dead letters to the error handler. Under the runner the
 * same work is a scheduled job due at the next deadline, and dead letters
 * are reported by the look the runner asks for when it sets an update
 * aside. For tests, with bh_bot_process. Every part runs even when
 * another failed; the first error is returned. Errors: BH_EINVAL (NULL, no
 * store yet), BH_ENOMEM, the store's.
 */
int bh_bot_sweep(bh_bot *bot);

/* ---- Per-chat and per-user memory -------------------------------------- */

/**
 * The memory of the running hook's owner (bot or component) scoped to the
 * update's chat (user): valid until the update's chain ends. NULL when
 * the update has no chat (user), outside an update, or if the store failed
 * (logged).
 */
bh_shared *bh_ctx_chat_memory(bh_ctx *ctx);
bh_shared *bh_ctx_user_memory(bh_ctx *ctx);

/**
 * Clears a chat's (user's) scoped memories when no hook asked for them for
 * seconds (0: never, the default). Errors: BH_EINVAL (NULL, negative).
 */
int bh_bot_chat_memory_expiry(bh_bot *bot, int64_t seconds);
int bh_bot_user_memory_expiry(bh_bot *bot, int64_t seconds);

/**
 * Opens the scoped memory of chat_id (user_id) of the bot (c NULL) or of
 * its component c, outside a hook: e.g. to list its keys with bh_cursor_*
 * for a privacy request. Close it with bh_shared_close. Uses the store of
 * bh_bot_set_store (or of the running worker). Errors: BH_EINVAL (NULL,
 * no store, c not used by the bot), the store's.
 */
int bh_bot_chat_memory(bh_bot *bot, bh_component *c, int64_t chat_id, bh_shared **out);
int bh_bot_user_memory(bh_bot *bot, bh_component *c, int64_t user_id, bh_shared **out);

/**
 * Clears every scoped memory of chat_id (user_id), in the bot and all its
 * components, and (for a user) every conversation keyed by that user
 * (BH_CONV_BY_USER, or by chat and user: in every chat), which ends
 * without its timeout hook. Errors: BH_EINVAL (NULL bot, no store yet),
 * BH_ENOMEM, the store's (of the memories, then of the conversations: a
 * conversation whose records could not be walked or deleted gives the
 * first such error, and the others are still cleared; calling again
 * finishes the work).
 */
int bh_bot_forget_chat(bh_bot *bot, int64_t chat_id);
int bh_bot_forget_user(bh_bot *bot, int64_t user_id);

/* ---- Middleware ----------------------------------------------------------- */

typedef int (*bh_middleware_fn)(bh_ctx *ctx, const bh_update *u, void *arg);

/**
 * Adds fn (with arg, passed as given) around the chain of every update.
 * Errors: BH_EINVAL (NULL bot, component or fn), BH_ENOMEM.
 */
int bh_bot_middleware(bh_bot *bot, bh_middleware_fn fn, void *arg);
int bh_component_middleware(bh_component *c, bh_middleware_fn fn, void *arg);

/**
 * From a middleware: runs the rest of the chain (the next middleware, or
 * the hooks) and returns its result: BH_CONTINUE (no hook ended it),
 * BH_HANDLED, or a hook's negative code. Errors: BH_EINVAL (not in a
 * middleware, or called twice by the same one).
 */
int bh_ctx_next(bh_ctx *ctx);

/* ---- Filters --------------------------------------------------------------- */

typedef struct bh_filter bh_filter;

/* Chat types of bh_filter_chat_type. */
#define BH_CHAT_PRIVATE 1u
#define BH_CHAT_GROUP 2u
#define BH_CHAT_SUPERGROUP 4u
#define BH_CHAT_CHANNEL 8u

/* Content kinds of bh_filter_content: a message with that field. */
#define BH_HAS_TEXT 1u
#define BH_HAS_PHOTO 2u
#define BH_HAS_DOCUMENT 4u
#define BH_HAS_VIDEO 8u
#define BH_HAS_AUDIO 16u
#define BH_HAS_VOICE 32u
#define BH_HAS_STICKER 64u
#define BH_HAS_ANIMATION 128u
#define BH_HAS_LOCATION 256u
#define BH_HAS_CONTACT 512u
#define BH_HAS_POLL 1024u
#define BH_HAS_VIDEO_NOTE 2048u

/*
 * Filters, each NULL on a bad argument or out of memory:
 *   chat_type: the update's chat is of one of types (BH_CHAT_*);
 *   chats / users: its chat (sender) is one of the n ids (copied);
 *   admins: its sender is an administrator of its chat (getChatAdministrators,
 *           cached in the store for 5 minutes; refuses in private chats);
 *   content: a message with one of kinds (BH_HAS_*);
 *   regex: POSIX extended regex on the message's text, else its caption
 *          (flags: BH_IGNORE_CASE);
 *   and / or / not: combinations; they take their arguments (a NULL one
 *          makes NULL, and frees the others).
 */
bh_filter *bh_filter_chat_type(unsigned types);
bh_filter *bh_filter_chats(const int64_t *ids, size_t n);
bh_filter *bh_filter_users(const int64_t *ids, size_t n);
bh_filter *bh_filter_admins(void);
bh_filter *bh_filter_content(unsigned kinds);
bh_filter *bh_filter_regex(const char *regex, unsigned flags);
bh_filter *bh_filter_and(bh_filter *a, bh_filter *b);
bh_filter *bh_filter_or(bh_filter *a, bh_filter *b);
bh_filter *bh_filter_not(bh_filter *a);
void bh_filter_free(bh_filter *f);

/**
 * Guards the hook registered last on the bot (component, conversation)
 * with f, which it takes (also on error; a hook's earlier filter is
 * combined with f by and, and kept on error). Errors: BH_EINVAL (NULL,
 * no hook yet), BH_ENOMEM.
 */
int bh_bot_filter(bh_bot *bot, bh_filter *f);
int bh_component_filter(bh_component *c, bh_filter *f);
int bh_conversation_filter(bh_conversation *cv, bh_filter *f);

/**
 * Whether f accepts the running update: 1 or 0 (0 outside an update), or
 * a negative code (the store's, getChatAdministrators').
 */
int bh_filter_check(bh_ctx *ctx, const bh_filter *f);

/* ---- Errors ------------------------------------------------------------------ */

/*
 * Timers and scheduled jobs are reported as updates are: a timer hook or a
 * job handler that returns a negative code is BH_FAIL_HOOK (hook "timer
 * N" or "job HANDLER"); a run whose worker died is BH_FAIL_CRASH when it
 * runs again on another worker (a timer's retry, a job's second attempt
 * after its lease); one that killed two workers is BH_FAIL_DEADLETTER (a
 * timer's run is then dropped, the next tick comes; a job is set aside
 * as bothive/schedule.h says). For these, update is NULL, update_id 0, and
 * chat_id and user_id are the job's (0 for a timer).
 */
typedef enum bh_failure_kind {
    BH_FAIL_HOOK = 1,   /* a hook returned a negative code */
    BH_FAIL_CRASH,      /* the worker running the update died; it is retried */
    BH_FAIL_DEADLETTER, /* the update killed two workers and was set aside */
} bh_failure_kind;

typedef struct bh_failure {
    bh_failure_kind kind;
    int code;              /* BH_FAIL_HOOK: the hook's code; else 0 */
    const char *hook;      /* BH_FAIL_HOOK: "command signup"; else NULL */
    const char *component; /* BH_FAIL_HOOK: its owner ("" for the bot) */
    const char *reason;    /* bh_strerror(code), or the runner's words */
    int64_t update_id;     /* 0 for a timer */
    const bh_update *update; /* NULL for a timer or an unreadable update */
    int64_t chat_id, user_id; /* of the update; 0 if none */
    const char *job;       /* a scheduled job's name; NULL for an update or timer */
} bh_failure;

typedef int (*bh_error_fn)(bh_ctx *ctx, const bh_failure *f);

/**
 * The bot-wide error handler (one; a second call replaces it). It runs in
 * a worker with the failed update's context (bh_chat_send works); a
 * failure of its own is only logged. f and what it points to are valid
 * during the call only. Errors: BH_EINVAL (NULL bot or fn).
 */
int bh_bot_on_error(bh_bot *bot, bh_error_fn fn);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_CONVERSATION_H */
