/*
 * multipart/form-data requests, read with libmicrohttpd's post processor as
 * the body arrives: fields become string parameters, and file parts keep
 * their bytes (up to the Bot API's 50 MB per request) for files.c. The
 * whole body is never held twice, and the 1 MB cap of JSON bodies does not
 * apply to uploads.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "base/grow.h"
#include "bothive/error.h"
#include "emu.h"

#define BH_EMU_FORM_BUFFER 65536

/* One part as it arrives. */
typedef struct form_part {
    char *key;
    int is_file;
    bh_emu_upload *u; /* bytes (and file name for files) */
} form_part;

struct bh_emu_form {
    struct MHD_PostProcessor *pp;
    form_part *parts;
    size_t nparts, cap;
    size_t total;
    int too_big, failed;
};

/* Appends n bytes to u. Returns 0, or -1 when out of memory. */
static int upload_append(bh_emu_upload *u, const char *data, size_t n)
{
    char *d = bh_grow(u->data, &u->cap, u->len + n + 1, 1, 256);
    if (!d)
        return -1;
    u->data = d;
    memcpy(u->data + u->len, data, n);
    u->len += n;
    u->data[u->len] = '\0';
    return 0;
}

/* A new part for key; NULL when out of memory. */
static form_part *part_new(bh_emu_form *f, const char *key, const char *filename)
{
    form_part *p, *np = bh_grow(f->parts, &f->cap, f->nparts + 1, sizeof *np, 8);
    if (!np)
        return NULL;
    f->parts = np;
    p = &f->parts[f->nparts];
    memset(p, 0, sizeof *p);
    p->key = strdup(key);
    p->u = calloc(1, sizeof *p->u);
    p->is_file = filename != NULL;
    if (!p->key || !p->u || (filename && !(p->u->filename = strdup(filename)))) {
        free(p->key);
        bh_emu_upload_free(p->u);
        return NULL;
    }
    f->nparts++;
    return p;
}

/* The post processor's iterator: a part arrives in pieces, the first at
 * offset 0. Bytes past the cap are read and dropped, so the 413 reaches
 * the client. */
static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    bh_emu_form *f = cls;
    form_part *p = f->nparts ? &f->parts[f->nparts - 1] : NULL;
    (void)kind, (void)content_type, (void)transfer_encoding;
    if (!key || f->failed)
        return MHD_YES;
    f->total += size;
    if (f->total > BH_EMU_MAX_UPLOAD + BH_EMU_MAX_BODY)
        f->too_big = 1;
    if (f->too_big)
        return MHD_YES;
    if ((!p || off == 0 || strcmp(p->key, key)) && !(p = part_new(f, key, filename))) {
        f->failed = 1;
        return MHD_YES;
    }
    if (size && upload_append(p->u, data, size) != 0)
        f->failed = 1;
    return MHD_YES;
}

bh_emu_form *bh_emu_form_new(struct MHD_Connection *con)
{
    const char *ct = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type");
    bh_emu_form *f;
    if (!ct || strncasecmp(ct, "multipart/form-data", 19) || !(f = calloc(1, sizeof *f)))
        return NULL;
    if (!(f->pp = MHD_create_post_processor(con, BH_EMU_FORM_BUFFER, on_part, f))) {
        free(f);
        return NULL;
    }
    return f;
}

int bh_emu_form_feed(bh_emu_form *f, const char *data, size_t n)
{
    if (!f->too_big && !f->failed && MHD_post_process(f->pp, data, n) != MHD_YES)
        f->failed = 1;
    return f->too_big ? BH_ETOOBIG : BH_OK;
}

int bh_emu_form_params(bh_emu_form *f, bh_emu_params *p)
{
    if (f->failed)
        return BH_EINVAL;
    for (size_t i = 0; i < f->nparts; i++) {
        form_part *fp = &f->parts[i];
        if (fp->is_file) {
            if (bh_emu_params_add_upload(p, fp->key, fp->u) != BH_OK)
                return BH_ENOMEM;
        } else {
            json_object_object_add(p, fp->key,
                                   json_object_new_string_len(fp->u->data ? fp->u->data : "",
                                                              (int)fp->u->len));
            bh_emu_upload_free(fp->u);
        }
        fp->u = NULL; /* taken */
    }
    return BH_OK;
}

int bh_emu_form_too_big(const bh_emu_form *f)
{
    return f->too_big;
}

void bh_emu_form_free(bh_emu_form *f)
{
    if (!f)
        return;
    if (f->pp)
        MHD_destroy_post_processor(f->pp);
    for (size_t i = 0; i < f->nparts; i++) {
        free(f->parts[i].key);
        bh_emu_upload_free(f->parts[i].u);
    }
    free(f->parts);
    free(f);
}
