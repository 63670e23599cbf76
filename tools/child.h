/*
 * Child processes of the bothive command (the emulator and the bot that
 * `bothive chat` runs) and of the tests that start the emulator.
 *
 * A child dies with the process that started it (PR_SET_PDEATHSIG), so a
 * parent that is killed leaves nothing behind; it starts with default
 * signal handling and no blocked signal whatever its parent set (an ignored
 * SIGPIPE or a blocked signal would survive exec); it reads /dev/null; and
 * it may lead a process group of its own, so that stopping it stops what it
 * started too. Every wait is bounded: a child that ignores SIGTERM for the
 * grace time it is given is killed.
 */
#ifndef BOTHIVE_TOOLS_CHILD_H
#define BOTHIVE_TOOLS_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct bh_child {
    pid_t pid;      /* 0 when never started; kept once reaped (its group may live on) */
    int status;     /* wait status once reaped */
    bool reaped;
    bool lost;      /* someone else reaped it: status is unknown */
    bool group;     /* it leads a process group of its own */
    int pidfd;      /* readable once it has ended; -1 when the kernel has none */
} bh_child;

/* What to run, and where its output goes. */
typedef struct bh_child_spec {
    char *const *argv;       /* argv[0] is looked up in PATH unless it has a '/' */
    const char *const *env;  /* NAME, VALUE, NAME, VALUE..., NULL: set in the child; may be NULL */
    int out_fd, err_fd;      /* its stdout and stderr; -1 keeps the parent's */
    bool group;              /* lead a process group of its own */
    const char *who;         /* prefix of the messages about failures, e.g. "bothive chat" */
    const char *what;        /* what the exec failure message calls it; NULL: 'argv[0]' */
} bh_child_spec;

/* Forks and runs s->argv in the child. Returns BH_OK, or BH_EIO when the
 * fork fails (a message on stderr, errno kept). A program that cannot be
 * executed writes why to its stderr and exits 127, which the caller sees as
 * the child ending. */
int bh_child_start(bh_child *c, const bh_child_spec *s);

/* Reaps the child if it has ended. True when it is gone (now or before). */
bool bh_child_gone(bh_child *c);

/* Sends SIGTERM to the child (to its whole group when it leads one) and
 * waits up to grace_ms until it is reaped and its group is empty; then
 * SIGKILLs them and reaps it. Returns BH_OK when it ended in time (or had
 * already), BH_ETIMEDOUT when it had to be killed. */
int bh_child_stop(bh_child *c, int grace_ms);

/* "exited with status 3", "was killed by signal 9 (Killed)": for messages. */
void bh_child_status_text(int status, char *buf, size_t size);

#endif
