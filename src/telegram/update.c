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
    u->first_name = bh_tg_get_str(obj, "first_name");
    if (!u->first_name)
        u->first_name = "";
    u->last_name = bh_tg_get_str(obj, "last_name");
    u->username = bh_tg_get_str(obj, "username");
    u->language_code = bh_tg_get_str(obj, "language_code");
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
 * Converts an offset in UTF-16 code units (the unit of Telegram's entity
 * offsets and lengths) into a byte offset in the UTF-8 text. Returns -1 if
 * the text is shorter. Invalid UTF-8 bytes count as one unit each.
 */
static long bh_utf16_to_byte(const char *text, long units)
{
    const unsigned char *s = (const unsigned char *)text;
    long b = 0, u = 0;
    while (u < units) {
        unsigned char ch = s[b];
        int len, w;
        if (!ch)
            return -1;
        if (ch < 0x80)
            len = 1, w = 1;
        else if ((ch & 0xe0) == 0xc0)
            len = 2, w = 1;
        else if ((ch & 0xf0) == 0xe0)
            len = 3, w = 1;
        else if ((ch & 0xf8) == 0xf0)
            len = 4, w = 2; /* outside the BMP: a surrogate pair */
        else
            len = 1, w = 1;
        for (int k = 1; k < len; k++)
            if ((s[b + k] & 0xc0) != 0x80) {
                len = 1, w = 1;
                break;
            }
        b += len;
        u += w;
    }
    return b;
}

/*
 * Finds the command at the start of the text: the bot_command entity at
 * offset 0, or, when the message has no entities at all (some emulators
 * and forwarded texts), a '/' followed by command characters. Returns the
 * length in bytes of "/cmd@bot", or 0 if the text is not a command.
 */
static size_t bh_command_length(json_object *msg, const char *text)
{
    json_object *ents;
    if (text[0] != '/')
        return 0;
    if (json_object_object_get_ex(msg, "entities", &ents) &&
        json_object_is_type(ents, json_type_array)) {
        size_t n = json_object_array_length(ents);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(ents, i);
            const char *type = bh_tg_get_str(e, "type");
            int64_t off = -1, len = 0;
            if (!type || strcmp(type, "bot_command") || !bh_tg_get_int64(e, "offset", &off) ||
                off != 0 || !bh_tg_get_int64(e, "length", &len) || len < 2 || len > 4096)
                continue;
            long b = bh_utf16_to_byte(text, (long)len);
            return b > 1 ? (size_t)b : 0;
        }
        return 0;
    }
    size_t b = 1;
    while (isalnum((unsigned char)text[b]) || text[b] == '_' || text[b] == '@')
        b++;
    return b > 1 && text[1] != '@' ? b : 0;
}

/* Fills command, command_bot and command_args of m from its text. */
static int bh_message_find_command(bh_message *m)
{
    size_t len = bh_command_length(m->json, m->text);
    if (!len)
        return BH_OK;
    m->command_buf_ = malloc(len + 1);
    if (!m->command_buf_)
        return BH_ENOMEM;
    memcpy(m->command_buf_, m->text + 1, len - 1);
    m->command_buf_[len - 1] = '\0';
    m->command = m->command_buf_;
    char *at = strchr(m->command_buf_, '@');
    if (at) {
        *at = '\0';
        m->command_bot = at[1] ? at + 1 : NULL;
    }
    const char *a = m->text + len;
    while (*a && isspace((unsigned char)*a))
        a++;
    m->command_args = a;
    return BH_OK;
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
    m->chat.type = bh_tg_get_str(chat, "type");
    if (!m->chat.type)
        m->chat.type = "";
    m->chat.title = bh_tg_get_str(chat, "title");
    m->chat.username = bh_tg_get_str(chat, "username");
    m->chat.first_name = bh_tg_get_str(chat, "first_name");
    bh_tg_get_int64(obj, "date", &m->date);
    bh_tg_get_int64(obj, "edit_date", &m->edit_date);
    m->text = bh_tg_get_str(obj, "text");

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
    if (m->text) {
        rc = bh_message_find_command(m);
        if (rc != BH_OK)
            goto fail;
    }
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
    q->id = bh_tg_get_str(obj, "id");
    if (!q->id || !json_object_object_get_ex(obj, "from", &sub) ||
        bh_user_fill(sub, &q->from) != BH_OK)
        goto fail;
    if (json_object_object_get_ex(obj, "message", &sub)) {
        rc = bh_message_parse_depth(sub, 0, &q->message);
        if (rc == BH_ENOMEM)
            goto fail;
    }
    q->inline_message_id = bh_tg_get_str(obj, "inline_message_id");
    q->chat_instance = bh_tg_get_str(obj, "chat_instance");
    if (!q->chat_instance)
        q->chat_instance = "";
    q->data = bh_tg_get_str(obj, "data");
    *out = q;
    return BH_OK;
fail:
    bh_callback_query_free(q);
    return rc;
}

static const struct {
    const char *key;
    bh_update_kind kind;
} bh_update_kinds[] = {
    {"message", BH_UPDATE_MESSAGE},
    {"edited_message", BH_UPDATE_EDITED_MESSAGE},
    {"channel_post", BH_UPDATE_CHANNEL_POST},
    {"edited_channel_post", BH_UPDATE_EDITED_CHANNEL_POST},
    {"callback_query", BH_UPDATE_CALLBACK_QUERY},
};

const char *bh_update_kind_name(bh_update_kind kind)
{
    for (size_t i = 0; i < sizeof bh_update_kinds / sizeof bh_update_kinds[0]; i++)
        if (bh_update_kinds[i].kind == kind)
            return bh_update_kinds[i].key;
    return "other";
}

int bh_update_parse(json_object *obj, bh_update **out)
{
    bh_update *u;
    json_object *sub;
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
    if (!bh_tg_get_int64(obj, "update_id", &u->update_id))
        goto fail;
    u->kind = BH_UPDATE_OTHER;
    for (size_t i = 0; i < sizeof bh_update_kinds / sizeof bh_update_kinds[0]; i++) {
        if (!json_object_object_get_ex(obj, bh_update_kinds[i].key, &sub))
            continue;
        u->kind = bh_update_kinds[i].kind;
        if (u->kind == BH_UPDATE_CALLBACK_QUERY)
            rc = bh_callback_query_parse(sub, &u->callback_query);
        else
            rc = bh_message_parse_depth(sub, 0, &u->message);
        if (rc != BH_OK)
            goto fail;
        break;
    }
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
                bh_log(BH_LOG_WARN, "telegram: skipping an update without an integer update_id");
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
