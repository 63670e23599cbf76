/* A client of the emulator's HTTP side (see client.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "client.h"

typedef struct body_buf {
    char *data;
    size_t len;
} body_buf;

/* libcurl's write callback: appends to the body, kept NUL-terminated.
 * Returns the bytes taken; fewer (0) makes libcurl fail the transfer. */
static size_t append_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_buf *b = userdata;
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

/* Sets c up for req; POST headers go to *headers, which the caller frees. */
static void set_options(CURL *c, const bh_emu_request *req, body_buf *b,
                        struct curl_slist **headers)
{
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    if (!req->post)
        return;
    *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->json ? req->json : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(req->json ? strlen(req->json) : 0));
}

int bh_emu_client_send(CURL *c, const bh_emu_request *req, long *status, char **body,
                       char *err, size_t errlen)
{
    body_buf b = {0};
    struct curl_slist *headers = NULL;
    CURLcode cc;

    *body = NULL;
    set_options(c, req, &b, &headers);
    cc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (cc != CURLE_OK) {
        free(b.data);
        snprintf(err, errlen, "%s", curl_easy_strerror(cc));
        return BH_ENET;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    *body = b.data ? b.data : strdup("");
    return *body ? BH_OK : BH_ENOMEM;
}
