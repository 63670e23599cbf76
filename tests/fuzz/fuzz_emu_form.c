/*
 * The emulator's streaming multipart/form-data reader (tools/emu/form.c),
 * as the emulator runs it: libmicrohttpd's post processor needs a real
 * connection, so each input is sent as an HTTP POST over a socket pair to
 * a daemon of this process (no listening socket, run by MHD_run here, no
 * thread), whose handler feeds the body to bh_emu_form_feed piece by piece
 * and reads the parts back with bh_emu_form_params. The body is written in
 * pieces of a size the input chooses, so parts reach the reader split at
 * every place.
 *
 * Input: a byte choosing the piece size (0: the body at once), the
 * Content-Type up to the first newline (CR and NUL made spaces, so that it
 * stays one header), then the body.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>
#include <microhttpd.h>

#include "bothive/error.h"
#include "emu/emu.h"
#include "fuzz.h"

/* MHD_run turns without progress before an exchange is given up: far more
 * than any input needs, so only a reader that stopped answering hits it. */
#define BH_FUZZ_FORM_TURNS 100000

static struct MHD_Daemon *daemon_;
static volatile size_t bh_fuzz_sink;

/* The parts read back: every string, every upload's bytes. */
static void read_back(bh_emu_params *p)
{
    json_object_object_foreach(p, name, val)
    {
        bh_emu_upload *u = bh_emu_param_upload(p, name);
        const char *s = bh_emu_param_str(p, name);
        (void)val;
        BH_FUZZ_ASSERT(s != NULL);
        bh_fuzz_sink += strlen(s);
        if (u) {
            BH_FUZZ_ASSERT(u->len == 0 || u->data != NULL);
            BH_FUZZ_ASSERT(u->len < u->cap || u->len == 0);
            if (u->len)
                bh_fuzz_sink += (uint8_t)u->data[u->len - 1] + (uint8_t)u->data[u->len];
        }
    }
}

/* The end of the request: the parts become parameters (a malformed body
 * is 400, too large 413), as http.c answers. */
static enum MHD_Result answer(struct MHD_Connection *con, bh_emu_form *form)
{
    bh_emu_params *p = bh_emu_params_new();
    unsigned status = 400;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    BH_FUZZ_ASSERT(p != NULL);
    if (form && bh_emu_form_too_big(form)) {
        status = 413;
    } else if (form && bh_emu_form_params(form, p) == BH_OK) {
        read_back(p);
        status = 200;
    }
    json_object_put(p);
    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    BH_FUZZ_ASSERT(resp != NULL);
    ret = MHD_queue_response(con, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A marker for a request that is not multipart (no reader). */
static char not_multipart;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    bh_emu_form *form = *con_cls == &not_multipart ? NULL : *con_cls;
    (void)cls, (void)url, (void)method, (void)version;

    if (!*con_cls) {
        form = bh_emu_form_new(con);
        *con_cls = form ? (void *)form : &not_multipart;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (form && bh_emu_form_feed(form, upload_data, n) == BH_ENOMEM)
            return MHD_NO;
        return MHD_YES;
    }
    return answer(con, form);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)con, (void)toe;
    if (*con_cls && *con_cls != &not_multipart)
        bh_emu_form_free(*con_cls);
    *con_cls = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    bh_fuzz_quiet();
    daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, NULL,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                               MHD_OPTION_END);
    BH_FUZZ_ASSERT(daemon_ != NULL);
    return 0;
}

/* Writes all of buf to fd, running the daemon while the socket is full.
 * 0, or -1 when the daemon stopped reading (it closed, or never moved). */
static int send_all(int fd, const char *buf, size_t n)
{
    for (int turns = 0; n > 0 && turns < BH_FUZZ_FORM_TURNS; turns++) {
        ssize_t w = write(fd, buf, n);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        }
        MHD_run(daemon_);
    }
    return n == 0 ? 0 : -1;
}

/* Runs the daemon until it closed the connection (the answer read and
 * dropped), or gives up. */
static void drain(int fd)
{
    char buf[4096];

    for (int turns = 0; turns < BH_FUZZ_FORM_TURNS; turns++) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return;
        MHD_run(daemon_);
    }
}

/* The request's head, with ct as its Content-Type; malloc'd. */
static char *request_head(const char *ct, size_t body_len)
{
    static const char fmt[] = "POST /bot1:X/sendDocument HTTP/1.1\r\nHost: f\r\n"
                              "Connection: close\r\nContent-Type: %s\r\n"
                              "Content-Length: %zu\r\n\r\n";
    size_t n = sizeof fmt + strlen(ct) + 24;
    char *head = malloc(n);

    BH_FUZZ_ASSERT(head != NULL);
    snprintf(head, n, fmt, ct, body_len);
    return head;
}

/* One exchange: the head, then the body in pieces of piece bytes (all at
 * once when 0), then the answer until the daemon closes. */
static void exchange(const char *ct, const uint8_t *body, size_t len, size_t piece)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char *head = request_head(ct, len);
    int sv[2];

    BH_FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    if (MHD_add_connection(daemon_, sv[1], (struct sockaddr *)&sa, sizeof sa) != MHD_YES) {
        close(sv[1]);
        goto done;
    }
    if (send_all(sv[0], head, strlen(head)) != 0)
        goto done;
    for (size_t off = 0; off < len;) {
        size_t n = piece && piece < len - off ? piece : len - off;
        if (send_all(sv[0], (const char *)body + off, n) != 0)
            goto done;
        off += n;
        MHD_run(daemon_);
    }
    drain(sv[0]);
done:
    close(sv[0]);
    for (int i = 0; i < 4; i++) /* the daemon sees the close and frees the connection */
        MHD_run(daemon_);
    free(head);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bh_fuzz_in in = {data, size};
    size_t piece = bh_fuzz_u8(&in);
    const uint8_t *nl = memchr(in.p, '\n', in.left);
    size_t n = nl ? (size_t)(nl - in.p) : in.left;
    char *ct = bh_fuzz_cstr(in.p, n);

    BH_FUZZ_ASSERT(ct != NULL);
    for (size_t i = 0; i < n; i++)
        if (ct[i] == '\r' || ct[i] == '\0')
            ct[i] = ' ';
    in.p += n + (nl != NULL);
    in.left -= n + (nl != NULL);
    exchange(ct, in.p, in.left, piece);
    free(ct);
    return 0;
}
