/*
 * Command parsing, from the text of a message to the hook's arguments: the
 * Message view finds "/cmd@bot args" (by its bot_command entity or, without
 * entities, by the text alone), then the bot picks the hook and splits the
 * arguments. The hook checks what it is given against the text.
 *
 * Input: a byte (0: no entities; else the length in UTF-16 units of a
 * bot_command entity at offset 0), then the text.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <strings.h>
#include <stdbool.h>
#include <unistd.h>

#include "bot/internal.h"
#include "fuzz.h"
#include "views.h"

#define BH_FUZZ_BOT_NAME "FuzzBot"

static bh_bot *bh_fuzz_bot;
static const bh_message *bh_fuzz_msg; /* the message being run */
static int bh_fuzz_calls;

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Every command hook: the arguments are the words of the text after the
 * command, and args->text that text without surrounding blanks. */
static int bh_fuzz_on_command(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    size_t tlen, words = 0;
    (void)ctx;

    bh_fuzz_calls++;
    BH_FUZZ_ASSERT(msg == bh_fuzz_msg && args != NULL && args->text != NULL);
    BH_FUZZ_ASSERT(args->argc >= 0 && args->argv != NULL && args->argv[args->argc] == NULL);
    tlen = strlen(args->text);
    BH_FUZZ_ASSERT(!tlen || (!is_blank(args->text[tlen - 1])));
    /* args->text has its leading blanks removed by the view (isspace),
     * so it is a suffix of the message's command_args, cut at the end. */
    BH_FUZZ_ASSERT(!strncmp(msg->command_args, args->text, tlen));
    for (const char *p = args->text; *p;) {
        while (*p && is_blank(*p))
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && !is_blank(*p))
            p++;
        BH_FUZZ_ASSERT((int)words < args->argc);
        BH_FUZZ_ASSERT(strlen(args->argv[words]) == (size_t)(p - w) &&
                       !memcmp(args->argv[words], w, (size_t)(p - w)));
        words++;
    }
    BH_FUZZ_ASSERT((int)words == args->argc);
    return BH_OK;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const names[] = {"start", "help", "count", "a_b", "x1", "Upper"};
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    if (!(bh_fuzz_bot = bh_bot_new("123456:fuzz-token")))
        abort();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        bh_bot_command(bh_fuzz_bot, names[i], bh_fuzz_on_command, "a command");
    /* This process's state, with the bot's name known: no getMe. */
    if (bh_bot_attach(bh_fuzz_bot, NULL) != BH_OK || !(bh_fuzz_bot->username = strdup(BH_FUZZ_BOT_NAME)))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_fuzz_in in = {data, size};
    uint8_t ent = bh_fuzz_u8(&in);
    size_t tlen;
    const uint8_t *text = bh_fuzz_bytes(&in, in.left, &tlen);
    json_object *msg = json_object_new_object(), *chat = json_object_new_object();
    bh_message *m = NULL;
    int ran = 0;

    json_object_object_add(msg, "message_id", json_object_new_int64(1));
    json_object_object_add(chat, "id", json_object_new_int64(7));
    json_object_object_add(msg, "chat", chat);
    json_object_object_add(msg, "text", json_object_new_string_len((const char *)text, (int)tlen));
    if (ent) {
        json_object *ents = json_object_new_array(), *e = json_object_new_object();
        json_object_object_add(e, "type", json_object_new_string("bot_command"));
        json_object_object_add(e, "offset", json_object_new_int64(0));
        json_object_object_add(e, "length", json_object_new_int64(ent));
        json_object_array_add(ents, e);
        json_object_object_add(msg, "entities", ents);
    }
    BH_FUZZ_ASSERT(bh_message_parse(msg, &m) == BH_OK);
    bh_fuzz_walk_message(m);
    if (m->command) {
        bh_ctx ctx = {.bot = bh_fuzz_bot};
        int known = 0;
        for (size_t i = 0; i < bh_fuzz_bot->main->nhooks; i++)
            known |= !strcmp(bh_fuzz_bot->main->hooks[i].text, m->command);
        bh_fuzz_msg = m;
        bh_fuzz_calls = 0;
        BH_FUZZ_ASSERT(bh_command_run(&ctx, m, &ran) == BH_OK);
        BH_FUZZ_ASSERT(ran == bh_fuzz_calls);
        /* Another bot's command is not ours, nor one addressed to no bot
         * ("/cmd@"); ours runs when we have it. */
        bool to_none = (!m->command_bot || !*m->command_bot) && m->text &&
                       m->text[1 + strlen(m->command)] == '@';
        if (to_none || (m->command_bot && strcasecmp(m->command_bot, BH_FUZZ_BOT_NAME)))
            BH_FUZZ_ASSERT(!ran);
        else
            BH_FUZZ_ASSERT(ran == known);
    }
    bh_message_free(m);
    json_object_put(msg);
    return 0;
}
