/*
 * The master's loop: poll() over the children's sockets and a self-pipe
 * fed by the signal handlers. Each turn restarts dead children, queues the
 * timers' ticks, hands jobs to idle workers, tells the updaters the offsets
 * they may confirm, notes overruns and moves the stop along (shutdown.c);
 * then it sleeps until a socket speaks, a signal comes, or the next of those
 * things is due.
 *
 * Names: every function here is bh_master_*, as it works on the master's
 * state.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "master.h"

/* What a turn of the loop says. */
enum { BH_MASTER_AGAIN = 0, BH_MASTER_OVER = 1 };

/* The signals the master handles, in the order of the old[] arrays. */
static const int bh_master_sigs[4] = {SIGINT, SIGTERM, SIGCHLD, SIGPIPE};

/* The self-pipe's write end, for the handler (which gets no argument). */
static volatile sig_atomic_t bh_master_wake_fd = -1;

/* Signal handlers only write the signal's number to the self-pipe: the
 * loop does the work, outside of any handler. */
static void bh_master_on_signal(int sig)
{
    int saved = errno;
    unsigned char c = (unsigned char)sig;
    if (write(bh_master_wake_fd, &c, 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
    errno = saved;
}

int bh_master_signals_install(bh_master *m, struct sigaction old[4])
{
    if (pipe2(m->sigpipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        m->sigpipe[0] = m->sigpipe[1] = -1;
        return BH_EIO;
    }
    bh_master_wake_fd = m->sigpipe[1];
    for (int k = 0; k < 4; k++) {
        int sig = bh_master_sigs[k];
        struct sigaction sa = {.sa_handler = sig == SIGPIPE ? SIG_IGN : bh_master_on_signal};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
        sigaction(sig, &sa, &old[k]);
    }
    return BH_OK;
}

void bh_master_signals_restore(bh_master *m, const struct sigaction old[4])
{
    for (int k = 0; k < 4; k++)
        sigaction(bh_master_sigs[k], &old[k], NULL);
    bh_master_wake_fd = -1;
    close(m->sigpipe[0]);
    close(m->sigpipe[1]);
    m->sigpipe[0] = m->sigpipe[1] = -1;
}

/* Reads what the updater of source s sent, at most a batch per turn. */
static void bh_master_read_updater(bh_master *m, int s)
{
    bh_msg msg;
    int rc;

    for (int n = 0; n < BH_MASTER_UPDATER_BATCH && m->u[s].pid > 0; n++) {
        rc = bh_proto_recv(m->u[s].fd, m->buf, &msg);
        if (rc == BH_PROTO_NONE)
            return;
        if (rc != BH_PROTO_MSG) {
            bh_master_updater_dead(m, s, 0, 0);
            return;
        }
        switch (msg.h.type) {
        case BH_MSG_UPDATE:
        case BH_MSG_TOOBIG:
            bh_master_on_update(m, s, &msg);
            break;
        case BH_MSG_SKIPPED:
            if (msg.h.a > m->led[s].next)
                m->led[s].next = msg.h.a;
            break;
        case BH_MSG_STOPPED:
            m->u[s].stopped = 1;
            break;
        default:
            bh_master_hosts_on_msg(m, s, &msg);
            break;
        }
    }
}

/* Reads worker i's answers; EOF (or an error) means it is gone. */
static void bh_master_read_worker(bh_master *m, int i)
{
    bh_msg msg;
    int rc;

    for (;;) {
        rc = bh_proto_recv(m->w[i].fd, m->buf, &msg);
        if (rc == BH_PROTO_NONE)
            return;
        if (rc != BH_PROTO_MSG) {
            bh_master_worker_dead(m, i, 0, 0);
            return;
        }
        if (msg.h.type == BH_MSG_DONE && m->w[i].job)
            bh_master_job_done(m, i);
        else if (msg.h.type == BH_MSG_WAKE) {
            bh_master_schedule_wake(m, msg.h.source, msg.h.a);
            bh_master_hosts_wake(m, msg.h.source, msg.h.a);
        }
    }
}

/* Tells each polling updater the offset it may now confirm. A feed has
 * nothing to confirm: it would only have to read them all when it ends. */
static void bh_master_send_offsets(bh_master *m)
{
    for (int s = 0; s < m->ns; s++) {
        bh_uslot *u = &m->u[s];
        int64_t off = bh_ledger_offset(&m->led[s]);
        if (u->pid <= 0 || u->stopped || off == u->sent_offset || m->app->sources[s].feed)
            continue;
        bh_msg_hdr h = {.type = BH_MSG_OFFSET, .source = s, .a = off, .b = m->led[s].next};
        /* A full buffer (an updater busy sending) is retried next turn. */
        if (bh_proto_send_flags(u->fd, &h, NULL, 0, MSG_DONTWAIT) == BH_OK)
            u->sent_offset = off;
    }
}

/* Handles the signals in the self-pipe: SIGCHLD reaps; the first stop
 * signal begins the stop, a second one ends the run at once. */
static int bh_master_on_signals(bh_master *m)
{
    unsigned char sigs[BH_MASTER_SIGNAL_BATCH];
    ssize_t k = read(m->sigpipe[0], sigs, sizeof sigs);

    for (ssize_t i = 0; i < k; i++) {
        if (sigs[i] == SIGCHLD) {
            bh_master_reap(m);
        } else if (m->stopping) {
            bh_log(BH_LOG_WARN, "%s again: stopping at once", strsignal(sigs[i]));
            m->hard = 1;
            return BH_MASTER_OVER;
        } else {
            bh_master_begin_stop(m, sigs[i]);
        }
    }
    return BH_MASTER_AGAIN;
}

/* The poll set: the self-pipe first, then every worker, then every updater
 * (-1 for a slot without a process, which poll skips). Returns its size. */
static nfds_t bh_master_poll_set(bh_master *m)
{
    nfds_t n = 0;

    m->pfd[n++] = (struct pollfd){.fd = m->sigpipe[0], .events = POLLIN};
    for (int i = 0; i < m->nw; i++)
        m->pfd[n++] = (struct pollfd){.fd = m->w[i].pid > 0 ? m->w[i].fd : -1, .events = POLLIN};
    for (int s = 0; s < m->ns; s++)
        m->pfd[n++] = (struct pollfd){.fd = m->u[s].pid > 0 ? m->u[s].fd : -1, .events = POLLIN};
    return n;
}

/* Sleeps until wake at most, then handles what came. */
static int bh_master_wait(bh_master *m, int64_t now, int64_t wake)
{
    int timeout = wake > now ? (int)(wake - now) : 0;

    if (poll(m->pfd, bh_master_poll_set(m), timeout) < 0) {
        if (errno != EINTR)
            bh_log(BH_LOG_ERROR, "poll: %s", strerror(errno));
        return BH_MASTER_AGAIN;
    }
    if (m->pfd[0].revents && bh_master_on_signals(m) == BH_MASTER_OVER)
        return BH_MASTER_OVER;
    for (int i = 0; i < m->nw; i++)
        if (m->w[i].pid > 0 && m->pfd[1 + i].revents)
            bh_master_read_worker(m, i);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0 && m->pfd[1 + m->nw + s].revents)
            bh_master_read_updater(m, s);
    return BH_MASTER_AGAIN;
}

/* One turn of the loop. */
static int bh_master_step(bh_master *m)
{
    int64_t now = bh_clock_mono_ms(), wake = now + BH_MASTER_TURN_MS;

    bh_master_respawns(m, now, &wake);
    if (!m->stopping)
        bh_master_timers(m, now, &wake);
    if (!m->stopping)
        bh_master_schedules(m, now, &wake);
    if (!m->finalizing)
        bh_master_dispatch(m);
    bh_master_send_offsets(m);
    bh_master_hosts_flush(m);
    bh_master_hosts_end_stale(m);
    bh_master_overruns(m, now, &wake);
    if (bh_master_shutdown_turn(m, now, &wake))
        return BH_MASTER_OVER;
    return bh_master_wait(m, now, wake);
}

void bh_master_loop(bh_master *m)
{
    while (bh_master_step(m) == BH_MASTER_AGAIN)
        ;
}
