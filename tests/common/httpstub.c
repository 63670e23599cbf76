/*
 * The scripted loopback HTTP server of the tests (see httpstub.h).
 * One thread per connection, so that a delayed answer delays only its own
 * connection; delays sleep in slices so that stopping the server is quick.
 */
#include "httpstub.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

typedef struct bh_stub_reply {
    int status;
    char *body;
    int delay_ms;
    char *content_type;
} bh_stub_reply;

struct bh_httpstub {
    struct MHD_Daemon *d;
    unsigned port;
    char url[64];
    pthread_mutex_t mu;
    volatile int stopping;
    bh_stub_reply *queue;
    size_t qhead, qlen, qcap;
    bh_stub_reply dflt;
    bh_stub_request *reqs;
    size_t nreq, capreq;
};

typedef struct bh_stub_conn {
    char *body;
    size_t len, cap;
} bh_stub_conn;

static char *bh_stub_strdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        abort();
    return p;
}

static void bh_stub_record(bh_httpstub *s, struct MHD_Connection *conn, const char *method,
                           const char *url, bh_stub_conn *cc)
{
    bh_stub_request r;
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    memset(&r, 0, sizeof r);
    snprintf(r.method, sizeof r.method, "%s", method);
    snprintf(r.path, sizeof r.path, "%s", url);
    snprintf(r.content_type, sizeof r.content_type, "%s", ct ? ct : "");
    r.body = malloc(cc->len + 1);
    if (!r.body)
        abort();
    if (cc->len)
        memcpy(r.body, cc->body, cc->len);
    r.body[cc->len] = '\0';
    r.body_len = cc->len;
    r.t_ms = bh_test_now_ms();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        r.client_port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
    pthread_mutex_lock(&s->mu);
    if (s->nreq == s->capreq) {
        s->capreq = s->capreq ? s->capreq * 2 : 16;
        s->reqs = realloc(s->reqs, s->capreq * sizeof *s->reqs);
        if (!s->reqs)
            abort();
    }
    s->reqs[s->nreq++] = r;
    pthread_mutex_unlock(&s->mu);
}

static enum MHD_Result bh_stub_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls)
{
    bh_httpstub *s = cls;
    bh_stub_conn *cc = *con_cls;
    bh_stub_reply rep;
    (void)version;

    if (!cc) {
        cc = calloc(1, sizeof *cc);
        if (!cc)
            return MHD_NO;
        *con_cls = cc;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (cc->len + *upload_data_size + 1 > cc->cap) {
            cc->cap = (cc->len + *upload_data_size + 1) * 2;
            cc->body = realloc(cc->body, cc->cap);
            if (!cc->body)
                abort();
        }
        memcpy(cc->body + cc->len, upload_data, *upload_data_size);
        cc->len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    bh_stub_record(s, conn, method, url, cc);

    pthread_mutex_lock(&s->mu);
    if (s->qhead < s->qlen) {
        rep = s->queue[s->qhead++];
    } else {
        rep = s->dflt;
        rep.body = bh_stub_strdup(rep.body);
        rep.content_type = bh_stub_strdup(rep.content_type);
    }
    pthread_mutex_unlock(&s->mu);

    for (int waited = 0; waited < rep.delay_ms && !s->stopping; waited += 10) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    enum MHD_Result ret = MHD_NO;
    if (rep.status > 0 && !s->stopping) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(
            strlen(rep.body), rep.body, MHD_RESPMEM_MUST_COPY);
        if (resp) {
            MHD_add_response_header(resp, "Content-Type", rep.content_type);
            ret = MHD_queue_response(conn, (unsigned)rep.status, resp);
            MHD_destroy_response(resp);
        }
    }
    free(rep.body);
    free(rep.content_type);
    return ret;
}

static void bh_stub_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    bh_stub_conn *cc = *con_cls;
    (void)cls, (void)conn, (void)toe;
    if (cc) {
        free(cc->body);
        free(cc);
        *con_cls = NULL;
    }
}

bh_httpstub *bh_httpstub_start(void)
{
    bh_httpstub *s = calloc(1, sizeof *s);
    struct sockaddr_in sa;
    if (!s)
        abort();
    /* The clients under test must reach the stub directly, whatever proxy
     * the machine running the tests is configured with. */
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    pthread_mutex_init(&s->mu, NULL);
    s->dflt.status = 200;
    s->dflt.body = bh_stub_strdup("{\"ok\":true,\"result\":true}");
    s->dflt.content_type = bh_stub_strdup("application/json");
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ERROR_LOG,
                            0, NULL, NULL, bh_stub_handler, s, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, bh_stub_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
    if (!s->d) {
        fprintf(stderr, "httpstub: MHD_start_daemon failed\n");
        abort();
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || !info->port) {
        fprintf(stderr, "httpstub: no port\n");
        abort();
    }
    s->port = info->port;
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%u", s->port);
    return s;
}

void bh_httpstub_stop(bh_httpstub *s)
{
    if (!s)
        return;
    s->stopping = 1;
    MHD_stop_daemon(s->d);
    for (size_t i = s->qhead; i < s->qlen; i++) {
        free(s->queue[i].body);
        free(s->queue[i].content_type);
    }
    free(s->queue);
    free(s->dflt.body);
    free(s->dflt.content_type);
    for (size_t i = 0; i < s->nreq; i++)
        free(s->reqs[i].body);
    free(s->reqs);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *bh_httpstub_url(const bh_httpstub *s)
{
    return s->url;
}

unsigned bh_httpstub_port(const bh_httpstub *s)
{
    return s->port;
}

void bh_httpstub_push_ct(bh_httpstub *s, int status, const char *body, int delay_ms,
                         const char *content_type)
{
    pthread_mutex_lock(&s->mu);
    if (s->qlen == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 8;
        s->queue = realloc(s->queue, s->qcap * sizeof *s->queue);
        if (!s->queue)
            abort();
    }
    s->queue[s->qlen].status = status;
    s->queue[s->qlen].body = bh_stub_strdup(body);
    s->queue[s->qlen].delay_ms = delay_ms;
    s->queue[s->qlen].content_type = bh_stub_strdup(content_type);
    s->qlen++;
    pthread_mutex_unlock(&s->mu);
}

void bh_httpstub_push(bh_httpstub *s, int status, const char *body, int delay_ms)
{
    bh_httpstub_push_ct(s, status, body, delay_ms, "application/json");
}

void bh_httpstub_set_default(bh_httpstub *s, int status, const char *body, int delay_ms)
{
    pthread_mutex_lock(&s->mu);
    free(s->dflt.body);
    s->dflt.status = status;
    s->dflt.body = bh_stub_strdup(body);
    s->dflt.delay_ms = delay_ms;
    pthread_mutex_unlock(&s->mu);
}

size_t bh_httpstub_count(bh_httpstub *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nreq;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bh_stub_request *bh_httpstub_request(bh_httpstub *s, size_t i)
{
    bh_stub_request *r = NULL;
    pthread_mutex_lock(&s->mu);
    if (i < s->nreq) {
        r = malloc(sizeof *r);
        if (!r)
            abort();
        *r = s->reqs[i];
        r->body = malloc(r->body_len + 1);
        if (!r->body)
            abort();
        memcpy(r->body, s->reqs[i].body, r->body_len + 1);
    }
    pthread_mutex_unlock(&s->mu);
    return r;
}

void bh_stub_request_free(bh_stub_request *r)
{
    if (r) {
        free(r->body);
        free(r);
    }
}

unsigned bh_test_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) ||
        getsockname(fd, (struct sockaddr *)&sa, &len))
        abort();
    close(fd);
    return ntohs(sa.sin_port);
}
