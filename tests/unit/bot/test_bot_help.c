/*
 * What bothive answers by itself, against the real emulator: unknown
 * commands (private chats, groups, another bot's, turned off), /help
 * COMMAND, hidden and owner-only commands, the owner, the texts around
 * /help; and the translations: an Italian user, a language the bot lacks,
 * a regional tag, the table API, gettext catalogs compiled by msgfmt, and
 * damaged catalogs; a /help longer than a message, and more commands
 * than Telegram's menu holds. Users write through /control/update, so that a test
 * chooses their username and language_code, and the bot reads the update
 * with getUpdates as it would from Telegram.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bot/i18n.h"
#include "bot/internal.h"
#include "bothive/bothive.h"
#include "emu_proc.h"
#include "testutil.h"

#define TOKEN "4343:TEST"
#define PRIV 50  /* a private chat (of user 50) */
#define GROUP -60

static bh_emu_proc emu;
static int64_t next_offset;
static char trace[512];

static void drain(void);

static void setup(void)
{
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    next_offset = 0;
    trace[0] = 0;
    bh_log_set_level(BH_LOG_ERROR + 1);
    /* The chats must exist for the bot to write to them. */
    ck_assert_int_ge(bh_emu_send_user_message(&emu, PRIV, PRIV, "hi"), 1);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":-60,\"user_id\":51,\"text\":\"hi\","
                                 "\"chat_type\":\"group\"}", NULL), 200);
    drain();
}

static void teardown(void)
{
    ck_assert_int_eq(bh_emu_stop(&emu), 0);
}

static bh_bot *new_bot(void)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    bh_ratelimit_options rl = {.disabled = 1};
    ck_assert_ptr_nonnull(bot);
    ck_assert_int_eq(bh_bot_api_url(bot, emu.url), BH_OK);
    ck_assert_int_eq(bh_bot_ratelimit(bot, &rl), BH_OK);
    return bot;
}

/* The queued updates, as JSON texts, until none is left (first only). */
static char *next_update(void)
{
    char body[128], *resp = NULL;
    snprintf(body, sizeof body, "{\"offset\":%lld,\"timeout\":0}", (long long)next_offset);
    ck_assert_int_eq(bh_emu_call(&emu, "getUpdates", body, &resp), 200);
    char *u = bh_emu_json_str(resp, "result.0");
    free(resp);
    if (u) {
        int64_t id;
        ck_assert_int_eq(bh_emu_json_int(u, "update_id", &id), 0);
        next_offset = id + 1;
    }
    return u;
}

static void drain(void)
{
    char *u;
    while ((u = next_update()))
        free(u);
}

/* User `user` (username, language_code: NULL for none) writes text in chat;
 * the bot processes the update. The message is given the id of the chat's
 * first message (which setup wrote), so that the bot's reply to it has a
 * message to reply to in the emulator. */
static int say_as(bh_bot *bot, int64_t chat, int64_t user, const char *username,
                  const char *lang, const char *text)
{
    json_object *o = json_object_new_object(), *m = json_object_new_object(),
                *c = json_object_new_object(), *f = json_object_new_object();
    json_object_object_add(c, "id", json_object_new_int64(chat));
    json_object_object_add(c, "type", json_object_new_string(chat < 0 ? "group" : "private"));
    json_object_object_add(f, "id", json_object_new_int64(user));
    json_object_object_add(f, "is_bot", json_object_new_boolean(0));
    json_object_object_add(f, "first_name", json_object_new_string("U"));
    if (username)
        json_object_object_add(f, "username", json_object_new_string(username));
    if (lang)
        json_object_object_add(f, "language_code", json_object_new_string(lang));
    json_object_object_add(m, "message_id", json_object_new_int64(1));
    json_object_object_add(m, "date", json_object_new_int64(1700000000));
    json_object_object_add(m, "chat", c);
    json_object_object_add(m, "from", f);
    json_object_object_add(m, "text", json_object_new_string(text));
    json_object_object_add(o, "type", json_object_new_string("message"));
    json_object_object_add(o, "object", m);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/update", json_object_to_json_string(o), NULL),
                     200);
    json_object_put(o);
    char *u = next_update();
    ck_assert_ptr_nonnull(u);
    int rc = bh_bot_process(bot, u);
    free(u);
    return rc;
}

static int say(bh_bot *bot, int64_t chat, const char *text)
{
    return say_as(bot, chat, chat < 0 ? 51 : chat, NULL, NULL, text);
}

/* How many messages the bot sent to chat, and the text of the last one
 * (malloc'd, NULL when none). */
static int sent_count(int64_t chat)
{
    char path[64], *resp = NULL;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    json_object *o = json_tokener_parse(resp), *r;
    ck_assert(json_object_object_get_ex(o, "result", &r));
    int n = (int)json_object_array_length(r);
    json_object_put(o);
    free(resp);
    return n;
}

static char *last_sent(int64_t chat)
{
    char path[64], key[32], *resp = NULL;
    int n = sent_count(chat);
    if (n == 0)
        return NULL;
    snprintf(path, sizeof path, "/control/sent?chat_id=%lld", (long long)chat);
    ck_assert_int_eq(bh_emu_get(&emu, path, &resp), 200);
    snprintf(key, sizeof key, "result.%d.text", n - 1);
    char *t = bh_emu_json_str(resp, key);
    free(resp);
    return t;
}

#define ck_last(chat, want)                   \
    do {                                      \
        char *t_ = last_sent(chat);           \
        ck_assert_ptr_nonnull(t_);            \
        ck_assert_str_eq(t_, want);           \
        free(t_);                             \
    } while (0)

static int h_go(bh_ctx *c, const bh_message *m, const bh_args *a)
{
    (void)a;
    return bh_message_reply(c, m, "going");
}

static int h_admin(bh_ctx *c, const bh_message *m, const bh_args *a)
{
    (void)a;
    return bh_message_reply(c, m, "admin done");
}

static int h_process(bh_ctx *c, const bh_message *m)
{
    (void)c;
    strncat(trace, m->text, sizeof trace - strlen(trace) - 2);
    strcat(trace, " ");
    return BH_CONTINUE;
}

static int h_take_all(bh_ctx *c, const bh_message *m)
{
    (void)c;
    (void)m;
    return BH_HANDLED;
}

/* ---- unknown commands ---- */

START_TEST(unknown_commands_are_answered)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, h_process), BH_OK);

    ck_assert_int_eq(say(bot, PRIV, "/nope now"), BH_OK);
    ck_last(PRIV, "Unknown command: /nope. Try /help.");
    ck_assert_str_eq(trace, "/nope now "); /* the processors saw it first */
    ck_assert_int_eq(sent_count(PRIV), 1);
    ck_assert_int_eq(say(bot, PRIV, "/go"), BH_OK);
    ck_last(PRIV, "going");
    ck_assert_int_eq(say(bot, PRIV, "/nope@someotherbot"), BH_OK); /* not ours */
    ck_assert_int_eq(say(bot, PRIV, "/nope@"), BH_OK);             /* no bot's */
    ck_assert_int_eq(say(bot, PRIV, "plain text"), BH_OK);
    ck_assert_int_eq(sent_count(PRIV), 2);
    /* In a group a bare /nope may be another bot's; addressed to us, not. */
    ck_assert_int_eq(say(bot, GROUP, "/nope"), BH_OK);
    ck_assert_int_eq(sent_count(GROUP), 0);
    ck_assert_int_eq(say(bot, GROUP, "/nope@emu_bot"), BH_OK);
    ck_last(GROUP, "Unknown command: /nope. Try /help.");
    bh_bot_free(bot);
}
END_TEST

START_TEST(unknown_command_text_and_off)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_unknown_command(bot, "What is /{command}? {other}"), BH_OK);
    ck_assert_int_eq(say(bot, PRIV, "/what"), BH_OK);
    ck_last(PRIV, "What is /what? {other}");
    ck_assert_int_eq(bh_bot_unknown_command(bot, NULL), BH_OK);
    ck_assert_int_eq(say(bot, PRIV, "/what"), BH_OK);
    ck_assert_int_eq(sent_count(PRIV), 1);
    ck_assert_int_eq(bh_bot_unknown_command(NULL, "x"), BH_EINVAL);
    /* A processor that takes the message: no answer either. */
    ck_assert_int_eq(bh_bot_unknown_command(bot, BH_TEXT_UNKNOWN_COMMAND), BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, h_take_all), BH_OK);
    ck_assert_int_eq(say(bot, PRIV, "/what"), BH_OK);
    ck_assert_int_eq(sent_count(PRIV), 1);
    bh_bot_free(bot);
}
END_TEST

/* ---- /help ---- */

START_TEST(help_command_shows_long_help)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "plain", h_go, "Plain"), BH_OK);
    ck_assert_int_eq(bh_bot_command(bot, "bare", h_go, NULL), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "secret", h_go, "Hidden", BH_CMD_HIDDEN, 0), BH_OK);
    ck_assert_int_eq(bh_bot_command_help(bot, "go", "Usage: /go PLACE\nGoes to PLACE."), BH_OK);
    ck_assert_int_eq(bh_bot_command_help(bot, "secret", "Never shown"), BH_OK);
    ck_assert_int_eq(bh_bot_command_help(bot, "missing", "x"), BH_ENOTFOUND);
    ck_assert_int_eq(bh_bot_command_help(bot, NULL, "x"), BH_EINVAL);

    ck_assert_int_eq(say(bot, PRIV, "/help"), BH_OK);
    ck_last(PRIV, "This bot supports these commands:\n/bare\n/go - Go somewhere\n/plain - Plain\n"
                  "/help - Show this help message\n\n"
                  "Use /help COMMAND to learn more about a command.");
    ck_assert_int_eq(say(bot, PRIV, "/help go"), BH_OK);
    ck_last(PRIV, "/go - Go somewhere\n\nUsage: /go PLACE\nGoes to PLACE.");
    ck_assert_int_eq(say(bot, PRIV, "/help /go@emu_bot"), BH_OK);
    ck_last(PRIV, "/go - Go somewhere\n\nUsage: /go PLACE\nGoes to PLACE.");
    ck_assert_int_eq(say(bot, PRIV, "/help plain"), BH_OK);
    ck_last(PRIV, "/plain - Plain");
    ck_assert_int_eq(say(bot, PRIV, "/help bare"), BH_OK);
    ck_last(PRIV, "There is no help for /bare.");
    ck_assert_int_eq(say(bot, PRIV, "/help secret"), BH_OK); /* hidden stays hidden */
    ck_last(PRIV, "Unknown command: /secret. Try /help.");
    ck_assert_int_eq(say(bot, PRIV, "/help nothing"), BH_OK);
    ck_last(PRIV, "Unknown command: /nothing. Try /help.");
    ck_assert_int_eq(say(bot, PRIV, "/secret"), BH_OK); /* hidden, yet it runs */
    ck_last(PRIV, "going");
    bh_bot_free(bot);
}
END_TEST

START_TEST(texts_around_help_and_the_owner)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "admin", h_admin, "Administer", BH_CMD_OWNER, 0),
                     BH_OK);
    ck_assert_int_eq(bh_bot_process_message(bot, h_process), BH_OK);
    ck_assert_int_eq(bh_bot_before_help(bot, "A bot that goes."), BH_OK);
    ck_assert_int_eq(bh_bot_after_help(bot, "Have fun."), BH_OK);
    ck_assert_int_eq(bh_bot_owner(bot, "@The_Boss"), BH_OK);
    ck_assert_int_eq(bh_bot_owner(bot, "bad name"), BH_EINVAL);
    ck_assert_int_eq(bh_bot_owner(bot, "@"), BH_EINVAL);

    ck_assert_int_eq(say_as(bot, PRIV, PRIV, "someone", NULL, "/help"), BH_OK);
    ck_last(PRIV, "A bot that goes.\n\nThis bot supports these commands:\n/go - Go somewhere\n"
                  "/help - Show this help message\n\nHave fun.\n\n"
                  "Please contact @The_Boss if you have problems with this bot.");
    /* For anyone else an owner-only command does not exist. */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, "someone", NULL, "/admin"), BH_OK);
    ck_last(PRIV, "Unknown command: /admin. Try /help.");
    ck_assert_str_eq(trace, "/admin "); /* it went down the chain */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, "someone", NULL, "/help admin"), BH_OK);
    ck_last(PRIV, "Unknown command: /admin. Try /help.");
    /* The owner (usernames ignore case) runs it and sees it listed. */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, "the_boss", NULL, "/admin"), BH_OK);
    ck_last(PRIV, "admin done");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, "the_boss", NULL, "/help"), BH_OK);
    ck_last(PRIV, "A bot that goes.\n\nThis bot supports these commands:\n/go - Go somewhere\n"
                  "/help - Show this help message\n\nOnly for the owner:\n/admin - Administer\n\n"
                  "Have fun.\n\nPlease contact @The_Boss if you have problems with this bot.");
    /* A numeric owner is a user id: not shown, not taken over by a name. */
    ck_assert_int_eq(bh_bot_owner(bot, "50"), BH_OK);
    ck_assert_int_eq(bh_bot_after_help(bot, NULL), BH_OK);
    ck_assert_int_eq(say_as(bot, PRIV, 49, "the_boss", NULL, "/admin"), BH_OK);
    ck_last(PRIV, "Unknown command: /admin. Try /help.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, NULL, "/admin"), BH_OK);
    ck_last(PRIV, "admin done");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, NULL, "/help"), BH_OK);
    ck_last(PRIV, "A bot that goes.\n\nThis bot supports these commands:\n/go - Go somewhere\n"
                  "/help - Show this help message\n\nOnly for the owner:\n/admin - Administer");
    ck_assert_int_eq(bh_bot_owner(bot, NULL), BH_OK); /* no owner: nobody runs it */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, NULL, "/admin"), BH_OK);
    ck_last(PRIV, "Unknown command: /admin. Try /help.");
    bh_bot_free(bot);
}
END_TEST

/* ---- translations ---- */

START_TEST(an_italian_user_gets_italian)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_about(bot, "A bot that goes."), BH_OK);
    /* The bot's own texts are translated by its table. */
    ck_assert_int_eq(bh_bot_translate(bot, "it", "Go somewhere", "Vai da qualche parte"), BH_OK);

    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it", "/help"), BH_OK);
    ck_last(PRIV, "Questo bot supporta questi comandi:\n/go - Vai da qualche parte\n"
                  "/help - Mostra questo messaggio di aiuto");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it", "/boh"), BH_OK);
    ck_last(PRIV, "Comando sconosciuto: /boh. Prova /help.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "IT", "/start"), BH_OK);
    ck_last(PRIV, "A bot that goes.\n\nUsa /help per vedere cosa sa fare questo bot.");
    /* A regional tag falls back to its language. */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it-CH", "/boh"), BH_OK);
    ck_last(PRIV, "Comando sconosciuto: /boh. Prova /help.");
    /* A language the bot lacks gets the default: English, then Italian. */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "de", "/boh"), BH_OK);
    ck_last(PRIV, "Unknown command: /boh. Try /help.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, NULL, "/boh"), BH_OK);
    ck_last(PRIV, "Unknown command: /boh. Try /help.");
    ck_assert_int_eq(bh_bot_language(bot, "it"), BH_OK);
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "de", "/boh"), BH_OK);
    ck_last(PRIV, "Comando sconosciuto: /boh. Prova /help.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "en", "/boh"), BH_OK); /* English is there */
    ck_last(PRIV, "Unknown command: /boh. Try /help.");
    ck_assert_int_eq(bh_bot_language(bot, "de"), BH_ENOTFOUND);
    ck_assert_int_eq(bh_bot_language(bot, "x"), BH_EINVAL);
    ck_assert_int_eq(bh_bot_language(bot, "e n"), BH_EINVAL);
    bh_bot_free(bot);
}
END_TEST

START_TEST(table_translations)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_translate(bot, "pt_BR", BH_TEXT_UNKNOWN_COMMAND,
                                      "Comando desconhecido: /{command}."), BH_OK);
    ck_assert_int_eq(bh_bot_translate(bot, "it", BH_TEXT_UNKNOWN_COMMAND, "Eh? /{command}"),
                     BH_OK); /* over the built-in one */
    ck_assert_int_eq(bh_bot_translate(bot, "it", "", "x"), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate(bot, "", "a", "x"), BH_EINVAL);
    ck_assert_int_eq(bh_bot_translate(NULL, "it", "a", "x"), BH_EINVAL);

    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "pt-br", "/x"), BH_OK);
    ck_last(PRIV, "Comando desconhecido: /x.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "pt", "/x"), BH_OK); /* no "pt" */
    ck_last(PRIV, "Unknown command: /x. Try /help.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it", "/x"), BH_OK);
    ck_last(PRIV, "Eh? /x");
    /* Texts a translation lacks stay English; the rest of Italian stays. */
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "pt-br", "/help"), BH_OK);
    ck_last(PRIV, "This bot supports these commands:\n/help - Show this help message");
    ck_assert_str_eq(bh_bot_tr(bot, "it", BH_TEXT_START),
                     "Usa /help per vedere cosa sa fare questo bot.");
    ck_assert_str_eq(bh_bot_tr(bot, NULL, BH_TEXT_START), BH_TEXT_START);
    ck_assert_str_eq(bh_bot_tr(bot, "zz", "anything"), "anything");
    ck_assert_ptr_null(bh_bot_tr(bot, "it", NULL));
    bh_bot_free(bot);
}
END_TEST

START_TEST(every_builtin_text_is_in_italian)
{
    const char *ids[] = {BH_TEXT_HELP_HEADER, BH_TEXT_HELP_SELF, BH_TEXT_HELP_MORE,
                         BH_TEXT_HELP_OWNER_ONLY, BH_TEXT_HELP_CONTACT, BH_TEXT_HELP_NONE,
                         BH_TEXT_START, BH_TEXT_UNKNOWN_COMMAND, BH_TEXT_COMMANDS,
                         BH_TEXT_ERROR};
    bh_bot *bot = bh_bot_new(TOKEN);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *t = bh_bot_tr(bot, "it", ids[i]);
        ck_assert_msg(strcmp(t, ids[i]) != 0, "no Italian for \"%s\"", ids[i]);
        /* The placeholders survive the translation. */
        ck_assert_int_eq(strstr(ids[i], "{command}") != NULL, strstr(t, "{command}") != NULL);
        ck_assert_int_eq(strstr(ids[i], "{owner}") != NULL, strstr(t, "{owner}") != NULL);
    }
    bh_bot_free(bot);
}
END_TEST

/* getMyCommands for lang ("" for every language), as "cmd=desc;..." */
static char *commands_of(const char *lang)
{
    static char out[1024];
    char body[64], *resp = NULL;
    snprintf(body, sizeof body, "{\"language_code\":\"%s\"}", lang);
    ck_assert_int_eq(bh_emu_call(&emu, "getMyCommands", body, &resp), 200);
    json_object *o = json_tokener_parse(resp), *r;
    ck_assert(json_object_object_get_ex(o, "result", &r));
    out[0] = 0;
    for (size_t i = 0; i < json_object_array_length(r); i++) {
        json_object *c = json_object_array_get_idx(r, i);
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s=%s;",
                 json_object_get_string(json_object_object_get(c, "command")),
                 json_object_get_string(json_object_object_get(c, "description")));
    }
    json_object_put(o);
    free(resp);
    return out;
}

START_TEST(commands_published_per_language)
{
    bh_bot *bot = new_bot();
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "admin", h_admin, "Administer", BH_CMD_OWNER, 0),
                     BH_OK);
    ck_assert_int_eq(bh_bot_command_ex(bot, "secret", h_go, "Hidden", BH_CMD_HIDDEN, 0), BH_OK);
    ck_assert_int_eq(bh_bot_translate(bot, "it", "Go somewhere", "Vai da qualche parte"), BH_OK);
    ck_assert_int_eq(bh_bot_translate(bot, "de", "Go somewhere", "Geh irgendwohin"), BH_OK);
    ck_assert_int_eq(bh_bot_translate(bot, "pt-br", "Go somewhere", "Vai"), BH_OK);
    ck_assert_int_eq(bh_bot_publish_commands(bot), BH_OK);
    /* Owner-only and hidden commands are nobody's business. */
    ck_assert_str_eq(commands_of(""), "go=Go somewhere;help=Show the list of commands;");
    ck_assert_str_eq(commands_of("it"), "go=Vai da qualche parte;help=Mostra la lista dei comandi;");
    ck_assert_str_eq(commands_of("de"), "go=Geh irgendwohin;help=Show the list of commands;");
    ck_assert_str_eq(commands_of("pt"), ""); /* Telegram takes two letters only */
    ck_assert_int_eq(bh_emu_call(&emu, "getMyCommands", "{\"language_code\":\"pt-br\"}", NULL),
                     400);
    bh_bot_free(bot);
}
END_TEST

/* ---- conversations' commands ---- */

/* A bot with /go, and a conversation entered by /signup (described),
 * /quiz (no description) and /ghost (hidden), with a fallback /cancel
 * (not listed) and a /skip of a state its author asked to list. */
static bh_bot *conv_bot(void)
{
    bh_bot *bot = new_bot();
    bh_conversation *cv = bh_conversation_new("signup");
    ck_assert_ptr_nonnull(cv);
    ck_assert_int_eq(bh_bot_command(bot, "go", h_go, "Go somewhere"), BH_OK);
    ck_assert_int_eq(bh_conversation_command_ex(cv, BH_CONV_ENTRY, "signup", h_go, "Sign up",
                                                0, 0), BH_OK);
    ck_assert_int_eq(bh_conversation_command(cv, BH_CONV_ENTRY, "quiz", h_go), BH_OK);
    ck_assert_int_eq(bh_conversation_command_ex(cv, BH_CONV_ENTRY, "ghost", h_go, "Boo",
                                                BH_CMD_HIDDEN, 0), BH_OK);
    ck_assert_int_eq(bh_conversation_command_ex(cv, BH_CONV_FALLBACK, "cancel", h_go,
                                                "Cancel", 0, 0), BH_OK);
    ck_assert_int_eq(bh_conversation_command_ex(cv, "name", "skip", h_go, "Skip a question",
                                                BH_CONV_LISTED, 0), BH_OK);
    ck_assert_int_eq(bh_conversation_command_ex(cv, BH_CONV_ENTRY, "bad", h_go, "x",
                                                BH_CMD_OWNER, 0), BH_EINVAL);
    ck_assert_int_eq(bh_conversation_command_ex(cv, BH_CONV_ENTRY, "Bad", h_go, "x", 0, 0),
                     BH_EINVAL);
    ck_assert_int_eq(bh_bot_conversation(bot, cv), BH_OK);
    bh_conversation_free(cv);
    return bot;
}

START_TEST(conversation_commands_in_help)
{
    bh_bot *bot = conv_bot();
    ck_assert_int_eq(bh_bot_translate(bot, "it", "Sign up", "Iscriviti"), BH_OK);
    ck_assert_int_eq(say(bot, PRIV, "/help"), BH_OK);
    ck_last(PRIV, "This bot supports these commands:\n/go - Go somewhere\n/quiz\n"
                  "/signup - Sign up\n/skip - Skip a question\n"
                  "/help - Show this help message");
    ck_assert_int_eq(say(bot, PRIV, "/help signup"), BH_OK);
    ck_last(PRIV, "/signup - Sign up");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it", "/help signup"), BH_OK);
    ck_last(PRIV, "/signup - Iscriviti");
    ck_assert_int_eq(say(bot, PRIV, "/help ghost"), BH_OK); /* hidden stays hidden */
    ck_last(PRIV, "Unknown command: /ghost. Try /help.");
    ck_assert_int_eq(say(bot, PRIV, "/help cancel"), BH_OK);
    ck_last(PRIV, "Unknown command: /cancel. Try /help.");
    bh_bot_free(bot);
}
END_TEST

START_TEST(conversation_commands_published)
{
    bh_bot *bot = conv_bot();
    ck_assert_int_eq(bh_bot_publish_commands(bot), BH_OK);
    /* /quiz has no description, which setMyCommands requires. */
    ck_assert_str_eq(commands_of(""), "go=Go somewhere;signup=Sign up;skip=Skip a question;"
                                      "help=Show the list of commands;");
    bh_bot_free(bot);
}
END_TEST

/* How many times needle is in s. */
static int occurrences(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* 300 commands: /help lists those that fit in one message and counts the
 * rest (in the user's language); Telegram's menu gets the first 100. */
START_TEST(many_commands_fit_in_help_and_the_menu)
{
    bh_bot *bot = new_bot();
    char name[16], help[64], want[64], *t, *resp = NULL;
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "c%03d", i);
        snprintf(help, sizeof help, "Command number %03d, which does something", i);
        ck_assert_int_eq(bh_bot_command(bot, name, h_go, help), BH_OK);
    }
    ck_assert_int_eq(bh_bot_command_help(bot, "c299", "The last one."), BH_OK);
    ck_assert_int_eq(say(bot, PRIV, "/help"), BH_OK);
    ck_assert_ptr_nonnull(t = last_sent(PRIV));
    ck_assert_uint_le(bh_utf16_length(t, strlen(t)), BH_HELP_MAX_TEXT);
    ck_assert_uint_gt(bh_utf16_length(t, strlen(t)), BH_HELP_MAX_TEXT - 100); /* as much as fits */
    int listed = occurrences(t, "\n/c");
    ck_assert_int_gt(listed, 10);
    ck_assert_int_lt(listed, 300);
    ck_assert_ptr_nonnull(strstr(t, "\n/c000 - Command number 000"));
    ck_assert_ptr_null(strstr(t, "/c299"));
    ck_assert_ptr_null(strstr(t, "/help - ")); /* it comes last: left out too */
    snprintf(want, sizeof want, "\n...and %d more commands.", 301 - listed);
    ck_assert_msg(strstr(t, want) != NULL, "no '%s' in:\n%s", want, t);
    free(t);
    /* A command left out is still answered by /help NAME. */
    ck_assert_int_eq(say(bot, PRIV, "/help c299"), BH_OK);
    ck_last(PRIV, "/c299 - Command number 299, which does something\n\nThe last one.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "it", "/help"), BH_OK);
    ck_assert_ptr_nonnull(t = last_sent(PRIV));
    ck_assert_ptr_nonnull(strstr(t, "Questo bot supporta questi comandi:\n/c000"));
    snprintf(want, sizeof want, "\n...e altri %d comandi.", 301 - occurrences(t, "\n/c"));
    ck_assert_msg(strstr(t, want) != NULL, "no '%s' in:\n%s", want, t);
    free(t);

    ck_assert_int_eq(bh_bot_publish_commands(bot), BH_OK);
    ck_assert_int_eq(bh_emu_call(&emu, "getMyCommands", "{}", &resp), 200);
    json_object *o = json_tokener_parse(resp), *r;
    ck_assert(json_object_object_get_ex(o, "result", &r));
    ck_assert_uint_eq(json_object_array_length(r), BH_PUBLISH_MAX_COMMANDS);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(r, 0),
                                                                   "command")), "c000");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(r, 98),
                                                                   "command")), "c098");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(r, 99),
                                                                   "command")), "help");
    json_object_put(o);
    free(resp);
    bh_bot_free(bot);
}
END_TEST

/* Exactly Telegram's 100 commands, /help included, are published whole;
 * and a short list is not cut. */
START_TEST(a_hundred_commands_are_published_whole)
{
    bh_bot *bot = new_bot();
    char name[16], *resp = NULL, *t;
    for (int i = 0; i < 99; i++) {
        snprintf(name, sizeof name, "d%02d", i);
        ck_assert_int_eq(bh_bot_command(bot, name, h_go, "D"), BH_OK);
    }
    ck_assert_int_eq(bh_bot_publish_commands(bot), BH_OK);
    ck_assert_int_eq(bh_emu_call(&emu, "getMyCommands", "{}", &resp), 200);
    json_object *o = json_tokener_parse(resp), *r;
    ck_assert(json_object_object_get_ex(o, "result", &r));
    ck_assert_uint_eq(json_object_array_length(r), 100);
    json_object_put(o);
    free(resp);
    ck_assert_int_eq(say(bot, PRIV, "/help"), BH_OK);
    ck_assert_ptr_nonnull(t = last_sent(PRIV));
    ck_assert_int_eq(occurrences(t, "\n/d"), 99);
    ck_assert_ptr_nonnull(strstr(t, "\n/help - Show this help message"));
    ck_assert_ptr_null(strstr(t, "more command"));
    free(t);
    bh_bot_free(bot);
}
END_TEST

/* The emulator's control calls carry the user's language_code: a message
 * (answered in Italian), a button press; a bad code is refused. */
START_TEST(control_calls_carry_language_code)
{
    bh_bot *bot = new_bot();
    char *u, *lang;
    ck_assert_int_eq(bh_emu_post(&emu, "/control/message",
                                 "{\"chat_id\":50,\"text\":\"/nope\",\"language_code\":\"it\"}", NULL),
                     200);
    ck_assert_ptr_nonnull(u = next_update());
    ck_assert_ptr_nonnull(lang = bh_emu_json_str(u, "message.from.language_code"));
    ck_assert_str_eq(lang, "it");
    free(lang);
    ck_assert_int_eq(bh_bot_process(bot, u), BH_OK);
    free(u);
    ck_last(PRIV, "Comando sconosciuto: /nope. Prova /help.");
    /* A press of a button of the bot's answer, by an other-language user. */
    char body[160], key[32], *resp = NULL;
    int64_t id;
    ck_assert_int_eq(bh_emu_get(&emu, "/control/sent?chat_id=50", &resp), 200);
    snprintf(key, sizeof key, "result.%d.message_id", sent_count(PRIV) - 1);
    ck_assert_int_eq(bh_emu_json_int(resp, key, &id), 0);
    free(resp);
    snprintf(body, sizeof body, "{\"chat_id\":50,\"message_id\":%lld,\"data\":\"x\","
             "\"language_code\":\"pt-br\"}", (long long)id);
    ck_assert_int_eq(bh_emu_post(&emu, "/control/callback", body, NULL), 200);
    ck_assert_ptr_nonnull(u = next_update());
    ck_assert_ptr_nonnull(lang = bh_emu_json_str(u, "callback_query.from.language_code"));
    ck_assert_str_eq(lang, "pt-br");
    free(lang);
    free(u);
    /* Without one: "en", as before. */
    ck_assert_int_ge(bh_emu_send_user_message(&emu, PRIV, PRIV, "hi"), 1);
    ck_assert_ptr_nonnull(u = next_update());
    ck_assert_ptr_nonnull(lang = bh_emu_json_str(u, "message.from.language_code"));
    ck_assert_str_eq(lang, "en");
    free(lang);
    free(u);
    const char *bad[] = {"\"i\"", "\"it!\"", "7", "\"abcdefghijklmnop\""};
    for (size_t i = 0; i < 4; i++) {
        snprintf(body, sizeof body, "{\"chat_id\":50,\"text\":\"x\",\"language_code\":%s}", bad[i]);
        ck_assert_int_eq(bh_emu_post(&emu, "/control/message", body, NULL), 400);
    }
    bh_bot_free(bot);
}
END_TEST

/* The answer to an unknown command is bothive's courtesy: when it cannot
 * be sent (no Bot API there), the update still succeeds. */
START_TEST(unknown_command_answer_failing_is_not_the_update_failing)
{
    bh_bot *bot = bh_bot_new(TOKEN);
    ck_assert_ptr_nonnull(bot);
    bh_log_set_level(BH_LOG_ERROR + 1);
    ck_assert_int_eq(bh_bot_api_url(bot, "http://127.0.0.1:1"), BH_OK);
    ck_assert_int_eq(bh_bot_process(bot, "{\"update_id\":1,\"message\":{\"message_id\":1,"
                                         "\"chat\":{\"id\":5,\"type\":\"private\"},"
                                         "\"text\":\"/nope\"}}"), BH_OK);
    /* A /help that cannot be sent is the update's failure, as any hook's. */
    ck_assert_int_lt(bh_bot_process(bot, "{\"update_id\":2,\"message\":{\"message_id\":2,"
                                         "\"chat\":{\"id\":5,\"type\":\"private\"},"
                                         "\"text\":\"/help\"}}"), 0);
    bh_bot_free(bot);
}
END_TEST

/* Writes a .po with one entry and compiles it with msgfmt into mo. */
static void make_mo(const char *dir, const char *mo, const char *id, const char *text)
{
    char po[512], cmd[2048];
    snprintf(po, sizeof po, "%s/x.po", dir);
    FILE *f = fopen(po, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
               "msgid \"%s\"\nmsgstr \"%s\"\n\n"
               "msgid \"one apple\"\nmsgid_plural \"{n} apples\"\n"
               "msgstr[0] \"un pomo\"\nmsgstr[1] \"{n} pomi\"\n", id, text);
    fclose(f);
    snprintf(cmd, sizeof cmd, "msgfmt -o '%s' '%s'", mo, po);
    ck_assert_msg(system(cmd) == 0, "msgfmt failed (package gettext)");
}

START_TEST(gettext_catalogs)
{
    char dir[] = "/tmp/bh_i18n_XXXXXX", path[256], mo[512];
    bh_bot *bot = new_bot();
    size_t loaded = 9;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    /* dir/de/LC_MESSAGES/mybot.mo and dir/fr/LC_MESSAGES/mybot.mo, as
     * under /usr/share/locale. */
    for (int i = 0; i < 2; i++) {
        const char *lang = i ? "fr" : "de";
        snprintf(path, sizeof path, "%s/%s", dir, lang);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(path, sizeof path, "%s/%s/LC_MESSAGES", dir, lang);
        ck_assert_int_eq(mkdir(path, 0755), 0);
        snprintf(mo, sizeof mo, "%s/mybot.mo", path);
        make_mo(dir, mo, BH_TEXT_UNKNOWN_COMMAND,
                i ? "Commande inconnue : /{command}." : "Unbekannter Befehl: /{command}.");
    }
    snprintf(path, sizeof path, "%s/notalang", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    ck_assert_int_eq(bh_bot_catalogs(bot, dir, "mybot", &loaded), BH_OK);
    ck_assert_uint_eq(loaded, 2);
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "de", "/x"), BH_OK);
    ck_last(PRIV, "Unbekannter Befehl: /x.");
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "fr", "/x"), BH_OK);
    ck_last(PRIV, "Commande inconnue : /x.");
    ck_assert_str_eq(bh_bot_tr(bot, "de", "one apple"), "un pomo"); /* the first form */
    /* No Plural-Forms in the header: English's rule picks the form. */
    ck_assert_str_eq(bh_bot_ntr(bot, "de", "one apple", "{n} apples", 1), "un pomo");
    ck_assert_str_eq(bh_bot_ntr(bot, "de", "one apple", "{n} apples", 2), "{n} pomi");
    ck_assert_int_eq(bh_bot_language(bot, "de"), BH_OK);
    ck_assert_int_eq(say_as(bot, PRIV, PRIV, NULL, "es", "/x"), BH_OK);
    ck_last(PRIV, "Unbekannter Befehl: /x.");

    /* One file, for one language; then errors. */
    snprintf(mo, sizeof mo, "%s/de/LC_MESSAGES/mybot.mo", dir);
    ck_assert_int_eq(bh_bot_catalog(bot, "nl", mo), BH_OK);
    ck_assert_str_eq(bh_bot_tr(bot, "nl", BH_TEXT_UNKNOWN_COMMAND), "Unbekannter Befehl: /{command}.");
    ck_assert_int_eq(bh_bot_catalog(bot, "nl", "/nonexistent/x.mo"), BH_EIO);
    ck_assert_int_eq(bh_bot_catalog(bot, "n l", mo), BH_EINVAL);
    ck_assert_int_eq(bh_bot_catalogs(bot, "/nonexistent", "mybot", NULL), BH_EIO);
    ck_assert_int_eq(bh_bot_catalogs(bot, dir, "a/b", NULL), BH_EINVAL);
    snprintf(path, sizeof path, "%s/x.po", dir); /* not a .mo */
    ck_assert_int_eq(bh_bot_catalog(bot, "nl", path), BH_ECORRUPT);
    ck_assert_str_eq(bh_bot_tr(bot, "nl", BH_TEXT_UNKNOWN_COMMAND), "Unbekannter Befehl: /{command}.");
    bh_bot_free(bot);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(path), 0);
}
END_TEST

/* A damaged .mo is refused or read, never a crash (ASan watches): every
 * byte of a real one set to a few values, and every length cut. */
START_TEST(damaged_catalogs)
{
    char dir[] = "/tmp/bh_mo_XXXXXX", mo[512];
    unsigned char buf[4096], copy[4096];
    size_t len;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(mo, sizeof mo, "%s/x.mo", dir);
    make_mo(dir, mo, "hello", "ciao");
    FILE *f = fopen(mo, "rb");
    ck_assert_ptr_nonnull(f);
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_uint_gt(len, 20);
    struct bh_catalog cat = {.n = 0};
    ck_assert_int_eq(bh_mo_parse(buf, len, &cat), BH_OK);
    ck_assert_str_eq(bh_catalog_get(&cat, "hello"), "ciao");
    bh_catalog_clear(&cat);
    const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    for (size_t at = 0; at < len; at++)
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(copy, buf, len);
            copy[at] = values[v];
            int rc = bh_mo_parse(copy, len, &cat);
            ck_assert(rc == BH_OK || rc == BH_ECORRUPT);
            bh_catalog_clear(&cat);
        }
    for (size_t cut = 0; cut < len; cut++) {
        int rc = bh_mo_parse(buf, cut, &cat);
        ck_assert(rc == BH_OK || rc == BH_ECORRUPT);
        bh_catalog_clear(&cat);
    }
    ck_assert_int_eq(bh_mo_parse(buf, 19, &cat), BH_ECORRUPT);
    snprintf(mo, sizeof mo, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(mo), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bot_help");
    TCase *tc = tcase_create("emu");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unknown_commands_are_answered);
    tcase_add_test(tc, unknown_command_text_and_off);
    tcase_add_test(tc, help_command_shows_long_help);
    tcase_add_test(tc, texts_around_help_and_the_owner);
    tcase_add_test(tc, an_italian_user_gets_italian);
    tcase_add_test(tc, table_translations);
    tcase_add_test(tc, gettext_catalogs);
    tcase_add_test(tc, commands_published_per_language);
    tcase_add_test(tc, conversation_commands_in_help);
    tcase_add_test(tc, conversation_commands_published);
    tcase_add_test(tc, many_commands_fit_in_help_and_the_menu);
    tcase_add_test(tc, a_hundred_commands_are_published_whole);
    tcase_add_test(tc, control_calls_carry_language_code);
    suite_add_tcase(s, tc);
    TCase *local = tcase_create("local");
    tcase_add_test(local, every_builtin_text_is_in_italian);
    tcase_add_test(local, damaged_catalogs);
    tcase_add_test(local, unknown_command_answer_failing_is_not_the_update_failing);
    suite_add_tcase(s, local);
    return bh_test_run_suite(s);
}
