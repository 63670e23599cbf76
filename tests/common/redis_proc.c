#include "redis_proc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A port nobody listens on now: bind to port 0 and let the kernel pick. */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd < 0)
        return -1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static redisContext *connect_to(int port)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    if (c)
        redisSetTimeout(c, tv);
    return c;
}

static int ping(int port)
{
    redisContext *c = connect_to(port);
    redisReply *rep;
    int ok;

    if (!c)
        return 0;
    rep = redisCommand(c, "PING");
    ok = rep && rep->type == REDIS_REPLY_STATUS && !strcmp(rep->str, "PONG");
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return ok;
}

static int spawn(bh_redis_proc *r)
{
    const char *bin = getenv("BOTHIVE_REDIS_SERVER");
    char port[16];
    pid_t parent = getpid();

    if (!bin || !*bin)
        bin = "redis-server";
    snprintf(port, sizeof port, "%d", r->port);
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(126);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
        }
        execlp(bin, bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
               "--dir", "/tmp", (char *)NULL);
        fprintf(stderr, "redis_proc: cannot run %s: %s. The redis tests need redis-server "
                        "(scripts/install-deps.sh installs it).\n", bin, strerror(errno));
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            r->pid = 0;
            return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -2 : -1;
        }
        if (ping(r->port))
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
    return -1;
}

int bh_redis_start(bh_redis_proc *r)
{
    memset(r, 0, sizeof *r);
    /* Another process may take the port between our probe and the
     * server's bind: then try another. */
    for (int attempt = 0; attempt < 5; attempt++) {
        if ((r->port = free_port()) < 0)
            break;
        int rc = spawn(r);
        if (rc == 0) {
            snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d/0", r->port);
            return 0;
        }
        if (rc == -2)
            return -1;
    }
    fprintf(stderr, "redis_proc: could not start redis-server\n");
    return -1;
}

int bh_redis_restart(bh_redis_proc *r)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        if (spawn(r) == 0)
            return 0;
        usleep(100 * 1000); /* the old socket may linger a moment */
    }
    return -1;
}

void bh_redis_kill(bh_redis_proc *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = 0;
}

int bh_redis_stop(bh_redis_proc *r)
{
    redisContext *c;
    int rc = 0;

    if (r->pid <= 0)
        return 0;
    if ((c = connect_to(r->port))) {
        redisReply *rep = redisCommand(c, "SHUTDOWN NOSAVE");
        if (rep)
            freeReplyObject(rep);
        redisFree(c);
    } else {
        kill(r->pid, SIGTERM);
    }
    for (int i = 0; i < 1000; i++) {
        if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            r->pid = 0;
            return 0;
        }
        usleep(10 * 1000);
    }
    bh_redis_kill(r);
    rc = -1;
    return rc;
}

long long bh_redis_do(bh_redis_proc *r, const char *fmt, ...)
{
    redisContext *c = connect_to(r->port);
    redisReply *rep;
    long long v = -1;
    va_list ap;

    if (!c)
        return -1;
    va_start(ap, fmt);
    rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (rep) {
        if (rep->type == REDIS_REPLY_INTEGER)
            v = rep->integer;
        else if (rep->type != REDIS_REPLY_ERROR)
            v = 0;
        freeReplyObject(rep);
    }
    redisFree(c);
    return v;
}

long long bh_redis_info(bh_redis_proc *r, const char *section, const char *field)
{
    redisContext *c = connect_to(r->port);
    redisReply *rep;
    long long v = -1;
    size_t fl = strlen(field);

    if (!c)
        return -1;
    rep = redisCommand(c, "INFO %s", section);
    if (rep && rep->type == REDIS_REPLY_STRING) {
        for (const char *p = rep->str; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
            if (!strncmp(p, field, fl) && p[fl] == ':') {
                v = strtoll(p + fl + 1, NULL, 10);
                break;
            }
    }
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return v;
}
