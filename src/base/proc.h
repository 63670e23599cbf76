/*
 * Process identity (proc.c): who holds a lock, and whether it still lives.
 * Used by the embedded store's locks and by the redis:// backend, which can tell at
 * once that a holder on its own host has died.
 */
#ifndef BH_BASE_PROC_H
#define BH_BASE_PROC_H

#include <stdint.h>

/* getpid(), and a token that tells this process apart from any other that
 * had or will have the same pid (its start time); both cached, and
 * forgotten in the child of fork: a lock operation needs them several
 * times, and getpid() is a system call. */
extern int32_t bh_proc_cached_pid;
extern uint64_t bh_proc_cached_token;
int32_t bh_proc_pid_slow(void);
uint64_t bh_proc_token_slow(void);

static inline int32_t bh_proc_pid(void)
{
    return bh_proc_cached_pid ? bh_proc_cached_pid : bh_proc_pid_slow();
}

static inline uint64_t bh_proc_token(void)
{
    return bh_proc_cached_token ? bh_proc_cached_token : bh_proc_token_slow();
}
/* The start time of pid, or 0 if it is gone or a zombie. */
uint64_t bh_proc_start(int32_t pid);
/* Whether pid is alive and is the process that had token. */
int bh_proc_alive(int32_t pid, uint64_t token);

/* This host and pid namespace, as text: the boot id and the namespace's
 * inode. Two processes with the same identity see the same pids, so one can
 * ask whether the other is alive. "" if unknown. */
const char *bh_proc_host(void);

#endif
