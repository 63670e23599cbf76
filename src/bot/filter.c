/*
 * Filters: predicates on the running update that guard a hook. Checked
 * before the hook runs (bh_hook_call, and a conversation's matching); a
 * refused hook is skipped. The administrators of a chat are asked of
 * Telegram once and kept in the bot's store for five minutes, for every
 * worker.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/log.h"
#include "internal.h"

#define BH_ADMINS_TTL_MS (5 * 60 * 1000)

enum bh_filter_op { F_CHAT_TYPE, F_CHATS, F_USERS, F_ADMINS, F_CONTENT, F_REGEX, F_AND, F_OR,
                    F_NOT };

struct bh_filter {
    enum bh_filter_op op;
    unsigned mask;
    int64_t *ids;
    size_t n;
    regex_t re;
    int has_re;
    bh_filter *a, *b;
};

static bh_filter *filter_new(enum bh_filter_op op, unsigned mask)
{
    bh_filter *f = calloc(1, sizeof *f);
    if (f) {
        f->op = op;
        f->mask = mask;
    }
    return f;
}

void bh_filter_free(bh_filter *f)
{
    if (!f)
        return;
    bh_filter_free(f->a);
    bh_filter_free(f->b);
    if (f->has_re)
        regfree(&f->re);
    free(f->ids);
    free(f);
}

bh_filter *bh_filter_chat_type(unsigned types)
{
    return types ? filter_new(F_CHAT_TYPE, types) : NULL;
}

static bh_filter *ids_filter(enum bh_filter_op op, const int64_t *ids, size_t n)
{
    bh_filter *f;

    /* n * sizeof must not wrap: a short copy would be read as n ids. */
    if (!ids || n == 0 || n > SIZE_MAX / sizeof *ids || !(f = filter_new(op, 0)))
        return NULL;
    if (!(f->ids = malloc(n * sizeof *ids))) {
        free(f);
        return NULL;
    }
    memcpy(f->ids, ids, n * sizeof *ids);
    f->n = n;
    return f;
}

bh_filter *bh_filter_chats(const int64_t *ids, size_t n)
{
    return ids_filter(F_CHATS, ids, n);
}

bh_filter *bh_filter_users(const int64_t *ids, size_t n)
{
    return ids_filter(F_USERS, ids, n);
}

bh_filter *bh_filter_admins(void)
{
    return filter_new(F_ADMINS, 0);
}

bh_filter *bh_filter_content(unsigned kinds)
{
    return kinds ? filter_new(F_CONTENT, kinds) : NULL;
}

bh_filter *bh_filter_regex(const char *regex, unsigned flags)
{
    bh_filter *f;

    if (!regex || !(f = filter_new(F_REGEX, 0)))
        return NULL;
    if (regcomp(&f->re, regex,
                REG_EXTENDED | REG_NOSUB | (flags & BH_IGNORE_CASE ? REG_ICASE : 0))) {
        free(f);
        return NULL;
    }
    f->has_re = 1;
    return f;
}

static bh_filter *combine(enum bh_filter_op op, bh_filter *a, bh_filter *b)
{
    bh_filter *f = NULL;

    if (a && (b || op == F_NOT) && (f = filter_new(op, 0))) {
        f->a = a;
        f->b = b;
        return f;
    }
    bh_filter_free(a);
    bh_filter_free(b);
    return NULL;
}

bh_filter *bh_filter_and(bh_filter *a, bh_filter *b)
{
    return combine(F_AND, a, b);
}

bh_filter *bh_filter_or(bh_filter *a, bh_filter *b)
{
    return combine(F_OR, a, b);
}

bh_filter *bh_filter_not(bh_filter *a)
{
    return combine(F_NOT, a, NULL);
}

/* ---- Checking ---- */

static unsigned chat_type_bit(const char *type)
{
    static const char *const names[] = {"private", "group", "supergroup", "channel"};
    for (unsigned i = 0; i < 4; i++)
        if (type && !strcmp(type, names[i]))
            return 1u << i;
    return 0;
}

static int has_id(const bh_filter *f, int64_t id)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->ids[i] == id)
            return 1;
    return 0;
}

static int content_of(const bh_message *msg, unsigned kinds)
{
    static const char *const fields[] = {"text",    "photo",   "document",  "video",
                                         "audio",   "voice",   "sticker",   "animation",
                                         "location", "contact", "poll",     "video_note"};
    for (unsigned i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if ((kinds & (1u << i)) && json_object_object_get_ex(msg->json, fields[i], NULL))
            return 1;
    return 0;
}

static int regex_of(const bh_filter *f, const bh_message *msg)
{
    const char *text = msg->text ? msg->text : bh_message_caption(msg, NULL);
    return text && regexec(&f->re, text, 0, NULL, 0) == 0;
}

/* The cached administrators of chat: 1 if user is one, 0 if not, or a
 * negative code. */
static int admins_cached(bh_shared *m, const char *key, int64_t user)
{
    char *text = NULL;
    json_object *arr;
    int rc = bh_shared_get_json(m, key, &text), found = 0;

    if (rc != BH_OK)
        return rc;
    if ((arr = json_tokener_parse(text)) && json_object_is_type(arr, json_type_array))
        for (size_t i = 0; i < json_object_array_length(arr); i++)
            found |= json_object_get_int64(json_object_array_get_idx(arr, i)) == user;
    rc = arr ? found : BH_EJSON;
    json_object_put(arr);
    free(text);
    return rc;
}

/* Asks Telegram for chat's administrators and keeps their ids. */
static int admins_fetch(bh_ctx *ctx, bh_shared *m, const char *key, int64_t chat)
{
    bh_client *c = bh_bot_client(ctx->bot);
    bh_chat_member *mem = NULL;
    json_object *arr;
    size_t n = 0;
    int rc;

    if (!c)
        return BH_ENOMEM;
    if ((rc = bh_client_get_chat_administrators(c, chat, &mem, &n)) != BH_OK)
        return rc;
    if (!(arr = json_object_new_array())) {
        bh_chat_members_free(mem, n);
        return BH_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, json_object_new_int64(mem[i].user_id));
    bh_value v = bh_value_json(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    rc = bh_shared_put(m, key, &v, 0, BH_ADMINS_TTL_MS);
    json_object_put(arr);
    bh_chat_members_free(mem, n);
    return rc;
}

static int is_admin(bh_ctx *ctx, int64_t chat, int64_t user)
{
    bh_shared *m;
    char key[48];
    int rc;

    if (!chat || !user || chat == user) /* a private chat has no administrators */
        return 0;
    if ((rc = bh_bot_internal_memory(ctx->bot, &m)) != BH_OK)
        return rc;
    snprintf(key, sizeof key, "admins:%lld", (long long)chat);
    if ((rc = admins_cached(m, key, user)) != BH_ENOTFOUND)
        return rc;
    if ((rc = admins_fetch(ctx, m, key, chat)) != BH_OK)
        return rc;
    return admins_cached(m, key, user);
}

int bh_filter_check(bh_ctx *ctx, const bh_filter *f)
{
    json_object *chat, *type;
    int64_t cid, uid;
    int a;

    if (!ctx || !f || !ctx->update)
        return 0;
    bh_ctx_ids(ctx, &cid, &uid);
    switch (f->op) {
    case F_CHAT_TYPE:
        chat = bh_update_chat_object(ctx->update);
        return chat && json_object_object_get_ex(chat, "type", &type) &&
               (chat_type_bit(json_object_get_string(type)) & f->mask);
    case F_CHATS: return cid && has_id(f, cid);
    case F_USERS: return uid && has_id(f, uid);
    case F_ADMINS: return is_admin(ctx, cid, uid);
    case F_CONTENT: return ctx->update->message && content_of(ctx->update->message, f->mask);
    case F_REGEX: return ctx->update->message && regex_of(f, ctx->update->message);
    case F_NOT: return (a = bh_filter_check(ctx, f->a)) < 0 ? a : !a;
    case F_AND:
        if ((a = bh_filter_check(ctx, f->a)) <= 0)
            return a;
        return bh_filter_check(ctx, f->b);
    case F_OR:
        if ((a = bh_filter_check(ctx, f->a)) != 0)
            return a;
        return bh_filter_check(ctx, f->b);
    }
    return 0;
}

int bh_hook_filter_ok(bh_ctx *ctx, const struct bh_hook *h)
{
    int rc = bh_filter_check(ctx, h->filter);
    if (rc < 0)
        bh_log(BH_LOG_WARN, "update %lld: filter of hook %s failed (%s): hook skipped",
               (long long)ctx->update_id, bh_hook_name(h), bh_strerror(rc));
    return rc > 0;
}

/* Adds f to *slot (by and, if it already has one); f is taken. Out of
 * memory, the slot keeps the filter it had: a hook must never lose a
 * guard (bh_filter_and would free both). */
int bh_filter_attach(bh_filter **slot, bh_filter *f)
{
    bh_filter *and;

    if (!f)
        return BH_EINVAL;
    if (!*slot) {
        *slot = f;
        return BH_OK;
    }
    if (!(and = filter_new(F_AND, 0))) {
        bh_filter_free(f);
        return BH_ENOMEM;
    }
    and->a = *slot;
    and->b = f;
    *slot = and;
    return BH_OK;
}

int bh_component_filter(bh_component *c, bh_filter *f)
{
    if (!c || !c->nhooks) {
        bh_filter_free(f);
        return BH_EINVAL;
    }
    return bh_filter_attach(&c->hooks[c->nhooks - 1].filter, f);
}

int bh_bot_filter(bh_bot *bot, bh_filter *f)
{
    return bh_component_filter(bot ? bot->main : NULL, f);
}
