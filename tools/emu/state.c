/*
 * The emulator's world: chats and their messages, the queue of updates the
 * bot has not confirmed yet, pressed buttons, counters. Functions ending in
 * _locked expect the caller to hold e->lock.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "emu.h"

/* Sets up an empty world for the bot of `token` (its id is the number before
 * the colon). Returns BH_OK, BH_EINVAL for a token without a numeric id, or
 * BH_ENOMEM. */
int bh_emu_init(bh_emu *e, const char *token)
{
    char *end;
    memset(e, 0, sizeof *e);
    long long id = strtoll(token, &end, 10);
    if (end == token || *end != ':' || id <= 0 || !end[1])
        return BH_EINVAL;
    e->token = strdup(token);
    if (!e->token)
        return BH_ENOMEM;
    e->bot_id = id;
    e->webhook_backoff = (bh_backoff){.initial_ms = BH_EMU_WEBHOOK_BACKOFF_MIN_MS,
                                      .max_ms = BH_EMU_WEBHOOK_BACKOFF_MAX_MS};
    pthread_mutex_init(&e->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cond, &ca);
    pthread_condattr_destroy(&ca);
    e->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
    bh_emu_flood_defaults(&e->flood, 0);
    bh_emu_reset_locked(e);
    return BH_OK;
}

/* Frees a chat and its messages. */
static void chat_free(bh_emu_chat *c)
{
    for (size_t i = 0; i < c->nmsgs; i++) {
        free(c->msgs[i].text);
        free(c->msgs[i].parse_mode);
        free(c->msgs[i].reply_markup);
        free(c->msgs[i].entities);
        free(c->msgs[i].media);
        free(c->msgs[i].caption);
        free(c->msgs[i].media_group_id);
        free(c->msgs[i].extra);
    }
    bh_emu_members_free(c);
    free(c->permissions);
    free(c->invite_links);
    free(c->description);
    free(c->photo_file_id);
    free(c->menu_button);
    free(c->topics);
    free(c->msgs);
    free(c->title);
    free(c);
}

/* Empties the queue without counting the updates as confirmed. */
void bh_emu_update_drop_all_locked(bh_emu *e)
{
    while (e->uhead) {
        bh_emu_update *u = e->uhead;
        e->uhead = u->next;
        free(u->json);
        free(u);
    }
    e->utail = NULL;
    e->pending = 0;
}

/* Forgets the webhook (its URL, secret, last error and retry schedule)
 * and wakes the delivery thread and long polls, which see the change by
 * webhook_generation. */
void bh_emu_webhook_clear_locked(bh_emu *e)
{
    free(e->webhook_url);
    free(e->webhook_secret);
    free(e->webhook_last_error);
    e->webhook_url = e->webhook_secret = e->webhook_last_error = NULL;
    e->webhook_last_error_date = 0;
    e->webhook_retry_at_ms = 0;
    bh_backoff_reset(&e->webhook_backoff);
    e->webhook_generation++;
    pthread_cond_broadcast(&e->cond);
}

/* Frees every chat. */
static void free_chats(bh_emu *e)
{
    for (size_t b = 0; b < BH_EMU_CHAT_BUCKETS; b++) {
        while (e->chats[b]) {
            bh_emu_chat *c = e->chats[b];
            e->chats[b] = c->next;
            chat_free(c);
        }
    }
}

/* The pressed buttons, and the by_method counters. */
static void free_callbacks_and_counts(bh_emu *e)
{
    while (e->callbacks) {
        bh_emu_callback *cb = e->callbacks;
        e->callbacks = cb->next;
        free(cb->answer_text);
        free(cb);
    }
    while (e->by_method) {
        bh_emu_method_count *m = e->by_method;
        e->by_method = m->next;
        free(m);
    }
}

/* Forgets everything but the token: chats, updates, buttons, commands, the
 * webhook, faults and counters. Update ids restart at 1. Waiters are woken
 * so that a long poll sees the new world. */
void bh_emu_reset_locked(bh_emu *e)
{
    free_chats(e);
    bh_emu_update_drop_all_locked(e);
    free_callbacks_and_counts(e);
    bh_emu_answers_free_locked(e);
    bh_emu_joins_free_locked(e);
    bh_emu_files_free_locked(e);
    free(e->profile);
    free(e->settings);
    e->profile = e->settings = NULL;
    free(e->allowed_updates);
    free(e->commands);
    free(e->sticker_sets);
    e->allowed_updates = e->commands = e->sticker_sets = NULL;
    bh_emu_webhook_clear_locked(e);
    e->global_retry_until_ms = 0;
    bh_emu_flood_reset_locked(e);
    e->next_update_id = 1;
    e->next_callback_id = 1;
    memset(&e->faults, 0, sizeof e->faults);
    e->faults.retry_after = 1;
    memset(&e->stats, 0, sizeof e->stats);
    pthread_cond_broadcast(&e->cond);
}

/* Frees the world. The HTTP server and the webhook thread must be stopped. */
void bh_emu_destroy(bh_emu *e)
{
    bh_emu_reset_locked(e);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    free(e->token);
    e->token = NULL;
}

/* The hash bucket of chat id. */
static size_t chat_bucket(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 32) % BH_EMU_CHAT_BUCKETS;
}

/* The chat `id`, or NULL when no user wrote in it yet. */
bh_emu_chat *bh_emu_chat_find_locked(bh_emu *e, int64_t id)
{
    for (bh_emu_chat *c = e->chats[chat_bucket(id)]; c; c = c->next)
        if (c->id == id)
            return c;
    return NULL;
}

/* Finds chat `id`, creating it with the given type when a user writes in it
 * for the first time. A chat keeps the type it was created with. Returns
 * NULL only when out of memory. */
bh_emu_chat *bh_emu_chat_get_locked(bh_emu *e, int64_t id, const char *type, int64_t user_id)
{
    bh_emu_chat *c = bh_emu_chat_find_locked(e, id);
    size_t b = chat_bucket(id);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = id;
    snprintf(c->type, sizeof c->type, "%s", type);
    c->user_id = user_id;
    /* Unsigned negation: -INT64_MIN would overflow. */
    if (strcmp(type, "private") != 0 &&
        asprintf(&c->title, "Group %" PRIu64, id < 0 ? 0 - (uint64_t)id : (uint64_t)id) < 0) {
        free(c);
        return NULL;
    }
    c->next = e->chats[b];
    e->chats[b] = c;
    return c;
}

/* The message `id` of chat c if it exists and was not deleted. */
bh_emu_msg *bh_emu_msg_find(bh_emu_chat *c, int64_t id)
{
    if (id < 1 || (uint64_t)id > c->nmsgs || c->msgs[id - 1].deleted)
        return NULL;
    return &c->msgs[id - 1];
}

/* Appends a zeroed message with the next id of the chat (ids are per chat
 * and start at 1, as in Telegram's private chats and groups) and today's
 * date. The pointer is valid until the next append. NULL if no memory. */
bh_emu_msg *bh_emu_msg_add_locked(bh_emu_chat *c)
{
    bh_emu_msg *msgs = bh_grow(c->msgs, &c->capmsgs, c->nmsgs + 1, sizeof *msgs, 16);
    if (!msgs)
        return NULL;
    c->msgs = msgs;
    bh_emu_msg *m = &c->msgs[c->nmsgs];
    memset(m, 0, sizeof *m);
    m->id = (int64_t)++c->nmsgs;
    m->date = (int64_t)time(NULL);
    return m;
}

/* The User object of user_id, named "User <id>". */
json_object *bh_emu_user_json(int64_t user_id)
{
    char name[48];
    json_object *u = json_object_new_object();
    snprintf(name, sizeof name, "User %" PRId64, user_id);
    json_object_object_add(u, "id", json_object_new_int64(user_id));
    json_object_object_add(u, "is_bot", json_object_new_boolean(0));
    json_object_object_add(u, "first_name", json_object_new_string(name));
    json_object_object_add(u, "language_code", json_object_new_string("en"));
    return u;
}

/* The User object of the bot. */
json_object *bh_emu_bot_json(const bh_emu *e)
{
    json_object *u = json_object_new_object();
    json_object_object_add(u, "id", json_object_new_int64(e->bot_id));
    json_object_object_add(u, "is_bot", json_object_new_boolean(1));
    json_object_object_add(u, "first_name", json_object_new_string("Emu Bot"));
    json_object_object_add(u, "username", json_object_new_string("emu_bot"));
    return u;
}

/* The Chat object of c: a group's title, or a private chat's user name. */
json_object *bh_emu_chat_json(const bh_emu_chat *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(c->id));
    json_object_object_add(o, "type", json_object_new_string(c->type));
    if (c->title) {
        json_object_object_add(o, "title", json_object_new_string(c->title));
    } else {
        char name[48];
        snprintf(name, sizeof name, "User %" PRId64, c->user_id);
        json_object_object_add(o, "first_name", json_object_new_string(name));
    }
    return o;
}

/* Adds the JSON text `text` to o as key, when it parses. */
static void add_parsed(json_object *o, const char *key, const char *text)
{
    json_object *v = text ? json_tokener_parse(text) : NULL;
    if (v)
        json_object_object_add(o, key, v);
}

/* The Message object of m in chat c, as the Bot API shows it. depth 0
 * includes the replied-to message (one level only, as Telegram does).
 * Only inline keyboards are part of a Message, again as in Telegram. */
json_object *bh_emu_msg_json_locked(bh_emu *e, bh_emu_chat *c, const bh_emu_msg *m, int depth)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "message_id", json_object_new_int64(m->id));
    json_object_object_add(o, "from", m->from_bot ? bh_emu_bot_json(e)
                                                   : bh_emu_user_lang(bh_emu_user_json(m->user_id), m->lang));
    json_object_object_add(o, "chat", bh_emu_chat_json(c));
    json_object_object_add(o, "date", json_object_new_int64(m->date));
    if (m->edited)
        json_object_object_add(o, "edit_date", json_object_new_int64(m->edit_date));
    if (m->fwd_chat_id) {
        bh_emu_chat *from = bh_emu_chat_find_locked(e, m->fwd_chat_id);
        if (from)
            json_object_object_add(o, "forward_from_chat", bh_emu_chat_json(from));
        json_object_object_add(o, "forward_from_message_id", json_object_new_int64(m->fwd_msg_id));
        json_object_object_add(o, "forward_date", json_object_new_int64(m->date));
    }
    if (m->reply_to && depth == 0) {
        bh_emu_msg *r = bh_emu_msg_find(c, m->reply_to);
        if (r)
            json_object_object_add(o, "reply_to_message", bh_emu_msg_json_locked(e, c, r, 1));
    }
    if (m->media) {
        /* A photo or document: its fields, a caption instead of a text. */
        json_object *media = json_tokener_parse(m->media);
        if (media) {
            json_object_object_foreach(media, k, v)
                json_object_object_add(o, k, json_object_get(v));
            json_object_put(media);
        }
        if (m->caption)
            json_object_object_add(o, "caption", json_object_new_string(m->caption));
        if (m->media_group_id)
            json_object_object_add(o, "media_group_id", json_object_new_string(m->media_group_id));
    } else {
        json_object_object_add(o, "text", json_object_new_string(m->text ? m->text : ""));
    }
    add_parsed(o, "entities", m->entities);
    if (m->extra) {
        json_object *x = json_tokener_parse(m->extra);
        if (x) {
            json_object_object_foreach(x, k, v)
                json_object_object_add(o, k, json_object_get(v));
            json_object_put(x);
        }
    }
    if (m->reply_markup) {
        json_object *rm = json_tokener_parse(m->reply_markup);
        if (rm && json_object_object_get_ex(rm, "inline_keyboard", NULL))
            json_object_object_add(o, "reply_markup", rm);
        else
            json_object_put(rm);
    }
    return o;
}

/* The allowed_updates filter as a parsed array, or NULL when there is
 * none or it is empty: then, as in Telegram, every kind passes but those
 * sent only on request (chat_member, message_reaction...). */
static json_object *allowed_parse_locked(const bh_emu *e)
{
    json_object *a = e->allowed_updates ? json_tokener_parse(e->allowed_updates) : NULL;
    if (a && (!json_object_is_type(a, json_type_array) || json_object_array_length(a) == 0)) {
        json_object_put(a);
        a = NULL;
    }
    return a;
}

/* Whether the filter a (NULL: none) lets updates of `type` through. As
 * Telegram does, chat_member and the reactions come only when asked for
 * by name. */
static bool allowed_has(json_object *a, const char *type)
{
    if (!a)
        return strcmp(type, "chat_member") && strcmp(type, "message_reaction") &&
               strcmp(type, "message_reaction_count");
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(a, i));
        if (t && !strcmp(t, type))
            return true;
    }
    return false;
}

/* Drops from the queue the updates the current filter excludes: Telegram
 * never stores updates of kinds the bot did not ask for. */
void bh_emu_update_filter_locked(bh_emu *e)
{
    json_object *a = allowed_parse_locked(e);
    bh_emu_update **pp = &e->uhead, *last = NULL;
    while (*pp) {
        bh_emu_update *u = *pp;
        if (!allowed_has(a, u->type)) {
            *pp = u->next;
            free(u->json);
            free(u);
            e->pending--;
            e->stats.updates_filtered++;
        } else {
            last = u;
            pp = &u->next;
        }
    }
    e->utail = last;
    json_object_put(a);
}

/* Queues an update of `type` whose payload (the message, callback query...)
 * is `payload` (the reference is taken). Returns its update_id, or -1 if no
 * memory. Long polls and the webhook thread are woken. */
int64_t bh_emu_update_queue_locked(bh_emu *e, const char *type, json_object *payload)
{
    bh_emu_update *u = calloc(1, sizeof *u);
    json_object *o = json_object_new_object();
    if (!u || !o)
        goto fail;
    u->id = e->next_update_id;
    snprintf(u->type, sizeof u->type, "%s", type);
    json_object_object_add(o, "update_id", json_object_new_int64(u->id));
    json_object_object_add(o, type, payload);
    payload = NULL;
    u->json = bh_emu_json_text(o);
    if (!u->json)
        goto fail;
    json_object_put(o);
    e->next_update_id++;
    if (e->utail)
        e->utail->next = u;
    else
        e->uhead = u;
    e->utail = u;
    e->pending++;
    e->stats.updates_queued++;
    pthread_cond_broadcast(&e->cond);
    return u->id;
fail:
    json_object_put(payload);
    json_object_put(o);
    free(u);
    return -1;
}

/* Confirms (drops) every update whose id is below offset, as getUpdates'
 * offset and a delivered webhook do. */
void bh_emu_update_confirm_locked(bh_emu *e, int64_t offset)
{
    while (e->uhead && e->uhead->id < offset) {
        bh_emu_update *u = e->uhead;
        e->uhead = u->next;
        free(u->json);
        free(u);
        e->pending--;
        e->stats.updates_confirmed++;
    }
    if (!e->uhead)
        e->utail = NULL;
}

/* Counts one call of a Bot API method for the by_method statistics. */
void bh_emu_count_method_locked(bh_emu *e, const char *method)
{
    bh_emu_method_count *m;
    for (m = e->by_method; m; m = m->next)
        if (!strcmp(m->name, method))
            break;
    if (!m) {
        m = calloc(1, sizeof *m);
        if (!m)
            return;
        snprintf(m->name, sizeof m->name, "%s", method);
        m->next = e->by_method;
        e->by_method = m;
    }
    m->count++;
}

/* A uniform double in [0, 1) from a xorshift generator: fault injection
 * needs speed and independence from the callers' rand(), not quality. */
double bh_emu_random_locked(bh_emu *e)
{
    uint64_t x = e->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    e->rng = x;
    return (double)(x >> 11) / 9007199254740992.0;
}
