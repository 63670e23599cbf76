/*
 * Test helper: the fixture the example tests share. Each test gets an
 * emulator (bh_ex_emu, token BH_EX_TOKEN) and a fresh file: store; an
 * example bot runs as a process with 4 workers against them, users write
 * through the control API, and the helpers read the bot's answers back.
 * Every wait is bounded by a generous deadline, never by a fixed sleep.
 */
#ifndef BH_TEST_EXAMPLES_FIXTURE_H
#define BH_TEST_EXAMPLES_FIXTURE_H

#include <stdint.h>

#include "emu_proc.h"

#define BH_EX_TOKEN "5151:EXAMPLES"

extern bh_emu_proc bh_ex_emu;

/* Check's checked fixture: the emulator and the store path, then their end
 * (a bot still running is killed). */
void bh_ex_setup(void);
void bh_ex_teardown(void);
/* Starts examples/<name> and waits until it polls; stops it with SIGTERM,
 * asserting it exits 0. */
void bh_ex_start(const char *name);
void bh_ex_stop(void);
/* A user's text message in chat (chat type "private", "group", ...). */
void bh_ex_say(int64_t chat, int64_t user, const char *text, const char *type);
/* The text of the bot's count-th message to chat (malloc'd), waiting up to
 * timeout_ms; NULL if it never came. */
char *bh_ex_last_sent(int64_t chat, int count, int timeout_ms);
/* An integer of the stopped bot's store, read-only. */
int64_t bh_ex_store_int(const char *memory, const char *key);
/* A control call that must answer 200. */
void bh_ex_control(const char *path, const char *body);
/* The answer to GET path / the recorded calls of method / the bot's
 * messages in chat, malloc'd, once it holds want (up to 30 s). */
char *bh_ex_get_with(const char *path, const char *want);
char *bh_ex_answers_with(const char *method, const char *want);
char *bh_ex_sent_with(int64_t chat, const char *want);

#endif
