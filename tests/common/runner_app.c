#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

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
