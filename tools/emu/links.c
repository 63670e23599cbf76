/*
 * The emulator's invite links (made and revoked per chat), join requests
 * and inline answers. The emulator makes neither join requests nor inline
 * queries, so their answers are Telegram's for a request or a query that
 * does not exist.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* A group (not a private chat) named by chat_id, or NULL after answering. */
static bh_emu_chat *need_group(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && !strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: method is available for supergroup and channel chats only");
        return NULL;
    }
    return c;
}

/* createChatInviteLink: a new link, kept with the chat. */
void bh_emu_create_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    json_object *links, *o;
    const char *name = bh_emu_param_str(p, "name");
    char url[64];
    int64_t v = 0;
    if (!c)
        return;
    links = c->invite_links ? json_tokener_parse(c->invite_links) : json_object_new_array();
    snprintf(url, sizeof url, "https://t.me/+emu%" PRIx64,
             (uint64_t)(bh_emu_random_locked(e) * 1e15));
    o = json_object_new_object();
    json_object_object_add(o, "invite_link", json_object_new_string(url));
    json_object_object_add(o, "creator", bh_emu_bot_json(e));
    json_object_object_add(o, "creates_join_request",
                           json_object_new_boolean(bh_emu_param_bool(p, "creates_join_request")));
    json_object_object_add(o, "is_primary", json_object_new_boolean(0));
    json_object_object_add(o, "is_revoked", json_object_new_boolean(0));
    if (name && *name)
        json_object_object_add(o, "name", json_object_new_string(name));
    if (bh_emu_param_int(p, "expire_date", &v) == BH_OK && v)
        json_object_object_add(o, "expire_date", json_object_new_int64(v));
    if (bh_emu_param_int(p, "member_limit", &v) == BH_OK && v)
        json_object_object_add(o, "member_limit", json_object_new_int64(v));
    json_object_array_add(links, json_object_get(o));
    free(c->invite_links);
    c->invite_links = bh_emu_json_text(links);
    json_object_put(links);
    bh_emu_reply_ok(r, o);
}

/* revokeChatInviteLink: the link made for this chat, now revoked. */
void bh_emu_revoke_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    const char *want = bh_emu_param_str(p, "invite_link");
    json_object *links, *found = NULL;
    if (!c)
        return;
    links = c->invite_links ? json_tokener_parse(c->invite_links) : NULL;
    for (size_t i = 0; want && links && i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        if (!strcmp(json_object_get_string(json_object_object_get(l, "invite_link")), want))
            found = l;
    }
    if (!found) {
        json_object_put(links);
        bh_emu_reply_error(r, 400, "Bad Request: INVITE_HASH_EXPIRED");
        return;
    }
    json_object_object_add(found, "is_revoked", json_object_new_boolean(1));
    free(c->invite_links);
    c->invite_links = bh_emu_json_text(links);
    bh_emu_reply_ok(r, json_object_get(found));
    json_object_put(links);
}

/* editChatInviteLink: a new name, expiry or member limit for a link made
 * for this chat. */
void bh_emu_edit_chat_invite_link(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_group(e, p, r);
    const char *want = bh_emu_param_str(p, "invite_link"), *name = bh_emu_param_str(p, "name");
    json_object *links, *found = NULL;
    int64_t v;
    if (!c)
        return;
    links = c->invite_links ? json_tokener_parse(c->invite_links) : NULL;
    for (size_t i = 0; want && links && i < json_object_array_length(links); i++) {
        json_object *l = json_object_array_get_idx(links, i);
        if (!strcmp(json_object_get_string(json_object_object_get(l, "invite_link")), want))
            found = l;
    }
    if (!found) {
        json_object_put(links);
        bh_emu_reply_error(r, 400, "Bad Request: INVITE_HASH_EXPIRED");
        return;
    }
    if (name)
        json_object_object_add(found, "name", json_object_new_string(name));
    if (bh_emu_param_int(p, "expire_date", &v) == BH_OK)
        json_object_object_add(found, "expire_date", json_object_new_int64(v));
    if (bh_emu_param_int(p, "member_limit", &v) == BH_OK)
        json_object_object_add(found, "member_limit", json_object_new_int64(v));
    free(c->invite_links);
    c->invite_links = bh_emu_json_text(links);
    bh_emu_reply_ok(r, json_object_get(found));
    json_object_put(links);
}
