/*
 * bothive chat: the ':' commands, which change who the user plays and
 * where they write, press buttons, or leave. ":help" lists them.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "chat.h"

int bh_chat_parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v == 0)
        return BH_EINVAL;
    *out = v;
    return BH_OK;
}

int bh_chat_set_lang(bh_chat *c, const char *s)
{
    size_t n = strlen(s);
    char tag[BH_CHAT_LANG_MAX];

    if (n < 2 || n >= sizeof tag)
        return BH_EINVAL;
    for (size_t i = 0; i <= n; i++) {
        char ch = s[i] == '_' ? '-' : (char)tolower((unsigned char)s[i]);
        if (ch && !(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
            !(ch >= '0' && ch <= '9') && ch != '-')
            return BH_EINVAL;
        tag[i] = ch;
    }
    memcpy(c->lang, tag, n + 1);
    return BH_OK;
}

json_object *bh_chat_user_body(const bh_chat *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user_id", json_object_new_int64(c->user_id));
    if (c->lang[0])
        json_object_object_add(o, "language_code", json_object_new_string(c->lang));
    return o;
}

/* :help: the commands. */
static void print_help(bh_chat *c)
{
    fprintf(stdout,
            "  text          send text as the user (::text sends \":text\")\n"
            "  :press N, :N  press button N of the last message with a keyboard\n"
            "  :inline TEXT  type an inline query; the bot's results are listed\n"
            "  :pick N       pick inline result N (it is sent via the bot)\n"
            "  :user N       play user N (in a private chat, go to N's private chat)\n"
            "  :chat N       write in chat N (negative: a group)\n"
            "  :group [N]    write in a group (N, or %" PRId64 ")\n"
            "  :private      write in the user's private chat\n"
            "  :lang [CODE]  write as a user whose language_code is CODE (it, pt-br...)\n"
            "  :log          where the bot's output goes\n"
            "  :help         this help\n"
            "  :quit, Ctrl-D stop the bot and the emulator, and leave\n",
            c->group && c->chat_id < 0 ? c->chat_id : (int64_t)BH_CHAT_DEFAULT_GROUP);
}

/* Says which chat the user writes in, and as whom. */
static void say_where(bh_chat *c)
{
    bh_chat_note(c, "now in %s chat %" PRId64 " as user %" PRId64, c->group ? "group" : "private",
                 c->chat_id, c->user_id);
}

/* Switches to chat id, a group when id is negative. A private chat is the
 * conversation with one user, whose id it has: going there means being
 * that user. */
static void go_to(bh_chat *c, int64_t id, int group)
{
    c->chat_id = id;
    c->group = group;
    if (!group && id > 0)
        c->user_id = id;
    say_where(c);
}

/* :user N: play user N; in the user's private chat, that means going to
 * N's private chat. */
static void cmd_user(bh_chat *c, const char *arg)
{
    int64_t id;
    if (bh_chat_parse_id(arg, &id) != BH_OK || id < 0) {
        bh_chat_note(c, "which user? :user N, N a positive id");
        return;
    }
    if (!c->group && c->chat_id == c->user_id) {
        go_to(c, id, 0);
    } else {
        c->user_id = id;
        say_where(c);
    }
}

/* :chat N: write in chat N, a group when N is negative. */
static void cmd_chat(bh_chat *c, const char *arg)
{
    int64_t id;
    if (bh_chat_parse_id(arg, &id) != BH_OK) {
        bh_chat_note(c, "which chat? :chat N (negative N: a group)");
        return;
    }
    go_to(c, id, id < 0);
}

/* :lang [CODE]: the user's language from now on, or which it is. */
static void cmd_lang(bh_chat *c, const char *arg)
{
    if (*arg && bh_chat_set_lang(c, arg) != BH_OK) {
        bh_chat_note(c, "which language? :lang CODE, CODE a tag such as it or pt-br");
        return;
    }
    bh_chat_note(c, "%s language_code %s", *arg ? "now writing with" : "writing with",
                 c->lang[0] ? c->lang : "en");
}

/* :group [N]: write in group N, or in the current or default group. */
static void cmd_group(bh_chat *c, const char *arg)
{
    int64_t id;
    if (*arg && bh_chat_parse_id(arg, &id) != BH_OK) {
        bh_chat_note(c, "which group? :group [N]");
        return;
    }
    if (!*arg)
        id = c->group ? c->chat_id : BH_CHAT_DEFAULT_GROUP;
    go_to(c, id, 1);
}

/* Splits ":cmd arg" in place: *cmd and *arg point into line, each without
 * the blanks around it; anything after the first word of arg is dropped. */
static void split_command(char *line, char **cmd, char **arg)
{
    char *a;
    *cmd = line + 1;
    while (**cmd == ' ')
        (*cmd)++;
    a = *cmd + strcspn(*cmd, " \t");
    if (*a)
        *a++ = '\0';
    while (*a == ' ' || *a == '\t')
        a++;
    a[strcspn(a, " \t")] = '\0';
    *arg = a;
}

/* Whether cmd is one of the names (a NULL-terminated list) of a command. */
static bool is_command(const char *cmd, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(cmd, *names))
            return true;
    return false;
}

void bh_chat_command(bh_chat *c, char *line)
{
    char *cmd, *arg;

    /* :inline takes the whole rest of the line, blanks and all. */
    if (!strncmp(line, ":inline", 7) && (line[7] == ' ' || line[7] == '\0')) {
        bh_chat_inline(c, line[7] ? line + 8 : "");
        return;
    }
    split_command(line, &cmd, &arg);
    if (cmd[0] >= '0' && cmd[0] <= '9')
        bh_chat_press(c, cmd);
    else if (is_command(cmd, (const char *const[]){"press", "p", NULL}))
        bh_chat_press(c, arg);
    else if (!strcmp(cmd, "pick"))
        bh_chat_pick(c, arg);
    else if (is_command(cmd, (const char *const[]){"quit", "q", "exit", NULL}))
        c->quit = 1;
    else if (is_command(cmd, (const char *const[]){"help", "h", "?", NULL}))
        print_help(c);
    else if (is_command(cmd, (const char *const[]){"user", "u", NULL}))
        cmd_user(c, arg);
    else if (is_command(cmd, (const char *const[]){"chat", "c", NULL}))
        cmd_chat(c, arg);
    else if (is_command(cmd, (const char *const[]){"group", "g", NULL}))
        cmd_group(c, arg);
    else if (!strcmp(cmd, "lang"))
        cmd_lang(c, arg);
    else if (!strcmp(cmd, "private"))
        go_to(c, c->user_id, 0);
    else if (!strcmp(cmd, "log"))
        bh_chat_note(c, "the bot's output goes to %s", c->log_path);
    else
        bh_chat_note(c, "unknown command ':%s' (:help lists them; ::text sends \":text\")", cmd);
}
