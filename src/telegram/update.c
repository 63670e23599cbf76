/*
 * Typed views of Bot API objects: Update, Message, Chat, User,
 * CallbackQuery. A view holds a reference on its JSON object, so its
 * strings (which point into the JSON) stay valid until the view is freed.
 *
 * Required fields (update_id, message_id, chat.id, a query's id and from)
 * that are missing or of the wrong type make the object malformed
 * (BH_EPROTO). Optional fields that are missing or malformed read as
 * NULL/0: one odd optional field must not cost the whole update.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "bothive/telegram.h"
#include "telegram/tg.h"

/* reply_to_message nests; Telegram sends one level, a hostile answer more. */
#define BH_TG_MAX_DEPTH 4

static int bh_message_parse_depth(json_object *obj, int depth, bh_message **out);

static int bh_user_fill(json_object *obj, bh_user *u)
{
    memset(u, 0, sizeof *u);
    if (!obj || !json_object_is_type(obj, json_type_object) || !bh_tg_get_int64(obj, "id", &u->id))
        return BH_EPROTO;
    u->is_bot = bh_tg_get_bool(obj, "is_bot");
    u->first_name = bh_tg_get_text(obj, "first_name", NULL);
    if (!u->first_name)
        u->first_name = "";
    u->last_name = bh_tg_get_text(obj, "last_name", NULL);
    u->username = bh_tg_get_text(obj, "username", NULL);
    u->language_code = bh_tg_get_text(obj, "language_code", NULL);
    u->json = json_object_get(obj);
    return BH_OK;
}

static void bh_user_clear(bh_user *u)
{
    json_object_put(u->json);
    memset(u, 0, sizeof *u);
}

int bh_user_parse(json_object *obj, bh_user **out)
{
    bh_user *u;
    int rc;
    if (!obj || !out)
        return BH_EINVAL;
    *out = NULL;
    u = calloc(1, sizeof *u);
    if (!u)
        return BH_ENOMEM;
    rc = bh_user_fill(obj, u);
    if (rc != BH_OK) {
        free(u);
        return rc;
    }
    *out = u;
    return BH_OK;
}

void bh_user_free(bh_user *u)
{
    if (!u)
        return;
    bh_user_clear(u);
    free(u);
}

/*
 * Finds the command at the start of text (the message's text, or its
 * caption: a photo or a document can carry a command too): the
 * bot_command entity at offset 0 of entities_key, or, when the message has
 * no such entities at all (some emulators and forwarded texts), a '/'
 * followed by command characters. Returns the length in bytes of
 * "/cmd@bot", or 0 if the text is not a command.
 */
static size_t bh_command_length(json_object *msg, const char *text, const char *entities_key)
{
    json_object *ents = bh_tg_get_arr(msg, entities_key);
    size_t b, n, tlen = strlen(text);

    if (text[0] != '/')
        return 0;
    for (size_t i = 0; ents && i < json_object_array_length(ents); i++) {
        json_object *e = json_object_array_get_idx(ents, i);
        const char *type = bh_tg_get_text(e, "type", NULL);
        int64_t off = -1, len = 0;
        if (!type || strcmp(type, "bot_command") || !bh_tg_get_int64(e, "offset", &off) ||
            off != 0 || !bh_tg_get_int64(e, "length", &len) || len < 2 || len > 4096 ||
            bh_utf16_range(text, tlen, 0, len, &b, &n) != BH_OK)
            continue;
        return n > 1 ? n : 0;
    }
    if (ents)
        return 0;
    b = 1;
    while (isalnum((unsigned char)text[b]) || text[b] == '_' || text[b] == '@')
        b++;
    return b > 1 && text[1] != '@' ? b : 0;
}

/* Fills command, command_bot and command_args of m from its text, or from
 * its caption when it has no text. */
static int bh_message_find_command(bh_message *m)
{
    const char *text = m->text ? m->text : bh_tg_get_text(m->json, "caption", NULL);
    size_t len;

    if (!text)
        return BH_OK;
    len = bh_command_length(m->json, text, m->text ? "entities" : "caption_entities");
    if (!len)
        return BH_OK;
    m->command_buf_ = malloc(len + 1);
    if (!m->command_buf_)
        return BH_ENOMEM;
    memcpy(m->command_buf_, text + 1, len - 1);
    m->command_buf_[len - 1] = '\0';
    m->command = m->command_buf_;
    char *at = strchr(m->command_buf_, '@');
    if (at) {
        *at = '\0';
        /* "/cmd@" names no bot: "" matches none, so no bot runs it. */
        m->command_bot = at + 1;
    }
    const char *a = text + len;
    while (*a && isspace((unsigned char)*a))
        a++;
    m->command_args = a;
    return BH_OK;
}

/* The text, refusing (with a warning) one with a NUL byte: cut there, the
 * rest of it would vanish without a word (a hook would see "/ban" of
 * "/ban\u0000 everyone"). */
static const char *bh_message_text(json_object *obj, int64_t message_id)
{
    const char *t = bh_tg_get_text(obj, "text", NULL);
    if (!t && bh_tg_get_str(obj, "text"))
        bh_log(BH_LOG_WARN, "telegram: message %lld: text with a NUL byte refused",
               (long long)message_id);
    return t;
}

static int bh_message_parse_depth(json_object *obj, int depth, bh_message **out)
{
    bh_message *m = NULL;
    json_object *chat, *sub;
    int rc;

    *out = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object))
        return BH_EPROTO;
    m = calloc(1, sizeof *m);
    if (!m)
        return BH_ENOMEM;
    m->json = json_object_get(obj);
    rc = BH_EPROTO;
    if (!bh_tg_get_int64(obj, "message_id", &m->message_id) ||
        !json_object_object_get_ex(obj, "chat", &chat) ||
        !bh_tg_get_int64(chat, "id", &m->chat.id))
        goto fail;
    m->chat.type = bh_tg_get_text(chat, "type", NULL);
    if (!m->chat.type)
        m->chat.type = "";
    m->chat.title = bh_tg_get_text(chat, "title", NULL);
    m->chat.username = bh_tg_get_text(chat, "username", NULL);
    m->chat.first_name = bh_tg_get_text(chat, "first_name", NULL);
    bh_tg_get_int64(obj, "date", &m->date);
    bh_tg_get_int64(obj, "edit_date", &m->edit_date);
    m->text = bh_message_text(obj, m->message_id);

    if (json_object_object_get_ex(obj, "from", &sub)) {
        rc = bh_user_parse(sub, &m->from);
        if (rc == BH_ENOMEM)
            goto fail;
    }
    if (depth < BH_TG_MAX_DEPTH && json_object_object_get_ex(obj, "reply_to_message", &sub)) {
        rc = bh_message_parse_depth(sub, depth + 1, &m->reply_to);
        if (rc == BH_ENOMEM)
            goto fail;
    }
    if ((rc = bh_message_find_command(m)) != BH_OK)
        goto fail;
    *out = m;
    return BH_OK;
fail:
    bh_message_free(m);
    return rc;
}

int bh_message_parse(json_object *obj, bh_message **out)
{
    if (!obj || !out)
        return BH_EINVAL;
    return bh_message_parse_depth(obj, 0, out);
}

void bh_message_free(bh_message *m)
{
    if (!m)
        return;
    bh_user_free(m->from);
    bh_message_free(m->reply_to);
    free(m->command_buf_);
    json_object_put(m->json);
    free(m);
}

static void bh_callback_query_free(bh_callback_query *q)
{
    if (!q)
        return;
    bh_user_clear(&q->from);
    bh_message_free(q->message);
    free(q);
}

static int bh_callback_query_parse(json_object *obj, bh_callback_query **out)
{
    bh_callback_query *q;
    json_object *sub;
    int rc = BH_EPROTO;

    *out = NULL;
    if (!obj || !json_object_is_type(obj, json_type_object))
        return BH_EPROTO;
    q = calloc(1, sizeof *q);
    if (!q)
        return BH_ENOMEM;
    q->id = bh_tg_get_text(obj, "id", NULL);
    if (!q->id || !json_object_object_get_ex(obj, "from", &sub) ||
        bh_user_fill(sub, &q->from) != BH_OK)
        goto fail;
    if (json_object_object_get_ex(obj, "message", &sub)) {
        rc = bh_message_parse_depth(sub, 0, &q->message);
        if (rc == BH_ENOMEM)
            goto fail;
    }
    q->inline_message_id = bh_tg_get_text(obj, "inline_message_id", NULL);
    q->chat_instance = bh_tg_get_text(obj, "chat_instance", NULL);
    if (!q->chat_instance)
        q->chat_instance = "";
    q->data = bh_tg_get_text(obj, "data", NULL);
    q->game_short_name = bh_tg_get_text(obj, "game_short_name", NULL);
    q->json = obj;
    *out = q;
    return BH_OK;
fail:
    bh_callback_query_free(q);
    return rc;
}

/* An update_id that cannot be followed: the next offset (id + 1) must be
 * an int64 too, and ids are never negative. */
static int bh_update_id_valid(int64_t id)
{
    return id >= 0 && id < INT64_MAX;
}

/* Finds the kind's field: the first one of a known kind, else the first
 * other field beside update_id (a kind the Bot API added later). */
static void bh_update_find_kind(bh_update *u)
{
    u->kind_key = "";
    json_object_object_foreach(u->json, name, v) {
        if (!strcmp(name, "update_id"))
            continue;
        bh_update_kind k = bh_update_kind_from_name(name);
        if (k == BH_UPDATE_OTHER && u->kind_key[0])
            continue;
        u->kind = k;
        u->kind_key = name;
        u->object = json_object_is_type(v, json_type_object) ? v : NULL;
        if (k != BH_UPDATE_OTHER)
            return;
    }
}

/* Parses the kind's object: messages and callback queries have their views
 * made here; the other kinds are read lazily (views.c) but must at least
 * be objects. */
static int bh_update_parse_object(bh_update *u)
{
    if (u->kind == BH_UPDATE_OTHER)
        return BH_OK;
    if (!u->object)
        return BH_EPROTO;
    if (u->kind == BH_UPDATE_CALLBACK_QUERY)
        return bh_callback_query_parse(u->object, &u->callback_query);
    if (bh_update_kind_is_message(u->kind))
        return bh_message_parse_depth(u->object, 0, &u->message);
    return BH_OK;
}

int bh_update_parse(json_object *obj, bh_update **out)
{
    bh_update *u;
    int rc = BH_EPROTO;

    if (!obj || !out)
        return BH_EINVAL;
    *out = NULL;
    if (!json_object_is_type(obj, json_type_object))
        return BH_EPROTO;
    u = calloc(1, sizeof *u);
    if (!u)
        return BH_ENOMEM;
    u->json = json_object_get(obj);
    if (!bh_tg_get_int64(obj, "update_id", &u->update_id) || !bh_update_id_valid(u->update_id))
        goto fail;
    bh_update_find_kind(u);
    if ((rc = bh_update_parse_object(u)) != BH_OK)
        goto fail;
    *out = u;
    return BH_OK;
fail:
    bh_update_free(u);
    return rc;
}

void bh_update_free(bh_update *u)
{
    if (!u)
        return;
    bh_message_free(u->message);
    bh_callback_query_free(u->callback_query);
    json_object_put(u->json);
    free(u);
}

json_object *bh_update_json(const bh_update *u)
{
    return u ? u->json : NULL;
}

int bh_updates_parse(json_object *result, bh_update_batch *out)
{
    size_t n;
    int64_t max_id = -1;

    if (!result || !out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (!json_object_is_type(result, json_type_array))
        return BH_EPROTO;
    n = json_object_array_length(result);
    if (n) {
        out->items = calloc(n, sizeof *out->items);
        if (!out->items)
            return BH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(result, i);
        int64_t id;
        int has_id = bh_tg_get_int64(item, "update_id", &id);
        if (has_id && !bh_update_id_valid(id)) {
            /* No offset can confirm it, and id + 1 would overflow. */
            bh_log(BH_LOG_ERROR, "telegram: update_id %lld cannot be followed; refused",
                   (long long)id);
            has_id = 0;
        }
        if (has_id && id > max_id)
            max_id = id;
        int rc = bh_update_parse(item, &out->items[out->count]);
        if (rc == BH_ENOMEM) {
            bh_update_batch_free(out);
            return rc;
        }
        if (rc != BH_OK) {
            out->skipped++;
            if (has_id)
                bh_log(BH_LOG_WARN, "telegram: skipping malformed update %lld", (long long)id);
            else
                bh_log(BH_LOG_WARN, "telegram: skipping an update without a valid update_id");
            continue;
        }
        out->count++;
    }
    out->next_offset = max_id >= 0 ? max_id + 1 : 0;
    return BH_OK;
}

void bh_update_batch_free(bh_update_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        bh_update_free(b->items[i]);
    free(b->items);
    memset(b, 0, sizeof *b);
}
