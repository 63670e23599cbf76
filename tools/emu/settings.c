/*
 * The emulator's settings methods: a group's photo (an upload, kept as a
 * file), menu buttons (per chat or the default), the bot's default
 * administrator rights (for groups and for channels), banning sender
 * chats; and those about stickers and stars, which the emulator has none
 * of: an uploaded sticker file is kept like any file, a sticker set is
 * unknown, the star balance is zero.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* A group named by chat_id, or NULL after answering. */
static bh_emu_chat *need_group(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && !strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: method is available for supergroup and channel chats only");
        return NULL;
    }
    return c;
}

/* setChatPhoto: the photo must be an upload (not a file_id or a URL). */
void bh_emu_set_chat_photo(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    bh_emu_file *f;
    char *id;
    if (!c)
        return;
    if (!bh_emu_param_upload(p, "photo")) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no photo in the request");
        return;
    }
    if (!(f = bh_emu_need_file(e, p, "photo", BH_EMU_MAX_PHOTO, r)))
        return;
    if (!(id = strdup(f->id))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    free(c->photo_file_id);
    c->photo_file_id = id;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* deleteChatPhoto: refused when there is none, as Telegram does. */
void bh_emu_delete_chat_photo(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    if (!c)
        return;
    if (!c->photo_file_id) {
        bh_emu_reply_error(r, 400, "Bad Request: CHAT_NOT_MODIFIED");
        return;
    }
    free(c->photo_file_id);
    c->photo_file_id = NULL;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* The bot-wide settings object (a new reference, never NULL but when out
 * of memory). */
static json_object *settings_get(bh_emu *e)
{
    json_object *o = e->settings ? json_tokener_parse(e->settings) : NULL;
    return o ? o : json_object_new_object();
}

static void settings_put(bh_emu *e, json_object *o)
{
    free(e->settings);
    e->settings = bh_emu_json_text(o);
    json_object_put(o);
}

/* setChatMenuButton: for chat_id, or the default one without it. */
void bh_emu_set_chat_menu_button(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    int bad;
    json_object *mb;
    if (bh_emu_param_str(p, "chat_id") && !(c = bh_emu_need_chat(e, p, "chat_id", r)))
        return;
    mb = bh_emu_param_json(p, "menu_button", &bad);
    if (bad || (mb && !json_object_is_type(mb, json_type_object)) ||
        (mb && !json_object_object_get_ex(mb, "type", NULL))) {
        json_object_put(mb);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse menu button JSON object");
        return;
    }
    if (c) {
        free(c->menu_button);
        c->menu_button = mb ? bh_emu_json_text(mb) : NULL;
    } else {
        json_object *s = settings_get(e);
        json_object_object_add(s, "menu_button", mb ? json_object_get(mb) : NULL);
        settings_put(e, s);
    }
    json_object_put(mb);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* getChatMenuButton: the chat's, else the default's, else {"type":"default"}. */
void bh_emu_get_chat_menu_button(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = NULL;
    json_object *mb = NULL, *s, *v;
    if (bh_emu_param_str(p, "chat_id") && !(c = bh_emu_need_chat(e, p, "chat_id", r)))
        return;
    if (c && c->menu_button)
        mb = json_tokener_parse(c->menu_button);
    s = settings_get(e);
    if (!mb && json_object_object_get_ex(s, "menu_button", &v) && v)
        mb = json_object_get(v);
    json_object_put(s);
    if (!mb) {
        mb = json_object_new_object();
        json_object_object_add(mb, "type", json_object_new_string("default"));
    }
    bh_emu_reply_ok(r, mb);
}

/* The settings key of the default rights: for channels or for groups. */
static const char *rights_key(bh_emu_params *p)
{
    return bh_emu_param_bool(p, "for_channels") ? "channel_rights" : "group_rights";
}

void bh_emu_set_my_default_administrator_rights(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *rights = bh_emu_param_json(p, "rights", &bad), *s;
    if (bad || (rights && !json_object_is_type(rights, json_type_object))) {
        json_object_put(rights);
        bh_emu_reply_error(r, 400, "Bad Request: can't parse rights JSON object");
        return;
    }
    s = settings_get(e);
    json_object_object_add(s, rights_key(p), rights);
    settings_put(e, s);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* getMyDefaultAdministratorRights: what was set, or no rights at all. */
void bh_emu_get_my_default_administrator_rights(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *s = settings_get(e), *v, *out;
    if (json_object_object_get_ex(s, rights_key(p), &v) && v) {
        out = json_object_get(v);
    } else {
        out = json_object_new_object();
        json_object_object_add(out, "is_anonymous", json_object_new_boolean(0));
        json_object_object_add(out, "can_manage_chat", json_object_new_boolean(0));
    }
    json_object_put(s);
    bh_emu_reply_ok(r, out);
}

/* banChatSenderChat, unbanChatSenderChat: a sender chat must be named. */
void bh_emu_sender_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t id;
    if (!need_group(e, p, r))
        return;
    if (bh_emu_param_int(p, "sender_chat_id", &id) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: sender_chat_id is empty");
        return;
    }
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* uploadStickerFile: the upload is kept; the answer is its File. */
void bh_emu_upload_sticker_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *fmt = bh_emu_param_str(p, "sticker_format");
    bh_emu_file *f;
    json_object *o;
    int64_t user;
    if (bh_emu_param_int(p, "user_id", &user) != BH_OK || user <= 0) {
        bh_emu_reply_error(r, 400, "Bad Request: user_id is empty");
        return;
    }
    if (!fmt || (strcmp(fmt, "static") && strcmp(fmt, "animated") && strcmp(fmt, "video"))) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong sticker_format specified");
        return;
    }
    if (!bh_emu_param_upload(p, "sticker")) {
        bh_emu_reply_error(r, 400, "Bad Request: there is no sticker in the request");
        return;
    }
    if (!(f = bh_emu_need_file(e, p, "sticker", BH_EMU_MAX_UPLOAD, r)))
        return;
    o = bh_emu_file_json(f);
    json_object_object_add(o, "file_path", json_object_new_string(f->path));
    bh_emu_reply_ok(r, o);
}

void bh_emu_get_forum_topic_icon_stickers(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    (void)e;
    (void)p;
    bh_emu_reply_ok(r, json_object_new_array());
}

void bh_emu_get_my_star_balance(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    json_object *o = json_object_new_object();
    (void)e;
    (void)p;
    json_object_object_add(o, "amount", json_object_new_int(0));
    bh_emu_reply_ok(r, o);
}
