/*
 * The emulator as a child process of a test, and small libcurl and json-c
 * helpers to talk to it. See emu_proc.h.
 */
#include "emu_proc.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#define BH_EMU_PROC_WAIT_MS 30000

typedef struct bh_emu_buf {
    char *data;
    size_t len;
} bh_emu_buf;

static int64_t bh_emu_proc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the first line of fd (without its newline) into buf, waiting up to
 * BH_EMU_PROC_WAIT_MS. Returns 0, or -1 on EOF, error or timeout. */
static int bh_emu_read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    int64_t deadline = bh_emu_proc_now_ms() + BH_EMU_PROC_WAIT_MS;
    while (n + 1 < size) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - bh_emu_proc_now_ms();
        if (left <= 0)
            return -1;
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return 0;
        }
        n++;
    }
    return -1;
}

int bh_emu_start(bh_emu_proc *e, const char *token)
{
    const char *bin = getenv("BOTHIVE_BIN");
    int fds[2];
    memset(e, 0, sizeof *e);
    if (!token)
        token = "123456:TEST";
    if (!bin || !*bin || strlen(token) >= sizeof e->token)
        return -1;
    snprintf(e->token, sizeof e->token, "%s", token);
    curl_global_init(CURL_GLOBAL_DEFAULT);  /* idempotent; before any thread */
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        /* A test that fails exits without its teardown: the emulator must
         * not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            _exit(127);
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(bin, bin, "emu", "--port", "0", "--token", token, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    e->pid = pid;
    if (bh_emu_read_line(fds[0], e->url, sizeof e->url) < 0 || strncmp(e->url, "http://", 7)) {
        close(fds[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        e->pid = 0;
        return -1;
    }
    /* Nothing else comes on stdout; the emulator never writes there again. */
    close(fds[0]);
    return 0;
}

int bh_emu_stop(bh_emu_proc *e)
{
    int status = 0;
    int64_t deadline = bh_emu_proc_now_ms() + BH_EMU_PROC_WAIT_MS;
    pid_t r;
    if (e->pid <= 0)
        return -1;
    kill(e->pid, SIGTERM);
    for (;;) {
        r = waitpid(e->pid, &status, WNOHANG);
        if (r == e->pid || (r < 0 && errno != EINTR))
            break;
        if (bh_emu_proc_now_ms() > deadline) {
            fprintf(stderr, "bh_emu_stop: emulator %d ignored SIGTERM, killing it\n", (int)e->pid);
            kill(e->pid, SIGKILL);
            waitpid(e->pid, &status, 0);
            e->pid = 0;
            return -1;
        }
        usleep(10000);
    }
    e->pid = 0;
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bh_emu_stop: emulator ended with status 0x%x\n", status);
        return -1;
    }
    return 0;
}

static size_t bh_emu_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    bh_emu_buf *b = userdata;
    size_t n = size * nmemb;
    char *d = realloc(b->data, b->len + n + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, ptr, n);
    b->data = d;
    b->len += n;
    d[b->len] = '\0';
    return n;
}

/* One HTTP request to the emulator: GET when post is 0, else POST of json. */
static int bh_emu_request(bh_emu_proc *e, const char *path, int post, const char *json, char **resp)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    bh_emu_buf b = {0};
    char *url = NULL;
    long status = -1;
    if (resp)
        *resp = NULL;
    if (!c || asprintf(&url, "%s%s", e->url, path) < 0) {
        url = NULL;
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bh_emu_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (post) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(json ? strlen(json) : 0));
    }
    if (curl_easy_perform(c) != CURLE_OK) {
        status = -1;
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (resp) {
        *resp = b.data ? b.data : strdup("");
        b.data = NULL;
    }
out:
    free(b.data);
    free(url);
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    return (int)status;
}

int bh_emu_post(bh_emu_proc *e, const char *path, const char *json, char **resp)
{
    return bh_emu_request(e, path, 1, json, resp);
}

int bh_emu_get(bh_emu_proc *e, const char *path, char **resp)
{
    return bh_emu_request(e, path, 0, NULL, resp);
}

int bh_emu_call(bh_emu_proc *e, const char *method, const char *json, char **resp)
{
    char path[512];
    snprintf(path, sizeof path, "/bot%s/%s", e->token, method);
    return bh_emu_request(e, path, 1, json, resp);
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
static json_object *bh_emu_json_walk(json_object *root, const char *path)
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
    v = bh_emu_json_walk(root, path);
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
    v = bh_emu_json_walk(root, path);
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
