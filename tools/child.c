/*
 * Child processes of the bothive command and of the tests (see child.h).
 * The end of a child is waited for on a pidfd, which becomes readable when
 * it exits, so a stop returns as soon as the child is gone; only the other
 * members of its group, which have no such handle, are polled.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/sleep.h"
#include "bothive/error.h"
#include "child.h"

/* How often a group that outlives its leader is checked while stopping. */
#define BH_CHILD_GROUP_POLL_MS 10

/* A pidfd for pid, or -1 when the kernel or the C library has none. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* What every child does first: die with its parent, leave the parent's
 * process group when asked, and undo the parent's signal settings (an
 * ignored SIGPIPE or a blocked signal would survive exec). Returns false
 * when the parent is already gone. */
static bool setup_in_child(pid_t parent, bool group)
{
    sigset_t none;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return false;
    if (group)
        setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    return true;
}

/* In the child: stdin from /dev/null (a child must not read the user's
 * keystrokes, and in a group of its own it would be stopped by SIGTTIN if
 * it tried), the output where asked, the environment, then exec. */
static _Noreturn void exec_in_child(const bh_child_spec *s)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    if (s->out_fd >= 0)
        dup2(s->out_fd, STDOUT_FILENO);
    if (s->err_fd >= 0)
        dup2(s->err_fd, STDERR_FILENO);
    for (const char *const *e = s->env; e && e[0] && e[1]; e += 2)
        setenv(e[0], e[1], 1);
    execvp(s->argv[0], s->argv);
    if (s->what)
        fprintf(stderr, "%s: cannot run %s: %s\n", s->who, s->what, strerror(errno));
    else
        fprintf(stderr, "%s: cannot run '%s': %s\n", s->who, s->argv[0], strerror(errno));
    _exit(127);
}

int bh_child_start(bh_child *c, const bh_child_spec *s)
{
    pid_t parent = getpid(), pid;

    memset(c, 0, sizeof *c);
    c->pidfd = -1;
    if ((pid = fork()) < 0) {
        int saved = errno;
        fprintf(stderr, "%s: fork: %s\n", s->who, strerror(errno));
        errno = saved;
        return BH_EIO;
    }
    if (pid == 0) {
        if (!setup_in_child(parent, s->group))
            _exit(127);
        exec_in_child(s);
    }
    if (s->group)
        setpgid(pid, pid);  /* also here: the child may not have run yet when we signal it */
    c->pid = pid;
    c->group = s->group;
    c->pidfd = open_pidfd(pid);
    return BH_OK;
}

/* Marks the child reaped and lets go of its pidfd. */
static void mark_reaped(bh_child *c)
{
    c->reaped = true;
    if (c->pidfd >= 0)
        close(c->pidfd);
    c->pidfd = -1;
}

bool bh_child_gone(bh_child *c)
{
    pid_t r;
    if (c->reaped || c->pid <= 0)
        return true;
    do
        r = waitpid(c->pid, &c->status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    c->lost = r < 0;  /* ECHILD: nothing to wait for, someone else reaped it */
    mark_reaped(c);
    return true;
}

/* True while another member of the child's group is still there. */
static bool group_lives(const bh_child *c)
{
    return c->group && !(kill(-c->pid, 0) < 0 && errno == ESRCH);
}

/* Sends sig once to the child's group, or to the child itself while it is
 * not reaped when the group is not there (setpgid had not happened yet). */
static void signal_child(const bh_child *c, int sig)
{
    /* The group includes its leader, the child: signalling it again would
     * be a second signal, which a bothive runner takes as "stop at once"
     * (and ends with a failure). The child alone is signalled only when
     * its group is gone, or not made yet. */
    if (c->group && kill(-c->pid, sig) == 0)
        return;
    if (!c->reaped)
        kill(c->pid, sig);
}

/* Waits until the child is reaped and its group empty, or until deadline
 * (monotonic ms). Returns true when they are gone. */
static bool wait_until_gone(bh_child *c, int64_t deadline)
{
    for (;;) {
        bool gone = bh_child_gone(c);
        int64_t left = deadline - bh_clock_mono_ms();
        if (gone && !group_lives(c))
            return true;
        if (left <= 0)
            return false;
        if (!gone && c->pidfd >= 0) {
            struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
            poll(&p, 1, (int)left);
        } else {
            bh_sleep_ms(left < BH_CHILD_GROUP_POLL_MS ? left : BH_CHILD_GROUP_POLL_MS, NULL);
        }
    }
}

/* The group lives on while any member does, even after its leader is
 * reaped: a bot's leftover children are part of it, so the whole group is
 * signalled and waited for. */
int bh_child_stop(bh_child *c, int grace_ms)
{
    if (c->pid <= 0)
        return BH_OK;
    signal_child(c, SIGTERM);
    if (wait_until_gone(c, bh_clock_mono_ms() + grace_ms))
        return BH_OK;
    signal_child(c, SIGKILL);
    if (!c->reaped) {
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
            ;
        mark_reaped(c);
    }
    return BH_ETIMEDOUT;
}

void bh_child_status_text(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "ended with wait status 0x%x", status);
}
