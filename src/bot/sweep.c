/*
 * The internal sweep: what must happen without an update to trigger it
 * (conversations that time out, scoped memories that expire). It rides on
 * the scheduled jobs: one internal job, "@sweep" in the bot's schedule
 * memory, due when the earliest of those deadlines is. A conversation
 * step or a use of an expiring memory moves the job earlier when its own
 * deadline comes first (bh_sweep_at); a run of the sweep walks what it
 * sweeps, learns the next deadline on the way, and moves the job there.
 * So an idle bot with one pending timeout is looked at once, when it is
 * due, through the runner's BH_MSG_WAKE path as every job is.
 *
 * Dead letters are not the sweep's: the runner asks for a look at the jobs
 * when it sets an update aside, and that look reports them (run.c).
 */
#include "base/clock.h"
#include "bothive/log.h"
#include "internal.h"
#include "schedule_priv.h"

/* How far apart the wall clocks of two hosts may be. */
#define BH_SWEEP_MARGIN_MS 2000

int bh_bot_needs_sweep(const bh_bot *bot)
{
    return bot && (bh_conv_has_timeouts(bot) || bot->chat_expiry_s || bot->user_expiry_s ||
                   bot->on_error);
}

/* Whether the bot has deadlines for the sweep job (not only dead letters). */
static int bh_bot_sweeps(const bh_bot *bot)
{
    return bh_conv_has_timeouts(bot) || bot->chat_expiry_s || bot->user_expiry_s;
}

/*
 * Only the sweep's own run moves its job later, and that happens once it
 * is due: so while a time this process saw it pending at is ahead (by
 * more than the clocks of two hosts may differ), a later deadline needs
 * no look at the store (every conversation step asks).
 */
void bh_sweep_at(bh_bot *bot, int64_t at_ms)
{
    int64_t due = 0;
    int rc;

    if (!bot || at_ms <= 0 || !bh_bot_sweeps(bot))
        return;
    if (bot->sweep_seen && bot->sweep_store == bot->store && at_ms >= bot->sweep_seen &&
        bh_clock_wall_ms() < bot->sweep_seen - BH_SWEEP_MARGIN_MS)
        return;
    rc = bh_schedule_ensure(bot, BH_SWEEP_JOB, BH_SWEEP_JOB, at_ms, BH_SWEEP_LEASE_MS, &due);
    if (rc != BH_OK) {
        bh_log(BH_LOG_ERROR, "the sweep could not be scheduled: %s", bh_strerror(rc));
        return;
    }
    bot->sweep_seen = due;
    bot->sweep_store = bot->store;
}

/* The conversation and memory parts; *next gets the earliest deadline
 * still ahead (0: none). Each part runs even when the other failed. */
static int bh_sweep_parts(bh_ctx *ctx, int64_t *next)
{
    int64_t a = 0, b = 0;
    int first = bh_conv_sweep(ctx, &a), rc = bh_scope_sweep(ctx, &b);

    *next = a && (!b || a < b) ? a : b;
    return first < 0 ? first : rc;
}

/* The handler of the internal job: sweeps, then schedules the next sweep
 * (which replaces this run's claim: its end finds the record changed and
 * leaves it). */
int bh_sweep_job(bh_ctx *ctx, const bh_schedule_job *job)
{
    int64_t next = 0;
    int rc;

    (void)job;
    rc = bh_sweep_parts(ctx, &next);
    bh_log(BH_LOG_DEBUG, "sweep ran: the next deadline in %lld ms",
           next ? (long long)(next - bh_schedule_now_ms()) : -1LL);
    bh_sweep_at(ctx->bot, next);
    return rc;
}

int bh_bot_sweep(bh_bot *bot)
{
    bh_ctx ctx = {.bot = bot};
    int64_t next;
    int rc, first;

    if ((rc = bh_bot_attached_store(bot)) != BH_OK)
        return rc;
    first = bh_sweep_parts(&ctx, &next);
    bh_sweep_at(bot, next); /* for a runner started on this store later */
    rc = bh_error_deadletters(&ctx);
    return first < 0 ? first : rc;
}
