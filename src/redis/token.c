/*
 * Owner tokens of the redis:// backend: what a lock or a running preparer
 * records as its holder.
 *
 * A token is RANDOM:PID:START@HOST. 128 random bits tell apart two processes
 * that get the same pid (on two hosts, or one after the other). PID, START
 * (its start time) and HOST (boot id and pid namespace, bh_proc_host) let a
 * process on the same host see that the holder has died, and take its lock
 * at once instead of when the lease runs out. Holders on other hosts are
 * only ever judged by their lease.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "redis.h"

static pthread_mutex_t token_mu = PTHREAD_MUTEX_INITIALIZER;
static pid_t token_pid;
static char token[BH_REDIS_TOKEN_MAX];

static void random_hex(char *out, pid_t pid)
{
    unsigned char rnd[16];

    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        /* no entropy source: time and pid still differ between processes */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof rnd; i++)
            rnd[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ (pid >> (i % 4)) ^ i * 131);
    }
    for (size_t i = 0; i < sizeof rnd; i++)
        snprintf(out + 2 * i, 3, "%02x", rnd[i]);
}

/* The calling process's token, made again after a fork. */
const char *bh_redis_token(void)
{
    pid_t pid = bh_proc_pid();

    pthread_mutex_lock(&token_mu);
    if (token_pid != pid) {
        char hex[33];
        random_hex(hex, pid);
        snprintf(token, sizeof token, "%s:%d:%llu@%s", hex, (int)pid,
                 (unsigned long long)bh_proc_token(), bh_proc_host());
        token_pid = pid;
    }
    pthread_mutex_unlock(&token_mu);
    return token;
}

/*
 * Whether tok names a process of this host (and pid namespace) that is no
 * longer alive. A token from another host, or one that cannot be read,
 * is never judged dead: its lease decides.
 */
int bh_redis_token_dead_here(const char *tok)
{
    const char *at = strchr(tok, '@'), *host = bh_proc_host();
    unsigned long long start;
    int pid;

    if (!at || !host[0] || strcmp(at + 1, host) != 0)
        return 0;
    if (sscanf(tok, "%*[0-9a-f]:%d:%llu@", &pid, &start) != 2 || pid <= 0 || start == 0)
        return 0;
    return !bh_proc_alive(pid, start);
}

/* The token stored in the key part+name into buf ("" if none). */
int bh_redis_holder(bh_shared *m, const char *part, const char *name, char *buf, size_t len)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    struct bh_redis_argv a = {0};
    redisReply *rep = NULL;
    int rc;

    buf[0] = 0;
    bh_redis_argv_str(&a, "GET");
    if ((rc = bh_redis_argv_key(&a, m, part, name)) != BH_OK ||
        (rc = bh_redis_cmd_run(r, 1, &rep, &a)) != BH_OK)
        goto out;
    if (rep->type == REDIS_REPLY_STRING && rep->len < len)
        memcpy(buf, rep->str, rep->len + 1);
    else if (rep->type == REDIS_REPLY_ERROR)
        rc = bh_redis_reply_fail(r, rep);
out:
    if (rep)
        freeReplyObject(rep);
    bh_redis_argv_free(&a);
    return rc;
}

int bh_redis_reap_dead(bh_shared *m, const char *part, const char *name)
{
    struct bh_redis *r = bh_redis_shared_of(m)->st;
    char holder[BH_REDIS_TOKEN_MAX];
    struct bh_redis_argv a = {0};
    long long reaped;
    int rc;

    if ((rc = bh_redis_holder(m, part, name, holder, sizeof holder)) != BH_OK)
        return rc;
    if (!holder[0] || !bh_redis_token_dead_here(holder))
        return BH_REDIS_REAP_NONE;
    if ((rc = bh_redis_argv_key(&a, m, part, name)) != BH_OK)
        goto out;
    bh_redis_argv_str(&a, holder);
    if ((rc = bh_redis_script_eval_int(r, BH_RS_REAP, 1, 1, &a, &reaped)) == BH_OK)
        rc = reaped == 1 ? BH_REDIS_REAPED : BH_REDIS_REAP_NONE;
out:
    bh_redis_argv_free(&a);
    return rc;
}
