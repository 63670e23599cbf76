/*
 * The webhook against hostile clients, with real sockets on loopback:
 * about a thousand connections that send their headers a byte at a time
 * must not keep Telegram's POSTs from being served; one address cannot
 * hold more than its share of connections; a request that does not
 * arrive whole in time is cut, however busy its sender keeps it; and the
 * webhook listens on 127.0.0.1 unless told otherwise.
 *
 * Every slow client binds a source address of its own in 127.0.0.0/8
 * (all of it is loopback on Linux), so that the per-address limit applies
 * to them and not to the test's legitimate POSTs from 127.0.0.1.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bothive/bothive.h"
#include "emu_proc.h"
#include "runner_app.h"
#include "testutil.h"

#define SECRET "s3cr3t-Token_1"
#define SLOW_ADDRS 4      /* source addresses 127.0.0.2 .. */
#define SLOW_PER_ADDR 275 /* 1100 slow connections in all */
#define PER_IP_LIMIT 128  /* the runner's default */
#define LEGIT_POSTS 10

static bh_test_runner_fx fx;

static void setup(void)
{
    struct rlimit rl;

    /* room for the slow clients' sockets in this process */
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    bh_test_runner_fx_setup(&fx, "889:HOOKS", "runner_webhook", BH_LOG_WARN);
}

static void teardown(void)
{
    bh_test_runner_fx_teardown(&fx);
}

/* POSTs body to url with the secret; the status (0: no answer in 10 s). */
static long post(const char *url, const char *body)
{
    return bh_test_webhook_post(url, SECRET, body);
}

/* The message update n, to chat 500 + n. */
static long post_update(const char *url, int n)
{
    char u[256];
    snprintf(u, sizeof u,
             "{\"update_id\":%d,\"message\":{\"message_id\":1,\"date\":1,"
             "\"chat\":{\"id\":%d,\"type\":\"private\"},\"text\":\"1\"}}",
             700000 + n, 500 + n);
    return post(url, u);
}

/* Starts the runner with a webhook on a free port of 127.0.0.1 (the
 * listen address without a host) and waits until it answers (an update
 * without its fields gets its 400); the port. */
static unsigned start_hook(bh_test_runner *r, char *url, size_t n, char *listen)
{
    long code = 0;
    unsigned port;

    r->opts.webhook_secret = SECRET;
    port = bh_test_runner_start_webhook(r, &fx.emu, "", url, n, listen, 64);
    ck_assert_uint_gt(port, 0);
    for (int64_t end = bh_test_now_ms() + 30000; bh_test_now_ms() < end; usleep(20000))
        if ((code = post(url, "{}")) == 400)
            break;
    ck_assert_int_eq(code, 400);
    return port;
}

/* A connection from 127.0.0.<a> that has sent the start of a request's
 * headers; -1 when it could not connect in a few seconds. */
static int slow_open(unsigned port, int a)
{
    static const char head[] = "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    struct sockaddr_in from = {.sin_family = AF_INET}, to = {.sin_family = AF_INET};
    struct timeval tv = {.tv_sec = 3};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    from.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)a);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons((uint16_t)port);
    if (fd < 0)
        return -1; /* out of descriptors: fewer slow clients */
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (bind(fd, (struct sockaddr *)&from, sizeof from) < 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        close(fd);
        return -1;
    }
    send(fd, head, sizeof head - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    return fd;
}

/* One more byte of a header that never ends. */
static void slow_trickle(int fd)
{
    if (fd >= 0)
        send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Whether the server has closed fd (or it never opened). The server says
 * nothing to a request still in its headers, so readable means closed. */
static int slow_closed(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    return fd < 0 || (poll(&p, 1, 0) > 0 && p.revents);
}

/* How many of the n connections of fds are still open. */
static int count_open(const int *fds, int n)
{
    int open = 0;
    for (int i = 0; i < n; i++)
        open += !slow_closed(fds[i]);
    return open;
}

START_TEST(slow_clients_do_not_stop_telegram)
{
    static int fds[SLOW_ADDRS][SLOW_PER_ADDR];
    bh_test_runner r;
    char url[128], listen[64];
    unsigned port;
    int64_t end;
    int held = 0;

    bh_test_runner_fx_init(&fx, &r, 2);
    /* the deadline is tested below: here it must not clear the slow ones */
    r.opts.webhook_request_timeout_ms = 600000;
    port = start_hook(&r, url, sizeof url, listen);
    for (int a = 0; a < SLOW_ADDRS; a++)
        for (int i = 0; i < SLOW_PER_ADDR; i++)
            fds[a][i] = slow_open(port, 2 + a);
    /* Telegram's POSTs are served all along, the slow ones still going. */
    for (int k = 0; k < LEGIT_POSTS; k++) {
        for (int a = 0; a < SLOW_ADDRS; a++)
            for (int i = 0; i < SLOW_PER_ADDR; i++)
                slow_trickle(fds[a][i]);
        ck_assert_int_eq(post_update(url, k), 200);
    }
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", LEGIT_POSTS, 30000), LEGIT_POSTS);
    /* No address holds more than its share; the server does hold some. */
    for (end = bh_test_now_ms() + 10000; bh_test_now_ms() < end; usleep(50000)) {
        int over = 0;
        for (int a = 0; a < SLOW_ADDRS; a++)
            over |= count_open(fds[a], SLOW_PER_ADDR) > PER_IP_LIMIT;
        if (!over)
            break;
    }
    for (int a = 0; a < SLOW_ADDRS; a++) {
        int open = count_open(fds[a], SLOW_PER_ADDR);
        ck_assert_int_le(open, PER_IP_LIMIT);
        held += open;
    }
    ck_assert_int_gt(held, 0);
    for (int a = 0; a < SLOW_ADDRS; a++)
        for (int i = 0; i < SLOW_PER_ADDR; i++)
            if (fds[a][i] >= 0)
                close(fds[a][i]);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

/* A request that keeps trickling in is cut at the request deadline (1 s
 * here), long before the idle timeout (30 s) would ever fire. */
START_TEST(a_request_has_a_deadline)
{
    bh_test_runner r;
    char url[128], listen[64];
    unsigned port;
    int fd, closed = 0;

    bh_test_runner_fx_init(&fx, &r, 2);
    r.opts.webhook_request_timeout_ms = 1000;
    port = start_hook(&r, url, sizeof url, listen);
    ck_assert_int_ge(fd = slow_open(port, 2), 0);
    for (int64_t end = bh_test_now_ms() + 20000; !closed && bh_test_now_ms() < end;
         usleep(100000)) {
        slow_trickle(fd);
        closed = slow_closed(fd);
    }
    close(fd);
    ck_assert_msg(closed, "a request trickling in for 20 s was not cut");
    ck_assert_int_eq(post_update(url, 0), 200);
    ck_assert_int_eq(bh_test_runner_wait(fx.st, "total", 1, 30000), 1);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

/* An address of this host that is not loopback (0 when it has none). */
static uint32_t outside_address(void)
{
    struct ifaddrs *all, *i;
    uint32_t a = 0;

    if (getifaddrs(&all) < 0)
        return 0;
    for (i = all; i && !a; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && !(i->ifa_flags & IFF_LOOPBACK))
            a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
    freeifaddrs(all);
    return a;
}

/* A listen address without a host is 127.0.0.1 only: the host's other
 * addresses refuse the connection. */
START_TEST(listens_on_loopback_by_default)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = outside_address()};
    bh_test_runner r;
    char url[128], listen[64];
    unsigned port;
    int fd;

    if (!to.sin_addr.s_addr)
        return; /* nothing but loopback here: nothing to show */
    bh_test_runner_fx_init(&fx, &r, 2);
    port = start_hook(&r, url, sizeof url, listen);
    to.sin_port = htons((uint16_t)port);
    ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
    ck_assert_int_lt(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
    ck_assert_int_eq(errno, ECONNREFUSED);
    close(fd);
    ck_assert_int_eq(bh_test_runner_stop(&r), 0);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *t)
{
    bh_test_add_case(s, name, t, setup, teardown, 200);
}

int main(void)
{
    Suite *s = suite_create("runner_webhook");
    add(s, "slow_clients", slow_clients_do_not_stop_telegram);
    add(s, "deadline", a_request_has_a_deadline);
    add(s, "loopback", listens_on_loopback_by_default);
    return bh_test_run_suite(s);
}
