/*
 * The Bot API client: the handle, one HTTP exchange with libcurl, and the
 * policy around it (retries, backoff, 429, migrated groups, error details).
 *
 * One CURL easy handle per client is reused for every request so that the
 * TCP/TLS connection is kept alive; that is also why a client must not
 * cross a fork.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/backoff.h"
#include "base/clock.h"
#include "base/grow.h"
#include "base/sleep.h"
#include "bothive/log.h"
#include "bothive/telegram.h"
#include "bothive/version.h"
#include "telegram/tg.h"

static pthread_once_t bh_curl_once = PTHREAD_ONCE_INIT;
static CURLcode bh_curl_init_rc = CURLE_FAILED_INIT;

static void bh_curl_global_init(void)
{
    bh_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int bh_tg_get_int64(json_object *obj, const char *key, int64_t *out)
{
    json_object *v;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
        return 0;
    *out = json_object_get_int64(v);
    return 1;
}

const char *bh_tg_get_str(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int bh_tg_get_bool(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_boolean))
        return 0;
    return json_object_get_boolean(v) ? 1 : 0;
}

/*
 * Copies in to out while replacing the token (and its secret half, which is
 * what matters if a server echoes only part of it). Non-printable bytes
 * become '?' so that a binary answer cannot garble a log line.
 */
void bh_tg_redact(const char *token, const char *in, size_t inlen, char *out, size_t outsz)
{
    static const char mask[] = "<token>";
    const char *secret = token ? strchr(token, ':') : NULL;
    size_t tlen = token ? strlen(token) : 0, slen = 0, o = 0, i = 0;

    if (!outsz)
        return;
    if (secret && strlen(secret + 1) >= 8) {
        secret++;
        slen = strlen(secret);
    } else {
        secret = NULL;
    }
    while (i < inlen && o + 1 < outsz) {
        size_t skip = 0;
        if (tlen && inlen - i >= tlen && !memcmp(in + i, token, tlen))
            skip = tlen;
        else if (slen && inlen - i >= slen && !memcmp(in + i, secret, slen))
            skip = slen;
        if (skip) {
            for (size_t k = 0; mask[k] && o + 1 < outsz; k++)
                out[o++] = mask[k];
            i += skip;
            continue;
        }
        unsigned char ch = (unsigned char)in[i++];
        out[o++] = (ch >= 0x20 && ch != 0x7f) || ch >= 0x80 ? (char)ch : '?';
    }
    out[o] = '\0';
}

/* Fills the description of c->err through the redaction filter. */
void bh_client_describe(bh_client *c, const char *fmt, ...)
{
    char tmp[sizeof c->err.description * 2];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof tmp)
        n = (int)sizeof tmp - 1;
    bh_tg_redact(c->token, tmp, (size_t)n, c->err.description, sizeof c->err.description);
}

/* Whether a parse ended at the end of the text, give or take blanks (an
 * answer ending in a newline is still one JSON document). */
static int bh_parsed_whole(json_tokener *tok, const char *text, size_t len)
{
    size_t end = json_tokener_get_parse_end(tok);
    while (end < len && isspace((unsigned char)text[end]))
        end++;
    return end == len;
}

static int bh_token_valid(const char *t)
{
    if (!t || !*t)
        return 0;
    for (; *t; t++)
        if (!isalnum((unsigned char)*t) && *t != ':' && *t != '_' && *t != '-')
            return 0;
    return 1;
}

static int bh_method_valid(const char *m)
{
    if (!m || !*m || strlen(m) > 64)
        return 0;
    for (; *m; m++)
        if (!isalnum((unsigned char)*m) && *m != '_')
            return 0;
    return 1;
}

static size_t bh_client_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    bh_client *c = arg;
    size_t n = size * nmemb;
    char *p;
    if (c->body_len + n + 1 > BH_TG_MAX_ANSWER) {
        c->body_too_large = 1;
        return 0; /* makes libcurl fail the transfer with CURLE_WRITE_ERROR */
    }
    if (!(p = bh_grow(c->body, &c->body_cap, c->body_len + n + 1, 1, 4096)))
        return 0;
    c->body = p;
    memcpy(c->body + c->body_len, ptr, n);
    c->body_len += n;
    c->body[c->body_len] = '\0';
    return n;
}

/* Lets a shutdown request stop a transfer (a long poll in particular). */
static int bh_client_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    bh_client *c = arg;
    (void)dt, (void)dn, (void)ut, (void)un;
    return c->opt.cancel && *c->opt.cancel ? 1 : 0;
}

int bh_client_new(bh_client **out, const char *token, const char *base_url,
                  const bh_client_options *opt)
{
    bh_client *c = NULL;
    const char *base = base_url;
    size_t blen;

    if (!out)
        return BH_EINVAL;
    *out = NULL;
    if (!bh_token_valid(token))
        return BH_EINVAL;
    if (!base) {
        base = getenv("BOTHIVE_API_URL");
        if (!base || !*base)
            base = BH_TG_DEFAULT_URL;
    }
    blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    if (!blen)
        return BH_EINVAL;
    if (opt && (opt->connect_timeout_ms < 0 || opt->timeout_ms < 0 ||
                opt->backoff_initial_ms < 0 || opt->backoff_max_ms < 0 ||
                opt->max_retry_after_s < 0))
        return BH_EINVAL;
    pthread_once(&bh_curl_once, bh_curl_global_init);
    if (bh_curl_init_rc != CURLE_OK)
        return BH_ENOMEM;

    c = calloc(1, sizeof *c);
    if (!c)
        return BH_ENOMEM;
    if (opt)
        c->opt = *opt;
    if (!c->opt.connect_timeout_ms)
        c->opt.connect_timeout_ms = 5000;
    if (!c->opt.timeout_ms)
        c->opt.timeout_ms = 10000;
    if (!c->opt.max_retries)
        c->opt.max_retries = 3;
    else if (c->opt.max_retries < 0)
        c->opt.max_retries = 0;
    if (!c->opt.backoff_initial_ms)
        c->opt.backoff_initial_ms = 500;
    if (!c->opt.backoff_max_ms)
        c->opt.backoff_max_ms = 8000;
    if (c->opt.backoff_max_ms < c->opt.backoff_initial_ms)
        c->opt.backoff_max_ms = c->opt.backoff_initial_ms;
    if (!c->opt.max_retry_after_s)
        c->opt.max_retry_after_s = 60;
    c->pid = getpid();

    c->token = strdup(token);
    if (!c->token || asprintf(&c->prefix, "%.*s/bot%s/", (int)blen, base, token) < 0) {
        c->prefix = NULL;
        goto fail;
    }
    c->prefix_len = strlen(c->prefix);
    if (asprintf(&c->file_prefix, "%.*s/file/bot%s/", (int)blen, base, token) < 0) {
        c->file_prefix = NULL;
        goto fail;
    }
    c->curl = curl_easy_init();
    if (!c->curl)
        goto fail;
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (!c->headers)
        goto fail;
    {
        /* Without this libcurl may wait for a "100 Continue" before sending
         * a large body, a round trip for nothing. */
        struct curl_slist *h = curl_slist_append(c->headers, "Expect:");
        if (!h)
            goto fail;
        c->headers = h;
        if (!(c->mime_headers = curl_slist_append(NULL, "Expect:")))
            goto fail;
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, bh_client_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, bh_client_progress);
    curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_err);
    /* Signals are the runner's business; libcurl must not install handlers
     * (and its DNS timeout via alarm() is unsafe with several threads). */
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "bothive/" BH_VERSION_STRING);
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    *out = c;
    return BH_OK;
fail:
    bh_client_free(c);
    return BH_ENOMEM;
}

void bh_client_free(bh_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->headers);
    curl_slist_free_all(c->mime_headers);
    if (c->token) {
        /* Do not leave the secret lying in freed heap memory. */
        explicit_bzero(c->token, strlen(c->token));
        free(c->token);
    }
    if (c->prefix) {
        explicit_bzero(c->prefix, c->prefix_len);
        free(c->prefix);
    }
    if (c->file_prefix) {
        explicit_bzero(c->file_prefix, strlen(c->file_prefix));
        free(c->file_prefix);
    }
    if (c->url) {
        explicit_bzero(c->url, c->url_cap);
        free(c->url);
    }
    free(c->body);
    if (c->tok)
        json_tokener_free(c->tok);
    free(c);
}

const bh_api_error *bh_client_last_error(const bh_client *c)
{
    static const bh_api_error none;
    return c ? &c->err : &none;
}

int64_t bh_client_migrated_to(const bh_client *c)
{
    return c ? c->migrated_to : 0;
}

/*
 * One HTTP POST to method of body (JSON) or, when mime is not NULL, of
 * that multipart body. On BH_OK, c->body holds the answer and
 * *status its HTTP status. Errors: BH_ENET, BH_ETIMEDOUT, BH_EINTR,
 * BH_EPROTO (answer too large), BH_ENOMEM. Fills c->err.description on
 * failure (redacted).
 */
static int bh_client_exchange(bh_client *c, const char *method, const char *body,
                              curl_mime *mime, long total_timeout_ms, long *status)
{
    size_t mlen = strlen(method);
    CURLcode cc;

    if (c->prefix_len + mlen + 1 > c->url_cap) {
        size_t cap = c->prefix_len + mlen + 64;
        char *u = realloc(c->url, cap);
        if (!u)
            return BH_ENOMEM;
        c->url = u;
        c->url_cap = cap;
    }
    memcpy(c->url, c->prefix, c->prefix_len);
    memcpy(c->url + c->prefix_len, method, mlen + 1);

    c->body_len = 0;
    c->body_too_large = 0;
    if (c->body)
        c->body[0] = '\0';
    c->curl_err[0] = '\0';
    *status = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, c->url);
    if (mime) {
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->mime_headers);
        curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, mime);
    } else {
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, total_timeout_ms);

    cc = curl_easy_perform(c->curl);
    if (mime) /* the next request must not point at a freed body */
        curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, NULL);
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
    c->err.http_status = (int)*status;
    if (cc == CURLE_OK)
        return BH_OK;

    const char *why = c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        bh_client_describe(c, "%s: timed out (%s)", method, why);
        return BH_ETIMEDOUT;
    case CURLE_ABORTED_BY_CALLBACK:
        bh_client_describe(c, "%s: cancelled", method);
        return BH_EINTR;
    case CURLE_OUT_OF_MEMORY:
        return BH_ENOMEM;
    case CURLE_READ_ERROR:
        /* A file to upload that went away or became unreadable since it
         * was added: not the network's fault, and not worth a retry. */
        bh_client_describe(c, "%s: cannot read a file to upload (%s)", method, why);
        return BH_EIO;
    case CURLE_WRITE_ERROR:
        if (c->body_too_large) {
            bh_client_describe(c, "%s: answer larger than %zu bytes", method, BH_TG_MAX_ANSWER);
            return BH_EPROTO;
        }
        return BH_ENOMEM;
    default:
        bh_client_describe(c, "%s: network error: %s", method, why);
        return BH_ENET;
    }
}

/* Methods whose chat_id is a destination, so that resending to the chat a
 * group migrated to does what the caller meant. */
static int bh_method_follows_migration(const char *method)
{
    return !strncasecmp(method, "send", 4) || !strcasecmp(method, "forwardMessage") ||
           !strcasecmp(method, "copyMessage");
}

/* Logs an excerpt of a non-protocol answer, with the token removed. */
static void bh_client_log_bad_answer(bh_client *c, const char *method, long status)
{
    char excerpt[120];
    bh_tg_redact(c->token, c->body ? c->body : "", c->body_len, excerpt, sizeof excerpt);
    bh_log(BH_LOG_WARN, "telegram: %s: HTTP %ld answer is not a Bot API answer: \"%s\"",
           method, status, excerpt);
}

/*
 * Reads the answer in c->body. Returns BH_OK with *result set (a new
 * reference), BH_EAPI with c->err filled, or BH_EPROTO.
 */
static int bh_client_parse_answer(bh_client *c, const char *method, long status,
                                  json_object **result)
{
    json_tokener *tok = NULL;
    json_object *root = NULL, *ok = NULL, *res = NULL, *params = NULL;
    int rc = BH_EPROTO;

    /* One tokener for the client's life: a new one per answer cost more
     * than a percent of a whole call on loopback. */
    if (!c->tok && !(c->tok = json_tokener_new()))
        return BH_ENOMEM;
    tok = c->tok;
    json_tokener_reset(tok);
    if (c->body_len)
        root = json_tokener_parse_ex(tok, c->body, (int)c->body_len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success ||
        !bh_parsed_whole(tok, c->body, c->body_len) ||
        !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "ok", &ok) || !json_object_is_type(ok, json_type_boolean)) {
        bh_client_describe(c, "%s: HTTP %ld answer is not a Bot API answer", method, status);
        bh_client_log_bad_answer(c, method, status);
        goto done;
    }
    if (json_object_get_boolean(ok)) {
        if (!json_object_object_get_ex(root, "result", &res)) {
            bh_client_describe(c, "%s: answer ok without result", method);
            bh_client_log_bad_answer(c, method, status);
            goto done;
        }
        *result = json_object_get(res);
        rc = BH_OK;
        goto done;
    }
    int64_t v = 0;
    if (bh_tg_get_int64(root, "error_code", &v))
        c->err.error_code = (int)v;
    else
        c->err.error_code = (int)status;
    const char *d = bh_tg_get_str(root, "description");
    bh_client_describe(c, "%s", d ? d : "(no description)");
    if (json_object_object_get_ex(root, "parameters", &params)) {
        if (bh_tg_get_int64(params, "retry_after", &v) && v > 0)
            c->err.retry_after = v > 1000000 ? 1000000 : (int)v;
        if (bh_tg_get_int64(params, "migrate_to_chat_id", &v))
            c->err.migrate_to_chat_id = v;
    }
    rc = BH_EAPI;
done:
    json_object_put(root);
    return rc;
}

void bh_tg_restore_writer(bh_client *c)
{
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, bh_client_write);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
}

int bh_client_usable(bh_client *c)
{
    if (c->pid != getpid()) {
        bh_log(BH_LOG_ERROR, "telegram: a client was used across fork; create it in the process that uses it");
        return BH_EINVAL;
    }
    return BH_OK;
}

/* One attempt: the request (JSON, or multipart when files has uploads)
 * and its answer. Returns what bh_client_exchange or
 * bh_client_parse_answer returns. */
static int bh_client_attempt(bh_client *c, const char *method, json_object *params,
                             const bh_params *files, long total_ms, long *status,
                             json_object **res)
{
    curl_mime *mime = NULL;
    const char *body = "{}";
    int rc;
    if (files && files->nparts) {
        if (!(mime = bh_tg_mime_build(c->curl, params, files)))
            return BH_ENOMEM;
    } else if (params && !(body = json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN))) {
        return BH_ENOMEM;
    }
    memset(&c->err, 0, sizeof c->err);
    rc = bh_client_exchange(c, method, body, mime, total_ms, status);
    curl_mime_free(mime);
    if (rc == BH_OK)
        rc = bh_client_parse_answer(c, method, *status, res);
    return rc;
}

/* What to do after a failed attempt. */
enum { BH_STEP_RETRY, BH_STEP_RESEND, BH_STEP_STOP };

/*
 * Decides, from the failure rc of an attempt, whether to retry (after
 * *wait_ms), to resend at once to a migrated chat, or to stop with *rc.
 */
static int bh_client_step(bh_client *c, const char *method, json_object *params, int *rc,
                          long status, int attempt, int resent, int64_t *wait_ms)
{
    int64_t backoff = bh_backoff_nth(c->opt.backoff_initial_ms, c->opt.backoff_max_ms, attempt);
    if (*rc == BH_ENET) {
        *wait_ms = backoff;
        return BH_STEP_RETRY;
    }
    if (*rc != BH_EAPI && *rc != BH_EPROTO)
        return BH_STEP_STOP; /* timeout, cancel, out of memory, unreadable file */
    if (*rc == BH_EPROTO && status == 429) {
        /* A front end's own "too many requests" page: same meaning. */
        c->err.error_code = 429;
        *rc = BH_EAPI;
    }
    int code = *rc == BH_EAPI ? c->err.error_code : 0;
    if (status >= 500 || code >= 500) {
        /* A proxy's HTML error page is a server failure too. */
        if (!c->err.error_code)
            c->err.error_code = (int)status;
        *rc = BH_EAPI;
        *wait_ms = backoff;
        return BH_STEP_RETRY;
    }
    if (*rc == BH_EAPI && code == 429) {
        /* Every process of the bot is held back for this time, not only
         * this one: the limiter shares the pause. */
        bh_tg_limit_paused(c, method, params);
        if (c->err.retry_after > c->opt.max_retry_after_s)
            return BH_STEP_STOP;
        *wait_ms = c->err.retry_after ? (int64_t)c->err.retry_after * 1000 : backoff;
        return BH_STEP_RETRY;
    }
    if (*rc == BH_EAPI && code == 400 && c->err.migrate_to_chat_id && !resent && params &&
        bh_method_follows_migration(method) && json_object_object_get_ex(params, "chat_id", NULL))
        return BH_STEP_RESEND;
    return BH_STEP_STOP;
}

/* A copy of params (in *own, made once) sent to the chat the group
 * migrated to, so that the caller's params stay untouched. */
static int bh_client_migrate(bh_client *c, const char *method, json_object *params,
                             json_object **own)
{
    if (!*own && json_object_deep_copy(params, own, NULL) != 0)
        return BH_ENOMEM;
    c->migrated_to = c->err.migrate_to_chat_id;
    json_object_object_add(*own, "chat_id", json_object_new_int64(c->migrated_to));
    bh_log(BH_LOG_INFO, "telegram: %s: chat migrated to %lld, resending", method,
           (long long)c->migrated_to);
    return BH_OK;
}

/* The HTTP time limit of a call: a long poll takes its whole timeout. */
static long bh_client_time_limit(bh_client *c, const char *method, json_object *params)
{
    int64_t poll_s = 0;
    if (!strcasecmp(method, "getUpdates") && bh_tg_get_int64(params, "timeout", &poll_s) &&
        poll_s > 0 && poll_s < 3600)
        return c->opt.timeout_ms + (long)poll_s * 1000;
    return c->opt.timeout_ms;
}

/* Checks the arguments of a call and clears the last error. */
static int bh_client_begin(bh_client *c, const char *method, json_object *params,
                           json_object **result)
{
    if (result)
        *result = NULL;
    if (!c)
        return BH_EINVAL;
    memset(&c->err, 0, sizeof c->err);
    c->migrated_to = 0;
    if (!bh_method_valid(method) || bh_client_usable(c) != BH_OK)
        return BH_EINVAL;
    if (params && !json_object_is_type(params, json_type_object))
        return BH_EJSON;
    return BH_OK;
}

/*
 * The one call path of every method, typed or raw, JSON or multipart: the
 * limiter before each attempt of a send, then the attempt; a failure is
 * retried, resent to a migrated chat, or returned, as bh_client_step says.
 * params and files are the caller's and stay untouched.
 */
static int bh_client_perform(bh_client *c, const char *method, json_object *params,
                             const bh_params *files, json_object **result)
{
    json_object *own = NULL;
    long total_ms, status = 0;
    int attempt = 0, resent = 0, rc;

    if ((rc = bh_client_begin(c, method, params, result)) != BH_OK)
        return rc;
    total_ms = bh_client_time_limit(c, method, params);
    for (;;) {
        json_object *res = NULL, *cur = own ? own : params;
        int64_t wait_ms = 0;

        bh_tg_limit_wait(c, method, cur);
        rc = bh_client_attempt(c, method, cur, files, total_ms, &status, &res);
        if (rc == BH_OK) {
            if (result)
                *result = res;
            else
                json_object_put(res);
            c->err.http_status = 0;
            break;
        }
        int step = bh_client_step(c, method, cur, &rc, status, attempt, resent, &wait_ms);
        if (step == BH_STEP_RESEND) {
            if ((rc = bh_client_migrate(c, method, params, &own)) != BH_OK)
                break;
            resent = 1;
            continue;
        }
        if (step == BH_STEP_STOP || attempt >= c->opt.max_retries)
            break;
        attempt++;
        bh_log(BH_LOG_WARN, "telegram: %s failed (%s%s%d), retry %d/%d in %lld ms", method,
               bh_strerror(rc), c->err.error_code ? ", error_code " : ", http ",
               c->err.error_code ? c->err.error_code : (int)status, attempt,
               c->opt.max_retries, (long long)wait_ms);
        if ((rc = bh_sleep_ms(wait_ms, c->opt.cancel)) != BH_OK)
            break;
    }
    if (rc != BH_OK && rc != BH_EAPI && rc != BH_EINTR)
        bh_log(BH_LOG_DEBUG, "telegram: %s: %s: %s", method, bh_strerror(rc), c->err.description);
    json_object_put(own);
    return rc;
}

int bh_client_call_json(bh_client *c, const char *method, json_object *params,
                        json_object **result)
{
    return bh_client_perform(c, method, params, NULL, result);
}

/* Checks p against method's row of the table (a method not in it goes as
 * it is): a call Telegram would refuse for a missing or mistyped parameter
 * is refused here, BH_EINVAL with the parameter named, before anything is
 * sent. */
static int check_params(bh_client *c, const char *method, const bh_params *p)
{
    const bh_api_method *m = bh_api_method_find(method);
    size_t n = p ? p->nparts : 0;
    const char **uploads;
    bh_api_param bad;
    int rc;
    if (!m)
        return BH_OK;
    if (!(uploads = calloc(n ? n : 1, sizeof *uploads)))
        return BH_OK; /* no memory to check with: the server checks */
    for (size_t i = 0; i < n; i++)
        uploads[i] = p->parts[i].name;
    rc = bh_api_method_check(m, p ? p->obj : NULL, uploads, n, &bad);
    free(uploads);
    if (rc == BH_OK)
        return BH_OK;
    memset(&c->err, 0, sizeof c->err);
    if (bad.required)
        bh_client_describe(c, "%s: the required parameter %s is missing", m->name, bad.name);
    else
        bh_client_describe(c, "%s: parameter %s must be %s", m->name, bad.name,
                           bh_api_type_name(bad.type));
    return BH_EINVAL;
}

int bh_client_call_params(bh_client *c, const char *method, const bh_params *p,
                          json_object **result)
{
    if (result)
        *result = NULL;
    if (!c)
        return BH_EINVAL;
    if (p && p->rc != BH_OK) {
        /* The setter's error, said where the caller looks for it. */
        memset(&c->err, 0, sizeof c->err);
        bh_client_describe(c, "%s: %s", method ? method : "?", p->err);
        return p->rc;
    }
    if (check_params(c, method, p) != BH_OK)
        return BH_EINVAL;
    return bh_client_perform(c, method, p ? p->obj : NULL, p, result);
}

int bh_client_call(bh_client *c, const char *method, const char *params, json_object **result)
{
    json_object *obj = NULL;
    int rc;

    if (result)
        *result = NULL;
    if (!c)
        return BH_EINVAL;
    if (params) {
        json_tokener *tok = json_tokener_new();
        if (!tok)
            return BH_ENOMEM;
        size_t len = strlen(params);
        obj = json_tokener_parse_ex(tok, params, (int)len);
        int bad = !obj || json_tokener_get_error(tok) != json_tokener_success ||
                  !bh_parsed_whole(tok, params, len) ||
                  !json_object_is_type(obj, json_type_object);
        json_tokener_free(tok);
        if (bad) {
            json_object_put(obj);
            return BH_EJSON;
        }
    }
    rc = bh_client_call_json(c, method, obj, result);
    json_object_put(obj);
    return rc;
}
