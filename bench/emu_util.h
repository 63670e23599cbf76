/*
 * The Bot API emulator (`bothive emu`) for the benchmarks of the Bot API
 * client: started with the launcher the tests and `bothive chat` use
 * (tools/emu/launch.h), with extra arguments ("--flood"), and talked to
 * over one kept-alive libcurl handle. The binary is $BOTHIVE_BIN, else
 * ../tools/bothive or tools/bothive from the current directory.
 */
#ifndef BH_BENCH_EMU_UTIL_H
#define BH_BENCH_EMU_UTIL_H

#include <stdint.h>

#include <curl/curl.h>

#include "child.h"

typedef struct bh_bench_emu {
    bh_child child;
    char url[128];   /* base URL, no trailing slash */
    char token[64];
    CURL *curl;      /* for the control calls */
} bh_bench_emu;

/* Starts the emulator for token with args (NULL-terminated, may be NULL).
 * Returns 0, or -1 with a message on stderr. */
int bh_bench_emu_start(bh_bench_emu *e, const char *token, const char *const *args);
void bh_bench_emu_stop(bh_bench_emu *e);

/* POSTs json (NULL: empty) to path ("/control/message"), GET when json
 * is NULL and get is set. Returns the HTTP status, -1 when no answer came;
 * *resp (if not NULL) gets the malloc'd body. */
int bh_bench_emu_post(bh_bench_emu *e, const char *path, const char *json, char **resp);
int bh_bench_emu_get(bh_bench_emu *e, const char *path, char **resp);

/* The integer counter name of /control/stats ("sent_messages",
 * "by_method.getUpdates" is not supported: top-level counters only), or
 * -1 when it cannot be read. */
int64_t bh_bench_emu_stat(bh_bench_emu *e, const char *name);

/* VmRSS or VmHWM ("VmHWM:") of this process from /proc/self/status, in
 * KiB; -1 when unreadable. */
int64_t bh_bench_proc_kib(const char *field);

#endif
