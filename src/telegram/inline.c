/*
 * Inline mode: the results of an answer to an inline query, built one at
 * a time and checked as Telegram checks them (at most 50, ids of 1..64
 * bytes and unique, each type with the fields it needs), answerInlineQuery
 * with every option, and the paging of long result lists by offset.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telegram/tg.h"

#define BH_INLINE_MAX_RESULTS 50
#define BH_INLINE_MAX_ID 64
#define BH_INLINE_MAX_OFFSET 64

struct bh_inline_results {
    json_object *array;
    char error[192];
};

static int fail(bh_inline_results *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(bh_inline_results *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof r->error, fmt, ap);
    va_end(ap);
    return rc;
}

int bh_inline_results_new(bh_inline_results **out)
{
    bh_inline_results *r;
    if (!out)
        return BH_EINVAL;
    if (!(*out = r = calloc(1, sizeof *r)) || !(r->array = json_object_new_array())) {
        free(r);
        *out = NULL;
        return BH_ENOMEM;
    }
    return BH_OK;
}

void bh_inline_results_free(bh_inline_results *r)
{
    if (!r)
        return;
    json_object_put(r->array);
    free(r);
}

/* What each type needs, as in the Bot API: the JSON names of its file as
 * a URL and as a file_id (a cached result; NULL when the type has no such
 * form), and which of the common fields it requires. */
enum { NEED_TITLE = 1, NEED_THUMB = 2, NEED_MIME = 4, NEED_CONTENT = 8, NEED_GEO = 16,
       NEED_ADDRESS = 32, NEED_PHONE = 64, NEED_GAME = 128 };

static const struct kind {
    const char *type, *url_key, *file_key;
    unsigned needs;     /* always */
    unsigned url_needs; /* when given by URL */
} kinds[] = {
    {"article", "url", NULL, NEED_TITLE | NEED_CONTENT, 0},
    {"photo", "photo_url", "photo_file_id", 0, NEED_THUMB},
    {"gif", "gif_url", "gif_file_id", 0, NEED_THUMB},
    {"mpeg4_gif", "mpeg4_url", "mpeg4_file_id", 0, NEED_THUMB},
    {"video", "video_url", "video_file_id", NEED_TITLE, NEED_THUMB | NEED_MIME},
    {"audio", "audio_url", "audio_file_id", 0, NEED_TITLE},
    {"voice", "voice_url", "voice_file_id", NEED_TITLE, 0},
    {"document", "document_url", "document_file_id", NEED_TITLE, NEED_MIME},
    {"sticker", NULL, "sticker_file_id", 0, 0},
    {"location", NULL, NULL, NEED_TITLE | NEED_GEO, 0},
    {"venue", NULL, NULL, NEED_TITLE | NEED_GEO | NEED_ADDRESS, 0},
    {"contact", NULL, NULL, NEED_PHONE, 0},
    {"game", NULL, NULL, NEED_GAME, 0},
};

static const struct kind *kind_of(const char *type)
{
    for (size_t i = 0; type && i < sizeof kinds / sizeof *kinds; i++)
        if (!strcmp(type, kinds[i].type))
            return &kinds[i];
    return NULL;
}

static int given(const char *s)
{
    return s && *s;
}

/* The first field res lacks among those k needs (the name, as the Bot API
 * spells it), or NULL when it has them all. */
static const char *lacking(const struct kind *k, const bh_inline_result *res)
{
    int by_url = k->url_key && given(res->url) && strcmp(k->type, "article");
    unsigned needs = k->needs | (by_url ? k->url_needs : 0);
    if (k->file_key && !given(res->file_id) && !by_url)
        return k->url_key ? k->url_key : k->file_key;
    if ((needs & NEED_TITLE) && !given(res->title))
        return "title";
    if ((needs & NEED_THUMB) && !given(res->thumbnail_url))
        return "thumbnail_url";
    if ((needs & NEED_MIME) && !given(res->mime_type))
        return "mime_type";
    if ((needs & NEED_CONTENT) && !res->content)
        return "input_message_content";
    if ((needs & NEED_ADDRESS) && !given(res->address))
        return "address";
    if ((needs & NEED_PHONE) && !given(res->phone_number))
        return "phone_number";
    if ((needs & NEED_PHONE) && !given(res->first_name))
        return "first_name";
    if ((needs & NEED_GAME) && !given(res->game_short_name))
        return "game_short_name";
    return NULL;
}

/* The LabeledPrice array and the other fields of an invoice into o. */
static int put_invoice(json_object *o, const bh_invoice *inv)
{
    json_object *prices = json_object_new_array();
    for (size_t i = 0; prices && i < inv->nprices; i++) {
        json_object *p = json_object_new_object();
        if (bh_tg_put_str(p, "label", inv->prices[i].label) ||
            bh_tg_put(p, "amount", json_object_new_int64(inv->prices[i].amount)) ||
            json_object_array_add(prices, p)) {
            json_object_put(p);
            json_object_put(prices);
            return -1;
        }
    }
    return bh_tg_put_str(o, "title", inv->title) || bh_tg_put_str(o, "description", inv->description) ||
           bh_tg_put_str(o, "payload", inv->payload) || bh_tg_put_str(o, "provider_token", inv->provider_token) ||
           bh_tg_put_str(o, "currency", inv->currency) || bh_tg_put(o, "prices", prices);
}

/* Whether the content c has what its kind needs; the missing field's
 * name into *what when not. */
static int content_valid(const bh_input_content *c, const char **what)
{
    const bh_invoice *inv = c->invoice;
    switch (c->kind) {
    case BH_CONTENT_TEXT:
        *what = "message_text";
        return given(c->text);
    case BH_CONTENT_LOCATION:
        return 1;
    case BH_CONTENT_VENUE:
        *what = "title and address";
        return given(c->title) && given(c->address);
    case BH_CONTENT_CONTACT:
        *what = "phone_number and first_name";
        return given(c->phone_number) && given(c->first_name);
    case BH_CONTENT_INVOICE:
        *what = "an invoice with title, description, payload, currency and prices";
        return inv && given(inv->title) && given(inv->description) && given(inv->payload) &&
               given(inv->currency) && inv->prices && inv->nprices;
    default:
        *what = "a kind";
        return 0;
    }
}

/* The InputMessageContent object of c (a new reference), NULL without memory. */
static json_object *content_json(const bh_input_content *c)
{
    json_object *o = json_object_new_object();
    int bad = !o;
    if (!bad && c->kind == BH_CONTENT_TEXT)
        bad = bh_tg_put_str(o, "message_text", c->text) || bh_tg_put_str(o, "parse_mode", c->parse_mode) ||
              (c->disable_web_page_preview &&
               bh_tg_put(o, "link_preview_options", json_tokener_parse("{\"is_disabled\":true}")));
    if (!bad && (c->kind == BH_CONTENT_LOCATION || c->kind == BH_CONTENT_VENUE))
        bad = bh_tg_put(o, "latitude", json_object_new_double(c->latitude)) ||
              bh_tg_put(o, "longitude", json_object_new_double(c->longitude));
    if (!bad && c->kind == BH_CONTENT_VENUE)
        bad = bh_tg_put_str(o, "title", c->title) || bh_tg_put_str(o, "address", c->address);
    if (!bad && c->kind == BH_CONTENT_CONTACT)
        bad = bh_tg_put_str(o, "phone_number", c->phone_number) ||
              bh_tg_put_str(o, "first_name", c->first_name) || bh_tg_put_str(o, "last_name", c->last_name);
    if (!bad && c->kind == BH_CONTENT_INVOICE)
        bad = put_invoice(o, c->invoice);
    if (bad) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* The fields of res beyond type and id into o: those of its kind k. */
static int result_fields(json_object *o, const struct kind *k, const bh_inline_result *res)
{
    int by_url = k->url_key && given(res->url);
    int geo = k->needs & NEED_GEO;
    return (by_url && bh_tg_put_str(o, k->url_key, res->url)) ||
           (!by_url && k->file_key && bh_tg_put_str(o, k->file_key, res->file_id)) ||
           bh_tg_put_str(o, "title", res->title) || bh_tg_put_str(o, "description", res->description) ||
           bh_tg_put_str(o, "thumbnail_url", res->thumbnail_url) ||
           bh_tg_put_str(o, "mime_type", res->mime_type) || bh_tg_put_str(o, "caption", res->caption) ||
           bh_tg_put_str(o, "parse_mode", res->parse_mode) || bh_tg_put_str(o, "performer", res->performer) ||
           (geo && bh_tg_put(o, "latitude", json_object_new_double(res->latitude))) ||
           (geo && bh_tg_put(o, "longitude", json_object_new_double(res->longitude))) ||
           bh_tg_put_str(o, "address", res->address) || bh_tg_put_str(o, "phone_number", res->phone_number) ||
           bh_tg_put_str(o, "first_name", res->first_name) || bh_tg_put_str(o, "last_name", res->last_name) ||
           bh_tg_put_str(o, "game_short_name", res->game_short_name);
}

/* The InlineQueryResult of res (checked), a new reference; NULL without memory. */
static json_object *result_json(const struct kind *k, const bh_inline_result *res)
{
    json_object *o = json_object_new_object(), *kb = NULL;
    if (!o || bh_tg_put_str(o, "type", k->type) || bh_tg_put_str(o, "id", res->id) || result_fields(o, k, res) ||
        (res->content && bh_tg_put(o, "input_message_content", content_json(res->content))) ||
        (res->reply_markup && (json_object_deep_copy(bh_keyboard_json(res->reply_markup), &kb, NULL) ||
                               bh_tg_put(o, "reply_markup", kb)))) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Whether some result of r already has id. */
static int id_taken(const bh_inline_results *r, const char *id)
{
    for (size_t i = 0; i < json_object_array_length(r->array); i++)
        if (!strcmp(bh_tg_get_str(json_object_array_get_idx(r->array, i), "id"), id))
            return 1;
    return 0;
}

/* Checks res against Telegram's rules; BH_OK, or the error (described). */
static int result_check(bh_inline_results *r, const struct kind *k, const bh_inline_result *res)
{
    const char *what = NULL;
    if (!res->id || !*res->id || strlen(res->id) > BH_INLINE_MAX_ID)
        return fail(r, BH_EINVAL, "a result id is 1..%d bytes (%zu given)", BH_INLINE_MAX_ID,
                    res->id ? strlen(res->id) : 0);
    if (id_taken(r, res->id))
        return fail(r, BH_EEXISTS, "result id \"%s\" is already used by another result", res->id);
    if (json_object_array_length(r->array) >= BH_INLINE_MAX_RESULTS)
        return fail(r, BH_ETOOBIG, "an answer holds at most %d results", BH_INLINE_MAX_RESULTS);
    if ((what = lacking(k, res)))
        return fail(r, BH_EINVAL, "result \"%s\": a %s result needs %s", res->id, k->type, what);
    if (res->content && !content_valid(res->content, &what))
        return fail(r, BH_EINVAL, "result \"%s\": its input_message_content needs %s", res->id, what);
    if (res->reply_markup && bh_keyboard_kind_of(res->reply_markup) != BH_KEYBOARD_INLINE)
        return fail(r, BH_EINVAL, "result \"%s\": a result's reply_markup is an inline keyboard",
                    res->id);
    return BH_OK;
}

int bh_inline_results_add(bh_inline_results *r, const bh_inline_result *res)
{
    const struct kind *k;
    json_object *o;
    int rc;
    if (!r)
        return BH_EINVAL;
    if (!res)
        return fail(r, BH_EINVAL, "NULL result");
    if (!(k = kind_of(res->type)))
        return fail(r, BH_EINVAL, "\"%s\" is not a type of inline result",
                    res->type ? res->type : "(NULL)");
    if ((rc = result_check(r, k, res)) != BH_OK)
        return rc;
    if (!(o = result_json(k, res)) || json_object_array_add(r->array, o)) {
        json_object_put(o);
        return fail(r, BH_ENOMEM, "out of memory");
    }
    r->error[0] = 0;
    return BH_OK;
}

int bh_inline_results_article(bh_inline_results *r, const char *id, const char *title,
                              const char *text)
{
    bh_input_content c = {.kind = BH_CONTENT_TEXT, .text = text};
    bh_inline_result res = {.type = "article", .id = id, .title = title, .content = &c};
    return bh_inline_results_add(r, &res);
}

size_t bh_inline_results_count(const bh_inline_results *r)
{
    return r ? json_object_array_length(r->array) : 0;
}

const char *bh_inline_results_error(const bh_inline_results *r)
{
    return r ? r->error : "NULL results";
}

json_object *bh_inline_results_json(const bh_inline_results *r)
{
    return r ? r->array : NULL;
}

/* Whether s is 1..64 of A-Za-z0-9_- (a deep-link start parameter). */
static int start_parameter_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The InlineQueryResultsButton of opt into p; BH_EINVAL when it is not one. */
static int add_button(bh_params *p, const bh_inline_answer_options *opt)
{
    json_object *b, *w = NULL;
    int web = given(opt->button_web_app_url), start = given(opt->button_start_parameter);
    if (!given(opt->button_text))
        return web || start ? BH_EINVAL : BH_OK;
    if (web == start || (start && !start_parameter_valid(opt->button_start_parameter)) ||
        (web && strncmp(opt->button_web_app_url, "https://", 8)))
        return BH_EINVAL;
    if (!(b = json_object_new_object()) || bh_tg_put_str(b, "text", opt->button_text) ||
        (web && (!(w = json_object_new_object()) || bh_tg_put_str(w, "url", opt->button_web_app_url) ||
                 bh_tg_put(b, "web_app", w))) ||
        bh_tg_put_str(b, "start_parameter", start ? opt->button_start_parameter : NULL)) {
        json_object_put(b);
        return BH_ENOMEM;
    }
    bh_params_json(p, "button", b);
    json_object_put(b);
    return BH_OK;
}

int bh_client_answer_inline(bh_client *c, const char *inline_query_id,
                            const bh_inline_results *results, const bh_inline_answer_options *opt)
{
    bh_inline_answer_options none = {.cache_time = BH_INLINE_CACHE_DEFAULT};
    bh_params *p;
    int rc;
    if (!opt)
        opt = &none;
    if (!c || !inline_query_id || !*inline_query_id || !results || opt->cache_time < -1 ||
        (opt->next_offset && strlen(opt->next_offset) > BH_INLINE_MAX_OFFSET))
        return BH_EINVAL;
    if (!(p = bh_tg_params_new()))
        return BH_ENOMEM;
    bh_params_str(p, "inline_query_id", inline_query_id);
    bh_params_json(p, "results", results->array);
    if (opt->cache_time >= 0)
        bh_params_int(p, "cache_time", opt->cache_time);
    if (opt->is_personal)
        bh_params_bool(p, "is_personal", 1);
    if (opt->next_offset && *opt->next_offset)
        bh_params_str(p, "next_offset", opt->next_offset);
    if ((rc = add_button(p, opt)) != BH_OK) {
        bh_params_free(p);
        return rc;
    }
    return bh_tg_call_true(c, "answerInlineQuery", p);
}

/* The start an offset names: 0 for none; BH_EINVAL (and 0) for one this
 * file did not make. */
static int offset_start(const char *offset, unsigned long long *start)
{
    char *end = NULL;
    *start = 0;
    if (!offset || !*offset)
        return BH_OK;
    errno = 0;
    *start = strtoull(offset, &end, 10);
    if (errno || *end || *offset < '0' || *offset > '9') {
        *start = 0;
        return BH_EINVAL;
    }
    return BH_OK;
}

int bh_inline_page_of(const char *offset, size_t total, size_t per_page, bh_inline_page *out)
{
    unsigned long long start;
    /* Read before out is cleared: offset may be out->next_offset. */
    int rc = offset_start(offset, &start);
    if (!out)
        return BH_EINVAL;
    memset(out, 0, sizeof *out);
    if (per_page < 1 || per_page > BH_INLINE_MAX_RESULTS)
        return BH_EINVAL;
    if (start >= total) {
        out->start = total;
        return rc;
    }
    out->start = (size_t)start;
    out->count = total - out->start < per_page ? total - out->start : per_page;
    if (out->start + out->count < total)
        snprintf(out->next_offset, sizeof out->next_offset, "%zu", out->start + out->count);
    return rc;
}
