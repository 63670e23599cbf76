/*
 * The losing proxy of cut_proxy.h: one poll loop in a forked process,
 * relaying each client connection to a connection of its own to the
 * server.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "cut_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BH_CUT_PROXY_PAIRS 128

typedef struct bh_cut_pair {
    int c, s; /* the client's connection, the server's; -1: free */
} bh_cut_pair;

/* Writes all of buf to fd; 0 or -1. */
static int bh_cut_proxy_write(int fd, const char *buf, ssize_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, (size_t)n);
        if (w <= 0)
            return -1;
        buf += w;
        n -= w;
    }
    return 0;
}

static void bh_cut_proxy_close(bh_cut_pair *p)
{
    close(p->c);
    close(p->s);
    p->c = p->s = -1;
}

/* A new client: a connection of its own to the server. */
static void bh_cut_proxy_accept(int lfd, int to_port, bh_cut_pair *pairs)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)to_port)};
    int c = accept(lfd, NULL, NULL), s;

    if (c < 0)
        return;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        close(c);
        if (s >= 0)
            close(s);
        return;
    }
    for (int i = 0; i < BH_CUT_PROXY_PAIRS; i++)
        if (pairs[i].c < 0) {
            pairs[i] = (bh_cut_pair){.c = c, .s = s};
            return;
        }
    close(c);
    close(s);
}

/* Whether the server's chunk buf is the answer to lose (and disarms). */
static int bh_cut_proxy_loses(bh_cut_proxy_shared *sh, const char *buf, ssize_t n)
{
    if (!sh->armed || !memmem(buf, (size_t)n, sh->want, strlen(sh->want)))
        return 0;
    if (sh->lacks[0] && memmem(buf, (size_t)n, sh->lacks, strlen(sh->lacks)))
        return 0;
    sh->armed = 0;
    sh->cuts++;
    return 1;
}

/* Relays what came on one side of pair p; closes it at an end, an error
 * or a lost answer. */
static void bh_cut_proxy_relay(bh_cut_proxy_shared *sh, bh_cut_pair *p, int from_server)
{
    static char buf[65536];
    ssize_t n = read(from_server ? p->s : p->c, buf, sizeof buf);

    if (n <= 0 || (from_server && bh_cut_proxy_loses(sh, buf, n)) ||
        bh_cut_proxy_write(from_server ? p->c : p->s, buf, n) != 0)
        bh_cut_proxy_close(p);
}

static void bh_cut_proxy_loop(int lfd, int to_port, bh_cut_proxy_shared *sh)
{
    static bh_cut_pair pairs[BH_CUT_PROXY_PAIRS];
    struct pollfd pf[1 + 2 * BH_CUT_PROXY_PAIRS];
    int at[1 + 2 * BH_CUT_PROXY_PAIRS];

    for (int i = 0; i < BH_CUT_PROXY_PAIRS; i++)
        pairs[i].c = pairs[i].s = -1;
    for (;;) {
        int n = 0;
        pf[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < BH_CUT_PROXY_PAIRS; i++)
            if (pairs[i].c >= 0) {
                at[n] = i;
                pf[n++] = (struct pollfd){.fd = pairs[i].c, .events = POLLIN};
                at[n] = i;
                pf[n++] = (struct pollfd){.fd = pairs[i].s, .events = POLLIN};
            }
        if (poll(pf, (nfds_t)n, 1000) <= 0)
            continue;
        if (pf[0].revents)
            bh_cut_proxy_accept(lfd, to_port, pairs);
        for (int k = 1; k < n; k++)
            if (pf[k].revents && pairs[at[k]].c >= 0)
                bh_cut_proxy_relay(sh, &pairs[at[k]], pf[k].fd == pairs[at[k]].s);
    }
}

int bh_cut_proxy_start(bh_cut_proxy *p, int to_port)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof a;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->sh = mmap(NULL, sizeof *p->sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (lfd < 0 || p->sh == MAP_FAILED || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(lfd, 64) != 0 || getsockname(lfd, (struct sockaddr *)&a, &len) != 0) {
        perror("cut_proxy");
        return -1;
    }
    memset(p->sh, 0, sizeof *p->sh);
    p->port = ntohs(a.sin_port);
    if ((p->pid = fork()) < 0) {
        perror("cut_proxy: fork");
        return -1;
    }
    if (p->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        bh_cut_proxy_loop(lfd, to_port, p->sh);
        _exit(0);
    }
    close(lfd);
    return 0;
}

void bh_cut_proxy_arm(bh_cut_proxy *p, const char *want, const char *lacks)
{
    snprintf(p->sh->want, sizeof p->sh->want, "%s", want);
    snprintf(p->sh->lacks, sizeof p->sh->lacks, "%s", lacks ? lacks : "");
    __atomic_store_n(&p->sh->armed, 1, __ATOMIC_SEQ_CST);
}

int bh_cut_proxy_cuts(const bh_cut_proxy *p)
{
    return __atomic_load_n(&p->sh->cuts, __ATOMIC_SEQ_CST);
}

void bh_cut_proxy_stop(bh_cut_proxy *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
    }
    if (p->sh && p->sh != MAP_FAILED)
        munmap(p->sh, sizeof *p->sh);
    p->pid = 0;
    p->sh = NULL;
}
