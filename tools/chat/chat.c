/*
 * bothive chat: a conversation with a bot in the terminal. The chat starts
 * the emulator and the bot as children, plays the user through the
 * emulator's control API, and prints what the bot sends. See chat.h for how
 * the files divide the work and bh_chat_usage below for the contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bothive/error.h"
#include "chat.h"
#include "tools.h"

#define BH_CHAT_TICK_MS 250        /* how often the emulator is polled when idle */
#define BH_CHAT_SETTLE_MS 3000     /* how long a typed message waits for its replies */
#define BH_CHAT_SETTLE_PIPE_MS 15000 /* the same for piped input: scripts want every reply */
#define BH_CHAT_QUIET_MS 150       /* no new output for this long: the bot is done */
#define BH_CHAT_STOP_MS 3000       /* SIGTERM grace before SIGKILL */
#define BH_CHAT_MAX_PRESSED 32

typedef struct bh_chat {
    const char *token;
    int64_t chat_id, user_id;
    int group;                  /* the current chat is a group */
    int verbose, color, tty;
    int prompt_shown;           /* the prompt is the last thing on the screen */

    bh_child emu, bot;
    char url[128];
    char log_path[PATH_MAX];
    int log_fd;
    int out_fd;                 /* the bot's output with --verbose, else -1 */
    char out_buf[4096];
    size_t out_len;

    bh_chat_http *http;
    bh_chat_view *view;
    char in_buf[BH_CHAT_MAX_LINE];
    size_t in_len;
    int in_eof;
    bh_chat_line line;          /* the line editor, when on a terminal */
    int editing;

    char pressed[BH_CHAT_MAX_PRESSED][32];  /* callback ids whose answer is awaited */
    int npressed;

    int quit;                   /* :quit, EOF or a signal */
    int bot_gone;               /* the bot ended by itself */
    int emu_gone;
} bh_chat;

static int bh_chat_sig_pipe[2] = {-1, -1};

/* Signals only wake the loop: the handler writes one byte saying which. */
static void bh_chat_on_signal(int sig)
{
    int saved = errno;
    char c = sig == SIGCHLD ? 'c' : 'q';
    if (write(bh_chat_sig_pipe[1], &c, 1) < 0) {
        /* The pipe is full: the loop has wake-ups enough already. */
    }
    errno = saved;
}

static void bh_chat_usage(FILE *f)
{
    fprintf(f,
            "usage: bothive chat [OPTIONS] -- COMMAND [ARGS...]\n"
            "\n"
            "Chats with a bot in the terminal: starts a local Bot API emulator and COMMAND\n"
            "(with BOTHIVE_API_URL and BOT_TOKEN set in its environment), sends each line\n"
            "you type as a user's message, and prints what the bot sends back.\n"
            "\n"
            "  --token T    the bot's token (default " BH_CHAT_DEFAULT_TOKEN ")\n"
            "  --user N     the user you play (default %d)\n"
            "  --chat N     the chat to write in (default: the user's private chat;\n"
            "               a negative id is a group)\n"
            "  --group      write in a group (default id %d)\n"
            "  --verbose    show the bot's output (dimmed) instead of only logging it\n"
            "\n"
            "The bot's output goes to a log file, named at start. In the chat, type :help\n"
            "for the commands (:press N, :user N, :chat N, :quit...). Ctrl-D or :quit\n"
            "stops the bot and the emulator. Exit status: 0, or the bot's status when it\n"
            "ends by itself with a failure; 2 for bad options.\n",
            BH_CHAT_DEFAULT_USER, BH_CHAT_DEFAULT_GROUP);
}

static void bh_chat_help(bh_chat *c)
{
    fprintf(stdout,
            "  text          send text as the user (::text sends \":text\")\n"
            "  :press N, :N  press button N of the last message with a keyboard\n"
            "  :user N       play user N (in a private chat, go to N's private chat)\n"
            "  :chat N       write in chat N (negative: a group)\n"
            "  :group [N]    write in a group (N, or %" PRId64 ")\n"
            "  :private      write in the user's private chat\n"
            "  :log          where the bot's output goes\n"
            "  :help         this help\n"
            "  :quit, Ctrl-D stop the bot and the emulator, and leave\n",
            c->group && c->chat_id < 0 ? c->chat_id : (int64_t)BH_CHAT_DEFAULT_GROUP);
}

/* Parses a non-zero 64-bit id. Returns 0, or -1 when s is not one. */
static int bh_chat_parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v == 0)
        return -1;
    *out = v;
    return 0;
}

/* The conversation is over: the user left, or the bot or emulator is gone.
 * Lines still buffered are not sent then. */
static int bh_chat_over(const bh_chat *c)
{
    return c->quit || c->bot_gone || c->emu_gone;
}

/* Draws the prompt, and under the line editor what was typed so far (the
 * prompt is drawn again after every reply printed above it). */
static void bh_chat_prompt(bh_chat *c)
{
    char prompt[128];
    if (!c->tty || bh_chat_over(c))
        return;
    snprintf(prompt, sizeof prompt, "%s[%s %" PRId64 " as user %" PRId64 "]>%s ",
             c->color ? "\033[1m" : "", c->group ? "group" : "chat", c->chat_id, c->user_id,
             c->color ? "\033[0m" : "");
    if (c->editing) {
        bh_chat_line_draw(&c->line, stdout, prompt);
    } else {
        fputs(prompt, stdout);
        fflush(stdout);
    }
    c->prompt_shown = 1;
}

/* Output that arrives on its own goes above the prompt: the prompt line is
 * cleared first, and drawn again by the loop. */
static const char *bh_chat_clear_prompt(bh_chat *c)
{
    return c->prompt_shown ? "\r\033[K" : NULL;
}

static void bh_chat_note(bh_chat *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A message of the chat itself (not the bot's), dimmed on a terminal. */
static void bh_chat_note(bh_chat *c, const char *fmt, ...)
{
    va_list ap;
    if (c->prompt_shown) {
        fputs("\r\033[K", stdout);
        c->prompt_shown = 0;
    }
    fputs(c->color ? "\033[2m-- " : "-- ", stdout);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputs(c->color ? "\033[0m\n" : "\n", stdout);
    fflush(stdout);
}

/* Prints the answers the bot gave to pressed buttons (Telegram shows them
 * as a toast or an alert), and forgets the answered ones. */
static void bh_chat_show_answers(bh_chat *c)
{
    char err[256];
    json_object *list;
    int kept = 0;
    if (!c->npressed)
        return;
    if (!(list = bh_chat_http_call(c->http, "/control/callbacks", NULL, err, sizeof err)))
        return;
    for (int i = 0; i < c->npressed; i++) {
        int done = 0;
        for (size_t j = 0; j < json_object_array_length(list); j++) {
            json_object *cb = json_object_array_get_idx(list, j), *v;
            if (!json_object_object_get_ex(cb, "callback_query_id", &v) ||
                strcmp(json_object_get_string(v), c->pressed[i]))
                continue;
            if (json_object_object_get_ex(cb, "answered", &v) && json_object_get_boolean(v)) {
                done = 1;
                if (json_object_object_get_ex(cb, "text", &v) && v &&
                    json_object_get_string_len(v) > 0) {
                    json_object *alert;
                    int is_alert = json_object_object_get_ex(cb, "show_alert", &alert) &&
                                   json_object_get_boolean(alert);
                    if (c->prompt_shown)
                        fputs("\r\033[K", stdout);
                    c->prompt_shown = 0;
                    fprintf(stdout, "%sbot>%s %s(%s)%s %s\n", c->color ? "\033[1;36m" : "",
                            c->color ? "\033[0m" : "", c->color ? "\033[2m" : "",
                            is_alert ? "alert" : "answer", c->color ? "\033[0m" : "",
                            json_object_get_string(v));
                    fflush(stdout);
                }
            }
        }
        if (!done)
            memcpy(c->pressed[kept++], c->pressed[i], sizeof c->pressed[i]);
    }
    c->npressed = kept;
    json_object_put(list);
}

/* Polls the emulator and prints what the bot sent or changed since the last
 * time. Returns how many messages were printed, or -1 when the emulator
 * cannot be reached. */
static int bh_chat_refresh(bh_chat *c)
{
    char err[256];
    json_object *sent = bh_chat_http_call(c->http, "/control/sent", NULL, err, sizeof err);
    int n;
    if (!sent) {
        if (!c->emu_gone)
            bh_chat_note(c, "the emulator does not answer: %s", err);
        c->emu_gone = 1;
        return -1;
    }
    n = bh_chat_view_update(c->view, sent, c->chat_id, bh_chat_clear_prompt(c));
    if (n > 0)
        c->prompt_shown = 0;
    json_object_put(sent);
    bh_chat_show_answers(c);
    return n;
}

/* How many updates the bot has not confirmed yet, or -1. */
static int64_t bh_chat_pending(bh_chat *c)
{
    char err[256];
    json_object *st = bh_chat_http_call(c->http, "/control/stats", NULL, err, sizeof err), *v;
    int64_t n = -1;
    if (st && json_object_object_get_ex(st, "pending_updates", &v))
        n = json_object_get_int64(v);
    json_object_put(st);
    return n;
}

/* Copies the bot's output (--verbose) to the log and, dimmed and line by
 * line, to the screen. At EOF the rest of a last unfinished line is shown. */
static void bh_chat_read_bot_output(bh_chat *c)
{
    ssize_t r = read(c->out_fd, c->out_buf + c->out_len, sizeof c->out_buf - c->out_len);
    size_t start = 0;
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r > 0) {
        if (write(c->log_fd, c->out_buf + c->out_len, (size_t)r) < 0) {
            /* A full disk must not stop the chat; the screen still shows it. */
        }
        c->out_len += (size_t)r;
    }
    for (size_t i = 0; i < c->out_len; i++) {
        if (c->out_buf[i] != '\n' && !(r <= 0 && i + 1 == c->out_len) &&
            !(start == 0 && c->out_len == sizeof c->out_buf && i + 1 == c->out_len))
            continue;
        if (c->prompt_shown)
            fputs("\r\033[K", stdout);
        c->prompt_shown = 0;
        fprintf(stdout, "%s  | %.*s%s\n", c->color ? "\033[2m" : "", (int)(i - start),
                c->out_buf + start, c->color ? "\033[0m" : "");
        start = i + 1;
    }
    memmove(c->out_buf, c->out_buf + start, c->out_len - start);
    c->out_len -= start;
    fflush(stdout);
    if (r <= 0) {
        close(c->out_fd);
        c->out_fd = -1;
    }
}

/* Takes what woke the loop: signals, the bot's output, a child's end.
 * Waits at most timeout_ms for something. Sets c->quit on SIGINT/SIGTERM/
 * SIGHUP, c->bot_gone when the bot has ended. */
static void bh_chat_wait(bh_chat *c, int timeout_ms, int with_stdin, int *stdin_ready)
{
    struct pollfd pfd[3];
    int n = 0, isig, iout = -1, iin = -1;
    char buf[64];
    ssize_t r;

    pfd[n] = (struct pollfd){.fd = bh_chat_sig_pipe[0], .events = POLLIN};
    isig = n++;
    if (c->out_fd >= 0) {
        pfd[n] = (struct pollfd){.fd = c->out_fd, .events = POLLIN};
        iout = n++;
    }
    if (with_stdin && !c->in_eof) {
        pfd[n] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        iin = n++;
    }
    if (stdin_ready)
        *stdin_ready = 0;
    if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
        goto children;
    if (pfd[isig].revents) {
        while ((r = read(bh_chat_sig_pipe[0], buf, sizeof buf)) > 0)
            if (memchr(buf, 'q', (size_t)r))
                c->quit = 1;
    }
    if (iout >= 0 && pfd[iout].revents)
        bh_chat_read_bot_output(c);
    if (iin >= 0 && pfd[iin].revents && stdin_ready)
        *stdin_ready = 1;
children:
    if (!c->bot_gone && bh_child_gone(&c->bot)) {
        /* What it printed last is shown before the news of its end. */
        while (c->out_fd >= 0)
            bh_chat_read_bot_output(c);
        c->bot_gone = 1;
    }
    if (!c->emu_gone && bh_child_gone(&c->emu)) {
        char how[96];
        bh_child_status_text(c->emu.status, how, sizeof how);
        bh_chat_note(c, "the emulator %s", how);
        c->emu_gone = 1;
    }
}

/* After the user wrote or pressed: waits until the bot has taken the update
 * (it confirmed it with its next getUpdates) and has been quiet for a moment,
 * so that its replies come before the next prompt. Gives up after
 * BH_CHAT_SETTLE_MS on a terminal (later replies are printed when they
 * come); piped input waits longer, since a slow bot (starting, or under
 * sanitizers) would otherwise answer after the script has ended. */
static void bh_chat_settle(bh_chat *c)
{
    int64_t start = bh_clock_mono_ms(), last_output = start;
    int64_t limit = c->tty ? BH_CHAT_SETTLE_MS : BH_CHAT_SETTLE_PIPE_MS;
    while (!c->quit && !c->bot_gone && !c->emu_gone) {
        int64_t now = bh_clock_mono_ms();
        int n = bh_chat_refresh(c);
        if (n > 0)
            last_output = now;
        if (now - start >= limit)
            break;
        if (now - last_output >= BH_CHAT_QUIET_MS && bh_chat_pending(c) == 0 && c->npressed == 0)
            break;
        bh_chat_wait(c, 30, 0, NULL);
    }
    bh_chat_refresh(c);  /* what came just before the bot ended */
}

/* A user's message to the current chat. */
static void bh_chat_send(bh_chat *c, const char *text, int echo)
{
    json_object *o = json_object_new_object(), *res;
    char err[256];
    json_object_object_add(o, "chat_id", json_object_new_int64(c->chat_id));
    json_object_object_add(o, "user_id", json_object_new_int64(c->user_id));
    json_object_object_add(o, "text", json_object_new_string(text));
    json_object_object_add(o, "chat_type", json_object_new_string(c->group ? "group" : "private"));
    if (echo) {
        fprintf(stdout, "%syou>%s %s\n", c->color ? "\033[1;32m" : "", c->color ? "\033[0m" : "", text);
        fflush(stdout);
    }
    res = bh_chat_http_call(c->http, "/control/message", json_object_to_json_string(o), err, sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not sent: %s", err);
        return;
    }
    json_object_put(res);
    bh_chat_settle(c);
}

/* :press N: a button of the newest message of this chat with a keyboard.
 * Inline buttons with callback_data send a callback query; reply-keyboard
 * buttons send their text, as Telegram's clients do. */
static void bh_chat_press(bh_chat *c, const char *arg)
{
    char err[256], path[64];
    json_object *sent, *kb, *b, *v, *o, *res;
    int64_t msg_id = 0, n;
    int is_inline = 0;

    if (bh_chat_parse_id(arg, &n) < 0 || n < 1 || n > INT_MAX) {
        bh_chat_note(c, "which button? :press N, N from 1");
        return;
    }
    snprintf(path, sizeof path, "/control/sent?chat_id=%" PRId64, c->chat_id);
    if (!(sent = bh_chat_http_call(c->http, path, NULL, err, sizeof err))) {
        bh_chat_note(c, "cannot read the chat: %s", err);
        return;
    }
    if (bh_chat_view_last_keyboard(sent, c->chat_id, &msg_id, &kb, &is_inline) < 0) {
        bh_chat_note(c, "no message of this chat has buttons");
        goto out;
    }
    if (!(b = bh_chat_view_button(kb, (int)n))) {
        bh_chat_note(c, "the last keyboard has no button %" PRId64, n);
        goto out;
    }
    if (!is_inline) {
        const char *text = json_object_is_type(b, json_type_string) ? json_object_get_string(b)
                           : json_object_object_get_ex(b, "text", &v) ? json_object_get_string(v)
                                                                       : "";
        bh_chat_send(c, text, 1);
        goto out;
    }
    if (!json_object_object_get_ex(b, "callback_data", &v)) {
        if (json_object_object_get_ex(b, "url", &v))
            bh_chat_note(c, "that button opens %s", json_object_get_string(v));
        else
            bh_chat_note(c, "the emulator can only press buttons with callback_data");
        goto out;
    }
    o = json_object_new_object();
    json_object_object_add(o, "chat_id", json_object_new_int64(c->chat_id));
    json_object_object_add(o, "user_id", json_object_new_int64(c->user_id));
    json_object_object_add(o, "message_id", json_object_new_int64(msg_id));
    json_object_object_add(o, "data", json_object_get(v));
    res = bh_chat_http_call(c->http, "/control/callback", json_object_to_json_string(o), err, sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not pressed: %s", err);
        goto out;
    }
    if (!c->tty || c->verbose) {
        json_object *t;
        bh_chat_note(c, "pressed [%" PRId64 "] %s", n,
                     json_object_object_get_ex(b, "text", &t) ? json_object_get_string(t) : "");
    }
    if (json_object_object_get_ex(res, "callback_query_id", &v) && c->npressed < BH_CHAT_MAX_PRESSED)
        snprintf(c->pressed[c->npressed++], sizeof c->pressed[0], "%s", json_object_get_string(v));
    json_object_put(res);
    bh_chat_settle(c);
out:
    json_object_put(sent);
}

static void bh_chat_where(bh_chat *c)
{
    bh_chat_note(c, "now in %s chat %" PRId64 " as user %" PRId64, c->group ? "group" : "private",
                 c->chat_id, c->user_id);
}

/* Switches to chat id, a group when id is negative. A private chat is the
 * conversation with one user, whose id it has: going there means being
 * that user. */
static void bh_chat_goto(bh_chat *c, int64_t id, int group)
{
    c->chat_id = id;
    c->group = group;
    if (!group && id > 0)
        c->user_id = id;
    bh_chat_where(c);
}

/* One line of input that starts with ':'. */
static void bh_chat_command(bh_chat *c, char *line)
{
    char *cmd = line + 1, *arg;
    int64_t id;

    while (*cmd == ' ')
        cmd++;
    arg = cmd + strcspn(cmd, " \t");
    if (*arg)
        *arg++ = '\0';
    while (*arg == ' ' || *arg == '\t')
        arg++;
    arg[strcspn(arg, " \t")] = '\0';

    if (cmd[0] >= '0' && cmd[0] <= '9') {
        bh_chat_press(c, cmd);
    } else if (!strcmp(cmd, "press") || !strcmp(cmd, "p")) {
        bh_chat_press(c, arg);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q") || !strcmp(cmd, "exit")) {
        c->quit = 1;
    } else if (!strcmp(cmd, "help") || !strcmp(cmd, "h") || !strcmp(cmd, "?")) {
        bh_chat_help(c);
    } else if (!strcmp(cmd, "user") || !strcmp(cmd, "u")) {
        if (bh_chat_parse_id(arg, &id) < 0 || id < 0) {
            bh_chat_note(c, "which user? :user N, N a positive id");
            return;
        }
        if (!c->group && c->chat_id == c->user_id)
            bh_chat_goto(c, id, 0);
        else {
            c->user_id = id;
            bh_chat_where(c);
        }
    } else if (!strcmp(cmd, "chat") || !strcmp(cmd, "c")) {
        if (bh_chat_parse_id(arg, &id) < 0) {
            bh_chat_note(c, "which chat? :chat N (negative N: a group)");
            return;
        }
        bh_chat_goto(c, id, id < 0);
    } else if (!strcmp(cmd, "group") || !strcmp(cmd, "g")) {
        if (*arg && bh_chat_parse_id(arg, &id) < 0) {
            bh_chat_note(c, "which group? :group [N]");
            return;
        }
        if (!*arg)
            id = c->group ? c->chat_id : BH_CHAT_DEFAULT_GROUP;
        bh_chat_goto(c, id, 1);
    } else if (!strcmp(cmd, "private")) {
        bh_chat_goto(c, c->user_id, 0);
    } else if (!strcmp(cmd, "log")) {
        bh_chat_note(c, "the bot's output goes to %s", c->log_path);
    } else {
        bh_chat_note(c, "unknown command ':%s' (:help lists them; ::text sends \":text\")", cmd);
    }
}

static void bh_chat_handle_line(bh_chat *c, char *line)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')
        line[--n] = '\0';
    c->prompt_shown = 0;  /* the user's Enter moved to a new line */
    if (line[strspn(line, " \t")] == '\0')
        return;  /* Telegram has no empty messages */
    if (line[0] == ':' && line[1] != ':')
        bh_chat_command(c, line);
    else
        bh_chat_send(c, line[0] == ':' ? line + 1 : line, !c->tty);
}

/* Under the line editor: takes the keys typed, and handles the line when
 * Enter is pressed. */
static void bh_chat_read_keys(bh_chat *c)
{
    unsigned char keys[256];
    ssize_t r = read(STDIN_FILENO, keys, sizeof keys);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        c->in_eof = 1;
        return;
    }
    for (ssize_t i = 0; i < r && !bh_chat_over(c); i++) {
        switch (bh_chat_line_feed(&c->line, keys[i], stdout)) {
        case BH_CHAT_LINE_REDRAW:
            bh_chat_prompt(c);
            break;
        case BH_CHAT_LINE_DONE:
            memcpy(c->in_buf, c->line.buf, c->line.len + 1);
            c->line.len = 0;
            bh_chat_handle_line(c, c->in_buf);
            bh_chat_prompt(c);
            break;
        case BH_CHAT_LINE_EOF:
            c->in_eof = 1;
            return;
        }
    }
}

/* Reads what stdin has and handles each complete line. At EOF, a last line
 * without a newline counts too. */
static void bh_chat_read_input(bh_chat *c)
{
    if (c->editing) {
        bh_chat_read_keys(c);
        return;
    }

    ssize_t r = read(STDIN_FILENO, c->in_buf + c->in_len, sizeof c->in_buf - 1 - c->in_len);
    size_t start = 0;
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0)
        c->in_eof = 1;
    else
        c->in_len += (size_t)r;
    for (size_t i = 0; i < c->in_len && !bh_chat_over(c); i++) {
        if (c->in_buf[i] != '\n' && i + 1 < sizeof c->in_buf - 1)
            continue;
        c->in_buf[i] = '\0';  /* an over-long line is cut, not lost */
        bh_chat_handle_line(c, c->in_buf + start);
        start = i + 1;
    }
    memmove(c->in_buf, c->in_buf + start, c->in_len - start);
    c->in_len -= start;
    if (c->in_eof && c->in_len && !bh_chat_over(c)) {
        c->in_buf[c->in_len] = '\0';
        c->in_len = 0;
        bh_chat_handle_line(c, c->in_buf);
    }
}

/* Prints the last lines the bot wrote, so that the reason it died is on
 * screen. The emulator's own lines in the shared log are left out. */
static void bh_chat_log_tail(bh_chat *c, int nlines)
{
    FILE *f = fopen(c->log_path, "r");
    char *lines[16] = {0}, *line = NULL;
    size_t cap = 0, k = 0;
    if (!f)
        return;
    if (nlines > 16)
        nlines = 16;
    while (getline(&line, &cap, f) > 0) {
        if (!strncmp(line, "bothive emu:", 12))
            continue;
        free(lines[k % (size_t)nlines]);
        lines[k++ % (size_t)nlines] = strdup(line);
    }
    free(line);
    fclose(f);
    for (size_t i = k > (size_t)nlines ? k - (size_t)nlines : 0; i < k; i++) {
        char *l = lines[i % (size_t)nlines];
        if (l)
            fprintf(stderr, "  | %s%s", l, l[strlen(l) - 1] == '\n' ? "" : "\n");
    }
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
}

/* Opens the log the children write to: $TMPDIR/bothive-chat-<pid>.log. */
static int bh_chat_open_log(bh_chat *c)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(c->log_path, sizeof c->log_path, "%s/bothive-chat-%d.log", dir, (int)getpid());
    c->log_fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (c->log_fd < 0) {
        fprintf(stderr, "bothive chat: cannot create %s: %s\n", c->log_path, strerror(errno));
        return -1;
    }
    return 0;
}

static int bh_chat_setup_signals(void)
{
    struct sigaction sa;
    if (pipe2(bh_chat_sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = bh_chat_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void bh_chat_restore_signals(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; i < 2; i++)
        if (bh_chat_sig_pipe[i] >= 0) {
            close(bh_chat_sig_pipe[i]);
            bh_chat_sig_pipe[i] = -1;
        }
}

/* Parses the options; returns the index of COMMAND in argv, 0 after --help,
 * or -1 for a usage error. */
static int bh_chat_parse_args(bh_chat *c, int argc, char **argv)
{
    int have_chat = 0, have_user = 0, i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            return 0;
        } else if (!strcmp(a, "--token") && i + 1 < argc) {
            c->token = argv[++i];
        } else if (!strcmp(a, "--chat") && i + 1 < argc) {
            if (bh_chat_parse_id(argv[++i], &c->chat_id) < 0) {
                fprintf(stderr, "bothive chat: bad chat id '%s'\n", argv[i]);
                return -1;
            }
            have_chat = 1;
        } else if (!strcmp(a, "--user") && i + 1 < argc) {
            if (bh_chat_parse_id(argv[++i], &c->user_id) < 0 || c->user_id < 0) {
                fprintf(stderr, "bothive chat: bad user id '%s'\n", argv[i]);
                return -1;
            }
            have_user = 1;
        } else if (!strcmp(a, "--group")) {
            c->group = 1;
        } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            c->verbose = 1;
        } else if (a[0] == '-') {
            fprintf(stderr, "bothive chat: unknown option '%s'\n", a);
            return -1;
        } else {
            break;  /* the command, without "--" before it */
        }
    }
    if (i >= argc) {
        fprintf(stderr, "bothive chat: no bot command given\n");
        return -1;
    }
    if (!strchr(c->token, ':')) {
        fprintf(stderr, "bothive chat: bad token '%s': expected <bot id>:<secret>\n", c->token);
        return -1;
    }
    if (have_chat && c->chat_id < 0)
        c->group = 1;
    if (!have_chat)
        c->chat_id = c->group ? BH_CHAT_DEFAULT_GROUP : c->user_id;
    else if (!c->group && !have_user)
        c->user_id = c->chat_id;  /* a private chat's id is its user's */
    return i;
}

/* The chat's exit status from how the bot ended: its own failure when it
 * ended by itself; after our SIGTERM, only a non-zero exit code counts. */
static int bh_chat_exit_status(bh_chat *c, int stopped_by_us)
{
    int st = c->bot.status;
    if (!c->bot.reaped)
        return 0;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st) && !(stopped_by_us && (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGKILL)))
        return 128 + WTERMSIG(st);
    return 0;
}

int bh_tool_chat(int argc, char **argv)
{
    static bh_chat chat;
    bh_chat *c = &chat;
    int cmd, out_pipe[2] = {-1, -1}, status = 1, stopped_by_us = 0;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

    memset(c, 0, sizeof *c);
    c->token = BH_CHAT_DEFAULT_TOKEN;
    c->user_id = BH_CHAT_DEFAULT_USER;
    c->log_fd = c->out_fd = -1;
    cmd = bh_chat_parse_args(c, argc, argv);
    if (cmd <= 0) {
        bh_chat_usage(cmd == 0 ? stdout : stderr);
        return cmd == 0 ? 0 : 2;
    }
    c->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    c->color = isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));

    if (bh_chat_open_log(c) < 0)
        return 1;
    if (bh_chat_setup_signals() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bothive chat: cannot set up: %s\n", strerror(errno));
        goto fail_log;
    }
    if (bh_chat_emu_start(&c->emu, c->token, c->log_fd, c->url, sizeof c->url) != BH_OK)
        goto fail_curl;
    if (c->verbose && pipe2(out_pipe, O_CLOEXEC) < 0) {
        fprintf(stderr, "bothive chat: pipe: %s\n", strerror(errno));
        goto fail_emu;
    }
    if (bh_chat_bot_start(&c->bot, argv + cmd, c->url, c->token,
                          c->verbose ? out_pipe[1] : c->log_fd) != BH_OK)
        goto fail_emu;
    if (c->verbose) {
        close(out_pipe[1]);
        out_pipe[1] = -1;
        c->out_fd = out_pipe[0];
        out_pipe[0] = -1;
    }
    /* Made after the children started, so they inherit no socket of ours. */
    if (!(c->http = bh_chat_http_new(c->url)) || !(c->view = bh_chat_view_new(stdout, c->color))) {
        fprintf(stderr, "bothive chat: out of memory\n");
        goto fail_bot;
    }
    c->editing = c->tty && bh_chat_line_start(&c->line, STDIN_FILENO) == 0;

    fprintf(stderr, "bothive chat: bot '%s' (pid %d), emulator %s (pid %d)\n", argv[cmd],
            (int)c->bot.pid, c->url, (int)c->emu.pid);
    fprintf(stderr, "bothive chat: the bot's output goes to %s\n", c->log_path);
    fprintf(stderr, "bothive chat: %s chat %" PRId64 " as user %" PRId64
                    ". Type a message; :help for commands, Ctrl-D to quit.\n",
            c->group ? "group" : "private", c->chat_id, c->user_id);

    while (!c->quit && !c->bot_gone && !c->emu_gone) {
        int ready = 0;
        if (!c->prompt_shown)
            bh_chat_prompt(c);
        if (c->in_eof)
            break;
        bh_chat_wait(c, BH_CHAT_TICK_MS, 1, &ready);
        if (c->quit || c->bot_gone)
            break;
        if (ready)
            bh_chat_read_input(c);
        else
            bh_chat_refresh(c);
    }
    /* Piped input ends as soon as it is read: its replies are still due. */
    if (c->in_eof && !c->quit)
        bh_chat_settle(c);
    else if (!c->emu_gone)
        bh_chat_refresh(c);
    if (c->prompt_shown) {
        fputs("\n", stdout);
        fflush(stdout);
    }
    bh_chat_line_stop(&c->line);  /* the terminal is the user's again */
    status = 0;

fail_bot:
    if (c->bot_gone) {
        char how[96];
        bh_child_status_text(c->bot.status, how, sizeof how);
        if (c->verbose) {
            fprintf(stderr, "bothive chat: the bot %s (its output: %s)\n", how, c->log_path);
        } else {
            fprintf(stderr, "bothive chat: the bot %s; its last output (%s):\n", how, c->log_path);
            bh_chat_log_tail(c, 10);
        }
    } else if (c->bot.pid > 0) {
        stopped_by_us = 1;
        if (bh_child_stop(&c->bot, BH_CHAT_STOP_MS) == BH_ETIMEDOUT)
            fprintf(stderr, "bothive chat: the bot ignored SIGTERM for %d ms and was killed\n",
                    BH_CHAT_STOP_MS);
        else if (bh_chat_exit_status(c, 1))
            fprintf(stderr, "bothive chat: the bot exited with status %d when stopped\n",
                    bh_chat_exit_status(c, 1));
    }
    bh_child_stop(&c->bot, BH_CHAT_STOP_MS);  /* what the bot left behind in its group */
    if (status == 0 && c->bot.reaped)
        status = bh_chat_exit_status(c, stopped_by_us);
    if (status == 0 && c->emu_gone)
        status = 1;
fail_emu:
    if (bh_child_stop(&c->emu, BH_CHAT_STOP_MS) == BH_ETIMEDOUT)
        fprintf(stderr, "bothive chat: the emulator ignored SIGTERM and was killed\n");
    for (int i = 0; i < 2; i++)
        if (out_pipe[i] >= 0)
            close(out_pipe[i]);
    if (c->out_fd >= 0)
        close(c->out_fd);
    bh_chat_line_stop(&c->line);
    bh_chat_view_free(c->view);
    bh_chat_http_free(c->http);
fail_curl:
    curl_global_cleanup();
fail_log:
    bh_chat_restore_signals();
    if (c->log_fd >= 0)
        close(c->log_fd);
    return status;
}
