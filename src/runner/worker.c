/*
 * The worker process: takes one job at a time from the master, runs the
 * application's handler, answers DONE. It exits when the master closes its
 * socket (or dies: PR_SET_PDEATHSIG).
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

void bh_runner_note(const char *what)
{
    bh_worker_slot_shm *s = bh_worker_note_slot;

    if (!s)
        return;
    /* The master reads the note only after this process died or while it
     * overruns, so a torn read can at worst mix two hook names. */
    snprintf(s->note, sizeof s->note, "%s", what ? what : "");
}

void bh_worker_main(const bh_runner_app *app, bh_store *st, int worker_no, int fd,
                    bh_worker_slot_shm *shm)
{
    char *buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    bh_msg m;
    int rc;

    bh_worker_note_slot = shm;
    if (!buf)
        _exit(BH_EXIT_NOMEM);
    if (app->worker_start && (rc = app->worker_start(app->arg, st, worker_no)) != 0) {
        bh_log(BH_LOG_ERROR, "worker_start failed: %s", bh_strerror(rc));
        _exit(BH_EXIT_START);
    }
    bh_log(BH_LOG_DEBUG, "ready");
    for (;;) {
        ssize_t n;
        /* Blocking receive: the socket is the worker's only input. */
        do
            n = recv(fd, buf, sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX, 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
            break;
        if ((size_t)n < sizeof(bh_msg_hdr))
            continue;
        memcpy(&m.h, buf, sizeof m.h);
        m.len = (size_t)n - sizeof(bh_msg_hdr);
        m.body = buf + sizeof(bh_msg_hdr);
        m.body[m.len] = '\0';
        if (m.h.type != BH_MSG_JOB)
            continue;
        bh_job job = {.kind = (bh_job_kind)m.h.kind, .source = m.h.source,
                      .update_id = m.h.update_id, .timer = m.h.timer,
                      .json = m.len ? m.body : NULL, .attempt = m.h.attempt};
        shm->note[0] = '\0';
        rc = app->handle(app->arg, &job);
        if (rc < 0) {
            if (job.kind == BH_JOB_UPDATE)
                bh_log(BH_LOG_ERROR, "handler failed on update %lld of source %d%s%s: %s",
                       (long long)job.update_id, job.source, shm->note[0] ? " in " : "",
                       shm->note, bh_strerror(rc));
            else
                bh_log(BH_LOG_ERROR, "timer %d of source %d failed%s%s: %s", job.timer,
                       job.source, shm->note[0] ? " in " : "", shm->note, bh_strerror(rc));
        }
        bh_msg_hdr done = {.type = BH_MSG_DONE, .rc = rc < 0 ? rc : 0};
        if (bh_proto_send(fd, &done, NULL, 0) != BH_OK)
            break;
    }
    if (app->worker_stop)
        app->worker_stop(app->arg);
    free(buf);
    _exit(0);
}
