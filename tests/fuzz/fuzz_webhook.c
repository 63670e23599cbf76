/*
 * A webhook HTTP request: any bytes sent over loopback to the webhook
 * server, started once in this process with the handlers of
 * src/runner/webhook.c (compiled in here, to reach them without a runner).
 * The answer must be HTTP; every 200 must stand for an update that went
 * to the master, with a positive update_id and a body that is JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

/* The updater's entry point is not needed (and is in the library too). */
#define bh_webhook_main bh_fuzz_webhook_main_unused
#define bh_webhook_hosts_main bh_fuzz_webhook_hosts_main_unused
#include "runner/webhook.c"
#undef bh_webhook_hosts_main
#undef bh_webhook_main

#define BH_FUZZ_SECRET "fuzz-secret-token"

static bh_run_options bh_fuzz_opts;
static bh_updater_cfg bh_fuzz_cfg;
static bh_webhook_server bh_fuzz_server;
static struct MHD_Daemon *bh_fuzz_daemon;
static struct sockaddr_in bh_fuzz_addr;
static int bh_fuzz_master = -1; /* the master's end of the updater's pair */
static char *bh_fuzz_msgbuf;

static void bh_fuzz_stop(void)
{
    if (bh_fuzz_daemon)
        MHD_stop_daemon(bh_fuzz_daemon);
    bh_fuzz_daemon = NULL;
    free(bh_fuzz_msgbuf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fds[2];
    const union MHD_DaemonInfo *info;
    (void)argc;
    (void)argv;

    bh_fuzz_quiet();
    if (bh_proto_pair(fds) != BH_OK || !(bh_fuzz_msgbuf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1)))
        abort();
    bh_fuzz_master = fds[0];
    bh_fuzz_opts.webhook_listen = "127.0.0.1:0";
    bh_fuzz_opts.webhook_secret = BH_FUZZ_SECRET;
    bh_fuzz_opts.webhook_max_body = 4096; /* small, so that 413 is reachable */
    /* The updater's loop, absent here, cuts requests that do not arrive
     * whole in time; exchange() does it instead (bh_webhook_cut_late). */
    bh_fuzz_opts.webhook_request_timeout_ms = 1000;
    bh_fuzz_opts.webhook_max_connections = 64;
    bh_fuzz_opts.webhook_per_ip_connections = 64;
    bh_fuzz_cfg.opts = &bh_fuzz_opts;
    bh_fuzz_cfg.fd = fds[1];
    bh_fuzz_server.cfg = &bh_fuzz_cfg;
    bh_fuzz_server.secret_len = strlen(BH_FUZZ_SECRET);
    if (!(bh_fuzz_daemon = bh_webhook_listen(&bh_fuzz_server)) ||
        !(info = MHD_get_daemon_info(bh_fuzz_daemon, MHD_DAEMON_INFO_BIND_PORT)))
        abort();
    bh_fuzz_addr.sin_family = AF_INET;
    bh_fuzz_addr.sin_port = htons(info->port);
    bh_fuzz_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    atexit(bh_fuzz_stop);
    return 0;
}

/* Sends the request, closes the sending side, reads the whole answer
 * (the server closes once it answered, or once it saw the end of an
 * incomplete request). Returns the answer's length. */
static size_t exchange(const uint8_t *data, size_t size, char *ans, size_t cap)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    size_t sent = 0, got = 0;
    /* A reset on close, not TIME_WAIT: a run makes millions of connections. */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};

    if (s < 0)
        abort();
    while (connect(s, (struct sockaddr *)&bh_fuzz_addr, sizeof bh_fuzz_addr) != 0) {
        if (errno != EINTR) {
            perror("fuzz_webhook: connect to the webhook server");
            abort();
        }
    }
    while (sent < size) {
        ssize_t n = send(s, data + sent, size - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the server answered early and closed */
        sent += (size_t)n;
    }
    shutdown(s, SHUT_WR);
    for (int waited = 0;;) {
        struct pollfd p = {.fd = s, .events = POLLIN};
        /* An incomplete request is cut at its deadline (1 s here), as the
         * updater's loop would; one kept past 20 s would be a hang worth
         * reporting. */
        int r = poll(&p, 1, 100);
        if (r == 0) {
            bh_webhook_cut_late(&bh_fuzz_server);
            if ((waited += 100) < 20000)
                continue;
            fprintf(stderr, "fuzz_webhook: no answer nor close within 20 s (%zu bytes sent)\n",
                    sent);
        }
        BH_FUZZ_ASSERT(r != 0);
        if (r < 0 && errno == EINTR)
            continue;
        char tmp[4096];
        ssize_t n = recv(s, tmp, sizeof tmp, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (got < cap) {
            size_t take = (size_t)n < cap - got ? (size_t)n : cap - got;
            memcpy(ans + got, tmp, take);
            got += take;
        }
    }
    setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(s);
    ans[got < cap ? got : cap - 1] = '\0';
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char ans[1024];
    size_t n;
    bh_msg m;
    int rc, updates = 0;

    if (size > 65536)
        return 0;
    n = exchange(data, size, ans, sizeof ans);
    BH_FUZZ_ASSERT(n == 0 || !strncmp(ans, "HTTP/1.", 7));
    while ((rc = bh_proto_recv(bh_fuzz_master, bh_fuzz_msgbuf, &m)) == BH_PROTO_MSG) {
        BH_FUZZ_ASSERT(m.h.type == BH_MSG_UPDATE && m.h.update_id > 0);
        BH_FUZZ_ASSERT(m.len <= bh_fuzz_opts.webhook_max_body);
        json_object *u = json_tokener_parse(m.body);
        BH_FUZZ_ASSERT(u != NULL);
        json_object_put(u);
        updates++;
    }
    BH_FUZZ_ASSERT(rc == BH_PROTO_NONE);
    /* A 200 is Telegram's confirmation: each one must stand for an update
     * the master holds. Several requests may come on one connection
     * (keep-alive, pipelining), and an update may be held whose answer the
     * closing connection never carried (Telegram sends it again: at least
     * once), so the 200s are at most the updates. */
    int oks = 0;
    for (const char *p = ans; (p = strstr(p, "HTTP/1.")) != NULL; p++)
        oks += !strncmp(p + 8, " 200 ", 5);
    if (oks > updates)
        fprintf(stderr, "fuzz_webhook: %d answers 200 for %d updates held:\n%s\n", oks, updates,
                ans);
    BH_FUZZ_ASSERT(oks <= updates);
    return 0;
}
