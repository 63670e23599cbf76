/*
 * bothive chat: a small libcurl client for the emulator's control API. One
 * easy handle is reused so the connection to the emulator is kept alive
 * across the several polls a second the chat makes.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "chat.h"

struct bh_chat_http {
    CURL *curl;
    struct curl_slist *headers;
    char *base;
};

typedef struct bh_chat_buf {
    char *data;
    size_t len;
} bh_chat_buf;

bh_chat_http *bh_chat_http_new(const char *base_url)
{
    bh_chat_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (!(h->base = strdup(base_url)) || !(h->curl = curl_easy_init()))
        goto fail;
    if (!(h->headers = curl_slist_append(NULL, "Content-Type: application/json")))
        goto fail;
    return h;
fail:
    bh_chat_http_free(h);
    return NULL;
}

void bh_chat_http_free(bh_chat_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    free(h->base);
    free(h);
}

static size_t bh_chat_http_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    bh_chat_buf *b = userdata;
    size_t n = size * nmemb;
    char *d = realloc(b->data, b->len + n + 1);
    if (!d)
        return 0;
    memcpy(d + b->len, ptr, n);
    b->data = d;
    b->len += n;
    d[b->len] = '\0';
    return n;
}

/* The emulator answers in the Bot API's shape whatever the status, so the
 * body decides: ok:true gives the result, ok:false the description. */
json_object *bh_chat_http_call(bh_chat_http *h, const char *path, const char *json,
                               char *err, size_t errlen)
{
    bh_chat_buf b = {0};
    char *url = NULL;
    json_object *root = NULL, *ok, *res = NULL, *desc;
    CURLcode cc;

    if (asprintf(&url, "%s%s", h->base, path) < 0) {
        url = NULL;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    curl_easy_reset(h->curl);
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, bh_chat_http_write);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &b);
    if (json) {
        curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    }
    if ((cc = curl_easy_perform(h->curl)) != CURLE_OK) {
        snprintf(err, errlen, "cannot reach the emulator: %s", curl_easy_strerror(cc));
        goto out;
    }
    if (!b.data || !(root = json_tokener_parse(b.data))) {
        snprintf(err, errlen, "the emulator's answer is not JSON");
        goto out;
    }
    if (!json_object_object_get_ex(root, "ok", &ok) || !json_object_get_boolean(ok)) {
        snprintf(err, errlen, "%s",
                 json_object_object_get_ex(root, "description", &desc) ? json_object_get_string(desc)
                                                                       : "request failed");
        goto out;
    }
    if (json_object_object_get_ex(root, "result", &res))
        json_object_get(res);
    else
        snprintf(err, errlen, "the emulator's answer has no result");
out:
    json_object_put(root);
    free(b.data);
    free(url);
    return res;
}
