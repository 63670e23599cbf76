/*
 * Webhook delivery: while a webhook is set, one thread POSTs the queued
 * updates to it as JSON, oldest first, one at a time (Telegram keeps the
 * order of a chat's updates the same way). An update counts as confirmed
 * when the hook answers 2xx; otherwise it stays queued and is sent again
 * after a backoff (100 ms, doubling up to 2 s: quicker than Telegram, so
 * tests of retries run fast). The answer's body is ignored: the emulator
 * does not run a method given in a webhook reply.
 *
 * --webhook-spread URL,URL,... puts a round-robin load balancer in front
 * of every webhook: each delivery (a retry too) goes to the next of these
 * URLs instead of the webhook's own, as a balancer spreads Telegram's
 * POSTs over several hosts serving one hook; a host that fails one is
 * skipped by the retry, which goes to the next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "bothive/error.h"
#include "emu.h"

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* Aborts a transfer in flight when the emulator stops. */
static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                   curl_off_t ultotal, curl_off_t ulnow)
{
    bh_emu *e = clientp;
    int stop;
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    pthread_mutex_lock(&e->lock);
    stop = e->stopping;
    pthread_mutex_unlock(&e->lock);
    return stop;
}

/* --webhook-spread: the URLs (malloc'd, for the process's life) and the
 * next one's turn; several bots' delivery threads share them. */
#define BH_EMU_SPREAD_MAX 16
static char *spread_urls[BH_EMU_SPREAD_MAX];
static unsigned spread_n, spread_turn;

int bh_emu_webhook_spread(const char *list)
{
    const char *p = list;

    if (!list || !*list || spread_n)
        return BH_EINVAL;
    while (*p) {
        size_t n = strcspn(p, ",");
        int http = n > 7 && !strncmp(p, "http://", 7), https = n > 8 && !strncmp(p, "https://", 8);
        if (spread_n == BH_EMU_SPREAD_MAX || (!http && !https) || n > 2048)
            return BH_EINVAL;
        if (!(spread_urls[spread_n] = strndup(p, n)))
            return BH_ENOMEM;
        spread_n++;
        p += n;
        if (*p == ',' && !*++p)
            return BH_EINVAL; /* a trailing comma */
    }
    return BH_OK;
}

/* Where a delivery to the webhook url goes: url itself, or the next of
 * the spread's. */
static const char *spread_target(const char *url)
{
    if (!spread_n)
        return url;
    return spread_urls[__atomic_fetch_add(&spread_turn, 1, __ATOMIC_RELAXED) % spread_n];
}

#define BH_EMU_WEBHOOK_CONNECT_MS 5000L
#define BH_EMU_WEBHOOK_TIMEOUT_MS 30000L

/* The headers of a delivery: JSON, and the secret token when one is set.
 * The caller frees the list. */
static struct curl_slist *delivery_headers(const char *secret)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char hdr[320];
    if (secret) {
        snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", secret);
        h = curl_slist_append(h, hdr);
    }
    return h;
}

/* POSTs one update. Returns BH_OK when the hook answered 2xx; else, with a
 * description of the failure in err (Telegram's last_error_message),
 * BH_ENET when it could not be reached or BH_EAPI for another status. */
static int post_update(bh_emu *e, CURL *curl, const char *url, const char *secret,
                       const char *json, char *err, size_t errlen)
{
    struct curl_slist *h = delivery_headers(secret);
    long status = 0;
    CURLcode rc;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, BH_EMU_WEBHOOK_CONNECT_MS);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, BH_EMU_WEBHOOK_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, e);
    rc = curl_easy_perform(curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "Connection failed: %s", curl_easy_strerror(rc));
        return BH_ENET;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        snprintf(err, errlen, "Wrong response from the webhook: %ld", status);
        return BH_EAPI;
    }
    return BH_OK;
}

/* Waits on e->cond until until_ms (monotonic), or until woken. */
static void wait_until_locked(bh_emu *e, int64_t until_ms)
{
    int64_t left = until_ms - bh_clock_mono_ms();
    if (left <= 0)
        return;
    struct timespec ts = bh_clock_after_ms(left);
    pthread_cond_timedwait(&e->cond, &e->lock, &ts);
}

/* What one delivery sends, copied out of the world so that the lock is
 * not held while it is sent. */
typedef struct delivery {
    uint64_t gen;           /* webhook_generation when it was copied */
    int64_t id;             /* the update */
    char *url, *secret, *json;
} delivery;

/* Copies the oldest update and the hook it goes to. Returns BH_OK, or
 * BH_ENOMEM (then d holds only gen and id). */
static int copy_delivery_locked(const bh_emu *e, delivery *d)
{
    d->gen = e->webhook_generation;
    d->id = e->uhead->id;
    d->url = strdup(spread_target(e->webhook_url));
    d->secret = e->webhook_secret ? strdup(e->webhook_secret) : NULL;
    d->json = strdup(e->uhead->json);
    if (d->url && d->json && (!e->webhook_secret || d->secret))
        return BH_OK;
    free(d->url);
    free(d->secret);
    free(d->json);
    d->url = d->secret = d->json = NULL;
    return BH_ENOMEM;
}

/* Sends the oldest update (described in *d) with e->lock released
 * meanwhile. Returns what post_update does, or BH_ENOMEM when it could not
 * even be copied, with the failure's description in err. */
static int deliver_oldest_locked(bh_emu *e, CURL *curl, delivery *d, char *err, size_t errlen)
{
    int rc = copy_delivery_locked(e, d);
    if (rc != BH_OK) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    pthread_mutex_unlock(&e->lock);
    rc = post_update(e, curl, d->url, d->secret, d->json, err, errlen);
    free(d->url);
    free(d->secret);
    free(d->json);
    pthread_mutex_lock(&e->lock);
    return rc;
}

/* Takes the outcome of delivering update id: confirmed on success, else
 * kept, with the error noted and the next try after the backoff. */
static void judge_locked(bh_emu *e, int rc, int64_t id, const char *err)
{
    if (rc == BH_OK) {
        bh_emu_update_confirm_locked(e, id + 1);
        e->stats.webhook_deliveries++;
        bh_backoff_reset(&e->webhook_backoff);
        e->webhook_retry_at_ms = 0;
    } else if (!e->stopping) {
        e->stats.webhook_failures++;
        free(e->webhook_last_error);
        e->webhook_last_error = strdup(err);
        e->webhook_last_error_date = (int64_t)time(NULL);
        e->webhook_retry_at_ms = bh_clock_mono_ms() + bh_backoff_next(&e->webhook_backoff);
    }
}

/* The delivery thread: waits for a webhook and an update, then sends the
 * oldest one at a time, until the emulator stops. */
static void *deliver_loop(void *arg)
{
    bh_emu *e = arg;
    CURL *curl = curl_easy_init();
    char err[256];

    pthread_mutex_lock(&e->lock);
    while (!e->stopping) {
        delivery d;
        int rc;
        if (e->webhook_url && curl)
            bh_emu_update_filter_locked(e);
        if (!e->webhook_url || !curl || !e->uhead) {
            pthread_cond_wait(&e->cond, &e->lock);
            continue;
        }
        if (bh_clock_mono_ms() < e->webhook_retry_at_ms) {
            wait_until_locked(e, e->webhook_retry_at_ms);
            continue;
        }
        rc = deliver_oldest_locked(e, curl, &d, err, sizeof err);
        if (d.gen == e->webhook_generation)  /* else the webhook changed meanwhile: judge nothing */
            judge_locked(e, rc, d.id, err);
    }
    pthread_mutex_unlock(&e->lock);
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

/* Starts the delivery thread. Returns BH_OK or BH_EIO. */
int bh_emu_webhook_start(bh_emu *e)
{
    if (pthread_create(&e->webhook_thread, NULL, deliver_loop, e) != 0)
        return BH_EIO;
    e->webhook_thread_started = 1;
    return BH_OK;
}

/* Joins the delivery thread; e->stopping must already be set. */
void bh_emu_webhook_stop(bh_emu *e)
{
    if (e->webhook_thread_started) {
        pthread_join(e->webhook_thread, NULL);
        e->webhook_thread_started = 0;
    }
}
