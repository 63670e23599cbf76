/*
 * A client of the emulator's HTTP side, for the tools that talk to it
 * (`bothive chat`) and for the tests: one request on a libcurl easy handle
 * (which the caller may keep, so the connection stays open), its HTTP
 * status and its body. The emulator answers in the Bot API's shape
 * whatever the status; reading that shape is the caller's business.
 */
#ifndef BOTHIVE_TOOLS_EMU_CLIENT_H
#define BOTHIVE_TOOLS_EMU_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

typedef struct bh_emu_request {
    const char *url;     /* the whole URL: base, then /bot<T>/<method> or /control/... */
    bool post;           /* POST json as application/json; else GET */
    const char *json;    /* the POST body; NULL sends an empty one */
    long timeout_s;      /* the whole transfer, in seconds */
} bh_emu_request;

/* Performs req on c (reset first). Returns BH_OK with *status and *body
 * (malloc'd, NUL-terminated, "" when empty; the caller frees it); BH_ENET
 * when no answer came, with libcurl's reason in err; BH_ENOMEM. */
int bh_emu_client_send(CURL *c, const bh_emu_request *req, long *status, char **body,
                       char *err, size_t errlen);

#endif
