/*
 * Commands: finding the hook of "/name args", splitting the arguments, and
 * the default /start and /help, which a bot's own commands of those names
 * replace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/grow.h"
#include "bothive/log.h"
#include "internal.h"

/* Splits text on blanks into a NULL-terminated argv; the words are copies
 * kept in *buf. */
static int split_args(const char *text, char **buf, char ***argv, int *argc)
{
    size_t n = 0, cap = 0;
    char *save = NULL, *w;

    if (!(*buf = strdup(text)) || !(*argv = bh_grow(NULL, &cap, 1, sizeof **argv, 4))) {
        free(*buf);
        return BH_ENOMEM;
    }
    for (w = strtok_r(*buf, " \t\n\r", &save); w; w = strtok_r(NULL, " \t\n\r", &save)) {
        char **p = bh_grow(*argv, &cap, n + 2, sizeof *p, 4); /* and the NULL */
        if (!p) {
            free(*argv);
            free(*buf);
            return BH_ENOMEM;
        }
        *argv = p;
        (*argv)[n++] = w;
    }
    (*argv)[n] = NULL;
    *argc = (int)n;
    return BH_OK;
}

static const struct bh_hook *find_command(const bh_bot *bot, const char *name, size_t *comp)
{
    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++) {
            const struct bh_hook *h = &bot->comps[c]->hooks[i];
            if (h->kind == BH_HOOK_COMMAND && !strcmp(h->text, name)) {
                *comp = c;
                return h;
            }
        }
    return NULL;
}

/* An owner-only command is no command for anyone else: it falls through
 * the chain and is answered as unknown, so that it is not even revealed. */
const struct bh_hook *bh_command_find(const bh_bot *bot, const char *name,
                                      const bh_message *msg, size_t *comp)
{
    const struct bh_hook *h = find_command(bot, name, comp);

    if (h && (h->flags & BH_CMD_OWNER) && !(msg && bh_bot_is_owner(bot, msg)))
        return NULL;
    return h;
}

/*
 * Whether msg's command is addressed to another bot, or to no bot at all:
 * "/cmd@otherbot", or "/cmd@" (the parser gives it an empty command_bot,
 * which names no bot, so no getMe is needed to know it is not ours), or a
 * bot_command entity that ends right before an '@' of the text (or of the
 * caption, where the command of a message without text comes from).
 */
int bh_command_not_ours(bh_bot *bot, const bh_message *msg)
{
    const char *text = msg->text ? msg->text : bh_message_caption(msg, NULL);

    if (msg->command_bot) {
        const char *me = msg->command_bot[0] ? bh_bot_username(bot) : NULL;
        return !me || strcasecmp(me, msg->command_bot) != 0;
    }
    return text && text[0] == '/' && text[1 + strlen(msg->command)] == '@';
}

/*
 * Runs the command of msg if this bot has it. *ran says whether a command
 * ran (which ends the chain). A command addressed to another bot
 * ("/cmd@otherbot") or to none ("/cmd@") is not this bot's: *ran stays 0.
 */
int bh_command_run(bh_ctx *ctx, const bh_message *msg, int *ran)
{
    const struct bh_hook *h;
    size_t comp;

    *ran = 0;
    if (bh_command_not_ours(ctx->bot, msg))
        return BH_OK;
    if (!(h = bh_command_find(ctx->bot, msg->command, msg, &comp))) {
        if (!strcmp(msg->command, "help")) {
            *ran = 1;
            return bh_help_run(ctx, msg);
        }
        if (!strcmp(msg->command, "start")) {
            *ran = 1;
            return bh_start_run(ctx, msg);
        }
        return BH_OK;
    }
    *ran = 1;
    return bh_command_call(ctx, comp, h, msg);
}

/* Runs command hook h of component comp with msg's arguments split. */
int bh_command_call(bh_ctx *ctx, size_t comp, const struct bh_hook *h, const bh_message *msg)
{
    char *buf, **argv;
    int argc, rc;

    /* The argument text without trailing blanks (leading ones are gone). */
    const char *raw = msg->command_args ? msg->command_args : "";
    size_t len = strlen(raw);
    while (len > 0 && strchr(" \t\n\r", raw[len - 1]))
        len--;
    char *text = strndup(raw, len);
    if (!text)
        return BH_ENOMEM;
    if ((rc = split_args(text, &buf, &argv, &argc))) {
        free(text);
        return rc;
    }
    bh_args args = {.argc = argc, .argv = (const char *const *)argv, .text = text};
    rc = bh_hook_call(ctx, comp, h, msg, &args);
    free(argv);
    free(buf);
    free(text);
    return rc;
}

/* The commands whose flags have none of without and all of with, the
 * bot's and its conversations' (a conversation's command is hidden unless
 * it is an entry or asked to be listed), sorted by order then name, and
 * their count (at most max). */
size_t bh_command_list(const bh_bot *bot, unsigned without, unsigned with,
                       const struct bh_hook **out, size_t max)
{
    size_t n = 0;

    for (size_t c = 0; c < bot->ncomps; c++)
        for (size_t i = 0; i < bot->comps[c]->nhooks; i++) {
            const struct bh_hook *h = &bot->comps[c]->hooks[i];
            if (h->kind == BH_HOOK_COMMAND && !(h->flags & without) &&
                (h->flags & with) == with && n < max)
                out[n++] = h;
        }
    n = bh_conv_commands(bot, without, with, out, n, max);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            const struct bh_hook *a = out[j - 1], *b = out[j];
            if (a->order < b->order || (a->order == b->order && strcmp(a->text, b->text) <= 0))
                break;
            out[j - 1] = b;
            out[j] = a;
        }
    return n;
}

/* The commands of those flags (bh_command_list; the conversations' alone,
 * bh_conv_commands, when convs), malloc'd, their count in *n: no fixed
 * cap, a bot may have any number. NULL when out of memory. */
const struct bh_hook **bh_command_array(const bh_bot *bot, unsigned without, unsigned with,
                                         int convs, size_t *n)
{
    const struct bh_hook **v = NULL, **grown;
    size_t max = 0;

    /* Room for 64 at first, doubled until the list leaves one unused. */
    for (;;) {
        if (!(grown = bh_grow(v, &max, max + 1, sizeof *v, 64))) {
            free(v);
            return NULL;
        }
        v = grown;
        *n = convs ? bh_conv_commands(bot, without, with, v, 0, max)
                   : bh_command_list(bot, without, with, v, max);
        if (*n < max)
            return v;
    }
}

/* The commands for setMyCommands: listed, with a help text, not
 * owner-only (the list is everyone's); plus /help when the bot has no own.
 * Their descriptions in lang (NULL: as written) into info, at most
 * BH_PUBLISH_MAX_COMMANDS (Telegram's limit; /help keeps its place), the
 * count of those left out in *left. Returns their count. */
static size_t published(bh_bot *bot, const char *lang, const struct bh_hook **cmds, size_t n,
                        bh_bot_command_info *info, size_t *left)
{
    size_t m = 0, comp;
    int self = !find_command(bot, "help", &comp);

    *left = 0;
    for (size_t i = 0; i < n; i++) {
        if (!cmds[i]->help || !*cmds[i]->help)
            continue;
        if (m + (size_t)self < BH_PUBLISH_MAX_COMMANDS)
            info[m++] = (bh_bot_command_info){cmds[i]->text, bh_bot_tr(bot, lang, cmds[i]->help)};
        else
            ++*left;
    }
    if (self)
        info[m++] = (bh_bot_command_info){"help", bh_bot_tr(bot, lang, BH_TEXT_COMMANDS)};
    return m;
}

/*
 * Sends the commands to Telegram (setMyCommands), so that clients show
 * them: once in English for every language, then once for each language
 * the bot has a translation in, in it. Telegram takes two-letter codes
 * only: a regional one ("pt-br") is not published. Telegram takes at most
 * 100 commands: the first ones (by order, then name) are published, and
 * the others logged; they still run.
 */
int bh_bot_publish_commands(bh_bot *bot)
{
    bh_bot_command_info info[BH_PUBLISH_MAX_COMMANDS];
    const char *langs[64];
    size_t nl = bh_bot_languages(bot, langs, 64), n, left;
    const struct bh_hook **cmds = bh_command_array(bot, BH_CMD_HIDDEN | BH_CMD_OWNER, 0, 0, &n);
    bh_client *c = bh_bot_client(bot);
    int rc = BH_ENOMEM;

    if (!c || !cmds)
        goto out;
    if ((rc = bh_client_set_my_commands(c, info, published(bot, "en", cmds, n, info, &left))) !=
        BH_OK)
        goto out;
    if (left)
        bh_log(BH_LOG_WARN, "bot %lld: %zu commands are not in Telegram's menu: it holds %d",
               (long long)bh_bot_id(bot), left, BH_PUBLISH_MAX_COMMANDS);
    for (size_t i = 0; i < nl && rc == BH_OK; i++)
        if (strlen(langs[i]) == 2)
            rc = bh_client_set_my_commands_ex(c, info, published(bot, langs[i], cmds, n, info, &left),
                                              NULL, langs[i]);
out:
    free(cmds);
    return rc;
}
