/*
 * The emulator's methods that send files: the one-file sends (sendPhoto,
 * sendDocument..., one handler for the send-file rows of the method table
 * src/telegram/methods.def) and sendMediaGroup. The file of each comes as an upload, a file_id or a URL
 * (files.c); the message keeps the file's JSON so that it shows as
 * Telegram shows it, with the same file_id the bot can send again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/error.h"
#include "emu.h"

#define BH_EMU_ALBUM_MIN 2
#define BH_EMU_ALBUM_MAX 10

/* The media fields of a message showing file f as `kind`, as JSON text. */
char *bh_emu_media_text(const bh_emu_file *f, const char *kind)
{
    json_object *o = json_object_new_object(), *file = bh_emu_file_json(f);
    char *text;
    if (!strcmp(kind, "photo")) {
        /* One size only: the emulator makes no thumbnails. */
        json_object *sizes = json_object_new_array();
        json_object_object_add(file, "width", json_object_new_int(90));
        json_object_object_add(file, "height", json_object_new_int(90));
        json_object_array_add(sizes, file);
        json_object_object_add(o, "photo", sizes);
    } else {
        if (f->name)
            json_object_object_add(file, "file_name", json_object_new_string(f->name));
        json_object_object_add(o, kind, file);
    }
    text = bh_emu_json_text(o);
    json_object_put(o);
    return text;
}

/* Adds the bot's media message to c: media (taken), the caption and
 * markup of mc (taken). Returns it, or NULL after answering 500. */
static bh_emu_msg *add_media_msg(bh_emu *e, bh_emu_chat *c, bh_emu_params *p, char *media,
                                 bh_emu_content *mc, int64_t reply_to, bh_emu_reply *r)
{
    bh_emu_msg *m = media ? bh_emu_msg_add_locked(c) : NULL;
    if (!m) {
        free(media);
        bh_emu_content_free(mc);
        bh_emu_reply_error(r, 500, "Internal Server Error");
        return NULL;
    }
    m->from_bot = 1;
    m->media = media;
    m->caption = mc->text;
    m->parse_mode = mc->parse_mode;
    m->reply_markup = mc->reply_markup;
    memset(mc, 0, sizeof *mc);
    m->reply_to = reply_to;
    m->disable_notification = bh_emu_param_bool(p, "disable_notification");
    e->stats.sent_messages++;
    return m;
}

/* A one-file send: one file parameter named kind, of at most max bytes,
 * with a caption. */
static void send_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *kind, size_t max)
{
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    bh_emu_content mc;
    bh_emu_file *f;
    bh_emu_msg *m;
    int64_t reply_to;
    char *extra = NULL;
    if (!c || bh_emu_need_caption(p, r, &mc) != BH_OK)
        return;
    if ((reply_to = bh_emu_need_reply_to(c, p, r)) < 0 ||
        bh_emu_need_send_options(e, c, p, mc.text, r, &extra) != BH_OK ||
        !(f = bh_emu_need_file(e, p, kind, max, r))) {
        free(extra);
        bh_emu_content_free(&mc);
        return;
    }
    if ((m = add_media_msg(e, c, p, bh_emu_media_text(f, kind), &mc, reply_to, r))) {
        m->extra = extra;
        bh_emu_reply_ok(r, bh_emu_msg_json_locked(e, c, m, 0));
    } else {
        free(extra);
    }
}

/* The send-file rows of the method table: the method and its file's kind. */
static const struct file_method {
    const char *name, *kind;
} file_methods[] = {
#define BH_API_SEND_FILE(name, file, wrapper, caption) {name, #file},
#include "telegram/methods.def"
};

const char *bh_emu_file_method(const char *name, const char **canonical)
{
    for (size_t i = 0; i < sizeof file_methods / sizeof file_methods[0]; i++) {
        if (!strcasecmp(file_methods[i].name, name)) {
            *canonical = file_methods[i].name;
            return file_methods[i].kind;
        }
    }
    return NULL;
}

void bh_emu_send_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r, const char *kind)
{
    send_file(e, p, r, kind, strcmp(kind, "photo") ? BH_EMU_MAX_UPLOAD : BH_EMU_MAX_PHOTO);
}

/* One item of an album, checked and with its file resolved. */
typedef struct album_item {
    char kind[16];
    bh_emu_file *file;
    char *caption;
} album_item;

/* Checks InputMedia item o into *it. Returns BH_OK, or BH_EINVAL after
 * answering the error. */
static int album_item_read(bh_emu *e, bh_emu_params *p, json_object *o, album_item *it,
                           bh_emu_reply *r)
{
    static const char *const kinds[] = {"photo", "video", "document", "audio"};
    const char *type = NULL, *media = NULL, *caption = NULL;
    json_object *v;
    if (json_object_is_type(o, json_type_object)) {
        type = json_object_object_get_ex(o, "type", &v) ? json_object_get_string(v) : NULL;
        media = json_object_object_get_ex(o, "media", &v) ? json_object_get_string(v) : NULL;
        caption = json_object_object_get_ex(o, "caption", &v) ? json_object_get_string(v) : NULL;
    }
    for (size_t k = 0; type && k < sizeof kinds / sizeof kinds[0]; k++)
        if (!strcmp(type, kinds[k]))
            snprintf(it->kind, sizeof it->kind, "%s", type);
    if (!it->kind[0] || !media || !*media) {
        bh_emu_reply_error(r, 400, "Bad Request: can't parse InputMedia JSON object");
        return BH_EINVAL;
    }
    if (bh_emu_check_caption(caption, r, &it->caption) != BH_OK)
        return BH_EINVAL;
    size_t max = !strcmp(it->kind, "photo") ? BH_EMU_MAX_PHOTO : BH_EMU_MAX_UPLOAD;
    if (!(it->file = bh_emu_resolve_file(e, p, media, it->kind, max, r)))
        return BH_EINVAL;
    return BH_OK;
}

/* The album's items from the media parameter, into items (n of them).
 * Returns BH_OK, or BH_EINVAL after answering the error. */
static int album_read(bh_emu *e, bh_emu_params *p, album_item *items, size_t *n, bh_emu_reply *r)
{
    int bad;
    json_object *media = bh_emu_param_json(p, "media", &bad);
    int rc = BH_OK;
    *n = 0;
    if (!media || bad || !json_object_is_type(media, json_type_array)) {
        bh_emu_reply_error(r, 400, media || bad ? "Bad Request: can't parse media JSON object"
                                                : "Bad Request: parameter \"media\" is required");
        json_object_put(media);
        return BH_EINVAL;
    }
    size_t len = json_object_array_length(media);
    if (len < BH_EMU_ALBUM_MIN || len > BH_EMU_ALBUM_MAX) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong number of media specified: must be 2-10");
        rc = BH_EINVAL;
    }
    for (size_t i = 0; rc == BH_OK && i < len; i++, (*n)++)
        rc = album_item_read(e, p, json_object_array_get_idx(media, i), &items[i], r);
    json_object_put(media);
    return rc;
}

/* sendMediaGroup: 2..10 photos, videos, documents or audios sent as one
 * album (one media_group_id); the answer is the array of its messages. */
void bh_emu_send_media_group(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    album_item items[BH_EMU_ALBUM_MAX + 1];
    bh_emu_chat *c = bh_emu_need_open_chat(e, p, r);
    json_object *result = NULL;
    char group[32], *extra = NULL;
    size_t n = 0;
    memset(items, 0, sizeof items);
    if (!c || album_read(e, p, items, &n, r) != BH_OK ||
        bh_emu_need_send_options(e, c, p, NULL, r, &extra) != BH_OK)
        goto out;
    snprintf(group, sizeof group, "%" PRId64, e->next_file_id * 1000 + c->id % 1000);
    result = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        bh_emu_content mc = {.text = items[i].caption};
        bh_emu_msg *m = add_media_msg(e, c, p, bh_emu_media_text(items[i].file, items[i].kind), &mc, 0, r);
        items[i].caption = NULL;
        if (!m || !(m->media_group_id = strdup(group)) || (extra && !(m->extra = strdup(extra))))
            goto out;
        json_object_array_add(result, bh_emu_msg_json_locked(e, c, m, 0));
    }
    bh_emu_reply_ok(r, result);
    result = NULL;
out:
    free(extra);
    json_object_put(result);
    for (size_t i = 0; i < n; i++)
        free(items[i].caption);
}
