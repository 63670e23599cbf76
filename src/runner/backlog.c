/*
 * The backlog rule: the updates waiting when a bot starts are skipped
 * (unless process_backlog) only at the very first start of the bot, when
 * the store holds nothing of it yet; never on a restart, whether clean or
 * after a crash (the updates in flight then are work to do, not a stale
 * backlog), so that a file: store on one host keeps the same rule as
 * several hosts over redis:// (where the intake decides it, intake.c).
 *
 * The store remembers that a bot started with a key named by the bot's
 * id in the memory "bothive.started", added at the start of each run.
 * A mem: store is new at each start, so it skips every time, as before.
 *
 * Names: bh_master_* (the master's state), bh_backlog_*.
 */
#include "bothive/error.h"
#include "bothive/log.h"
#include "hosts.h"
#include "master.h"

#define BH_STARTED_MEMORY "bothive.started"

/* 1 when the bot of token never started on st (and now has), else 0; a
 * store that cannot tell counts as a restart: nothing is skipped then. */
static int bh_backlog_first_start(bh_shared *mem, const char *token)
{
    char bot[BH_HOSTS_NAME_MAX + 1];
    bh_value one = bh_value_int(1);
    int rc;

    bh_hosts_bot_id(token, bot, sizeof bot);
    rc = bh_shared_put(mem, bot, &one, BH_PUT_ADD, 0);
    if (rc == BH_OK)
        return 1;
    if (rc != BH_EEXISTS)
        bh_log(BH_LOG_WARN, "cannot tell whether bot %s started before (%s): its backlog "
               "is processed", bot, bh_strerror(rc));
    return 0;
}

void bh_master_backlog_rule(bh_master *m)
{
    bh_shared *mem = NULL;
    int rc;

    if (m->o.process_backlog)
        return;
    if ((rc = bh_shared_open(m->st, BH_STARTED_MEMORY, &mem)) != BH_OK)
        bh_log(BH_LOG_WARN, "cannot open %s: %s", BH_STARTED_MEMORY, bh_strerror(rc));
    for (int s = 0; s < m->ns; s++) {
        const bh_runner_source *src = &m->app->sources[s];
        if (src->feed || bh_hosts_mode(m->app, &m->o, s))
            continue;
        /* started_once: the updater does not skip (supervise.c). */
        if (!mem || !bh_backlog_first_start(mem, src->token)) {
            m->u[s].started_once = 1;
            bh_log(BH_LOG_INFO, "source %d: not the first start of the bot; pending updates "
                   "are processed", s);
        }
    }
    bh_shared_close(mem);
}
