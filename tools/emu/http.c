/*
 * The emulator's HTTP side, on libmicrohttpd with one thread per
 * connection: a long poll simply blocks its own thread on the world's
 * condition variable, and keep-alive connections cost one idle thread each.
 *
 * Routes:  /bot<TOKEN>/<method>   the Bot API (api.c); multipart bodies are
 *                                 read as they arrive (form.c)
 *          /file/bot<TOKEN>/<path> the bytes of an uploaded file (files.c)
 *          /control/<what>        the control API (control.c)
 * Anything else answers 404 in the Bot API's error shape. The handlers
 * build their answers with reply.c; this file only sends them.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "emu.h"

/*
 * Each connection's memory pool: libmicrohttpd clears the whole of it on
 * every request of a keep-alive connection (it zeroes the pool when it
 * resets it for the next request), so its size is what one request costs
 * in clearing, and the pool is sized to what a request needs, not more:
 * the request line and headers, which must fit in it whole. The longest
 * of those the Bot API accepts is a query string carrying a text at its
 * limit, 4096 three-byte characters (36 KiB of escapes); 64 KiB holds
 * that with room, and even a text beyond the limit is read and answered
 * "message is too long" rather than cut off at the HTTP layer. Bodies
 * need no room here: they come through on_request piece by piece.
 */
#define CONNECTION_MEMORY ((size_t)64 * 1024)

/* One request being received: its body, capped at BH_EMU_MAX_BODY. */
typedef struct request_body {
    char *body;
    size_t len, cap;
    int too_big;
    bh_emu_form *form;  /* multipart Bot API calls: read by form.c instead */
} request_body;

/* Adds one query string argument to the parameters in cls, as a string. */
static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    if (key && *key)
        json_object_object_add((json_object *)cls, key, json_object_new_string(value ? value : ""));
    return MHD_YES;
}

/* A body without a content type: JSON when it looks like an object (its
 * first non-blank byte is '{'), else a form. */
static int add_untyped_body(bh_emu_params *p, const request_body *req)
{
    size_t i = 0;
    while (i < req->len && (req->body[i] == ' ' || req->body[i] == '\n' ||
                            req->body[i] == '\r' || req->body[i] == '\t'))
        i++;
    if (i < req->len && req->body[i] == '{')
        return bh_emu_params_add_json(p, req->body, req->len);
    return bh_emu_params_add_form(p, req->body, req->len);
}

/* Builds the parameters of a Bot API call from the query string and the
 * body, whose content type decides how it is read. A body without a content
 * type is read as JSON when it looks like an object, else as a form.
 * Returns BH_OK, or an error for a malformed body. */
static int read_params(struct MHD_Connection *con, const request_body *req, bh_emu_params *p)
{
    const char *ct = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
    MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, add_query_arg, p);
    if (req->len == 0)
        return BH_OK;
    if (!ct)
        return add_untyped_body(p, req);
    if (!strncasecmp(ct, "application/json", 16))
        return bh_emu_params_add_json(p, req->body, req->len);
    if (!strncasecmp(ct, "application/x-www-form-urlencoded", 33))
        return bh_emu_params_add_form(p, req->body, req->len);
    if (!strncasecmp(ct, "multipart/form-data", 19))
        return bh_emu_params_add_multipart(p, ct, req->body, req->len);
    return BH_OK;  /* other types: only the query string counts */
}

bh_emu *bh_emu_bot_of_token(bh_emu *e, const char *token, size_t len)
{
    for (; e; e = e->next_bot)
        if (strlen(e->token) == len && !strncmp(token, e->token, len))
            return e;
    return NULL;
}

/* /bot<TOKEN>/<method>: the token must be one of the emulator's bots'. */
static void route_api(bh_emu *e, struct MHD_Connection *con, const char *path,
                      const request_body *req, bh_emu_reply *r)
{
    const char *slash = strchr(path, '/');
    bh_emu_params *p;
    if (!slash || !(e = bh_emu_bot_of_token(e, path, (size_t)(slash - path)))) {
        bh_emu_reply_error(r, 401, "Unauthorized");
        return;
    }
    if (!(p = bh_emu_params_new())) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    if (req->form)
        MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, add_query_arg, p);
    if ((req->form ? bh_emu_form_params(req->form, p) : read_params(con, req, p)) != BH_OK)
        bh_emu_reply_error(r, 400, "Bad Request: can't parse request body");
    else
        bh_emu_api_handle(e, slash + 1, p, r);
    json_object_put(p);
}

/* /control/<what>: the query string as parameters, the body as it came. */
static void route_control(bh_emu *e, struct MHD_Connection *con, const char *what,
                          const char *http_method, const request_body *req, bh_emu_reply *r)
{
    int64_t bot_id;
    bh_emu_params *q = bh_emu_params_new();
    if (!q) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, add_query_arg, q);
    /* ?bot=<bot id> plays the users of that bot; the first bot without. */
    if (bh_emu_param_int(q, "bot", &bot_id) == BH_OK) {
        while (e && e->bot_id != bot_id)
            e = e->next_bot;
        if (!e) {
            json_object_put(q);
            bh_emu_reply_error(r, 404, "Not Found: no bot of that id");
            return;
        }
    }
    bh_emu_control_handle(e, http_method, what, q, req->body, req->len, r);
    json_object_put(q);
}

/* Serves one complete request into r. */
static void route(bh_emu *e, struct MHD_Connection *con, const char *url,
                  const char *http_method, const request_body *req, bh_emu_reply *r)
{
    if (req->too_big || (req->form && bh_emu_form_too_big(req->form)))
        bh_emu_reply_error(r, 413, "Request Entity Too Large");
    else if (!strncmp(url, "/bot", 4))
        route_api(e, con, url + 4, req, r);
    else if (!strncmp(url, "/control/", 9))
        route_control(e, con, url + 9, http_method, req, r);
    else
        bh_emu_reply_error(r, 404, "Not Found");
}

/* Appends n bytes of an upload to the body, or only notes that the body is
 * too big (the rest is still read, so the 413 reaches the client).
 * Returns BH_OK, or BH_ENOMEM. */
static int take_upload(request_body *req, const char *data, size_t n)
{
    if (req->too_big || req->len + n > BH_EMU_MAX_BODY) {
        req->too_big = 1;  /* keep reading, so the 413 reaches the client */
        return BH_OK;
    }
    char *b = bh_grow(req->body, &req->cap, req->len + n + 1, 1, 4096);
    if (!b)
        return BH_ENOMEM;
    req->body = b;
    memcpy(req->body + req->len, data, n);
    req->len += n;
    req->body[req->len] = '\0';
    return BH_OK;
}

/* Queues the answer r on the connection (the response takes r's body). */
static enum MHD_Result send_reply(struct MHD_Connection *con, bh_emu_reply *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    if (bh_emu_reply_finish(r) != BH_EMU_REPLY_READY)
        return MHD_NO;
    resp = MHD_create_response_from_buffer(strlen(r->body), r->body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(r->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    ret = MHD_queue_response(con, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* GET /file/bot<TOKEN>/<path>: the bytes of the file at path, as uploaded. */
static enum MHD_Result serve_file(bh_emu *e, struct MHD_Connection *con, const char *rest)
{
    const char *slash = strchr(rest, '/');
    struct MHD_Response *resp;
    bh_emu_reply r = {0};
    char *data;
    size_t len;
    enum MHD_Result ret;
    if (!slash || !(e = bh_emu_bot_of_token(e, rest, (size_t)(slash - rest)))) {
        bh_emu_reply_error(&r, 401, "Unauthorized");
        return send_reply(con, &r);
    }
    if (bh_emu_file_copy(e, slash + 1, &data, &len) != BH_OK) {
        bh_emu_reply_error(&r, 404, "Not Found");
        return send_reply(con, &r);
    }
    if (!(resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE))) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
    ret = MHD_queue_response(con, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Takes n bytes of the body: into the multipart reader, or the buffer. */
static int take_body(request_body *req, const char *data, size_t n)
{
    if (req->form)
        return bh_emu_form_feed(req->form, data, n) == BH_ENOMEM ? BH_ENOMEM : BH_OK;
    return take_upload(req, data, n);
}

/* libmicrohttpd's handler: called once when the headers are in (to set up
 * the body), once per piece of the body, and once at its end (to answer). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    request_body *req = *con_cls;
    bh_emu_reply r = {0};
    (void)version;

    if (!req) {
        if (!(req = calloc(1, sizeof *req)))
            return MHD_NO;
        *con_cls = req;
        if (!strncmp(url, "/bot", 4))
            req->form = bh_emu_form_new(con);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return take_body(req, upload_data, n) == BH_OK ? MHD_YES : MHD_NO;
    }
    if (!strncmp(url, "/file/bot", 9))
        return serve_file(cls, con, url + 9);
    route(cls, con, url, method, req, &r);
    return send_reply(con, &r);
}

/* libmicrohttpd's end of a request: frees its body. */
static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
    request_body *req = *con_cls;
    (void)cls;
    (void)con;
    (void)toe;
    if (req) {
        bh_emu_form_free(req->form);
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

/* Starts serving on 127.0.0.1:port (0 picks a free port, reported in
 * *bound_port). Returns the daemon, or NULL when the port cannot be bound. */
struct MHD_Daemon *bh_emu_http_start(bh_emu *e, unsigned port, unsigned *bound_port)
{
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
                             MHD_USE_ERROR_LOG,
                         (uint16_t)port, NULL, NULL, on_request, e,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)128,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY,
                         MHD_OPTION_END);
    if (!d)
        return NULL;
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? info->port : port;
    return d;
}
