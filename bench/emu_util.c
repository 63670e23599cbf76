/*
 * The emulator for the Bot API benchmarks (see emu_util.h).
 */
#include "emu_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bothive/error.h"
#include "emu/client.h"
#include "emu/launch.h"

int bh_bench_emu_start(bh_bench_emu *e, const char *token, const char *const *args)
{
    const char *bin = getenv("BOTHIVE_BIN");
    if (!bin || !*bin)
        bin = access("../tools/bothive", X_OK) == 0 ? "../tools/bothive" : "tools/bothive";
    bh_emu_launch_opts o = {.bin = bin, .token = token, .log_fd = -1, .start_ms = 30000,
                            .who = "bench", .args = args};
    memset(e, 0, sizeof *e);
    snprintf(e->token, sizeof e->token, "%s", token);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (bh_emu_launch(&e->child, &o, e->url, sizeof e->url) != BH_OK)
        return -1;
    if (!(e->curl = curl_easy_init())) {
        bh_bench_emu_stop(e);
        return -1;
    }
    return 0;
}

void bh_bench_emu_stop(bh_bench_emu *e)
{
    if (e->curl)
        curl_easy_cleanup(e->curl);
    e->curl = NULL;
    if (e->child.pid > 0)
        bh_child_stop(&e->child, 10000);
    e->child.pid = 0;
}

/* One control request: a POST of json when post is set, else a GET. */
static int request(bh_bench_emu *e, const char *path, int post, const char *json, char **resp)
{
    char url[512], err[CURL_ERROR_SIZE], *body = NULL;
    long status = -1;
    snprintf(url, sizeof url, "%s%s", e->url, path);
    bh_emu_request req = {.url = url, .post = post, .json = json, .timeout_s = 60};
    if (bh_emu_client_send(e->curl, &req, &status, &body, err, sizeof err) != BH_OK)
        status = -1;
    if (resp)
        *resp = body;
    else
        free(body);
    return (int)status;
}

int bh_bench_emu_post(bh_bench_emu *e, const char *path, const char *json, char **resp)
{
    return request(e, path, 1, json, resp);
}

int bh_bench_emu_get(bh_bench_emu *e, const char *path, char **resp)
{
    return request(e, path, 0, NULL, resp);
}

int64_t bh_bench_emu_stat(bh_bench_emu *e, const char *name)
{
    char *resp = NULL;
    int64_t v = -1;
    json_object *o = NULL, *res, *f;
    if (bh_bench_emu_get(e, "/control/stats", &resp) == 200 && (o = json_tokener_parse(resp)) &&
        json_object_object_get_ex(o, "result", &res) && json_object_object_get_ex(res, name, &f))
        v = json_object_get_int64(f);
    json_object_put(o);
    free(resp);
    return v;
}

int64_t bh_bench_proc_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int64_t v = -1;
    size_t n = strlen(field);
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, n)) {
            v = strtoll(line + n, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}
