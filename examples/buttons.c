/*
 * buttons: an inline keyboard whose presses edit the message, and a reply
 * keyboard that asks for the user's location.
 *
 * /menu answers "Pick a colour" with the inline buttons Red, Green and
 * Blue (signed callback buttons: a user cannot forge a press). A press
 * edits that message to "You picked Red" and answers the callback with
 * the colour's name.
 *
 * /ask answers with a reply keyboard (one-time, resized) of a "Send my
 * location" button, which shares the user's location, and a "No thanks"
 * button. A location gets "Thanks, got your location"; "No thanks" gets
 * "OK", and the keyboard is removed.
 *
 *   BOT_TOKEN=123:ABC BOTHIVE_WORKERS=4 ./buttons
 */
#include <stdio.h>
#include <stdlib.h>

#include <bothive/bothive.h>

static int menu(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    static const char *const colours[] = {"Red", "Green", "Blue"};
    bh_keyboard *kb;
    int rc;
    (void)args;
    if ((rc = bh_keyboard_new(&kb)) != BH_OK)
        return rc;
    for (size_t i = 0; i < 3 && rc == BH_OK; i++)
        rc = bh_button_signed(ctx, kb, colours[i], "colour", colours[i]);
    if (rc == BH_OK)
        rc = bh_chat_send_ex(ctx, msg->chat.id, "Pick a colour",
                             &(bh_send_options){.reply_markup = kb}, NULL);
    bh_keyboard_free(kb);
    return rc;
}

/* A press of a colour: data is the colour, as signed by bh_button_signed. */
static int picked(bh_ctx *ctx, const bh_callback_query *q, const char *data)
{
    char text[64];
    int rc;
    snprintf(text, sizeof text, "You picked %s", data);
    if ((rc = bh_callback_edit_text(ctx, q, text, NULL)) != BH_OK)
        return rc;
    return bh_callback_answer(ctx, q, data);
}

static int ask(bh_ctx *ctx, const bh_message *msg, const bh_args *args)
{
    bh_reply_keyboard_options o = {.resize = 1, .one_time = 1};
    bh_keyboard *kb;
    int rc;
    (void)args;
    if ((rc = bh_keyboard_new_reply(&kb, &o)) != BH_OK)
        return rc;
    if ((rc = bh_keyboard_button_request_location(kb, "Send my location")) == BH_OK &&
        (rc = bh_keyboard_button_text(kb, "No thanks")) == BH_OK)
        rc = bh_chat_send_ex(ctx, msg->chat.id, "May I have your location?",
                             &(bh_send_options){.reply_markup = kb}, NULL);
    bh_keyboard_free(kb);
    return rc;
}

static int no_thanks(bh_ctx *ctx, const bh_message *msg)
{
    bh_keyboard *rm;
    int rc;
    if ((rc = bh_keyboard_new_remove(&rm, 0)) != BH_OK)
        return rc;
    rc = bh_chat_send_ex(ctx, msg->chat.id, "OK", &(bh_send_options){.reply_markup = rm}, NULL);
    bh_keyboard_free(rm);
    return rc;
}

static int location(bh_ctx *ctx, const bh_message *msg)
{
    bh_location where;
    if (bh_message_location(msg, &where) != BH_OK)
        return BH_CONTINUE;
    return bh_chat_send(ctx, msg->chat.id, "Thanks, got your location");
}

int main(void)
{
    bh_bot *bot = bh_bot_new(getenv("BOT_TOKEN"));
    if (!bot) {
        fprintf(stderr, "buttons: set BOT_TOKEN to the bot's token\n");
        return 2;
    }
    bh_bot_about(bot, "I show buttons of both kinds.");
    bh_bot_command(bot, "menu", menu, "Pick a colour");
    bh_bot_callback(bot, "colour", picked);
    bh_bot_command(bot, "ask", ask, "Share your location");
    bh_bot_message_equals(bot, "No thanks", 0, no_thanks);
    bh_bot_process_message(bot, location);
    int rc = bh_bot_run(bot, NULL);
    bh_bot_free(bot);
    return rc == BH_OK ? 0 : 1;
}
