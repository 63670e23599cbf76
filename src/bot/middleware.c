/*
 * Middleware: functions wrapped around the whole chain of an update. The
 * bot's come first (outermost), then each component's, in registration
 * order; each runs the rest with bh_ctx_next, or ends the chain by not
 * calling it.
 */
#include <stdlib.h>

#include "internal.h"

int bh_component_middleware(bh_component *c, bh_middleware_fn fn, void *arg)
{
    struct bh_middleware *p;

    if (!c || !fn)
        return BH_EINVAL;
    if (!(p = realloc(c->mws, (c->nmws + 1) * sizeof *p)))
        return BH_ENOMEM;
    p[c->nmws++] = (struct bh_middleware){fn, arg};
    c->mws = p;
    return BH_OK;
}

int bh_bot_middleware(bh_bot *bot, bh_middleware_fn fn, void *arg)
{
    return bh_component_middleware(bot ? bot->main : NULL, fn, arg);
}

/* The middleware at position pos over every component, and its owner. */
static const struct bh_middleware *mw_at(const bh_bot *bot, size_t pos, size_t *comp)
{
    for (size_t c = 0; c < bot->ncomps; c++) {
        if (pos < bot->comps[c]->nmws) {
            *comp = c;
            return &bot->comps[c]->mws[pos];
        }
        pos -= bot->comps[c]->nmws;
    }
    return NULL;
}

/* The chain from the middleware at pos inward; the hooks' chain once
 * they are all through. The context is the middleware's owner while it
 * runs, so bh_ctx_shared gives its memory; whether it called bh_ctx_next
 * is its own (saved around it, so that any number of them nest). */
static int mw_from(bh_ctx *ctx, size_t pos)
{
    size_t comp, saved_comp = ctx->comp, saved_pos = ctx->mw_pos;
    int saved_called = ctx->mw_called, rc;
    const struct bh_middleware *mw = mw_at(ctx->bot, pos, &comp);

    if (mw) {
        ctx->comp = comp;
        ctx->mw_pos = pos + 1;
        ctx->mw_called = 0;
        rc = mw->fn(ctx, ctx->update, mw->arg);
    } else {
        ctx->mw_pos = 0; /* a hook has no next */
        rc = ctx->chain(ctx);
    }
    ctx->comp = saved_comp;
    ctx->mw_pos = saved_pos;
    ctx->mw_called = saved_called;
    return rc;
}

int bh_ctx_next(bh_ctx *ctx)
{
    if (!ctx || ctx->mw_pos == 0 || ctx->mw_called)
        return BH_EINVAL;
    ctx->mw_called = 1;
    return mw_from(ctx, ctx->mw_pos);
}

int bh_mw_run(bh_ctx *ctx, int (*chain)(bh_ctx *))
{
    ctx->chain = chain;
    return mw_from(ctx, 0);
}
