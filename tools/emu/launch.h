/*
 * The Bot API emulator (`bothive emu`) as a child process: the one launcher
 * that `bothive chat` and the tests share. The emulator prints its base URL
 * ("http://127.0.0.1:PORT") alone on the first line of its stdout and
 * never writes there again; everything else it says goes to its stderr.
 *
 *   bh_child emu;
 *   char url[128];
 *   bh_emu_launch_opts o = {.bin = "bothive", .token = "42:TEST", .log_fd = -1,
 *                           .start_ms = 10000, .who = "me"};
 *   if (bh_emu_launch(&emu, &o, url, sizeof url) == BH_OK) {
 *       ... talk to url ...
 *       bh_child_stop(&emu, 3000);
 *   }
 */
#ifndef BOTHIVE_TOOLS_EMU_LAUNCH_H
#define BOTHIVE_TOOLS_EMU_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "child.h"

typedef struct bh_emu_launch_opts {
    const char *bin;     /* the bothive binary */
    const char *token;   /* the bot token it accepts */
    int log_fd;          /* its stderr; -1 keeps the caller's */
    bool group;          /* a process group of its own (see child.h) */
    int64_t start_ms;    /* how long its URL line may take */
    const char *who;     /* prefix of the messages about a failed start */
    const char *const *args; /* more arguments ("--flood"), NULL-terminated; may be NULL */
} bh_emu_launch_opts;

/* Starts `bin emu --port 0 --token T [args]` and reads its base URL (without a
 * trailing slash) into url. Returns BH_OK; BH_EIO when it could not be
 * started (a message on stderr); BH_EPROTO when no URL came within
 * start_ms (it failed to start, or hangs; what it said is in its log).
 * Nothing is left running when it fails. */
int bh_emu_launch(bh_child *c, const bh_emu_launch_opts *o, char *url, size_t urlsize);

#endif
