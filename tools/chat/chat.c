/*
 * bothive chat: a conversation with a bot in the terminal. The chat starts
 * the emulator and the bot as children, plays the user through the
 * emulator's control API, and prints what the bot sends. See chat.h for how
 * the files divide the work and usage below for the contract. This file is
 * the command line and the session's life: the log, the signals, starting
 * the children and stopping them in order, and the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bothive/error.h"
#include "chat.h"
#include "tools.h"

#define BH_CHAT_STOP_MS 3000       /* SIGTERM grace before SIGKILL */
#define BH_CHAT_LOG_TAIL 10        /* lines of a dead bot's output shown */
#define BH_CHAT_LOG_TAIL_MAX 16

static int sig_pipe[2] = {-1, -1};

/* Signals only wake the loop: the handler writes one byte saying which. */
static void on_signal(int sig)
{
    int saved = errno;
    char c = sig == SIGCHLD ? 'c' : 'q';
    if (write(sig_pipe[1], &c, 1) < 0) {
        /* The pipe is full: the loop has wake-ups enough already. */
    }
    errno = saved;
}

/* The contract of bothive chat, printed on f. */
static void usage(FILE *f)
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
            "  --lang CODE  the user's language_code (it, pt-br...; default en), which a\n"
            "               bot with translations answers in\n"
            "  --verbose    show the bot's output (dimmed) instead of only logging it\n"
            "\n"
            "The bot's output goes to a log file, named at start. In the chat, type :help\n"
            "for the commands (:press N, :user N, :chat N, :lang CODE, :quit...). Ctrl-D or :quit\n"
            "stops the bot and the emulator. Exit status: 0, or the bot's status when it\n"
            "ends by itself with a failure; 2 for bad options.\n",
            BH_CHAT_DEFAULT_USER, BH_CHAT_DEFAULT_GROUP);
}

/* What parse_args found. */
enum { ARGS_RUN, ARGS_HELP, ARGS_BAD };

/* What parse_option did with argv[*i]. */
enum { OPTION_TAKEN, OPTION_END, OPTION_HELP, OPTION_BAD };

/* Takes the option argv[*i] (and its value, moving *i past it). Returns
 * OPTION_END at "--" (with *i past it) or at the bot's command. */
static int parse_option(bh_chat *c, int argc, char **argv, int *i, bool *have_chat,
                        bool *have_user)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--")) {
        ++*i;
        return OPTION_END;
    }
    if (!strcmp(a, "-h") || !strcmp(a, "--help"))
        return OPTION_HELP;
    if (!strcmp(a, "--token") && *i + 1 < argc) {
        c->token = argv[++*i];
    } else if (!strcmp(a, "--chat") && *i + 1 < argc) {
        if (bh_chat_parse_id(argv[++*i], &c->chat_id) != BH_OK) {
            fprintf(stderr, "bothive chat: bad chat id '%s'\n", argv[*i]);
            return OPTION_BAD;
        }
        *have_chat = true;
    } else if (!strcmp(a, "--user") && *i + 1 < argc) {
        if (bh_chat_parse_id(argv[++*i], &c->user_id) != BH_OK || c->user_id < 0) {
            fprintf(stderr, "bothive chat: bad user id '%s'\n", argv[*i]);
            return OPTION_BAD;
        }
        *have_user = true;
    } else if (!strcmp(a, "--lang") && *i + 1 < argc) {
        if (bh_chat_set_lang(c, argv[++*i]) != BH_OK) {
            fprintf(stderr, "bothive chat: bad language code '%s': expected a tag such as it or pt-br\n",
                    argv[*i]);
            return OPTION_BAD;
        }
    } else if (!strcmp(a, "--group")) {
        c->group = 1;
    } else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
        c->verbose = 1;
    } else if (a[0] == '-') {
        fprintf(stderr, "bothive chat: unknown option '%s'\n", a);
        return OPTION_BAD;
    } else {
        return OPTION_END;  /* the command, without "--" before it */
    }
    return OPTION_TAKEN;
}

/* Parses the options; on ARGS_RUN, *cmd is the index of COMMAND in argv. */
static int parse_args(bh_chat *c, int argc, char **argv, int *cmd)
{
    bool have_chat = false, have_user = false;
    int i = 1, rc = OPTION_TAKEN;
    while (i < argc && (rc = parse_option(c, argc, argv, &i, &have_chat, &have_user)) == OPTION_TAKEN)
        i++;
    if (rc == OPTION_HELP || rc == OPTION_BAD)
        return rc == OPTION_HELP ? ARGS_HELP : ARGS_BAD;
    if (i >= argc) {
        fprintf(stderr, "bothive chat: no bot command given\n");
        return ARGS_BAD;
    }
    if (!strchr(c->token, ':')) {
        fprintf(stderr, "bothive chat: bad token '%s': expected <bot id>:<secret>\n", c->token);
        return ARGS_BAD;
    }
    if (have_chat && c->chat_id < 0)
        c->group = 1;
    if (!have_chat)
        c->chat_id = c->group ? BH_CHAT_DEFAULT_GROUP : c->user_id;
    else if (!c->group && !have_user)
        c->user_id = c->chat_id;  /* a private chat's id is its user's */
    *cmd = i;
    return ARGS_RUN;
}

/* Prints the last lines the bot wrote, so that the reason it died is on
 * screen. The emulator's own lines in the shared log are left out. */
static void log_tail(bh_chat *c, int nlines)
{
    FILE *f = fopen(c->log_path, "r");
    char *lines[BH_CHAT_LOG_TAIL_MAX] = {0}, *line = NULL;
    size_t cap = 0, k = 0;
    if (!f)
        return;
    if (nlines > BH_CHAT_LOG_TAIL_MAX)
        nlines = BH_CHAT_LOG_TAIL_MAX;
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

/* Opens the log the children write to: $TMPDIR/bothive-chat-<pid>.log.
 * Returns BH_OK, or BH_EIO with a message on stderr. */
static int open_log(bh_chat *c)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(c->log_path, sizeof c->log_path, "%s/bothive-chat-%d.log", dir, (int)getpid());
    c->log_fd = open(c->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (c->log_fd < 0) {
        fprintf(stderr, "bothive chat: cannot create %s: %s\n", c->log_path, strerror(errno));
        return BH_EIO;
    }
    return BH_OK;
}

/* Routes SIGINT, SIGTERM, SIGHUP and SIGCHLD to the signal pipe, whose read
 * end the loop watches (c->sig_fd). Returns BH_OK, or BH_EIO. */
static int setup_signals(bh_chat *c)
{
    struct sigaction sa;
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        return BH_EIO;
    c->sig_fd = sig_pipe[0];
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return BH_OK;
}

/* Gives every signal its default back and closes the signal pipe. */
static void restore_signals(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; i < 2; i++)
        if (sig_pipe[i] >= 0) {
            close(sig_pipe[i]);
            sig_pipe[i] = -1;
        }
}

/* The chat's exit status from how the bot ended: its own failure when it
 * ended by itself; after our SIGTERM, only a non-zero exit code counts. */
static int exit_status(bh_chat *c, int stopped_by_us)
{
    int st = c->bot.status;
    if (!c->bot.reaped)
        return BH_TOOL_EXIT_OK;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st) && !(stopped_by_us && (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGKILL)))
        return 128 + WTERMSIG(st);
    return BH_TOOL_EXIT_OK;
}

/* Starts the bot. With --verbose its output comes to the chat through a
 * pipe (c->out_fd), else it goes to the log. Returns BH_OK, or an error
 * with a message on stderr. */
static int start_bot(bh_chat *c, char **argv)
{
    int out[2] = {-1, -1}, rc;
    if (c->verbose && pipe2(out, O_CLOEXEC) < 0) {
        fprintf(stderr, "bothive chat: pipe: %s\n", strerror(errno));
        return BH_EIO;
    }
    rc = bh_chat_bot_start(&c->bot, argv, c->url, c->token, c->verbose ? out[1] : c->log_fd);
    if (c->verbose) {
        close(out[1]);
        if (rc == BH_OK)
            c->out_fd = out[0];
        else
            close(out[0]);
    }
    return rc;
}

/* The conversation, once both children run. Returns BH_TOOL_EXIT_OK, or
 * BH_TOOL_EXIT_FAILURE when out of memory. */
static int converse(bh_chat *c, const char *bot_name)
{
    /* Made after the children started, so they inherit no socket of ours. */
    if (!(c->http = bh_chat_http_new(c->url)) || !(c->view = bh_chat_view_new(stdout, c->color))) {
        fprintf(stderr, "bothive chat: out of memory\n");
        return BH_TOOL_EXIT_FAILURE;
    }
    c->editing = c->tty && bh_chat_line_start(&c->line, STDIN_FILENO) == BH_OK;

    fprintf(stderr, "bothive chat: bot '%s' (pid %d), emulator %s (pid %d)\n", bot_name,
            (int)c->bot.pid, c->url, (int)c->emu.pid);
    fprintf(stderr, "bothive chat: the bot's output goes to %s\n", c->log_path);
    fprintf(stderr, "bothive chat: %s chat %" PRId64 " as user %" PRId64 " (language_code %s)"
                    ". Type a message; :help for commands, Ctrl-D to quit.\n",
            c->group ? "group" : "private", c->chat_id, c->user_id, c->lang[0] ? c->lang : "en");
    bh_chat_converse(c);
    return BH_TOOL_EXIT_OK;
}

/* The bot ended by itself: says how, with its last output unless that was
 * on screen already. */
static void report_bot_end(bh_chat *c)
{
    char how[96];
    bh_child_status_text(c->bot.status, how, sizeof how);
    if (c->verbose) {
        fprintf(stderr, "bothive chat: the bot %s (its output: %s)\n", how, c->log_path);
    } else {
        fprintf(stderr, "bothive chat: the bot %s; its last output (%s):\n", how, c->log_path);
        log_tail(c, BH_CHAT_LOG_TAIL);
    }
}

/* Ends the bot: reports its end, or stops it; then stops what it left
 * behind in its group. Returns the chat's exit status, status unless that
 * is OK and the bot failed or the emulator died. */
static int stop_bot(bh_chat *c, int status)
{
    int stopped_by_us = 0;
    if (c->bot_gone) {
        report_bot_end(c);
    } else if (c->bot.pid > 0) {
        stopped_by_us = 1;
        if (bh_child_stop(&c->bot, BH_CHAT_STOP_MS) == BH_ETIMEDOUT)
            fprintf(stderr, "bothive chat: the bot ignored SIGTERM for %d ms and was killed\n",
                    BH_CHAT_STOP_MS);
        else if (exit_status(c, 1))
            fprintf(stderr, "bothive chat: the bot exited with status %d when stopped\n",
                    exit_status(c, 1));
    }
    bh_child_stop(&c->bot, BH_CHAT_STOP_MS);  /* what the bot left behind in its group */
    if (status == BH_TOOL_EXIT_OK && c->bot.reaped)
        status = exit_status(c, stopped_by_us);
    if (status == BH_TOOL_EXIT_OK && c->emu_gone)
        status = BH_TOOL_EXIT_FAILURE;
    return status;
}

/* Starts the emulator and the bot, holds the conversation, then stops
 * them in order, the bot first. Returns the exit status. */
static int run(bh_chat *c, char **bot_argv)
{
    int status = BH_TOOL_EXIT_FAILURE;
    if (bh_chat_emu_start(&c->emu, c->token, c->log_fd, c->url, sizeof c->url) != BH_OK)
        return status;
    if (start_bot(c, bot_argv) == BH_OK)
        status = stop_bot(c, converse(c, bot_argv[0]));
    if (bh_child_stop(&c->emu, BH_CHAT_STOP_MS) == BH_ETIMEDOUT)
        fprintf(stderr, "bothive chat: the emulator ignored SIGTERM and was killed\n");
    if (c->out_fd >= 0)
        close(c->out_fd);
    bh_chat_line_stop(&c->line);
    bh_chat_view_free(c->view);
    bh_chat_inline_free(c);
    bh_chat_http_free(c->http);
    return status;
}

int bh_tool_chat(int argc, char **argv)
{
    static bh_chat chat;  /* large (the input buffers): not on the stack */
    bh_chat *c = &chat;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    int cmd = 0, status = BH_TOOL_EXIT_FAILURE;

    memset(c, 0, sizeof *c);
    c->token = BH_CHAT_DEFAULT_TOKEN;
    c->user_id = BH_CHAT_DEFAULT_USER;
    c->log_fd = c->out_fd = c->sig_fd = -1;
    switch (parse_args(c, argc, argv, &cmd)) {
    case ARGS_HELP:
        usage(stdout);
        return BH_TOOL_EXIT_OK;
    case ARGS_BAD:
        usage(stderr);
        return BH_TOOL_EXIT_USAGE;
    }
    c->tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    c->color = isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
    if (open_log(c) != BH_OK)
        return BH_TOOL_EXIT_FAILURE;
    if (setup_signals(c) != BH_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bothive chat: cannot set up: %s\n", strerror(errno));
    } else {
        status = run(c, argv + cmd);
        curl_global_cleanup();
    }
    restore_signals();
    close(c->log_fd);
    return status;
}
