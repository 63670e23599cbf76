/*
 * What the conversation layer costs: a three-step sign-up (/signup, a
 * name, an age) run through bh_bot_process as a conversation, against the
 * same handlers registered as plain hooks (a command, message_equals and
 * message_matches), which need no state. Both do the same work in the
 * handlers (a counter in the bot's memory; nothing is sent). Median of
 * several runs, ns per conversation (three updates), one process, mem:.
 * Target: the conversation takes at most 1.5 times the plain hooks.
 *
 *   bench_conversation [--quick]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/bothive.h"
#include "updates.h"
#include "util.h"

#define BH_CONV_RUNS 9
#define BH_CONV_CHATS 1000

/* ---- The handlers, the same in both bots ---- */

static int work(bh_ctx *ctx)
{
    return bh_shared_incr(bh_ctx_shared(ctx), "steps", 1, NULL);
}

static int ask_name(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    (void)msg;
    (void)args;
    if (bh_conversation_state(ctx))
        bh_conversation_next(ctx, "name");
    return work(ctx);
}

static int take_name(bh_ctx *ctx, const bh_message *msg)
{
    if (bh_conversation_state(ctx)) {
        bh_conversation_set_str(ctx, "name", msg->text);
        bh_conversation_next(ctx, "age");
    }
    return work(ctx) == BH_OK ? BH_HANDLED : BH_EIO;
}

static int take_age(bh_ctx *ctx, const bh_message *msg)
{
    char *name = NULL;
    (void)msg;
    if (bh_conversation_state(ctx)) {
        bh_conversation_get_str(ctx, "name", &name);
        bh_conversation_end(ctx);
        free(name);
    }
    return work(ctx) == BH_OK ? BH_HANDLED : BH_EIO;
}

static int take_age_plain(bh_ctx *ctx, const bh_message *msg, const bh_match *m)
{
    (void)m;
    return take_age(ctx, msg);
}

static bh_bot *bot_of(int conversation)
{
    bh_bot *bot = bh_bot_new("8181:BENCH");
    bh_conversation *cv;

    if (!conversation) {
        bh_bot_command(bot, "signup", ask_name, NULL);
        bh_bot_message_equals(bot, "Ada", 0, take_name);
        bh_bot_message_matches(bot, "^[0-9]+$", 0, take_age_plain);
        return bot;
    }
    cv = bh_conversation_new("signup");
    bh_conversation_command(cv, BH_CONV_ENTRY, "signup", ask_name);
    bh_conversation_text(cv, "name", take_name);
    bh_conversation_text(cv, "age", take_age);
    bh_conversation_timeout(cv, 300, NULL);
    bh_bot_conversation(bot, cv);
    bh_conversation_free(cv);
    return bot;
}

/* ns per conversation of n conversations, spread over the chats. */
static double run(bh_bot *bot, char **updates, size_t n)
{
    uint64_t t0 = bh_bench_now_ns();
    for (size_t i = 0; i < n; i++)
        for (int step = 0; step < 3; step++)
            if (bh_bot_process(bot, updates[(i % BH_CONV_CHATS) * 3 + step]) != BH_OK)
                return -1;
    return (double)(bh_bench_now_ns() - t0) / (double)n;
}

/* The two bots in turn, run after run, so that a load on the machine
 * falls on both alike; the medians of each. */
static int medians(bh_bot *plain, bh_bot *conv, char **updates, size_t n, double *p, double *c)
{
    double vp[BH_CONV_RUNS], vc[BH_CONV_RUNS];
    for (int r = 0; r < BH_CONV_RUNS; r++)
        if ((vp[r] = run(plain, updates, n)) < 0 || (vc[r] = run(conv, updates, n)) < 0)
            return -1;
    *p = bh_bench_median(vp, BH_CONV_RUNS);
    *c = bh_bench_median(vc, BH_CONV_RUNS);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = bh_bench_flag(argc, argv, "--quick") ? 200 : 5000;
    static const char *const texts[3] = {"/signup", "Ada", "36"};
    char **updates = calloc(BH_CONV_CHATS * 3, sizeof *updates);
    bh_bot *plain = bot_of(0), *conv = bot_of(1);
    int rc = 0;

    bh_log_set_level(BH_LOG_ERROR);
    for (int c = 0; c < BH_CONV_CHATS; c++)
        for (int s = 0; s < 3; s++)
            updates[c * 3 + s] =
                bh_test_message_update(c * 3 + s + 1, 1000 + c, 1000 + c, texts[s], 0);
    run(plain, updates, BH_CONV_CHATS); /* the stores made, the pages touched */
    run(conv, updates, BH_CONV_CHATS);
    double p = 0, c = 0;
    if (medians(plain, conv, updates, n, &p, &c) != 0 || p <= 0 || c <= 0) {
        fprintf(stderr, "bench_conversation: a step failed\n");
        rc = 1;
    } else {
        printf("INFO bench=conversation conversations=%zu runs=%d chats=%d\n", n, BH_CONV_RUNS,
               BH_CONV_CHATS);
        printf("RESULT bench=conversation what=signup_3_steps plain_ns=%.0f conversation_ns=%.0f "
               "ratio=%.2f\n", p, c, c / p);
        bh_bench_target("conversation_over_plain_hooks", c / p, 1.5);
    }
    for (int i = 0; i < BH_CONV_CHATS * 3; i++)
        free(updates[i]);
    free(updates);
    bh_bot_free(plain);
    bh_bot_free(conv);
    return rc;
}
