/*
 * The emulator as a child process (see launch.h): started through
 * child.c, its URL read from a pipe on its stdout within a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "bothive/error.h"
#include "launch.h"

/* Reads one line (without its newline) from fd before deadline (monotonic
 * ms). Returns BH_OK, or BH_EPROTO on EOF, error, timeout or a line longer
 * than size. */
static int read_line(int fd, char *buf, size_t size, int64_t deadline)
{
    size_t n = 0;
    while (n + 1 < size) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - bh_clock_mono_ms();
        int rc;
        ssize_t r;
        if (left <= 0)
            return BH_EPROTO;
        rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return BH_EPROTO;
        r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return BH_EPROTO;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return BH_OK;
        }
        n++;
    }
    return BH_EPROTO;
}

#define BH_EMU_LAUNCH_MAX_ARGS 8

/* Starts the emulator with its stdout on out_fd. */
static int start_child(bh_child *c, const bh_emu_launch_opts *o, int out_fd)
{
    char *argv[7 + BH_EMU_LAUNCH_MAX_ARGS] = {(char *)o->bin, "emu", "--port", "0", "--token",
                                              (char *)o->token};
    for (size_t i = 0; o->args && o->args[i]; i++) {
        if (i == BH_EMU_LAUNCH_MAX_ARGS) {
            fprintf(stderr, "%s: more than %d arguments for the emulator\n", o->who,
                    BH_EMU_LAUNCH_MAX_ARGS);
            return BH_EIO;
        }
        argv[6 + i] = (char *)o->args[i];
    }
    bh_child_spec s = {.argv = argv, .out_fd = out_fd, .err_fd = o->log_fd, .group = o->group,
                       .who = o->who, .what = "the emulator"};
    return bh_child_start(c, &s);
}

int bh_emu_launch(bh_child *c, const bh_emu_launch_opts *o, char *url, size_t urlsize)
{
    int64_t deadline = bh_clock_mono_ms() + o->start_ms;
    int fds[2], rc;

    memset(c, 0, sizeof *c);
    c->pidfd = -1;
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "%s: pipe: %s\n", o->who, strerror(errno));
        return BH_EIO;
    }
    rc = start_child(c, o, fds[1]);
    close(fds[1]);
    if (rc == BH_OK && (read_line(fds[0], url, urlsize, deadline) != BH_OK ||
                        strncmp(url, "http://", 7) != 0)) {
        bh_child_stop(c, 0);
        rc = BH_EPROTO;
    }
    /* Nothing else comes on stdout: the emulator never writes there again. */
    close(fds[0]);
    return rc;
}
