/*
 * Test helper: runs the Bot API emulator (`bothive emu`) as a child process
 * and talks to it over loopback with libcurl. Any suite can use it to give a
 * bot, a client or the runner a Telegram to talk to.
 *
 *   bh_emu_proc emu;
 *   ck_assert_int_eq(bh_emu_start(&emu, "42:TEST"), 0);
 *   setenv("BOTHIVE_API_URL", emu.url, 1);        // what the bot connects to
 *   bh_emu_send_user_message(&emu, 7, 7, "/start"); // a user writes
 *   ...
 *   ck_assert_int_eq(bh_emu_stop(&emu), 0);        // SIGTERM; emu exited 0
 *
 * The emulator binary is $BOTHIVE_BIN (CTest sets it). It is started by the
 * launcher `bothive chat` uses too (tools/emu/launch.h), which reads the
 * base URL it prints first; its stderr is inherited.
 */
#ifndef BH_EMU_PROC_H
#define BH_EMU_PROC_H

#include <stdint.h>

#include "emu/launch.h"

typedef struct bh_emu_proc {
    bh_child child;     /* the emulator process; child.pid is 0 when not running */
    char url[128];      /* base URL, e.g. http://127.0.0.1:40123 (no trailing slash) */
    char token[128];    /* the bot token it accepts */
} bh_emu_proc;

/* Starts `$BOTHIVE_BIN emu --port 0 --token T` (T = "123456:TEST" when token
 * is NULL) with tools/emu/launch.h and waits (up to 30 s) for its URL line.
 * Returns 0, or -1 when it cannot be started (nothing is left running then). */
int bh_emu_start(bh_emu_proc *e, const char *token);

/* As bh_emu_start, with more arguments for the emulator (e.g. "--flood"),
 * NULL-terminated (args may be NULL). */
int bh_emu_start_args(bh_emu_proc *e, const char *token, const char *const *args);

/* Sends SIGTERM and reaps the emulator. Returns 0 when it exited with status
 * 0, else -1 (it is reaped either way; after 30 s it is killed). */
int bh_emu_stop(bh_emu_proc *e);

/* Control and raw calls. `path` starts with '/', e.g. "/control/stats".
 * bh_emu_post sends `json` (NULL = empty body) as application/json.
 * *resp, when resp is not NULL, receives the malloc'd body text (caller
 * frees; NULL on a transport error). Return the HTTP status, or -1 when
 * the request could not be made. */
int bh_emu_post(bh_emu_proc *e, const char *path, const char *json, char **resp);
int bh_emu_get(bh_emu_proc *e, const char *path, char **resp);

/* Calls Bot API `method` with a JSON body (NULL = none), as the bot would.
 * Same results as bh_emu_post. */
int bh_emu_call(bh_emu_proc *e, const char *method, const char *json, char **resp);

/* A user writes `text` in a private chat (chat_id is usually user_id).
 * Returns the update_id the emulator queued, or -1. */
int64_t bh_emu_send_user_message(bh_emu_proc *e, int64_t chat_id, int64_t user_id,
                                 const char *text);

/* Reads an integer at a dotted path ("result.update_id", "result.0.message_id":
 * numbers index arrays) in the JSON text `json`. Returns 0 and sets *out, or
 * -1 when the text does not parse or the path is missing. */
int bh_emu_json_int(const char *json, const char *path, int64_t *out);

/* As bh_emu_json_int for a string (numbers, booleans, objects and arrays are
 * printed as JSON): a malloc'd copy, or NULL when missing or null. */
char *bh_emu_json_str(const char *json, const char *path);

/* Reads the integer `name` (a dotted path, e.g. "by_method.getUpdates") of
 * the emulator's /control/stats into *out. Returns 0, or -1 when the stats
 * cannot be read or have no such field. */
int bh_emu_stat(bh_emu_proc *e, const char *name, int64_t *out);

#endif
