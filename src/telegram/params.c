/*
 * The parameter builder: the parameters of any Bot API method, kept as a
 * json-c object (so json-c writes every body) plus the list of files to
 * upload, which make the request multipart (upload.c).
 *
 * A setter that fails remembers its error and why, and the call returns it:
 * a caller may chain setters and check once. Files are checked when they
 * are added (readable, within the Bot API's limits), so that the error
 * names the file and the limit before anything is sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "bothive/telegram.h"
#include "telegram/tg.h"

bh_input_file bh_file_path(const char *path)
{
    return (bh_input_file){.kind = BH_INPUT_PATH, .value = path};
}

bh_input_file bh_file_memory(const void *data, size_t len, const char *filename)
{
    return (bh_input_file){.kind = BH_INPUT_MEMORY, .data = data, .len = len, .filename = filename};
}

bh_input_file bh_file_id(const char *file_id)
{
    return (bh_input_file){.kind = BH_INPUT_FILE_ID, .value = file_id};
}

bh_input_file bh_file_url(const char *url)
{
    return (bh_input_file){.kind = BH_INPUT_URL, .value = url};
}

int bh_params_new(bh_params **out)
{
    bh_params *p;
    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (!(p = calloc(1, sizeof *p)))
        return BH_ENOMEM;
    if (!(p->obj = json_object_new_object())) {
        free(p);
        return BH_ENOMEM;
    }
    *out = p;
    return BH_OK;
}

static void part_free(bh_tg_part *t)
{
    free(t->name);
    free(t->path);
    free(t->data);
    free(t->filename);
}

void bh_params_free(bh_params *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nparts; i++)
        part_free(&p->parts[i]);
    free(p->parts);
    json_object_put(p->obj);
    free(p);
}

/* Records the first failure of a setter (later ones keep the first). */
static int fail(bh_params *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(bh_params *p, int rc, const char *fmt, ...)
{
    va_list ap;
    if (p->rc != BH_OK)
        return p->rc;
    p->rc = rc;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    return rc;
}

/* Sets key to v (consumed, even on failure). */
static int put(bh_params *p, const char *key, json_object *v)
{
    if (!p) {
        json_object_put(v);
        return BH_EINVAL;
    }
    if (p->rc != BH_OK) {
        json_object_put(v);
        return p->rc;
    }
    if (!key || !*key) {
        json_object_put(v);
        return fail(p, BH_EINVAL, "a parameter without a name");
    }
    if (!v || json_object_object_add(p->obj, key, v)) {
        json_object_put(v);
        return fail(p, BH_ENOMEM, "%s: out of memory", key);
    }
    return BH_OK;
}

int bh_params_str(bh_params *p, const char *key, const char *value)
{
    if (p && !value)
        return fail(p, BH_EINVAL, "%s: NULL string", key ? key : "?");
    return put(p, key, value ? json_object_new_string(value) : NULL);
}

int bh_params_int(bh_params *p, const char *key, int64_t value)
{
    return put(p, key, json_object_new_int64(value));
}

int bh_params_bool(bh_params *p, const char *key, int value)
{
    return put(p, key, json_object_new_boolean(value != 0));
}

int bh_params_double(bh_params *p, const char *key, double value)
{
    return put(p, key, json_object_new_double(value));
}

int bh_params_json(bh_params *p, const char *key, json_object *value)
{
    if (p && !value)
        return fail(p, BH_EINVAL, "%s: NULL JSON value", key ? key : "?");
    return put(p, key, json_object_get(value));
}

int bh_params_json_text(bh_params *p, const char *key, const char *json)
{
    json_tokener *tok;
    json_object *v;
    if (!p || !json)
        return p ? fail(p, BH_EINVAL, "%s: NULL JSON text", key ? key : "?") : BH_EINVAL;
    if (!(tok = json_tokener_new()))
        return fail(p, BH_ENOMEM, "out of memory");
    v = json_tokener_parse_ex(tok, json, (int)strlen(json));
    if (!v && json_tokener_get_error(tok) != json_tokener_success) {
        json_tokener_free(tok);
        return fail(p, BH_EJSON, "%s: not a JSON text", key ? key : "?");
    }
    json_tokener_free(tok);
    return put(p, key, v ? v : json_object_new_null());
}

int bh_params_keyboard(bh_params *p, const bh_keyboard *k)
{
    json_object *copy = NULL;
    if (p && !k)
        return fail(p, BH_EINVAL, "reply_markup: NULL keyboard");
    /* A copy, so that a keyboard changed after this call changes nothing here. */
    if (k && json_object_deep_copy(bh_keyboard_json(k), &copy, NULL) != 0)
        copy = NULL;
    return put(p, "reply_markup", copy);
}

/*
 * An array parameter built item by item (an album's InputMedia, a sticker
 * set's InputStickers, paid media). Every error is kept in p, so that the
 * caller needs no path of its own for a bad item: the call returns it,
 * with the parameter and the index named, and sends nothing.
 */
int bh_tg_params_array(bh_params *p, const char *key, const void *items, size_t n,
                       bh_tg_item_fn item)
{
    json_object *arr;
    int rc = BH_OK;
    if (!p)
        return BH_EINVAL;
    if (p->rc != BH_OK)
        return p->rc;
    if (!key || !*key || !item || (n && !items))
        return fail(p, BH_EINVAL, "%s: no items", key ? key : "?");
    if (!(arr = json_object_new_array()))
        return fail(p, BH_ENOMEM, "%s: out of memory", key);
    for (size_t i = 0; i < n && rc == BH_OK; i++) {
        json_object *o = NULL;
        if ((rc = item(p, items, i, &o)) == BH_OK && (!o || json_object_array_add(arr, o) != 0)) {
            json_object_put(o);
            rc = BH_ENOMEM;
        }
        if (rc != BH_OK)
            fail(p, rc, "%s[%zu]: %s", key, i,
                 rc == BH_ENOMEM ? "out of memory" : "not a valid item");
    }
    if (rc == BH_OK)
        bh_params_json(p, key, arr);
    json_object_put(arr);
    return p->rc;
}

/* Checks that path is a readable regular file within max bytes. */
static int check_path(bh_params *p, const char *key, const char *path, int64_t max)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(p, BH_EIO, "%s: cannot read %s: %s", key, path, strerror(errno));
    int rc = fstat(fd, &st);
    close(fd);
    if (rc != 0 || !S_ISREG(st.st_mode))
        return fail(p, BH_EIO, "%s: %s is not a regular file", key, path);
    if ((int64_t)st.st_size > max)
        return fail(p, BH_ETOOBIG, "%s: %s is %lld bytes, above the Bot API's limit of %lld MB",
                    key, path, (long long)st.st_size, (long long)(max >> 20));
    return BH_OK;
}

/* Appends an upload part named name for f (a path or bytes). */
static int add_part(bh_params *p, const char *name, const bh_input_file *f, int64_t max)
{
    bh_tg_part t = {0}, *parts;
    int rc;
    if (f->kind == BH_INPUT_PATH && (rc = check_path(p, name, f->value, max)) != BH_OK)
        return rc;
    if (f->kind == BH_INPUT_MEMORY && (int64_t)f->len > max)
        return fail(p, BH_ETOOBIG, "%s: %zu bytes, above the Bot API's limit of %lld MB", name,
                    f->len, (long long)(max >> 20));
    if (!(parts = bh_grow(p->parts, &p->capparts, p->nparts + 1, sizeof *parts, 4)))
        return fail(p, BH_ENOMEM, "out of memory");
    p->parts = parts;
    t.kind = f->kind;
    t.name = strdup(name);
    t.path = f->kind == BH_INPUT_PATH ? strdup(f->value) : NULL;
    t.data = f->kind == BH_INPUT_MEMORY ? malloc(f->len ? f->len : 1) : NULL;
    t.len = f->len;
    t.filename = f->filename ? strdup(f->filename) : NULL;
    if (!t.name || (f->kind == BH_INPUT_PATH && !t.path) || (f->kind == BH_INPUT_MEMORY && !t.data) ||
        (f->filename && !t.filename)) {
        part_free(&t);
        return fail(p, BH_ENOMEM, "out of memory");
    }
    if (t.data && f->len)
        memcpy(t.data, f->data, f->len);
    p->parts[p->nparts++] = t;
    return BH_OK;
}

/* Whether f is a file the builder can take. */
static int file_valid(const bh_input_file *f)
{
    if (!f)
        return 0;
    if (f->kind == BH_INPUT_MEMORY)
        return f->data != NULL || f->len == 0;
    return (f->kind == BH_INPUT_PATH || f->kind == BH_INPUT_FILE_ID || f->kind == BH_INPUT_URL) &&
           f->value && *f->value;
}

int bh_params_file(bh_params *p, const char *key, const bh_input_file *f)
{
    if (!p)
        return BH_EINVAL;
    if (p->rc != BH_OK)
        return p->rc;
    if (!key || !*key || !file_valid(f))
        return fail(p, BH_EINVAL, "%s: no file", key ? key : "?");
    if (f->kind == BH_INPUT_FILE_ID || f->kind == BH_INPUT_URL)
        return bh_params_str(p, key, f->value);
    json_object_object_del(p->obj, key);
    return add_part(p, key, f, strcmp(key, "photo") ? BH_UPLOAD_MAX : BH_PHOTO_MAX);
}

int bh_params_attach(bh_params *p, const bh_input_file *f, int64_t max_bytes, char *ref,
                     size_t refsz)
{
    char name[32];
    int rc;
    if (!p || !ref || !refsz)
        return BH_EINVAL;
    if (p->rc != BH_OK)
        return p->rc;
    if (!file_valid(f))
        return fail(p, BH_EINVAL, "media: no file");
    if (f->kind == BH_INPUT_FILE_ID || f->kind == BH_INPUT_URL) {
        if (strlen(f->value) >= refsz)
            return fail(p, BH_ETOOBIG, "media: reference longer than its buffer");
        strcpy(ref, f->value);
        return BH_OK;
    }
    snprintf(name, sizeof name, "file%u", p->next_attach++);
    if (strlen(name) + 9 >= refsz)
        return fail(p, BH_ETOOBIG, "media: reference longer than its buffer");
    if ((rc = add_part(p, name, f, max_bytes > 0 ? max_bytes : BH_UPLOAD_MAX)) != BH_OK)
        return rc;
    snprintf(ref, refsz, "attach://%s", name);
    return BH_OK;
}

const char *bh_params_error(const bh_params *p)
{
    return p ? p->err : "";
}

json_object *bh_params_object(const bh_params *p)
{
    return p ? p->obj : NULL;
}
