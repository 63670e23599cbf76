/*
 * Broadcast: a bot with 4 workers sends one text to 2,000 chats against
 * the emulator with --flood, which answers 429 to any send beyond the
 * limit. The figures: messages per second achieved against the limit
 * (target >= 95%) and the 429s the emulator answered (target 0): the
 * bot's shared rate limiter must keep the 4 workers together under the
 * limit and still use all of it.
 *
 * The bot (bh_bot_run, 4 workers, a mem: store) has a command /broadcast
 * K; four of them, sent in four chats, make four handlers each send to a
 * quarter of the 2,000 chats at once. The time runs from the first send
 * the emulator stored to the last (its sent_messages counter, read every
 * 5 ms).
 *
 * Telegram's global limit is 30 messages a second, at which 2,000 sends
 * take 67 s; to keep the benchmark short the emulator's limit and the
 * bot's are both raised to --rate (default 200 a second; --rate 30 runs
 * Telegram's own), with the emulator's burst a third of a second of sends
 * as --flood's default is (10 at 30/s). The ratio is what matters.
 *
 * With --redis-port PORT (run.sh passes the redis-server it starts), the
 * same broadcast again by 2 runner processes of the bot (hosts mode, each
 * with its 4 workers) sharing a redis:// store, as two hosts would: the
 * limiter's state is in Redis, so the two must keep together under the
 * limit too. Each /broadcast runs on the host owning its chat's partition.
 *
 *   bench_broadcast [--quick] [--chats N] [--rate R] [--redis-port PORT]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_util.h"
#include "util.h"

#define TOKEN "4343:BROADCAST"
#define WORKERS 4
#define ADMIN_CHAT 1000000  /* the chats /broadcast is sent in, above the targets */

static int nchats;

/* /broadcast K: sends the text to the chats 1 + K, 1 + K + 4, ... */
static int broadcast(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    int k = args->argc > 0 ? atoi(args->argv[0]) : 0;
    (void)msg;
    for (int chat = 1 + k; chat <= nchats; chat += WORKERS) {
        int rc = bh_chat_send(ctx, chat, "Big news: bothive broadcasts within Telegram's limits.");
        if (rc != BH_OK)
            return rc;
    }
    return BH_HANDLED;
}

/* The bot of token, in a child process over store (host is its host
 * name in hosts mode): runs until SIGTERM. */
static pid_t start_bot(const char *token, const char *url, const char *store, const char *host,
                       double rate)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    bh_ratelimit_options rl = {.global_per_sec = rate};
    /* A handler's quarter of the chats takes 67 s at Telegram's 30/s. */
    bh_run_options ro = {.workers = WORKERS, .store_url = store, .api_url = url,
                         .handler_deadline_ms = 600000};
    bh_bot *bot = bh_bot_new(token);
    setenv("BOTHIVE_LOG", "warn", 1);
    if (host)
        setenv("BOTHIVE_HOST_NAME", host, 1);
    if (!bot || bh_bot_ratelimit(bot, &rl) != BH_OK ||
        bh_bot_command(bot, "broadcast", broadcast, "Send the news to every chat") != BH_OK)
        _exit(1);
    _exit(bh_bot_run(bot, &ro) == BH_OK ? 0 : 1);
}

/* Makes the n chats (a user writes in each), before the bot starts: it
 * skips that backlog. */
static int make_chats(bh_bench_emu *e, int n)
{
    char body[128];
    for (int chat = 1; chat <= n; chat++) {
        snprintf(body, sizeof body, "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"hi\"}", chat, chat);
        if (bh_bench_emu_post(e, "/control/message", body, NULL) != 200)
            return -1;
    }
    return 0;
}

/* Waits (up to 60 s) until the bot polls with the n messages of the
 * backlog confirmed: a command sent before would be skipped with them. */
static int wait_polling(bh_bench_emu *e, int n)
{
    for (int i = 0; i < 6000; i++) {
        if (bh_bench_emu_stat(e, "updates_confirmed") >= n && bh_bench_emu_stat(e, "pending_updates") == 0)
            return 0;
        usleep(10000);
    }
    return -1;
}

/* Sends the four /broadcast commands and times the sends, from the first
 * the emulator stored to the n-th. Returns the seconds, or -1. */
static double run_broadcast(bh_bench_emu *e, int n)
{
    char body[160];
    uint64_t t0 = 0, t1 = 0, deadline;
    for (int k = 0; k < WORKERS; k++) {
        snprintf(body, sizeof body, "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"/broadcast %d\"}",
                 ADMIN_CHAT + k, ADMIN_CHAT + k, k);
        if (bh_bench_emu_post(e, "/control/message", body, NULL) != 200)
            return -1;
    }
    deadline = bh_bench_now_ns() + (uint64_t)(30 + 3 * n / 30) * 1000000000ull;
    while (bh_bench_now_ns() < deadline) {
        int64_t sent = bh_bench_emu_stat(e, "sent_messages");
        uint64_t now = bh_bench_now_ns();
        if (sent >= 1 && !t0)
            t0 = now;
        if (sent >= n) {
            t1 = now;
            break;
        }
        usleep(5000);
    }
    return t1 ? (double)(t1 - t0) / 1e9 : -1;
}

/* One broadcast to nchats chats by nbots runner processes of token over
 * store (hosts mode when it is redis://), under --flood at rate; prints
 * its RESULT and TARGET lines (named with tag). Returns 0, or 1. */
static int bench_one(const char *token, const char *store, int nbots, double rate, const char *tag)
{
    static const char *const flood[] = {"--flood", NULL};
    char limits[160], host[16];
    pid_t bots[2] = {0, 0};
    bh_bench_emu e;
    double secs = 0;
    int status = 0;

    if (bh_bench_emu_start(&e, token, flood) != 0) {
        fprintf(stderr, "bench_broadcast: cannot start the emulator (set BOTHIVE_BIN)\n");
        return 1;
    }
    snprintf(limits, sizeof limits, "{\"global_per_sec\":%g,\"global_burst\":%d}", rate,
             rate / 3 > 10 ? (int)(rate / 3) : 10);
    if (bh_bench_emu_post(&e, "/control/flood", limits, NULL) != 200 || make_chats(&e, nchats) != 0) {
        fprintf(stderr, "bench_broadcast: the emulator refused the setup\n");
        bh_bench_emu_stop(&e);
        return 1;
    }
    for (int i = 0; i < nbots; i++) {
        snprintf(host, sizeof host, "b%d", i);
        bots[i] = start_bot(token, e.url, store, nbots > 1 ? host : NULL, rate);
    }
    /* Hosts mode: both hosts beat and share the partitions (a few
     * heartbeats of the 3 s lease) before the commands come. */
    if (nbots > 1 && bots[nbots - 1] > 0 && wait_polling(&e, nchats) == 0)
        sleep(4);
    if (bots[nbots - 1] < 0 || wait_polling(&e, nchats) != 0 || (secs = run_broadcast(&e, nchats)) <= 0) {
        fprintf(stderr, "bench_broadcast: the bot did not send to every chat (%lld sent, %lld 429s)\n",
                (long long)bh_bench_emu_stat(&e, "sent_messages"), (long long)bh_bench_emu_stat(&e, "flood_429"));
        status = 1;
    } else {
        double achieved = (nchats - 1) / secs;
        int64_t n429 = bh_bench_emu_stat(&e, "flood_429");
        char what[80];
        printf("RESULT bench=broadcast chats=%d processes=%d workers=%d store=%s limit_per_s=%g "
               "msgs_per_s=%.1f of_limit=%.3f secs=%.2f answers_429=%lld\n",
               nchats, nbots, WORKERS, nbots > 1 ? "redis" : "mem", rate, achieved,
               achieved / rate, secs, (long long)n429);
        snprintf(what, sizeof what, "broadcast_rate_of_flood_limit_%s", tag);
        bh_bench_target_min(what, achieved / rate, 0.95);
        snprintf(what, sizeof what, "broadcast_429_answers_%s", tag);
        bh_bench_target(what, (double)n429, 0);
    }
    for (int i = 0; i < nbots; i++)
        if (bots[i] > 0) {
            kill(bots[i], SIGTERM);
            waitpid(bots[i], NULL, 0);
        }
    bh_bench_emu_stop(&e);
    return status;
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick");
    const char *o_chats = bh_bench_opt(argc, argv, "--chats"), *o_rate = bh_bench_opt(argc, argv, "--rate"),
               *o_port = bh_bench_opt(argc, argv, "--redis-port");
    double rate = o_rate ? atof(o_rate) : 200;
    char store[96];
    int status;

    nchats = o_chats ? atoi(o_chats) : quick ? 100 : 2000;
    if (nchats < 2 || rate <= 0) {
        fprintf(stderr, "bench_broadcast: --chats must be >= 2, --rate > 0\n");
        return 1;
    }
    status = bench_one(TOKEN, "mem:", 1, rate, "w4");
    if (!o_port)
        return status;
    /* The store's keys are the bot's (its id): another token than the
     * first run's, whose keys a store of a rerun may still hold. */
    snprintf(store, sizeof store, "redis://127.0.0.1:%d/0", atoi(o_port));
    setenv("BOTHIVE_HOSTS_LEASE_MS", "3000", 1);
    fflush(stdout);
    return bench_one("4344:BROADCAST", store, 2, rate, "hosts2") | status;
}
