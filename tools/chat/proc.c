/*
 * bothive chat: the two children, the emulator and the bot. Each runs in a
 * process group of its own, for two reasons: Ctrl-C in the terminal reaches
 * only the chat (which then stops them in order, instead of all three dying
 * at once mid-request), and stopping a bot stops what it started too (a
 * shell-script bot's curl in a long poll would otherwise outlive it).
 * Both get PR_SET_PDEATHSIG, so they do not outlive a chat that is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chat.h"

#define BH_CHAT_EMU_START_MS 10000

/* What every child does first: die with the chat, leave the terminal's
 * process group, and undo the chat's signal settings (an ignored SIGPIPE
 * or a blocked signal would survive exec). Returns -1 when the chat is
 * already gone. */
static int bh_chat_child_setup(pid_t parent)
{
    sigset_t none;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        return -1;
    setpgid(0, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}

/* Reads one line (without its newline) from fd within BH_CHAT_EMU_START_MS.
 * Returns 0, or -1 on EOF, error or timeout. */
static int bh_chat_read_line(int fd, char *buf, size_t size)
{
    size_t n = 0;
    int64_t deadline = bh_clock_mono_ms() + BH_CHAT_EMU_START_MS;
    while (n + 1 < size) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - bh_clock_mono_ms();
        int rc;
        ssize_t r;
        if (left <= 0)
            return -1;
        rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (buf[n] == '\n') {
            buf[n] = '\0';
            return 0;
        }
        n++;
    }
    return -1;
}

/* The bothive binary, to run its emu subcommand: the path /proc/self/exe
 * names, when it can still be run by that path. Under valgrind the link is
 * resolved to the program being checked, while exec of /proc/self/exe
 * itself would start valgrind's tool binary; when the binary was replaced
 * since it started, only /proc/self/exe still reaches the right one. */
static void bh_chat_self_path(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0 && (size_t)n < size - 1) {
        buf[n] = '\0';
        if (access(buf, X_OK) == 0)
            return;
    }
    snprintf(buf, size, "/proc/self/exe");
}

int bh_chat_emu_start(bh_chat_child *emu, const char *token, int log_fd, char *url, size_t urlsize)
{
    int fds[2];
    pid_t parent = getpid(), pid;
    char self[4096];

    memset(emu, 0, sizeof *emu);
    bh_chat_self_path(self, sizeof self);
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "bothive chat: pipe: %s\n", strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0) {
        fprintf(stderr, "bothive chat: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (bh_chat_child_setup(parent) < 0)
            _exit(127);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        execl(self, "bothive", "emu", "--port", "0", "--token", token, (char *)NULL);
        fprintf(stderr, "bothive chat: cannot run the emulator: %s\n", strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);  /* also here: the child may not have run yet when we signal it */
    close(fds[1]);
    emu->pid = pid;
    if (bh_chat_read_line(fds[0], url, urlsize) < 0 || strncmp(url, "http://", 7)) {
        close(fds[0]);
        fprintf(stderr, "bothive chat: the emulator did not start (see its log)\n");
        bh_chat_child_stop(emu, 0);
        return -1;
    }
    /* The emulator never writes to stdout again. */
    close(fds[0]);
    return 0;
}

int bh_chat_bot_start(bh_chat_child *bot, char **argv, const char *url, const char *token,
                      int out_fd)
{
    pid_t parent = getpid(), pid;

    memset(bot, 0, sizeof *bot);
    if ((pid = fork()) < 0) {
        fprintf(stderr, "bothive chat: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* The bot must not read the user's keystrokes (and, in a process
         * group of its own, it would be stopped by SIGTTIN if it tried). */
        int devnull = open("/dev/null", O_RDONLY);
        if (bh_chat_child_setup(parent) < 0)
            _exit(127);
        if (devnull >= 0)
            dup2(devnull, STDIN_FILENO);
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
        setenv("BOTHIVE_API_URL", url, 1);
        setenv("BOT_TOKEN", token, 1);
        execvp(argv[0], argv);
        fprintf(stderr, "bothive chat: cannot run '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    bot->pid = pid;
    return 0;
}

int bh_chat_child_poll(bh_chat_child *c)
{
    pid_t r;
    if (c->reaped || c->pid <= 0)
        return 1;
    do
        r = waitpid(c->pid, &c->status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return 0;
    c->reaped = 1;  /* r < 0 (ECHILD) also means there is nothing to wait for */
    return 1;
}

/* The group lives on while any member does, even after its leader is
 * reaped: a bot's leftover children are part of it, so the whole group is
 * signalled and waited for. */
int bh_chat_child_stop(bh_chat_child *c, int grace_ms)
{
    int64_t deadline = bh_clock_mono_ms() + grace_ms;
    int killed = 0;
    if (c->pid <= 0)
        return 0;
    kill(-c->pid, SIGTERM);
    if (!c->reaped)
        kill(c->pid, SIGTERM);  /* in case setpgid had not happened yet */
    for (;;) {
        bh_chat_child_poll(c);
        if (c->reaped && kill(-c->pid, 0) < 0 && errno == ESRCH)
            break;
        if (bh_clock_mono_ms() >= deadline) {
            killed = 1;
            kill(-c->pid, SIGKILL);
            if (!c->reaped) {
                kill(c->pid, SIGKILL);
                while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
                    ;
                c->reaped = 1;
            }
            break;
        }
        usleep(10000);
    }
    return killed;
}

void bh_chat_status_text(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, size, "ended with wait status 0x%x", status);
}
