/*
 * The call path's own cost: sendMessage through bh_client_call_params
 * (the parameters built with bh_params, the body written by json-c, the
 * answer parsed and checked, the error model, the retry loop) against a
 * bare libcurl POST of the same JSON body to the same emulator on a kept
 * connection, its answer read into a buffer and not looked at. Target: at
 * most 1.2x the bare POST's time per call. Both talk to the same server
 * doing the same work, so the difference is the client's.
 *
 * Each side keeps one connection open (the warm-up opens them; both
 * reuse them for every call), and the emulator serves each connection
 * with a thread of its own. Left to the scheduler, those two threads land
 * on different cores from one run to the next, one beside the bench and
 * one across from it, under whatever else the machine runs: a call that
 * wakes a thread on another, busy core waits for it, one on the same core
 * does not, and that alone made the ratio anything from 0.3 to 3.7. So
 * the bench and the emulator (all its threads: they inherit the mask at
 * the fork) are pinned to one CPU, and each call is the same hand-off on
 * both sides; --split pins the emulator to a second CPU instead, for
 * comparison.
 *
 * Rounds of N calls of each, alternated (and which goes first alternated
 * too) so that a change of the machine's load hits both; the ratio is
 * taken round by round, and its median and spread are reported (9 rounds
 * of 300; 1 of 30 with --quick).
 *
 *   bench_callpath [--quick] [--split]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "emu_util.h"
#include "util.h"

#define TOKEN "4646:CALLPATH"
#define TEXT "A message of ordinary length, as bots send them all day long."
#define ROUNDS 9

/* One round of n calls through the call path; ns per call, or -1. */
static double round_callpath(bh_client *cl, int n)
{
    uint64_t t0 = bh_bench_now_ns();
    for (int i = 0; i < n; i++) {
        bh_params *p = NULL;
        json_object *res = NULL;
        int rc = bh_params_new(&p);
        if (rc == BH_OK && (rc = bh_params_int(p, "chat_id", 1)) == BH_OK &&
            (rc = bh_params_str(p, "text", TEXT)) == BH_OK)
            rc = bh_client_call_params(cl, "sendMessage", p, &res);
        json_object_put(res);
        bh_params_free(p);
        if (rc != BH_OK)
            return -1;
    }
    return (double)(bh_bench_now_ns() - t0) / n;
}

typedef struct sink {
    char buf[8192];
    size_t len;
} sink;

static size_t keep(char *data, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t k = size * n;
    if (k > sizeof s->buf - s->len)
        k = sizeof s->buf - s->len;
    memcpy(s->buf + s->len, data, k);
    s->len += k;
    return size * n;
}

/* One round of n bare POSTs of body to url on c; ns per call, or -1. */
static double round_bare(CURL *c, int n)
{
    sink s;
    long code = 0;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    uint64_t t0 = bh_bench_now_ns();
    for (int i = 0; i < n; i++) {
        s.len = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200)
            return -1;
    }
    return (double)(bh_bench_now_ns() - t0) / n;
}

/* A kept-alive handle that POSTs the JSON body sendMessage's parameters
 * make (json-c's text of them, as the client sends it). */
static CURL *bare_handle(const char *url, char *body, size_t n, struct curl_slist **h)
{
    json_object *o = json_object_new_object();
    CURL *c = curl_easy_init();
    json_object_object_add(o, "chat_id", json_object_new_int64(1));
    json_object_object_add(o, "text", json_object_new_string(TEXT));
    snprintf(body, n, "%s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    *h = curl_slist_append(NULL, "Content-Type: application/json");
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, *h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    return c;
}

/* The CPUs this process may run on: the first two in *a and *b (*b is
 * *a when there is only one); how many there are. */
static int two_cpus(cpu_set_t *all, int *a, int *b)
{
    int n = 0;
    *a = *b = -1;
    if (sched_getaffinity(0, sizeof *all, all) != 0)
        return 0;
    for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
        if (CPU_ISSET(i, all))
            *(n++ ? b : a) = i;
    if (n == 1)
        *b = *a;
    return CPU_COUNT(all);
}

/* Pins this process to cpu (all its children to come inherit it). */
static int pin(int cpu)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return sched_setaffinity(0, sizeof one, &one);
}

/* Starts the emulator pinned to emu_cpu, then pins this process to
 * bench_cpu. Returns 0, or -1 (a message on stderr). */
static int start_pinned(bh_bench_emu *e, int bench_cpu, int emu_cpu)
{
    if (pin(emu_cpu) != 0 || bh_bench_emu_start(e, TOKEN, NULL) != 0)
        return -1;
    if (pin(bench_cpu) != 0) {
        bh_bench_emu_stop(e);
        return -1;
    }
    return 0;
}

/* The rounds, alternated: ours[r] and bare[r] in ns per call. */
static int measure(bh_client *cl, CURL *c, int rounds, int n, double *ours, double *bare)
{
    for (int r = 0; r < rounds; r++) {
        int bare_first = r % 2;
        if (bare_first && (bare[r] = round_bare(c, n)) < 0)
            return -1;
        if ((ours[r] = round_callpath(cl, n)) < 0)
            return -1;
        if (!bare_first && (bare[r] = round_bare(c, n)) < 0)
            return -1;
    }
    return 0;
}

/* The figures of the rounds: each side's median and spread, and those
 * of the ratio of the two in the same round. */
static void report(int rounds, int n, const double *ours, const double *bare, const char *cpus)
{
    double o[ROUNDS], b[ROUNDS], q[ROUNDS];
    for (int r = 0; r < rounds; r++) {
        o[r] = ours[r];
        b[r] = bare[r];
        q[r] = ours[r] / bare[r];
    }
    struct bh_bench_stat so = bh_bench_stat_of(o, (size_t)rounds);
    struct bh_bench_stat sb = bh_bench_stat_of(b, (size_t)rounds);
    struct bh_bench_stat sq = bh_bench_stat_of(q, (size_t)rounds);
    printf("INFO bench=callpath rounds=%d calls_per_round=%d cpus=%s\n", rounds, n, cpus);
    printf("RESULT bench=callpath calls=%d callpath_us=%.1f bare_curl_us=%.1f ratio=%.3f "
           "ratio_spread=%.3f\n",
           n * rounds, so.median / 1000, sb.median / 1000, sq.median, sq.spread);
    bh_bench_target_stat("callpath_per_call_vs_bare_curl_post", sq, 1.2);
}

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick"), rounds = quick ? 1 : ROUNDS;
    int split = bh_bench_flag(argc, argv, "--split"), n = quick ? 30 : 300, failed = 0;
    int a, b, ncpus;
    double ours[ROUNDS], bare[ROUNDS];
    char url[512], body[512];
    struct curl_slist *h = NULL;
    bh_client *cl = NULL;
    bh_bench_emu e;
    cpu_set_t all;
    CURL *c = NULL;

    ncpus = two_cpus(&all, &a, &b);
    if (ncpus < 1 || start_pinned(&e, a, split ? b : a) != 0 ||
        bh_bench_emu_post(&e, "/control/message", "{\"chat_id\":1,\"user_id\":1,\"text\":\"hi\"}", NULL) != 200) {
        fprintf(stderr, "bench_callpath: cannot start the emulator (set BOTHIVE_BIN)\n");
        return 1;
    }
    snprintf(url, sizeof url, "%s/bot%s/sendMessage", e.url, TOKEN);
    if (bh_client_new(&cl, TOKEN, e.url, NULL) != BH_OK || !(c = bare_handle(url, body, sizeof body, &h)) ||
        round_callpath(cl, 10) < 0 || round_bare(c, 10) < 0)  /* warm-up: connections open */
        failed = 1;
    if (!failed && measure(cl, c, rounds, n, ours, bare) != 0)
        failed = 1;
    if (failed)
        fprintf(stderr, "bench_callpath: a call failed\n");
    else
        report(rounds, n, ours, bare, split && a != b ? "split" : "one");
    bh_client_free(cl);
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(h);
    bh_bench_emu_stop(&e);
    return failed;
}
