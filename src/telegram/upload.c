/*
 * The multipart/form-data body of a request with files, made with
 * libcurl's mime API: a file on disk is named with curl_mime_filedata, so
 * libcurl reads it while sending (a 50 MB upload never sits in memory),
 * and the body is made anew for each attempt (a retry re-reads the file).
 */
#include <string.h>

#include <curl/curl.h>

#include "telegram/tg.h"

/* A text field: strings as they are, other JSON values as JSON text (as
 * the Bot API reads them from a form). */
static int add_field(curl_mime *mime, const char *key, json_object *v)
{
    curl_mimepart *part = curl_mime_addpart(mime);
    const char *text;
    if (!part)
        return -1;
    if (json_object_is_type(v, json_type_string))
        text = json_object_get_string(v);
    else
        text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    if (!text)
        return -1;
    return curl_mime_name(part, key) != CURLE_OK ||
                   curl_mime_data(part, text, CURL_ZERO_TERMINATED) != CURLE_OK
               ? -1
               : 0;
}

/* A file part: streamed from its path, or copied from its bytes. */
static int add_file(curl_mime *mime, const bh_tg_part *t)
{
    curl_mimepart *part = curl_mime_addpart(mime);
    CURLcode cc;
    if (!part || curl_mime_name(part, t->name) != CURLE_OK)
        return -1;
    if (t->kind == BH_INPUT_PATH)
        cc = curl_mime_filedata(part, t->path);
    else
        cc = curl_mime_data(part, t->data, t->len);
    if (cc != CURLE_OK)
        return -1;
    /* filedata already named it after the path; bytes need a name, or the
     * Bot API does not take the part for a file. */
    if (t->filename || t->kind != BH_INPUT_PATH)
        cc = curl_mime_filename(part, t->filename ? t->filename : "file");
    if (cc == CURLE_OK)
        cc = curl_mime_type(part, "application/octet-stream");
    return cc == CURLE_OK ? 0 : -1;
}

struct curl_mime *bh_tg_mime_build(void *curl, json_object *obj, const bh_params *p)
{
    curl_mime *mime = curl_mime_init(curl);
    if (!mime)
        return NULL;
    if (obj) {
        json_object_object_foreach(obj, key, v) {
            if (v && add_field(mime, key, v) != 0)
                goto fail;
        }
    }
    for (size_t i = 0; p && i < p->nparts; i++)
        if (add_file(mime, &p->parts[i]) != 0)
            goto fail;
    return mime;
fail:
    curl_mime_free(mime);
    return NULL;
}
