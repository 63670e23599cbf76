/*
 * The stop. On the first SIGINT/SIGTERM the updaters stop receiving and the
 * updates already received have shutdown_timeout_ms to finish; then (or at
 * the deadline, when the workers still busy are killed and their updates
 * left for the next start) the master is finalizing: each updater gets the
 * offset to confirm to Telegram, confirms it and exits, and the run is
 * over once they are all gone or BH_MASTER_FINAL_MS passed.
 *
 * Names: every function here is bh_master_*, as it works on the master's
 * state.
 */
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "master.h"

void bh_master_begin_stop(bh_master *m, int sig)
{
    m->stopping = 1;
    m->stop_deadline = bh_clock_mono_ms() + m->o.shutdown_timeout_ms;
    bh_log(BH_LOG_INFO, "%s: stopping; %zu update(s) to finish within %lld ms",
           strsignal(sig), m->q.queued + m->q.running, (long long)m->o.shutdown_timeout_ms);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0)
            kill(m->u[s].pid, SIGTERM);
        else
            m->u[s].stopped = 1;
}

/* Sends each updater the final offset to confirm; retried every turn
 * until its buffer takes it. */
static void bh_master_send_finals(bh_master *m)
{
    for (int s = 0; s < m->ns; s++) {
        bh_uslot *u = &m->u[s];
        if (u->pid <= 0 || u->final_sent)
            continue;
        bh_msg_hdr h = {.type = BH_MSG_FINAL, .source = s, .a = bh_ledger_offset(&m->led[s])};
        int rc = bh_proto_send_flags(u->fd, &h, NULL, 0, MSG_DONTWAIT);
        u->final_sent = rc != BH_EBUSY;
    }
}

/* Everything received is processed (or the deadline passed): the updaters
 * confirm the offset and exit. */
static void bh_master_begin_final(bh_master *m)
{
    size_t left = m->q.queued + m->q.running;

    m->finalizing = 1;
    m->final_deadline = bh_clock_mono_ms() + BH_MASTER_FINAL_MS;
    if (left) {
        bh_log(BH_LOG_WARN, "shutdown deadline passed with %zu update(s) unfinished; they will "
               "be delivered again at the next start", left);
        for (int i = 0; i < m->nw; i++)
            if (m->w[i].pid > 0)
                kill(m->w[i].pid, SIGKILL);
    }
    bh_master_send_finals(m);
}

/* Whether every updater has stopped receiving (or is gone). */
static int bh_master_updaters_stopped(const bh_master *m)
{
    int all = 1;

    for (int s = 0; s < m->ns; s++)
        all &= m->u[s].stopped || m->u[s].pid <= 0;
    return all;
}

/* How many updaters are still running. */
static int bh_master_updaters_alive(const bh_master *m)
{
    int alive = 0;

    for (int s = 0; s < m->ns; s++)
        alive += m->u[s].pid > 0;
    return alive;
}

int bh_master_shutdown_turn(bh_master *m, int64_t now, int64_t *wake)
{
    if (m->stopping && !m->finalizing) {
        if ((bh_master_updaters_stopped(m) && m->q.queued + m->q.running == 0) ||
            now >= m->stop_deadline)
            bh_master_begin_final(m);
        else if (m->stop_deadline < *wake)
            *wake = m->stop_deadline;
    }
    if (m->finalizing) {
        bh_master_send_finals(m);
        if (!bh_master_updaters_alive(m) || now >= m->final_deadline)
            return 1;
    }
    return 0;
}
