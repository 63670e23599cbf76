/*
 * The control calls that play what users do beyond writing text and
 * pressing buttons (control.c): join and leave groups, ask to join, react,
 * vote, type inline queries and pick results, send photos and documents
 * with captions; and /control/update, which queues an update of any kind
 * as given. Each answers {"update_id":N, ...} like /control/message.
 *
 *   POST /control/update               {"type","object"}
 *   POST /control/member               {"chat_id","user_id","status","old_status"?,"from_id"?,
 *                                       "first_name"?,"chat_type"?}
 *        (status and old_status: creator, administrator, member,
 *        restricted, left or kicked, as in ChatMember; else 400)
 *   POST /control/join_request         {"chat_id","user_id","bio"?,"first_name"?}
 *   POST /control/reaction             {"chat_id","user_id","message_id","emoji"?,"old_emoji"?}
 *   POST /control/poll_answer          {"poll_id","user_id","option_ids"}
 *   POST /control/inline_query         {"user_id","query","offset"?,"chat_type"?}
 *   POST /control/chosen_inline_result {"user_id","result_id","query"?,"inline_message_id"?,
 *                                       "inline_message"?}
 *        inline_message true (or an inline_message_id) makes the message the
 *        result sends, which the bot may then edit: the result must be one
 *        the bot answered; the answer names its inline_message_id.
 *   POST /control/media                {"chat_id","user_id"?,"kind":"photo"|"document",
 *                                       "caption"?,"chat_type"?,"data"?|"data_base64"?,
 *                                       "file_name"?}
 *        with data (the bytes as a string) or data_base64, the emulator keeps
 *        the file: the bot's getFile and the file URL give back those bytes.
 *        A user banned from the group, or restricted from sending that kind
 *        of message, is refused with 403 (so is /control/message's text).
 *   POST /control/reply_button         {"chat_id","user_id"?,"text","latitude"?,"longitude"?}
 *   POST /control/inline_callback      {"inline_message_id","user_id","data"} (both press.c)
 *   The user of member, join_request, reaction, poll_answer, inline_query
 *   and chosen_inline_result takes the body's "first_name" and
 *   "language_code" when given ("User <id>" and "en" otherwise).
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "bothive/error.h"
#include "emu.h"

/* The optional string field name: NULL when absent; *bad (after a 400)
 * when present but not a string. */
static const char *opt_str(json_object *b, const char *name, bool *bad, bh_emu_reply *r)
{
    json_object *v;
    char desc[96];
    if (!json_object_object_get_ex(b, name, &v))
        return NULL;
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(desc, sizeof desc, "Bad Request: %s must be a string", name);
        bh_emu_reply_error(r, 400, desc);
        *bad = true;
        return NULL;
    }
    return json_object_get_string(v);
}

/* The User object of user_id, with the body's first_name and
 * language_code (a string) if it gives them. */
static json_object *user_json(json_object *b, int64_t user_id)
{
    json_object *u = bh_emu_user_json(user_id), *v;
    if (json_object_object_get_ex(b, "first_name", &v) && json_object_is_type(v, json_type_string))
        json_object_object_add(u, "first_name", json_object_get(v));
    if (json_object_object_get_ex(b, "language_code", &v) && json_object_is_type(v, json_type_string))
        json_object_object_add(u, "language_code", json_object_get(v));
    return u;
}

/* The group named by chat_id (a supergroup unless chat_type says
 * otherwise), created on first use; NULL after answering an error. */
static bh_emu_chat *group_locked(bh_emu *e, json_object *b, int64_t chat_id, bh_emu_reply *r)
{
    bool bad = false;
    const char *type = opt_str(b, "chat_type", &bad, r);
    bh_emu_chat *c;
    if (bad)
        return NULL;
    if (!(c = bh_emu_chat_get_locked(e, chat_id, type ? type : "supergroup", 0)))
        bh_emu_reply_error(r, 500, "Internal Server Error");
    return c;
}

/* Queues payload as an update of type and answers its id. */
static void queue_locked(bh_emu *e, const char *type, json_object *payload, bh_emu_reply *r)
{
    bh_emu_reply_queued(r, bh_emu_update_queue_locked(e, type, payload), "type",
                        json_object_new_string(type));
}

static void inject_update(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    const char *type = bh_emu_field_str(b, "type", r);
    json_object *obj;
    if (!type)
        return;
    if (!json_object_object_get_ex(b, "object", &obj) || !obj) {
        bh_emu_reply_error(r, 400, "Bad Request: object is required");
        return;
    }
    pthread_mutex_lock(&e->lock);
    queue_locked(e, type, json_object_get(obj), r);
    pthread_mutex_unlock(&e->lock);
}

/* A ChatMember of status for user (a reference taken). */
static json_object *member_json(const char *status, json_object *user)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "status", json_object_new_string(status));
    json_object_object_add(m, "user", user);
    if (!strcmp(status, "restricted"))
        json_object_object_add(m, "is_member", json_object_new_boolean(1));
    return m;
}

/* The status a change to s comes from unless old_status says otherwise:
 * a member or a restricted member has joined (from "left"); anything else
 * (a promotion, a leave, a ban) changes a member. */
static const char *default_old_status(const char *s)
{
    return !strcmp(s, "member") || !strcmp(s, "restricted") ? "left" : "member";
}

/* Whether s is a status of the Bot API's ChatMember; answers 400 if not. */
static bool member_status_ok(const char *field, const char *s, bh_emu_reply *r)
{
    static const char *const statuses[] = {"creator", "administrator", "member",
                                           "restricted", "left", "kicked"};
    char desc[160];
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(s, statuses[i]))
            return true;
    snprintf(desc, sizeof desc,
             "Bad Request: %s must be creator, administrator, member, restricted, left or kicked",
             field);
    bh_emu_reply_error(r, 400, desc);
    return false;
}

static void inject_member(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id, from_id;
    bool bad = false;
    const char *status, *old;
    json_object *o;
    bh_emu_chat *c;

    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK ||
        !(status = bh_emu_field_str(b, "status", r)))
        return;
    old = opt_str(b, "old_status", &bad, r);
    if (bad || bh_emu_field_int(b, "from_id", 0, &from_id, r) == BH_EINVAL)
        return;
    if (!json_object_object_get_ex(b, "from_id", NULL))
        from_id = user_id;
    if (!member_status_ok("status", status, r) || (old && !member_status_ok("old_status", old, r)))
        return;
    if (!old)
        old = default_old_status(status);
    pthread_mutex_lock(&e->lock);
    if ((c = group_locked(e, b, chat_id, r)) && user_id != e->bot_id &&
        bh_emu_member_note_locked(c, user_id, status) != BH_OK) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
    } else if (c) {
        json_object *user = user_json(b, user_id);
        o = json_object_new_object();
        json_object_object_add(o, "chat", bh_emu_chat_json(c));
        json_object_object_add(o, "from", from_id == user_id ? json_object_get(user)
                                                             : bh_emu_user_json(from_id));
        json_object_object_add(o, "date", json_object_new_int64((int64_t)time(NULL)));
        json_object_object_add(o, "old_chat_member", member_json(old, json_object_get(user)));
        json_object_object_add(o, "new_chat_member", member_json(status, user));
        /* The bot's own membership is my_chat_member, as in Telegram. */
        queue_locked(e, user_id == e->bot_id ? "my_chat_member" : "chat_member", o, r);
    }
    pthread_mutex_unlock(&e->lock);
}

static void inject_join_request(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id;
    bool bad = false;
    const char *bio;
    bh_emu_chat *c;

    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK)
        return;
    if ((bio = opt_str(b, "bio", &bad, r)), bad)
        return;
    pthread_mutex_lock(&e->lock);
    if ((c = group_locked(e, b, chat_id, r))) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "chat", bh_emu_chat_json(c));
        json_object_object_add(o, "from", user_json(b, user_id));
        json_object_object_add(o, "user_chat_id", json_object_new_int64(user_id));
        json_object_object_add(o, "date", json_object_new_int64((int64_t)time(NULL)));
        if (bio)
            json_object_object_add(o, "bio", json_object_new_string(bio));
        if (bh_emu_join_add_locked(e, chat_id, user_id))
            queue_locked(e, "chat_join_request", o, r);
        else {
            json_object_put(o);
            bh_emu_reply_error(r, 500, "Internal Server Error");
        }
    }
    pthread_mutex_unlock(&e->lock);
}

/* A reaction list: one emoji reaction, or none when emoji is NULL. */
static json_object *reactions_json(const char *emoji)
{
    json_object *a = json_object_new_array(), *t;
    if (!emoji)
        return a;
    t = json_object_new_object();
    json_object_object_add(t, "type", json_object_new_string("emoji"));
    json_object_object_add(t, "emoji", json_object_new_string(emoji));
    json_object_array_add(a, t);
    return a;
}

static void inject_reaction(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id, msg_id;
    bool bad = false;
    const char *emoji, *old;
    bh_emu_chat *c;

    if (bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK ||
        bh_emu_field_int(b, "message_id", 1, &msg_id, r) != BH_OK)
        return;
    emoji = opt_str(b, "emoji", &bad, r);
    old = bad ? NULL : opt_str(b, "old_emoji", &bad, r);
    if (bad)
        return;
    pthread_mutex_lock(&e->lock);
    if (!(c = bh_emu_chat_find_locked(e, chat_id)) || !bh_emu_msg_find(c, msg_id)) {
        bh_emu_reply_error(r, 400, "Bad Request: message to react not found");
    } else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "chat", bh_emu_chat_json(c));
        json_object_object_add(o, "message_id", json_object_new_int64(msg_id));
        json_object_object_add(o, "user", user_json(b, user_id));
        json_object_object_add(o, "date", json_object_new_int64((int64_t)time(NULL)));
        json_object_object_add(o, "old_reaction", reactions_json(old));
        json_object_object_add(o, "new_reaction", reactions_json(emoji));
        queue_locked(e, "message_reaction", o, r);
    }
    pthread_mutex_unlock(&e->lock);
}

static void inject_poll_answer(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t user_id;
    const char *poll_id = bh_emu_field_str(b, "poll_id", r);
    json_object *ids, *o;

    if (!poll_id || bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK)
        return;
    if (!json_object_object_get_ex(b, "option_ids", &ids) ||
        !json_object_is_type(ids, json_type_array)) {
        bh_emu_reply_error(r, 400, "Bad Request: option_ids must be an array");
        return;
    }
    o = json_object_new_object();
    json_object_object_add(o, "poll_id", json_object_new_string(poll_id));
    json_object_object_add(o, "user", user_json(b, user_id));
    json_object_object_add(o, "option_ids", json_object_get(ids));
    pthread_mutex_lock(&e->lock);
    queue_locked(e, "poll_answer", o, r);
    pthread_mutex_unlock(&e->lock);
}

static void inject_inline_query(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t user_id, update_id;
    bool bad = false;
    const char *query = opt_str(b, "query", &bad, r), *offset, *chat_type;
    char id[32];
    json_object *o, *res;

    if (bad || bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK)
        return;
    offset = opt_str(b, "offset", &bad, r);
    chat_type = bad ? NULL : opt_str(b, "chat_type", &bad, r);
    if (bad)
        return;
    o = json_object_new_object();
    json_object_object_add(o, "from", user_json(b, user_id));
    json_object_object_add(o, "query", json_object_new_string(query ? query : ""));
    json_object_object_add(o, "offset", json_object_new_string(offset ? offset : ""));
    if (chat_type)
        json_object_object_add(o, "chat_type", json_object_new_string(chat_type));
    pthread_mutex_lock(&e->lock);
    snprintf(id, sizeof id, "iq%" PRId64, ++e->next_query_id);
    json_object_object_add(o, "id", json_object_new_string(id));
    update_id = bh_emu_update_queue_locked(e, "inline_query", o);
    pthread_mutex_unlock(&e->lock);
    if (update_id < 0) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    res = json_object_new_object();
    json_object_object_add(res, "update_id", json_object_new_int64(update_id));
    json_object_object_add(res, "inline_query_id", json_object_new_string(id));
    bh_emu_reply_ok(r, res);
}

/* The inline message of a chosen result, when the body asks for one
 * (inline_message true, or an inline_message_id); its id into *imid.
 * Returns BH_OK (also when none is asked), or BH_EINVAL after a 400. */
static int chosen_message_locked(bh_emu *e, json_object *b, int64_t user_id,
                                 const char *result_id, const char **imid, bh_emu_reply *r)
{
    json_object *v;
    bh_emu_inline_msg *m;
    int rc;
    if (!*imid && !(json_object_object_get_ex(b, "inline_message", &v) && json_object_get_boolean(v)))
        return BH_OK;
    rc = bh_emu_inline_msg_add_locked(e, *imid, user_id, result_id, &m);
    if (rc == BH_ENOTFOUND)
        bh_emu_reply_error(r, 400, "Bad Request: no answer of the bot holds that result_id");
    else if (rc == BH_EEXISTS)
        bh_emu_reply_error(r, 400, "Bad Request: inline_message_id already used");
    else if (rc != BH_OK)
        bh_emu_reply_error(r, 500, "Internal Server Error");
    else
        *imid = m->id;
    return rc == BH_OK ? BH_OK : BH_EINVAL;
}

static void inject_chosen(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t user_id;
    bool bad = false;
    const char *result_id = bh_emu_field_str(b, "result_id", r), *query, *imid;
    json_object *o;

    if (!result_id || bh_emu_field_int(b, "user_id", 1, &user_id, r) != BH_OK)
        return;
    query = opt_str(b, "query", &bad, r);
    imid = bad ? NULL : opt_str(b, "inline_message_id", &bad, r);
    if (bad)
        return;
    pthread_mutex_lock(&e->lock);
    if (chosen_message_locked(e, b, user_id, result_id, &imid, r) == BH_OK) {
        o = json_object_new_object();
        json_object_object_add(o, "result_id", json_object_new_string(result_id));
        json_object_object_add(o, "from", user_json(b, user_id));
        json_object_object_add(o, "query", json_object_new_string(query ? query : ""));
        if (imid)
            json_object_object_add(o, "inline_message_id", json_object_new_string(imid));
        bh_emu_reply_queued(r, bh_emu_update_queue_locked(e, "chosen_inline_result", o),
                            "inline_message_id",
                            imid ? json_object_new_string(imid) : json_object_new_null());
    }
    pthread_mutex_unlock(&e->lock);
}

/* The file object of a photo size or a document, numbered by message. */
static json_object *file_json(const char *prefix, int64_t chat_id, int64_t msg_id, int w)
{
    char id[96];
    json_object *f = json_object_new_object();
    snprintf(id, sizeof id, "%s_%" PRId64 "_%" PRId64 "_%d", prefix, chat_id, msg_id, w);
    json_object_object_add(f, "file_id", json_object_new_string(id));
    json_object_object_add(f, "file_unique_id", json_object_new_string(id + strlen(prefix)));
    json_object_object_add(f, "file_size", json_object_new_int(w * 100));
    if (w) {
        json_object_object_add(f, "width", json_object_new_int(w));
        json_object_object_add(f, "height", json_object_new_int(w * 3 / 4));
    }
    return f;
}

/* Turns the Message o (as bh_emu_msg_json_locked made it, with an empty
 * text) into a photo or a document with caption. */
static void add_media(json_object *o, bool photo, const char *caption, int64_t chat_id,
                      int64_t msg_id)
{
    char *ents = caption ? bh_emu_command_entities(caption) : NULL;
    json_object_object_del(o, "text");
    json_object_object_del(o, "entities");
    if (photo) {
        json_object *sizes = json_object_new_array();
        json_object_array_add(sizes, file_json("photo", chat_id, msg_id, 90));
        json_object_array_add(sizes, file_json("photo", chat_id, msg_id, 800));
        json_object_object_add(o, "photo", sizes);
    } else {
        json_object *d = file_json("doc", chat_id, msg_id, 0);
        json_object_object_add(d, "file_name", json_object_new_string("file.pdf"));
        json_object_object_add(d, "mime_type", json_object_new_string("application/pdf"));
        json_object_object_add(o, "document", d);
    }
    if (caption)
        json_object_object_add(o, "caption", json_object_new_string(caption));
    if (ents)
        json_object_object_add(o, "caption_entities", json_tokener_parse(ents));
    free(ents);
}

/* The bytes of base64 text v into *data (malloc'd) and *len. Returns
 * BH_OK, or BH_EINVAL after answering the error. */
static int read_base64(json_object *v, char **data, size_t *len, bh_emu_reply *r)
{
    const char *s = json_object_get_string(v);
    size_t n = json_object_is_type(v, json_type_string) ? strlen(s) : 1;
    int out;

    /* EVP_DecodeBlock takes an int length. */
    if (n % 4 || n > INT_MAX)
        goto bad;
    if (!(*data = malloc(n / 4 * 3 + 1))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return BH_EINVAL;
    }
    if ((out = EVP_DecodeBlock((unsigned char *)*data, (const unsigned char *)s, (int)n)) < 0) {
        free(*data);
        *data = NULL;
        goto bad;
    }
    /* EVP_DecodeBlock counts the padding as bytes. */
    *len = (size_t)out - (n && s[n - 1] == '=') - (n > 1 && s[n - 2] == '=');
    return BH_OK;
bad:
    bh_emu_reply_error(r, 400, "Bad Request: data_base64 must be base64 text");
    return BH_EINVAL;
}

/* The bytes a user sends: "data" (a string, as its bytes) or
 * "data_base64". Returns BH_OK with *data malloc'd (NULL when neither is
 * given), or BH_EINVAL after answering the error. */
static int read_bytes(json_object *b, char **data, size_t *len, bh_emu_reply *r)
{
    json_object *v;
    int has = json_object_object_get_ex(b, "data", &v);
    size_t n;

    *data = NULL;
    *len = 0;
    if (has && !json_object_is_type(v, json_type_string)) {
        bh_emu_reply_error(r, 400, "Bad Request: data must be a string");
        return BH_EINVAL;
    }
    if (!has)
        return json_object_object_get_ex(b, "data_base64", &v) ? read_base64(v, data, len, r)
                                                                : BH_OK;
    n = (size_t)json_object_get_string_len(v);
    if (!(*data = malloc(n + 1))) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return BH_EINVAL;
    }
    memcpy(*data, json_object_get_string(v), n);
    *len = n;
    return BH_OK;
}

/* A message of m (just added to c) showing the file a user sent: data
 * (taken) kept by files.c, so the bot can getFile and download exactly
 * those bytes. Returns the Message, or NULL when out of memory. */
static json_object *user_file_json(bh_emu *e, bh_emu_chat *c, bh_emu_msg *m, const char *kind,
                                   const char *name, const char *caption, char *data, size_t len)
{
    bh_emu_file *f = bh_emu_file_add_locked(e, kind, name, data, len);
    char *ents = caption ? bh_emu_command_entities(caption) : NULL;
    json_object *o;
    if (!f || !(m->media = bh_emu_media_text(f, kind)) || (caption && !(m->caption = strdup(caption)))) {
        free(ents);
        return NULL;
    }
    o = bh_emu_msg_json_locked(e, c, m, 0);
    if (ents)
        json_object_object_add(o, "caption_entities", json_tokener_parse(ents));
    free(ents);
    return o;
}

/* Stores the media message of user_id in c and queues it: the file's
 * bytes when the body gives them, else made-up file ids (which getFile
 * does not know). */
static void store_media_locked(bh_emu *e, bh_emu_chat *c, int64_t user_id, json_object *b,
                               char *data, size_t len, bh_emu_reply *r)
{
    const char *kind = json_object_get_string(json_object_object_get(b, "kind"));
    const char *caption = json_object_get_string(json_object_object_get(b, "caption"));
    const char *name = json_object_get_string(json_object_object_get(b, "file_name"));
    const char *refusal = bh_emu_member_refusal_locked(c, user_id, kind);
    bh_emu_msg *m;
    json_object *o;
    if (refusal) {
        free(data);
        bh_emu_reply_error(r, 403, refusal);
        return;
    }
    if (!(m = bh_emu_msg_add_locked(c))) {
        free(data);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    m->user_id = user_id;
    if (data) {
        o = user_file_json(e, c, m, kind, name ? name : !strcmp(kind, "photo") ? "photo.jpg" : "file",
                           caption, data, len);
    } else {
        o = bh_emu_msg_json_locked(e, c, m, 0);
        add_media(o, !strcmp(kind, "photo"), caption, c->id, m->id);
    }
    if (!o) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    bh_emu_reply_queued(r, bh_emu_update_queue_locked(e, "message", o), "message_id",
                        json_object_new_int64(m->id));
}

static void inject_media(bh_emu *e, json_object *b, bh_emu_reply *r)
{
    int64_t chat_id, user_id;
    bool bad = false;
    const char *kind = bh_emu_field_str(b, "kind", r), *type;
    bh_emu_chat *c;
    char *data;
    size_t len;

    if (!kind || bh_emu_field_int(b, "chat_id", 1, &chat_id, r) != BH_OK ||
        bh_emu_field_user(b, chat_id, &user_id, r) != BH_OK)
        return;
    if (strcmp(kind, "photo") && strcmp(kind, "document")) {
        bh_emu_reply_error(r, 400, "Bad Request: kind must be photo or document");
        return;
    }
    opt_str(b, "caption", &bad, r);
    type = bad ? NULL : opt_str(b, "chat_type", &bad, r);
    if (!bad)
        opt_str(b, "file_name", &bad, r);
    if (bad || read_bytes(b, &data, &len, r) != BH_OK)
        return;
    pthread_mutex_lock(&e->lock);
    if (!(c = bh_emu_chat_get_locked(e, chat_id, type ? type : "private", user_id))) {
        free(data);
        bh_emu_reply_error(r, 500, "Internal Server Error");
    } else {
        store_media_locked(e, c, user_id, b, data, len, r);
    }
    pthread_mutex_unlock(&e->lock);
}

static const struct {
    const char *what;
    bh_emu_control_fn *fn;
} injectors[] = {
    {"update", inject_update},
    {"member", inject_member},
    {"join_request", inject_join_request},
    {"reaction", inject_reaction},
    {"poll_answer", inject_poll_answer},
    {"inline_query", inject_inline_query},
    {"chosen_inline_result", inject_chosen},
    {"media", inject_media},
    {"reply_button", bh_emu_press_reply_button},
    {"inline_callback", bh_emu_press_inline_button},
};

bh_emu_control_fn *bh_emu_inject_find(const char *what)
{
    for (size_t i = 0; i < sizeof injectors / sizeof *injectors; i++)
        if (!strcmp(what, injectors[i].what))
            return injectors[i].fn;
    return NULL;
}
