/*
 * bothive: error codes.
 *
 * Every bothive function that can fail returns an int: BH_OK (0) on success,
 * or one of the negative codes below. The codes live in a private range
 * (-30999 .. -30900), far from errno values and from their negations, so a
 * bothive code can never be mistaken for a system error number.
 * bh_strerror() turns any code, bothive's or errno's, into a message.
 */
#ifndef BOTHIVE_ERROR_H
#define BOTHIVE_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#define BH_OK 0

#define BH_ERR_FIRST  (-30900)
/** An argument is NULL, empty or out of range. Nothing was changed. */
#define BH_EINVAL     (-30900)
/** The key (or lock, or memory) does not exist. */
#define BH_ENOTFOUND  (-30901)
/** The stored value has another type than the one asked for. */
#define BH_ETYPE      (-30902)
/** The store is full. The operation changed nothing. */
#define BH_ENOSPC     (-30903)
/** A key or value exceeds the documented limits. */
#define BH_ETOOBIG    (-30904)
/** The key exists and the operation required it absent (BH_PUT_ADD). */
#define BH_EEXISTS    (-30905)
/** Compare-and-swap found another value than the expected one. */
#define BH_ECONFLICT  (-30906)
/** A wait ended at its deadline without the lock. */
#define BH_ETIMEDOUT  (-30907)
/** The lock was acquired, but its previous holder died holding it:
 *  the data it protects may be half-updated. */
#define BH_EABANDONED (-30908)
/** The calling process does not hold the lock it tried to release. */
#define BH_ENOTOWNER  (-30909)
/** The calling process already holds that lock (locks are not recursive). */
#define BH_EDEADLK    (-30910)
/** Out of process memory (malloc failed). */
#define BH_ENOMEM     (-30911)
/** A system call failed; errno holds the reason. */
#define BH_EIO        (-30912)
/** The file is not a bothive store (bad magic, or too short to be one). */
#define BH_ENOTSTORE  (-30913)
/** The store was written by another format version of bothive. */
#define BH_EVERSION   (-30914)
/** The store's structure is damaged (found by bh_store_check or on open). */
#define BH_ECORRUPT   (-30915)
/** The URL scheme is not supported, or the feature is not available. */
#define BH_ENOTSUP    (-30916)
/** An integer operation would overflow int64. */
#define BH_EOVERFLOW  (-30917)
/** A JSON text is malformed, or a value cannot be serialised to JSON. */
#define BH_EJSON      (-30918)
/** A network operation failed (connection refused, reset, timed out). */
#define BH_ENET       (-30919)
/** The remote API answered an error (see the client's last error). */
#define BH_EAPI       (-30920)
/** The remote side answered something that does not follow the protocol. */
#define BH_EPROTO     (-30921)
/** The resource is busy or in the wrong state for the request. */
#define BH_EBUSY      (-30922)
/** The operation was interrupted (by a signal or a shutdown request). */
#define BH_EINTR      (-30923)
/** The store was opened read-only (BH_STORE_READONLY) and the call writes. */
#define BH_EREADONLY  (-30924)
/** A fenced write carried a fence lower than the one stored with its key:
 *  a writer with a newer fence came first (bh_shared_put_fenced). */
#define BH_EFENCED    (-30925)
#define BH_ERR_LAST   (-30925)

/**
 * Returns a static, human-readable message for a bothive code, BH_OK, or a
 * positive errno value. Never returns NULL.
 */
const char *bh_strerror(int rc);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_ERROR_H */
