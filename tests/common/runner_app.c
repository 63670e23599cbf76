#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "bothive/log.h"
#include "emu_proc.h"
#include "runner_app.h"
#include "testutil.h"

typedef struct app_state {
    bh_test_runner *cfg;
    bh_shared *mem;
} app_state;

static app_state app_st;

static int app_worker_start(void *arg, bh_store *st, int worker_no)
{
    app_state *a = arg;
    char key[64];
    if (bh_shared_open(st, "test", &a->mem) != BH_OK)
        return -1;
    snprintf(key, sizeof key, "worker_pid:%d", worker_no);
    bh_shared_set_int(a->mem, key, getpid());
    srand((unsigned)getpid());
    return 0;
}

static void app_worker_stop(void *arg)
{
    app_state *a = arg;
    bh_shared_close(a->mem);
    a->mem = NULL;
}

static int app_handle_timer(app_state *a)
{
    int64_t running = 0;
    bh_runner_note("timer_hook");
    bh_shared_incr(a->mem, "timer_running", 1, &running);
    if (running > 1)
        bh_shared_incr(a->mem, "timer_overlap", 1, NULL);
    bh_shared_incr(a->mem, "timer_runs", 1, NULL);
    usleep((useconds_t)a->cfg->timer_sleep_ms * 1000);
    bh_shared_incr(a->mem, "timer_running", -1, NULL);
    return 0;
}

/* Whether a store call that gave rc is to be tried again (store_retry,
 * after a pause). */
static int app_again(const app_state *a, int rc)
{
    if (rc == BH_OK || rc == BH_ENOTFOUND || !a->cfg->store_retry)
        return 0;
    usleep(100000);
    return 1;
}

static int app_handle(void *arg, const bh_job *job)
{
    app_state *a = arg;
    json_object *u, *msg, *chat, *v;
    const char *text = "";
    int64_t chat_id = 0, n;
    char key[96];

    if (job->kind == BH_JOB_TIMER)
        return app_handle_timer(a);
    bh_runner_note("test_hook");
    snprintf(key, sizeof key, "b:%lld", (long long)job->update_id);
    bh_shared_incr(a->mem, key, 1, NULL);
    u = json_tokener_parse(job->json);
    if (!u)
        return BH_EJSON;
    if (json_object_object_get_ex(u, "message", &msg)) {
        if (json_object_object_get_ex(msg, "chat", &chat) &&
            json_object_object_get_ex(chat, "id", &v))
            chat_id = json_object_get_int64(v);
        if (json_object_object_get_ex(msg, "text", &v))
            text = json_object_get_string(v);
    }
    if (!strcmp(text, "crash-once")) {
        snprintf(key, sizeof key, "crashed:%lld", (long long)job->update_id);
        if (bh_shared_incr(a->mem, key, 1, &n) == BH_OK && n == 1)
            raise(SIGKILL);
    } else if (!strcmp(text, "poison")) {
        bh_shared_incr(a->mem, "poison_runs", 1, NULL);
        raise(SIGKILL);
    } else if (!strcmp(text, "poison-host")) {
        /* The second run takes its whole host down (its process group):
         * a crash no host can count. */
        bh_shared_incr(a->mem, "poison_runs", 1, &n);
        if (n == 2)
            kill(0, SIGKILL);
        raise(SIGKILL);
    } else if (!strncmp(text, "sleep:", 6)) {
        usleep((useconds_t)atoi(text + 6) * 1000);
    } else if (text[0] >= '0' && text[0] <= '9') {
        int64_t seq = atoll(text), last = 0;
        snprintf(key, sizeof key, "last:%lld", (long long)chat_id);
        while (app_again(a, bh_shared_get_int(a->mem, key, &last)))
            ;
        if (seq != last + 1)
            bh_shared_incr(a->mem, "order_errors", 1, NULL);
        if (a->cfg->delay_us)
            usleep((useconds_t)(rand() % a->cfg->delay_us));
        while (app_again(a, bh_shared_set_int(a->mem, key, seq)))
            ;
    }
    if (a->cfg->host_tag) {
        snprintf(key, sizeof key, "host:%s", a->cfg->host_tag);
        bh_shared_incr(a->mem, key, 1, NULL);
    }
    snprintf(key, sizeof key, "p:%lld", (long long)job->update_id);
    n = 0;
    while (app_again(a, bh_shared_incr(a->mem, key, 1, &n)))
        ;
    if (n > 1)
        bh_shared_incr(a->mem, "dups", 1, NULL);
    while (app_again(a, bh_shared_incr(a->mem, "total", 1, NULL)))
        ;
    json_object_put(u);
    return 0;
}

/* The runner's failures to listen for a webhook, counted by every process
 * of every runner started after bh_test_runner_start_webhook made it: an
 * anonymous shared mapping, so that an updater (a grandchild of the test)
 * counts where the test reads. */
static _Atomic int *listen_failures;

/* The runner's log handler while listen_failures exists: counts them, and
 * writes every line on stderr as the default handler would. */
static void app_log(int level, const char *msg, void *arg)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    (void)arg;
    if (!strncmp(msg, "webhook: cannot listen on", 25))
        atomic_fetch_add(listen_failures, 1);
    dprintf(STDERR_FILENO, "%-5s [%d] %s\n", level >= 0 && level < 4 ? names[level] : "?",
            (int)getpid(), msg);
}

int bh_test_runner_start(bh_test_runner *r)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        static int timer_secs[1];
        bh_runner_source src = {.token = r->token};
        bh_runner_app app = {.arg = &app_st, .sources = &src, .nsources = 1,
                             .worker_start = app_worker_start, .handle = app_handle,
                             .worker_stop = app_worker_stop};
        bh_run_options o = r->opts;
        app_st.cfg = r;
        if (r->timer_seconds) {
            timer_secs[0] = r->timer_seconds;
            src.timer_seconds = timer_secs;
            src.ntimers = 1;
        }
        if (listen_failures)
            bh_log_set_handler(app_log, NULL);
        o.store_url = r->store_url;
        if (!o.shutdown_timeout_ms)
            o.shutdown_timeout_ms = 20000;
        if (!o.poll_timeout_s)
            o.poll_timeout_s = 2;
        _exit(bh_runner_run(&app, &o) == 0 ? 0 : 1);
    }
    r->pid = pid;
    return 0;
}

int bh_test_runner_stop(bh_test_runner *r)
{
    int st;
    if (r->pid <= 0)
        return -1;
    kill(r->pid, SIGTERM);
    st = bh_test_wait(r->pid);
    r->pid = 0;
    return st;
}

int64_t bh_test_runner_get(bh_store *st, const char *key)
{
    bh_shared *m;
    int64_t v = 0;
    if (bh_shared_open(st, "test", &m) != BH_OK)
        return -1;
    bh_shared_get_int(m, key, &v);
    bh_shared_close(m);
    return v;
}

int64_t bh_test_runner_wait(bh_store *st, const char *key, int64_t want, int64_t ms)
{
    int64_t end = bh_test_now_ms() + ms, v;
    while ((v = bh_test_runner_get(st, key)) < want && bh_test_now_ms() < end)
        usleep(10000);
    return v;
}

void bh_test_runner_init(bh_test_runner *r, const bh_emu_proc *e, const char *store_url,
                         int workers)
{
    memset(r, 0, sizeof *r);
    r->token = e->token;
    r->store_url = store_url;
    r->opts.workers = workers;
    r->opts.api_url = e->url;
}

void bh_test_runner_fx_setup(bh_test_runner_fx *f, const char *token, const char *tag,
                             int log_level)
{
    memset(f, 0, sizeof *f);
    if (!getenv("BOTHIVE_LOG"))
        bh_log_set_level(log_level);
    ck_assert_int_eq(bh_emu_start(&f->emu, token), 0);
    f->path = bh_test_tmppath(tag);
    snprintf(f->url, sizeof f->url, "file:%s", f->path);
    ck_assert_int_eq(bh_store_open(&f->st, f->url, NULL), BH_OK);
}

void bh_test_runner_fx_teardown(bh_test_runner_fx *f)
{
    bh_store_close(f->st);
    f->st = NULL;
    if (f->path)
        unlink(f->path);
    free(f->path);
    f->path = NULL;
    bh_emu_stop(&f->emu);
}

void bh_test_runner_fx_init(const bh_test_runner_fx *f, bh_test_runner *r, int workers)
{
    bh_test_runner_init(r, &f->emu, f->url, workers);
}

int64_t bh_test_runner_fx_stat(bh_test_runner_fx *f, const char *path)
{
    int64_t v = -1;
    if (bh_emu_stat(&f->emu, path, &v) != 0)
        return -1;
    return v;
}

/* A port of 127.0.0.1 that was free a moment ago (0 if none was found). */
static unsigned free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    unsigned port = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Waits up to 30 s until e has url as its webhook (1), or r's updater
 * failed to listen once more than before (0). */
static int webhook_up(bh_emu_proc *e, const char *url, int before)
{
    int64_t end = bh_test_now_ms() + 30000;
    int up = 0;
    while (!up && atomic_load(listen_failures) == before && bh_test_now_ms() < end) {
        char *resp = NULL;
        bh_emu_call(e, "getWebhookInfo", NULL, &resp);
        up = resp && strstr(resp, url) != NULL;
        free(resp);
        if (!up)
            usleep(20000);
    }
    return up;
}

unsigned bh_test_runner_start_webhook(bh_test_runner *r, bh_emu_proc *e, const char *host,
                                      char *url, size_t url_size, char *listen,
                                      size_t listen_size)
{
    if (!listen_failures) {
        void *p = mmap(NULL, sizeof *listen_failures, PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 0;
        listen_failures = p;
    }
    for (int attempt = 0; attempt < 5; attempt++) {
        unsigned port = free_port();
        int before = atomic_load(listen_failures);
        if (!port)
            continue;
        snprintf(url, url_size, "http://127.0.0.1:%u/hook", port);
        snprintf(listen, listen_size, "%s:%u", host, port);
        r->opts.webhook_url = url;
        r->opts.webhook_listen = listen;
        if (bh_test_runner_start(r) != 0)
            return 0;
        if (webhook_up(e, url, before))
            return port;
        bh_test_runner_stop(r);
    }
    return 0;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

long bh_test_webhook_post(const char *url, const char *secret, const char *body)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char hdr[300];
    long status = 0;
    if (secret) {
        snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", secret);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* Whether /proc/<pid>/stat names a live child of parent whose name
 * starts with prefix. */
static int child_of(int pid, pid_t parent, const char *prefix)
{
    char path[64], buf[512], state = 0;
    int ppid = 0;
    size_t len;
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    if (!(f = fopen(path, "r")))
        return 0;
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    char *op = strchr(buf, '('), *cp = strrchr(buf, ')');
    if (!op || !cp || sscanf(cp + 2, "%c %d", &state, &ppid) != 2)
        return 0;
    *cp = 0;
    return ppid == parent && state != 'Z' && !strncmp(op + 1, prefix, strlen(prefix));
}

int bh_test_runner_children(pid_t parent, const char *prefix, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while (d && n < max && (de = readdir(d))) {
        int pid = atoi(de->d_name);
        if (pid > 0 && child_of(pid, parent, prefix))
            pids[n++] = pid;
    }
    if (d)
        closedir(d);
    return n;
}
