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
 * (EVAL, EVALSHA: every call of hosts mode is one) and the idle feeders'
 * blocking XREADs, per update, waiting on the partitions and lease
 * renewals included.
 *
 * Dispatch latency: one host with redis:// (hosts mode: intake, stream,
 * feeder) against one host with a mem: store (the runner alone), each
 * update from just before its POST /control/message to the start of its
 * handler, the updates posted one at a time (the next once the last one's
 * handler started), so the figure is the path's and not a queue's: p50
 * and p99 of each, and the ratios.
 *
 *   bench_hosts [--quick] [--redis-port PORT]
 *
 * Prints RESULT bench=hosts ... lines and TARGET lines (3 hosts >= 2.5x
 * one host; round trips <= 3 per update). Without --redis-port it prints
 * that it skipped.
 */
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>
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

#define LAT_MAX 2000 /* updates of a latency run, at most */

static _Atomic int64_t *done;
/* Latency runs: when the handler of the update with text i started (0:
 * not yet), shared with the hosts' workers. */
static _Atomic int64_t *started;
static int no_work; /* latency runs: the handler only notes its start */
static char redis_url[128];
static bh_bench_emu emu;
static int redis_port;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The number a posted message carries as its text (-1 if none). */
static int update_number(const char *json)
{
    json_object *o = json ? json_tokener_parse(json) : NULL, *m, *t;
    int n = -1;
    if (o && json_object_object_get_ex(o, "message", &m) && json_object_object_get_ex(m, "text", &t))
        n = atoi(json_object_get_string(t));
    json_object_put(o);
    return n;
}

static int handle(void *arg, const bh_job *job)
{
    int64_t t = now_ns();
    int i = update_number(job->json);
    int64_t zero = 0;
    (void)arg;
    if (i >= 0 && i <= LAT_MAX)
        atomic_compare_exchange_strong(&started[i], &zero, t);
    if (!no_work)
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
 * trips, with the idle feeders' blocking XREADs (no script runs XREAD). */
static long long round_trips(void)
{
    return redis_calls("eval") + redis_calls("evalsha") + redis_calls("xread");
}


/* A handle posting to the emulator's /control/message (*h: its headers). */
static CURL *poster(struct curl_slist **h)
{
    CURL *c = curl_easy_init();
    char url[256];
    *h = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof url, "%s/control/message", emu.url);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bh_bench_discard);
    return c;
}

/* Posts the user message with text i (in chat 1 + i % CHATS) through c. */
static void post_one(CURL *c, int i)
{
    json_object *o = json_object_new_object();
    char text[16];
    snprintf(text, sizeof text, "%d", i);
    json_object_object_add(o, "chat_id", json_object_new_int(1 + i % CHATS));
    json_object_object_add(o, "user_id", json_object_new_int(1 + i % CHATS));
    json_object_object_add(o, "text", json_object_new_string(text));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_object_to_json_string(o));
    curl_easy_perform(c);
    json_object_put(o);
}

/* Posts n user messages to the emulator. */
static void post(int n)
{
    struct curl_slist *h;
    CURL *c = poster(&h);
    for (int i = 1; i <= n; i++)
        post_one(c, i);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

static const char *host_store; /* the store of the hosts host_start forks */

/* Forks a host: a runner of the bot over host_store. */
static pid_t host_start(const char *token, int i)
{
    pid_t pid = fork();
    if (pid == 0) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        setenv("BOTHIVE_HOST_NAME", name, 1);
        bh_runner_source src = {.token = token};
        bh_runner_app app = {.sources = &src, .nsources = 1, .handle = handle};
        bh_run_options o = {.workers = WORKERS, .store_url = host_store, .api_url = emu.url,
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

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Posts n updates one at a time, each once the last one's handler started
 * (up to 30 s each), into lat (ns, sorted). Returns how many started. */
static int post_paced(int n, int64_t *lat)
{
    struct curl_slist *h;
    CURL *c = poster(&h);
    int got = 0;
    for (int i = 1; i <= n; i++) {
        int64_t t0 = now_ns(), deadline = t0 + 30 * 1000000000LL;
        post_one(c, i);
        while (!atomic_load(&started[i]) && now_ns() < deadline)
            usleep(100);
        if (atomic_load(&started[i]))
            lat[got++] = atomic_load(&started[i]) - t0;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    qsort(lat, (size_t)got, sizeof *lat, cmp64);
    return got;
}

/* Dispatch latency of n updates through one host over store: p50 and p99
 * in ms into p[0], p[1]. Returns 0, or -1 when the host did not start or
 * an update never reached its handler. */
static int latency(const char *store, int n, double p[2])
{
    static int64_t lat[LAT_MAX];
    const char *token = "7100:HOSTLAT";
    int64_t deadline;
    pid_t pid;
    int got;

    host_store = store;
    if (bh_bench_emu_start(&emu, token, NULL) != 0)
        return -1;
    redis_int("FLUSHALL");
    for (int i = 0; i <= LAT_MAX; i++)
        atomic_store(&started[i], 0);
    no_work = 1; /* inherited by the host: the figure is the path's alone */
    pid = host_start(token, 0);
    no_work = 0;
    /* A first update, 0, until one reaches the handler: the host is up. */
    deadline = now_ns() + 60 * 1000000000LL;
    while (!atomic_load(&started[0]) && now_ns() < deadline) {
        struct curl_slist *h;
        CURL *c = poster(&h);
        post_one(c, 0);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        for (int k = 0; k < 100 && !atomic_load(&started[0]); k++)
            usleep(10000);
    }
    got = atomic_load(&started[0]) ? post_paced(n, lat) : 0;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    bh_bench_emu_stop(&emu);
    if (got < n)
        return -1;
    p[0] = lat[(n - 1) / 2] / 1e6;
    p[1] = lat[(int)((n - 1) * 0.99)] / 1e6;
    return 0;
}

/* The latency figures: one host with redis:// against one with mem:. */
static void latency_figures(int n)
{
    double r[2], m[2];
    if (latency(redis_url, n, r) != 0 || latency("mem:", n, m) != 0) {
        printf("RESULT bench=hosts name=dispatch_latency value=0 unit=none note=failed\n");
        return;
    }
    printf("RESULT bench=hosts name=dispatch_latency_p50_redis_1host value=%.3f unit=ms\n", r[0]);
    printf("RESULT bench=hosts name=dispatch_latency_p99_redis_1host value=%.3f unit=ms\n", r[1]);
    printf("RESULT bench=hosts name=dispatch_latency_p50_mem_1host value=%.3f unit=ms\n", m[0]);
    printf("RESULT bench=hosts name=dispatch_latency_p99_mem_1host value=%.3f unit=ms\n", m[1]);
    printf("RESULT bench=hosts name=dispatch_latency_p50_redis_vs_mem value=%.2f unit=x\n",
           m[0] > 0 ? r[0] / m[0] : 0);
    printf("RESULT bench=hosts name=dispatch_latency_p99_redis_vs_mem value=%.2f unit=x\n",
           m[1] > 0 ? r[1] / m[1] : 0);
    fflush(stdout);
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
    started = mmap(NULL, (LAT_MAX + 1) * sizeof *started, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (done == MAP_FAILED || started == MAP_FAILED)
        return 1;
    host_store = redis_url;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    n = quick ? 200 : 6000;
    for (int h = 1; h <= MAXHOSTS; h++) {
        rate[h] = run(h, n, &trips[h]);
        printf("RESULT bench=hosts hosts=%d updates=%d updates_per_s=%.0f "
               "redis_round_trips_per_update=%.2f\n", h, n, rate[h], trips[h]);
        fflush(stdout);
    }
    latency_figures(quick ? 50 : 500);
    double x = rate[1] > 0 ? rate[3] / rate[1] : 0;
    printf("TARGET what=hosts_3_vs_1 value=%.2f limit=>=2.5 status=%s\n", x,
           x >= 2.5 ? "PASS" : "MISSED");
    printf("TARGET what=hosts_round_trips_per_update value=%.2f limit=<=3 status=%s\n", trips[3],
           trips[3] > 0 && trips[3] <= 3 ? "PASS" : "MISSED");
    curl_global_cleanup();
    return 0;
}
