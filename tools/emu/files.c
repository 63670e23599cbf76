/*
 * The emulator's files: the bytes of every upload, kept so that getFile
 * and the file URL (/file/bot<token>/<file_path>) give back exactly what
 * was uploaded, and so that a file_id sent again names the same file.
 *
 * An uploaded part reaches the methods as a parameter whose json-c string
 * is its file name and whose userdata is the bh_emu_upload with its bytes
 * (http.c makes them); a parameter may also be a file_id, a URL, or
 * "attach://<part>" naming such a part, as in the Bot API.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bothive/error.h"
#include "emu.h"

void bh_emu_upload_free(bh_emu_upload *u)
{
    if (!u)
        return;
    free(u->filename);
    free(u->data);
    free(u);
}

static void upload_userdata_free(json_object *o, void *ud)
{
    (void)o;
    bh_emu_upload_free(ud);
}

int bh_emu_params_add_upload(bh_emu_params *p, const char *name, bh_emu_upload *u)
{
    json_object *v = json_object_new_string(u->filename ? u->filename : "file");
    if (!v) {
        bh_emu_upload_free(u);
        return BH_ENOMEM;
    }
    json_object_set_userdata(v, u, upload_userdata_free);
    json_object_object_add(p, name, v);
    return BH_OK;
}

bh_emu_upload *bh_emu_param_upload(bh_emu_params *p, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(p, name, &v) || !v || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_userdata(v);
}

void bh_emu_files_free_locked(bh_emu *e)
{
    while (e->files) {
        bh_emu_file *f = e->files;
        e->files = f->next;
        free(f->data);
        free(f->name);
        free(f);
    }
    e->next_file_id = 1;
}

bh_emu_file *bh_emu_file_find_locked(bh_emu *e, const char *file_id)
{
    for (bh_emu_file *f = e->files; f; f = f->next)
        if (!strcmp(f->id, file_id))
            return f;
    return NULL;
}

/* The extension of name (".jpg"), or dflt when it has none that is short
 * and plain (a file_path must not carry a user's odd characters). */
static const char *extension(const char *name, const char *dflt)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || strlen(dot) > 8 || dot == name)
        return dflt;
    for (const char *q = dot + 1; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
            return dflt;
    return dot;
}

/* A new file of kind ("photo", "document", ...) holding data (taken, may
 * be NULL for a URL's file, whose bytes the emulator does not fetch). */
static bh_emu_file *file_new_locked(bh_emu *e, const char *kind, const char *name, char *data,
                                    size_t len)
{
    bh_emu_file *f = calloc(1, sizeof *f);
    if (!f || (name && !(f->name = strdup(name)))) {
        free(f);
        free(data);
        return NULL;
    }
    int64_t n = e->next_file_id++;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    snprintf(f->id, sizeof f->id, "EMU%s%" PRId64 "x%08" PRIx64, kind, n,
             (uint64_t)(bh_emu_random_locked(e) * 4294967296.0));
    snprintf(f->unique_id, sizeof f->unique_id, "u%" PRId64, n);
    if (data)
        snprintf(f->path, sizeof f->path, "%ss/file_%" PRId64 "%s", kind, n,
                 extension(name, !strcmp(kind, "photo") ? ".jpg" : ""));
    f->data = data;
    f->len = len;
    f->next = e->files;
    e->files = f;
    return f;
}

bh_emu_file *bh_emu_file_add_locked(bh_emu *e, const char *kind, const char *name, char *data,
                                    size_t len)
{
    if (!data && !(data = calloc(1, 1)))
        return NULL;
    return file_new_locked(e, kind, name, data, len);
}

/* Stores an uploaded part as a new file (its bytes are moved). */
static bh_emu_file *file_from_upload_locked(bh_emu *e, bh_emu_upload *u, const char *kind)
{
    char *data = u->data;
    size_t len = u->len;
    u->data = NULL;
    u->len = 0;
    return bh_emu_file_add_locked(e, kind, u->filename, data, len);
}

/* Resolves value (file_id, URL, or attach://part of p) to a file of kind
 * within max bytes, or answers Telegram's error and returns NULL. */
bh_emu_file *bh_emu_resolve_file(bh_emu *e, bh_emu_params *p, const char *value, const char *kind,
                                 size_t max, bh_emu_reply *r)
{
    bh_emu_upload *u = NULL;
    bh_emu_file *f;
    if (!strncmp(value, "attach://", 9)) {
        if (!(u = bh_emu_param_upload(p, value + 9))) {
            bh_emu_reply_error(r, 400, "Bad Request: wrong file identifier/HTTP URL specified");
            return NULL;
        }
    } else if (!strncasecmp(value, "http://", 7) || !strncasecmp(value, "https://", 8)) {
        f = file_new_locked(e, kind, NULL, NULL, 0);
        if (!f)
            bh_emu_reply_error(r, 500, "Internal Server Error");
        return f;
    } else if (!(f = bh_emu_file_find_locked(e, value))) {
        bh_emu_reply_error(r, 400, "Bad Request: wrong file identifier/HTTP URL specified");
        return NULL;
    } else {
        return f;
    }
    if (u->len > max) {
        bh_emu_reply_error(r, 400, !strcmp(kind, "photo") ? "Bad Request: PHOTO_INVALID_DIMENSIONS"
                                                          : "Bad Request: file is too big");
        return NULL;
    }
    if (!(f = file_from_upload_locked(e, u, kind)))
        bh_emu_reply_error(r, 500, "Internal Server Error");
    return f;
}

bh_emu_file *bh_emu_need_file(bh_emu *e, bh_emu_params *p, const char *name, size_t max,
                              bh_emu_reply *r)
{
    bh_emu_upload *u = bh_emu_param_upload(p, name);
    const char *value = bh_emu_param_str(p, name);
    char desc[96];
    bh_emu_file *f;
    if (u) {
        if (u->len > max) {
            bh_emu_reply_error(r, 400, !strcmp(name, "photo") ? "Bad Request: PHOTO_INVALID_DIMENSIONS"
                                                              : "Bad Request: file is too big");
            return NULL;
        }
        if (!(f = file_from_upload_locked(e, u, name)))
            bh_emu_reply_error(r, 500, "Internal Server Error");
        return f;
    }
    if (!value || !*value) {
        snprintf(desc, sizeof desc, "Bad Request: there is no %s in the request", name);
        bh_emu_reply_error(r, 400, desc);
        return NULL;
    }
    return bh_emu_resolve_file(e, p, value, name, max, r);
}

json_object *bh_emu_file_json(const bh_emu_file *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "file_id", json_object_new_string(f->id));
    json_object_object_add(o, "file_unique_id", json_object_new_string(f->unique_id));
    if (f->data)
        json_object_object_add(o, "file_size", json_object_new_int64((int64_t)f->len));
    return o;
}

/* getFile: the File object, with a file_path for files of at most 20 MB. */
void bh_emu_get_file(bh_emu *e, bh_emu_params *p, bh_emu_reply *r)
{
    const char *id = bh_emu_param_str(p, "file_id");
    bh_emu_file *f;
    json_object *o;
    if (!id || !*id) {
        bh_emu_reply_error(r, 400, "Bad Request: file_id is empty");
        return;
    }
    if (!(f = bh_emu_file_find_locked(e, id))) {
        bh_emu_reply_error(r, 400, "Bad Request: invalid file_id");
        return;
    }
    if (f->len > BH_EMU_MAX_DOWNLOAD) {
        bh_emu_reply_error(r, 400, "Bad Request: file is too big");
        return;
    }
    o = bh_emu_file_json(f);
    if (f->path[0])
        json_object_object_add(o, "file_path", json_object_new_string(f->path));
    bh_emu_reply_ok(r, o);
}

int bh_emu_file_copy(bh_emu *e, const char *path, char **data, size_t *len)
{
    int rc = BH_ENOTFOUND;
    *data = NULL;
    *len = 0;
    pthread_mutex_lock(&e->lock);
    for (bh_emu_file *f = e->files; f; f = f->next) {
        if (f->data && f->path[0] && !strcmp(f->path, path)) {
            rc = BH_ENOMEM;
            if ((*data = malloc(f->len ? f->len : 1))) {
                memcpy(*data, f->data, f->len);
                *len = f->len;
                rc = BH_OK;
            }
            break;
        }
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}
