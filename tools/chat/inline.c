/*
 * bothive chat: inline mode. ":inline TEXT" types an inline query as the
 * user, waits for the bot's answer (the emulator records it) and lists its
 * results, numbered; ":pick N" picks one, as choosing it in a Telegram
 * client does: the emulator sends the bot the chosen_inline_result (with
 * the inline message it makes, when the result has a keyboard), and the
 * chat shows what the pick sent, "via" the bot, and later the bot's
 * edits of it.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "chat.h"

#define BH_CHAT_ANSWER_WAIT_MS 3000      /* a terminal's wait for the answer */
#define BH_CHAT_ANSWER_WAIT_PIPE_MS 15000 /* piped input waits longer, as in talk.c */
#define BH_CHAT_ANSWER_POLL_MS 30

/* The string member key of o, or NULL. */
static const char *str_of(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : NULL;
}

/* The params of the bot's answer to inline query id, among the recorded
 * answers (a new reference), or NULL if it has not answered. */
static json_object *answer_of(bh_chat *c, const char *id)
{
    char err[256];
    json_object *list = bh_chat_http_call(c->http, "/control/answers?method=answerInlineQuery",
                                          NULL, err, sizeof err), *found = NULL;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *params;
        if (json_object_object_get_ex(json_object_array_get_idx(list, i), "params", &params) &&
            str_of(params, "inline_query_id") && !strcmp(str_of(params, "inline_query_id"), id))
            found = json_object_get(params);
    }
    json_object_put(list);
    return found;
}

/* The results array of answer params (which may hold it as JSON text); a
 * new reference, or NULL. */
static json_object *results_of(json_object *params)
{
    json_object *res;
    if (!json_object_object_get_ex(params, "results", &res))
        return NULL;
    if (json_object_is_type(res, json_type_string))
        return json_tokener_parse(json_object_get_string(res));
    return json_object_get(res);
}

/* What choosing result r sends, as a line: its message text, or a line
 * naming its media, into buf. */
static const char *result_line(json_object *r, char *buf, size_t n)
{
    json_object *content;
    const char *text = NULL, *caption = str_of(r, "caption");
    if (json_object_object_get_ex(r, "input_message_content", &content))
        text = str_of(content, "message_text");
    if (text)
        snprintf(buf, n, "%s", text);
    else
        snprintf(buf, n, "[%s]%s%s", str_of(r, "type") ? str_of(r, "type") : "?",
                 caption ? " " : "", caption ? caption : "");
    return buf;
}

/* Prints the results, numbered for :pick. */
static void print_results(bh_chat *c, json_object *results, const char *next_offset)
{
    size_t n = json_object_array_length(results);
    bh_chat_clear_line(c);
    fprintf(stdout, "%sbot>%s %s(%zu inline result%s)%s\n", c->color ? "\033[1;36m" : "",
            c->color ? "\033[0m" : "", c->color ? "\033[2m" : "", n, n == 1 ? "" : "s",
            c->color ? "\033[0m" : "");
    for (size_t i = 0; i < n; i++) {
        json_object *r = json_object_array_get_idx(results, i);
        const char *title = str_of(r, "title"), *desc = str_of(r, "description");
        fprintf(stdout, "     [%zu] %s%s%s\n", i + 1, title ? title : str_of(r, "type") ? str_of(r, "type") : "?",
                desc ? " - " : "", desc ? desc : "");
    }
    if (next_offset && *next_offset)
        fprintf(stdout, "     (more from offset %s)\n", next_offset);
    if (n)
        fprintf(stdout, "     %s(:pick N sends one)%s\n", c->color ? "\033[2m" : "",
                c->color ? "\033[0m" : "");
    fflush(stdout);
}

/* Types query, and returns the id the emulator gave it (into id), or
 * BH_EIO after a note. */
static int type_query(bh_chat *c, const char *query, char *id, size_t n)
{
    char err[256];
    json_object *o = bh_chat_user_body(c), *res;
    json_object_object_add(o, "query", json_object_new_string(query));
    json_object_object_add(o, "chat_type",
                           json_object_new_string(c->group ? "supergroup" : "private"));
    res = bh_chat_http_call(c->http, "/control/inline_query", json_object_to_json_string(o), err,
                            sizeof err);
    json_object_put(o);
    if (!res || !str_of(res, "inline_query_id")) {
        bh_chat_note(c, "not typed: %s", res ? "no inline_query_id" : err);
        json_object_put(res);
        return BH_EIO;
    }
    snprintf(id, n, "%s", str_of(res, "inline_query_id"));
    json_object_put(res);
    return BH_OK;
}

void bh_chat_inline(bh_chat *c, const char *query)
{
    char id[64];
    int64_t deadline;
    json_object *params = NULL;

    if (type_query(c, query, id, sizeof id) != BH_OK)
        return;
    deadline = bh_clock_mono_ms() + (c->tty ? BH_CHAT_ANSWER_WAIT_MS : BH_CHAT_ANSWER_WAIT_PIPE_MS);
    while (!(params = answer_of(c, id)) && !c->quit && !c->bot_gone && !c->emu_gone &&
           bh_clock_mono_ms() < deadline)
        bh_chat_wait(c, BH_CHAT_ANSWER_POLL_MS, 0, NULL);
    if (!params) {
        bh_chat_note(c, "the bot did not answer the inline query");
        return;
    }
    json_object_put(c->inline_results);
    c->inline_results = results_of(params);
    snprintf(c->inline_query, sizeof c->inline_query, "%s", query);
    if (c->inline_results && json_object_is_type(c->inline_results, json_type_array))
        print_results(c, c->inline_results, str_of(params, "next_offset"));
    else
        bh_chat_note(c, "the bot's answer has no results");
    json_object_put(params);
}

/* Notes that inline message id shows line, as the user saw it sent: a
 * later change is the bot's edit, even when the first poll sees it. */
static void note_seen(bh_chat *c, const char *id, const char *line)
{
    if (!c->inline_seen)
        c->inline_seen = json_object_new_object();
    if (c->inline_seen && id)
        json_object_object_add(c->inline_seen, id, json_object_new_string(line));
}

/* Tells the emulator that result r (which sends line) was chosen.
 * Returns BH_OK or BH_EIO. */
static int choose(bh_chat *c, json_object *r, const char *line)
{
    char err[256];
    json_object *o = bh_chat_user_body(c), *res;
    json_object_object_add(o, "result_id", json_object_new_string(str_of(r, "id") ? str_of(r, "id") : ""));
    json_object_object_add(o, "query", json_object_new_string(c->inline_query));
    /* Telegram names the message a pick sends only when it has buttons. */
    json_object_object_add(o, "inline_message",
                           json_object_new_boolean(json_object_object_get_ex(r, "reply_markup", NULL)));
    res = bh_chat_http_call(c->http, "/control/chosen_inline_result", json_object_to_json_string(o),
                            err, sizeof err);
    json_object_put(o);
    if (!res) {
        bh_chat_note(c, "not picked: %s", err);
        return BH_EIO;
    }
    note_seen(c, str_of(res, "inline_message_id"), line);
    json_object_put(res);
    return BH_OK;
}

void bh_chat_pick(bh_chat *c, const char *arg)
{
    char line[BH_CHAT_MAX_LINE];
    int64_t n;
    json_object *r;

    if (!c->inline_results || !json_object_is_type(c->inline_results, json_type_array)) {
        bh_chat_note(c, "no inline results to pick from: :inline TEXT first");
        return;
    }
    if (bh_chat_parse_id(arg, &n) != BH_OK || n < 1 || n > INT_MAX ||
        !(r = json_object_array_get_idx(c->inline_results, (size_t)(n - 1)))) {
        bh_chat_note(c, "which result? :pick N, N from 1 to %zu",
                     json_object_array_length(c->inline_results));
        return;
    }
    fprintf(stdout, "%syou>%s (via bot) %s\n", c->color ? "\033[1;32m" : "",
            c->color ? "\033[0m" : "", result_line(r, line, sizeof line));
    fflush(stdout);
    if (choose(c, r, line) == BH_OK)
        bh_chat_settle(c);
}

/* What inline message m shows, as a line (its text, or its media and
 * caption), into buf. */
static const char *inline_msg_line(json_object *m, char *buf, size_t n)
{
    const char *text = str_of(m, "text"), *caption = str_of(m, "caption");
    if (text)
        snprintf(buf, n, "%s", text);
    else
        snprintf(buf, n, "[%s]%s%s", str_of(m, "media") ? str_of(m, "media") : "?",
                 caption ? " " : "", caption ? caption : "");
    return buf;
}

void bh_chat_inline_refresh(bh_chat *c)
{
    char err[256], line[BH_CHAT_MAX_LINE];
    json_object *list, *seen;
    /* Only a chat that picked results has inline messages to watch. */
    if (!c->inline_results ||
        !(list = bh_chat_http_call(c->http, "/control/inline_messages", NULL, err, sizeof err)))
        return;
    for (size_t i = 0; c->inline_seen && i < json_object_array_length(list); i++) {
        json_object *m = json_object_array_get_idx(list, i);
        const char *id = str_of(m, "inline_message_id"), *now;
        if (!id)
            continue;
        now = inline_msg_line(m, line, sizeof line);
        /* :pick noted what it sent; a change since is the bot's edit. */
        if (!json_object_object_get_ex(c->inline_seen, id, &seen) ||
            !strcmp(json_object_get_string(seen), now))
            continue;
        bh_chat_clear_line(c);
        fprintf(stdout, "%syou>%s (via bot, edited) %s\n", c->color ? "\033[1;32m" : "",
                c->color ? "\033[0m" : "", now);
        fflush(stdout);
        json_object_object_add(c->inline_seen, id, json_object_new_string(now));
    }
    json_object_put(list);
}

void bh_chat_inline_free(bh_chat *c)
{
    json_object_put(c->inline_results);
    json_object_put(c->inline_seen);
    c->inline_results = c->inline_seen = NULL;
}
