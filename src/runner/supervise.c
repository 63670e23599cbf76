/*
 * Supervision: the master's children. Forking them (with every signal
 * blocked, and each connected to the master by a socket pair), the set-up
 * of a freshly forked child, noticing that one is gone, respawning it after
 * the crash backoff, the short-lived starter, and ending them all at the
 * end of the run. Every waitpid of the master is here.
 *
 * Names: functions on the master's state are bh_master_*, those on one
 * child process bh_child_*, the backoff bh_respawn_*.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "hosts.h"
#include "master.h"

/* The status of a child that finds its master gone before it started; no
 * one reads it. */
#define BH_CHILD_ORPHAN_EXIT 1

/*
 * A child must not outlive the master: an orphaned worker would keep
 * handling nothing, and an orphaned updater would keep confirming updates
 * no one processes. PR_SET_PDEATHSIG covers a master killed by SIGKILL; the
 * getppid check covers a master that died between fork and prctl.
 * Then: default signal dispositions (SIGINT/SIGTERM ignored when
 * ignore_stop), the log tag and the process name.
 */
static void bh_child_setup(pid_t master, const char *tag, int ignore_stop)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigset_t all;

    char name[16];

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != master)
        _exit(BH_CHILD_ORPHAN_EXIT);
    bh_log_set_tag(tag);
    /* ps and top show what each process is ("bh updater", "bh worker 2"). */
    snprintf(name, sizeof name, "bh %s", tag);
    prctl(PR_SET_NAME, name);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGPIPE, &sa, NULL);
    /* A terminal's ^C and a service manager's SIGTERM reach the whole
     * process group: workers leave the decision to the master, which lets
     * their current update finish. */
    sa.sa_handler = ignore_stop ? SIG_IGN : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

/*
 * The first crash after a quiet minute is replaced at once (a single bad
 * update should not cost a worker for long); crashes that follow each other
 * double the delay up to max, so a bug that kills every worker at start
 * does not turn into a fork loop.
 */
int64_t bh_respawn_delay(bh_respawn *r, int64_t now_ms)
{
    int64_t d;

    if (r->last_ms && now_ms - r->last_ms > BH_RESPAWN_QUIET_MS)
        bh_backoff_reset(&r->b);
    r->last_ms = now_ms;
    d = r->b.cur_ms;
    bh_backoff_next(&r->b);
    return d;
}

/*
 * The delay for a worker slot whose worker died. A worker that finished a
 * job since it started proved the code runs: it was killed from outside,
 * or by one update, so its slot's backoff starts over and it is replaced
 * at once. One that died before finishing any job may die at every start:
 * it waits out the slot's backoff, so that it does not become a fork loop.
 * The runner is never left without a worker for the backoff's length:
 * when the last one dies while processing an update (retried or set aside
 * by jobs.c, so this cannot loop), or for the first time since a job
 * finished (c->rescue), it is replaced at once.
 */
int64_t bh_respawn_worker_delay(bh_respawn *r, int64_t now_ms, bh_respawn_case *c)
{
    int64_t d;

    if (c->jobs_done > 0) {
        bh_backoff_reset(&r->b);
        r->last_ms = 0;
    }
    d = bh_respawn_delay(r, now_ms);
    if (d == 0 || c->others_alive > 0)
        return d;
    if (c->had_job)
        return 0;
    if (c->rescue) {
        c->rescue = 0;
        return 0;
    }
    return d;
}

/* How many workers other than slot i are alive. */
static int bh_master_workers_alive(const bh_master *m, int i)
{
    int n = 0;

    for (int k = 0; k < m->nw; k++)
        n += k != i && m->w[k].state != BH_W_DEAD;
    return n;
}

/* "killed by signal 9 (Killed)" or "exited with status 3". */
static void bh_child_status_text(int status, char *out, size_t n)
{
    if (WIFSIGNALED(status))
        snprintf(out, n, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(out, n, "ended (status 0x%x)", status);
}

/* fork with every signal blocked, so that no handler of the master runs in
 * the child before it resets its dispositions. */
static pid_t bh_child_fork_blocked(void)
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
    close(m->sigpipe[0]);
    close(m->sigpipe[1]);
}

/*
 * Forks a child connected to the master by a socket pair: in the parent,
 * fds[0] is the master's end; in the child (which gets 0), fds[1] is its
 * end and everything else of the master is closed. -1 on failure.
 */
static pid_t bh_master_fork_child(bh_master *m, int fds[2])
{
    pid_t pid;

    if (bh_proto_pair(fds) != BH_OK)
        return -1;
    if ((pid = bh_child_fork_blocked()) < 0) {
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

int bh_master_worker_spawn(bh_master *m, int i)
{
    bh_wslot *w = &m->w[i];
    int fds[2];
    pid_t pid;
    char tag[32];

    if ((pid = bh_master_fork_child(m, fds)) < 0)
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
    w->jobs_done = 0;
    bh_log(BH_LOG_DEBUG, "worker %d started (pid %d)", i, (int)pid);
    return BH_OK;
}

/* In the updater of source s after fork: its configuration from the
 * master's ledger, then the polling or the webhook loop. */
static void bh_master_updater_child(bh_master *m, int s, int fd) __attribute__((noreturn));
static void bh_master_updater_child(bh_master *m, int s, int fd)
{
    const bh_runner_source *src = &m->app->sources[s];
    bh_updater_cfg cfg = {.app = m->app, .opts = &m->o, .source = s, .fd = fd,
                          .skip_backlog = !m->o.process_backlog && !m->u[s].started_once,
                          .offset = bh_ledger_offset(&m->led[s]), .next = m->led[s].next,
                          .host = bh_master_hosts_id(m)};
    char tag[32];

    if (m->ns > 1)
        snprintf(tag, sizeof tag, "updater %d", s);
    else
        snprintf(tag, sizeof tag, "updater");
    bh_child_setup(m->self, tag, 0);
    if (bh_hosts_mode(m->app, &m->o, s)) {
        struct bh_hosts_held *held = NULL;
        /* The master's state as it was at the fork: what it holds. */
        cfg.nheld = bh_master_hosts_held(m, s, &held);
        cfg.held = held;
        bh_feeder_main(&cfg, cfg.host);
    }
    if (src->feed || !m->o.webhook_url)
        bh_updater_main(&cfg);
    bh_webhook_main(&cfg);
}

int bh_master_updater_spawn(bh_master *m, int s)
{
    bh_uslot *u = &m->u[s];
    int fds[2];
    pid_t pid;

    if ((pid = bh_master_fork_child(m, fds)) < 0)
        return BH_EIO;
    if (pid == 0)
        bh_master_updater_child(m, s, fds[1]);
    u->pid = pid;
    u->fd = fds[0];
    u->started_once = 1;
    u->stopped = 0;
    u->final_sent = 0;
    u->sent_offset = -1;
    bh_master_hosts_feeder_new(m, s);
    if (m->stopping)
        kill(pid, SIGTERM);
    return BH_OK;
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
    bh_child_status_text(status, how, n);
    close(*fd);
    *fd = -1;
}

/*
 * Sets when the dead worker slot i starts again (had_job: its worker died
 * processing an update). A replacement started at once only because no
 * worker was left is early: should it die before finishing a job, it is
 * not pulled in again by bh_master_worker_proved.
 */
static void bh_master_worker_schedule(bh_master *m, int i, int had_job, int64_t now)
{
    bh_wslot *w = &m->w[i];
    bh_respawn_case c = {.others_alive = bh_master_workers_alive(m, i), .had_job = had_job,
                         .jobs_done = w->jobs_done, .rescue = !m->wrescued};

    if (!w->back.b.max_ms)
        w->back = m->wback;
    w->respawn_at = now + bh_respawn_worker_delay(&w->back, now, &c);
    if (!c.rescue && !m->wrescued) {
        m->wrescued = 1;
        w->early = 1;
    }
    if (w->respawn_at > now)
        bh_log(BH_LOG_WARN, "worker %d restarts in %lld ms (it died before finishing a job)",
               i, (long long)(w->respawn_at - now));
}

void bh_master_worker_proved(bh_master *m, int i, int64_t now)
{
    m->w[i].jobs_done++;
    m->w[i].early = 0;
    m->wrescued = 0;
    for (int k = 0; k < m->nw; k++) {
        bh_wslot *w = &m->w[k];
        if (w->state != BH_W_DEAD || w->early || w->respawn_at <= now)
            continue;
        w->respawn_at = now;
        w->early = 1;
    }
}

/*
 * A worker is gone (its socket closed, or SIGCHLD reaped it; reaped says
 * whether status is already known). Its job is retried once on another
 * worker; a job that killed two workers is set aside (jobs.c). The slot is
 * respawned as bh_master_worker_schedule says.
 */
void bh_master_worker_dead(bh_master *m, int i, int reaped, int status)
{
    bh_wslot *w = &m->w[i];
    bh_qjob *j = w->job;
    int had_job = j != NULL;
    char how[BH_MASTER_HOW_MAX];
    int64_t now = bh_clock_mono_ms();

    bh_child_end(w->pid, reaped, status, &w->fd, how, sizeof how);
    w->state = BH_W_DEAD;
    w->job = NULL;
    if (j) {
        bh_master_job_crashed(m, i, j, how);
    } else if (!m->finalizing) {
        bh_log(BH_LOG_ERROR, "worker %d (pid %d) %s while idle", i, (int)w->pid, how);
    }
    w->pid = 0;
    bh_master_worker_schedule(m, i, had_job, now);
}

/* An updater that dies while the runner runs is respawned after the crash
 * backoff; one that dies while stopping only loses its final offset. */
void bh_master_updater_dead(bh_master *m, int s, int reaped, int status)
{
    bh_uslot *u = &m->u[s];
    int64_t now = bh_clock_mono_ms();
    char how[BH_MASTER_HOW_MAX];

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
    bh_master_hosts_feeder_gone(m, s);
}

void bh_master_reap(bh_master *m)
{
    int status;

    for (int i = 0; i < m->nw; i++)
        if (m->w[i].pid > 0 && waitpid(m->w[i].pid, &status, WNOHANG) == m->w[i].pid)
            bh_master_worker_dead(m, i, 1, status);
    for (int s = 0; s < m->ns; s++)
        if (m->u[s].pid > 0 && waitpid(m->u[s].pid, &status, WNOHANG) == m->u[s].pid)
            bh_master_updater_dead(m, s, 1, status);
}

/* Workers are not restarted once the updaters are finalizing: no job is
 * left to give them. */
static void bh_master_respawn_workers(bh_master *m, int64_t now, int64_t *wake)
{
    for (int i = 0; i < m->nw; i++) {
        bh_wslot *w = &m->w[i];
        if (w->state != BH_W_DEAD || m->finalizing)
            continue;
        if (w->respawn_at <= now) {
            if (bh_master_worker_spawn(m, i) != BH_OK) {
                bh_log(BH_LOG_ERROR, "cannot start worker %d: %s", i, strerror(errno));
                w->respawn_at = now + BH_MASTER_FORK_RETRY_MS;
            }
        }
        if (w->state == BH_W_DEAD && w->respawn_at < *wake)
            *wake = w->respawn_at;
    }
}

/* Updaters are not restarted once stopping: nothing more is received. */
static void bh_master_respawn_updaters(bh_master *m, int64_t now, int64_t *wake)
{
    for (int s = 0; s < m->ns; s++) {
        bh_uslot *u = &m->u[s];
        if (u->pid > 0 || m->stopping)
            continue;
        if (u->respawn_at <= now && bh_master_updater_spawn(m, s) != BH_OK) {
            bh_log(BH_LOG_ERROR, "cannot start the updater of source %d: %s", s, strerror(errno));
            u->respawn_at = now + BH_MASTER_FORK_RETRY_MS;
        }
        if (u->pid <= 0 && u->respawn_at < *wake)
            *wake = u->respawn_at;
    }
}

void bh_master_respawns(bh_master *m, int64_t now, int64_t *wake)
{
    bh_master_respawn_workers(m, now, wake);
    bh_master_respawn_updaters(m, now, wake);
}

/* Runs master_start in a child: it may use libcurl (setMyCommands), which
 * the master never does, so that its forks stay safe. */
int bh_master_start_app(bh_master *m)
{
    pid_t pid;
    int status;

    if (!m->app->master_start)
        return BH_OK;
    if ((pid = bh_child_fork_blocked()) < 0)
        return BH_EIO;
    if (pid == 0) {
        bh_child_setup(m->self, "starter", 0);
        _exit(m->app->master_start(m->app->arg, m->st) == 0 ? 0 : BH_EXIT_START);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return BH_EIO;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[BH_MASTER_HOW_MAX];
        bh_child_status_text(status, how, sizeof how);
        bh_log(BH_LOG_ERROR, "master_start failed (%s)", how);
        return BH_EAPI;
    }
    return BH_OK;
}

/* Closes a socket of the master's, if open. */
static void bh_master_close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Closes every child's socket (EOF: workers run worker_stop and exit),
 * killing each child first when hard. */
static void bh_master_close_children(bh_master *m, int hard)
{
    for (int i = 0; m->w && i < m->nw; i++) {
        if (m->w[i].pid > 0 && hard)
            kill(m->w[i].pid, SIGKILL);
        bh_master_close_fd(&m->w[i].fd);
    }
    for (int s = 0; m->u && s < m->ns; s++) {
        if (m->u[s].pid > 0 && hard)
            kill(m->u[s].pid, SIGKILL);
        bh_master_close_fd(&m->u[s].fd);
    }
}

/* Reaps *pid if it ended, or kills and reaps it once the deadline passed.
 * Non-zero while it is still running. */
static int bh_child_reap_by(pid_t *pid, int64_t deadline)
{
    int status;

    if (*pid <= 0)
        return 0;
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
        *pid = 0;
        return 0;
    }
    if (bh_clock_mono_ms() < deadline)
        return 1;
    kill(*pid, SIGKILL);
    waitpid(*pid, &status, 0);
    *pid = 0;
    return 0;
}

/* Waits for every child, killing what does not end within a few seconds
 * (at once when hard). */
void bh_master_end_children(bh_master *m, int hard)
{
    int64_t deadline = bh_clock_mono_ms() + (hard ? 0 : BH_MASTER_END_GRACE_MS);
    int left;

    bh_master_close_children(m, hard);
    do {
        left = 0;
        for (int i = 0; m->w && i < m->nw; i++)
            left += bh_child_reap_by(&m->w[i].pid, deadline);
        for (int s = 0; m->u && s < m->ns; s++)
            left += bh_child_reap_by(&m->u[s].pid, deadline);
        if (left)
            poll(NULL, 0, BH_MASTER_REAP_POLL_MS);
    } while (left);
}
