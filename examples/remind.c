/*
 * remind: scheduled jobs. /remind SECONDS TEXT answers "OK, in SECONDS s"
 * and sends TEXT to the chat SECONDS later; /reminders lists the chat's
 * pending reminders; /forget cancels them.
 *
 * A reminder is a job in the bot's store, not a sleeping worker: the
 * runner wakes when the next one is due, and exactly one worker sends it.
 * With BOTHIVE_STORE=file:PATH (or redis://) a reminder survives a restart
 * of the bot; one due while the bot was down is sent when it starts.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 BOTHIVE_STORE=file:remind.db ./remind
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bothive/bothive.h>

/* The longest delay accepted: a year. */
#define REMIND_MAX_SECONDS (366LL * 24 * 3600)

/* The job: the reminder's text to its chat. */
static int send_reminder(bh_ctx *ctx, const bh_schedule_job *job)
{
    return bh_chat_send(ctx, job->chat_id, job->data);
}

/* "/remind SECONDS TEXT" */
static int remind(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    char *end = NULL, name[64];
    long long seconds = args->argc >= 2 ? strtoll(args->argv[0], &end, 10) : -1;
    const char *text = args->text + strlen(args->argv[0] ? args->argv[0] : "");
    int64_t n = 0;
    int rc;

    if (seconds < 0 || seconds > REMIND_MAX_SECONDS || !end || *end)
        return bh_message_reply(ctx, msg, "Usage: /remind SECONDS TEXT");
    text += strspn(text, " \t\n");
    /* A name of its own for each reminder: a counter in the shared memory. */
    if ((rc = bh_shared_incr(bh_ctx_shared(ctx), "reminders", 1, &n)) != BH_OK)
        return rc;
    snprintf(name, sizeof name, "remind:%lld:%lld", (long long)msg->chat.id, (long long)n);
    bh_schedule_spec spec = {.name = name, .handler = "remind", .chat_id = msg->chat.id,
                             .user_id = msg->from ? msg->from->id : 0, .data = text};
    if ((rc = bh_schedule_in(bh_ctx_bot(ctx), &spec, seconds * 1000)) != BH_OK)
        return rc;
    return bh_chat_sendf(ctx, msg->chat.id, "OK, in %lld s", seconds);
}

/* "/reminders": the chat's pending reminders, soonest first. */
static int reminders(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_schedule_info *list;
    size_t n, len = 0;
    char out[4096];
    int rc;

    (void)args;
    if ((rc = bh_schedule_list(bh_ctx_bot(ctx), msg->chat.id, &list, &n)) != BH_OK)
        return rc;
    len = (size_t)snprintf(out, sizeof out, n ? "Pending reminders:" : "No pending reminders.");
    for (size_t i = 0; i < n && len < sizeof out; i++) {
        long long left = (list[i].due_ms - bh_schedule_now_ms() + 999) / 1000;
        len += (size_t)snprintf(out + len, sizeof out - len, "\n- in %lld s: %s",
                                left > 0 ? left : 0, list[i].data);
    }
    bh_schedule_list_free(list, n);
    return bh_chat_send(ctx, msg->chat.id, out);
}

/* "/forget": cancels the chat's reminders. */
static int forget(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_schedule_info *list;
    size_t n, gone = 0;
    int rc;

    (void)args;
    if ((rc = bh_schedule_list(bh_ctx_bot(ctx), msg->chat.id, &list, &n)) != BH_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        gone += bh_schedule_cancel(bh_ctx_bot(ctx), list[i].name) == BH_OK;
    bh_schedule_list_free(list, n);
    return bh_chat_sendf(ctx, msg->chat.id, "Forgot %zu reminder%s.", gone, gone == 1 ? "" : "s");
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));

    if (!bot) {
        fprintf(stderr, "remind: set BOT_TOKEN\n");
        return 2;
    }
    bh_bot_schedule_handler(bot, "remind", send_reminder);
    bh_bot_command(bot, "remind", remind, "Remind this chat: /remind SECONDS TEXT");
    bh_bot_command(bot, "reminders", reminders, "List the pending reminders");
    bh_bot_command(bot, "forget", forget, "Cancel the pending reminders");
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
