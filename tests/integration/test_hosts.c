/*
 * Several hosts serving one bot through Redis, end to end: three runners
 * of the test application (tests/common/runner_app.c), each a separate
 * process tree in its own PID and UTS namespace (a "host" named h1, h2,
 * h3; plain process trees when unshare is refused), one redis-server the
 * test starts, and the emulator. Bursts over many chats check that no
 * update is lost, none runs twice in steady state, per-chat order holds,
 * the work spreads over the hosts and Telegram answers no 409; then the
 * polling host and a partition owner are SIGKILLed mid-burst, and a host
 * is stopped longer than its lease and resumed.
 */
#include <check.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "bothive/bothive.h"
#include "emu_proc.h"
#include "hosts_proc.h"
#include "redis_proc.h"
#include "runner/hosts.h"
#include "runner_app.h"
#include "testutil.h"

#define NHOSTS 3
#define LEASE_MS 3000
#define TOKEN "4242:HOSTS"
#define WAIT_MS 90000

static bh_emu_proc emu;
static bh_redis_proc rp;
static bh_store *st;
static void host_configure(bh_test_hosts *hs, int i, bh_test_runner *r);
static bh_test_hosts hs = {.n = NHOSTS, .tags = {"h1", "h2", "h3"}, .configure = host_configure};
static int timer_seconds; /* the hosts' timer, 0: none */

static void setup(void)
{
    if (!getenv("BOTHIVE_LOG"))
        bh_log_set_level(BH_LOG_WARN);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "3000", 1);
    ck_assert_int_eq(bh_redis_start(&rp), 0);
    ck_assert_int_eq(bh_emu_start(&emu, TOKEN), 0);
    ck_assert_int_eq(bh_store_open(&st, rp.url, NULL), BH_OK);
}

static void teardown(void)
{
    bh_test_hosts_kill_all(&hs);
    bh_store_close(st);
    bh_emu_stop(&emu);
    bh_redis_stop(&rp);
}

/*
 * The scheduling hosts (sched_mode): a runner application of their own
 * with scheduled jobs kept in the store as the bot layer keeps them, in
 * small: an update "at:<wall ms>" schedules the one job at that time (and
 * tells the runner, bh_runner_wake); a look runs it when due, once for
 * the bot (claimed by a counter), or asks to be woken at its time.
 */
static int sched_mode;

typedef struct sched_app {
    bh_shared *mem;
    const char *tag;
} sched_app;

static int sched_worker_start(void *arg, bh_store *store, int worker_no)
{
    (void)worker_no;
    return bh_shared_open(store, "test", &((sched_app *)arg)->mem) == BH_OK ? 0 : -1;
}

static void sched_worker_stop(void *arg)
{
    bh_shared_close(((sched_app *)arg)->mem);
}

/* A look at the job: run when due, else a wake-up at its time. */
static void sched_look(sched_app *a)
{
    int64_t due = 0, n = 0, now = bh_clock_wall_ms();
    char key[64];

    bh_shared_get_int(a->mem, "sched_due", &due);
    if (!due)
        return;
    if (now < due) {
        bh_runner_wake(0, due);
        return;
    }
    if (bh_shared_incr(a->mem, "sched_runs", 1, &n) == BH_OK && n == 1) {
        bh_shared_set_int(a->mem, "sched_ran_at", now);
        snprintf(key, sizeof key, "sched_host:%s", a->tag);
        bh_shared_set_int(a->mem, key, 1);
    }
}

static int sched_handle(void *arg, const bh_job *job)
{
    sched_app *a = arg;
    char key[64];

    if (job->kind == BH_JOB_SCHEDULE) {
        sched_look(a);
        return 0;
    }
    if (job->kind != BH_JOB_UPDATE)
        return 0;
    const char *at = job->json ? strstr(job->json, "at:") : NULL;
    if (at) {
        int64_t due = atoll(at + 3);
        bh_shared_set_int(a->mem, "sched_due", due);
        bh_runner_wake(0, due);
        snprintf(key, sizeof key, "sched_by:%s", a->tag);
        bh_shared_set_int(a->mem, key, 1);
    }
    snprintf(key, sizeof key, "p:%lld", (long long)job->update_id);
    bh_shared_incr(a->mem, key, 1, NULL);
    return 0;
}

static void sched_host_run(int i, bh_test_runner *r) __attribute__((noreturn));
static void sched_host_run(int i, bh_test_runner *r)
{
    static sched_app sa;
    bh_runner_source src;
    bh_runner_app app = {.arg = &sa, .sources = &src, .nsources = 1,
                         .worker_start = sched_worker_start, .handle = sched_handle,
                         .worker_stop = sched_worker_stop};

    bh_test_runner_init(r, &emu, rp.url, 2);
    src = (bh_runner_source){.token = r->token, .schedule = 1};
    sa.tag = hs.tags[i];
    r->opts.store_url = rp.url;
    r->opts.shutdown_timeout_ms = 20000;
    r->opts.poll_timeout_s = 2;
    pid_t pid = fork();
    if (pid == 0)
        _exit(bh_runner_run(&app, &r->opts) == 0 ? 0 : 1);
    _exit(pid > 0 ? bh_test_wait(pid) : 1);
}

/* In host i's first process, inside its namespaces (hosts_proc.h): the
 * test application's runner, or in sched_mode a runner of its own, which
 * this never returns from. */
static void host_configure(bh_test_hosts *h, int i, bh_test_runner *r)
{
    (void)h;
    if (sched_mode)
        sched_host_run(i, r);
    bh_test_runner_init(r, &emu, rp.url, 2);
    r->delay_us = 3000;
    r->timer_seconds = timer_seconds;
}

static void host_start(int i)
{
    bh_test_host_start(&hs, i);
}

static void host_kill(int i)
{
    bh_test_host_kill(&hs, i);
}

/* The host (index) holding lease name, or -1. */
static int lease_holder(const char *name)
{
    return bh_test_hosts_holder(&hs, rp.port, "4242", name);
}

/* Waits until every partition is held and each live host holds its share
 * (the hosts have settled), and someone polls. Only the poller is asserted:
 * the cases check what they need of the shares themselves. */
static void hosts_ready(void)
{
    int64_t end = bh_test_now_ms() + WAIT_MS;
    bh_test_hosts_settled(&hs, rp.port, "4242", 16);
    while (lease_holder("intake") < 0 && bh_test_now_ms() < end)
        usleep(50000);
    ck_assert_int_ge(lease_holder("intake"), 0);
    ck_assert_msg(bh_test_hosts_polling(rp.port, "4242"), "the intake took no offset");
}

/* The burst and the check of hosts_proc.h on this file's emulator and
 * store: n numbered messages over chats 1..chats; every update of ids
 * processed at least once. */
static void burst(int n, int chats, int64_t *seq, int64_t *ids)
{
    bh_test_hosts_burst(&emu, n, chats, seq, NULL, ids);
}

static void all_processed(const int64_t *ids, int n)
{
    bh_test_hosts_processed(st, ids, n, WAIT_MS);
}

static int64_t emu_stat(const char *name)
{
    int64_t v = -1;
    ck_assert_int_eq(bh_emu_stat(&emu, name, &v), 0);
    return v;
}

#define N 300
#define CHATS 40

START_TEST(test_three_hosts_burst)
{
    int64_t seq[CHATS + 1], ids[N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    int64_t conflicts0 = emu_stat("poll_conflicts");
    burst(N, CHATS, seq, ids);
    all_processed(ids, N);
    ck_assert_int_eq(bh_test_runner_wait(st, "total", N, WAIT_MS), N);
    usleep(500000);
    ck_assert_int_eq(bh_test_runner_get(st, "total"), N);
    ck_assert_int_eq(bh_test_runner_get(st, "dups"), 0);
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
    for (int i = 0; i < NHOSTS; i++) {
        char key[32];
        snprintf(key, sizeof key, "host:%s", hs.tags[i]);
        int64_t got = bh_test_runner_get(st, key);
        fprintf(stderr, "test_hosts: %s ran %lld of %d\n", hs.tags[i], (long long)got, N);
        ck_assert_int_gt(got, N / 10);
    }
    ck_assert_int_eq(emu_stat("poll_conflicts") - conflicts0, 0);
    /* Everything acknowledged: nothing left pending in the store. */
    ck_assert_int_eq(emu_stat("pending_updates"), 0);
}
END_TEST

START_TEST(test_kill_poller_and_owner)
{
    int64_t seq[CHATS + 1], ids[2 * N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    burst(N, CHATS, seq, ids);
    bh_test_runner_wait(st, "total", N / 3, WAIT_MS);
    int poller = lease_holder("intake");
    ck_assert_int_ge(poller, 0);
    host_kill(poller);
    /* A partition owner other than the poller. */
    int owner = -1;
    for (int p = 0; p < 16 && owner < 0; p++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", p);
        int h = lease_holder(name);
        if (h >= 0 && h != poller)
            owner = h;
    }
    ck_assert_int_ge(owner, 0);
    burst(N, CHATS, seq, ids + N);
    bh_test_runner_wait(st, "total", N + N / 2, WAIT_MS);
    host_kill(owner);
    all_processed(ids, 2 * N);
    int64_t dups = bh_test_runner_get(st, "dups");
    fprintf(stderr, "test_hosts: after two kills, %lld duplicate(s), %lld order error(s)\n",
            (long long)dups, (long long)bh_test_runner_get(st, "order_errors"));
    /* Reruns are of what was in flight on the dead hosts: a few per
     * worker and per acknowledgement not yet flushed. A handler killed
     * after it moved its chat's number but before it counted the update
     * is rerun as an order error that counts no duplicate: at most one
     * per worker of each dead host. */
    ck_assert_int_le(dups, 40);
    ck_assert_int_le(bh_test_runner_get(st, "order_errors"), dups + 2 * 2);
}
END_TEST

START_TEST(test_stopped_host_does_not_run)
{
    int64_t seq[CHATS + 1], ids[N];
    char key[32];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    /* Slow handlers: host 1 has updates queued when it is stopped. */
    for (int k = 0; k < 60; k++) {
        int chat = 1 + k % CHATS;
        ids[k] = bh_emu_send_user_message(&emu, chat, chat, "sleep:100");
    }
    bh_test_runner_wait(st, "total", 10, WAIT_MS);
    kill(-hs.pg[1], SIGSTOP);
    snprintf(key, sizeof key, "host:%s", hs.tags[1]);
    int64_t before = bh_test_runner_get(st, key);
    /* The others take its partitions once its leases lapse. */
    int64_t end = bh_test_now_ms() + WAIT_MS;
    for (int still = 1; still && bh_test_now_ms() < end;) {
        still = 0;
        for (int p = 0; p < 16; p++) {
            char name[16];
            snprintf(name, sizeof name, "p%d", p);
            still |= lease_holder(name) == 1 || lease_holder(name) < 0;
        }
        usleep(100000);
    }
    burst(N - 60, CHATS, seq, ids + 60);
    usleep(LEASE_MS * 1000);
    kill(-hs.pg[1], SIGCONT);
    all_processed(ids, N);
    usleep(2000000);
    int64_t after = bh_test_runner_get(st, key);
    fprintf(stderr, "test_hosts: the stopped host ran %lld update(s) after it resumed\n",
            (long long)(after - before));
    /* Only what its two workers were running when it was stopped. */
    ck_assert_int_le(after - before, 2);
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
}
END_TEST

/* A 1 s timer with 3 hosts runs about once a second in all, not once per
 * host (the timers' lease). */
START_TEST(test_timer_once_per_period)
{
    timer_seconds = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    /* Every host has started and sought the lease. */
    bh_test_runner_wait(st, "timer_runs", 2, WAIT_MS);
    int64_t t0 = bh_test_now_ms(), r0 = bh_test_runner_get(st, "timer_runs");
    usleep(6000000);
    int64_t runs = bh_test_runner_get(st, "timer_runs") - r0;
    int64_t secs = (bh_test_now_ms() - t0 + 500) / 1000;
    fprintf(stderr, "test_hosts: %lld timer run(s) in %lld s with %d hosts\n", (long long)runs,
            (long long)secs, NHOSTS);
    /* Once per period per host would be 3 a second. */
    ck_assert_int_le(runs, secs + 2);
    ck_assert_int_ge(runs, 1);
}
END_TEST

/* The backlog is skipped at the bot's very first start only: not when a
 * host restarts or joins. */
START_TEST(test_backlog_first_start_only)
{
    int64_t old[3], mid[2], later[3];
    char key[64];

    for (int k = 0; k < 3; k++)
        old[k] = bh_emu_send_user_message(&emu, 7, 7, "sleep:0");
    host_start(0);
    hosts_ready();
    for (int k = 0; k < 2; k++)
        mid[k] = bh_emu_send_user_message(&emu, 8, 8, "sleep:0");
    all_processed(mid, 2);
    host_kill(0);
    for (int k = 0; k < 3; k++)
        later[k] = bh_emu_send_user_message(&emu, 9, 9, "sleep:0");
    host_start(1);
    all_processed(later, 3);
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "p:%lld", (long long)old[k]);
        ck_assert_int_eq(bh_test_runner_get(st, key), 0);
    }
    /* The 5 after the first start ran; host 0 was killed, so the 2 it ran
     * may run again on host 1 (done, but their acknowledgement had not
     * reached Redis yet: acknowledgements ride on the next read), and
     * nothing else may. */
    int64_t total = bh_test_runner_get(st, "total");
    ck_assert_int_ge(total, 5);
    ck_assert_int_le(total, 5 + 2);
}
END_TEST

/* Redis stopped longer than the leases, then resumed: what was sent
 * meanwhile is processed once it answers again, nothing is lost, and the
 * hosts share the partitions again. */
START_TEST(test_redis_stopped)
{
    int64_t seq[CHATS + 1], ids[2 * 100];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    burst(100, CHATS, seq, ids);
    all_processed(ids, 100);
    kill(rp.pid, SIGSTOP);
    burst(100, CHATS, seq, ids + 100);
    usleep(30 * 1000000); /* ten leases */
    kill(rp.pid, SIGCONT);
    all_processed(ids, 200);
    int64_t dups = bh_test_runner_get(st, "dups");
    fprintf(stderr, "test_hosts: after Redis was stopped, %lld duplicate(s)\n", (long long)dups);
    ck_assert_int_le(dups, 40);
    /* A handler blocked on Redis past its lease is ended; if it had moved
     * its chat's number, its rerun is an order error without a
     * duplicate: at most one per worker. */
    ck_assert_int_le(bh_test_runner_get(st, "order_errors"), dups + 2 * NHOSTS);
    hosts_ready();
}
END_TEST

/* The dead letter of update id, written by a feeder (the masters make no
 * store call): waits for it; 1 when there. */
static int dead_letter(int64_t id, int64_t ms)
{
    char key[64], *val = NULL;
    bh_shared *dl;
    int64_t end = bh_test_now_ms() + ms;
    int got = 0;

    snprintf(key, sizeof key, "4242:0:%lld", (long long)id);
    ck_assert_int_eq(bh_shared_open(st, "bothive.deadletter", &dl), BH_OK);
    while (!got && bh_test_now_ms() < end) {
        if (bh_shared_get_json(dl, key, &val) == BH_OK) {
            got = strstr(val, "poison") != NULL;
            ck_assert_ptr_nonnull(strstr(val, "killed 2 workers"));
            fprintf(stderr, "test_hosts: dead letter %s\n", val);
            free(val);
        } else {
            usleep(20000);
        }
    }
    bh_shared_close(dl);
    return got;
}

/* The host (index) holding the partition of chat's updates, or -1. */
static int chat_owner(int chat)
{
    char name[16];
    snprintf(name, sizeof name, "p%d", bh_hosts_part_of(BH_KEY_CHAT, chat, 16));
    return lease_holder(name);
}

/* A poison update (its hook kills its worker) over 3 hosts: set aside by
 * the feeder after 2 crashes counted in the log, then acknowledged: never
 * run again, and the chat goes on. */
START_TEST(test_dead_letter)
{
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    int64_t p = bh_emu_send_user_message(&emu, 9, 9, "poison");
    ck_assert_int_gt(p, 0);
    ck_assert_int_eq(dead_letter(p, WAIT_MS), 1);
    int64_t after = bh_emu_send_user_message(&emu, 9, 9, "sleep:0");
    all_processed(&after, 1);
    usleep(1000000);
    ck_assert_int_eq(bh_test_runner_get(st, "poison_runs"), 2);
    ck_assert_int_eq(emu_stat("pending_updates"), 0);
}
END_TEST

/* The crashes are counted across hosts: the first run of a poison
 * update kills its worker (counted), the second its whole host (no one
 * can count that), the third, on the partition's next owner, its worker
 * again: that is the second crash counted, and it is set aside. Counted
 * per host, the next owner would run it twice. */
START_TEST(test_dead_letter_across_hosts)
{
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    int owner = chat_owner(9);
    ck_assert_int_ge(owner, 0);
    int64_t p = bh_emu_send_user_message(&emu, 9, 9, "poison-host");
    ck_assert_int_eq(dead_letter(p, WAIT_MS), 1);
    usleep(1000000);
    int64_t runs = bh_test_runner_get(st, "poison_runs");
    fprintf(stderr, "test_hosts: the poison update ran %lld time(s)\n", (long long)runs);
    ck_assert_int_eq(runs, 3);
    /* Its first host is gone, the others serve the chat. */
    ck_assert_int_eq(waitpid(hs.pg[owner], NULL, WNOHANG), hs.pg[owner]);
    hs.pg[owner] = 0;
    ck_assert_int_ne(chat_owner(9), owner);
    int64_t after = bh_emu_send_user_message(&emu, 9, 9, "sleep:0");
    all_processed(&after, 1);
    ck_assert_int_eq(bh_test_runner_get(st, "poison_runs"), 3);
}
END_TEST

/* The pid of host i's feeder (the process "bh updater" in its process
 * group), or -1. */
static pid_t feeder_of(int i)
{
    pid_t found = -1;
    for (pid_t pid = 2; pid < 4194304 && found < 0; pid++) {
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f) {
            if (errno == ENOENT && pid > 65536)
                break;
            continue;
        }
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *close = strrchr(buf, ')');
        int pgrp = 0;
        if (strstr(buf, "(bh updater)") && close &&
            sscanf(close + 2, "%*c %*d %d", &pgrp) == 1 && pgrp == hs.pg[i])
            found = pid;
    }
    return found;
}

/* A feeder SIGKILLed while its master lives: its replacement does not
 * send again what the master holds (queued, running, or done and maybe
 * not acknowledged), so per-chat order holds and nothing runs twice. */
START_TEST(test_feeder_killed)
{
    int64_t seq[CHATS + 1], ids[2 * N];

    for (int c = 0; c <= CHATS; c++)
        seq[c] = 1;
    for (int i = 0; i < NHOSTS; i++)
        host_start(i);
    hosts_ready();
    burst(N, CHATS, seq, ids);
    for (int i = 0; i < NHOSTS; i++) {
        bh_test_runner_wait(st, "total", (i + 1) * N / 4, WAIT_MS);
        pid_t fp = feeder_of(i);
        ck_assert_int_gt(fp, 0);
        ck_assert_int_eq(kill(fp, SIGKILL), 0);
    }
    burst(N, CHATS, seq, ids + N);
    all_processed(ids, 2 * N);
    ck_assert_int_eq(bh_test_runner_wait(st, "total", 2 * N, WAIT_MS), 2 * N);
    usleep(500000);
    fprintf(stderr, "test_hosts: feeders killed: %lld duplicate(s), %lld order error(s)\n",
            (long long)bh_test_runner_get(st, "dups"),
            (long long)bh_test_runner_get(st, "order_errors"));
    ck_assert_int_eq(bh_test_runner_get(st, "order_errors"), 0);
    ck_assert_int_eq(bh_test_runner_get(st, "dups"), 0);
    ck_assert_int_eq(bh_test_runner_get(st, "total"), 2 * N);
    for (int i = 0; i < NHOSTS; i++)
        ck_assert_int_eq(waitpid(hs.pg[i], NULL, WNOHANG), 0); /* the hosts live */
}
END_TEST

/* The calls of one command so far (INFO commandstats). */
static long long redis_calls(const char *name)
{
    redisContext *c = redisConnect("127.0.0.1", rp.port);
    redisReply *r = c && !c->err ? redisCommand(c, "INFO commandstats") : NULL;
    char key[64];
    long long n = 0;

    snprintf(key, sizeof key, "cmdstat_%s:calls=", name);
    if (r && r->type == REDIS_REPLY_STRING && strstr(r->str, key))
        n = atoll(strstr(r->str, key) + strlen(key));
    freeReplyObject(r);
    redisFree(c);
    return n;
}

/* An idle host does not spin on Redis: it waits there for entries (a
 * blocking read), so that over 3 s its calls stay far below a 10 ms
 * poll's 300 (its 16 leases are renewed every 750 ms: about 64), and an
 * update sent then is still dispatched. */
START_TEST(test_idle_does_not_spin)
{
    host_start(0);
    hosts_ready();
    usleep(500000);
    long long c0 = redis_calls("eval") + redis_calls("evalsha") + redis_calls("xread");
    usleep(3000000);
    long long calls = redis_calls("eval") + redis_calls("evalsha") + redis_calls("xread") - c0;
    fprintf(stderr, "test_hosts: an idle host made %lld call(s) in 3 s\n", calls);
    ck_assert_int_le(calls, 250);
    ck_assert_int_gt(redis_calls("xread"), 0);
    int64_t id = bh_emu_send_user_message(&emu, 3, 3, "sleep:0");
    all_processed(&id, 1);
}
END_TEST

/* A job scheduled on host A, which is SIGKILLed before it is due: host B
 * runs it at its time (the due time is published through Redis), not at
 * some later look of its own (it would have none). */
START_TEST(test_schedule_survives_its_host)
{
    sched_mode = 1;
    host_start(0);
    host_start(1);
    hosts_ready();
    int chat = 1;
    while (chat < 1000 && chat_owner(chat) != 0)
        chat++;
    ck_assert_int_lt(chat, 1000);
    int64_t due = bh_clock_wall_ms() + 5000;
    char text[48];
    snprintf(text, sizeof text, "at:%lld", (long long)due);
    int64_t id = bh_emu_send_user_message(&emu, chat, chat, text);
    all_processed(&id, 1);
    ck_assert_int_eq(bh_test_runner_get(st, "sched_by:h1"), 1);
    /* Its acknowledgement in Redis (else host B runs the update again,
     * and learns the time from it). */
    usleep(1000000);
    host_kill(0);
    ck_assert_int_lt(bh_clock_wall_ms(), due); /* killed before it was due */
    ck_assert_int_eq(bh_test_runner_wait(st, "sched_runs", 1, WAIT_MS), 1);
    int64_t late = bh_test_runner_get(st, "sched_ran_at") - due;
    fprintf(stderr, "test_hosts: the job of the dead host ran %lld ms after its time\n",
            (long long)late);
    ck_assert_int_ge(late, 0);
    /* About once its time came (a second, and room for a loaded machine;
     * without the shared wake-up it would not run at all). */
    ck_assert_int_le(late, 5000);
    ck_assert_int_eq(bh_test_runner_get(st, "sched_host:h2"), 1);
    usleep(1000000);
    ck_assert_int_eq(bh_test_runner_get(st, "sched_runs"), 1);
    char key[32];
    snprintf(key, sizeof key, "p:%lld", (long long)id);
    ck_assert_int_eq(bh_test_runner_get(st, key), 1); /* not run again on B */
}
END_TEST

/* Lease name of bot 4242 in the test's redis-server: its value into buf
 * (empty when not held), and its time left in ms (-2: none). */
static long long lease_look(const char *name, char *buf, size_t len)
{
    redisContext *c = redisConnect("127.0.0.1", rp.port);
    long long pttl = -2;

    ck_assert(c && !c->err);
    redisReply *r = redisCommand(c, "GET bothive:h:{4242}:lease:%s", name);
    snprintf(buf, len, "%s", r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
    r = redisCommand(c, "PTTL bothive:h:{4242}:lease:%s", name);
    if (r && r->type == REDIS_REPLY_INTEGER)
        pttl = r->integer;
    freeReplyObject(r);
    redisFree(c);
    return pttl;
}

/*
 * The master's view of a lease lapses while the lease still holds in the
 * store (the feeder could not renew in time: stopped here, as a slow or
 * restarting Redis makes it), and the feeder then renews the same lease,
 * with the same epoch: the update whose run the master ended at the lapse
 * runs again on this host. Before the master told the feeder (a NACK),
 * the entry stayed "in flight" in the feeder and never ran.
 */
START_TEST(test_lapse_then_renewed)
{
    char name[16], before[128], after[128], key[64];

    setenv("BOTHIVE_HOSTS_LEASE_MS", "10000", 1);
    host_start(0);
    hosts_ready();
    snprintf(name, sizeof name, "p%d", bh_hosts_part_of(BH_KEY_CHAT, 5, 16));
    int64_t id = bh_emu_send_user_message(&emu, 5, 5, "sleep:11000");
    snprintf(key, sizeof key, "b:%lld", (long long)id);
    ck_assert_int_eq(bh_test_runner_wait(st, key, 1, WAIT_MS), 1);
    pid_t fp = feeder_of(0);
    ck_assert_int_gt(fp, 0);
    ck_assert_int_eq(kill(fp, SIGSTOP), 0);
    long long left = lease_look(name, before, sizeof before);
    ck_assert_int_gt(left, 2000); /* renewed every 2.5 s */
    /* The master's view ends at least a tenth of the lease (1 s) before
     * the lease: resumed half a second before it ends, the feeder renews
     * it, the same epoch. */
    usleep((useconds_t)(left - 500) * 1000);
    ck_assert_int_eq(kill(fp, SIGCONT), 0);
    all_processed(&id, 1);
    lease_look(name, after, sizeof after);
    ck_assert_str_eq(after, before); /* renewed, not taken anew */
    ck_assert_int_eq(bh_test_runner_get(st, key), 2); /* ended, then run again */
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, setup, teardown, 240);
}

static Suite *hosts_suite(void)
{
    Suite *s = suite_create("hosts");
    add(s, "burst", test_three_hosts_burst);
    add(s, "kill", test_kill_poller_and_owner);
    add(s, "stopped", test_stopped_host_does_not_run);
    add(s, "timer", test_timer_once_per_period);
    add(s, "backlog", test_backlog_first_start_only);
    add(s, "redis_stopped", test_redis_stopped);
    add(s, "dead_letter", test_dead_letter);
    add(s, "dead_letter_hosts", test_dead_letter_across_hosts);
    add(s, "feeder_killed", test_feeder_killed);
    add(s, "idle", test_idle_does_not_spin);
    add(s, "schedule", test_schedule_survives_its_host);
    add(s, "lapse", test_lapse_then_renewed);
    return s;
}

int main(void)
{
    return bh_test_run_suite(hosts_suite());
}
