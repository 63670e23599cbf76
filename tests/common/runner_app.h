/*
 * Test helper for the runner core: a small application (bh_runner_app) that
 * records what it processes in a file: store, and a way to run it in a
 * forked child that the test can signal.
 *
 * The handler reads the update's text:
 *   "<n>"         per-chat sequence number: checks that n follows the
 *                 chat's previous one (else counts "order_errors")
 *   "crash-once"  kills its worker on the first attempt
 *   "poison"      kills its worker every time
 *   "poison-host" the same, and at its second run its whole process group
 *                 (a host of test_hosts)
 *   "sleep:<ms>"  sleeps
 * and then counts "total" and "p:<update_id>" (and "dups" when an update
 * is processed a second time). Before all that it counts "b:<update_id>",
 * so that a test can wait until a handler has begun. Timer 0 counts "timer_runs", sleeps
 * timer_sleep_ms and counts "timer_overlap" if two runs meet.
 * Everything lives in the memory "test" of the store.
 */
#ifndef BH_RUNNER_APP_H
#define BH_RUNNER_APP_H

#include <stdint.h>
#include <sys/types.h>

#include "bothive/store.h"
#include "emu_proc.h"
#include "runner/runner.h"

typedef struct bh_test_runner {
    const char *token;
    const char *store_url;      /* a file: URL */
    int delay_us;               /* random handler delay, 0..delay_us */
    int timer_seconds;          /* 0: no timer */
    int timer_sleep_ms;
    bh_run_options opts;        /* api_url, workers, ... */
    pid_t pid;                  /* the runner (master) */
    const char *host_tag;       /* set: each update also counts "host:<tag>" */
    int store_retry;            /* set: the handler's "last:", "p:" and "total" writes are
                                 * retried until the store takes them (Redis goes away) */
} bh_test_runner;

/* Zeroes r and points it at the emulator e and the store at store_url. */
void bh_test_runner_init(bh_test_runner *r, const bh_emu_proc *e, const char *store_url,
                         int workers);

/* Forks a child that runs the runner with the test app. Returns 0 or -1. */
int bh_test_runner_start(bh_test_runner *r);
/* SIGTERM, then waits: the exit status (0 when bh_runner_run returned 0). */
int bh_test_runner_stop(bh_test_runner *r);

/* The fixture of the runner suites: an emulator, and a fresh file: store
 * that the test reads while the runner (bh_test_runner_start) writes it. */
typedef struct bh_test_runner_fx {
    bh_emu_proc emu;
    bh_store *st;     /* opened by setup, closed by teardown */
    char url[512];    /* "file:<path>", the runner's store_url */
    char *path;       /* under $TMPDIR, removed by teardown */
} bh_test_runner_fx;

/* Starts the emulator with token and opens a new store whose file name
 * starts with tag; logs from log_level up unless $BOTHIVE_LOG is set.
 * Check assertions fail the case. */
void bh_test_runner_fx_setup(bh_test_runner_fx *f, const char *token, const char *tag,
                             int log_level);
/* Closes and removes the store and stops the emulator. */
void bh_test_runner_fx_teardown(bh_test_runner_fx *f);
/* bh_test_runner_init for f's emulator and store. */
void bh_test_runner_fx_init(const bh_test_runner_fx *f, bh_test_runner *r, int workers);
/* The integer at path of the emulator's stats, -1 when it has none. */
int64_t bh_test_runner_fx_stat(bh_test_runner_fx *f, const char *path);

/*
 * Starts r in webhook mode on a free port of 127.0.0.1: listening on
 * "<host>:<port>" (host "" is the runner's default, 127.0.0.1), its URL
 * http://127.0.0.1:<port>/hook, both written into the caller's buffers,
 * which r then points at. A free port found by binding and closing can be
 * taken by another process before the runner binds it; the runner's
 * updater then cannot listen (its log says so), and another port is
 * tried, a few times. Waits (30 s a try) until the emulator has the
 * webhook, which the updater sets only once it listens. Returns the port,
 * or 0 when no try got that far (r is stopped then).
 */
unsigned bh_test_runner_start_webhook(bh_test_runner *r, bh_emu_proc *e, const char *host,
                                      char *url, size_t url_size, char *listen,
                                      size_t listen_size);

/* POSTs the JSON body to url as Telegram delivers to a webhook, with the
 * secret in X-Telegram-Bot-Api-Secret-Token (none when secret is NULL):
 * the HTTP status, 0 when no answer came within 10 s. */
long bh_test_webhook_post(const char *url, const char *secret, const char *body);

/* The live children of parent (zombies not counted) whose process name
 * starts with prefix ("bh worker", "bh updater"), at most max of them, in
 * pids; how many. */
int bh_test_runner_children(pid_t parent, const char *prefix, pid_t *pids, int max);

/* An integer of the memory "test" (0 when absent). */
int64_t bh_test_runner_get(bh_store *st, const char *key);
/* Waits up to ms until key >= want; returns the last value read. */
int64_t bh_test_runner_wait(bh_store *st, const char *key, int64_t want, int64_t ms);

#endif
