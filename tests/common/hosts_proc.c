/*
 * Test helper: hosts as process trees in namespaces (hosts_proc.h).
 */
#include <check.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hosts_proc.h"
#include "testutil.h"

#define BH_TEST_HOSTS_WAIT_MS 90000

/* In the host's first process, inside its namespaces: the runner. */
static void bh_test_host_run(bh_test_hosts *hs, int i) __attribute__((noreturn));
static void bh_test_host_run(bh_test_hosts *hs, int i)
{
    bh_test_runner *r = &hs->runners[i];

    /* In its UTS namespace the host has a name of its own; the runner is
     * told it too, for the fallback without namespaces. */
    if (sethostname(hs->tags[i], strlen(hs->tags[i])) != 0 && errno != EPERM)
        fprintf(stderr, "hosts_proc: sethostname: %m\n");
    setenv("BOTHIVE_HOST_NAME", hs->tags[i], 1);
    hs->configure(hs, i, r);
    r->host_tag = hs->tags[i];
    if (bh_test_runner_start(r) != 0)
        _exit(1);
    _exit(bh_test_wait(r->pid));
}

/* A relay in its own process group enters new PID and UTS namespaces and
 * forks the host's first process (pid 1 there). A host dies with the test,
 * even one that failed: the relay with its parent, the first process with
 * the relay, a PID namespace with its first process. */
void bh_test_host_start(bh_test_hosts *hs, int i)
{
    pid_t pid = fork();

    if (pid < 0) {
        fprintf(stderr, "hosts_proc: fork: %m\n");
        abort();
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        if (unshare(CLONE_NEWPID | CLONE_NEWUTS) != 0)
            fprintf(stderr, "hosts_proc: unshare refused (%m): hosts are plain process trees\n");
        pid_t in = fork();
        if (in == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            bh_test_host_run(hs, i);
        }
        int status = 1;
        while (in > 0 && waitpid(in, &status, 0) < 0)
            ;
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    setpgid(pid, pid);
    hs->pg[i] = pid;
}

void bh_test_host_kill(bh_test_hosts *hs, int i)
{
    if (hs->pg[i] <= 0)
        return;
    kill(-hs->pg[i], SIGKILL);
    waitpid(hs->pg[i], NULL, 0);
    hs->pg[i] = 0;
}

int bh_test_host_stop(bh_test_hosts *hs, int i)
{
    int status = -1;

    if (hs->pg[i] <= 0)
        return -1;
    kill(-hs->pg[i], SIGTERM);
    if (waitpid(hs->pg[i], &status, 0) != hs->pg[i])
        status = -1;
    hs->pg[i] = 0;
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void bh_test_hosts_kill_all(bh_test_hosts *hs)
{
    for (int i = 0; i < hs->n; i++)
        bh_test_host_kill(hs, i);
}

int bh_test_hosts_holder(const bh_test_hosts *hs, int port, const char *bot, const char *name)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    redisReply *rep = NULL;
    int who = -1;

    if (c && !c->err)
        rep = redisCommand(c, "GET bothive:h:{%s}:lease:%s", bot, name);
    for (int i = 0; rep && rep->type == REDIS_REPLY_STRING && i < hs->n; i++)
        if (!strncmp(rep->str, hs->tags[i], 2) && rep->str[2] == '-')
            who = i;
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return who;
}

/* Whether every partition is held and each live host holds its share. */
static int bh_test_hosts_shared(const bh_test_hosts *hs, int port, const char *bot, int parts)
{
    int held[BH_TEST_HOSTS_MAX] = {0}, alive = 0, all = 1;

    for (int i = 0; i < hs->n; i++)
        alive += hs->pg[i] != 0;
    for (int p = 0; p < parts; p++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", p);
        int h = bh_test_hosts_holder(hs, port, bot, name);
        if (h >= 0)
            held[h]++;
        else
            all = 0;
    }
    for (int i = 0; i < hs->n; i++)
        all &= hs->pg[i] == 0 || held[i] >= parts / (alive ? alive : 1);
    return all;
}

int bh_test_hosts_settled(const bh_test_hosts *hs, int port, const char *bot, int parts)
{
    int64_t end = bh_test_now_ms() + BH_TEST_HOSTS_WAIT_MS;

    while (!bh_test_hosts_shared(hs, port, bot, parts)) {
        if (bh_test_now_ms() > end)
            return 0;
        usleep(50000);
    }
    return 1;
}

/* Whether the offset key of bot is in the redis-server at port. */
static int bh_test_hosts_has_offset(int port, const char *bot)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    redisReply *rep = NULL;
    int has = 0;

    if (c && !c->err)
        rep = redisCommand(c, "EXISTS bothive:h:{%s}:offset", bot);
    has = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return has;
}

int bh_test_hosts_polling(int port, const char *bot)
{
    int64_t end = bh_test_now_ms() + BH_TEST_HOSTS_WAIT_MS;

    while (!bh_test_hosts_has_offset(port, bot)) {
        if (bh_test_now_ms() > end)
            return 0;
        usleep(50000);
    }
    return 1;
}

void bh_test_hosts_burst(bh_emu_proc *e, int n, int chats, int64_t *seq, const char *text,
                         int64_t *ids)
{
    for (int k = 0; k < n; k++) {
        int chat = 1 + k % chats;
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)seq[chat]++);
        ids[k] = bh_emu_send_user_message(e, chat, chat, text ? text : num);
        ck_assert_int_gt(ids[k], 0);
    }
}

/* One deadline for the whole list: each wait gets what is left of it (at
 * least a look), so a lost update fails the test within wait_ms. */
void bh_test_hosts_processed(bh_store *st, const int64_t *ids, int n, int64_t wait_ms)
{
    char key[64];
    int64_t end = bh_test_now_ms() + wait_ms;

    for (int k = 0; k < n; k++) {
        snprintf(key, sizeof key, "p:%lld", (long long)ids[k]);
        int64_t left = end - bh_test_now_ms();
        ck_assert_msg(bh_test_runner_wait(st, key, 1, left > 0 ? left : 1) >= 1,
                      "update %lld was never processed", (long long)ids[k]);
    }
}
