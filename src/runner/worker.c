/*
 * The worker process: takes one job at a time from the master, runs the
 * application's handler, answers DONE. It exits when the master closes its
 * socket (or dies: PR_SET_PDEATHSIG).
 *
 * Names: every function here is bh_worker_*, but for bh_runner_note.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "internal.h"

/* This process's note slot; NULL outside a worker. */
static bh_worker_slot_shm *bh_worker_note_slot;
/* This process's socket to the master; -1 outside a worker. */
static int bh_worker_fd = -1;

void bh_runner_note(const char *what)
{
    bh_worker_slot_shm *s = bh_worker_note_slot;

    if (!s)
        return;
    /* The master reads the note only after this process died or while it
     * overruns, so a torn read can at worst mix two hook names. */
    snprintf(s->note, sizeof s->note, "%s", what ? what : "");
}

void bh_runner_wake(int source, int64_t wall_ms)
{
    bh_msg_hdr h = {.type = BH_MSG_WAKE, .source = source, .a = wall_ms};

    /* A lost wake-up (the master is gone) needs no handling: a new master
     * looks at the jobs when it starts. */
    if (bh_worker_fd >= 0)
        (void)bh_proto_send(bh_worker_fd, &h, NULL, 0);
}

/* What bh_worker_recv found. */
enum { BH_WORKER_JOB, BH_WORKER_OTHER, BH_WORKER_EOF };

/* Waits for the master's next message (a blocking receive: the socket is
 * the worker's only input) into m, its body in buf. BH_WORKER_EOF when the
 * master closed the socket (or it failed), BH_WORKER_OTHER for a message
 * that is not a job. */
static int bh_worker_recv(int fd, char *buf, bh_msg *m)
{
    ssize_t n;

    do
        n = recv(fd, buf, sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return BH_WORKER_EOF;
    if ((size_t)n < sizeof(bh_msg_hdr))
        return BH_WORKER_OTHER;
    memcpy(&m->h, buf, sizeof m->h);
    m->len = (size_t)n - sizeof(bh_msg_hdr);
    m->body = buf + sizeof(bh_msg_hdr);
    m->body[m->len] = '\0';
    return m->h.type == BH_MSG_JOB ? BH_WORKER_JOB : BH_WORKER_OTHER;
}

/* Runs the application's handler on the job in m. A handler's error is
 * logged here, with what the worker noted it was running; the job is done
 * all the same. Returns the handler's code. */
static int bh_worker_run(const bh_runner_app *app, const bh_msg *m, bh_worker_slot_shm *shm)
{
    bh_job job = {.kind = (bh_job_kind)m->h.kind, .source = m->h.source,
                  .update_id = m->h.update_id, .timer = m->h.timer,
                  .json = m->len ? m->body : NULL, .attempt = m->h.attempt};
    const char *in;
    int rc;

    shm->note[0] = '\0';
    rc = app->handle(app->arg, &job);
    if (rc >= 0)
        return rc;
    in = shm->note[0] ? " in " : "";
    if (job.kind == BH_JOB_UPDATE)
        bh_log(BH_LOG_ERROR, "handler failed on update %lld of source %d%s%s: %s",
               (long long)job.update_id, job.source, in, shm->note, bh_strerror(rc));
    else if (job.kind == BH_JOB_SCHEDULE)
        bh_log(BH_LOG_ERROR, "scheduled jobs of source %d failed%s%s: %s", job.source, in,
               shm->note, bh_strerror(rc));
    else
        bh_log(BH_LOG_ERROR, "timer %d of source %d failed%s%s: %s", job.timer,
               job.source, in, shm->note, bh_strerror(rc));
    return rc;
}

/* Runs worker_start, then one job at a time, each answered DONE, until the
 * master closes the socket; then worker_stop. */
void bh_worker_main(const bh_runner_app *app, bh_store *st, int worker_no, int fd,
                    bh_worker_slot_shm *shm)
{
    char *buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    bh_msg m;
    int rc;

    bh_worker_note_slot = shm;
    bh_worker_fd = fd;
    if (!buf)
        _exit(BH_EXIT_NOMEM);
    if (app->worker_start && (rc = app->worker_start(app->arg, st, worker_no)) != 0) {
        bh_log(BH_LOG_ERROR, "worker_start failed: %s", bh_strerror(rc));
        _exit(BH_EXIT_START);
    }
    bh_log(BH_LOG_DEBUG, "ready");
    while ((rc = bh_worker_recv(fd, buf, &m)) != BH_WORKER_EOF) {
        if (rc != BH_WORKER_JOB)
            continue;
        rc = bh_worker_run(app, &m, shm);
        bh_msg_hdr done = {.type = BH_MSG_DONE, .rc = rc < 0 ? rc : 0};
        if (bh_proto_send(fd, &done, NULL, 0) != BH_OK)
            break;
    }
    if (app->worker_stop)
        app->worker_stop(app->arg);
    free(buf);
    _exit(0);
}
