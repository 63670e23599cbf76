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
} bh_redis_proc;

/* Starts a server on a free port and waits (up to 10 s) until it answers
 * PING. Returns 0, or -1 with the reason on stderr (nothing left running). */
int bh_redis_start(bh_redis_proc *r);

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
