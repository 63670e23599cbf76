/*
 * bothive chat: a client for the emulator's control API, on the client
 * the tests use too (emu/client.h). One easy handle is reused so the
 * connection to the emulator is kept alive across the several polls a
 * second the chat makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bothive/error.h"
#include "chat.h"
#include "emu/client.h"

#define BH_CHAT_HTTP_TIMEOUT_S 10L

struct bh_chat_http {
    CURL *curl;
    char *base;
};

bh_chat_http *bh_chat_http_new(const char *base_url)
{
    bh_chat_http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    if (!(h->base = strdup(base_url)) || !(h->curl = curl_easy_init())) {
        bh_chat_http_free(h);
        return NULL;
    }
    return h;
}

void bh_chat_http_free(bh_chat_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->base);
    free(h);
}

/* The result of an answer in the Bot API's shape (a new reference), or
 * NULL with the reason in err. The emulator answers in that shape whatever
 * the status, so the body decides: ok:true gives the result, ok:false the
 * description. */
static json_object *answer_result(const char *body, char *err, size_t errlen)
{
    json_object *root = json_tokener_parse(body), *ok, *res = NULL, *desc;
    if (!root) {
        snprintf(err, errlen, "the emulator's answer is not JSON");
        return NULL;
    }
    if (!json_object_object_get_ex(root, "ok", &ok) || !json_object_get_boolean(ok))
        snprintf(err, errlen, "%s",
                 json_object_object_get_ex(root, "description", &desc) ? json_object_get_string(desc)
                                                                       : "request failed");
    else if (json_object_object_get_ex(root, "result", &res))
        json_object_get(res);
    else
        snprintf(err, errlen, "the emulator's answer has no result");
    json_object_put(root);
    return res;
}

json_object *bh_chat_http_call(bh_chat_http *h, const char *path, const char *json,
                               char *err, size_t errlen)
{
    char *url = NULL, *body = NULL, why[CURL_ERROR_SIZE];
    json_object *res = NULL;
    long status = 0;
    int rc;

    if (asprintf(&url, "%s%s", h->base, path) < 0) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    bh_emu_request req = {.url = url, .post = json != NULL, .json = json,
                          .timeout_s = BH_CHAT_HTTP_TIMEOUT_S};
    rc = bh_emu_client_send(h->curl, &req, &status, &body, why, sizeof why);
    if (rc == BH_ENET)
        snprintf(err, errlen, "cannot reach the emulator: %s", why);
    else if (rc != BH_OK)
        snprintf(err, errlen, "out of memory");
    else
        res = answer_result(body, err, errlen);
    free(body);
    free(url);
    return res;
}
