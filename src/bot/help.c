/*
 * What bothive answers by itself: /help (the list, or one command's long
 * help), /start, and an unknown command; the bot's owner and the texts
 * around /help's list. Every text goes through the translations for the
 * user's language (i18n.c), the bot's own texts too.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/log.h"
#include "bothive/telegram_views.h"
#include "internal.h"

/* ---- settings ---- */

static int set_text(bh_bot *bot, int which, const char *text)
{
    struct bh_texts *t;
    char *copy = NULL;

    if (!bot)
        return BH_EINVAL;
    if (!(t = bh_bot_texts(bot)) || (text && !(copy = strdup(text))))
        return BH_ENOMEM;
    return bh_texts_set(t, which, copy);
}

int bh_bot_before_help(bh_bot *bot, const char *text)
{
    return set_text(bot, BH_TEXTS_BEFORE_HELP, text);
}

int bh_bot_after_help(bh_bot *bot, const char *text)
{
    return set_text(bot, BH_TEXTS_AFTER_HELP, text);
}

int bh_bot_unknown_command(bh_bot *bot, const char *text)
{
    int rc = set_text(bot, BH_TEXTS_UNKNOWN, text);
    if (rc == BH_OK)
        bh_texts_set_unknown_off(bot->texts, text == NULL);
    return rc;
}

/* A Telegram username is 5-32 of [A-Za-z0-9_]; older ones may be shorter,
 * so only the characters are checked. A number is a user id. */
static int owner_valid(const char *s)
{
    if (*s == '@')
        s++;
    if (!*s || strlen(s) > 32)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

int bh_bot_owner(bh_bot *bot, const char *owner)
{
    if (!bot || (owner && !owner_valid(owner)))
        return BH_EINVAL;
    return set_text(bot, BH_TEXTS_OWNER, owner ? owner + (*owner == '@') : NULL);
}

/* An owner given as digits alone is a user id (usernames start with a
 * letter). */
static int owner_is_id(const char *owner)
{
    return owner[strspn(owner, "0123456789")] == 0;
}

int bh_bot_is_owner(const bh_bot *bot, const bh_message *msg)
{
    const char *owner = bh_texts_get(bot, BH_TEXTS_OWNER);

    if (!owner || !msg->from)
        return 0;
    if (owner_is_id(owner))
        return msg->from->id == strtoll(owner, NULL, 10);
    return msg->from->username && !strcasecmp(msg->from->username, owner);
}

int bh_component_command_help(bh_component *c, const char *name, const char *long_help)
{
    char *copy;

    if (!c || !name || !long_help)
        return BH_EINVAL;
    for (size_t i = 0; i < c->nhooks; i++) {
        struct bh_hook *h = &c->hooks[i];
        if (h->kind != BH_HOOK_COMMAND || strcmp(h->text, name))
            continue;
        if (!(copy = strdup(long_help)))
            return BH_ENOMEM;
        free(h->long_help);
        h->long_help = copy;
        return BH_OK;
    }
    return BH_ENOTFOUND;
}

int bh_bot_command_help(bh_bot *bot, const char *name, const char *long_help)
{
    return bh_component_command_help(bot ? bot->main : NULL, name, long_help);
}

/* ---- the answers ---- */

/* Appends one command's line to f: "/name - help" (help translated). */
static void command_line(bh_ctx *ctx, FILE *f, const struct bh_hook *h)
{
    fprintf(f, "/%s%s%s\n", h->text, h->help ? " - " : "",
            h->help ? bh_ctx_tr(ctx, h->help) : "");
}

/* What /help lists, and how much of it fits (help_fit). */
struct help {
    const struct bh_hook **cmds, **owner;
    size_t ncmds, nowner;
    int self;     /* bothive's own /help line */
    size_t limit; /* lines at most */
};

/* Appends the lines of n commands, at most *room (which it lowers); says
 * whether one of them has a long help. */
static int command_lines(bh_ctx *ctx, FILE *f, const struct bh_hook **cmds, size_t n,
                         size_t *room)
{
    int more = 0;
    for (size_t i = 0; i < n && *room > 0; i++, --*room) {
        command_line(ctx, f, cmds[i]);
        more |= cmds[i]->long_help != NULL;
    }
    return more;
}

/* Appends the list, at most h->limit lines of it: everyone's commands,
 * /help itself when the bot has no own, then (for the owner) the
 * owner-only ones under their heading, then a line saying how many were
 * left out. Says whether a listed one has a long help. */
static int help_commands(bh_ctx *ctx, FILE *f, const struct help *h)
{
    size_t room = h->limit, total = h->ncmds + (size_t)h->self + h->nowner, left;
    int more;
    char count[24], *s;

    fprintf(f, "%s\n", bh_ctx_tr(ctx, BH_TEXT_HELP_HEADER));
    more = command_lines(ctx, f, h->cmds, h->ncmds, &room);
    if (h->self && room > 0) {
        fprintf(f, "/help - %s\n", bh_ctx_tr(ctx, BH_TEXT_HELP_SELF));
        room--;
    }
    if (h->nowner && room > 0) {
        fprintf(f, "\n%s\n", bh_ctx_tr(ctx, BH_TEXT_HELP_OWNER_ONLY));
        more |= command_lines(ctx, f, h->owner, h->nowner, &room);
    }
    if ((left = total - (h->limit < total ? h->limit : total)) > 0) {
        snprintf(count, sizeof count, "%zu", left);
        s = bh_text_subst(bh_ctx_ntr(ctx, BH_TEXT_HELP_LEFT_OUT, BH_TEXT_HELP_LEFT_OUT_PLURAL,
                                     left), "count", count);
        fprintf(f, "%s\n", s ? s : "...");
        free(s);
    }
    return more;
}

/* Appends "\n" then the translation of text, with {name} replaced by value
 * when name is not NULL. */
static int paragraph(bh_ctx *ctx, FILE *f, const char *text, const char *name,
                     const char *value)
{
    char *s = name ? bh_text_subst(bh_ctx_tr(ctx, text), name, value) : NULL;

    if (name && !s)
        return BH_ENOMEM;
    fprintf(f, "\n%s\n", s ? s : bh_ctx_tr(ctx, text));
    free(s);
    return BH_OK;
}

/* Closes f (an open_memstream of *buf): BH_OK with the text in *buf,
 * without its last newlines, or BH_ENOMEM (and *buf freed). */
static int close_buffer(FILE *f, char **buf)
{
    size_t len;

    if (fclose(f) != 0 || !*buf) {
        free(*buf);
        *buf = NULL;
        return BH_ENOMEM;
    }
    len = strlen(*buf);
    while (len > 0 && (*buf)[len - 1] == '\n')
        (*buf)[--len] = 0;
    return BH_OK;
}

/* Sends *buf (closed from f) as a reply to msg. */
static int send_buffer(bh_ctx *ctx, const bh_message *msg, FILE *f, char **buf)
{
    int rc = close_buffer(f, buf);

    if (rc == BH_OK)
        rc = bh_message_reply(ctx, msg, *buf);
    free(*buf);
    return rc;
}

/* The text of /help with at most h->limit lines of commands, into *out
 * (malloc'd): before-help, the list, the hint at /help COMMAND,
 * after-help and the owner's name. */
static int help_text(bh_ctx *ctx, const struct help *h, char **out)
{
    const char *before = bh_texts_get(ctx->bot, BH_TEXTS_BEFORE_HELP),
               *after = bh_texts_get(ctx->bot, BH_TEXTS_AFTER_HELP),
               *owner = bh_texts_get(ctx->bot, BH_TEXTS_OWNER);
    char at[40];
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    int rc = BH_OK;

    *out = NULL;
    if (!f)
        return BH_ENOMEM;
    if (before)
        fprintf(f, "%s\n\n", bh_ctx_tr(ctx, before));
    if (help_commands(ctx, f, h))
        rc = paragraph(ctx, f, BH_TEXT_HELP_MORE, NULL, NULL);
    if (after && rc == BH_OK)
        rc = paragraph(ctx, f, after, NULL, NULL);
    /* A numeric owner is an id, which names nobody a user can write to. */
    if (owner && rc == BH_OK && !owner_is_id(owner)) {
        snprintf(at, sizeof at, "@%s", owner);
        rc = paragraph(ctx, f, BH_TEXT_HELP_CONTACT, "owner", at);
    }
    if (rc == BH_OK)
        return close_buffer(f, out);
    fclose(f);
    free(*out);
    *out = NULL;
    return rc;
}

/* Whether the text fits in one message (Telegram counts UTF-16 units). */
static int fits(const char *text)
{
    return bh_utf16_length(text, strlen(text)) <= BH_HELP_MAX_TEXT;
}

/*
 * The text of /help that fits in one message: all of it when it does,
 * else the most command lines that fit (found by bisection: the text
 * grows with them) and a line saying how many were left out, logged. The
 * texts around the list are never cut: when they alone are too long,
 * Telegram's refusal of the send is the answer.
 */
static int help_fit(bh_ctx *ctx, struct help *h, char **out)
{
    size_t lo = 0, hi = h->ncmds + (size_t)h->self + h->nowner, total = hi;
    int rc;

    h->limit = hi;
    if ((rc = help_text(ctx, h, out)) != BH_OK || fits(*out))
        return rc;
    while (lo < hi) { /* the most lines in [lo, hi) that fit; lo always does, or none */
        h->limit = lo + (hi - lo + 1) / 2;
        free(*out);
        if ((rc = help_text(ctx, h, out)) != BH_OK)
            return rc;
        if (fits(*out))
            lo = h->limit;
        else
            hi = h->limit - 1;
    }
    h->limit = lo;
    free(*out);
    bh_log(BH_LOG_WARN, "update %lld: /help lists %zu of %zu commands: all of them are longer "
           "than a message (%d characters)", (long long)ctx->update_id, lo, total,
           BH_HELP_MAX_TEXT);
    return help_text(ctx, h, out);
}

/* The list of /help, for the sender: the commands they may see. */
static int help_list(bh_ctx *ctx, const bh_message *msg)
{
    struct help h = {0};
    size_t comp;
    char *text = NULL;
    int rc = BH_ENOMEM;

    h.self = !bh_command_find(ctx->bot, "help", msg, &comp);
    if (!(h.cmds = bh_command_array(ctx->bot, BH_CMD_HIDDEN | BH_CMD_OWNER, 0, 0, &h.ncmds)))
        goto out;
    if (bh_bot_is_owner(ctx->bot, msg) &&
        !(h.owner = bh_command_array(ctx->bot, BH_CMD_HIDDEN, BH_CMD_OWNER, 0, &h.nowner)))
        goto out;
    if ((rc = help_fit(ctx, &h, &text)) == BH_OK)
        rc = bh_message_reply(ctx, msg, text);
out:
    free(text);
    free(h.cmds);
    free(h.owner);
    return rc;
}

/* Sends the translation of tmpl with {command} replaced by name. */
static int reply_subst(bh_ctx *ctx, const bh_message *msg, const char *tmpl, const char *name)
{
    char *s = bh_text_subst(bh_ctx_tr(ctx, tmpl), "command", name);
    int rc;

    if (!s)
        return BH_ENOMEM;
    rc = bh_message_reply(ctx, msg, s);
    free(s);
    return rc;
}

/* The listed command name of a conversation of the bot, NULL if none. */
static const struct bh_hook *conv_command(const bh_bot *bot, const char *name)
{
    size_t n;
    const struct bh_hook **cmds = bh_command_array(bot, BH_CMD_HIDDEN | BH_CMD_OWNER, 0, 1, &n), *h = NULL;

    for (size_t i = 0; cmds && i < n && !h; i++)
        if (!strcmp(cmds[i]->text, name))
            h = cmds[i];
    free(cmds);
    return h;
}

/* "/help NAME" (or "/help /NAME", "/help /NAME@bot"): the command's line
 * and long help, for a command this user may see. */
static int help_one(bh_ctx *ctx, const bh_message *msg, const char *arg)
{
    char name[40];
    size_t n, comp, len = 0;
    const struct bh_hook *h;
    char *buf = NULL;
    FILE *f;

    if (*arg == '/')
        arg++;
    n = strcspn(arg, "@ \t\r\n");
    /* 33 bytes: one past the longest name, so a longer one matches none. */
    snprintf(name, sizeof name, "%.*s", (int)(n < 33 ? n : 33), arg);
    if (!(h = bh_command_find(ctx->bot, name, msg, &comp)))
        h = conv_command(ctx->bot, name);
    if (!h || (h->flags & BH_CMD_HIDDEN))
        return bh_texts_unknown_off(ctx->bot)
                   ? reply_subst(ctx, msg, BH_TEXT_HELP_NONE, name)
                   : reply_subst(ctx, msg, bh_texts_get(ctx->bot, BH_TEXTS_UNKNOWN), name);
    if (!h->help && !h->long_help)
        return reply_subst(ctx, msg, BH_TEXT_HELP_NONE, name);
    if (!(f = open_memstream(&buf, &len)))
        return BH_ENOMEM;
    command_line(ctx, f, h);
    if (h->long_help)
        fprintf(f, "\n%s\n", bh_ctx_tr(ctx, h->long_help));
    return send_buffer(ctx, msg, f, &buf);
}

int bh_help_run(bh_ctx *ctx, const bh_message *msg)
{
    const char *arg = msg->command_args; /* without its leading blanks */

    if (arg && *arg)
        return help_one(ctx, msg, arg);
    return help_list(ctx, msg);
}

int bh_start_run(bh_ctx *ctx, const bh_message *msg)
{
    const char *about = ctx->bot->about;
    char *text = NULL;
    int rc;

    if (asprintf(&text, "%s%s%s", about ? bh_ctx_tr(ctx, about) : "", about ? "\n\n" : "",
                 bh_ctx_tr(ctx, BH_TEXT_START)) < 0)
        return BH_ENOMEM;
    rc = bh_message_reply(ctx, msg, text);
    free(text);
    return rc;
}

/*
 * Every hook continued on a command message. botogram's rule: answer in a
 * private chat, or in a group when the command was addressed to this bot
 * ("/x@thisbot"), since a bare "/x" in a group may be another bot's. A
 * command for another bot ("/x@otherbot") is never answered.
 */
int bh_command_fallback(bh_ctx *ctx, const bh_message *msg)
{
    const char *tmpl = bh_texts_get(ctx->bot, BH_TEXTS_UNKNOWN);
    size_t comp;

    if (!msg || !msg->command || bh_texts_unknown_off(ctx->bot))
        return BH_CONTINUE;
    if (bh_command_find(ctx->bot, msg->command, msg, &comp) ||
        !strcmp(msg->command, "help") || !strcmp(msg->command, "start"))
        return BH_CONTINUE; /* it ran, and chose to continue */
    if (bh_command_not_ours(ctx->bot, msg))
        return BH_CONTINUE;
    if (strcmp(msg->chat.type, "private") != 0 && !(msg->command_bot && *msg->command_bot))
        return BH_CONTINUE;
    /* bothive's own courtesy, not a hook's work: a failed answer is logged
     * and does not fail the update. */
    int rc = reply_subst(ctx, msg, tmpl, msg->command);
    if (rc < 0)
        bh_log(BH_LOG_WARN, "update %lld: the answer to the unknown command /%s failed: %s",
               (long long)ctx->update_id, msg->command, bh_strerror(rc));
    return BH_HANDLED;
}
