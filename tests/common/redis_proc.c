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

#include "testutil.h"

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

/* A connection to r's server, logged in with r->password when it has one. */
static redisContext *connect_to(const bh_redis_proc *r)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);

    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    if (c)
        redisSetTimeout(c, tv);
    if (c && r->password[0]) {
        redisReply *rep = redisCommand(c, "AUTH %s", r->password);
        if (rep)
            freeReplyObject(rep);
    }
    return c;
}

static int ping(const bh_redis_proc *r)
{
    redisContext *c = connect_to(r);
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

/* Writes r's sentinel configuration (a sentinel rewrites its own file):
 * it watches master_name at 127.0.0.1:master_port, and calls it down
 * after a second. */
static int write_sentinel_conf(bh_redis_proc *r, const char *master_name, int master_port)
{
    FILE *f = fopen(r->conf, "w");

    if (!f)
        return -1;
    fprintf(f, "port %d\nbind 127.0.0.1\ndaemonize no\nloglevel warning\ndir /tmp\n"
               "sentinel monitor %s 127.0.0.1 %d 1\n"
               "sentinel down-after-milliseconds %s 1000\n"
               "sentinel failover-timeout %s 10000\n",
            r->port, master_name, master_port, master_name, master_name);
    return fclose(f) == 0 ? 0 : -1;
}

/* exec of the server (or sentinel) of r, with the standard arguments and
 * r->extra; in the child. */
static void exec_server(const bh_redis_proc *r, const char *bin, const char *port)
{
    char rdb[64];
    /* A file of its own: a master that feeds a replica writes one even
     * without "save", and a server loads what it finds at start. */
    const char *argv[64] = {bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
                            "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                            "--dir", "/tmp", "--dbfilename", rdb};
    int n = 17;

    snprintf(rdb, sizeof rdb, "bh-test-%d.rdb", (int)getpid());
    if (r->conf[0]) {
        const char *sentinel[] = {"redis-sentinel", r->conf, NULL};
        /* Debian's redis-sentinel package, else the server in its mode. */
        if (!getenv("BOTHIVE_REDIS_SERVER"))
            execvp(sentinel[0], (char *const *)sentinel);
        argv[1] = r->conf;
        argv[2] = "--sentinel";
        n = 3;
    }
    for (int i = 0; r->extra && r->extra[i] && n < 63; i++)
        argv[n++] = r->extra[i];
    argv[n] = NULL;
    execvp(bin, (char *const *)argv);
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
        exec_server(r, bin, port);
        fprintf(stderr, "redis_proc: cannot run %s: %s. The redis tests need redis-server "
                        "(scripts/install-deps.sh installs it).\n", bin, strerror(errno));
        _exit(127);
    }
    /* 30 s by the clock, not a count of tries: a loaded machine (or a
     * sanitizer build beside it) may take seconds to start a server. */
    for (int64_t end = bh_test_now_ms() + 30000; bh_test_now_ms() < end;) {
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            r->pid = 0;
            return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -2 : -1;
        }
        /* The server answering must be ours: another test's may have
         * taken the port first, and ours then exits. */
        if (ping(r) && bh_redis_info(r, "server", "process_id") == r->pid)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
    r->pid = 0;
    return -1;
}

/* Starts r as set up (extra, password, conf) on a free port. */
static int start_prepared(bh_redis_proc *r, const char *master_name, int master_port)
{
    /* Another process may take the port between our probe and the
     * server's bind: then try another. */
    for (int attempt = 0; attempt < 5; attempt++) {
        if ((r->port = free_port()) < 0)
            break;
        if (r->conf[0] && write_sentinel_conf(r, master_name, master_port) != 0)
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

int bh_redis_start(bh_redis_proc *r)
{
    memset(r, 0, sizeof *r);
    return start_prepared(r, NULL, 0);
}

int bh_redis_start_with(bh_redis_proc *r, const char *const *extra, const char *password)
{
    memset(r, 0, sizeof *r);
    r->extra = extra;
    if (password)
        snprintf(r->password, sizeof r->password, "%s", password);
    return start_prepared(r, NULL, 0);
}

int bh_redis_start_sentinel(bh_redis_proc *r, const char *master_name, int master_port)
{
    const char *tmp = getenv("TMPDIR");

    memset(r, 0, sizeof *r);
    snprintf(r->conf, sizeof r->conf, "%s/bh-sentinel-%d-%d.conf", tmp && *tmp ? tmp : "/tmp",
             (int)getpid(), master_port);
    return start_prepared(r, master_name, master_port);
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

/* Removes the file a server of pid may have written (exec_server). */
static void rdb_unlink(pid_t pid)
{
    char path[64];

    snprintf(path, sizeof path, "/tmp/bh-test-%d.rdb", (int)pid);
    unlink(path);
}

void bh_redis_kill(bh_redis_proc *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        rdb_unlink(r->pid);
    }
    r->pid = 0;
}

int bh_redis_stop(bh_redis_proc *r)
{
    redisContext *c;
    int rc = 0;

    if (r->pid <= 0)
        return 0;
    if (r->conf[0])
        unlink(r->conf);
    if ((c = connect_to(r))) {
        redisReply *rep = redisCommand(c, "SHUTDOWN NOSAVE");
        if (rep)
            freeReplyObject(rep);
        redisFree(c);
    } else {
        kill(r->pid, SIGTERM);
    }
    for (int i = 0; i < 1000; i++) {
        if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
            rdb_unlink(r->pid);
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
    redisContext *c = connect_to(r);
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
    redisContext *c = connect_to(r);
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
