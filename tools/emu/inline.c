/*
 * Bot API methods that answer what a user did outside a chat's messages:
 * answerInlineQuery (its results checked by Telegram's rules), the messages
 * users send by picking a result (inline messages, which the bot edits by
 * inline_message_id), and the
 * decisions on join requests. The emulator records each answer, so tests
 * read what the bot answered with GET /control/answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/error.h"
#include "emu.h"

#define BH_EMU_INLINE_MAX_RESULTS 50
#define BH_EMU_INLINE_MAX_ID 64

/* Records {"method":name,"params":p}; false if out of memory. */
static bool record_locked(bh_emu *e, const char *name, bh_emu_params *p)
{
    json_object *o = json_object_new_object();
    bh_emu_answer *a = calloc(1, sizeof *a);
    json_object_object_add(o, "method", json_object_new_string(name));
    json_object_object_add(o, "params", json_object_get(p));
    if (!a || !(a->json = bh_emu_json_text(o))) {
        json_object_put(o);
        free(a);
        return false;
    }
    json_object_put(o);
    if (!e->answers_tail)
        e->answers_tail = &e->answers;
    *e->answers_tail = a;
    e->answers_tail = &a->next;
    return true;
}

static void inline_msgs_free_locked(bh_emu *e);

/* The answers and the inline messages made from them go together. */
void bh_emu_answers_free_locked(bh_emu *e)
{
    inline_msgs_free_locked(e);
    while (e->answers) {
        bh_emu_answer *a = e->answers;
        e->answers = a->next;
        free(a->json);
        free(a);
    }
    e->answers_tail = &e->answers;
}

bool bh_emu_join_add_locked(bh_emu *e, int64_t chat_id, int64_t user_id)
{
    bh_emu_join *j = malloc(sizeof *j);

    if (!j)
        return false;
    *j = (bh_emu_join){.chat_id = chat_id, .user_id = user_id, .next = e->joins};
    e->joins = j;
    return true;
}

bool bh_emu_join_take_locked(bh_emu *e, int64_t chat_id, int64_t user_id)
{
    for (bh_emu_join **pp = &e->joins; *pp; pp = &(*pp)->next)
        if ((*pp)->chat_id == chat_id && (*pp)->user_id == user_id) {
            bh_emu_join *j = *pp;
            *pp = j->next;
            free(j);
            return true;
        }
    return false;
}

void bh_emu_joins_free_locked(bh_emu *e)
{
    while (e->joins) {
        bh_emu_join *j = e->joins;
        e->joins = j->next;
        free(j);
    }
}

/* Whether id names an inline query the emulator sent ("iq<N>", N issued):
 * an answer to any other is "too old" for Telegram. */
static bool query_known_locked(const bh_emu *e, const char *id)
{
    char *end;
    long long n;

    if (strncmp(id, "iq", 2) != 0)
        return false;
    n = strtoll(id + 2, &end, 10);
    return *end == 0 && n >= 1 && n <= e->next_query_id;
}

/* What each InlineQueryResult type needs: its file as a URL (url, with
 * the url_needs fields) or as a file_id (a cached result), and the fields
 * it always needs. A type without url has no URL form; one without
 * file_id no cached form. */
static const struct result_kind {
    const char *type, *url, *file_id;
    const char *url_needs[2];
    const char *needs[4];
} result_kinds[] = {
    {"article", NULL, NULL, {NULL}, {"title", "input_message_content"}},
    {"photo", "photo_url", "photo_file_id", {"thumbnail_url"}, {NULL}},
    {"gif", "gif_url", "gif_file_id", {"thumbnail_url"}, {NULL}},
    {"mpeg4_gif", "mpeg4_url", "mpeg4_file_id", {"thumbnail_url"}, {NULL}},
    {"video", "video_url", "video_file_id", {"mime_type", "thumbnail_url"}, {"title"}},
    {"audio", "audio_url", "audio_file_id", {"title"}, {NULL}},
    {"voice", "voice_url", "voice_file_id", {NULL}, {"title"}},
    {"document", "document_url", "document_file_id", {"mime_type"}, {"title"}},
    {"sticker", NULL, "sticker_file_id", {NULL}, {NULL}},
    {"location", NULL, NULL, {NULL}, {"latitude", "longitude", "title"}},
    {"venue", NULL, NULL, {NULL}, {"latitude", "longitude", "title", "address"}},
    {"contact", NULL, NULL, {NULL}, {"phone_number", "first_name"}},
    {"game", NULL, NULL, {NULL}, {"game_short_name"}},
};

static const struct result_kind *result_kind(const char *type)
{
    for (size_t i = 0; i < sizeof result_kinds / sizeof *result_kinds; i++)
        if (!strcmp(type, result_kinds[i].type))
            return &result_kinds[i];
    return NULL;
}

/* Whether o has a non-empty field key (a number counts: coordinates). */
static bool has(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return false;
    if (json_object_is_type(v, json_type_string))
        return json_object_get_string_len(v) > 0;
    return true;
}

/* Formats the 400 "field of result i is missing" into buf. */
static const char *missing(char *buf, size_t n, size_t i, const char *field)
{
    snprintf(buf, n, "Bad Request: can't parse InlineQueryResult %zu: field \"%s\" is required",
             i, field);
    return buf;
}

/* The fields the result r (the i-th, of kind k) lacks, as a 400. */
static const char *result_fields_error(json_object *r, size_t i, const struct result_kind *k,
                                       char *buf, size_t n)
{
    bool by_url = k->url && has(r, k->url), by_id = k->file_id && has(r, k->file_id);
    if ((k->url || k->file_id) && !by_url && !by_id)
        return missing(buf, n, i, k->url ? k->url : k->file_id);
    for (size_t j = 0; by_url && j < 2 && k->url_needs[j]; j++)
        if (!has(r, k->url_needs[j]))
            return missing(buf, n, i, k->url_needs[j]);
    for (size_t j = 0; j < 4 && k->needs[j]; j++)
        if (!has(r, k->needs[j]))
            return missing(buf, n, i, k->needs[j]);
    return NULL;
}

/* InputMessageContent: text, location, venue, contact or invoice. */
static const char *content_error(json_object *c)
{
    json_object *v;
    if (!json_object_is_type(c, json_type_object))
        return "Bad Request: can't parse InputMessageContent: should be an Object";
    if (json_object_object_get_ex(c, "message_text", &v)) {
        if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
            return "Bad Request: MESSAGE_EMPTY";
        if (bh_emu_utf16_len(json_object_get_string(v), (size_t)json_object_get_string_len(v)) >
            BH_EMU_MAX_TEXT)
            return "Bad Request: MESSAGE_TOO_LONG";
        return NULL;
    }
    if (has(c, "latitude") || has(c, "longitude")) {
        if (!has(c, "latitude") || !has(c, "longitude"))
            return "Bad Request: can't parse InputMessageContent: latitude and longitude are required";
        if (has(c, "title") != has(c, "address"))
            return "Bad Request: can't parse InputVenueMessageContent: title and address are required";
        return NULL;
    }
    if (has(c, "phone_number"))
        return has(c, "first_name") ? NULL : "Bad Request: can't parse InputContactMessageContent: first_name is required";
    if (has(c, "payload")) {
        static const char *const inv[] = {"title", "description", "currency", "prices"};
        for (size_t i = 0; i < 4; i++)
            if (!has(c, inv[i]))
                return "Bad Request: can't parse InputInvoiceMessageContent: title, description, currency and prices are required";
        return NULL;
    }
    return "Bad Request: can't parse InputMessageContent: unknown kind";
}

/* Checks one result (the i-th); NULL if valid, else the 400 (in buf). */
static const char *result_error(json_object *r, size_t i, char *buf, size_t n)
{
    json_object *type, *v;
    const struct result_kind *k;
    const char *err;
    if (!json_object_is_type(r, json_type_object) ||
        !json_object_object_get_ex(r, "type", &type) || !json_object_is_type(type, json_type_string))
        return "Bad Request: result type is missing";
    if (!(k = result_kind(json_object_get_string(type))))
        return "Bad Request: RESULT_TYPE_INVALID";
    if (!json_object_object_get_ex(r, "id", &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) < 1 || json_object_get_string_len(v) > BH_EMU_INLINE_MAX_ID)
        return "Bad Request: RESULT_ID_INVALID";
    if ((err = result_fields_error(r, i, k, buf, n)))
        return err;
    if (json_object_object_get_ex(r, "input_message_content", &v) && (err = content_error(v)))
        return err;
    if (json_object_object_get_ex(r, "reply_markup", &v) &&
        ((err = bh_emu_markup_error(v)) ||
         (!json_object_object_get_ex(v, "inline_keyboard", NULL) && (err = "Bad Request: inline keyboard expected"))))
        return err;
    return NULL;
}

/* Telegram's rules for results: an array of at most 50 results, each
 * valid for its type, the ids unique. NULL when they hold, else the
 * description of the 400 (perhaps in buf). */
static const char *results_error(json_object *res, char *buf, size_t bufsz)
{
    size_t n;
    const char *err;
    if (!res || !json_object_is_type(res, json_type_array))
        return "Bad Request: can't parse inline query results JSON object";
    if ((n = json_object_array_length(res)) > BH_EMU_INLINE_MAX_RESULTS)
        return "Bad Request: RESULTS_TOO_MUCH";
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(res, i), *id;
        if ((err = result_error(r, i, buf, bufsz)))
            return err;
        json_object_object_get_ex(r, "id", &id);
        for (size_t j = 0; j < i; j++) {
            json_object *other;
            json_object_object_get_ex(json_object_array_get_idx(res, j), "id", &other);
            if (!strcmp(json_object_get_string(other), json_object_get_string(id)))
                return "Bad Request: RESULT_ID_DUPLICATE";
        }
    }
    return NULL;
}

/* The button above the results (InlineQueryResultsButton) and the
 * next_offset (at most 64 bytes); NULL when valid. */
static const char *answer_options_error(bh_emu_params *p)
{
    int bad = 0;
    json_object *b = bh_emu_param_json(p, "button", &bad);
    const char *off = bh_emu_param_str(p, "next_offset"), *err = NULL;
    if (off && strlen(off) > 64)
        err = "Bad Request: NEXT_OFFSET_INVALID";
    else if (bad || (b && !json_object_is_type(b, json_type_object)))
        err = "Bad Request: can't parse InlineQueryResultsButton JSON object";
    else if (b && !has(b, "text"))
        err = "Bad Request: BUTTON_TEXT_INVALID";
    else if (b && has(b, "web_app") == has(b, "start_parameter"))
        err = "Bad Request: BUTTON_TYPE_INVALID";
    json_object_put(b);
    return err;
}

static void answer_inline_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad = 0;
    json_object *res;
    char buf[160];
    const char *err, *id = bh_emu_param_str(p, "inline_query_id");

    if (!id || !*id) {
        bh_emu_reply_error(r, 400, "Bad Request: inline_query_id is empty");
        return;
    }
    res = bh_emu_param_json(p, "results", &bad);
    if ((err = bad ? "Bad Request: can't parse inline query results JSON object"
                   : results_error(res, buf, sizeof buf)) ||
        (err = answer_options_error(p))) {
        json_object_put(res);
        bh_emu_reply_error(r, 400, err);
        return;
    }
    json_object_put(res);
    if (!query_known_locked(e, id)) {
        bh_emu_reply_error(r, 400, "Bad Request: query is too old and response timeout expired "
                                   "or query ID is invalid");
        return;
    }
    if (!record_locked(e, "answerInlineQuery", p)) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

/* approveChatJoinRequest and declineChatJoinRequest: chat_id and user_id. */
static void decide_join(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *name)
{
    int64_t chat_id, user_id;
    if (bh_emu_param_int(p, "chat_id", &chat_id) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: chat_id is empty");
        return;
    }
    if (bh_emu_param_int(p, "user_id", &user_id) != BH_OK) {
        bh_emu_reply_error(r, 400, "Bad Request: user_id is empty");
        return;
    }
    if (!bh_emu_join_take_locked(e, chat_id, user_id)) {
        bh_emu_reply_error(r, 400, "Bad Request: HIDE_REQUESTER_MISSING");
        return;
    }
    if (!record_locked(e, name, p)) {
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return;
    }
    bh_emu_reply_ok(r, json_object_new_boolean(1));
}

static void approve_join(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    decide_join(e, p, r, "approveChatJoinRequest");
}

static void decline_join(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    decide_join(e, p, r, "declineChatJoinRequest");
}

static const struct {
    const char *name;
    bh_emu_method_fn *fn;
} inline_methods[] = {
    {"answerInlineQuery", answer_inline_query},
    {"approveChatJoinRequest", approve_join},
    {"declineChatJoinRequest", decline_join},
};

bh_emu_method_fn *bh_emu_inline_method(const char *name, const char **canonical)
{
    for (size_t i = 0; i < sizeof inline_methods / sizeof *inline_methods; i++)
        if (!strcasecmp(name, inline_methods[i].name)) {
            *canonical = inline_methods[i].name;
            return inline_methods[i].fn;
        }
    return NULL;
}

void bh_emu_answers_list(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    const char *only = bh_emu_param_str(q, "method");
    json_object *list = json_object_new_array();

    pthread_mutex_lock(&e->lock);
    for (bh_emu_answer *a = e->answers; a; a = a->next) {
        json_object *o = json_tokener_parse(a->json), *m;
        if (only && json_object_object_get_ex(o, "method", &m) &&
            strcmp(json_object_get_string(m), only)) {
            json_object_put(o);
            continue;
        }
        json_object_array_add(list, o);
    }
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, list);
}

/* ---- Messages sent via inline mode ---- */

static void inline_msg_free(bh_emu_inline_msg *m)
{
    free(m->id);
    free(m->result_id);
    free(m->text);
    free(m->media);
    free(m->caption);
    free(m->reply_markup);
    free(m);
}

static void inline_msgs_free_locked(bh_emu *e)
{
    while (e->inline_msgs) {
        bh_emu_inline_msg *m = e->inline_msgs;
        e->inline_msgs = m->next;
        inline_msg_free(m);
    }
    e->next_inline_msg_id = 0;
}

bh_emu_inline_msg *bh_emu_inline_msg_find_locked(bh_emu *e, const char *id)
{
    for (bh_emu_inline_msg *m = e->inline_msgs; m; m = m->next)
        if (!strcmp(m->id, id))
            return m;
    return NULL;
}

/* The result result_id of the recorded answer a (a new reference), NULL
 * if a holds none. The results may have come as JSON or as JSON text. */
static json_object *answer_result(const bh_emu_answer *a, const char *result_id)
{
    json_object *o = json_tokener_parse(a->json), *params, *res, *found = NULL;
    if (!o || !json_object_object_get_ex(o, "params", &params) ||
        !json_object_object_get_ex(params, "results", &res)) {
        json_object_put(o);
        return NULL;
    }
    res = json_object_is_type(res, json_type_string) ? json_tokener_parse(json_object_get_string(res))
                                                     : json_object_get(res);
    for (size_t i = 0; res && i < json_object_array_length(res); i++) {
        json_object *r = json_object_array_get_idx(res, i), *id;
        if (json_object_object_get_ex(r, "id", &id) &&
            !strcmp(json_object_get_string(id), result_id))
            found = json_object_get(r);
    }
    json_object_put(res);
    json_object_put(o);
    return found;
}

/* The last answered result named result_id (a new reference), or NULL. */
static json_object *find_result_locked(bh_emu *e, const char *result_id)
{
    json_object *found = NULL;
    for (bh_emu_answer *a = e->answers; a; a = a->next) {
        json_object *r = strstr(a->json, "\"answerInlineQuery\"") ? answer_result(a, result_id) : NULL;
        if (r) {
            json_object_put(found);
            found = r;
        }
    }
    return found;
}

/* A malloc'd copy of the string o[key], NULL if none. */
static char *dup_field(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? strdup(json_object_get_string(v)) : NULL;
}

/* Fills m with what showing result res sends: the text of its
 * input_message_content, or else its own media and caption; and its
 * keyboard. */
static void inline_msg_fill(bh_emu_inline_msg *m, json_object *res)
{
    json_object *c, *rm;
    if (!json_object_object_get_ex(res, "input_message_content", &c)) {
        m->media = dup_field(res, "type");
        m->caption = dup_field(res, "caption");
    } else if (!(m->text = dup_field(c, "message_text"))) {
        m->media = strdup(has(c, "phone_number") ? "contact" : has(c, "payload") ? "invoice"
                          : has(c, "address") ? "venue" : "location");
    }
    if (json_object_object_get_ex(res, "reply_markup", &rm))
        m->reply_markup = bh_emu_json_text(rm);
}

int bh_emu_inline_msg_add_locked(bh_emu *e, const char *id, int64_t user_id,
                                 const char *result_id, bh_emu_inline_msg **out)
{
    char made[32];
    json_object *res;
    bh_emu_inline_msg *m;
    if (id && bh_emu_inline_msg_find_locked(e, id))
        return BH_EEXISTS;
    if (!(res = find_result_locked(e, result_id)))
        return BH_ENOTFOUND;
    if (!id) {
        snprintf(made, sizeof made, "im%lld", (long long)++e->next_inline_msg_id);
        id = made;
    }
    if (!(m = calloc(1, sizeof *m)) || !(m->id = strdup(id)) || !(m->result_id = strdup(result_id))) {
        if (m)
            inline_msg_free(m);
        json_object_put(res);
        return BH_ENOMEM;
    }
    m->user_id = user_id;
    inline_msg_fill(m, res);
    json_object_put(res);
    m->next = e->inline_msgs;
    e->inline_msgs = m;
    *out = m;
    return BH_OK;
}

/* The JSON of one inline message, for the control API. */
static json_object *inline_msg_json(const bh_emu_inline_msg *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "inline_message_id", json_object_new_string(m->id));
    json_object_object_add(o, "user_id", json_object_new_int64(m->user_id));
    json_object_object_add(o, "result_id", json_object_new_string(m->result_id));
    if (m->text)
        json_object_object_add(o, "text", json_object_new_string(m->text));
    if (m->media)
        json_object_object_add(o, "media", json_object_new_string(m->media));
    if (m->caption)
        json_object_object_add(o, "caption", json_object_new_string(m->caption));
    if (m->reply_markup)
        json_object_object_add(o, "reply_markup", json_tokener_parse(m->reply_markup));
    json_object_object_add(o, "edits", json_object_new_int(m->edits));
    return o;
}

void bh_emu_inline_msgs_list(bh_emu *e, bh_emu_params *q, bh_emu_reply *r)
{
    const char *only = bh_emu_param_str(q, "inline_message_id");
    json_object *list = json_object_new_array();
    pthread_mutex_lock(&e->lock);
    for (bh_emu_inline_msg *m = e->inline_msgs; m; m = m->next)
        if (!only || !strcmp(only, m->id))
            json_object_array_add(list, inline_msg_json(m));
    pthread_mutex_unlock(&e->lock);
    bh_emu_reply_ok(r, list);
}
