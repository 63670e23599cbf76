/*
 * Typed methods that set a chat up: its photo (an upload), menu buttons,
 * the bot's default administrator rights, banned sender chats.
 */
#include <string.h>

#include "telegram/tg.h"

int bh_client_set_chat_photo(bh_client *c, int64_t chat_id, const bh_input_file *photo)
{
    bh_params *p;
    if (!c || !photo || (photo->kind != BH_INPUT_PATH && photo->kind != BH_INPUT_MEMORY))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_file(p, "photo", photo);
    return bh_tg_call_true(c, "setChatPhoto", p);
}

int bh_client_delete_chat_photo(bh_client *c, int64_t chat_id)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    return bh_tg_call_true(c, "deleteChatPhoto", p);
}

int bh_client_set_chat_menu_button(bh_client *c, int64_t chat_id, json_object *menu_button)
{
    bh_params *p;
    if (!c || (menu_button && !json_object_is_type(menu_button, json_type_object)))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (chat_id)
        bh_params_int(p, "chat_id", chat_id);
    if (menu_button)
        bh_params_json(p, "menu_button", menu_button);
    return bh_tg_call_true(c, "setChatMenuButton", p);
}

int bh_client_get_chat_menu_button(bh_client *c, int64_t chat_id, json_object **menu_button)
{
    bh_params *p;
    if (menu_button)
        *menu_button = NULL;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (chat_id)
        bh_params_int(p, "chat_id", chat_id);
    return bh_tg_call_typed(c, "getChatMenuButton", p, json_type_object, menu_button);
}

int bh_client_set_my_default_administrator_rights(bh_client *c, const bh_admin_rights *rights,
                                                  int for_channels)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (rights) {
        json_object *o = bh_tg_rights_json(rights);
        if (o)
            bh_params_json(p, "rights", o);
        else
            p->rc = BH_ENOMEM;
        json_object_put(o);
    }
    if (for_channels)
        bh_params_bool(p, "for_channels", 1);
    return bh_tg_call_true(c, "setMyDefaultAdministratorRights", p);
}

int bh_client_get_my_default_administrator_rights(bh_client *c, int for_channels,
                                                  json_object **rights)
{
    bh_params *p;
    if (rights)
        *rights = NULL;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    if (for_channels)
        bh_params_bool(p, "for_channels", 1);
    return bh_tg_call_typed(c, "getMyDefaultAdministratorRights", p, json_type_object, rights);
}

/* banChatSenderChat and unbanChatSenderChat. */
static int sender_chat(bh_client *c, const char *method, int64_t chat_id, int64_t sender)
{
    bh_params *p;
    if (!c || !sender)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "sender_chat_id", sender);
    return bh_tg_call_true(c, method, p);
}

int bh_client_ban_chat_sender_chat(bh_client *c, int64_t chat_id, int64_t sender_chat_id)
{
    return sender_chat(c, "banChatSenderChat", chat_id, sender_chat_id);
}

int bh_client_unban_chat_sender_chat(bh_client *c, int64_t chat_id, int64_t sender_chat_id)
{
    return sender_chat(c, "unbanChatSenderChat", chat_id, sender_chat_id);
}

int bh_client_set_chat_administrator_custom_title(bh_client *c, int64_t chat_id, int64_t user_id,
                                                  const char *custom_title)
{
    bh_params *p;
    if (!c || user_id <= 0 || !custom_title)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_int(p, "user_id", user_id);
    bh_params_str(p, "custom_title", custom_title);
    return bh_tg_call_true(c, "setChatAdministratorCustomTitle", p);
}

int bh_client_set_chat_sticker_set(bh_client *c, int64_t chat_id, const char *sticker_set_name)
{
    bh_params *p;
    if (!c || !sticker_set_name || !*sticker_set_name)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    bh_params_str(p, "sticker_set_name", sticker_set_name);
    return bh_tg_call_true(c, "setChatStickerSet", p);
}

int bh_client_delete_chat_sticker_set(bh_client *c, int64_t chat_id)
{
    bh_params *p;
    if (!c)
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_int(p, "chat_id", chat_id);
    return bh_tg_call_true(c, "deleteChatStickerSet", p);
}
