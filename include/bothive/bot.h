/*
 * bothive: the bot model. Bots, components, hooks, commands, and the
 * context a hook runs in.
 *
 *     int increment(bh_ctx *ctx, const bh_message *msg) {
 *         bh_shared_incr(bh_ctx_shared(ctx), "messages", 1, NULL);
 *         return BH_CONTINUE;
 *     }
 *     bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
 *     bh_bot_process_message(bot, increment);
 *     return bh_bot_run(bot, NULL);
 *
 * A component is a reusable set of hooks with its own memory; a bot is a
 * main component plus the components it uses. Hooks run in worker
 * processes, in the chain order of botogram:
 *   before_processing, then (messages) commands, then the message_equals /
 *   message_contains / message_matches hooks in registration order, then
 *   the message processors. Within each step the bot's own hooks come first,
 *   then each component's in the order of bh_bot_use.
 * A hook returns BH_CONTINUE to pass the update on, BH_HANDLED to end the
 * chain (a command that ran always ends it), or a negative BH_E* code,
 * which is logged with the update id and ends the chain.
 *
 * A hook gets its memory only through its context (bh_ctx_shared): called
 * directly, outside a runner or bh_bot_process, there is none.
 *
 * Registration functions return BH_OK, BH_EINVAL (NULL or empty argument,
 * bad regex, bad command name) or BH_ENOMEM. Register everything before
 * bh_bot_run: the hooks are copied into every worker by fork.
 */
#ifndef BOTHIVE_BOT_H
#define BOTHIVE_BOT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "telegram.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Rate limiting, shared by every worker through the store ------------- */

typedef struct bh_ratelimit bh_ratelimit;

/*
 * Limits are enforced with GCRA (a token bucket): `burst` messages may go at
 * once, then one every 1/rate. Zero means the default.
 */
typedef struct bh_ratelimit_options {
    int disabled;          /* non-zero: bh_ratelimit_wait never waits */
    double global_per_sec; /* all chats together; default 30 */
    int global_burst;      /* default 1 */
    double chat_per_sec;   /* one chat; default 1 */
    int chat_burst;        /* default 3 */
    double group_per_min;  /* one group or supergroup, on top of the chat
                            * limit; default 20 */
    int group_burst;       /* default 3 */
} bh_ratelimit_options;

/**
 * A limiter whose state lives in the memory m (e.g. a memory named
 * "bothive.ratelimit.<bot id>", shared by every worker of the bot). m stays
 * owned by the caller and must outlive the limiter. opt may be NULL.
 * Errors: BH_EINVAL (NULL m or out, negative rates or bursts), BH_ENOMEM.
 */
int bh_ratelimit_new(bh_ratelimit **out, bh_shared *m, const bh_ratelimit_options *opt);
void bh_ratelimit_free(bh_ratelimit *rl);

/**
 * Reserves the next slot to send a message to chat_id (is_group non-zero
 * for groups and supergroups) and sleeps until it comes. If the slot is
 * more than max_wait_ms away (negative: no bound), reserves nothing and
 * returns BH_ETIMEDOUT at once. The decision is one bh_shared_rate_take
 * on the store's clock (with redis://, the server's: hosts whose clocks
 * differ share the limit); the sleep is local. Errors: BH_EINVAL,
 * BH_ETIMEDOUT, BH_ETYPE (a limiter key holds something else), and the
 * store's errors (BH_ENOSPC, BH_ENOMEM, BH_ENET, ...).
 */
int bh_ratelimit_wait(bh_ratelimit *rl, int64_t chat_id, int is_group, int64_t max_wait_ms);


typedef struct bh_bot bh_bot;
typedef struct bh_component bh_component;
typedef struct bh_ctx bh_ctx;

#define BH_CONTINUE 0
#define BH_HANDLED 1

/* Flags of the text hooks and commands. */
#define BH_IGNORE_CASE 1u /* message_equals, message_contains, message_matches */
#define BH_CMD_HIDDEN 2u  /* command: not listed by /help nor setMyCommands */
/* message_equals, message_contains, message_matches: a message without
 * text (a photo, a document...) is matched by its caption. */
#define BH_MATCH_CAPTION 4u

/* The arguments of a command: the text after it, split on spaces. */
typedef struct bh_args {
    int argc;
    const char *const *argv; /* argc words, then NULL */
    const char *text;        /* the whole argument text ("" if none) */
} bh_args;

/* The captures of a message_matches regex: groups[0] is the whole match;
 * a group that did not participate is "". */
typedef struct bh_match {
    int count;
    const char *const *groups;
} bh_match;

typedef int (*bh_update_fn)(bh_ctx *ctx, const bh_update *u);
typedef int (*bh_message_fn)(bh_ctx *ctx, const bh_message *msg);
typedef int (*bh_command_fn)(bh_ctx *ctx, const bh_message *msg, const bh_args *args);
typedef int (*bh_matches_fn)(bh_ctx *ctx, const bh_message *msg, const bh_match *match);
/* data is the payload given to bh_button_signed, after its signature was verified. */
typedef int (*bh_callback_fn)(bh_ctx *ctx, const bh_callback_query *q, const char *data);
/* reason is Telegram's description ("Forbidden: bot was blocked by the user"). */
typedef int (*bh_unavailable_fn)(bh_ctx *ctx, int64_t chat_id, const char *reason);
typedef int (*bh_timer_fn)(bh_ctx *ctx);
typedef int (*bh_memory_preparer_fn)(bh_shared *m);

/* ---- Bots and components ---------------------------------------------- */

/**
 * A new bot for token ("123456:ABC-..."; the number before ':' is the bot's
 * id, which names its memories). Returns NULL if token is NULL or malformed,
 * or out of memory.
 */
bh_bot *bh_bot_new(const char *token);
void bh_bot_free(bh_bot *bot);
/** The bot's numeric id (from the token). */
int64_t bh_bot_id(const bh_bot *bot);
/** Text of the default /start answer. */
int bh_bot_about(bh_bot *bot, const char *text);
/** Overrides the Bot API base URL (default: BOTHIVE_API_URL, else Telegram's). */
int bh_bot_api_url(bh_bot *bot, const char *url);
/** Rate limits of sends (see bh_ratelimit_options); NULL = defaults. */
int bh_bot_ratelimit(bh_bot *bot, const bh_ratelimit_options *opt);

/** A new component named name ([A-Za-z0-9_.-], it names its memory). NULL on error. */
bh_component *bh_component_new(const char *name);
/** Drops the caller's reference; bots using it keep theirs. */
void bh_component_free(bh_component *c);
/** Makes the bot use c (after its own hooks). The same component may be
 *  used by several bots: each bot has a separate memory for it.
 *  Errors: BH_EINVAL (NULL, or a component of that name already used). */
int bh_bot_use(bh_bot *bot, bh_component *c);

/* ---- Hooks: the same for a bot (its main component) and a component ---- */

#define BH_HOOKS_DECLARE(prefix, type)                                                          \
    int prefix##_before_processing(type *o, bh_update_fn fn);                                   \
    int prefix##_process_message(type *o, bh_message_fn fn);                                    \
    int prefix##_message_equals(type *o, const char *text, unsigned flags, bh_message_fn fn);   \
    int prefix##_message_contains(type *o, const char *word, unsigned flags, bh_message_fn fn); \
    int prefix##_message_matches(type *o, const char *regex, unsigned flags, bh_matches_fn fn); \
    int prefix##_command(type *o, const char *name, bh_command_fn fn, const char *help);        \
    int prefix##_command_ex(type *o, const char *name, bh_command_fn fn, const char *help,      \
                            unsigned flags, int order);                                         \
    int prefix##_callback(type *o, const char *name, bh_callback_fn fn);                        \
    int prefix##_message_edited(type *o, bh_message_fn fn);                                     \
    int prefix##_channel_post(type *o, bh_message_fn fn);                                       \
    int prefix##_chat_unavailable(type *o, bh_unavailable_fn fn);                               \
    int prefix##_timer(type *o, int seconds, bh_timer_fn fn);

/*
 * before_processing: every update, first. process_message: every message
 * not handled before. message_equals: text equal to `text`. message_contains:
 * `word` present as a whole word. message_matches: POSIX extended regex
 * (captures in bh_match). command: "/name args" (name without '/', 1-32 of
 * [a-z0-9_]); "/name@otherbot" is not for this bot; help is the /help line
 * (NULL: none); order sorts /help (then by name). callback: a button made by
 * bh_button_signed with this name was pressed. message_edited: edited
 * messages (edited_message; edited channel posts have their own hook,
 * edited_channel_post). channel_post: posts in channels. chat_unavailable: a send to a chat was refused with 403
 * (blocked, kicked). timer: every `seconds` (>= 1), never two runs at once.
 */
BH_HOOKS_DECLARE(bh_bot, bh_bot)
BH_HOOKS_DECLARE(bh_component, bh_component)

/* ---- /help, /start, unknown commands, the owner --------------------------- */
/*
 * Unless the bot registers its own /help and /start, bothive answers them:
 *   /help          the bot's before-help text, the listed commands (not
 *                  BH_CMD_HIDDEN, and BH_CMD_OWNER ones only to the owner,
 *                  under a heading of their own), a hint at /help COMMAND
 *                  when some command has a long help, the after-help text,
 *                  and "Please contact @owner ..." when the owner is set;
 *   /help COMMAND  that command's line and its long help (a hidden
 *                  command, or an owner-only one asked by anyone else, is
 *                  answered as unknown: hidden stays hidden);
 *   /start         the about text (bh_bot_about), then a hint at /help.
 * /help is one message, of at most BH_HELP_MAX_TEXT characters (Telegram's
 * limit): when the list would make it longer, its last command lines are
 * left out, replaced by "...and N more commands." (BH_TEXT_HELP_LEFT_OUT),
 * and a warning is logged; /help COMMAND still answers for each of them.
 * Telegram's client menu (bh_bot_publish_commands) holds at most
 * BH_PUBLISH_MAX_COMMANDS.
 * A command this bot does not have (or an owner-only one sent by someone
 * else) goes down the chain like any message (text hooks, processors,
 * on_update hooks); if every hook continued, bothive answers
 * "Unknown command: /x. Try /help." in a private chat, or in a group when
 * the command was addressed to this bot ("/x@thisbot"): in a group a bare
 * "/x" may be meant for another bot. A command addressed to another bot
 * ("/x@otherbot") is never answered. A failed answer is logged; it does
 * not fail the update.
 * Every one of these texts, and the bot's own help texts, about text and
 * command helps, is looked up in the translations (below) for the user.
 */

/* A command only the bot's owner may run; for anyone else it does not
 * exist (not listed, answered as unknown). */
#define BH_CMD_OWNER 8u

/* The longest /help, in UTF-16 units: a message's text. */
#define BH_HELP_MAX_TEXT 4096
/* The most commands Telegram's menu holds (setMyCommands, sent when the
 * bot starts): the first ones (by order, then name; /help keeps its
 * place) are published, the others are logged, and still run. */
#define BH_PUBLISH_MAX_COMMANDS 100

/**
 * Sets the bot's owner: "@username" (or "username"), or a numeric user id
 * ("12345", which cannot be taken over by another account but is not shown
 * in /help). The owner alone runs BH_CMD_OWNER commands and is named in
 * /help. NULL clears it. Errors: BH_EINVAL (NULL bot, an empty name, or
 * one with characters a Telegram username cannot have), BH_ENOMEM.
 */
int bh_bot_owner(bh_bot *bot, const char *owner);

/** Texts shown before and after /help's list of commands (NULL clears).
 *  Errors: BH_EINVAL (NULL bot), BH_ENOMEM. */
int bh_bot_before_help(bh_bot *bot, const char *text);
int bh_bot_after_help(bh_bot *bot, const char *text);

/**
 * The long help of the command name, shown by "/help name" below its line.
 * The command must be registered first on the bot (component). Errors:
 * BH_EINVAL (NULL argument), BH_ENOTFOUND (no command name there),
 * BH_ENOMEM.
 */
int bh_bot_command_help(bh_bot *bot, const char *name, const char *long_help);
int bh_component_command_help(bh_component *c, const char *name, const char *long_help);

/**
 * What an unknown command is answered: text, in which "{command}" stands
 * for the command's name (default BH_TEXT_UNKNOWN_COMMAND); NULL turns the
 * answer off. Errors: BH_EINVAL (NULL bot), BH_ENOMEM.
 */
int bh_bot_unknown_command(bh_bot *bot, const char *text);

/* ---- Translations ------------------------------------------------------- */
/*
 * bothive's texts are written in English; their translations are looked up
 * by their English text (gettext's msgid). English and Italian are built
 * in; a bot adds languages (or replaces built-in translations, or
 * translates its own texts) from gettext catalogs or a table:
 *
 *     msgfmt -o it.mo it.po              (Debian's gettext)
 *     bh_bot_catalog(bot, "it", "locale/it/LC_MESSAGES/mybot.mo");
 *     bh_bot_translate(bot, "de", BH_TEXT_UNKNOWN_COMMAND,
 *                      "Unbekannter Befehl: /{command}. Siehe /help.");
 *
 * A catalog is read into the bot when it is loaded (before bh_bot_run:
 * the workers inherit it), not through gettext's locale machinery, so each
 * update is answered in its own user's language whatever the process's
 * locale. Placeholders are "{name}", filled by bothive, never printf
 * formats, so a wrong translation cannot break a send.
 *
 * A text that counts has plural forms (gettext's msgid_plural, looked up
 * by bh_bot_ntr / bh_ctx_ntr): the catalog's header line
 *     "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"
 * chooses the form, read by bothive's own evaluator of gettext's C-like
 * expressions (n, numbers, ! * / % + - < > <= >= == != && || ?: and
 * parentheses, on unsigned long). Catalogs of the table API (until
 * bh_bot_plural_rule gives them a rule), and a .mo whose header has no
 * Plural-Forms, or one that cannot be read (too long,
 * nested too deep, not an expression: logged when the file is loaded),
 * follow English's rule (n != 1); so does an n for which the expression
 * divides by zero or gives a form past nplurals. An entry lacking the
 * chosen form gives its first, as gettext does.
 *
 * The language of an update is its sender's language_code ("pt-br", then
 * "pt") if the bot has a translation in it, else the bot's default
 * (bh_bot_language; "en" unless set). Texts missing from a translation
 * are shown in English.
 */
#define BH_TEXT_HELP_HEADER "This bot supports these commands:"
#define BH_TEXT_HELP_SELF "Show this help message"
#define BH_TEXT_HELP_MORE "Use /help COMMAND to learn more about a command."
#define BH_TEXT_HELP_OWNER_ONLY "Only for the owner:"
#define BH_TEXT_HELP_CONTACT "Please contact {owner} if you have problems with this bot."
#define BH_TEXT_HELP_NONE "There is no help for /{command}."
#define BH_TEXT_START "Use /help to see what this bot can do."
#define BH_TEXT_UNKNOWN_COMMAND "Unknown command: /{command}. Try /help."
#define BH_TEXT_COMMANDS "Show the list of commands"
/* The last line of a /help whose list is cut (see BH_HELP_MAX_TEXT), by
 * the count of commands left out (bh_ctx_ntr). */
#define BH_TEXT_HELP_LEFT_OUT "...and {count} more command."
#define BH_TEXT_HELP_LEFT_OUT_PLURAL "...and {count} more commands."
/* Not sent by bothive itself: for a bot's error handler to tell the user. */
#define BH_TEXT_ERROR "Something went wrong. Please try again later."

/**
 * The bot's default language: a language tag ("it", "pt-br"; '_' is read
 * as '-', case is ignored) that is "en" or has a translation (built in, or
 * loaded before this call). Errors: BH_EINVAL (NULL, or not a tag of 2-15
 * letters, digits and '-'), BH_ENOTFOUND (no translation in lang).
 */
int bh_bot_language(bh_bot *bot, const char *lang);

/**
 * Loads the gettext catalog (a .mo file made by msgfmt) at path as the
 * bot's translations into lang; its entries replace earlier ones of the
 * same msgid (built-in translations are looked up after the bot's). Its
 * header's Plural-Forms becomes lang's plural rule; a file without one,
 * or with one that cannot be read (a warning is logged), leaves the rule
 * as it was (English's when none was loaded). Errors: BH_EINVAL (NULL
 * argument, a bad tag), BH_EIO (unreadable path),
 * BH_ECORRUPT (not a .mo file, or damaged: offsets or lengths outside the
 * file; nothing is loaded then), BH_ENOMEM.
 */
int bh_bot_catalog(bh_bot *bot, const char *lang, const char *path);

/**
 * Loads every dir/LANG/LC_MESSAGES/domain.mo (the layout of
 * /usr/share/locale) with bh_bot_catalog. *loaded (may be NULL) gets how
 * many were loaded. Errors: BH_EINVAL, BH_EIO (dir unreadable), and the
 * first error of bh_bot_catalog (the others are still loaded).
 */
int bh_bot_catalogs(bh_bot *bot, const char *dir, const char *domain, size_t *loaded);

/**
 * The table API: text is msgid in lang (replacing an earlier one).
 * Errors: BH_EINVAL (NULL argument, a bad tag, an empty msgid), BH_ENOMEM.
 */
int bh_bot_translate(bh_bot *bot, const char *lang, const char *msgid, const char *text);

/**
 * The table API for a text that counts: forms[0..nforms) are msgid's
 * plural forms in lang (copied), in the order of lang's plural rule
 * (bh_bot_plural_rule; English's, n != 1, until one is set or loaded).
 * Errors: BH_EINVAL (NULL argument or form, a bad tag, an empty msgid,
 * nforms 0 or more than 16), BH_ENOMEM.
 */
int bh_bot_translate_plural(bh_bot *bot, const char *lang, const char *msgid,
                            const char *const *forms, size_t nforms);

/**
 * Sets lang's plural rule, written as in a catalog's header after
 * "Plural-Forms:" ("nplurals=3; plural=(n==1 ? 0 : ...);"), replacing
 * one set or loaded before. Errors: BH_EINVAL (NULL argument, a bad tag,
 * a rule that cannot be read: see above), BH_ENOMEM.
 */
int bh_bot_plural_rule(bh_bot *bot, const char *lang, const char *rule);

/**
 * msgid translated into lang (NULL: the bot's default), else msgid
 * itself (an entry with plural forms: its first). The result stays valid while the bot lives and its translations
 * are not changed. NULL only for a NULL msgid.
 */
const char *bh_bot_tr(bh_bot *bot, const char *lang, const char *msgid);

/**
 * The form of msgid (with msgid_plural, its English plural) for the count
 * n in lang (NULL: the bot's default): the translation's form chosen by
 * its catalog's plural rule (see above), else msgid when n is 1 and
 * msgid_plural otherwise. The result is valid as for bh_bot_tr. NULL bot:
 * the English form. NULL only when msgid or msgid_plural is NULL (the
 * error: nothing is looked up then).
 */
const char *bh_bot_ntr(bh_bot *bot, const char *lang, const char *msgid,
                       const char *msgid_plural, unsigned long n);

/**
 * tmpl with every "{name}" replaced by value, the placeholders of
 * translated texts ("{n} files" with name "n"): a malloc'd string for the
 * caller to free. A placeholder of another name is left as it is. NULL
 * when out of memory, or for a NULL argument.
 */
char *bh_text_subst(const char *tmpl, const char *name, const char *value);

/** The language chosen for the update being processed (see above); the
 *  bot's default in a timer. */
const char *bh_ctx_language(bh_ctx *ctx);

/** msgid in the language of the update being processed (bh_bot_tr). */
const char *bh_ctx_tr(bh_ctx *ctx, const char *msgid);

/** bh_bot_ntr in the language of the update being processed (NULL ctx:
 *  the English form; NULL for a NULL msgid or msgid_plural). */
const char *bh_ctx_ntr(bh_ctx *ctx, const char *msgid, const char *msgid_plural,
                       unsigned long n);

/* ---- Hooks for every update kind ------------------------------------------ */
/*
 * Each update kind has a hook that gets its typed view (see telegram.h:
 * bh_inline_query, bh_chat_member_updated, ...), valid for the hook's run.
 * Like every hook they run after before_processing, bot first, then each
 * component, until one does not return BH_CONTINUE; components have the
 * same functions (bh_component_*). A kind's object that lacks what its
 * view needs (ids, chat, user) is logged and runs only the
 * bh_*_on_update hooks of that kind. stopped_message_generation,
 * managed_bot and subscription have their hooks in a section of their
 * own below.
 *
 * edited_channel_post has its own hook (message_edited sees edited_message
 * only). callback_query runs for every press, signed or not, before the
 * bh_*_callback hooks of signed buttons: return BH_HANDLED to stop there.
 * on_update runs for updates of the kind named kind_name (raw: read
 * bh_update_object), a kind of this version or one the Bot API adds
 * later; the name is requested in allowed_updates.
 *
 * allowed_updates (what the runner asks Telegram for, on getUpdates and
 * setWebhook) is "message" plus the kinds some hook of the bot or of its
 * components handles: a kind nobody handles is not requested.
 * before_processing hooks widen it to every kind Telegram sends by default
 * (all but chat_member, message_reaction and message_reaction_count).
 * bh_run_options.allowed_updates / BOTHIVE_ALLOWED_UPDATES override it.
 *
 * Errors of each: BH_EINVAL (NULL object or function, a kind_name that is
 * not 1..64 of [a-z_]), BH_ENOMEM.
 */
typedef int (*bh_inline_query_fn)(bh_ctx *ctx, const bh_inline_query *q);
typedef int (*bh_chosen_inline_result_fn)(bh_ctx *ctx, const bh_chosen_inline_result *r);
typedef int (*bh_callback_query_fn)(bh_ctx *ctx, const bh_callback_query *q);
typedef int (*bh_chat_member_fn)(bh_ctx *ctx, const bh_chat_member_updated *u);
typedef int (*bh_chat_join_request_fn)(bh_ctx *ctx, const bh_chat_join_request *r);
typedef int (*bh_reaction_fn)(bh_ctx *ctx, const bh_message_reaction_updated *r);
typedef int (*bh_reaction_count_fn)(bh_ctx *ctx, const bh_message_reaction_count_updated *r);
typedef int (*bh_poll_fn)(bh_ctx *ctx, const bh_poll *p);
typedef int (*bh_poll_answer_fn)(bh_ctx *ctx, const bh_poll_answer *a);
typedef int (*bh_shipping_query_fn)(bh_ctx *ctx, const bh_shipping_query *q);
typedef int (*bh_pre_checkout_query_fn)(bh_ctx *ctx, const bh_pre_checkout_query *q);
typedef int (*bh_chat_boost_fn)(bh_ctx *ctx, const bh_chat_boost *b);
typedef int (*bh_business_connection_fn)(bh_ctx *ctx, const bh_business_connection *c);
typedef int (*bh_business_deleted_fn)(bh_ctx *ctx, const bh_business_messages_deleted *d);
typedef int (*bh_paid_media_fn)(bh_ctx *ctx, const bh_paid_media_purchased *p);

#define BH_KIND_HOOKS_DECLARE(prefix, type)                                           \
    int prefix##_edited_channel_post(type *o, bh_message_fn fn);                      \
    int prefix##_business_message(type *o, bh_message_fn fn);                         \
    int prefix##_edited_business_message(type *o, bh_message_fn fn);                  \
    int prefix##_guest_message(type *o, bh_message_fn fn);                            \
    int prefix##_business_connection(type *o, bh_business_connection_fn fn);          \
    int prefix##_deleted_business_messages(type *o, bh_business_deleted_fn fn);       \
    int prefix##_purchased_paid_media(type *o, bh_paid_media_fn fn);                  \
    int prefix##_inline_query(type *o, bh_inline_query_fn fn);                        \
    int prefix##_chosen_inline_result(type *o, bh_chosen_inline_result_fn fn);        \
    int prefix##_callback_query(type *o, bh_callback_query_fn fn);                    \
    int prefix##_my_chat_member(type *o, bh_chat_member_fn fn);                       \
    int prefix##_chat_member(type *o, bh_chat_member_fn fn);                          \
    int prefix##_chat_join_request(type *o, bh_chat_join_request_fn fn);              \
    int prefix##_message_reaction(type *o, bh_reaction_fn fn);                        \
    int prefix##_message_reaction_count(type *o, bh_reaction_count_fn fn);            \
    int prefix##_poll(type *o, bh_poll_fn fn);                                        \
    int prefix##_poll_answer(type *o, bh_poll_answer_fn fn);                          \
    int prefix##_shipping_query(type *o, bh_shipping_query_fn fn);                    \
    int prefix##_pre_checkout_query(type *o, bh_pre_checkout_query_fn fn);            \
    int prefix##_chat_boost(type *o, bh_chat_boost_fn fn);                            \
    int prefix##_removed_chat_boost(type *o, bh_chat_boost_fn fn);                    \
    int prefix##_on_update(type *o, const char *kind_name, bh_update_fn fn);

BH_KIND_HOOKS_DECLARE(bh_bot, bh_bot)
BH_KIND_HOOKS_DECLARE(bh_component, bh_component)

/* ---- Hooks of the newest update kinds -------------------------------------- */
/* As the hooks for every update kind above (the same order, errors and
 * allowed_updates): stopped_message_generation, managed_bot, subscription. */
typedef int (*bh_generation_stopped_fn)(bh_ctx *ctx, const bh_message_generation_stopped *s);
typedef int (*bh_managed_bot_fn)(bh_ctx *ctx, const bh_managed_bot_updated *m);
typedef int (*bh_subscription_fn)(bh_ctx *ctx, const bh_subscription_updated *s);

#define BH_NEW_KIND_HOOKS_DECLARE(prefix, type)                                       \
    int prefix##_stopped_message_generation(type *o, bh_generation_stopped_fn fn);    \
    int prefix##_managed_bot(type *o, bh_managed_bot_fn fn);                          \
    int prefix##_subscription(type *o, bh_subscription_fn fn);

BH_NEW_KIND_HOOKS_DECLARE(bh_bot, bh_bot)
BH_NEW_KIND_HOOKS_DECLARE(bh_component, bh_component)

/**
 * The kinds the bot's hooks request (see above), NULL-terminated, owned by
 * the bot and valid until the next call or bh_bot_free; NULL for a NULL bot.
 */
const char *const *bh_bot_allowed_updates(bh_bot *bot);

/** The bot's memory preparer: runs once, the first time any worker needs
 *  the bot's memory, to set initial values. */
int bh_bot_prepare_memory(bh_bot *bot, bh_memory_preparer_fn fn);
/** A component's memory preparers (several allowed, run in order). */
int bh_component_add_memory_preparer(bh_component *c, bh_memory_preparer_fn fn);

/* ---- Running one update without a runner (for tests) -------------------- */

/**
 * Runs one update (an Update object as JSON text) through the bot's chain
 * in the calling process, with a mem: store made on first use (or the store
 * given by bh_bot_set_store). Sends go to the Bot API at the bot's URL.
 * Returns BH_OK, BH_EJSON (not JSON), BH_EPROTO (not an Update), or the
 * negative code a hook returned.
 */
int bh_bot_process(bh_bot *bot, const char *update_json);
/** The store bh_bot_process uses (the bot does not take ownership). */
int bh_bot_set_store(bh_bot *bot, bh_store *st);

/* ---- The context of a running hook -------------------------------------- */

/** The memory of the bot or component that owns the running hook, prepared
 *  on first use. NULL only if the store failed (logged). */
bh_shared *bh_ctx_shared(bh_ctx *ctx);
bh_bot *bh_ctx_bot(bh_ctx *ctx);
/** The update being processed (NULL in a timer). */
const bh_update *bh_ctx_update(bh_ctx *ctx);
/** This process's Bot API client of the bot. */
bh_client *bh_ctx_client(bh_ctx *ctx);

/**
 * Sends text to chat_id, waiting for the shared rate limits. A 403 runs the
 * chat_unavailable hooks. Errors: those of bh_client_send_message.
 */
int bh_chat_send(bh_ctx *ctx, int64_t chat_id, const char *text);
int bh_chat_sendf(bh_ctx *ctx, int64_t chat_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** With options (parse mode, keyboard, ...); *sent may be NULL. */
int bh_chat_send_ex(bh_ctx *ctx, int64_t chat_id, const char *text, const bh_send_options *opt,
                    bh_message **sent);
/** Replies to msg in its chat. */
int bh_message_reply(bh_ctx *ctx, const bh_message *msg, const char *text);
int bh_message_replyf(bh_ctx *ctx, const bh_message *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Adds to kb a button that, when pressed, runs the callback hook `name`
 * with data. The callback data is signed with the bot's secret, so a user
 * cannot forge a press of a button the bot never sent. name and data
 * together take at most 50 bytes. Errors: BH_EINVAL, BH_ETOOBIG, BH_ENOMEM.
 */
int bh_button_signed(bh_ctx *ctx, bh_keyboard *kb, const char *text, const char *name,
                     const char *data);
/** Answers the callback query (stops the client's spinner); text may be NULL. */
int bh_callback_answer(bh_ctx *ctx, const bh_callback_query *q, const char *text);

/* ---- Answers to callback queries, with every option -------------------- */

typedef struct bh_callback_answer_options {
    const char *text;   /* the notification (0..200 characters); NULL for none */
    int show_alert;     /* non-zero: an alert the user must dismiss, not a toast */
    const char *url;    /* a game's URL, or a t.me/your_bot?start= link; NULL for none */
    int cache_time;     /* seconds the client may cache the answer; 0 for none */
} bh_callback_answer_options;

/**
 * Answers the callback query q (any press, signed or plain) with opt
 * (NULL: an empty answer, as bh_callback_answer(ctx, q, NULL)).
 * Errors: BH_EINVAL (NULL ctx or q, a negative cache_time), BH_ENOMEM, and
 * those of bh_client_call (BH_EAPI when Telegram refuses it, e.g. a query
 * already answered or too old).
 */
int bh_callback_answer_ex(bh_ctx *ctx, const bh_callback_query *q,
                          const bh_callback_answer_options *opt);

/** Calls any Bot API method with JSON params (see bh_client_call). */
int bh_api_call(bh_bot *bot, const char *method, const char *params_json, json_object **result);

/* ---- Shared 429 pauses, files from a hook ---------------------------------- */

/**
 * Holds back every send of every process sharing rl for retry_after_s
 * seconds from now (a 429 was answered): bh_ratelimit_wait does not return
 * before. The bot's client calls it on each 429 through its limiter
 * (bh_limiter in telegram.h). Errors: BH_EINVAL (NULL rl, retry_after_s
 * < 1), BH_ETIMEDOUT (the limiter's lock), the store's errors.
 */
int bh_ratelimit_pause(bh_ratelimit *rl, int retry_after_s);

/**
 * Sends a photo (or a document) to chat_id, through the bot's client and
 * so the shared rate limits; caption may be NULL. A 403, or a 400 "chat
 * not found", runs the chat_unavailable hooks. Errors: those of
 * bh_client_send_photo (bh_client_send_document).
 */
int bh_chat_send_photo(bh_ctx *ctx, int64_t chat_id, const bh_input_file *photo,
                       const char *caption);
int bh_chat_send_document(bh_ctx *ctx, int64_t chat_id, const bh_input_file *document,
                          const char *caption);
/** The same in msg's chat, as a reply to msg. Errors: BH_EINVAL (NULL msg),
 *  and those of bh_chat_send_photo. */
int bh_message_reply_photo(bh_ctx *ctx, const bh_message *msg, const bh_input_file *photo,
                           const char *caption);
int bh_message_reply_document(bh_ctx *ctx, const bh_message *msg, const bh_input_file *document,
                              const char *caption);

/**
 * Calls any Bot API method with the parameter builder from a hook (see
 * bh_client_call_params: the shared limits, retries, files). A 403, or a
 * 400 "chat not found", for the chat_id of p runs the chat_unavailable
 * hooks. Errors: those of bh_client_call_params.
 */
int bh_ctx_call(bh_ctx *ctx, const char *method, const bh_params *p, json_object **result);


/* ---- Inline mode and the messages of buttons, from a hook ----------------- */

/**
 * Answers the inline query q with results (see bh_client_answer_inline;
 * opt may be NULL). Errors: BH_EINVAL (NULL ctx or q), and those of
 * bh_client_answer_inline (BH_EAPI when Telegram refuses the answer, e.g.
 * a query too old).
 */
int bh_inline_answer(bh_ctx *ctx, const bh_inline_query *q, const bh_inline_results *results,
                     const bh_inline_answer_options *opt);

/**
 * Replaces the text (and with opt->reply_markup, the inline keyboard; opt
 * may be NULL, which removes it) of the message whose button was pressed:
 * a message of a chat, or one sent via inline mode (q->inline_message_id).
 * Errors: BH_EINVAL (NULL ctx or q, a query with neither message nor
 * inline_message_id), and those of bh_client_edit_message_text /
 * bh_client_edit_inline_text.
 */
int bh_callback_edit_text(bh_ctx *ctx, const bh_callback_query *q, const char *text,
                          const bh_send_options *opt);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_BOT_H */
