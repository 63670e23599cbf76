/*
 * Bot API methods that answer what a user did outside a chat's messages:
 * answerInlineQuery (its results checked by Telegram's rules) and the
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

void bh_emu_answers_free_locked(bh_emu *e)
{
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

/* Telegram's rules for results: an array of at most 50 objects, each with
 * a type and an id of 1..64 bytes, the ids unique. NULL when they hold,
 * else the description of the 400. */
static const char *results_error(json_object *res)
{
    size_t n;
    if (!res || !json_object_is_type(res, json_type_array))
        return "Bad Request: can't parse inline query results JSON object";
    if ((n = json_object_array_length(res)) > BH_EMU_INLINE_MAX_RESULTS)
        return "Bad Request: RESULTS_TOO_MUCH";
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(res, i), *id, *type;
        if (!json_object_object_get_ex(r, "type", &type) ||
            !json_object_is_type(type, json_type_string))
            return "Bad Request: result type is missing";
        if (!json_object_object_get_ex(r, "id", &id) || !json_object_is_type(id, json_type_string) ||
            json_object_get_string_len(id) < 1 ||
            json_object_get_string_len(id) > BH_EMU_INLINE_MAX_ID)
            return "Bad Request: RESULT_ID_INVALID";
        for (size_t j = 0; j < i; j++) {
            json_object *other;
            json_object_object_get_ex(json_object_array_get_idx(res, j), "id", &other);
            if (!strcmp(json_object_get_string(other), json_object_get_string(id)))
                return "Bad Request: RESULT_ID_DUPLICATE";
        }
    }
    return NULL;
}

static void answer_inline_query(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    int bad = 0;
    json_object *res;
    const char *err, *id = bh_emu_param_str(p, "inline_query_id");

    if (!id || !*id) {
        bh_emu_reply_error(r, 400, "Bad Request: inline_query_id is empty");
        return;
    }
    res = bh_emu_param_json(p, "results", &bad);
    if ((err = bad ? "Bad Request: can't parse inline query results JSON object"
                   : results_error(res))) {
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
