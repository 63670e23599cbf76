/*
 * bothive: the redis:// store (documentation; the API is bothive/store.h).
 *
 * A store opened from a redis:// URL keeps its memories in a Redis server,
 * so that workers on several hosts share them. Every call of store.h works
 * on it, with the same return codes, except where noted below.
 *
 * URL
 *   redis://[[user]:password@]host[:port][/db][?param=value&...]
 *   redis+unix://[[user]:password@]/path/of/socket[?db=N&...]
 *   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/NAME[/db][?...]
 *   port 6379 and db 0 by default; host may be [IPv6]. The user, the
 *   password and the socket's path are percent-decoded (%40 for '@', %3A
 *   for ':', %2F for '/', %25 for '%'; %00 is refused). With Sentinel, the
 *   hosts are sentinels (port 26379 by default), asked in order with
 *   SENTINEL get-master-addr-by-name NAME at every connection; the user
 *   and password are the master's (sentinels without a password).
 *   Parameters:
 *     prefix=NAME            namespace of every key (default "bothive"):
 *                            stores with different prefixes never meet
 *     db=N                   the database (also as /db)
 *     lock_lease_ms=N        lease of named locks and preparers (30000)
 *     timeout_ms=N           per command (5000)
 *     connect_timeout_ms=N   (2000)
 *   bh_store_open connects at once: BH_ENET if the server cannot be
 *   reached (no sentinel answers, or none knows NAME), BH_EINVAL for a bad
 *   URL, database, user or password; bh_store_errmsg(NULL) says which
 *   ("authentication failed", "cannot connect: Connection refused", ...).
 *   No TLS: hiredis in Debian bookworm (0.14) has none. Across networks,
 *   run Redis behind a TLS tunnel (stunnel, spiped) and point the URL at
 *   its local end (README.md, "Redis").
 *
 * Connections
 *   One per bh_store handle. A process forked after bh_store_open uses its
 *   own connection, made at its first call (the parent's is never shared).
 *   TCP connections have keepalive on. A connection that broke is made
 *   again at the next call. A call whose connection breaks returns BH_ENET
 *   (bh_store_errmsg says why: "timed out" when the server did not answer
 *   within timeout_ms); reads, and writes that give the same result when
 *   repeated, are first tried once more on a new connection (not after a
 *   timeout: a hung server would not answer either).
 *   A server that answers READONLY (a master demoted by a failover),
 *   MASTERDOWN or LOADING has not run the command: the connection is
 *   dropped and the command sent once more on a new one (through Sentinel,
 *   to the master it names now). If that one refuses too, the call returns
 *   BH_EREADONLY (READONLY) or BH_EBUSY (MASTERDOWN, LOADING), and the next
 *   call connects again. Writes acknowledged by a master that dies before
 *   its replica has them are lost (Redis replicates asynchronously).
 *   A server that rejects the URL's credentials, or asks for them (NOAUTH),
 *   fails the call with BH_EINVAL and "authentication failed".
 *   bh_lock_acquire with a timeout holds to it even when the server hangs:
 *   no command of the wait waits for its reply past the timeout (plus a
 *   quarter of a second), and the call then returns BH_ETIMEDOUT. A try
 *   whose answer was lost so may have taken the lock in the server; no one
 *   renews it, and it is handed on when its lease runs out. The same holds
 *   for bh_shared_prepare_timed: a wait for another process's preparer
 *   returns BH_ETIMEDOUT within its timeout (plus a quarter of a second)
 *   on a hung server; bh_shared_prepare, without a timeout, polls with
 *   each command bounded by timeout_ms (BH_ENET when one gets no answer).
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
 *  - bh_shared_rate_take and bh_shared_rate_pause are one script each,
 *    on the server's clock (TIME), not the caller's: hosts whose clocks
 *    disagree share one limit and one pause. A take whose connection
 *    broke is not sent again (it would charge twice): BH_ENET.
 *  - bh_shared_put_fenced is one script: the key's fence is a field of
 *    the memory's hash P:m:{ID}:fence, kept until bh_shared_clear.
 *  - Latency: one round trip per call (a Lua script where a call reads and
 *    writes), against tens of nanoseconds for the embedded store.
 */
#ifndef BOTHIVE_REDIS_H
#define BOTHIVE_REDIS_H

#include "store.h"

#endif
