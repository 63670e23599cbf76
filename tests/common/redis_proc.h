/*
 * Test helper: runs a private redis-server for a test binary.
 *
 *   bh_redis_proc rp;
 *   if (bh_redis_start(&rp) != 0) return 1;   // message on stderr
 *   ... bh_store_open(&st, rp.url, NULL) ...
 *   bh_redis_stop(&rp);
 *
 * The server listens on 127.0.0.1 at a free port, saves nothing, and dies
 * with the process that started it (PR_SET_PDEATHSIG). The binary is
 * $BOTHIVE_REDIS_SERVER, or redis-server from PATH (scripts/install-deps.sh
 * installs it).
 */
#ifndef BH_REDIS_PROC_H
#define BH_REDIS_PROC_H

#include <sys/types.h>

typedef struct bh_redis_proc {
    pid_t pid;     /* the server, 0 when not running */
    int port;
    char url[128]; /* "redis://127.0.0.1:PORT/0" */
    const char *const *extra; /* more arguments of the server (bh_redis_start_with) */
    char password[64];        /* its requirepass, which the helpers log in with */
    char conf[256];           /* a sentinel's configuration file, "" for a server */
} bh_redis_proc;

/* Starts a server on a free port and waits (up to 10 s) until it answers
 * PING. Returns 0, or -1 with the reason on stderr (nothing left running). */
int bh_redis_start(bh_redis_proc *r);

/* The same with more arguments for the server (a NULL-terminated list,
 * which must outlive r: e.g. {"--requirepass", "pw", NULL}); password,
 * when not NULL, is what the helpers below log in with. */
int bh_redis_start_with(bh_redis_proc *r, const char *const *extra, const char *password);

/* Starts a Sentinel (redis-sentinel, or redis-server --sentinel when it
 * is missing or $BOTHIVE_REDIS_SERVER is set) on a free port watching the
 * master master_name at 127.0.0.1:master_port (quorum 1, down after 1 s).
 * r->url is then a redis:// URL of the sentinel itself. 0 or -1. */
int bh_redis_start_sentinel(bh_redis_proc *r, const char *master_name, int master_port);

/* Starts the server again on the same port (after bh_redis_kill). 0 or -1. */
int bh_redis_restart(bh_redis_proc *r);

/* SIGKILLs the server and reaps it: a crash, as far as clients can tell. */
void bh_redis_kill(bh_redis_proc *r);

/* SHUTDOWN NOSAVE (SIGTERM if that fails) and reaps it. 0, or -1 if it had
 * to be killed. */
int bh_redis_stop(bh_redis_proc *r);

/* Sends one command (printf-style, hiredis syntax) and returns the reply's
 * integer (or 0 for a status/string reply), or -1 on an error. */
long long bh_redis_do(bh_redis_proc *r, const char *fmt, ...);

/* A numeric field of INFO section ("total_connections_received"), or -1. */
long long bh_redis_info(bh_redis_proc *r, const char *section, const char *field);

#endif
