/*
 * A tiny bot for the tests of `bothive chat`, written against the raw Bot
 * API (libcurl and json-c, no bothive) so that it tests the chat tool and
 * nothing else. It reads BOTHIVE_API_URL and BOT_TOKEN, long-polls
 * getUpdates and answers:
 *
 *   /keyboard   "pick one" with buttons [Yes] [No] / [Docs (a URL)]
 *   /reply      "choose" with a reply keyboard [Red] [Blue]
 *   /where      "where?" with a reply keyboard [Here (a location button)] [Nowhere]
 *   /photo      a photo (by URL) captioned "a cat"; /document a document "the report"
 *   a location  "location LAT LON"
 *   an inline query Q   two articles: "Upper" (sends Q in upper case) and
 *               "Same" (sends Q, with a button)
 *   a chosen result R   writes "chosen R for Q" to the user, and edits the
 *               message the pick sent, when it has an id, to "edited: Q"
 *   /whoami     "chat C type T user U"
 *   /lang       "language_code L" (the sender's, "none" when absent)
 *   /edit       "working..." then edits it to "done"
 *   /later      "soon", and "later!" a second later
 *   /exit N     exits with status N
 *   anything    "echo: <text>"
 *   a button    answers the callback ("got <data>") and writes
 *               "pressed <data> by user U on message M"
 *
 * `echo_bot --exit-now N` exits at once with status N (a bot that fails at
 * start). It logs to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

typedef struct buf {
    char *data;
    size_t len;
} buf;

static const char *api_url, *token;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    char *d = realloc(b->data, b->len + size * n + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, p, size * n);
    b->data = d;
    b->len += size * n;
    d[b->len] = '\0';
    return size * n;
}

/* Calls method with the JSON object params (consumed). Returns the parsed
 * answer's result (a new reference) or NULL. */
static json_object *call(const char *method, json_object *params)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    buf b = {0};
    char url[512];
    json_object *root = NULL, *res = NULL;
    const char *body = json_object_to_json_string(params);
    snprintf(url, sizeof url, "%s/bot%s/%s", api_url, token, method);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (curl_easy_perform(c) == CURLE_OK && b.data && (root = json_tokener_parse(b.data)) &&
        json_object_object_get_ex(root, "result", &res))
        json_object_get(res);
    else
        fprintf(stderr, "echo_bot: %s failed: %s\n", method, b.data ? b.data : "(no answer)");
    json_object_put(root);
    json_object_put(params);
    free(b.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return res;
}

static int64_t get_int(json_object *o, const char *path1, const char *path2)
{
    json_object *v;
    if (!json_object_object_get_ex(o, path1, &v))
        return 0;
    if (path2 && !json_object_object_get_ex(v, path2, &v))
        return 0;
    return json_object_get_int64(v);
}

/* Sends text to chat, with markup (consumed, may be NULL). Returns the new
 * message's id, or 0. */
static int64_t send_text(int64_t chat, const char *text, json_object *markup)
{
    json_object *p = json_object_new_object(), *res;
    int64_t id;
    json_object_object_add(p, "chat_id", json_object_new_int64(chat));
    json_object_object_add(p, "text", json_object_new_string(text));
    if (markup)
        json_object_object_add(p, "reply_markup", markup);
    res = call("sendMessage", p);
    id = get_int(res, "message_id", NULL);
    json_object_put(res);
    return id;
}

static json_object *button(const char *text, const char *kind, const char *value)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "text", json_object_new_string(text));
    json_object_object_add(b, kind, json_object_new_string(value));
    return b;
}

static void on_message(json_object *m)
{
    json_object *v, *chat;
    const char *text = json_object_object_get_ex(m, "text", &v) ? json_object_get_string(v) : "";
    int64_t chat_id = get_int(m, "chat", "id"), user_id = get_int(m, "from", "id");
    char out[4200];

    fprintf(stderr, "echo_bot: chat %lld user %lld says %s\n", (long long)chat_id,
            (long long)user_id, text);
    if (!strcmp(text, "/keyboard")) {
        json_object *kb = json_object_new_array(), *r1 = json_object_new_array(),
                    *r2 = json_object_new_array(), *mk = json_object_new_object();
        json_object_array_add(r1, button("Yes", "callback_data", "yes"));
        json_object_array_add(r1, button("No", "callback_data", "no"));
        json_object_array_add(r2, button("Docs", "url", "https://example.org/docs"));
        json_object_array_add(kb, r1);
        json_object_array_add(kb, r2);
        json_object_object_add(mk, "inline_keyboard", kb);
        send_text(chat_id, "pick one", mk);
    } else if (!strcmp(text, "/reply")) {
        json_object *kb = json_object_new_array(), *r1 = json_object_new_array(),
                    *mk = json_object_new_object();
        json_object_array_add(r1, json_object_new_string("Red"));
        json_object_array_add(r1, json_object_new_string("Blue"));
        json_object_array_add(kb, r1);
        json_object_object_add(mk, "keyboard", kb);
        send_text(chat_id, "choose", mk);
    } else if (!strcmp(text, "/where")) {
        json_object *kb = json_object_new_array(), *r1 = json_object_new_array(),
                    *mk = json_object_new_object(), *here = json_object_new_object();
        json_object_object_add(here, "text", json_object_new_string("Here"));
        json_object_object_add(here, "request_location", json_object_new_boolean(1));
        json_object_array_add(r1, here);
        json_object_array_add(r1, json_object_new_string("Nowhere"));
        json_object_array_add(kb, r1);
        json_object_object_add(mk, "keyboard", kb);
        json_object_object_add(mk, "one_time_keyboard", json_object_new_boolean(1));
        send_text(chat_id, "where?", mk);
    } else if (json_object_object_get_ex(m, "location", &v)) {
        json_object *la, *lo;
        json_object_object_get_ex(v, "latitude", &la);
        json_object_object_get_ex(v, "longitude", &lo);
        snprintf(out, sizeof out, "location %.2f %.2f", json_object_get_double(la),
                 json_object_get_double(lo));
        send_text(chat_id, out, NULL);
    } else if (!strcmp(text, "/photo") || !strcmp(text, "/document")) {
        json_object *p = json_object_new_object();
        int photo = !strcmp(text, "/photo");
        json_object_object_add(p, "chat_id", json_object_new_int64(chat_id));
        json_object_object_add(p, photo ? "photo" : "document",
                               json_object_new_string(photo ? "https://example.org/cat.jpg"
                                                            : "https://example.org/report.pdf"));
        json_object_object_add(p, "caption", json_object_new_string(photo ? "a cat" : "the report"));
        json_object_put(call(photo ? "sendPhoto" : "sendDocument", p));
    } else if (!strcmp(text, "/whoami")) {
        json_object_object_get_ex(m, "chat", &chat);
        snprintf(out, sizeof out, "chat %lld type %s user %lld", (long long)chat_id,
                 json_object_object_get_ex(chat, "type", &v) ? json_object_get_string(v) : "?",
                 (long long)user_id);
        send_text(chat_id, out, NULL);
    } else if (!strcmp(text, "/lang")) {
        json_object *from = NULL;
        json_object_object_get_ex(m, "from", &from);
        snprintf(out, sizeof out, "language_code %s",
                 from && json_object_object_get_ex(from, "language_code", &v) ? json_object_get_string(v)
                                                                             : "none");
        send_text(chat_id, out, NULL);
    } else if (!strcmp(text, "/edit")) {
        int64_t id = send_text(chat_id, "working...", NULL);
        json_object *p = json_object_new_object();
        usleep(300000);
        json_object_object_add(p, "chat_id", json_object_new_int64(chat_id));
        json_object_object_add(p, "message_id", json_object_new_int64(id));
        json_object_object_add(p, "text", json_object_new_string("done"));
        json_object_put(call("editMessageText", p));
    } else if (!strcmp(text, "/later")) {
        send_text(chat_id, "soon", NULL);
        fflush(stderr);
        if (fork() == 0) {  /* the update is confirmed before "later!" comes */
            sleep(1);
            send_text(chat_id, "later!", NULL);
            _exit(0);
        }
    } else if (!strncmp(text, "/exit ", 6)) {
        fprintf(stderr, "echo_bot: exiting with status %d as asked\n", atoi(text + 6));
        exit(atoi(text + 6));
    } else {
        snprintf(out, sizeof out, "echo: %s", text);
        send_text(chat_id, out, NULL);
    }
}

static void on_callback(json_object *q)
{
    json_object *v, *msg, *p = json_object_new_object();
    const char *data = json_object_object_get_ex(q, "data", &v) ? json_object_get_string(v) : "";
    char out[256];
    json_object_object_get_ex(q, "message", &msg);
    snprintf(out, sizeof out, "got %s", data);
    json_object_object_add(p, "callback_query_id",
                           json_object_get(json_object_object_get_ex(q, "id", &v) ? v : NULL));
    json_object_object_add(p, "text", json_object_new_string(out));
    json_object_put(call("answerCallbackQuery", p));
    snprintf(out, sizeof out, "pressed %s by user %lld on message %lld", data,
             (long long)get_int(q, "from", "id"), (long long)get_int(msg, "message_id", NULL));
    send_text(get_int(msg, "chat", "id"), out, NULL);
}

/* An article result id titled title whose choice sends text (with a
 * callback button when button). */
static json_object *article(const char *id, const char *title, const char *text, int button_too)
{
    json_object *r = json_object_new_object(), *c = json_object_new_object();
    json_object_object_add(r, "type", json_object_new_string("article"));
    json_object_object_add(r, "id", json_object_new_string(id));
    json_object_object_add(r, "title", json_object_new_string(title));
    json_object_object_add(c, "message_text", json_object_new_string(text));
    json_object_object_add(r, "input_message_content", c);
    if (button_too) {
        json_object *mk = json_object_new_object(), *kb = json_object_new_array(),
                    *row = json_object_new_array();
        json_object_array_add(row, button("Like", "callback_data", "like"));
        json_object_array_add(kb, row);
        json_object_object_add(mk, "inline_keyboard", kb);
        json_object_object_add(r, "reply_markup", mk);
    }
    return r;
}

static void on_inline_query(json_object *q)
{
    json_object *v, *p = json_object_new_object(), *res = json_object_new_array();
    const char *query = json_object_object_get_ex(q, "query", &v) ? json_object_get_string(v) : "";
    char up[256];
    size_t i;
    for (i = 0; query[i] && i < sizeof up - 1; i++)
        up[i] = (char)(query[i] >= 'a' && query[i] <= 'z' ? query[i] - 32 : query[i]);
    up[i] = 0;
    json_object_array_add(res, article("up", "Upper", *up ? up : "-", 0));
    json_object_array_add(res, article("same", "Same", *query ? query : "-", 1));
    json_object_object_add(p, "inline_query_id",
                           json_object_get(json_object_object_get_ex(q, "id", &v) ? v : NULL));
    json_object_object_add(p, "results", res);
    json_object_object_add(p, "cache_time", json_object_new_int(0));
    json_object_put(call("answerInlineQuery", p));
}

static void on_chosen(json_object *r)
{
    json_object *v, *p;
    char out[512];
    if (json_object_object_get_ex(r, "inline_message_id", &v)) {
        p = json_object_new_object();
        json_object_object_add(p, "inline_message_id", json_object_get(v));
        snprintf(out, sizeof out, "edited: %s",
                 json_object_object_get_ex(r, "query", &v) ? json_object_get_string(v) : "?");
        json_object_object_add(p, "text", json_object_new_string(out));
        json_object_put(call("editMessageText", p));
    }
    snprintf(out, sizeof out, "chosen %s for %s",
             json_object_object_get_ex(r, "result_id", &v) ? json_object_get_string(v) : "?",
             json_object_object_get_ex(r, "query", &v) ? json_object_get_string(v) : "?");
    send_text(get_int(r, "from", "id"), out, NULL);
}

int main(int argc, char **argv)
{
    int64_t offset = 0;
    if (argc == 3 && !strcmp(argv[1], "--exit-now")) {
        fprintf(stderr, "echo_bot: failing at start on purpose\n");
        return atoi(argv[2]);
    }
    api_url = getenv("BOTHIVE_API_URL");
    token = getenv("BOT_TOKEN");
    if (!api_url || !token) {
        fprintf(stderr, "echo_bot: BOTHIVE_API_URL and BOT_TOKEN must be set\n");
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    fprintf(stderr, "echo_bot: started, pid %d\n", (int)getpid());
    for (;;) {
        json_object *p = json_object_new_object(), *ups;
        json_object_object_add(p, "offset", json_object_new_int64(offset));
        json_object_object_add(p, "timeout", json_object_new_int(5));
        ups = call("getUpdates", p);
        if (!ups) {
            sleep(1);
            continue;
        }
        for (size_t i = 0; i < json_object_array_length(ups); i++) {
            json_object *u = json_object_array_get_idx(ups, i), *v;
            offset = get_int(u, "update_id", NULL) + 1;
            if (json_object_object_get_ex(u, "message", &v))
                on_message(v);
            else if (json_object_object_get_ex(u, "callback_query", &v))
                on_callback(v);
            else if (json_object_object_get_ex(u, "inline_query", &v))
                on_inline_query(v);
            else if (json_object_object_get_ex(u, "chosen_inline_result", &v))
                on_chosen(v);
        }
        json_object_put(ups);
    }
}
