/*
 * The soak: the per-chat counter bot (soak_bot.c) with 4 workers and a
 * file: store, fed SOAK_UPDATES updates over SOAK_CHATS chats through the
 * emulator while workers are SIGKILLed, handlers crash, the emulator
 * answers 429s and 500s, and the whole bot is stopped and started again
 * half-way. At the end every chat's count must be exact within the
 * at-least-once bound, the bot's processes must not have grown (memory and
 * descriptors sampled from /proc), the store's usage must be bounded and
 * bh_store_check must pass.
 *
 *   soak [UPDATES [CHATS]]     (or SOAK_UPDATES, SOAK_CHATS; SOAK_SEED;
 *                               SOAK_KEEP=1 keeps the store and the bot's log;
 *                               SOAK_RESTART=kill SIGKILLs the master half-way
 *                               instead of stopping it with SIGTERM)
 *
 * Every step is bounded by counts: faults, kills and the restart come at
 * given update numbers, never at given times. Deadlines exist only to fail
 * a run that stopped moving, and are generous.
 */
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bothive/bothive.h"
#include "emu/client.h"
#include "emu_proc.h"
#include "soak.h"
#include "testutil.h"

#define SOAK_STALL_MS 180000      /* no progress for this long fails the run */
/* Updates queued but not yet confirmed, at most: the injection keeps pace
 * with the bot, so that kills and faults land while it works. */
#define SOAK_WINDOW 2000
#define SOAK_SAMPLE_MS 100

static uint64_t next_rand(soak_run *r)
{
    r->rng ^= r->rng << 13;
    r->rng ^= r->rng >> 7;
    r->rng ^= r->rng << 17;
    return r->rng;
}

static int64_t env_int(const char *name, int64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : dflt;
}

static int64_t at_least(int64_t v, int64_t lo)
{
    return v < lo ? lo : v;
}

/* Parameters: the command line, else the environment, else the CI size. */
static int read_cfg(soak_cfg *c, int argc, char **argv)
{
    c->updates = argc > 1 ? strtoll(argv[1], NULL, 10) : env_int("SOAK_UPDATES", 20000);
    c->chats = argc > 2 ? strtoll(argv[2], NULL, 10) : env_int("SOAK_CHATS", 500);
    c->workers = (int)env_int("SOAK_WORKERS", 4);
    c->seed = (uint64_t)env_int("SOAK_SEED", 20261201);
    c->restart_kill = getenv("SOAK_RESTART") && !strcmp(getenv("SOAK_RESTART"), "kill");
    c->bot_exe = getenv("SOAK_BOT");
    if (!c->bot_exe)
        c->bot_exe = BH_SOAK_BOT;
    if (c->updates < 1000 || c->chats < 1 || c->chats > c->updates || c->workers < 2) {
        fprintf(stderr, "soak: need UPDATES >= 1000, 1 <= CHATS <= UPDATES, SOAK_WORKERS >= 2\n");
        return -1;
    }
    /* Events by update number: a long run has more of each (1,000 kills
     * and 500 crashes in a million), a short one still sees every kind,
     * spaced so that the master's restart backoff does not stall it. */
    c->crash_every = at_least(c->updates / 500, 100);
    c->kill_every = at_least(c->updates / 1000, 200);
    c->fault_period = at_least(c->updates / 20, 400);
    c->ping_every = at_least(c->updates / 200, 50);
    char *tmp = bh_test_tmppath("soak");
    snprintf(c->store_path, sizeof c->store_path, "%s", tmp);
    free(tmp);
    return 0;
}

/* One control call on the kept connection. Returns the HTTP status or -1;
 * *resp (when asked) is the malloc'd body. */
int soak_control(soak_run *r, const char *path, const char *json, char **resp)
{
    char url[256], err[CURL_ERROR_SIZE], *body = NULL;
    long status = -1;
    snprintf(url, sizeof url, "%s%s", r->emu.url, path);
    bh_emu_request req = {.url = url, .post = json != NULL, .json = json, .timeout_s = 60};
    if (bh_emu_client_send(r->curl, &req, &status, &body, err, sizeof err) != BH_OK) {
        fprintf(stderr, "soak: %s: %s\n", path, err);
        status = -1;
    }
    if (resp)
        *resp = body;
    else
        free(body);
    return (int)status;
}

/* The emulator's counter `name` from /control/stats, or -1. */
int64_t soak_emu_stat(soak_run *r, const char *name)
{
    char *resp = NULL, path[96];
    int64_t v = -1;
    snprintf(path, sizeof path, "result.%s", name);
    if (soak_control(r, "/control/stats", NULL, &resp) != 200 || bh_emu_json_int(resp, path, &v) != 0)
        v = -1;
    free(resp);
    return v;
}

/* Starts the bot (start number ++r->starts) and waits until it polls. */
static int start_bot(soak_run *r)
{
    char store[600], workers[16];
    int64_t polls0 = soak_emu_stat(r, "by_method.getUpdates");
    snprintf(store, sizeof store, "file:%s", r->cfg.store_path);
    snprintf(workers, sizeof workers, "%d", r->cfg.workers);
    r->bot = fork();
    if (r->bot < 0)
        return -1;
    if (r->bot == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("BOT_TOKEN", SOAK_TOKEN, 1);
        setenv("BOTHIVE_API_URL", r->emu.url, 1);
        setenv("BOTHIVE_WORKERS", workers, 1);
        setenv("BOTHIVE_STORE", store, 1);
        /* What waits while the bot restarts is work, not a stale backlog. */
        setenv("BOTHIVE_PROCESS_BACKLOG", "1", 1);
        setenv("BOTHIVE_LOG", getenv("SOAK_LOG") ? getenv("SOAK_LOG") : "warn", 1);
        /* The master logs every kill and crash: they go to a file, which
         * the soak names, and not to the console. */
        int fd = open(r->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        execl(r->cfg.bot_exe, r->cfg.bot_exe, (char *)NULL);
        _exit(127);
    }
    ++r->starts;
    for (int64_t end = bh_test_now_ms() + SOAK_STALL_MS; bh_test_now_ms() < end;) {
        if (soak_emu_stat(r, "by_method.getUpdates") > polls0) {
            /* Sampled from now on: a master still starting has not opened
             * its store and sockets yet, which is no growth. */
            bh_soak_sampler_set_master(&r->sampler, r->bot, r->starts);
            return 0;
        }
        if (waitpid(r->bot, NULL, WNOHANG) == r->bot) {
            fprintf(stderr, "soak: the bot exited at its start\n");
            r->bot = 0;
            return -1;
        }
        usleep(20 * 1000);
    }
    fprintf(stderr, "soak: the bot never polled\n");
    return -1;
}

/* SIGTERM: the bot finishes what is in flight and must exit 0. */
static int stop_bot(soak_run *r)
{
    int status = 0;
    kill(r->bot, SIGTERM);
    for (int64_t end = bh_test_now_ms() + SOAK_STALL_MS;; usleep(20 * 1000)) {
        if (waitpid(r->bot, &status, WNOHANG) == r->bot)
            break;
        if (bh_test_now_ms() > end) {
            fprintf(stderr, "soak: the bot ignored SIGTERM\n");
            kill(r->bot, SIGKILL);
            waitpid(r->bot, &status, 0);
            r->bot = 0;
            return -1;
        }
    }
    bh_soak_sampler_set_master(&r->sampler, 0, r->starts);
    r->bot = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "soak: the bot ended with status 0x%x\n", status);
        return -1;
    }
    return 0;
}

/* SIGKILL of the master (SOAK_RESTART=kill): its children follow it (they
 * die with their parent), and the next master must recover the store and
 * not run again what was done. Waits until the old children are gone. */
static int kill_bot(soak_run *r)
{
    pid_t kids[64];
    int status = 0;
    size_t n = bh_soak_children(r->bot, "", kids, 64);
    kill(r->bot, SIGKILL);
    waitpid(r->bot, &status, 0);
    bh_soak_sampler_set_master(&r->sampler, 0, r->starts);
    r->bot = 0;
    for (int64_t end = bh_test_now_ms() + SOAK_STALL_MS; bh_test_now_ms() < end;) {
        size_t alive = 0;
        for (size_t i = 0; i < n; i++)
            alive += kill(kids[i], 0) == 0;  /* init reaps them: gone, not zombies */
        if (alive == 0)
            return 0;
        usleep(10 * 1000);
    }
    fprintf(stderr, "soak: the killed master's children stayed\n");
    return -1;
}

/* Waits until fewer than `window` updates are queued unconfirmed. */
static int wait_pending(soak_run *r, int64_t window)
{
    int64_t last = -1, moved = bh_test_now_ms();
    for (;;) {
        int64_t confirmed = soak_emu_stat(r, "updates_confirmed");
        if (confirmed < 0)
            return -1;
        if (r->injected - confirmed <= window)
            return 0;
        if (confirmed != last) {
            last = confirmed;
            moved = bh_test_now_ms();
        } else if (bh_test_now_ms() - moved > SOAK_STALL_MS) {
            fprintf(stderr, "soak: stalled at %" PRId64 " of %" PRId64 " confirmed\n", confirmed,
                    r->injected);
            return -1;
        }
        usleep(10 * 1000);
    }
}

/* Fault windows: the first quarter of every fault period answers some
 * calls with 429 (retry_after 1) or 500. */
static int update_faults(soak_run *r, int64_t seq)
{
    int on = seq % r->cfg.fault_period < r->cfg.fault_period / 4;
    char body[160];
    if (on == r->faults_on)
        return 0;
    r->faults_on = on;
    if (on) {
        r->fault_windows++;
        snprintf(body, sizeof body,
                 "{\"rate_429\":0.01,\"retry_after\":1,\"rate_500\":0.03,\"seed\":%" PRId64 "}",
                 seq);
    } else {
        snprintf(body, sizeof body, "{}");
    }
    return soak_control(r, "/control/faults", body, NULL) == 200 ? 0 : -1;
}

/* SIGKILLs one of the bot's workers, picked at random. */
static void kill_worker(soak_run *r)
{
    pid_t kids[64];
    size_t n = bh_soak_children(r->bot, "bh worker", kids, 64);
    if (n == 0) {
        r->kill_misses++;  /* none named a worker yet (just forked): the next kill will find one */
        return;
    }
    if (kill(kids[next_rand(r) % n], SIGKILL) == 0)
        r->kills++;
}

/* One user message: chat picked at random; a crash marker, a ping or a
 * plain message by update number. */
static int inject(soak_run *r, int64_t seq)
{
    int64_t chat = 1000 + (int64_t)(next_rand(r) % (uint64_t)r->cfg.chats);
    char body[160], text[48];
    if (seq % r->cfg.crash_every == r->cfg.crash_every / 2) {
        snprintf(text, sizeof text, "crash %" PRId64, seq);
        r->crashes++;
    } else if (seq % r->cfg.ping_every == r->cfg.ping_every / 4) {  /* off the crashes' beat */
        snprintf(text, sizeof text, "ping");
        r->pings++;
    } else {
        snprintf(text, sizeof text, "n");
    }
    snprintf(body, sizeof body, "{\"chat_id\":%" PRId64 ",\"text\":\"%s\"}", chat, text);
    if (soak_control(r, "/control/message", body, NULL) != 200)
        return -1;
    r->sent[chat - 1000]++;
    r->injected++;
    return 0;
}

static void progress(soak_run *r, int64_t t0)
{
    double s = (double)(bh_test_now_ms() - t0) / 1000.0;
    printf("soak: %" PRId64 "/%" PRId64 " injected in %.0f s (%.0f/s), kills %" PRId64 " (%" PRId64 " found no worker)"
           ", crashes %" PRId64 ", fault windows %" PRId64 ", restarts %" PRId64 "\n",
           r->injected, r->cfg.updates, s, s > 0 ? (double)r->injected / s : 0.0, r->kills,
           r->kill_misses,
           r->crashes, r->fault_windows, r->restarts);
    fflush(stdout);
}

/* Injects every update, with the faults, kills and the restart at their
 * update numbers. */
static int drive(soak_run *r)
{
    const soak_cfg *c = &r->cfg;
    int64_t t0 = bh_test_now_ms();
    for (int64_t seq = 0; seq < c->updates; seq++) {
        if (seq == c->updates / 2) {
            /* The whole bot stops and starts again; what is queued meanwhile waits. */
            int rc = r->cfg.restart_kill ? kill_bot(r) : stop_bot(r);
            if (rc != 0 || start_bot(r) != 0)
                return -1;
            r->restarts++;
        }
        if (update_faults(r, seq) != 0 || inject(r, seq) != 0)
            return -1;
        if (seq % c->kill_every == c->kill_every / 3)
            kill_worker(r);
        if (seq % 100 == 99 && wait_pending(r, SOAK_WINDOW) != 0)
            return -1;
        if (seq % (c->updates / 10) == c->updates / 10 - 1)
            progress(r, t0);
    }
    /* The last updates go through without faults. */
    if (soak_control(r, "/control/faults", "{}", NULL) != 200 || wait_pending(r, 0) != 0)
        return -1;
    progress(r, t0);
    return 0;
}

int main(int argc, char **argv)
{
    soak_run r;
    memset(&r, 0, sizeof r);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (read_cfg(&r.cfg, argc, argv) != 0)
        return 2;
    r.rng = r.cfg.seed * 0x9e3779b97f4a7c15ULL + 1;
    r.sent = calloc((size_t)r.cfg.chats, sizeof *r.sent);
    snprintf(r.log_path, sizeof r.log_path, "%s.log", r.cfg.store_path);
    printf("soak: %" PRId64 " updates over %" PRId64 " chats, %d workers, restart by %s, store %s,"
           " bot log %s\n", r.cfg.updates, r.cfg.chats, r.cfg.workers,
           r.cfg.restart_kill ? "SIGKILL" : "SIGTERM", r.cfg.store_path, r.log_path);
    unlink(r.cfg.store_path);
    unlink(r.log_path);
    if (!r.sent || bh_emu_start(&r.emu, SOAK_TOKEN) != 0 || !(r.curl = curl_easy_init())) {
        fprintf(stderr, "soak: cannot start the emulator\n");
        return 1;
    }
    int64_t t0 = bh_test_now_ms();
    int fail = bh_soak_sampler_start(&r.sampler, r.emu.child.pid, SOAK_SAMPLE_MS) != 0 ||
               start_bot(&r) != 0 || drive(&r) != 0;
    bh_soak_sampler_stop(&r.sampler);
    if (r.bot > 0 && stop_bot(&r) != 0)
        fail = 1;
    printf("soak: %.1f s in all\n", (double)(bh_test_now_ms() - t0) / 1000.0);
    if (!fail)
        fail = soak_check(&r) != 0;
    curl_easy_cleanup(r.curl);
    if (bh_emu_stop(&r.emu) != 0)
        fail = 1;
    bh_soak_sampler_free(&r.sampler);
    if (!fail && !getenv("SOAK_KEEP")) {
        unlink(r.cfg.store_path);  /* a failed run leaves both for a look */
        unlink(r.log_path);
    }
    free(r.sent);
    printf("soak: %s\n", fail ? "FAILED" : "PASSED");
    return fail;
}
