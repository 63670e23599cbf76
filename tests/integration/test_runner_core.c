/*
 * The runner core end to end, against the emulator: per-chat order with
 * parallel workers, a worker killed mid-update, a poison update set aside,
 * graceful shutdown and restart without duplicates, SIGKILL of the master.
 */
#include <check.h>
#include <fcntl.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "runner_app.h"
#include "testutil.h"

static bh_test_runner_fx fx;

static void setup(void)
{
    bh_test_runner_fx_setup(&fx, "777:RUNNER", "runner", BH_LOG_WARN);
}

static void teardown(void)
{
    bh_test_runner_fx_teardown(&fx);
}

static void runner_init(bh_test_runner *r, int workers)
{
    bh_test_runner_fx_init(&fx, r, workers);
    r->opts.process_backlog = 1; /* no race with the skip at start */
}

START_TEST(test_per_chat_order)
{
    bh_test_runner r;
    char text[32];
    enum { CHATS = 50, MSGS = 20 };

    runner_init(&r, 4);
    r.delay_us = 3000;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    for (int n = 1; n <= MSGS; n++)
        for (int c = 1; c <= CHATS; c++) {
            snprintf(text, sizeof text, "%d", n);
            ck_assert_int_gt(bh_emu_send_user_message(&fx.emu, 1000 + c, 1000 + c, text), 0);
        }
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", CHATS * MSGS, 120000), CHATS * MSGS);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "order_errors"), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "dups"), 0);
    for (int c = 1; c <= CHATS; c++) {
        snprintf(text, sizeof text, "last:%d", 1000 + c);
        ck_assert_int_eq(bh_test_runner_get(fx.st, text), MSGS);
    }
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    /* Shutdown confirmed everything. */
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
}
END_TEST

START_TEST(test_worker_killed_retried)
{
    bh_test_runner r;
    int64_t a, b, c;

    runner_init(&r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    a = bh_emu_send_user_message(&fx.emu, 5, 5, "1");
    b = bh_emu_send_user_message(&fx.emu, 5, 5, "crash-once");
    c = bh_emu_send_user_message(&fx.emu, 5, 5, "2");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 3, 60000), 3);
    char key[64];
    snprintf(key, sizeof key, "crashed:%lld", (long long)b);
    ck_assert_int_eq(bh_test_runner_get(fx.st, key), 2); /* killed once, then done */
    int64_t ids[] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "p:%lld", (long long)ids[i]);
        ck_assert_int_eq(bh_test_runner_get(fx.st, key), 1);
    }
    ck_assert_int_eq(bh_test_runner_get(fx.st, "order_errors"), 0);
    /* The pool is whole again: more work is done. */
    bh_emu_send_user_message(&fx.emu, 6, 6, "1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 4, 60000), 4);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

/* Crashes in a row make the respawn wait longer and longer, but never
 * leave the runner without a worker: the last one, killed by an update,
 * is replaced at once. The backoff here is a minute, so that waiting it
 * out could not pass for "at once" on a slow machine. */
START_TEST(test_last_worker_respawned_at_once)
{
    bh_test_runner r;
    char key[64];

    runner_init(&r, 2);
    r.opts.respawn_initial_ms = 60000;
    r.opts.respawn_max_ms = 120000;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    bh_emu_send_user_message(&fx.emu, 9, 9, "poison"); /* two crashes in a row */
    bh_emu_send_user_message(&fx.emu, 9, 9, "1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 30000), 1);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "poison_runs"), 2);
    /* The third crash kills the one worker left. */
    int64_t c = bh_emu_send_user_message(&fx.emu, 11, 11, "crash-once");
    snprintf(key, sizeof key, "p:%lld", (long long)c);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

/* Reads a whole file into a malloc'd string. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 1 << 16);
    if (f) {
        size_t n = fread(buf, 1, (1 << 16) - 1, f);
        buf[n] = 0;
        fclose(f);
    }
    return buf;
}

/* A handler past the deadline is logged, with its update and worker, and
 * is not killed: it finishes and the runner goes on. */
START_TEST(test_handler_deadline_logged)
{
    bh_test_runner r;
    char *log_path = bh_test_tmppath("deadline");
    int saved = dup(STDERR_FILENO);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    runner_init(&r, 2);
    r.opts.handler_deadline_ms = 200;
    ck_assert_int_ge(fd, 0);
    /* The runner's processes inherit stderr: send it to the file. */
    dup2(fd, STDERR_FILENO);
    int started = bh_test_runner_start(&r);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    ck_assert_int_eq(started, 0);
    int64_t slow = bh_emu_send_user_message(&fx.emu, 8, 8, "sleep:1500");
    bh_emu_send_user_message(&fx.emu, 9, 9, "1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 2, 60000), 2);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    char *log = slurp(log_path), want[128];
    snprintf(want, sizeof want, "update %lld of source 0 has been running for", (long long)slow);
    ck_assert_msg(strstr(log, want) != NULL, "no overrun line in: %s", log);
    ck_assert_ptr_nonnull(strstr(log, "(deadline 200 ms)"));
    free(log);
    unlink(log_path);
    free(log_path);
}
END_TEST

/* The pid of the master's live child whose process name starts with
 * name, or 0. */
static pid_t child_named(pid_t master, const char *name)
{
    pid_t pid = 0;
    return bh_test_runner_children(master, name, &pid, 1) == 1 ? pid : 0;
}

/* The updater is a process like the workers: killed, it is replaced, and
 * the updates sent meanwhile are all processed once. */
START_TEST(test_updater_killed_respawned)
{
    bh_test_runner r;
    pid_t updater = 0;

    runner_init(&r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    bh_emu_send_user_message(&fx.emu, 3, 3, "1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 60000), 1);
    for (int i = 0; i < 100 && !updater; i++) {
        updater = child_named(r.pid, "bh updater");
        usleep(20 * 1000);
    }
    ck_assert_int_gt(updater, 0);
    kill(updater, SIGKILL);
    for (int n = 2; n <= 6; n++) {
        char text[16];
        snprintf(text, sizeof text, "%d", n);
        bh_emu_send_user_message(&fx.emu, 3, 3, text);
    }
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 6, 60000), 6);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "order_errors"), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "dups"), 0);
    pid_t again = child_named(r.pid, "bh updater");
    ck_assert_int_gt(again, 0);
    ck_assert_int_ne(again, updater);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

START_TEST(test_poison_dead_letter)
{
    bh_test_runner r;
    bh_shared *dl;
    char key[64], *val = NULL;

    runner_init(&r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    int64_t p = bh_emu_send_user_message(&fx.emu, 9, 9, "poison");
    bh_emu_send_user_message(&fx.emu, 9, 9, "1");
    bh_emu_send_user_message(&fx.emu, 10, 10, "1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 2, 60000), 2);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "poison_runs"), 2);
    ck_assert_int_eq(bh_shared_open(fx.st, "bothive.deadletter", &dl), BH_OK);
    snprintf(key, sizeof key, "0:%lld", (long long)p);
    ck_assert_int_eq(bh_shared_get_json(dl, key, &val), BH_OK);
    ck_assert_ptr_nonnull(strstr(val, "killed 2 workers"));
    ck_assert_ptr_nonnull(strstr(val, "poison"));
    free(val);
    bh_shared_close(dl);
    /* The runner goes on. */
    bh_emu_send_user_message(&fx.emu, 9, 9, "2");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 3, 60000), 3);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "poison_runs"), 2);
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
}
END_TEST

START_TEST(test_graceful_restart_no_duplicates)
{
    bh_test_runner r;
    char text[32];

    runner_init(&r, 2);
    r.opts.process_backlog = 1;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    for (int i = 0; i < 30; i++)
        bh_emu_send_user_message(&fx.emu, 20 + i % 3, 20 + i % 3, "sleep:20");
    ck_assert_int_ge(bh_test_runner_wait(fx.st, "total", 3, 60000), 3);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    int64_t done = bh_test_runner_get(fx.st, "total");
    /* What was received was finished and confirmed; the rest is pending. */
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 30 - done);
    for (int i = 0; i < 10; i++) {
        snprintf(text, sizeof text, "sleep:%d", 1);
        bh_emu_send_user_message(&fx.emu, 30, 30, text);
    }
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 40, 60000), 40);
    usleep(300000);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 40);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "dups"), 0);
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
}
END_TEST

/* The pids whose parent is ppid. */
static int children_of(pid_t ppid, pid_t *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) && n < max) {
        char path[300], buf[512];
        FILE *f;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        if (fgets(buf, sizeof buf, f)) {
            char *p = strrchr(buf, ')');
            int pp = 0;
            char state;
            if (p && sscanf(p + 2, "%c %d", &state, &pp) == 2 && pp == ppid)
                out[n++] = (pid_t)atoi(e->d_name);
        }
        fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

/* Alive and not a zombie. */
static int alive(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    int live = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    if (fgets(buf, sizeof buf, f)) {
        char *p = strrchr(buf, ')');
        live = p && p[2] != 'Z' && p[2] != 'X';
    }
    fclose(f);
    return live;
}

/* SIGKILLs the master of r; its workers and updater must follow it. */
static void kill_master(bh_test_runner *r)
{
    pid_t kids[16];
    int nk = children_of(r->pid, kids, 16), left;

    ck_assert_int_ge(nk, 3); /* 2 workers and the updater */
    kill(r->pid, SIGKILL);
    ck_assert_int_eq(bh_test_wait(r->pid), 128 + SIGKILL);
    r->pid = 0;
    int64_t end = bh_test_now_ms() + 10000;
    do {
        left = 0;
        for (int i = 0; i < nk; i++)
            left += alive(kids[i]);
        if (left)
            usleep(20000);
    } while (left && bh_test_now_ms() < end);
    ck_assert_int_eq(left, 0);
}

START_TEST(test_master_sigkill)
{
    bh_test_runner r;
    int64_t ids[12];

    runner_init(&r, 2);
    r.opts.process_backlog = 1;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    for (int i = 0; i < 12; i++)
        ids[i] = bh_emu_send_user_message(&fx.emu, 40 + i % 4, 40 + i % 4, "sleep:200");
    ck_assert_int_ge(bh_test_runner_wait(fx.st, "total", 2, 60000), 2);
    kill_master(&r);
    ck_assert_int_lt(bh_test_runner_get(fx.st, "total"), 12);
    /* Every update not finished before is processed after a restart. */
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    char key[64];
    for (int i = 0; i < 12; i++) {
        snprintf(key, sizeof key, "p:%lld", (long long)ids[i]);
        ck_assert_int_ge(bh_test_runner_wait(fx.st, key, 1, 60000), 1);
    }
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
}
END_TEST

/* Waits (up to a minute) until the master has marked the n updates of
 * source 0 in ids as done in the store (src/runner/doneset.c). */
static void wait_done_marks(const int64_t *ids, int n)
{
    int64_t end = bh_test_now_ms() + 60000;
    bh_shared *done;
    int marked = 0;

    ck_assert_int_eq(bh_shared_open(fx.st, "bothive.done", &done), BH_OK);
    while (marked < n && bh_test_now_ms() < end) {
        char key[48];
        snprintf(key, sizeof key, "0:%lld", (long long)ids[marked]);
        if (bh_shared_contains(done, key) == 1)
            marked++;
        else
            usleep(10000);
    }
    bh_shared_close(done);
    ck_assert_int_eq(marked, n);
}

/* Updates that finished behind a slow one are not confirmed to Telegram
 * (the slow one holds the offset back) and come again after a crash of the
 * master; the store remembers they were done, so they do not run twice. */
START_TEST(test_master_sigkill_no_rerun)
{
    bh_test_runner r;
    int64_t slow, fast[4];
    char key[64];

    runner_init(&r, 2);
    r.opts.process_backlog = 1;
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    slow = bh_emu_send_user_message(&fx.emu, 80, 80, "sleep:3000");
    snprintf(key, sizeof key, "b:%lld", (long long)slow);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 60000), 1); /* a worker is inside it */
    for (int i = 0; i < 4; i++)
        fast[i] = bh_emu_send_user_message(&fx.emu, 81 + i, 81 + i, "sleep:10");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 4, 60000), 4);
    wait_done_marks(fast, 4); /* their DONE reached the master */
    kill_master(&r);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 4); /* the slow one never ended */
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    snprintf(key, sizeof key, "p:%lld", (long long)slow);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 60000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "total"), 5);
    ck_assert_int_eq(bh_test_runner_get(fx.st, "dups"), 0);
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 0);
}
END_TEST

START_TEST(test_second_signal_stops_at_once)
{
    bh_test_runner r;

    runner_init(&r, 2);
    ck_assert_int_eq(bh_test_runner_start(&r), 0);
    bh_emu_send_user_message(&fx.emu, 70, 70, "sleep:1");
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 30000), 1);
    int64_t id = bh_emu_send_user_message(&fx.emu, 70, 70, "sleep:20000");
    char key[64];
    snprintf(key, sizeof key, "b:%lld", (long long)id);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, key, 1, 30000), 1); /* the long handler runs */
    kill(r.pid, SIGTERM);
    usleep(300000);
    int64_t t0 = bh_test_now_ms();
    kill(r.pid, SIGINT);
    ck_assert_int_eq(bh_test_wait(r.pid), 1); /* bh_runner_run failed: BH_EINTR */
    ck_assert_int_lt(bh_test_now_ms() - t0, 5000);
    /* The long update was not confirmed: it is delivered again. */
    ck_assert_int_eq(bh_test_runner_fx_stat(&fx, "pending_updates"), 1);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, setup, teardown, 200);
}

/* One case per test, so that CK_RUN_CASE=<name> runs one alone. */
static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner_core");
    add(s, "order", test_per_chat_order);
    add(s, "killed", test_worker_killed_retried);
    add(s, "poison", test_poison_dead_letter);
    add(s, "last_worker", test_last_worker_respawned_at_once);
    add(s, "deadline", test_handler_deadline_logged);
    add(s, "updater_killed", test_updater_killed_respawned);
    add(s, "restart", test_graceful_restart_no_duplicates);
    add(s, "master_kill", test_master_sigkill);
    add(s, "master_kill_no_rerun", test_master_sigkill_no_rerun);
    add(s, "second_signal", test_second_signal_stops_at_once);
    return s;
}

int main(void)
{
    return bh_test_run_suite(runner_suite());
}
