/*
 * The emulator's smaller methods, each with the checks Telegram makes and
 * the answer it gives where the emulator has nothing behind it: custom
 * titles of administrators, group sticker sets (no set exists), business
 * connections and Web App queries (none exist), verification (the bot is
 * taken to be a verifier), games (a message showing the game).
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* setChatAdministratorCustomTitle: only for an administrator the bot
 * promoted; 0..16 characters. */
void bh_emu_set_chat_administrator_custom_title(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    const char *title = bh_emu_param_str(p, "custom_title");
    int64_t user;
    if (!c)
        return;
    if (bh_emu_param_int(p, "user_id", &user) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: user_id is empty");
        return;
    }
    if (strcmp(bh_emu_member_status(c, user), "administrator")) {
        bh_emu_reply_error(r, 400, "Bad Request: user is not an administrator");
        return;
    }
    if (title && bh_emu_utf16_len(title, strlen(title)) > 16) {
        bh_emu_reply_error(r, 400, "Bad Request: ADMIN_RANK_INVALID");
        return;
    }
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* setChatStickerSet: no sticker set exists in the emulator. */
void bh_emu_set_chat_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    if (!bh_emu_need_chat(e, p, "chat_id", r))
        return;
    bh_emu_reply_error(r, 400, "Bad Request: STICKERSET_INVALID");
}

/* deleteChatStickerSet: there is none to delete. */
void bh_emu_delete_chat_sticker_set(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    if (!bh_emu_need_chat(e, p, "chat_id", r))
        return;
    bh_emu_reply_error(r, 400, "Bad Request: CHAT_NOT_MODIFIED");
}

void bh_emu_get_business_connection(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "business_connection_id");
    (void)e;
    bh_emu_reply_error(r, 400, id && *id ? "Bad Request: BUSINESS_CONNECTION_INVALID"
                                         : "Bad Request: business_connection_id is empty");
}

void bh_emu_answer_web_app_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "web_app_query_id");
    (void)e;
    bh_emu_reply_error(r, 400, id && *id ? "Bad Request: QUERY_ID_INVALID"
                                         : "Bad Request: web_app_query_id is empty");
}

/* verifyUser, verifyChat, removeUserVerification, removeChatVerification:
 * a user or a chat must be named. */
void bh_emu_verify(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t id;
    if (bh_emu_param_int(p, "user_id", &id) == BH_OK && id > 0) {
        bh_emu_reply_ok(r, json_object_new_boolean(1));
        return;
    }
    if (bh_emu_need_chat(e, p, "chat_id", r))
        bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* sendGame: a message showing the game game_short_name. */
void bh_emu_send_game(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    const char *name = bh_emu_param_str(p, "game_short_name");
    json_object *o, *g;
    bh_emu_msg *m;
    char *media;
    if (!c)
        return;
    if (!name || !*name) {
        bh_emu_reply_error(r, 400, "Bad Request: GAME_SHORT_NAME_INVALID");
        return;
    }
    g = json_object_new_object();
    json_object_object_add(g, "title", json_object_new_string(name));
    json_object_object_add(g, "description", json_object_new_string(name));
    json_object_object_add(g, "photo", json_object_new_array());
    o = json_object_new_object();
    json_object_object_add(o, "game", g);
    media = bh_emu_json_text(o);
    json_object_put(o);
    if (!media || !(m = bh_emu_msg_add_locked(c))) {
        free(media);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->from_bot = 1;
    m->media = media;
    e->stats.sent_messages++;
    bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
}
