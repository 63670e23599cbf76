/*
 * The emulator's forum topics: every supergroup is a forum here (Telegram
 * needs the group's topics switched on, which the emulator cannot be
 * asked for). Topics are kept per chat as a JSON object keyed by
 * message_thread_id; the General topic is two flags.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "emu.h"

/* A supergroup named by chat_id, or NULL after answering. */
static bh_emu_chat *need_forum(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = bh_emu_need_chat(e, p, "chat_id", r);
    if (c && strcmp(c->type, "supergroup")) {
        bh_emu_reply_error(r, 400, "Bad Request: the chat is not a forum");
        return NULL;
    }
    return c;
}

/* The chat's topics (a new reference; an empty object when none). */
static json_object *topics_get(const bh_emu_chat *c)
{
    json_object *o = c->topics ? json_tokener_parse(c->topics) : NULL;
    return o ? o : json_object_new_object();
}

static void topics_put(bh_emu_chat *c, json_object *o)
{
    free(c->topics);
    c->topics = bh_emu_json_text(o);
    json_object_put(o);
}

/* A topic name: 1..128 characters, or NULL after answering. */
static const char *need_name(bh_emu_params *p, bh_emu_reply *r)
{
    const char *n = bh_emu_param_str(p, "name");
    if (!n || !*n || bh_emu_utf16_len(n, strlen(n)) > 128) {
        bh_emu_reply_error(r, 400, n && *n ? "Bad Request: TOPIC_TITLE_INVALID"
                                           : "Bad Request: name is empty");
        return NULL;
    }
    return n;
}

/* createForumTopic: the ForumTopic made. */
void bh_emu_create_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    bh_emu_chat *c = need_forum(e, p, r);
    const char *name;
    json_object *topics, *t;
    char key[24];
    int64_t color = 7322096;
    if (!c || !(name = need_name(p, r)))
        return;
    bh_emu_param_int(p, "icon_color", &color);
    topics = topics_get(c);
    int64_t id = c->next_topic_id ? c->next_topic_id : 2; /* 1 is General's */
    c->next_topic_id = id + 1;
    t = json_object_new_object();
    json_object_object_add(t, "message_thread_id", json_object_new_int64(id));
    json_object_object_add(t, "name", json_object_new_string(name));
    json_object_object_add(t, "icon_color", json_object_new_int64(color));
    snprintf(key, sizeof key, "%" PRId64, id);
    json_object_object_add(topics, key, json_object_get(t));
    topics_put(c, topics);
    bh_emu_reply_ok(r, t);
}

/* The topic that message_thread_id names in topics, or NULL after answering. */
static json_object *need_topic(json_object *topics, bh_emu_params *p, bh_emu_reply *r)
{
    int64_t id;
    char key[24];
    json_object *t;
    if (bh_emu_param_int(p, "message_thread_id", &id) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: message thread not found");
        return NULL;
    }
    snprintf(key, sizeof key, "%" PRId64, id);
    if (!json_object_object_get_ex(topics, key, &t)) {
        bh_emu_reply_error(r, 400, "Bad Request: TOPIC_ID_INVALID");
        return NULL;
    }
    return t;
}

/* What a topic method does to the topic t (NULL: deleted); returns NULL
 * or Telegram's error text. */
typedef const char *(*topic_op)(json_object *topics, json_object *t, bh_emu_params *p);

/* Runs op on the topic the call names, then answers true. */
static void with_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, topic_op op)
{
    bh_emu_chat *c = need_forum(e, p, r);
    json_object *topics, *t;
    const char *err;
    if (!c)
        return;
    topics = topics_get(c);
    if (!(t = need_topic(topics, p, r))) {
        json_object_put(topics);
        return;
    }
    if ((err = op(topics, t, p))) {
        json_object_put(topics);
        bh_emu_reply_error(r, 400, err);
        return;
    }
    topics_put(c, topics);
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static const char *op_edit(json_object *topics, json_object *t, bh_emu_params *p)
{
    const char *n = bh_emu_param_str(p, "name");
    (void)topics;
    if (n && *n)
        json_object_object_add(t, "name", json_object_new_string(n));
    return NULL;
}

/* Sets is_closed to want; refused when it already is, as in Telegram. */
static const char *set_closed(json_object *t, int want)
{
    json_object *v;
    int now = json_object_object_get_ex(t, "is_closed", &v) && json_object_get_boolean(v);
    if (now == want)
        return "Bad Request: TOPIC_NOT_MODIFIED";
    json_object_object_add(t, "is_closed", json_object_new_boolean(want));
    return NULL;
}

static const char *op_close(json_object *topics, json_object *t, bh_emu_params *p)
{
    (void)topics, (void)p;
    return set_closed(t, 1);
}

static const char *op_reopen(json_object *topics, json_object *t, bh_emu_params *p)
{
    (void)topics, (void)p;
    return set_closed(t, 0);
}

static const char *op_delete(json_object *topics, json_object *t, bh_emu_params *p)
{
    char key[24];
    (void)p;
    snprintf(key, sizeof key, "%" PRId64,
             json_object_get_int64(json_object_object_get(t, "message_thread_id")));
    json_object_object_del(topics, key);
    return NULL;
}

static const char *op_none(json_object *topics, json_object *t, bh_emu_params *p)
{
    (void)topics, (void)t, (void)p;
    return NULL;
}

void bh_emu_edit_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    with_topic(e, p, r, op_edit);
}

void bh_emu_close_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    with_topic(e, p, r, op_close);
}

void bh_emu_reopen_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    with_topic(e, p, r, op_reopen);
}

void bh_emu_delete_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    with_topic(e, p, r, op_delete);
}

void bh_emu_unpin_all_forum_topic_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    with_topic(e, p, r, op_none);
}

/* Sets one of the General topic's flags to want; answers true, or
 * TOPIC_NOT_MODIFIED when it already was. */
static void general_flag(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, int hidden, int want)
{
    bh_emu_chat *c = need_forum(e, p, r);
    int *flag;
    if (!c)
        return;
    flag = hidden ? &c->general_hidden : &c->general_closed;
    if (*flag == want) {
        bh_emu_reply_error(r, 400, "Bad Request: TOPIC_NOT_MODIFIED");
        return;
    }
    *flag = want;
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

void bh_emu_edit_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    if (need_forum(e, p, r) && need_name(p, r))
        bh_emu_reply_ok(r, json_object_new_boolean(1));
}

void bh_emu_close_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    general_flag(e, p, r, 0, 1);
}

void bh_emu_reopen_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    general_flag(e, p, r, 0, 0);
}

void bh_emu_hide_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    general_flag(e, p, r, 1, 1);
}

void bh_emu_unhide_general_forum_topic(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    general_flag(e, p, r, 1, 0);
}

void bh_emu_unpin_all_general_forum_topic_messages(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    if (need_forum(e, p, r))
        bh_emu_reply_ok(r, json_object_new_boolean(1));
}
