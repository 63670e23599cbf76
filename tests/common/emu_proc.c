/*
 * The emulator as a child process of a test, and small libcurl and json-c
 * helpers to talk to it. See emu_proc.h.
 */
#include "emu_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "bothive/error.h"
#include "emu/client.h"

#define BH_EMU_PROC_WAIT_MS 30000   /* for the URL line, and for SIGTERM to work */
#define BH_EMU_PROC_TIMEOUT_S 120L  /* one request, a long poll included */
#define BH_EMU_PROC_TOKEN "123456:TEST"

int bh_emu_start(bh_emu_proc *e, const char *token)
{
    return bh_emu_start_args(e, token, NULL);
}

int bh_emu_start_args(bh_emu_proc *e, const char *token, const char *const *args)
{
    bh_emu_launch_opts o = {.bin = getenv("BOTHIVE_BIN"), .token = token ? token : BH_EMU_PROC_TOKEN,
                            .log_fd = -1, .start_ms = BH_EMU_PROC_WAIT_MS, .who = "bh_emu_start",
                            .args = args};
    memset(e, 0, sizeof *e);
    if (!o.bin || !*o.bin || strlen(o.token) >= sizeof e->token)
        return -1;
    snprintf(e->token, sizeof e->token, "%s", o.token);
    curl_global_init(CURL_GLOBAL_DEFAULT);  /* idempotent; before any thread */
    /* A test that fails exits without its teardown: the emulator dies with it
     * (the launcher's children do not outlive their parent). */
    if (bh_emu_launch(&e->child, &o, e->url, sizeof e->url) != BH_OK) {
        e->child.pid = 0;
        return -1;
    }
    return 0;
}

int bh_emu_stop(bh_emu_proc *e)
{
    bh_child *c = &e->child;
    int rc;
    if (c->pid <= 0)
        return -1;
    rc = bh_child_stop(c, BH_EMU_PROC_WAIT_MS);
    if (rc == BH_ETIMEDOUT)
        fprintf(stderr, "bh_emu_stop: emulator %d ignored SIGTERM, killed it\n", (int)c->pid);
    c->pid = 0;
    if (rc == BH_ETIMEDOUT)
        return -1;
    if (c->lost || !WIFEXITED(c->status) || WEXITSTATUS(c->status) != 0) {
        fprintf(stderr, "bh_emu_stop: emulator ended with status 0x%x%s\n", c->status,
                c->lost ? " (reaped elsewhere)" : "");
        return -1;
    }
    return 0;
}

/* One HTTP request to the emulator: GET when post is 0, else POST of json. */
static int request(bh_emu_proc *e, const char *path, int post, const char *json, char **resp)
{
    CURL *c = curl_easy_init();
    char *url = NULL, *body = NULL, err[CURL_ERROR_SIZE];
    long status = -1;
    if (resp)
        *resp = NULL;
    if (c && asprintf(&url, "%s%s", e->url, path) >= 0) {
        bh_emu_request req = {.url = url, .post = post, .json = json,
                              .timeout_s = BH_EMU_PROC_TIMEOUT_S};
        if (bh_emu_client_send(c, &req, &status, &body, err, sizeof err) != BH_OK)
            status = -1;
        free(url);
    }
    if (resp)
        *resp = body;
    else
        free(body);
    if (c)
        curl_easy_cleanup(c);
    return (int)status;
}

int bh_emu_post(bh_emu_proc *e, const char *path, const char *json, char **resp)
{
    return request(e, path, 1, json, resp);
}

int bh_emu_get(bh_emu_proc *e, const char *path, char **resp)
{
    return request(e, path, 0, NULL, resp);
}

int bh_emu_call(bh_emu_proc *e, const char *method, const char *json, char **resp)
{
    char path[512];
    snprintf(path, sizeof path, "/bot%s/%s", e->token, method);
    return request(e, path, 1, json, resp);
}

int64_t bh_emu_send_user_message(bh_emu_proc *e, int64_t chat_id, int64_t user_id,
                                 const char *text)
{
    json_object *o = json_object_new_object();
    char *resp = NULL;
    int64_t id = -1;
    json_object_object_add(o, "chat_id", json_object_new_int64(chat_id));
    json_object_object_add(o, "user_id", json_object_new_int64(user_id));
    json_object_object_add(o, "text", json_object_new_string(text));
    if (bh_emu_post(e, "/control/message", json_object_to_json_string(o), &resp) != 200 ||
        bh_emu_json_int(resp, "result.update_id", &id) < 0)
        id = -1;
    free(resp);
    json_object_put(o);
    return id;
}

/* Walks a dotted path; returns a borrowed pointer into root, or NULL. */
static json_object *json_walk(json_object *root, const char *path)
{
    char *copy = strdup(path), *save = NULL;
    json_object *cur = root;
    if (!copy)
        return NULL;
    for (char *part = strtok_r(copy, ".", &save); part && cur; part = strtok_r(NULL, ".", &save)) {
        char *end;
        long idx = strtol(part, &end, 10);
        if (*part && !*end && json_object_is_type(cur, json_type_array)) {
            cur = idx >= 0 && (size_t)idx < json_object_array_length(cur)
                      ? json_object_array_get_idx(cur, (size_t)idx) : NULL;
        } else if (!json_object_is_type(cur, json_type_object) ||
                   !json_object_object_get_ex(cur, part, &cur)) {
            cur = NULL;
        }
    }
    free(copy);
    return cur;
}

int bh_emu_json_int(const char *json, const char *path, int64_t *out)
{
    json_object *root = json ? json_tokener_parse(json) : NULL, *v;
    int rc = -1;
    if (!root)
        return -1;
    v = json_walk(root, path);
    if (v && (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_boolean))) {
        *out = json_object_get_int64(v);
        rc = 0;
    }
    json_object_put(root);
    return rc;
}

char *bh_emu_json_str(const char *json, const char *path)
{
    json_object *root = json ? json_tokener_parse(json) : NULL, *v;
    char *s = NULL;
    if (!root)
        return NULL;
    v = json_walk(root, path);
    if (v)
        s = strdup(json_object_get_string(v));
    json_object_put(root);
    return s;
}

int bh_emu_stat(bh_emu_proc *e, const char *name, int64_t *out)
{
    char *resp = NULL, path[128];
    int rc = -1;

    snprintf(path, sizeof path, "result.%s", name);
    if (bh_emu_get(e, "/control/stats", &resp) == 200)
        rc = bh_emu_json_int(resp, path, out);
    free(resp);
    return rc;
}
