/*
 * Supervision helpers: the setup of a forked child, and the respawn backoff.
 */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bothive/log.h"
#include "internal.h"

/* A minute without crashes forgets the earlier ones. */
#define BH_RESPAWN_QUIET_MS 60000

/*
 * A child must not outlive the master: an orphaned worker would keep
 * handling nothing, and an orphaned updater would keep confirming updates
 * no one processes. PR_SET_PDEATHSIG covers a master killed by SIGKILL; the
 * getppid check covers a master that died between fork and prctl.
 */
void bh_child_setup(pid_t master, const char *tag, int ignore_stop)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigset_t all;

    char name[16];

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != master)
        _exit(1);
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
