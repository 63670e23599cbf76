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

/* An integer of the memory "test" (0 when absent). */
int64_t bh_test_runner_get(bh_store *st, const char *key);
/* Waits up to ms until key >= want; returns the last value read. */
int64_t bh_test_runner_wait(bh_store *st, const char *key, int64_t want, int64_t ms);

#endif
