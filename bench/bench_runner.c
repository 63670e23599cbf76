/*
 * bench_runner: the runner's dispatch throughput and latency.
 *
 * Dispatcher: a feed source (no HTTP) pushes updates through the real
 * path, updater process -> master -> worker, to handlers that do nothing.
 *   throughput: N updates fed as fast as possible, over 1000 chats;
 *   latency:    from just before an update is fed to its handler starting,
 *               at a paced 1,000 updates/s (p50, p99).
 * End to end: the same through the emulator (`bothive emu`, $BOTHIVE_BIN or
 * ../tools/bothive): a user message posted to the emulator, long-polled by
 * the updater, handled by a worker.
 *
 * Prints RESULT name=... value=... unit=... target=... status=PASS|MISSED.
 * --quick: a tiny run.
 */
#include <curl/curl.h>
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
#include "util.h"
#include "runner/runner.h"
#include "emu_util.h"
#include "util.h"

#define MAXN 200000

typedef struct shm {
    _Atomic int64_t done;
    int64_t t_feed[MAXN + 1];
    int64_t lat[MAXN + 1];
} shm_t;

static shm_t *S;
static int feed_n, feed_rate;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int handle_noop(void *arg, const bh_job *job)
{
    int64_t t = now_ns(), i = job->update_id;
    (void)arg;
    if (job->json && !strncmp(job->json, "{\"update_id\"", 12) && i > 0 && i <= MAXN)
        S->lat[i] = t - S->t_feed[i];
    atomic_fetch_add(&S->done, 1);
    return 0;
}

/* The emulator's updates carry the index in the text. */
static int handle_e2e(void *arg, const bh_job *job)
{
    int64_t t = now_ns();
    json_object *u = json_tokener_parse(job->json), *m, *tx;
    (void)arg;
    if (u && json_object_object_get_ex(u, "message", &m) &&
        json_object_object_get_ex(m, "text", &tx)) {
        long i = atol(json_object_get_string(tx));
        if (i > 0 && i <= MAXN)
            S->lat[i] = t - S->t_feed[i];
    }
    json_object_put(u);
    atomic_fetch_add(&S->done, 1);
    return 0;
}

/* Sleeps until the i-th of a series sent at rate per second from t0 is due. */
static void pace(int64_t t0, int i, int rate)
{
    int64_t due = t0 + (int64_t)(i - 1) * 1000000000 / rate;
    struct timespec ts = {due / 1000000000, due % 1000000000};

    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static int feed(void *arg, int source, bh_runner_feeder *f)
{
    char json[160];
    int64_t t0;
    (void)arg;
    (void)source;
    usleep(300000); /* let the workers start */
    t0 = now_ns();
    for (int i = 1; i <= feed_n; i++) {
        if (feed_rate)
            pace(t0, i, feed_rate);
        snprintf(json, sizeof json,
                 "{\"update_id\":%d,\"message\":{\"message_id\":%d,\"date\":0,\"chat\":"
                 "{\"id\":%d,\"type\":\"private\"},\"text\":\"x\"}}", i, i, 1 + i % 1000);
        S->t_feed[i] = now_ns();
        if (bh_runner_feed(f, i, json) != BH_OK)
            return -1;
    }
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int64_t *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp64);
    return v[(int)((n - 1) * p)] / 1e6;
}

/* One row of the runner table, in bench/run.sh's format, and a TARGET line
 * when the figure has a target. */
static void result(const char *name, double v, const char *unit, const char *target, int pass)
{
    printf("RESULT bench=runner name=%s value=%.3f unit=%s target=%s\n", name, v, unit, target);
    if (strcmp(target, "none") != 0)
        printf("TARGET what=runner_%s value=%.3f limit=%s status=%s\n", name, v, target,
               pass ? "PASS" : "MISSED");
    fflush(stdout);
}

/* Runs the runner in a child until n jobs are done; the time from the
 * first feed to the last done, in ns; -1 on failure. */
static int64_t run(bh_runner_source *src, int (*handle)(void *, const bh_job *), int workers,
                   const char *api_url, int n, int64_t (*post)(int n))
{
    bh_runner_app app = {.sources = src, .nsources = 1, .handle = handle};
    bh_run_options o = {.workers = workers, .store_url = "mem:", .api_url = api_url,
                        .process_backlog = 1, .poll_timeout_s = 5};
    int64_t t_end, t0, deadline;
    pid_t pid;

    memset(S, 0, sizeof *S);
    if ((pid = fork()) == 0) {
        bh_log_set_level(BH_LOG_WARN);
        _exit(bh_runner_run(&app, &o) == 0 ? 0 : 1);
    }
    t0 = post ? post(n) : 0;
    deadline = now_ns() + 120 * 1000000000LL;
    while (atomic_load(&S->done) < n && now_ns() < deadline)
        usleep(1000);
    t_end = now_ns();
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    if (atomic_load(&S->done) < n)
        return -1;
    if (!post) {
        t0 = S->t_feed[1];
        for (int i = 1; i <= n; i++)
            if (S->t_feed[i] && S->t_feed[i] < t0)
                t0 = S->t_feed[i];
    }
    return t_end - t0;
}

/* ---- the emulator ---- */
static bh_bench_emu emu;
static int e2e_rate;


static int64_t e2e_post(int n)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char url[256], body[160];
    int64_t t0 = now_ns();
    snprintf(url, sizeof url, "%s/control/message", emu.url);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bh_bench_discard);
    usleep(300000);
    t0 = now_ns();
    for (int i = 1; i <= n; i++) {
        if (e2e_rate)
            pace(t0, i, e2e_rate);
        snprintf(body, sizeof body, "{\"chat_id\":%d,\"user_id\":%d,\"text\":\"%d\"}",
                 1 + i % 100, 1 + i % 100, i);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        S->t_feed[i] = now_ns();
        curl_easy_perform(c);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return t0;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && !strcmp(argv[1], "--quick");
    int nthr = quick ? 2000 : 100000, nlat = quick ? 300 : 3000;
    static const int wcounts[] = {1, 2, 4};
    bh_runner_source src = {.token = "0:FEED", .feed = feed};
    char name[96];
    int64_t *lat = malloc(sizeof(int64_t) * (MAXN + 1));

    S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (S == MAP_FAILED || !lat)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t k = 0; k < 3; k++) {
        int w = wcounts[k];
        feed_n = nthr;
        feed_rate = 0;
        int64_t ns = run(&src, handle_noop, w, NULL, nthr, NULL);
        double rate = ns > 0 ? nthr / (ns / 1e9) : 0;
        snprintf(name, sizeof name, "dispatch_throughput_w%d", w);
        result(name, rate, "updates/s", ">=20000", rate >= 20000);

        feed_n = nlat;
        feed_rate = 1000;
        ns = run(&src, handle_noop, w, NULL, nlat, NULL);
        if (ns > 0) {
            memcpy(lat, S->lat + 1, sizeof(int64_t) * (size_t)nlat);
            snprintf(name, sizeof name, "dispatch_latency_p50_w%d", w);
            result(name, pct(lat, nlat, 0.50), "ms", "none", 1);
            snprintf(name, sizeof name, "dispatch_latency_p99_w%d", w);
            double p99 = pct(lat, nlat, 0.99);
            result(name, p99, "ms", "<=2", p99 <= 2.0);
        } else {
            snprintf(name, sizeof name, "dispatch_latency_p99_w%d", w);
            result(name, -1, "ms", "<=2", 0);
        }
    }

    /* End to end through the emulator. */
    if (bh_bench_emu_start(&emu, "4242:BENCH", NULL) == 0) {
        bh_runner_source esrc = {.token = "4242:BENCH"};
        int ne = quick ? 200 : 2000;
        for (size_t k = 0; k < 3; k++) {
            int w = wcounts[k];
            e2e_rate = 0;
            int64_t ns = run(&esrc, handle_e2e, w, emu.url, ne, e2e_post);
            double rate = ns > 0 ? ne / (ns / 1e9) : 0;
            snprintf(name, sizeof name, "e2e_throughput_w%d", w);
            result(name, rate, "updates/s", "none", ns > 0);
            e2e_rate = 200;
            int nl = quick ? 100 : 1000;
            ns = run(&esrc, handle_e2e, w, emu.url, nl, e2e_post);
            if (ns > 0) {
                memcpy(lat, S->lat + 1, sizeof(int64_t) * (size_t)nl);
                snprintf(name, sizeof name, "e2e_latency_p50_at200_w%d", w);
                result(name, pct(lat, nl, 0.50), "ms", "none", 1);
                snprintf(name, sizeof name, "e2e_latency_p99_at200_w%d", w);
                result(name, pct(lat, nl, 0.99), "ms", "none", 1);
            }
        }
        bh_bench_emu_stop(&emu);
    } else {
        fprintf(stderr, "bench_runner: no emulator (set BOTHIVE_BIN); end-to-end skipped\n");
    }
    curl_global_cleanup();
    free(lat);
    return 0;
}
