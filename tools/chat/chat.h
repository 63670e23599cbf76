/*
 * bothive chat: private interface between the files of the terminal chat.
 *
 * chat.c     command line; starting and stopping the session
 * loop.c     the loop: stdin, signals, the bot's output, the children's
 *            end; the prompt and the chat's own notes on the screen
 * talk.c     the conversation through the emulator: what the user writes
 *            or presses, and what the bot answers
 * command.c  the ':' commands
 * inline.c   inline mode: typing a query, listing and picking results
 * proc.c     the two children: the emulator (emu/launch.h) and the bot
 * http.c     a client for the emulator's control API (emu/client.h)
 * view.c     what the bot sent: which messages are new or changed, and
 *            how they (and their keyboards) are printed
 * line.c     a minimal line editor, so replies can arrive while typing
 *
 * The tool is single-threaded: one poll() loop watches stdin, the bot's
 * output (with --verbose) and a signal pipe, and polls the emulator on a
 * timer. So nothing here needs a lock.
 */
#ifndef BOTHIVE_TOOLS_CHAT_H
#define BOTHIVE_TOOLS_CHAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <termios.h>

#include <json-c/json.h>

#include <limits.h>

#include "base/clock.h"
#include "child.h"

#define BH_CHAT_DEFAULT_TOKEN "123456:TEST"
#define BH_CHAT_DEFAULT_USER 1001
#define BH_CHAT_DEFAULT_GROUP (-1001)
#define BH_CHAT_MAX_LINE 8192
#define BH_CHAT_LANG_MAX 16
#define BH_CHAT_MAX_PRESSED 32

/* ---- http.c ---- */
typedef struct bh_chat_http bh_chat_http;

/* A client for the emulator at base_url (no trailing slash). NULL on
 * allocation failure. */
bh_chat_http *bh_chat_http_new(const char *base_url);
void bh_chat_http_free(bh_chat_http *h);

/* GET path, or POST json (when json is not NULL), and parse the answer.
 * Returns the "result" of an {"ok":true} answer (a new reference, caller
 * puts it), or NULL with a message in err (the emulator's description,
 * or why the request failed). */
json_object *bh_chat_http_call(bh_chat_http *h, const char *path, const char *json,
                               char *err, size_t errlen);

/* ---- proc.c ---- */
/* Starts `bothive emu --port 0 --token T` (this very binary) in its own
 * process group, stderr to log_fd, and reads its URL into url. Returns
 * BH_OK, or an error with a message on stderr (nothing is left running
 * then). */
int bh_chat_emu_start(bh_child *emu, const char *token, int log_fd, char *url, size_t urlsize);

/* Starts argv[0] (looked up in PATH) with BOTHIVE_API_URL and BOT_TOKEN set,
 * stdin from /dev/null, stdout and stderr to out_fd, in its own process
 * group. Returns BH_OK, or BH_EIO with a message on stderr. A command that
 * cannot be executed exits 127, which the caller sees as the bot dying. */
int bh_chat_bot_start(bh_child *bot, char **argv, const char *url, const char *token,
                      int out_fd);

/* ---- view.c ---- */
typedef struct bh_chat_view bh_chat_view;

/* Remembers what was already printed. color: use ANSI dim/bold. */
bh_chat_view *bh_chat_view_new(FILE *out, int color);
void bh_chat_view_free(bh_chat_view *v);

/* Prints what is new or changed in `sent` (the result of /control/sent for
 * every chat): new messages, edits, deletions. Messages of chats other than
 * current_chat are prefixed with their chat. `before` (may be NULL) is
 * printed first when anything is (to clear a prompt). Returns how many
 * messages were printed. */
int bh_chat_view_update(bh_chat_view *v, json_object *sent, int64_t current_chat,
                        const char *before);

/* The buttons of the newest message of `chat` (in `sent`) that has a
 * keyboard: *msg_id, and *kb (a borrowed array of rows), *is_inline. Returns
 * BH_OK, or BH_ENOTFOUND when no message of that chat has one. */
int bh_chat_view_last_keyboard(json_object *sent, int64_t chat, int64_t *msg_id,
                               json_object **kb, int *is_inline);

/* What pressing button b does beyond sending its text, as a note for its
 * label (" (sends a location)"); "" for a plain button. */
const char *bh_chat_view_button_kind(json_object *b);

/* Button n (1-based, counted row by row) of a keyboard, or NULL. */
json_object *bh_chat_view_button(json_object *kb, int n);

/* ---- line.c ---- */
#define BH_CHAT_LINE_HISTORY 100

enum {
    BH_CHAT_LINE_NONE,    /* nothing for the caller to do */
    BH_CHAT_LINE_REDRAW,  /* the line changed: draw it again */
    BH_CHAT_LINE_DONE,    /* a line was entered: it is in buf */
    BH_CHAT_LINE_EOF,     /* Ctrl-D on an empty line */
};

typedef struct bh_chat_line {
    int fd, active;
    struct termios saved;
    char buf[BH_CHAT_MAX_LINE];
    size_t len;
    int esc;                 /* 0, 1 after ESC, 2 inside an escape sequence */
    char *hist[BH_CHAT_LINE_HISTORY];
    int nhist, hpos;
    char *stash;             /* the line being typed while browsing history */
} bh_chat_line;

/* Puts the terminal fd into character mode without echo. Returns BH_OK, or
 * BH_ENOTSUP when fd is not a terminal that allows it (then nothing changed). */
int bh_chat_line_start(bh_chat_line *l, int fd);

/* Gives the terminal its settings back and forgets the history. */
void bh_chat_line_stop(bh_chat_line *l);

/* Takes one byte typed; echoes what it can to out and says what the caller
 * must do (BH_CHAT_LINE_*). After DONE the caller uses buf (NUL-terminated)
 * and sets len to 0. */
int bh_chat_line_feed(bh_chat_line *l, unsigned char ch, FILE *out);

/* Draws prompt and the line so far on the current row, erasing it first. */
void bh_chat_line_draw(const bh_chat_line *l, FILE *out, const char *prompt);

/* ---- the session: chat.c, loop.c, talk.c, command.c ---- */
typedef struct bh_chat {
    const char *token;
    int64_t chat_id, user_id;
    char lang[BH_CHAT_LANG_MAX]; /* the user's language_code, "" for the emulator's "en" */
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
    int sig_fd;                 /* the signal pipe's read end (chat.c writes it) */

    bh_chat_http *http;
    bh_chat_view *view;
    char in_buf[BH_CHAT_MAX_LINE];
    size_t in_len;
    int in_eof;
    bh_chat_line line;          /* the line editor, when on a terminal */
    int editing;

    char pressed[BH_CHAT_MAX_PRESSED][32];  /* callback ids whose answer is awaited */
    int npressed;

    json_object *inline_results; /* the last :inline answer's results, NULL if none */
    char inline_query[256];
    json_object *inline_seen;   /* inline_message_id -> the line last seen */

    int quit;                   /* :quit, EOF or a signal */
    int bot_gone;               /* the bot ended by itself */
    int emu_gone;
} bh_chat;

/* loop.c: runs the conversation until the user leaves, input ends or a
 * child is gone, then prints the last replies and gives the terminal back. */
void bh_chat_converse(bh_chat *c);

/* loop.c: waits at most timeout_ms for what wakes the loop (signals, the
 * bot's output, a child's end) and takes it; with with_stdin, also for
 * input, reported in *stdin_ready. */
void bh_chat_wait(bh_chat *c, int timeout_ms, int with_stdin, int *stdin_ready);

/* loop.c: a message of the chat itself (not the bot's), dimmed on a terminal. */
void bh_chat_note(bh_chat *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* loop.c: output that arrives on its own goes above the prompt: the prompt
 * line is cleared first, and drawn again by the loop. */
void bh_chat_clear_line(bh_chat *c);

/* talk.c: the user writes text in the current chat (echoed when echo). */
void bh_chat_say(bh_chat *c, const char *text, int echo);

/* talk.c: :press N, a button of the newest message with a keyboard. */
void bh_chat_press(bh_chat *c, const char *arg);

/* talk.c: polls the emulator and prints what the bot sent or changed.
 * Returns how many messages were printed, or -1 when the emulator cannot
 * be reached (then c->emu_gone is set). */
int bh_chat_refresh(bh_chat *c);

/* talk.c: waits until the bot took the last update and went quiet. */
void bh_chat_settle(bh_chat *c);

/* inline.c: :inline TEXT types an inline query and lists the bot's
 * results; :pick N chooses one of them. */
void bh_chat_inline(bh_chat *c, const char *query);
void bh_chat_pick(bh_chat *c, const char *arg);
void bh_chat_inline_free(bh_chat *c);
/* inline.c: prints the bot's edits of messages the user sent via inline
 * mode (talk.c calls it with each refresh). */
void bh_chat_inline_refresh(bh_chat *c);

/* command.c: one line of input that starts with ':'. */
void bh_chat_command(bh_chat *c, char *line);

/* command.c: parses a non-zero 64-bit id. Returns BH_OK, or BH_EINVAL
 * when s is not one. */
int bh_chat_parse_id(const char *s, int64_t *out);

/* command.c: sets the language_code the user's updates carry (--lang,
 * :lang): an IETF tag of 2-15 letters, digits and '-' ('_' read as '-',
 * lower-cased as Telegram gives it: "pt_BR" is "pt-br").
 * Returns BH_OK, or BH_EINVAL (c unchanged) when s is not one. */
int bh_chat_set_lang(bh_chat *c, const char *s);

/* command.c: a new control body naming the user played: user_id, and
 * language_code when set (for /control/message, /callback, ...). */
json_object *bh_chat_user_body(const bh_chat *c);

#endif
