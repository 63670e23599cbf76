/*
 * Messages for bothive's error codes. The table is indexed by the distance
 * from BH_ERR_FIRST, so keep it in the order of error.h.
 */
#include <string.h>

#include "bothive/error.h"

static const char *const bh_messages[] = {
    "invalid argument",                                 /* BH_EINVAL */
    "not found",                                        /* BH_ENOTFOUND */
    "value has another type",                           /* BH_ETYPE */
    "store is full",                                    /* BH_ENOSPC */
    "key or value too large",                           /* BH_ETOOBIG */
    "key already exists",                               /* BH_EEXISTS */
    "value changed (compare-and-swap conflict)",        /* BH_ECONFLICT */
    "timed out",                                        /* BH_ETIMEDOUT */
    "lock abandoned by a dead holder (now acquired)",   /* BH_EABANDONED */
    "lock not held by this process",                    /* BH_ENOTOWNER */
    "lock already held by this process",                /* BH_EDEADLK */
    "out of memory",                                    /* BH_ENOMEM */
    "system call failed",                               /* BH_EIO */
    "not a bothive store",                              /* BH_ENOTSTORE */
    "store has another format version",                /* BH_EVERSION */
    "store is corrupt",                                 /* BH_ECORRUPT */
    "not supported",                                    /* BH_ENOTSUP */
    "integer overflow",                                 /* BH_EOVERFLOW */
    "invalid JSON or value not serialisable",           /* BH_EJSON */
    "network error",                                    /* BH_ENET */
    "the Bot API answered an error",                    /* BH_EAPI */
    "protocol error (malformed answer)",                /* BH_EPROTO */
    "busy",                                             /* BH_EBUSY */
    "interrupted",                                      /* BH_EINTR */
    "store opened read-only",                           /* BH_EREADONLY */
    "stale fence: a writer with a newer fence came first", /* BH_EFENCED */
};

const char *bh_strerror(int rc)
{
    if (rc == BH_OK)
        return "success";
    if (rc <= BH_ERR_FIRST && rc >= BH_ERR_LAST)
        return bh_messages[BH_ERR_FIRST - rc];
    if (rc > 0)
        return strerror(rc);
    return "unknown error";
}
