/*
 * The fixture of the Bot API client suites: for each test case a fresh
 * emulator, a client on it that never retries (a 400 or a 429 comes back
 * at once), and a user who has written to the bot, so that sends to that
 * user reach a chat. A suite keeps its emulator and client where its cases
 * read them, names them with its token and user once in main, and adds
 * its cases with bh_tgfx_add:
 *
 *   static bh_emu_proc emu;
 *   static bh_client *cl;
 *   ...
 *   bh_tgfx_use(&emu, &cl, "4646:TEST", 88);
 *   bh_tgfx_add(s, "name", fn);
 */
#ifndef BH_TG_FIXTURE_H
#define BH_TG_FIXTURE_H

#include <stdint.h>

#include "bothive/telegram.h"
#include "emu_proc.h"

/* Where setup puts the emulator and the client, the token the emulator
 * takes and the user who writes "hi" to the bot first. Call it before
 * the suite runs (the cases' processes inherit it). */
void bh_tgfx_use(bh_emu_proc *emu, bh_client **cl, const char *token, int64_t user);

/* Adds test t as a case of its own named name, with this fixture and a
 * timeout of 60 s (bh_test_add_case). */
struct Suite;
struct TTest;
void bh_tgfx_add(struct Suite *s, const char *name, const struct TTest *t);

/* Starts the emulator and the client (Check assertions fail the case). */
void bh_tgfx_setup(void);

/* Frees the client and stops the emulator, which must exit with 0. */
void bh_tgfx_teardown(void);

/* The description of the client's last error ("" if none). */
const char *bh_tgfx_desc(void);

/* The number of calls of method the emulator received (0 if it cannot
 * tell). */
int64_t bh_tgfx_calls(const char *method);

/* m->json[a][b] (b may be NULL: m->json[a]), borrowed; a missing field
 * fails the case. */
json_object *bh_tgfx_field(const bh_message *m, const char *a, const char *b);

#endif
