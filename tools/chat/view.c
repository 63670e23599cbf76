/*
 * bothive chat: what the bot sent, as the user sees it. The emulator keeps
 * every message the bot sent, edits in place and deletions as flags, so the
 * view polls the whole list and prints the difference against a fingerprint
 * of each message it already printed: new messages, edits, deletions. A
 * photo or a document shows as a line naming it, with its caption; the
 * buttons of a keyboard say what pressing them does beyond their text.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "chat.h"

#define BH_CHAT_INDENT "     "  /* as wide as "bot> " */

typedef struct seen_msg {
    int64_t chat, msg;
    uint64_t print;          /* fingerprint of what was printed; 0 = empty slot */
} seen_msg;

struct bh_chat_view {
    FILE *out;
    int color;
    seen_msg *slots;
    size_t cap, used;        /* open addressing, cap a power of two */
};

bh_chat_view *bh_chat_view_new(FILE *out, int color)
{
    bh_chat_view *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->out = out;
    v->color = color;
    v->cap = 256;
    if (!(v->slots = calloc(v->cap, sizeof *v->slots))) {
        free(v);
        return NULL;
    }
    return v;
}

void bh_chat_view_free(bh_chat_view *v)
{
    if (!v)
        return;
    free(v->slots);
    free(v);
}

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* The slot of message msg of chat: its own, or the empty one where it
 * goes (open addressing with linear probes). */
static seen_msg *slot_of(bh_chat_view *v, int64_t chat, int64_t msg)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, &chat, sizeof chat);
    size_t i;
    h = fnv1a(h, &msg, sizeof msg);
    for (i = h & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
        seen_msg *s = &v->slots[i];
        if (!s->print || (s->chat == chat && s->msg == msg))
            return s;
    }
}

/* Doubles the table when it is half full, so probes stay short and an empty
 * slot always exists. Returns BH_OK, or BH_ENOMEM. */
static int grow_table(bh_chat_view *v)
{
    seen_msg *old = v->slots;
    size_t oldcap = v->cap;
    if (v->used * 2 < v->cap)
        return BH_OK;
    if (!(v->slots = calloc(oldcap * 2, sizeof *v->slots))) {
        v->slots = old;
        return BH_ENOMEM;
    }
    v->cap = oldcap * 2;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].print)
            *slot_of(v, old[i].chat, old[i].msg) = old[i];
    free(old);
    return BH_OK;
}

/* The string member key of o, or NULL. */
static const char *str_field(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* The integer member key of o, or 0. */
static int64_t int_field(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* Whether the member key of o is true. */
static int bool_field(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* The keyboard rows of a reply_markup, or NULL: inline keyboards (buttons
 * send a callback) and reply keyboards (buttons send their text). */
static json_object *markup_rows(json_object *markup, int *is_inline)
{
    json_object *kb;
    if (!markup || !json_object_is_type(markup, json_type_object))
        return NULL;
    if (json_object_object_get_ex(markup, "inline_keyboard", &kb) &&
        json_object_is_type(kb, json_type_array)) {
        *is_inline = 1;
        return kb;
    }
    if (json_object_object_get_ex(markup, "keyboard", &kb) && json_object_is_type(kb, json_type_array)) {
        *is_inline = 0;
        return kb;
    }
    return NULL;
}

/* A reply keyboard's button may be a bare string or an object with text. */
static const char *button_text(json_object *b)
{
    if (json_object_is_type(b, json_type_string))
        return json_object_get_string(b);
    const char *t = str_field(b, "text");
    return t ? t : "?";
}

json_object *bh_chat_view_button(json_object *kb, int n)
{
    int k = 0;
    for (size_t i = 0; kb && i < json_object_array_length(kb); i++) {
        json_object *row = json_object_array_get_idx(kb, i);
        if (!json_object_is_type(row, json_type_array))
            continue;
        for (size_t j = 0; j < json_object_array_length(row); j++)
            if (++k == n)
                return json_object_array_get_idx(row, j);
    }
    return NULL;
}

int bh_chat_view_last_keyboard(json_object *sent, int64_t chat, int64_t *msg_id,
                               json_object **kb, int *is_inline)
{
    int64_t best = 0;
    for (size_t i = 0; sent && i < json_object_array_length(sent); i++) {
        json_object *m = json_object_array_get_idx(sent, i), *rm, *rows;
        int inl = 0;
        int64_t id = int_field(m, "message_id");
        if (int_field(m, "chat_id") != chat || bool_field(m, "deleted") || id <= best)
            continue;
        if (!json_object_object_get_ex(m, "reply_markup", &rm) ||
            !(rows = markup_rows(rm, &inl)) || !bh_chat_view_button(rows, 1))
            continue;
        best = id;
        *msg_id = id;
        *kb = rows;
        *is_inline = inl;
    }
    return best ? BH_OK : BH_ENOTFOUND;
}

/* What pressing a reply keyboard's button b sends besides its text, as
 * a note after the label ("" for a text button). */
const char *bh_chat_view_button_kind(json_object *b)
{
    static const char *const kinds[][2] = {
        {"request_location", " (sends a location)"}, {"request_contact", " (sends a contact)"},
        {"request_users", " (shares users)"},        {"request_chat", " (shares a chat)"},
        {"request_poll", " (makes a poll)"},         {"web_app", " (opens a Web App)"},
        {"login_url", " (logs in)"},                 {"switch_inline_query", " (inline query)"},
        {"copy_text", " (copies a text)"},           {"pay", " (pays)"},
        {"callback_game", " (plays a game)"}};
    for (size_t i = 0; json_object_is_type(b, json_type_object) && i < sizeof kinds / sizeof *kinds; i++)
        if (json_object_object_get_ex(b, kinds[i][0], NULL))
            return kinds[i][1];
    return "";
}

/* The media of a message as a line naming it ("[photo]", "[document
 * report.pdf]"), into buf; "" for a text message. */
static const char *media_line(json_object *m, char *buf, size_t n)
{
    json_object *media, *f;
    buf[0] = 0;
    if (!json_object_object_get_ex(m, "media", &media) || !json_object_is_type(media, json_type_object))
        return buf;
    json_object_object_foreach(media, kind, val) {
        const char *name = NULL;
        f = val;
        if (json_object_is_type(f, json_type_array))
            f = json_object_array_get_idx(f, json_object_array_length(f) - 1);
        if (json_object_is_type(f, json_type_object))
            name = str_field(f, "file_name");
        snprintf(buf, n, "[%s%s%s]", kind, name ? " " : "", name ? name : "");
        break;
    }
    return buf;
}

/* Prints text with every line after the first indented under the first. */
static void print_text(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fputs(BH_CHAT_INDENT, out);
    }
    fputc('\n', out);
}

/* One line per keyboard row, buttons numbered on across rows so that
 * ":press N" names one button of the message. */
static void print_keyboard(bh_chat_view *v, json_object *rows, int is_inline)
{
    int k = 0;
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        json_object *row = json_object_array_get_idx(rows, i);
        if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) == 0)
            continue;
        fputs(BH_CHAT_INDENT, v->out);
        for (size_t j = 0; j < json_object_array_length(row); j++) {
            json_object *b = json_object_array_get_idx(row, j);
            const char *url = is_inline ? str_field(b, "url") : NULL;
            fprintf(v->out, "%s%s[%d]%s %s%s", j ? "  " : "", v->color ? "\033[1m" : "", ++k,
                    v->color ? "\033[0m" : "", button_text(b), bh_chat_view_button_kind(b));
            if (url)
                fprintf(v->out, " <%s>", url);
        }
        fputc('\n', v->out);
    }
    if (!is_inline && k)
        fprintf(v->out, BH_CHAT_INDENT "%s(reply keyboard: :press N presses a button)%s\n",
                v->color ? "\033[2m" : "", v->color ? "\033[0m" : "");
}

/* Prints one message of the bot; `how` is NULL for a new message, or
 * "edited" / "deleted". */
static void print_msg(bh_chat_view *v, json_object *m, int64_t current_chat, const char *how)
{
    const char *text = str_field(m, "text");
    int64_t chat = int_field(m, "chat_id");
    json_object *rm = NULL, *rows;
    int inl = 0;
    char line[BH_CHAT_MAX_LINE];

    fprintf(v->out, "%sbot", v->color ? "\033[1;36m" : "");
    if (chat != current_chat)
        fprintf(v->out, " [chat %" PRId64 "]", chat);
    fprintf(v->out, ">%s ", v->color ? "\033[0m" : "");
    if (how)
        fprintf(v->out, "%s(%s)%s ", v->color ? "\033[2m" : "", how, v->color ? "\033[0m" : "");
    media_line(m, line, sizeof line);
    if (*line) {
        const char *caption = str_field(m, "caption");
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", caption ? " " : "",
                 caption ? caption : "");
        text = line;
    }
    print_text(v->out, text ? text : "");
    if (!how || strcmp(how, "deleted")) {
        json_object_object_get_ex(m, "reply_markup", &rm);
        if ((rows = markup_rows(rm, &inl)))
            print_keyboard(v, rows, inl);
    }
}

/* The fingerprint of what a message shows: its text, its keyboard, and
 * whether it was deleted. Never 0, which marks an empty slot. */
static uint64_t fingerprint(json_object *m)
{
    json_object *rm;
    const char *text = str_field(m, "text"), *markup = "", *caption = str_field(m, "caption");
    int deleted = bool_field(m, "deleted");
    uint64_t print = 0xcbf29ce484222325ULL;
    json_object *media;
    if (json_object_object_get_ex(m, "media", &media) && media)
        print = fnv1a(print, json_object_to_json_string(media),
                      strlen(json_object_to_json_string(media)));
    if (caption)
        print = fnv1a(print, caption, strlen(caption) + 1);
    if (json_object_object_get_ex(m, "reply_markup", &rm) && rm)
        markup = json_object_to_json_string(rm);
    print = fnv1a(print, text ? text : "", text ? strlen(text) + 1 : 1);
    print = fnv1a(print, markup, strlen(markup));
    print = fnv1a(print, &deleted, sizeof deleted);
    return print | 1;  /* never 0, which marks an empty slot */
}

/* Prints message m when it is new or changed since it was last printed
 * (`before` first when it is the first thing printed now). Returns
 * BH_OK when it was printed, BH_EEXISTS when it was already, BH_ENOMEM. */
static int show_change(bh_chat_view *v, json_object *m, int64_t current_chat, const char *before)
{
    int64_t chat = int_field(m, "chat_id"), id = int_field(m, "message_id");
    int deleted = bool_field(m, "deleted");
    uint64_t print = fingerprint(m);
    seen_msg *s = slot_of(v, chat, id);
    if (s->print == print)
        return BH_EEXISTS;
    if (!s->print) {
        if (grow_table(v) != BH_OK)
            return BH_ENOMEM;
        s = slot_of(v, chat, id);
        v->used++;
    }
    if (before)
        fputs(before, v->out);
    print_msg(v, m, current_chat, deleted ? "deleted" : s->print ? "edited" : NULL);
    s->chat = chat;
    s->msg = id;
    s->print = print;
    return BH_OK;
}

int bh_chat_view_update(bh_chat_view *v, json_object *sent, int64_t current_chat,
                        const char *before)
{
    int printed = 0;
    for (size_t i = 0; sent && i < json_object_array_length(sent); i++) {
        int rc = show_change(v, json_object_array_get_idx(sent, i), current_chat,
                             printed ? NULL : before);
        if (rc == BH_ENOMEM)
            break;
        if (rc == BH_OK)
            printed++;
    }
    if (printed)
        fflush(v->out);
    return printed;
}
