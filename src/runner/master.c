/*
 * The master: bh_runner_run. It checks the application, opens the store,
 * runs the starter, forks the updaters and workers (supervise.c), and then
 * only moves messages (loop.c): updates in from the updaters, jobs out to
 * idle workers in per-chat order (jobs.c, queue.c), confirmable offsets
 * back to the updaters (ledger.c), until the stop (shutdown.c). It runs no
 * application code, no libcurl and no threads, so it can always fork a
 * replacement safely.
 *
 * Names: every function here is bh_master_*, as it works on the master's
 * state, but for the entry point.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bothive/error.h"
#include "bothive/log.h"
#include "master.h"

/* Whether app can run with options o: a handle, 1 to BH_MASTER_SOURCES_MAX
 * sources, each with a token or a feed and timers of at least a second, and
 * in webhook mode at most one source that is not a feed. */
static int bh_master_check_app(const bh_runner_app *app, const bh_run_options *o)
{
    size_t hooks = 0;

    if (!app || !app->handle || !app->sources || app->nsources == 0 ||
        app->nsources > BH_MASTER_SOURCES_MAX)
        return BH_EINVAL;
    for (size_t s = 0; s < app->nsources; s++) {
        if (!app->sources[s].token && !app->sources[s].feed)
            return BH_EINVAL;
        hooks += !app->sources[s].feed;
        if (o->webhook_url && hooks > 1)
            return BH_EINVAL; /* one listening address, one secret */
        for (size_t t = 0; t < app->sources[s].ntimers; t++)
            if (app->sources[s].timer_seconds[t] < 1)
                return BH_EINVAL;
    }
    return BH_OK;
}

/* Allocates the slots, the ledgers, the timers' table, the poll set, the
 * message buffer, the workers' notes (a shared mapping) and the queue.
 * Every slot's socket starts closed. Errors: BH_ENOMEM. */
static int bh_master_alloc(bh_master *m)
{
    m->w = calloc((size_t)m->nw, sizeof *m->w);
    m->u = calloc((size_t)m->ns, sizeof *m->u);
    m->led = calloc((size_t)m->ns, sizeof *m->led);
    m->timer_next = calloc((size_t)m->ns, sizeof *m->timer_next);
    m->pfd = calloc((size_t)(1 + m->nw + m->ns), sizeof *m->pfd);
    m->buf = malloc(sizeof(bh_msg_hdr) + BH_RUNNER_MSG_MAX + 1);
    m->shm_len = (size_t)m->nw * sizeof *m->shm;
    m->shm = mmap(NULL, m->shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m->shm == MAP_FAILED)
        m->shm = NULL;
    for (int i = 0; m->w && i < m->nw; i++)
        m->w[i].fd = -1;
    for (int s = 0; m->u && s < m->ns; s++)
        m->u[s].fd = -1;
    if (!m->w || !m->u || !m->led || !m->timer_next || !m->pfd || !m->buf || !m->shm)
        return BH_ENOMEM;
    return bh_queue_init(&m->q);
}

/* Each source's ledger, and its timers' first ticks a period from now.
 * Errors: BH_ENOMEM. */
static int bh_master_init_sources(bh_master *m)
{
    int64_t now = bh_clock_mono_ms();

    for (int s = 0; s < m->ns; s++) {
        const bh_runner_source *src = &m->app->sources[s];
        if (bh_ledger_init(&m->led[s]) != BH_OK)
            return BH_ENOMEM;
        if (src->ntimers && !(m->timer_next[s] = calloc(src->ntimers, sizeof(int64_t))))
            return BH_ENOMEM;
        for (size_t t = 0; t < src->ntimers; t++)
            m->timer_next[s][t] = now + src->timer_seconds[t] * BH_MS_PER_S;
    }
    return BH_OK;
}

/* Reads the updates an earlier master finished (doneset.c). */
static void bh_master_open_done(bh_master *m)
{
    int rc = bh_doneset_open(&m->done, m->st, m->ns);

    if (rc != BH_OK) {
        /* Not fatal: delivery stays at least once, with more repeats. */
        bh_log(BH_LOG_WARN, "cannot read the updates done before: %s", bh_strerror(rc));
        bh_doneset_close(&m->done);
    }
}

/* The state of a run of app with the resolved options o, before anything
 * is opened. */
static void bh_master_init(bh_master *m, const bh_runner_app *app, const bh_run_options *o)
{
    memset(m, 0, sizeof *m);
    m->app = app;
    m->o = *o;
    m->self = getpid();
    m->nw = o->workers;
    m->ns = (int)app->nsources;
    m->wback = (bh_respawn){.b = {.initial_ms = o->respawn_initial_ms,
                                  .max_ms = o->respawn_max_ms}};
    m->uback = m->wback;
    m->sigpipe[0] = m->sigpipe[1] = -1;
}

/* Forks every worker, then every updater. Errors: BH_EIO. */
static int bh_master_spawn_all(bh_master *m)
{
    bh_log(BH_LOG_INFO, "starting %d worker(s) and %d updater(s)%s", m->nw, m->ns,
           m->o.webhook_url ? " (webhook)" : "");
    for (int i = 0; i < m->nw; i++)
        if (bh_master_worker_spawn(m, i) != BH_OK)
            return BH_EIO;
    for (int s = 0; s < m->ns; s++)
        if (bh_master_updater_spawn(m, s) != BH_OK)
            return BH_EIO;
    return BH_OK;
}

/* Frees what bh_master_alloc and the run made, and closes the store. Safe
 * on a state that was only partly set up. */
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
    bh_master_hosts_free(m);
    if (m->shm)
        munmap(m->shm, m->shm_len);
    bh_store_close(m->st);
}

/* Everything between the open store and the end of the loop: set-up, the
 * starter, the signals, the children, the loop. On a failure to start,
 * what was started is killed. */
static int bh_master_run(bh_master *m)
{
    struct sigaction old[4];
    int rc;

    if ((rc = bh_master_alloc(m)) != BH_OK || (rc = bh_master_init_sources(m)) != BH_OK ||
        (rc = bh_master_hosts_init(m)) != BH_OK)
        goto fail;
    bh_master_open_done(m);
    bh_master_backlog_rule(m);
    if ((rc = bh_master_start_app(m)) != BH_OK ||
        (rc = bh_master_signals_install(m, old)) != BH_OK)
        goto fail;
    if ((rc = bh_master_spawn_all(m)) != BH_OK)
        goto fail_signals;
    bh_master_loop(m);
    bh_master_end_children(m, m->hard);
    if (!m->hard)
        bh_log(BH_LOG_INFO, "stopped");
    bh_master_signals_restore(m, old);
    return m->hard ? BH_EINTR : BH_OK;
fail_signals:
    bh_log(BH_LOG_ERROR, "runner failed to start: %s", bh_strerror(rc));
    bh_master_end_children(m, 1);
    bh_master_signals_restore(m, old);
    return rc;
fail:
    bh_log(BH_LOG_ERROR, "runner failed to start: %s", bh_strerror(rc));
    bh_master_end_children(m, 1);
    return rc;
}

int bh_runner_run(const bh_runner_app *app, const bh_run_options *opts)
{
    bh_run_options o;
    bh_master m;
    int rc;

    if (!app)
        return BH_EINVAL;
    if ((rc = bh_runner_options_resolve(opts, &o)) != BH_OK ||
        (rc = bh_master_check_app(app, &o)) != BH_OK)
        return rc;
    bh_master_init(&m, app, &o);
    bh_log_set_tag("master");
    if ((rc = bh_store_open(&m.st, m.o.store_url, NULL)) != BH_OK) {
        bh_log(BH_LOG_ERROR, "cannot open the store: %s",
               *bh_store_errmsg(NULL) ? bh_store_errmsg(NULL) : bh_strerror(rc));
        return rc;
    }
    rc = bh_master_run(&m);
    bh_master_free(&m);
    return rc;
}
