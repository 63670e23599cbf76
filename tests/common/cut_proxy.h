/*
 * Test helper: a TCP proxy on loopback in front of a server (a
 * redis-server) that loses one answer on purpose. Armed, it drops the
 * first chunk the server sends that contains a given text and lacks
 * another, and closes that connection both ways: the command was done by
 * the server, its answer never reached the client (a connection cut
 * mid-reply, a server killed right after it wrote its AOF).
 *
 *   bh_cut_proxy cp;
 *   bh_cut_proxy_start(&cp, redis_port);      // cp.port: connect here
 *   bh_cut_proxy_arm(&cp, "\"update_id\"", ":s:");
 *   ... bh_cut_proxy_cuts(&cp) == 1 once it dropped an answer ...
 *   bh_cut_proxy_stop(&cp);
 *
 * The proxy is a forked process (the test's later forks do not inherit a
 * thread of it); it dies with the test (PR_SET_PDEATHSIG).
 */
#ifndef BH_CUT_PROXY_H
#define BH_CUT_PROXY_H

#include <sys/types.h>

#define BH_CUT_PROXY_TEXT_MAX 64

/* What the proxy and the test share (an anonymous shared mapping). */
typedef struct bh_cut_proxy_shared {
    volatile int armed;
    volatile int cuts;                      /* answers dropped so far */
    char want[BH_CUT_PROXY_TEXT_MAX];       /* a dropped answer contains it */
    char lacks[BH_CUT_PROXY_TEXT_MAX];      /* and not this ("" for none) */
} bh_cut_proxy_shared;

typedef struct bh_cut_proxy {
    pid_t pid;
    int port;        /* where clients connect */
    bh_cut_proxy_shared *sh;
} bh_cut_proxy;

/* Starts a proxy on a free loopback port to 127.0.0.1:to_port. 0, or -1
 * with the reason on stderr. */
int bh_cut_proxy_start(bh_cut_proxy *p, int to_port);
/* Arms it to drop the next answer that contains want and lacks lacks. */
void bh_cut_proxy_arm(bh_cut_proxy *p, const char *want, const char *lacks);
/* The answers it dropped so far. */
int bh_cut_proxy_cuts(const bh_cut_proxy *p);
/* Stops it and reaps it. */
void bh_cut_proxy_stop(bh_cut_proxy *p);

#endif
