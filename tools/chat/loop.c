/*
 * bothive chat: the loop. One poll() watches stdin, the bot's output (with
 * --verbose) and the signal pipe, and the emulator is polled on a timer
 * (talk.c). What arrives on its own is printed above the prompt, which is
 * drawn again after it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "chat.h"

#define BH_CHAT_TICK_MS 250        /* how often the emulator is polled when idle */

/* The conversation is over: the user left, or the bot or emulator is gone.
 * Lines still buffered are not sent then. */
static int session_over(const bh_chat *c)
{
    return c->quit || c->bot_gone || c->emu_gone;
}

/* Draws the prompt, and under the line editor what was typed so far (the
 * prompt is drawn again after every reply printed above it). */
static void draw_prompt(bh_chat *c)
{
    char prompt[128];
    if (!c->tty || session_over(c))
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

void bh_chat_clear_line(bh_chat *c)
{
    if (c->prompt_shown)
        fputs("\r\033[K", stdout);
    c->prompt_shown = 0;
}

void bh_chat_note(bh_chat *c, const char *fmt, ...)
{
    va_list ap;
    bh_chat_clear_line(c);
    fputs(c->color ? "\033[2m-- " : "-- ", stdout);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputs(c->color ? "\033[0m\n" : "\n", stdout);
    fflush(stdout);
}

/* Whether byte i of the bot's output buffer ends a line to show: a newline,
 * the last byte at EOF (r <= 0), or the end of a full buffer without one. */
static int ends_output_line(const bh_chat *c, size_t i, size_t start, ssize_t r)
{
    return c->out_buf[i] == '\n' || (r <= 0 && i + 1 == c->out_len) ||
           (start == 0 && c->out_len == sizeof c->out_buf && i + 1 == c->out_len);
}

/* Copies the bot's output (--verbose) to the log and, dimmed and line by
 * line, to the screen. At EOF the rest of a last unfinished line is shown. */
static void read_bot_output(bh_chat *c)
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
        if (!ends_output_line(c, i, start, r))
            continue;
        bh_chat_clear_line(c);
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

/* Takes the bytes the signal handler wrote: 'q' (SIGINT, SIGTERM, SIGHUP)
 * ends the chat; 'c' (SIGCHLD) only woke the loop. */
static void take_signals(bh_chat *c)
{
    char buf[64];
    ssize_t r;
    while ((r = read(c->sig_fd, buf, sizeof buf)) > 0)
        if (memchr(buf, 'q', (size_t)r))
            c->quit = 1;
}

/* Notices a child that ended: the bot (after what it printed last, which
 * is shown before the news of its end) or the emulator. */
static void take_children(bh_chat *c)
{
    if (!c->bot_gone && bh_child_gone(&c->bot)) {
        while (c->out_fd >= 0)
            read_bot_output(c);
        c->bot_gone = 1;
    }
    if (!c->emu_gone && bh_child_gone(&c->emu)) {
        char how[96];
        bh_child_status_text(c->emu.status, how, sizeof how);
        bh_chat_note(c, "the emulator %s", how);
        c->emu_gone = 1;
    }
}

/* Sets c->quit on SIGINT/SIGTERM/SIGHUP, c->bot_gone when the bot has ended. */
void bh_chat_wait(bh_chat *c, int timeout_ms, int with_stdin, int *stdin_ready)
{
    struct pollfd pfd[3];
    int n = 0, iout = -1, iin = -1;

    pfd[n++] = (struct pollfd){.fd = c->sig_fd, .events = POLLIN};
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
    if (poll(pfd, (nfds_t)n, timeout_ms) > 0) {
        if (pfd[0].revents)
            take_signals(c);
        if (iout >= 0 && pfd[iout].revents)
            read_bot_output(c);
        if (iin >= 0 && pfd[iin].revents && stdin_ready)
            *stdin_ready = 1;
    }
    take_children(c);
}

/* One line typed or piped: a ':' command, or a message (a leading "::"
 * sends a text that starts with ':'). */
static void handle_line(bh_chat *c, char *line)
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
        bh_chat_say(c, line[0] == ':' ? line + 1 : line, !c->tty);
}

/* Under the line editor: takes the keys typed, and handles the line when
 * Enter is pressed. */
static void read_keys(bh_chat *c)
{
    unsigned char keys[256];
    ssize_t r = read(STDIN_FILENO, keys, sizeof keys);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        c->in_eof = 1;
        return;
    }
    for (ssize_t i = 0; i < r && !session_over(c); i++) {
        switch (bh_chat_line_feed(&c->line, keys[i], stdout)) {
        case BH_CHAT_LINE_REDRAW:
            draw_prompt(c);
            break;
        case BH_CHAT_LINE_DONE:
            memcpy(c->in_buf, c->line.buf, c->line.len + 1);
            c->line.len = 0;
            handle_line(c, c->in_buf);
            draw_prompt(c);
            break;
        case BH_CHAT_LINE_EOF:
            c->in_eof = 1;
            return;
        }
    }
}

/* Reads what piped stdin has and handles each complete line. At EOF, a
 * last line without a newline counts too. */
static void read_lines(bh_chat *c)
{
    ssize_t r = read(STDIN_FILENO, c->in_buf + c->in_len, sizeof c->in_buf - 1 - c->in_len);
    size_t start = 0;
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0)
        c->in_eof = 1;
    else
        c->in_len += (size_t)r;
    for (size_t i = 0; i < c->in_len && !session_over(c); i++) {
        if (c->in_buf[i] != '\n' && i + 1 < sizeof c->in_buf - 1)
            continue;
        c->in_buf[i] = '\0';  /* an over-long line is cut, not lost */
        handle_line(c, c->in_buf + start);
        start = i + 1;
    }
    memmove(c->in_buf, c->in_buf + start, c->in_len - start);
    c->in_len -= start;
    if (c->in_eof && c->in_len && !session_over(c)) {
        c->in_buf[c->in_len] = '\0';
        c->in_len = 0;
        handle_line(c, c->in_buf);
    }
}

void bh_chat_converse(bh_chat *c)
{
    while (!session_over(c)) {
        int ready = 0;
        if (!c->prompt_shown)
            draw_prompt(c);
        if (c->in_eof)
            break;
        bh_chat_wait(c, BH_CHAT_TICK_MS, 1, &ready);
        if (c->quit || c->bot_gone)
            break;
        if (!ready)
            bh_chat_refresh(c);
        else if (c->editing)
            read_keys(c);
        else
            read_lines(c);
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
}
