/*
 * The master: bh_runner_run. It forks the updaters and workers, and then
 * only moves messages: updates in from the updaters, jobs out to idle
 * workers in per-chat order (queue.c), confirmable offsets back to the
 * updaters (ledger.c). It runs no application code, no libcurl and no
 * threads, so it can always fork a replacement safely. Its loop is poll()
 * over the children's sockets and a self-pipe fed by the signal handlers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "internal.h"

enum { BH_W_DEAD, BH_W_IDLE, BH_W_BUSY };

typedef struct bh_wslot {
    pid_t pid;
    int fd;
    int state;
    bh_qjob *job;
    int64_t started_ms;
    int overrun_logged;
    int64_t respawn_at;
} bh_wslot;

typedef struct bh_uslot {
    pid_t pid;          /* 0 when not running */
    int fd;
    int started_once;   /* the backlog is skipped by the first updater only */
    int stopped;        /* sent STOPPED, or died while stopping */
    int final_sent;
    int64_t sent_offset;
    int64_t respawn_at;
} bh_uslot;

typedef struct bh_master {
    const bh_runner_app *app;
    bh_run_options o;
    bh_store *st;
    pid_t self;
    int nw, ns;
    int rr;              /* the worker that got the last job */
    bh_wslot *w;
    bh_uslot *u;
    bh_ledger *led;
    bh_doneset done;
    int64_t **timer_next;
    bh_worker_slot_shm *shm;
    size_t shm_len;
    bh_queue q;
    bh_respawn wback, uback;
    char *buf;
    struct pollfd *pfd;
    int stopping;        /* first signal came */
    int finalizing;      /* work done; updaters confirm and exit */
    int hard;            /* second signal: kill everything */
    int64_t stop_deadline, final_deadline;
} bh_master;

static int bh_sigpipe[2] = {-1, -1};

static void bh_master_on_signal(int sig)
{
    int saved = errno;
    unsigned char c = (unsigned char)sig;
    if (write(bh_sigpipe[1], &c, 1) < 0) {
        /* full pipe: a wake-up is already pending */
    }
    errno = saved;
}

/* "killed by signal 9 (Killed)" or "exited with status 3". */
static void bh_status_text(int status, char *out, size_t n)
{
    if (WIFSIGNALED(status))
        snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(out, n, "ended (status 0x%x)", status);
}

/* In a new child: close the master's ends of every other child's socket
 * and the self-pipe, so that EOF keeps meaning "that process is gone". */
static void bh_master_close_in_child(bh_master *m)
{
    for (int i = 0; i < m->nw; i++)
        if (m->w[i].pid > 0 && m->w[i].fd >= 0)
            close(m->w[i].fd);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0 && m->u[s].fd >= 0)
            close(m->u[s].fd);
    close(bh_sigpipe[0]);
    close(bh_sigpipe[1]);
}

/* fork with every signal blocked, so that no handler of the master runs in
 * the child before it resets its dispositions. */
static pid_t bh_master_fork(void)
{
    sigset_t all, old;
    pid_t pid;

    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid = fork();
    if (pid != 0)
        sigprocmask(SIG_SETMASK, &old, NULL);
    return pid;
}

/*
 * Forks a child connected to the master by a socket pair: in the parent,
 * fds[0] is the master's end; in the child (which gets 0), fds[1] is its
 * end and everything else of the master is closed. -1 on failure.
 */
static pid_t bh_child_fork(bh_master *m, int fds[2])
{
    pid_t pid;

    if (bh_proto_pair(fds) != BH_OK)
        return -1;
    if ((pid = bh_master_fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        bh_master_close_in_child(m);
    } else {
        close(fds[1]);
    }
    return pid;
}

static int bh_worker_spawn(bh_master *m, int i)
{
    bh_wslot *w = &m->w[i];
    int fds[2];
    pid_t pid;
    char tag[32];

    if ((pid = bh_child_fork(m, fds)) < 0)
        return BH_EIO;
    if (pid == 0) {
        snprintf(tag, sizeof tag, "worker %d", i);
        bh_child_setup(m->self, tag, 1);
        bh_worker_main(m->app, m->st, i, fds[1], &m->shm[i]);
    }
    memset(m->shm[i].note, 0, sizeof m->shm[i].note);
    w->pid = pid;
    w->fd = fds[0];
    w->state = BH_W_IDLE;
    w->job = NULL;
    bh_log(BH_LOG_DEBUG, "worker %d started (pid %d)", i, (int)pid);
    return BH_OK;
}

static int bh_updater_spawn(bh_master *m, int s)
{
    bh_uslot *u = &m->u[s];
    const bh_runner_source *src = &m->app->sources[s];
    int fds[2];
    pid_t pid;
    char tag[32];

    if ((pid = bh_child_fork(m, fds)) < 0)
        return BH_EIO;
    if (pid == 0) {
        bh_updater_cfg cfg = {.app = m->app, .opts = &m->o, .source = s, .fd = fds[1],
                              .skip_backlog = !m->o.process_backlog && !u->started_once,
                              .offset = bh_ledger_offset(&m->led[s]), .next = m->led[s].next};
        if (m->ns > 1)
            snprintf(tag, sizeof tag, "updater %d", s);
        else
            snprintf(tag, sizeof tag, "updater");
        bh_child_setup(m->self, tag, 0);
        if (src->feed || !m->o.webhook_url)
            bh_updater_main(&cfg);
        bh_webhook_main(&cfg);
    }
    u->pid = pid;
    u->fd = fds[0];
    u->started_once = 1;
    u->stopped = 0;
    u->final_sent = 0;
    u->sent_offset = -1;
    if (m->stopping)
        kill(pid, SIGTERM);
    return BH_OK;
}

/*
 * A job is over for good (done, or set aside): its update counts as
 * processed for the offset.
 */
/* Whether source s polls getUpdates (not a webhook, not a feed): only
 * then does Telegram give unconfirmed updates again. */
static int bh_master_polls(const bh_master *m, int s)
{
    return !m->app->sources[s].feed && !m->o.webhook_url;
}

static void bh_job_finish(bh_master *m, bh_qjob *j)
{
    if (j->kind == BH_JOB_UPDATE) {
        /* Until Telegram confirms it, the store remembers it is done, for
         * a master that would crash meanwhile (doneset.c). */
        if (bh_master_polls(m, j->source))
            bh_doneset_mark(&m->done, j->source, j->update_id);
        bh_ledger_finish(&m->led[j->source], j->update_id);
    }
    bh_qjob_free(j);
}

/*
 * Ends a child that is gone or going: kills and reaps it unless reaped
 * (then status is already known), describes how it ended into how, and
 * closes its socket.
 */
static void bh_child_end(pid_t pid, int reaped, int status, int *fd, char *how, size_t n)
{
    if (!reaped) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    bh_status_text(status, how, n);
    close(*fd);
    *fd = -1;
}

/*
 * A worker is gone (its socket closed, or SIGCHLD reaped it; reaped says
 * whether status is already known). Its job is retried once on another
 * worker; a job that killed two workers is set aside. The slot is
 * respawned after the crash backoff.
 */
static void bh_worker_dead(bh_master *m, int i, int reaped, int status)
{
    bh_wslot *w = &m->w[i];
    bh_qjob *j = w->job;
    char how[96], note[BH_NOTE_MAX + 8] = "";
    int64_t now = bh_clock_mono_ms();

    bh_child_end(w->pid, reaped, status, &w->fd, how, sizeof how);
    w->state = BH_W_DEAD;
    w->job = NULL;
    if (m->shm[i].note[0])
        snprintf(note, sizeof note, " in %.*s", BH_NOTE_MAX - 1, m->shm[i].note);
    if (j) {
        j->crashes++;
        bh_queue_release(&m->q, j);
        if (j->kind == BH_JOB_TIMER) {
            bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running timer %d of source %d%s",
                   i, (int)w->pid, how, j->timer, j->source, note);
            bh_qjob_free(j);
        } else if (j->crashes >= 2) {
            char reason[256];
            bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running update %lld of source "
                   "%d%s (attempt %d)", i, (int)w->pid, how, (long long)j->update_id,
                   j->source, note, j->attempt);
            snprintf(reason, sizeof reason, "killed %d workers; the last one %s%s", j->crashes,
                     how, note);
            bh_deadletter_put(m->st, j, reason);
            bh_job_finish(m, j);
        } else {
            bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while running update %lld of source "
                   "%d%s; retrying it on another worker", i, (int)w->pid, how,
                   (long long)j->update_id, j->source, note);
            j->attempt++;
            if (bh_queue_push(&m->q, j, 1) != BH_OK)
                bh_job_finish(m, j);
        }
    } else if (!m->finalizing) {
        bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while idle", i, (int)w->pid, how);
    }
    w->pid = 0;
    w->respawn_at = now + bh_respawn_delay(&m->wback, now);
    if (w->respawn_at > now)
        bh_log(BH_LOG_WARN, "worker %d restarts in %lld ms (crashes in a row)", i,
               (long long)(w->respawn_at - now));
}

static void bh_updater_dead(bh_master *m, int s, int reaped, int status)
{
    bh_uslot *u = &m->u[s];
    int64_t now = bh_clock_mono_ms();
    char how[96];

    bh_child_end(u->pid, reaped, status, &u->fd, how, sizeof how);
    if (!m->stopping) {
        bh_log(BH_LOG_ERROR, "updater of source %d (pid %d) %s", s, (int)u->pid, how);
        u->respawn_at = now + bh_respawn_delay(&m->uback, now);
    } else if (!u->final_sent) {
        bh_log(BH_LOG_WARN, "updater of source %d (pid %d) %s before confirming the offset",
               s, (int)u->pid, how);
    }
    u->stopped = 1;
    u->pid = 0;
}

/* Reaps whichever children have ended (after SIGCHLD). */
static void bh_master_reap(bh_master *m)
{
    int status;

    for (int i = 0; i < m->nw; i++)
        if (m->w[i].pid > 0 && waitpid(m->w[i].pid, &status, WNOHANG) == m->w[i].pid)
            bh_worker_dead(m, i, 1, status);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0 && waitpid(m->u[s].pid, &status, WNOHANG) == m->u[s].pid)
            bh_updater_dead(m, s, 1, status);
}

static void bh_master_on_update(bh_master *m, int s, const bh_msg *msg)
{
    const bh_runner_source *src = &m->app->sources[s];
    int ordered = src->feed || !m->o.webhook_url;
    bh_qjob *j;
    int rc = bh_ledger_receive(&m->led[s], msg->h.update_id, ordered);

    if (rc == BH_LEDGER_SEEN) {
        bh_log(BH_LOG_DEBUG, "update %lld of source %d seen before: ignored",
               (long long)msg->h.update_id, s);
        return;
    }
    if (rc != BH_LEDGER_NEW) {
        bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d dropped",
               (long long)msg->h.update_id, s);
        return;
    }
    if (msg->h.b > 0)
        bh_doneset_confirmed(&m->done, s, msg->h.b);
    if (ordered && bh_doneset_before(&m->done, s, msg->h.update_id)) {
        bh_log(BH_LOG_DEBUG, "update %lld of source %d finished before a restart: not run "
               "again", (long long)msg->h.update_id, s);
        bh_ledger_finish(&m->led[s], msg->h.update_id);
        return;
    }
    if (!(j = calloc(1, sizeof *j)))
        goto fail;
    j->kind = BH_JOB_UPDATE;
    j->source = s;
    j->attempt = 1;
    j->update_id = msg->h.update_id;
    j->key_kind = msg->h.kind;
    j->key = msg->h.a;
    j->received_ms = bh_clock_mono_ms();
    if (msg->h.type == BH_MSG_TOOBIG) {
        bh_deadletter_put(m->st, j, "too large to dispatch");
        bh_job_finish(m, j);
        return;
    }
    if (msg->body) {
        if (!(j->json = malloc(msg->len + 1)))
            goto fail;
        memcpy(j->json, msg->body, msg->len + 1);
        j->len = msg->len;
    }
    if (bh_queue_push(&m->q, j, 0) != BH_OK)
        goto fail;
    return;
fail:
    /* Left unfinished in the ledger: the offset stays below it, and it is
     * delivered again after a restart. */
    bh_log(BH_LOG_ERROR, "out of memory: update %lld of source %d dropped for now",
           (long long)msg->h.update_id, s);
    bh_qjob_free(j);
}

static void bh_master_read_updater(bh_master *m, int s)
{
    bh_msg msg;
    int rc;

    for (int n = 0; n < 256 && m->u[s].pid > 0; n++) {
        rc = bh_proto_recv(m->u[s].fd, m->buf, &msg);
        if (rc == BH_PROTO_NONE)
            return;
        if (rc != BH_PROTO_MSG) {
            bh_updater_dead(m, s, 0, 0);
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
        }
    }
}

static void bh_master_read_worker(bh_master *m, int i)
{
    bh_wslot *w = &m->w[i];
    bh_msg msg;
    int rc;

    for (;;) {
        rc = bh_proto_recv(w->fd, m->buf, &msg);
        if (rc == BH_PROTO_NONE)
            return;
        if (rc != BH_PROTO_MSG) {
            bh_worker_dead(m, i, 0, 0);
            return;
        }
        if (msg.h.type != BH_MSG_DONE || !w->job)
            continue;
        bh_qjob *j = w->job;
        int64_t took = bh_clock_mono_ms() - w->started_ms;
        if (w->overrun_logged)
            bh_log(BH_LOG_WARN, "update %lld of source %d finished after %lld ms",
                   (long long)j->update_id, j->source, (long long)took);
        w->job = NULL;
        w->state = BH_W_IDLE;
        bh_queue_release(&m->q, j);
        bh_job_finish(m, j);
    }
}

/* An idle worker other than `not` (-1: any), starting after the last one
 * used, so work spreads over the pool; -1 if none. */
static int bh_master_idle(bh_master *m, int not)
{
    for (int n = 0; n < m->nw; n++) {
        int i = (m->rr + 1 + n) % m->nw;
        if (i != not && m->w[i].state == BH_W_IDLE)
            return i;
    }
    return -1;
}

/* Hands queued jobs to idle workers, until either runs out. */
static void bh_master_dispatch(bh_master *m)
{
    int i;

    while (m->q.rhead && (i = bh_master_idle(m, -1)) >= 0) {
        bh_qjob *j = bh_queue_next(&m->q);
        if (!j)
            break;
        if (j->crashes && j->last_slot == i) {
            /* A retry goes to another worker when one is free (the slot it
             * crashed on holds a fresh process, but what the handler left
             * behind for it, e.g. in a file, would be the same). */
            int k = bh_master_idle(m, i);
            if (k >= 0)
                i = k;
        }
        bh_wslot *w = &m->w[i];
        bh_msg_hdr h = {.type = BH_MSG_JOB, .source = j->source, .kind = j->kind,
                        .timer = j->timer, .attempt = j->attempt, .update_id = j->update_id};
        m->rr = i;
        j->last_slot = i;
        w->job = j;
        w->state = BH_W_BUSY;
        w->started_ms = bh_clock_mono_ms();
        w->overrun_logged = 0;
        int rc = bh_proto_send(w->fd, &h, j->json, j->json ? j->len : 0);
        if (rc == BH_ETOOBIG) {
            w->job = NULL;
            w->state = BH_W_IDLE;
            bh_queue_release(&m->q, j);
            bh_deadletter_put(m->st, j, "too large to dispatch");
            bh_job_finish(m, j);
        } else if (rc != BH_OK) {
            bh_worker_dead(m, i, 0, 0);
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

static void bh_master_timers(bh_master *m, int64_t now, int64_t *wake)
{
    for (int s = 0; s < m->ns; s++) {
        const bh_runner_source *src = &m->app->sources[s];
        for (size_t t = 0; t < src->ntimers; t++) {
            int64_t *next = &m->timer_next[s][t], period = src->timer_seconds[t] * 1000LL;
            if (*next <= now) {
                /* One run at a time: a tick that finds the previous run
                 * still going (or queued) is dropped, not stacked up. */
                if (bh_queue_key_active(&m->q, s, BH_KEY_TIMER, (int64_t)t)) {
                    bh_log(BH_LOG_DEBUG, "timer %zu of source %d: previous run not over, "
                           "tick skipped", t, s);
                } else {
                    bh_qjob *j = calloc(1, sizeof *j);
                    if (j) {
                        j->kind = BH_JOB_TIMER;
                        j->source = s;
                        j->timer = (int)t;
                        j->attempt = 1;
                        j->key_kind = BH_KEY_TIMER;
                        j->key = (int64_t)t;
                        j->received_ms = now;
                        if (bh_queue_push(&m->q, j, 0) != BH_OK)
                            bh_qjob_free(j);
                    }
                }
                *next += period;
                if (*next <= now)
                    *next = now + period;
            }
            if (*next < *wake)
                *wake = *next;
        }
    }
}

/* Logs, once per job, a handler that runs past the deadline. */
static void bh_master_overruns(bh_master *m, int64_t now, int64_t *wake)
{
    for (int i = 0; i < m->nw; i++) {
        bh_wslot *w = &m->w[i];
        if (w->state != BH_W_BUSY || w->overrun_logged)
            continue;
        int64_t due = w->started_ms + m->o.handler_deadline_ms;
        if (due <= now) {
            char note[BH_NOTE_MAX + 8] = "";
            if (m->shm[i].note[0])
                snprintf(note, sizeof note, " in %.*s", BH_NOTE_MAX - 1, m->shm[i].note);
            if (w->job->kind == BH_JOB_UPDATE)
                bh_log(BH_LOG_WARN, "update %lld of source %d has been running for %lld ms on "
                       "worker %d%s (deadline %lld ms)", (long long)w->job->update_id,
                       w->job->source, (long long)(now - w->started_ms), i, note,
                       (long long)m->o.handler_deadline_ms);
            else
                bh_log(BH_LOG_WARN, "timer %d of source %d has been running for %lld ms on "
                       "worker %d%s", w->job->timer, w->job->source,
                       (long long)(now - w->started_ms), i, note);
            w->overrun_logged = 1;
        } else if (due < *wake) {
            *wake = due;
        }
    }
}

static void bh_master_respawns(bh_master *m, int64_t now, int64_t *wake)
{
    for (int i = 0; i < m->nw; i++) {
        bh_wslot *w = &m->w[i];
        if (w->state != BH_W_DEAD || m->finalizing)
            continue;
        if (w->respawn_at <= now) {
            if (bh_worker_spawn(m, i) != BH_OK) {
                bh_log(BH_LOG_ERROR, "cannot start worker %d: %s", i, strerror(errno));
                w->respawn_at = now + 1000;
            }
        }
        if (w->state == BH_W_DEAD && w->respawn_at < *wake)
            *wake = w->respawn_at;
    }
    for (int s = 0; s < m->ns; s++) {
        bh_uslot *u = &m->u[s];
        if (u->pid > 0 || m->stopping)
            continue;
        if (u->respawn_at <= now && bh_updater_spawn(m, s) != BH_OK) {
            bh_log(BH_LOG_ERROR, "cannot start the updater of source %d: %s", s, strerror(errno));
            u->respawn_at = now + 1000;
        }
        if (u->pid <= 0 && u->respawn_at < *wake)
            *wake = u->respawn_at;
    }
}

static void bh_master_begin_stop(bh_master *m, int sig)
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
    m->final_deadline = bh_clock_mono_ms() + 15000;
    if (left) {
        bh_log(BH_LOG_WARN, "shutdown deadline passed with %zu update(s) unfinished; they will "
               "be delivered again at the next start", left);
        for (int i = 0; i < m->nw; i++)
            if (m->w[i].pid > 0)
                kill(m->w[i].pid, SIGKILL);
    }
    bh_master_send_finals(m);
}

/* Closes the workers' sockets (EOF: they run worker_stop and exit) and
 * waits for every child, killing what does not end within a few seconds. */
static void bh_master_end_children(bh_master *m, int hard)
{
    int64_t deadline = bh_clock_mono_ms() + (hard ? 0 : 5000);
    int status, left;

    for (int i = 0; i < m->nw; i++) {
        if (m->w[i].pid > 0 && hard)
            kill(m->w[i].pid, SIGKILL);
        if (m->w[i].fd >= 0) {
            close(m->w[i].fd);
            m->w[i].fd = -1;
        }
    }
    for (int s = 0; s < m->ns; s++) {
        if (m->u[s].pid > 0 && hard)
            kill(m->u[s].pid, SIGKILL);
        if (m->u[s].fd >= 0) {
            close(m->u[s].fd);
            m->u[s].fd = -1;
        }
    }
    do {
        left = 0;
        for (int i = 0; i < m->nw + m->ns; i++) {
            pid_t *pid = i < m->nw ? &m->w[i].pid : &m->u[i - m->nw].pid;
            if (*pid <= 0)
                continue;
            if (waitpid(*pid, &status, WNOHANG) == *pid)
                *pid = 0;
            else if (bh_clock_mono_ms() >= deadline) {
                kill(*pid, SIGKILL);
                waitpid(*pid, &status, 0);
                *pid = 0;
            } else
                left++;
        }
        if (left)
            poll(NULL, 0, 10);
    } while (left);
}

/* One turn of the loop; returns 1 when the run is over. */
static int bh_master_step(bh_master *m)
{
    int64_t now = bh_clock_mono_ms(), wake = now + 1000;
    int n = 0, timeout;

    bh_master_respawns(m, now, &wake);
    if (!m->stopping)
        bh_master_timers(m, now, &wake);
    if (!m->finalizing)
        bh_master_dispatch(m);
    bh_master_send_offsets(m);
    bh_master_overruns(m, now, &wake);
    if (m->stopping && !m->finalizing) {
        int all_stopped = 1;
        for (int s = 0; s < m->ns; s++)
            all_stopped &= m->u[s].stopped || m->u[s].pid <= 0;
        if ((all_stopped && m->q.queued + m->q.running == 0) || now >= m->stop_deadline)
            bh_master_begin_final(m);
        else if (m->stop_deadline < wake)
            wake = m->stop_deadline;
    }
    if (m->finalizing) {
        int alive = 0;
        bh_master_send_finals(m);
        for (int s = 0; s < m->ns; s++)
            alive += m->u[s].pid > 0;
        if (!alive || now >= m->final_deadline)
            return 1;
    }

    m->pfd[n++] = (struct pollfd){.fd = bh_sigpipe[0], .events = POLLIN};
    for (int i = 0; i < m->nw; i++)
        m->pfd[n++] = (struct pollfd){.fd = m->w[i].pid > 0 ? m->w[i].fd : -1, .events = POLLIN};
    for (int s = 0; s < m->ns; s++)
        m->pfd[n++] = (struct pollfd){.fd = m->u[s].pid > 0 ? m->u[s].fd : -1, .events = POLLIN};
    timeout = wake > now ? (int)(wake - now) : 0;
    if (poll(m->pfd, (nfds_t)n, timeout) < 0) {
        if (errno != EINTR)
            bh_log(BH_LOG_ERROR, "poll: %s", strerror(errno));
        return 0;
    }
    if (m->pfd[0].revents) {
        unsigned char sigs[64];
        ssize_t k = read(bh_sigpipe[0], sigs, sizeof sigs);
        for (ssize_t i = 0; i < k; i++) {
            if (sigs[i] == SIGCHLD)
                bh_master_reap(m);
            else if (m->stopping) {
                bh_log(BH_LOG_WARN, "%s again: stopping at once", strsignal(sigs[i]));
                m->hard = 1;
                return 1;
            } else
                bh_master_begin_stop(m, sigs[i]);
        }
    }
    for (int i = 0; i < m->nw; i++)
        if (m->w[i].pid > 0 && m->pfd[1 + i].revents)
            bh_master_read_worker(m, i);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0 && m->pfd[1 + m->nw + s].revents)
            bh_master_read_updater(m, s);
    return 0;
}

/* Runs master_start in a child: it may use libcurl (setMyCommands), which
 * the master never does, so that its forks stay safe. */
static int bh_master_starter(bh_master *m)
{
    pid_t pid;
    int status;

    if (!m->app->master_start)
        return BH_OK;
    if ((pid = bh_master_fork()) < 0)
        return BH_EIO;
    if (pid == 0) {
        bh_child_setup(m->self, "starter", 0);
        _exit(m->app->master_start(m->app->arg, m->st) == 0 ? 0 : 1);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return BH_EIO;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[96];
        bh_status_text(status, how, sizeof how);
        bh_log(BH_LOG_ERROR, "master_start failed (%s)", how);
        return BH_EAPI;
    }
    return BH_OK;
}

static void bh_master_free(bh_master *m)
{
    for (int s = 0; m->led && s < m->ns; s++)
        bh_ledger_free(&m->led[s]);
    bh_doneset_close(&m->done);
    for (int s = 0; m->timer_next && s < m->ns; s++)
        free(m->timer_next[s]);
    for (int i = 0; m->w && i < m->nw; i++)
        if (m->w[i].job)
            bh_qjob_free(m->w[i].job);
    free(m->timer_next);
    free(m->led);
    free(m->w);
    free(m->u);
    free(m->pfd);
    free(m->buf);
    bh_queue_free(&m->q);
    if (m->shm)
        munmap(m->shm, m->shm_len);
    bh_store_close(m->st);
}

int bh_runner_run(const bh_runner_app *app, const bh_run_options *opts)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGCHLD, SIGPIPE};
    struct sigaction old[4];
    int installed = 0, rc;
    bh_master m = {0};

    if (!app || !app->handle || !app->sources || app->nsources == 0 || app->nsources > 1024)
        return BH_EINVAL;
    if ((rc = bh_runner_options_resolve(opts, &m.o)) != BH_OK)
        return rc;
    size_t hooks = 0;
    for (size_t s = 0; s < app->nsources; s++) {
        if (!app->sources[s].token && !app->sources[s].feed)
            return BH_EINVAL;
        hooks += !app->sources[s].feed;
        if (m.o.webhook_url && hooks > 1)
            return BH_EINVAL; /* one listening address, one secret */
        for (size_t t = 0; t < app->sources[s].ntimers; t++)
            if (app->sources[s].timer_seconds[t] < 1)
                return BH_EINVAL;
    }
    m.app = app;
    m.self = getpid();
    m.nw = m.o.workers;
    m.ns = (int)app->nsources;
    m.wback = (bh_respawn){.b = {.initial_ms = m.o.respawn_initial_ms, .max_ms = m.o.respawn_max_ms}};
    m.uback = m.wback;
    bh_log_set_tag("master");
    if ((rc = bh_store_open(&m.st, m.o.store_url, NULL)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "cannot open the store: %s", bh_strerror(rc));
        return rc;
    }
    rc = BH_ENOMEM;
    m.w = calloc((size_t)m.nw, sizeof *m.w);
    m.u = calloc((size_t)m.ns, sizeof *m.u);
    m.led = calloc((size_t)m.ns, sizeof *m.led);
    m.timer_next = calloc((size_t)m.ns, sizeof *m.timer_next);
    m.pfd = calloc((size_t)(1 + m.nw + m.ns), sizeof *m.pfd);
    m.buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    m.shm_len = (size_t)m.nw * sizeof *m.shm;
    m.shm = mmap(NULL, m.shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m.shm == MAP_FAILED)
        m.shm = NULL;
    if (!m.w || !m.u || !m.led || !m.timer_next || !m.pfd || !m.buf || !m.shm ||
        bh_queue_init(&m.q) != BH_OK)
        goto fail;
    if ((rc = bh_doneset_open(&m.done, m.st, m.ns)) != BH_OK) {
        /* Not fatal: delivery stays at least once, with more repeats. */
        bh_log(BH_LOG_WARN, "cannot read the updates done before: %s", bh_strerror(rc));
        bh_doneset_close(&m.done);
        rc = BH_ENOMEM;
    }
    int64_t now = bh_clock_mono_ms();
    for (int s = 0; s < m.ns; s++) {
        if (bh_ledger_init(&m.led[s]) != BH_OK)
            goto fail;
        size_t nt = app->sources[s].ntimers;
        if (nt && !(m.timer_next[s] = calloc(nt, sizeof(int64_t))))
            goto fail;
        for (size_t t = 0; t < nt; t++)
            m.timer_next[s][t] = now + app->sources[s].timer_seconds[t] * 1000LL;
        m.u[s].fd = -1;
    }
    for (int i = 0; i < m.nw; i++)
        m.w[i].fd = -1;
    if ((rc = bh_master_starter(&m)) != BH_OK)
        goto fail;
    rc = BH_EIO;
    if (pipe2(bh_sigpipe, O_NONBLOCK | O_CLOEXEC) < 0)
        goto fail;
    for (int k = 0; k < 4; k++) {
        struct sigaction sa = {.sa_handler = k == 3 ? SIG_IGN : bh_master_on_signal};
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART | (k == 2 ? SA_NOCLDSTOP : 0);
        sigaction(sigs[k], &sa, &old[k]);
    }
    installed = 1;
    bh_log(BH_LOG_INFO, "starting %d worker(s) and %d updater(s)%s", m.nw, m.ns,
           m.o.webhook_url ? " (webhook)" : "");
    for (int i = 0; i < m.nw; i++)
        if (bh_worker_spawn(&m, i) != BH_OK)
            goto fail;
    for (int s = 0; s < m.ns; s++)
        if (bh_updater_spawn(&m, s) != BH_OK)
            goto fail;
    while (!bh_master_step(&m))
        ;
    bh_master_end_children(&m, m.hard);
    rc = m.hard ? BH_EINTR : BH_OK;
    if (!m.hard)
        bh_log(BH_LOG_INFO, "stopped");
    goto out;
fail:
    bh_log(BH_LOG_ERROR, "runner failed to start: %s", bh_strerror(rc));
    bh_master_end_children(&m, 1);
out:
    if (installed)
        for (int k = 0; k < 4; k++)
            sigaction(sigs[k], &old[k], NULL);
    if (bh_sigpipe[0] >= 0) {
        close(bh_sigpipe[0]);
        close(bh_sigpipe[1]);
        bh_sigpipe[0] = bh_sigpipe[1] = -1;
    }
    bh_master_free(&m);
    return rc;
}
