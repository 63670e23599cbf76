/*
 * The redis:// backend. Not built yet: opening a redis:// URL reports that
 * it is not supported, so callers get a clear error instead of a crash.
 */
#include "bothive/log.h"
#include "store/backend.h"

int bh_redis_open(bh_store **out, const char *url, const bh_store_options *opt)
{
    (void)opt;
    (void)url;
    *out = NULL;
    bh_log(BH_LOG_ERROR, "store: the redis:// backend is not available in this build");
    return BH_ENOTSUP;
}
