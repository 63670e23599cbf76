/*
 * bench_hosts: end-to-end throughput of one bot served by 1, 2 and 3 hosts
 * through Redis (hosts mode), and the Redis round trips per update.
 *
 * Each host is a runner process tree of its own (4 workers) over the same
 * redis:// store, polling the emulator ($BOTHIVE_BIN or ../tools/bothive);
 * each handler does 5 ms of work (a sleep: the hosts of this bench share
 * one machine's CPUs, so work that burns CPU could not scale with hosts
 * here). N user messages over 200 chats are posted to the emulator as fast
 * as it takes them; the time is from the first post to the last handler
 * done. Round trips: the scripts the hosts ran in Redis during the run
 * (EVAL, EVALSHA: every call of hosts mode is one), per update, idle
 * polling of the partitions and lease renewals included.
 *
 *   bench_hosts [--quick] [--redis-port PORT]
 *
 * Prints RESULT bench=hosts ... lines and TARGET lines (3 hosts >= 2.5x
 * one host; round trips <= 3 per update). Without --redis-port it prints
 * that it skipped.
 */
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bothive/bothive.h"
#include "emu_util.h"
#include "util.h"
#include "runner/runner.h"

#define WORKERS 4
#define CHATS 200
#define MAXHOSTS 3

static _Atomic int64_t *done;
static char redis_url[128];
static bh_bench_emu emu;
static int redis_port;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int handle(void *arg, const bh_job *job)
{
    (void)arg;
    (void)job;
    usleep(5000);
    atomic_fetch_add(done, 1);
    return 0;
}


/* A Redis command's integer answer (or 0). */
static long long redis_int(const char *cmd)
{
    redisContext *c = redisConnect("127.0.0.1", redis_port);
    redisReply *r = c && !c->err ? redisCommand(c, cmd) : NULL;
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    redisFree(c);
    return v;
}

/* The calls of one command in INFO commandstats. */
static long long redis_calls(const char *name)
{
    redisContext *c = redisConnect("127.0.0.1", redis_port);
    redisReply *r = c && !c->err ? redisCommand(c, "INFO commandstats") : NULL;
    long long v = 0;
    char key[64];
    snprintf(key, sizeof key, "cmdstat_%s:calls=", name);
    if (r && r->type == REDIS_REPLY_STRING && strstr(r->str, key))
        v = atoll(strstr(r->str, key) + strlen(key));
    freeReplyObject(r);
    redisFree(c);
    return v;
}

/* The commands the hosts send are scripts (the intake's GET of the
 * offset comes once, when it takes the lease), and commandstats counts the
 * commands scripts run under their own names: the scripts are the round
 * trips. */
static long long round_trips(void)
{
    return redis_calls("eval") + redis_calls("evalsha");
}


/* Posts n user messages to the emulator. */
static void post(int n)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char url[256], body[160];
    snprintf(url, sizeof url, "%s/control/message", emu.url);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bh_bench_discard);
    for (int i = 1; i <= n; i++) {
        snprintf(body, sizeof body, "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"%d\"}",
                 1 + i % CHATS, 1 + i % CHATS, i);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_perform(c);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

/* Forks a host: a runner of the bot over the Redis store. */
static pid_t host_start(const char *token, int i)
{
    pid_t pid = fork();
    if (pid == 0) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        setenv("BOTHIVE_HOST_NAME", name, 1);
        bh_runner_source src = {.token = token};
        bh_runner_app app = {.sources = &src, .nsources = 1, .handle = handle};
        bh_run_options o = {.workers = WORKERS, .store_url = redis_url, .api_url = emu.url,
                            .process_backlog = 1, .poll_timeout_s = 5};
        bh_log_set_level(BH_LOG_WARN);
        _exit(bh_runner_run(&app, &o) == 0 ? 0 : 1);
    }
    return pid;
}

/* n updates through h hosts: updates/s (0 on failure); *trips per update. */
static double run(int h, int n, double *trips)
{
    char token[32];
    pid_t pids[MAXHOSTS];
    snprintf(token, sizeof token, "%d:HOSTBENCH", 7000 + h);
    if (bh_bench_emu_start(&emu, token, NULL) != 0)
        return 0;
    redis_int("FLUSHALL");
    atomic_store(done, 0);
    for (int i = 0; i < h; i++)
        pids[i] = host_start(token, i);
    /* Every host beats and holds its share (a few lease periods). */
    char hkey[64];
    snprintf(hkey, sizeof hkey, "HLEN bothive:h:{%d}:hosts", 7000 + h);
    for (int k = 0; k < 200 && redis_int(hkey) < h; k++)
        usleep(50000);
    usleep(1500000);
    long long rt0 = round_trips();
    int64_t t0 = now_ns(), deadline = t0 + 300 * 1000000000LL;
    post(n);
    while (atomic_load(done) < n && now_ns() < deadline)
        usleep(1000);
    int64_t t = now_ns() - t0;
    *trips = (double)(round_trips() - rt0) / n;
    for (int i = 0; i < h; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < h; i++)
        waitpid(pids[i], NULL, 0);
    bh_bench_emu_stop(&emu);
    return atomic_load(done) >= n ? n / (t / 1e9) : 0;
}

int main(int argc, char **argv)
{
    int quick = 0, n;
    double rate[MAXHOSTS + 1] = {0}, trips[MAXHOSTS + 1] = {0};

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--redis-port") && i + 1 < argc)
            redis_port = atoi(argv[++i]);
    }
    if (!redis_port) {
        printf("RESULT bench=hosts name=skipped value=0 unit=none note=no_redis\n");
        return 0;
    }
    snprintf(redis_url, sizeof redis_url, "redis://127.0.0.1:%d/0", redis_port);
    setenv("BOTHIVE_HOSTS_LEASE_MS", "3000", 1);
    done = mmap(NULL, sizeof *done, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (done == MAP_FAILED)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    n = quick ? 200 : 6000;
    for (int h = 1; h <= MAXHOSTS; h++) {
        rate[h] = run(h, n, &trips[h]);
        printf("RESULT bench=hosts hosts=%d updates=%d updates_per_s=%.0f "
               "redis_round_trips_per_update=%.2f\n", h, n, rate[h], trips[h]);
        fflush(stdout);
    }
    double x = rate[1] > 0 ? rate[3] / rate[1] : 0;
    printf("TARGET what=hosts_3_vs_1 value=%.2f limit=>=2.5 status=%s\n", x,
           x >= 2.5 ? "PASS" : "MISSED");
    printf("TARGET what=hosts_round_trips_per_update value=%.2f limit=<=3 status=%s\n", trips[3],
           trips[3] > 0 && trips[3] <= 3 ? "PASS" : "MISSED");
    curl_global_cleanup();
    return 0;
}
