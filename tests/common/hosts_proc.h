/*
 * Test helper: "hosts" for the tests of several hosts serving one bot.
 * Each host is a runner of the test application (runner_app.h) in a
 * process tree of its own, in new PID and UTS namespaces (plain process
 * trees when unshare is refused), so that a host's death is seen by the
 * others only through its leases.
 *
 *   bh_test_hosts hs = {.n = 3, .tags = {"h1", "h2", "h3"}, .configure = f};
 *   bh_test_host_start(&hs, 0);   // f(&hs, 0, runner) sets it up
 *   bh_test_hosts_settled(&hs, redis_port, "4242", 16);
 *   bh_test_hosts_burst(&emu, 300, 40, seq, NULL, ids);
 *   bh_test_hosts_processed(st, ids, 300, 90000);
 *   bh_test_host_kill(&hs, 0);
 */
#ifndef BH_HOSTS_PROC_H
#define BH_HOSTS_PROC_H

#include <sys/types.h>

#include "emu_proc.h"
#include "runner_app.h"

#define BH_TEST_HOSTS_MAX 8

typedef struct bh_test_hosts {
    int n;
    const char *tags[BH_TEST_HOSTS_MAX];   /* two characters each: the host names */
    pid_t pg[BH_TEST_HOSTS_MAX];           /* each live host's process group; 0: none */
    bh_test_runner runners[BH_TEST_HOSTS_MAX];
    /* In host i's first process: sets up its runner (init, options). */
    void (*configure)(struct bh_test_hosts *hs, int i, bh_test_runner *r);
    void *arg;
} bh_test_hosts;

/* Starts host i (its name is set to tags[i], BOTHIVE_HOST_NAME too). */
void bh_test_host_start(bh_test_hosts *hs, int i);
/* SIGKILLs every process of host i and reaps it. */
void bh_test_host_kill(bh_test_hosts *hs, int i);
/* SIGTERM to every process of host i (a clean stop); its exit status, or
 * -1 when it did not exit. */
int bh_test_host_stop(bh_test_hosts *hs, int i);
/* Kills what is left (a teardown). */
void bh_test_hosts_kill_all(bh_test_hosts *hs);
/* The host (index) holding lease name of bot in the redis-server at port,
 * or -1. */
int bh_test_hosts_holder(const bh_test_hosts *hs, int port, const char *bot, const char *name);
/* Waits (up to 90 s) until each of the parts partitions is held and each
 * live host holds its share; 1 when they did. */
int bh_test_hosts_settled(const bh_test_hosts *hs, int port, const char *bot, int parts);
/* Waits (up to 90 s) until the intake of bot (getUpdates mode) took its
 * offset: in the store since its first poll, or the backlog decision of
 * the bot's first start. Updates sent before that may be the backlog a
 * first start skips. 1 when it did. */
int bh_test_hosts_polling(int port, const char *bot);

/* Sends a burst of n messages through the emulator e, message k from user
 * and chat 1 + k % chats, its text text, or when text is NULL its chat's
 * next number; seq[1..chats] are the chats' next numbers (each message
 * advances its chat's, whatever its text). Returns the update ids in
 * ids[0..n); fails the test when the emulator refuses one. */
void bh_test_hosts_burst(bh_emu_proc *e, int n, int chats, int64_t *seq, const char *text,
                         int64_t *ids);
/* Fails the test unless every update of ids[0..n) was processed at least
 * once (its key "p:<update_id>" in the store st counts 1 or more) within
 * wait_ms, for all of them together. */
void bh_test_hosts_processed(bh_store *st, const int64_t *ids, int n, int64_t wait_ms);

#endif
