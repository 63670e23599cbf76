/*
 * bothive: the redis:// store (documentation; the API is bothive/store.h).
 *
 * A store opened from a redis:// URL keeps its memories in a Redis server,
 * so that workers on several hosts share them. Every call of store.h works
 * on it, with the same return codes, except where noted below.
 *
 * URL
 *   redis://[[user]:password@]host[:port][/db][?param=value&...]
 *   port 6379 and db 0 by default; host may be [IPv6]. Parameters:
 *     prefix=NAME            namespace of every key (default "bothive"):
 *                            stores with different prefixes never meet
 *     lock_lease_ms=N        lease of named locks and preparers (30000)
 *     timeout_ms=N           per command (5000)
 *     connect_timeout_ms=N   (2000)
 *   bh_store_open connects at once: BH_ENET if the server cannot be
 *   reached (the reason is logged), BH_EINVAL for a bad URL or database.
 *
 * Connections
 *   One per bh_store handle. A process forked after bh_store_open uses its
 *   own connection, made at its first call (the parent's is never shared).
 *   A connection that broke is made again at the next call. A call whose
 *   connection breaks returns BH_ENET (bh_store_errmsg says why); reads,
 *   and writes that give the same result when repeated, are first tried
 *   once more on a new connection.
 *
 * Differences from the embedded store, and why
 *  - A named lock whose holder died on the same host (and in the same pid
 *    namespace) as the acquirer is handed on at once, with BH_EABANDONED:
 *    the holder's token names its pid, start time and host, so the acquirer
 *    can see it is gone; bh_lock_held says 0 for it, and a preparer that
 *    died there is redone at once. A holder on another host is handed on
 *    only when its lease runs out: nothing on this host can see a process
 *    on another one die.
 *  - While a process holds a lock or runs a preparer, a helper thread of
 *    that process renews the lease every third of it, on a connection of
 *    its own: a critical section may last longer than the lease. If the
 *    renewals fail (Redis unreachable for a whole lease) the holder loses
 *    the lock, and the next acquirer gets BH_EABANDONED; the holder's
 *    release then succeeds with a warning if nobody took the lock, and
 *    returns BH_ENOTOWNER if someone did.
 *  - Waiters sleep in the server (BLPOP) and are woken by the release; they
 *    also retry every 100 ms. They are served in arrival order.
 *  - Lock ownership is per process (a token of random bits, pid, start
 *    time and host), as in the embedded store; BH_EDEADLK for a second
 *    acquire by the same process.
 *  - Full: a server at its maxmemory with the noeviction policy refuses
 *    writes, reported as BH_ENOSPC. With an evicting policy Redis may drop
 *    keys silently: configure noeviction for bothive.
 *  - Stats: capacity is the server's maxmemory (0 when unlimited), used its
 *    used_memory; keys and memories are counted; locks, recoveries are 0.
 *  - Persistence is the server's: bh_store_sync returns BH_OK and does
 *    nothing; configure Redis's AOF/RDB for durability.
 *  - bh_store_check verifies the data model (every indexed key exists with
 *    a valid typed value, every key is indexed), not Redis itself.
 *  - Latency: one round trip per call (a Lua script where a call reads and
 *    writes), against tens of nanoseconds for the embedded store.
 */
#ifndef BOTHIVE_REDIS_H
#define BOTHIVE_REDIS_H

#include "store.h"

#endif
