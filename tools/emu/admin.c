/*
 * The emulator's methods that manage a chat: deleteMessages,
 * pinChatMessage, and the members a bot bans or restricts, which
 * getChatMember then reports. A user the bot never touched is a "member";
 * the bot itself is an administrator of every group.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bothive/error.h"
#include "emu.h"

#define BH_EMU_DELETE_MAX 100

void bh_emu_members_free(bh_emu_chat *c)
{
    while (c->members) {
        bh_emu_member *m = c->members;
        c->members = m->next;
        free(m->permissions);
        free(m);
    }
}

/* The record of user_id in c, made when create is set; NULL if absent or
 * out of memory. */
static bh_emu_member *member_get(bh_emu_chat *c, int64_t user_id, int create)
{
    bh_emu_member *m;
    for (m = c->members; m; m = m->next)
        if (m->user_id == user_id)
            return m;
    if (!create || !(m = calloc(1, sizeof *m)))
        return NULL;
    m->user_id = user_id;
    snprintf(m->status, sizeof m->status, "member");
    m->next = c->members;
    c->members = m;
    return m;
}

/* Gives m the plain status (no end date, rights or permissions). */
static void member_reset(bh_emu_member *m, const char *status)
{
    snprintf(m->status, sizeof m->status, "%s", status);
    m->by_bot = 0;
    m->until_date = 0;
    free(m->permissions);
    m->permissions = NULL;
}

/* The record of user_id in c as it stands now: a ban or a restriction
 * whose until_date has passed is lifted (Telegram lifts them by itself). */
static bh_emu_member *member_now(bh_emu_chat *c, int64_t user_id)
{
    bh_emu_member *m = member_get(c, user_id, 0);
    if (m && m->until_date > 0 && m->until_date <= (int64_t)time(NULL) &&
        (!strcmp(m->status, "kicked") || !strcmp(m->status, "restricted")))
        member_reset(m, "member");
    return m;
}

/* Whether the JSON text of permissions sets flag to true (absent is no,
 * as restrictChatMember reads a permission left out). */
static int permission(const char *permissions, const char *flag)
{
    json_object *o = permissions ? json_tokener_parse(permissions) : NULL, *v;
    int on = o && json_object_object_get_ex(o, flag, &v) && json_object_get_boolean(v);
    json_object_put(o);
    return on;
}

/* The permission a message of kind needs. */
static const char *permission_of(const char *kind)
{
    static const char *const kinds[][2] = {
        {"text", "can_send_messages"},   {"photo", "can_send_photos"},
        {"document", "can_send_documents"}, {"audio", "can_send_audios"},
        {"video", "can_send_videos"},    {"voice", "can_send_voice_notes"},
        {"video_note", "can_send_video_notes"}, {"poll", "can_send_polls"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kind, kinds[i][0]))
            return kinds[i][1];
    return "can_send_other_messages";
}

const char *bh_emu_member_refusal_locked(bh_emu_chat *c, int64_t user_id, const char *kind)
{
    bh_emu_member *m;
    if (!strcmp(c->type, "private") || !(m = member_now(c, user_id)))
        return NULL;
    if (!strcmp(m->status, "kicked"))
        return "Forbidden: the user is banned from this chat";
    if (!strcmp(m->status, "restricted") && !permission(m->permissions, permission_of(kind)))
        return !strcmp(kind, "text")
                   ? "Forbidden: the user is restricted: can_send_messages is false"
                   : "Forbidden: the user is restricted: that kind of message is not allowed";
    return NULL;
}

int bh_emu_member_note_locked(bh_emu_chat *c, int64_t user_id, const char *status)
{
    bh_emu_member *m = member_get(c, user_id, 1);
    if (!m)
        return BH_ENOMEM;
    member_reset(m, status);
    return BH_OK;
}

/* The ChatMember object of record m (status, user, until_date, and the
 * rights or permissions it holds). */
static json_object *member_object(const bh_emu_member *m)
{
    json_object *o = json_object_new_object(), *perm;
    json_object_object_add(o, "status", json_object_new_string(m->status));
    json_object_object_add(o, "user", bh_emu_user_json(m->user_id));
    if (!strcmp(m->status, "kicked") || !strcmp(m->status, "restricted"))
        json_object_object_add(o, "until_date", json_object_new_int64(m->until_date));
    if (m->permissions && (perm = json_tokener_parse(m->permissions))) {
        json_object_object_foreach(perm, k, v)
            json_object_object_add(o, k, json_object_get(v));
        json_object_put(perm);
    }
    if (!strcmp(m->status, "restricted"))
        json_object_object_add(o, "is_member", json_object_new_boolean(1));
    if (!strcmp(m->status, "administrator"))
        json_object_object_add(o, "can_be_edited", json_object_new_boolean(1));
    return o;
}

void bh_emu_member_admins_locked(bh_emu_chat *c, json_object *list)
{
    bh_emu_member *own = c->user_id ? member_now(c, c->user_id) : NULL;
    if (c->user_id && (!own || !strcmp(own->status, "creator"))) {
        bh_emu_member creator = {.user_id = c->user_id, .status = "creator"};
        json_object_array_add(list, member_object(&creator));
    }
    for (bh_emu_member *m = c->members; m; m = m->next)
        if (!strcmp(m->status, "administrator") ||
            (!strcmp(m->status, "creator") && m->user_id != c->user_id))
            json_object_array_add(list, member_object(m));
}

/* deleteMessages: the messages of message_ids (1..100) that exist are
 * deleted; the others are skipped, as Telegram does. */
void bh_emu_delete_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    int bad;
    json_object *ids;
    if (!c)
        return;
    ids = bh_emu_param_json(p, "message_ids", &bad);
    if (!ids || bad || !json_object_is_type(ids, json_type_array) ||
        json_object_array_length(ids) < 1 || json_object_array_length(ids) > BH_EMU_DELETE_MAX) {
        bh_emu_reply_error(r, 400, ids || bad ? "Bad Request: can't parse message_ids JSON array"
                                              : "Bad Request: parameter \"message_ids\" is required");
        json_object_put(ids);
        return;
    }
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        bh_emu_msg *m = bh_emu_msg_find(c, json_object_get_int64(json_object_array_get_idx(ids, i)));
        if (m) {
            m->deleted = 1;
            e->stats.deletes++;
        }
    }
    json_object_put(ids);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* pinChatMessage: marks the message pinned (several may be, as in Telegram). */
void bh_emu_pin_chat_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    bh_emu_msg *m;
    if (!c || !(m = bh_emu_need_msg(c, p, "Bad Request: message to pin not found", r)))
        return;
    m->pinned = 1;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* The group and the user a member method names; NULL after answering the
 * error (private chats have no members to manage). */
static bh_emu_chat *need_member_chat(bh_emu *e, bh_emu_params *p, int64_t *user_id,
                                     bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    int rc;
    if (!c)
        return NULL;
    rc = bh_emu_param_int(p, "user_id", user_id);
    if (rc != BH_OK || *user_id <= 0) {
        bh_emu_reply_error(r, 400, rc == BH_ENOTFOUND ? "Bad Request: user_id is empty"
                                                      : "Bad Request: invalid user_id specified");
        return NULL;
    }
    return c;
}

/* Why the bot may not give user_id the status in c (Telegram's error
 * text), or NULL. */
static const char *member_refusal(bh_emu_chat *c, int64_t user_id, const char *status)
{
    bh_emu_member *m;
    int demotes = strcmp(status, "administrator") && strcmp(status, "member");

    if (!strcmp(c->type, "private"))
        return "Bad Request: method is available for supergroup and channel chats only";
    if (demotes && (user_id == c->user_id || !strcmp(bh_emu_member_status(c, user_id), "creator")))
        return "Bad Request: can't remove chat owner";
    /* As in Telegram: a bot may restrict only the administrators it promoted. */
    m = member_now(c, user_id);
    if (demotes && m && !strcmp(m->status, "administrator") && !m->by_bot)
        return "Bad Request: user is an administrator of the chat";
    return NULL;
}

/* The until_date of p into *until: 0 (for ever) when absent. A date that
 * is no Unix time as Telegram keeps one (a whole number of 32 bits: the
 * row's check lets through digits too many for any integer) is refused,
 * as the Bot API refuses it, rather than read as for ever: the reason,
 * or NULL. */
static const char *until_refusal(bh_emu_params *p, int64_t *until)
{
    int rc = bh_emu_param_int(p, "until_date", until);
    if (rc == BH_ENOTFOUND) {
        *until = 0;
        return NULL;
    }
    if (rc != BH_OK || *until < INT32_MIN || *until > INT32_MAX)
        return "Bad Request: invalid until_date specified";
    return NULL;
}

/* Sets the status of user_id in c, with permissions (taken; NULL for
 * none); answers true, or the error. */
static void member_set(bh_emu_chat *c, int64_t user_id, const char *status, char *permissions,
                       bh_emu_params *p, bh_emu_reply *r)
{
    int64_t until = 0;
    const char *why = until_refusal(p, &until);
    bh_emu_member *m;

    if (!why)
        why = member_refusal(c, user_id, status);
    if (!(m = why ? NULL : member_get(c, user_id, 1))) {
        free(permissions);
        bh_emu_reply_error(r, why ? 400 : 500, why ? why : "Internal Server Error");
        return;
    }
    member_reset(m, status);
    m->by_bot = !strcmp(status, "administrator");
    m->until_date = until;
    m->permissions = permissions;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* The JSON object of parameter "permissions"; NULL after answering 400. */
static json_object *need_permissions(bh_emu_params *p, bh_emu_reply *r)
{
    int bad;
    json_object *perm = bh_emu_param_json(p, "permissions", &bad);

    if (perm && !bad && json_object_is_type(perm, json_type_object))
        return perm;
    bh_emu_reply_error(r, 400, perm || bad ? "Bad Request: can't parse permissions JSON object"
                                           : "Bad Request: parameter \"permissions\" is required");
    json_object_put(perm);
    return NULL;
}

/* banChatMember: the user is "kicked" until until_date (0: for ever). */
void bh_emu_ban_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    bh_emu_chat *c = need_member_chat(e, p, &user_id, r);
    if (!c)
        return;
    member_set(c, user_id, "kicked", NULL, p, r);
    /* revoke_messages deletes the user's messages; in a supergroup it
     * always does, as the Bot API says. */
    if (r->status == 200 && (bh_emu_param_bool(p, "revoke_messages") || !strcmp(c->type, "supergroup")))
        for (size_t i = 0; i < c->nmsgs; i++)
            if (!c->msgs[i].from_bot && c->msgs[i].user_id == user_id)
                c->msgs[i].deleted = 1;
}

/* restrictChatMember: the user is "restricted" to permissions. */
void bh_emu_restrict_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    bh_emu_chat *c = need_member_chat(e, p, &user_id, r);
    json_object *perm;
    if (!c || !(perm = need_permissions(p, r)))
        return;
    member_set(c, user_id, "restricted", bh_emu_json_text(perm), p, r);
    json_object_put(perm);
}

/* getChatMember: the ChatMember object of user_id in the chat: the bot
 * is an administrator, the group's first writer its creator, a user the
 * bot never touched a member. */
void bh_emu_get_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    bh_emu_chat *c = need_member_chat(e, p, &user_id, r);
    bh_emu_member *m, plain = {0};
    json_object *o;
    if (!c)
        return;
    if (user_id == e->bot_id) {
        o = json_object_new_object();
        json_object_object_add(o, "status", json_object_new_string("administrator"));
        json_object_object_add(o, "user", bh_emu_bot_json(e));
        bh_emu_reply_ok(r, o);
        return;
    }
    if (!(m = member_now(c, user_id))) {
        m = &plain;
        plain.user_id = user_id;
        snprintf(plain.status, sizeof plain.status, "%s",
                 strcmp(c->type, "private") && user_id == c->user_id ? "creator" : "member");
    }
    bh_emu_reply_ok(r, member_object(m));
}

/* unbanChatMember: a kicked user becomes a member again; with
 * only_if_banned, a user who is not kicked is left as they are. */
void bh_emu_unban_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    bh_emu_chat *c = need_member_chat(e, p, &user_id, r);
    bh_emu_member *m;
    if (!c)
        return;
    m = member_get(c, user_id, 0);
    if (m && (!strcmp(m->status, "kicked") || !bh_emu_param_bool(p, "only_if_banned")))
        member_reset(m, "member");
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* unpinChatMessage: message_id, or the most recently pinned message. */
void bh_emu_unpin_chat_message(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    int64_t id = 0;
    bh_emu_msg *m = NULL;
    if (!c)
        return;
    if (bh_emu_param_int(p, "message_id", &id) == BH_OK) {
        m = bh_emu_msg_find(c, id);
    } else {
        for (size_t i = c->nmsgs; i > 0 && !m; i--)
            if (c->msgs[i - 1].pinned && !c->msgs[i - 1].deleted)
                m = &c->msgs[i - 1];
    }
    if (!m || !m->pinned) {
        bh_emu_reply_error(r, 400, "Bad Request: message to unpin not found");
        return;
    }
    m->pinned = 0;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* unpinAllChatMessages: every pinned message of the chat. */
void bh_emu_unpin_all_chat_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (!c)
        return;
    for (size_t i = 0; i < c->nmsgs; i++)
        c->msgs[i].pinned = 0;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* promoteChatMember: the rights given (is_anonymous, can_*) make the user
 * an administrator; none at all make them a member again. */
void bh_emu_promote_chat_member(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t user_id;
    bh_emu_chat *c = need_member_chat(e, p, &user_id, r);
    json_object *rights;
    int any = 0;
    if (!c)
        return;
    rights = json_object_new_object();
    json_object_object_foreach(p, key, v) {
        (void)v;
        if (!strncmp(key, "can_", 4) || !strcmp(key, "is_anonymous")) {
            int on = bh_emu_param_bool(p, key);
            json_object_object_add(rights, key, json_object_new_boolean(on));
            any |= on;
        }
    }
    member_set(c, user_id, any ? "administrator" : "member", any ? bh_emu_json_text(rights) : NULL,
               p, r);
    json_object_put(rights);
}

/* setChatPermissions: the default rights of the group's members. */
void bh_emu_set_chat_permissions(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    json_object *perm;
    if (!c)
        return;
    if (!strcmp(c->type, "private")) {
        bh_emu_reply_error(r, 400, "Bad Request: method is available for supergroup and channel chats only");
        return;
    }
    if (!(perm = need_permissions(p, r)))
        return;
    free(c->permissions);
    c->permissions = bh_emu_json_text(perm);
    json_object_put(perm);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

const char *bh_emu_member_status(bh_emu_chat *c, int64_t user_id)
{
    bh_emu_member *m = member_now(c, user_id);
    return m ? m->status : "member";
}
