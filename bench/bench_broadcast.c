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
 *   bench_broadcast [--quick] [--chats N] [--rate R]
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

/* The bot, in a child process: runs until SIGTERM. */
static pid_t start_bot(const char *url, double rate)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    bh_ratelimit_options rl = {.global_per_sec = rate};
    /* A handler's quarter of the chats takes 67 s at Telegram's 30/s. */
    bh_run_options ro = {.workers = WORKERS, .store_url = "mem:", .api_url = url,
                         .handler_deadline_ms = 600000};
    bh_bot *bot = bh_bot_new(TOKEN);
    setenv("BOTHIVE_LOG", "warn", 1);
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

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick");
    const char *o_chats = bh_bench_opt(argc, argv, "--chats"), *o_rate = bh_bench_opt(argc, argv, "--rate");
    double rate = o_rate ? atof(o_rate) : 200, secs;
    static const char *const flood[] = {"--flood", NULL};
    char limits[160];
    bh_bench_emu e;
    pid_t bot;
    int status = 0;

    nchats = o_chats ? atoi(o_chats) : quick ? 100 : 2000;
    if (nchats < 2 || rate <= 0 || bh_bench_emu_start(&e, TOKEN, flood) != 0) {
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
    bot = start_bot(e.url, rate);
    if (bot < 0 || wait_polling(&e, nchats) != 0 || (secs = run_broadcast(&e, nchats)) <= 0) {
        fprintf(stderr, "bench_broadcast: the bot did not send to every chat (%lld sent, %lld 429s)\n",
                (long long)bh_bench_emu_stat(&e, "sent_messages"), (long long)bh_bench_emu_stat(&e, "flood_429"));
        status = 1;
    } else {
        double achieved = (nchats - 1) / secs;
        int64_t n429 = bh_bench_emu_stat(&e, "flood_429");
        printf("RESULT bench=broadcast chats=%d workers=%d limit_per_s=%g msgs_per_s=%.1f "
               "of_limit=%.3f secs=%.2f answers_429=%lld\n",
               nchats, WORKERS, rate, achieved, achieved / rate, secs, (long long)n429);
        bh_bench_target_min("broadcast_rate_of_flood_limit_w4", achieved / rate, 0.95);
        bh_bench_target("broadcast_429_answers_w4", (double)n429, 0);
    }
    if (bot > 0) {
        kill(bot, SIGTERM);
        waitpid(bot, NULL, 0);
    }
    bh_bench_emu_stop(&e);
    return status;
}
