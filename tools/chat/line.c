/*
 * bothive chat: a minimal line editor for the terminal. The bot's replies
 * come while the user types; with the terminal's own line editing
 * (canonical mode) the chat cannot know what was typed, so a reply printed
 * above the prompt would wipe the half-typed line from the screen while it
 * stays in the kernel's buffer. Here the chat owns the line and redraws it
 * under whatever arrives. It handles what a chat needs and no more: typing
 * at the end of the line, Backspace, Ctrl-U, Ctrl-W, Ctrl-L, Ctrl-D on an
 * empty line, and Up/Down through the lines sent before. No dependency.
 */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "bothive/error.h"
#include "chat.h"

int bh_chat_line_start(bh_chat_line *l, int fd)
{
    struct termios raw;
    memset(l, 0, sizeof *l);
    l->fd = fd;
    if (tcgetattr(fd, &l->saved) < 0)
        return BH_ENOTSUP;
    raw = l->saved;
    /* Signals stay (Ctrl-C reaches the chat, which stops everything in
     * order), but Ctrl-Z would leave the terminal raw under a stopped chat. */
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw.c_cc[VSUSP] = _POSIX_VDISABLE;
    if (tcsetattr(fd, TCSAFLUSH, &raw) < 0)
        return BH_ENOTSUP;
    l->active = 1;
    return BH_OK;
}

void bh_chat_line_stop(bh_chat_line *l)
{
    if (l->active)
        tcsetattr(l->fd, TCSAFLUSH, &l->saved);
    l->active = 0;
    for (int i = 0; i < l->nhist; i++)
        free(l->hist[i]);
    l->nhist = 0;
    free(l->stash);
    l->stash = NULL;
}

void bh_chat_line_draw(const bh_chat_line *l, FILE *out, const char *prompt)
{
    fprintf(out, "\r\033[K%s%.*s", prompt, (int)l->len, l->buf);
    fflush(out);
}

/* Replaces the line with s (a line from the history). */
static void set_line(bh_chat_line *l, const char *s)
{
    size_t n = strlen(s);
    if (n >= sizeof l->buf)
        n = sizeof l->buf - 1;
    memcpy(l->buf, s, n);
    l->len = n;
}

/* Up (dir -1) or Down (+1) in the history; the line being typed is kept
 * aside and comes back below the newest entry. */
static int browse_history(bh_chat_line *l, int dir)
{
    int pos = l->hpos + dir;
    if (pos < 0 || pos > l->nhist)
        return BH_CHAT_LINE_NONE;
    if (l->hpos == l->nhist) {
        free(l->stash);
        l->buf[l->len] = '\0';
        l->stash = strdup(l->buf);
    }
    l->hpos = pos;
    set_line(l, pos == l->nhist ? (l->stash ? l->stash : "") : l->hist[pos]);
    return BH_CHAT_LINE_REDRAW;
}

/* Remembers a sent line, dropping the oldest when full and skipping
 * repeats of the last one. */
static void remember_line(bh_chat_line *l)
{
    char *copy;
    if (l->len == 0 || (l->nhist && !strcmp(l->hist[l->nhist - 1], l->buf)))
        return;
    if (!(copy = strdup(l->buf)))
        return;
    if (l->nhist == BH_CHAT_LINE_HISTORY) {
        free(l->hist[0]);
        memmove(l->hist, l->hist + 1, sizeof l->hist[0] * (BH_CHAT_LINE_HISTORY - 1));
        l->nhist--;
    }
    l->hist[l->nhist++] = copy;
}

/* A byte of an escape sequence (after ESC): only Up and Down mean
 * anything here; CSI or SS3 introduce a key, anything else is dropped. */
static int feed_escape(bh_chat_line *l, unsigned char ch)
{
    if (l->esc == 1) {  /* after ESC: CSI or SS3 introduce a key, else drop it */
        l->esc = (ch == '[' || ch == 'O') ? 2 : 0;
        return BH_CHAT_LINE_NONE;
    }
    if (ch < 0x40 || ch > 0x7e)  /* parameters until the final byte */
        return BH_CHAT_LINE_NONE;
    l->esc = 0;
    if (ch == 'A')
        return browse_history(l, -1);
    if (ch == 'B')
        return browse_history(l, +1);
    return BH_CHAT_LINE_NONE;
}

/* Enter: the line is done, and remembered. */
static int enter_line(bh_chat_line *l, FILE *out)
{
    l->buf[l->len] = '\0';
    remember_line(l);
    l->hpos = l->nhist;
    fputs("\n", out);
    fflush(out);
    return BH_CHAT_LINE_DONE;
}

/* What feed_control answers for a byte that is not an editing key. */
enum { NOT_A_KEY = -1 };

/* The editing keys. Returns what the caller must do (BH_CHAT_LINE_*), or
 * NOT_A_KEY for a byte to type. */
static int feed_control(bh_chat_line *l, unsigned char ch, FILE *out)
{
    switch (ch) {
    case 27:
        l->esc = 1;
        return BH_CHAT_LINE_NONE;
    case '\r':
    case '\n':
        return enter_line(l, out);
    case 4:  /* Ctrl-D: end of input on an empty line, as in a shell */
        return l->len ? BH_CHAT_LINE_NONE : BH_CHAT_LINE_EOF;
    case 127:
    case 8:  /* Backspace: a whole UTF-8 character */
        while (l->len && ((unsigned char)l->buf[l->len - 1] & 0xc0) == 0x80)
            l->len--;
        if (l->len)
            l->len--;
        return BH_CHAT_LINE_REDRAW;
    case 21:  /* Ctrl-U */
        l->len = 0;
        return BH_CHAT_LINE_REDRAW;
    case 23:  /* Ctrl-W: the last word and the blanks after it */
        while (l->len && l->buf[l->len - 1] == ' ')
            l->len--;
        while (l->len && l->buf[l->len - 1] != ' ')
            l->len--;
        return BH_CHAT_LINE_REDRAW;
    case 12:  /* Ctrl-L */
        fputs("\033[H\033[2J", out);
        return BH_CHAT_LINE_REDRAW;
    }
    return NOT_A_KEY;
}

int bh_chat_line_feed(bh_chat_line *l, unsigned char ch, FILE *out)
{
    int rc;
    if (l->esc)
        return feed_escape(l, ch);
    if ((rc = feed_control(l, ch, out)) != NOT_A_KEY)
        return rc;
    if (ch == '\t')
        ch = ' ';
    else if (ch < 32)
        return BH_CHAT_LINE_NONE;
    if (l->len + 1 >= sizeof l->buf)
        return BH_CHAT_LINE_NONE;
    l->buf[l->len++] = (char)ch;
    fputc(ch, out);
    fflush(out);
    return BH_CHAT_LINE_NONE;
}
