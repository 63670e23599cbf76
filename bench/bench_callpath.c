/*
 * The call path's own cost: sendMessage through bh_client_call_params
 * (the parameters built with bh_params, the body written by json-c, the
 * answer parsed and checked, the error model, the retry loop) against a
 * bare libcurl POST of the same JSON body to the same emulator on a kept
 * connection, its answer read into a buffer and not looked at. Target: at
 * most 1.2x the bare POST's time per call. Both talk to the same server
 * doing the same work, so the difference is the client's.
 *
 * Rounds of N calls of each, alternated so that a change of the machine's
 * load hits both; the median round of each (7 rounds of 300; 1 of 30 with
 * --quick).
 *
 *   bench_callpath [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "emu_util.h"
#include "util.h"

#define TOKEN "4646:CALLPATH"
#define TEXT "A message of ordinary length, as bots send them all day long."
#define ROUNDS 7

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

int main(int argc, char **argv)
{
    int quick = bh_bench_flag(argc, argv, "--quick"), rounds = quick ? 1 : ROUNDS;
    int n = quick ? 30 : 300, failed = 0;
    double ours[ROUNDS], bare[ROUNDS];
    char url[512], body[512];
    struct curl_slist *h = NULL;
    bh_client *cl = NULL;
    bh_bench_emu e;
    CURL *c = NULL;

    if (bh_bench_emu_start(&e, TOKEN, NULL) != 0 ||
        bh_bench_emu_post(&e, "/control/message", "{\"chat_id\":1,\"user_id\":1,\"text\":\"hi\"}", NULL) != 200) {
        fprintf(stderr, "bench_callpath: cannot start the emulator (set BOTHIVE_BIN)\n");
        return 1;
    }
    snprintf(url, sizeof url, "%s/bot%s/sendMessage", e.url, TOKEN);
    if (bh_client_new(&cl, TOKEN, e.url, NULL) != BH_OK || !(c = bare_handle(url, body, sizeof body, &h)) ||
        round_callpath(cl, 10) < 0 || round_bare(c, 10) < 0)  /* warm-up: connections open */
        failed = 1;
    for (int r = 0; r < rounds && !failed; r++)
        if ((ours[r] = round_callpath(cl, n)) < 0 || (bare[r] = round_bare(c, n)) < 0)
            failed = 1;
    if (failed) {
        fprintf(stderr, "bench_callpath: a call failed\n");
    } else {
        double o = bh_bench_median(ours, (size_t)rounds), b = bh_bench_median(bare, (size_t)rounds);
        printf("RESULT bench=callpath calls=%d callpath_us=%.1f bare_curl_us=%.1f ratio=%.3f\n", n * rounds,
               o / 1000, b / 1000, o / b);
        bh_bench_target("callpath_per_call_vs_bare_curl_post", o / b, 1.2);
    }
    bh_client_free(cl);
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(h);
    bh_bench_emu_stop(&e);
    return failed;
}
