/*
 * Test helper: runs one of examples/ for real, as a process with 4 workers
 * against an emulator the test started.
 *
 *   pid_t bot = bh_example_start(&emu, TOKEN, "remind", "file:/tmp/x");
 *   ... write through the emulator's control API ...
 *   ck_assert_int_eq(bh_example_stop(bot), 0);
 */
#ifndef BH_EXAMPLE_PROC_H
#define BH_EXAMPLE_PROC_H

#include <sys/types.h>

#include "emu_proc.h"

/* Starts $BOTHIVE_EXAMPLES/<name> with BOT_TOKEN token, 4 workers, the
 * store store_url and warnings logged, and waits (up to 60 s) until it
 * polls the emulator: what is sent before would be its skipped backlog.
 * Fails the test when it does not start; returns its pid. */
pid_t bh_example_start(bh_emu_proc *e, const char *token, const char *name,
                       const char *store_url);

/* Stops it with SIGTERM and returns its exit status (0 for a clean stop). */
int bh_example_stop(pid_t pid);

#endif
