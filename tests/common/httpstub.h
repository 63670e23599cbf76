/*
 * A small real HTTP server for tests: libmicrohttpd on 127.0.0.1, on a port
 * picked by the kernel, whose answers the test scripts in advance, and which
 * records every request it gets. Tests talk to it over loopback with the
 * real client code; nothing is mocked.
 */
#ifndef BH_HTTPSTUB_H
#define BH_HTTPSTUB_H

#include <stddef.h>
#include <stdint.h>

typedef struct bh_httpstub bh_httpstub;

/* One request as received. */
typedef struct bh_stub_request {
    char method[16];
    char path[512];          /* the URL path as sent, with the token */
    char content_type[128];  /* "" if absent */
    char *body;              /* NUL-terminated; "" if empty */
    size_t body_len;
    int64_t t_ms;            /* monotonic ms when the request was complete */
    unsigned client_port;    /* the client's TCP port: same port, same connection */
} bh_stub_request;

/* Special statuses for bh_httpstub_push. */
#define BH_STUB_DROP (-1) /* close the connection without answering */

/* Starts a server. Aborts the test process on failure (a test cannot run
 * without it). */
bh_httpstub *bh_httpstub_start(void);
/* Stops it (waking any answer still delayed) and frees everything. */
void bh_httpstub_stop(bh_httpstub *s);
/* "http://127.0.0.1:PORT" */
const char *bh_httpstub_url(const bh_httpstub *s);
unsigned bh_httpstub_port(const bh_httpstub *s);

/* Queues the answer to the next request: status (or BH_STUB_DROP), body
 * (copied; NULL for empty), delay before answering in ms. Answers are used
 * in order; when the queue is empty, the default answer is used. */
void bh_httpstub_push(bh_httpstub *s, int status, const char *body, int delay_ms);
/* Like push, with a Content-Type other than application/json. */
void bh_httpstub_push_ct(bh_httpstub *s, int status, const char *body, int delay_ms,
                         const char *content_type);
/* Sets the default answer (initially 200 {"ok":true,"result":true}). */
void bh_httpstub_set_default(bh_httpstub *s, int status, const char *body, int delay_ms);

/* Number of requests received so far. */
size_t bh_httpstub_count(bh_httpstub *s);
/* A copy of request i (0-based); the caller frees it with bh_stub_request_free.
 * Returns NULL if there is no such request. */
bh_stub_request *bh_httpstub_request(bh_httpstub *s, size_t i);
void bh_stub_request_free(bh_stub_request *r);

/* A port on 127.0.0.1 where nothing listens (bound then closed). */
unsigned bh_test_free_port(void);

#endif
