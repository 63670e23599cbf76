/*
 * The emulator's methods about a chat as a whole: getChat,
 * getChatAdministrators, getChatMemberCount, leaveChat; and those that act
 * on messages of it in bulk or in passing: forwardMessages, copyMessages,
 * setMessageReaction.
 */
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

#define BH_EMU_BULK_MAX 100

/* getChat: the ChatFullInfo of the chat (the fields it always has). */
void bh_emu_get_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    json_object *o;
    if (!c)
        return;
    o = bh_emu_chat_json(c);
    json_object_object_add(o, "accent_color_id", json_object_new_int(0));
    json_object_object_add(o, "max_reaction_count", json_object_new_int(11));
    if (c->description)
        json_object_object_add(o, "description", json_object_new_string(c->description));
    if (c->photo_file_id) {
        json_object *ph = json_object_new_object();
        json_object_object_add(ph, "small_file_id", json_object_new_string(c->photo_file_id));
        json_object_object_add(ph, "big_file_id", json_object_new_string(c->photo_file_id));
        json_object_object_add(o, "photo", ph);
    }
    if (c->permissions) {
        json_object *perm = json_tokener_parse(c->permissions);
        if (perm)
            json_object_object_add(o, "permissions", perm);
    }
    bh_emu_reply_ok(r, o);
}

/* leaveChat: the bot leaves a group; what it sends there then gets 403. */
void bh_emu_leave_chat(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (!c)
        return;
    if (!strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: chat member status can't be changed in private chats");
        return;
    }
    c->left = 1;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* A ChatMember object of status for user (the bot when user_id is 0). */
static json_object *member_json(bh_emu *e, int64_t user_id, const char *status)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string(status));
    json_object_object_add(o, "user", user_id ? bh_emu_user_json(user_id) : bh_emu_bot_json(e));
    if (!strcmp(status, "administrator")) {
        json_object_object_add(o, "can_be_edited", json_object_new_boolean(0));
        json_object_object_add(o, "can_delete_messages", json_object_new_boolean(1));
        json_object_object_add(o, "can_restrict_members", json_object_new_boolean(1));
    }
    json_object_object_add(o, "is_anonymous", json_object_new_boolean(0));
    return o;
}

/* getChatAdministrators: the group's creator (the first user who wrote in
 * it), the users promoted (admin.c), and the bot, an administrator
 * everywhere in the emulator. */
void bh_emu_get_chat_administrators(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    json_object *list;
    if (!c)
        return;
    if (!strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: there are no administrators in the private chat");
        return;
    }
    list = json_object_new_array();
    bh_emu_member_admins_locked(c, list);
    json_object_array_add(list, member_json(e, 0, "administrator"));
    bh_emu_reply_ok(r, list);
}

/* Whether user_id wrote one of the messages before index end of c. */
static int wrote_before(const bh_emu_chat *c, int64_t user_id, size_t end)
{
    for (size_t i = 0; i < end; i++)
        if (!c->msgs[i].from_bot && c->msgs[i].user_id == user_id)
            return 1;
    return 0;
}

/* Whether user_id is banned from c. */
static int banned(const bh_emu_chat *c, int64_t user_id)
{
    for (const bh_emu_member *m = c->members; m; m = m->next)
        if (m->user_id == user_id)
            return !strcmp(m->status, "kicked");
    return 0;
}

/* getChatMemberCount: the users who wrote in the chat and are not
 * banned, and the bot. */
void bh_emu_get_chat_member_count(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    int64_t n = 1;
    if (!c)
        return;
    for (size_t i = 0; i < c->nmsgs; i++) {
        const bh_emu_msg *m = &c->msgs[i];
        if (!m->from_bot && !wrote_before(c, m->user_id, i) && !banned(c, m->user_id))
            n++;
    }
    bh_emu_reply_ok(r, json_object_new_int64(n));
}

/* setMessageReaction: the message must exist; reaction, when given, must
 * be an array of at most one reaction for a bot, as in Telegram. */
void bh_emu_set_message_reaction(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    json_object *rx;
    int bad;
    if (!c || !bh_emu_need_msg(c, p, "Bad Request: message to react not found", r))
        return;
    rx = bh_emu_param_json(p, "reaction", &bad);
    if (bad || (rx && !json_object_is_type(rx, json_type_array))) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse reaction types JSON object");
    } else if (rx && json_object_array_length(rx) > 1) {
        bh_emu_reply_error(r, 400, "Bad Request: REACTIONS_TOO_MANY");
    } else {
        bh_emu_reply_ok(r, json_object_new_boolean(1));
    }
    json_object_put(rx);
}

/* Sends to `to` a copy of message id of `from` (a forward when forward is
 * set). Returns the new message's id, 0 when there is no such message, or
 * -1 when out of memory. */
static int64_t duplicate(bh_emu_chat *to, bh_emu_chat *from, int64_t id, int forward)
{
    const bh_emu_msg *src = bh_emu_msg_find(from, id);
    bh_emu_msg snap = {0}, *m;
    if (!src)
        return 0;
    /* src may move when to == from grows: copy what it shows first. */
    snap.text = src->text ? strdup(src->text) : NULL;
    snap.media = src->media ? strdup(src->media) : NULL;
    snap.caption = src->caption ? strdup(src->caption) : NULL;
    if ((src->text && !snap.text) || (src->media && !snap.media) || (src->caption && !snap.caption) ||
        !(m = bh_emu_msg_add_locked(to))) {
        free(snap.text);
        free(snap.media);
        free(snap.caption);
        return -1;
    }
    m->from_bot = 1;
    m->text = snap.text;
    m->media = snap.media;
    m->caption = snap.caption;
    if (forward) {
        m->fwd_chat_id = from->id;
        m->fwd_msg_id = id;
    }
    return m->id;
}

/* forwardMessages and copyMessages: message_ids (1..100) of from_chat_id,
 * in order, those that exist; the answer is their new MessageIds. */
static void bulk(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, int forward)
{
    bh_emu_chat *to = bh_emu_need_open_chat(e, p, r), *from;
    json_object *ids, *result;
    int bad;
    if (!to || !(from = bh_emu_need_chat(e, p, "from_chat_id", r)))
        return;
    ids = bh_emu_param_json(p, "message_ids", &bad);
    if (!ids || bad || !json_object_is_type(ids, json_type_array) ||
        json_object_array_length(ids) < 1 || json_object_array_length(ids) > BH_EMU_BULK_MAX) {
        bh_emu_reply_error(r, 400, ids || bad ? "Bad Request: can't parse message_ids JSON array"
                                              : "Bad Request: parameter \"message_ids\" is required");
        json_object_put(ids);
        return;
    }
    result = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        int64_t id = duplicate(to, from, json_object_get_int64(json_object_array_get_idx(ids, i)), forward);
        if (id > 0) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "message_id", json_object_new_int64(id));
            json_object_array_add(result, o);
            e->stats.sent_messages++;
            e->stats.forwards += forward;
        }
    }
    json_object_put(ids);
    if (!json_object_array_length(result)) {
        json_object_put(result);
        bh_emu_reply_error(r, 400, forward ? "Bad Request: message to forward not found"
                                           : "Bad Request: message to copy not found");
        return;
    }
    bh_emu_reply_ok(r, result);
}

void bh_emu_forward_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bulk(e, p, r, 1);
}

void bh_emu_copy_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bulk(e, p, r, 0);
}
