/*
 * Webhook delivery: while a webhook is set, one thread POSTs the queued
 * updates to it as JSON, oldest first, one at a time (Telegram keeps the
 * order of a chat's updates the same way). An update counts as confirmed
 * when the hook answers 2xx; otherwise it stays queued and is sent again
 * after a backoff (100 ms, doubling up to 2 s: quicker than Telegram, so
 * tests of retries run fast). The answer's body is ignored: the emulator
 * does not run a method given in a webhook reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/clock.h"
#include "bothive/error.h"
#include "emu.h"

static size_t bh_emu_webhook_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    (void)ptr;
    (void)userdata;
    return size * nmemb;
}

/* Aborts a transfer in flight when the emulator stops. */
static int bh_emu_webhook_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
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

/* POSTs one update. Returns 0 when the hook answered 2xx, else -1 with a
 * description of the failure in err (Telegram's last_error_message). */
static int bh_emu_webhook_post(bh_emu *e, CURL *curl, const char *url, const char *secret,
                               const char *json, char *err, size_t errlen)
{
    struct curl_slist *h = NULL;
    long status = 0;
    CURLcode rc;
    char hdr[320];
    h = curl_slist_append(h, "Content-Type: application/json");
    if (secret) {
        snprintf(hdr, sizeof hdr, "X-Telegram-Bot-Api-Secret-Token: %s", secret);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bh_emu_webhook_discard);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, bh_emu_webhook_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, e);
    rc = curl_easy_perform(curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "Connection failed: %s", curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        snprintf(err, errlen, "Wrong response from the webhook: %ld", status);
        return -1;
    }
    return 0;
}

static void bh_emu_webhook_wait_locked(bh_emu *e, int64_t until_ms)
{
    int64_t left = until_ms - bh_clock_mono_ms();
    if (left <= 0)
        return;
    struct timespec ts = bh_clock_after_ms(left);
    pthread_cond_timedwait(&e->cond, &e->lock, &ts);
}

static void *bh_emu_webhook_main(void *arg)
{
    bh_emu *e = arg;
    CURL *curl = curl_easy_init();
    char err[256];

    pthread_mutex_lock(&e->lock);
    while (!e->stopping) {
        if (!e->webhook_url || !curl) {
            pthread_cond_wait(&e->cond, &e->lock);
            continue;
        }
        bh_emu_update_filter_locked(e);
        if (!e->uhead) {
            pthread_cond_wait(&e->cond, &e->lock);
            continue;
        }
        if (bh_clock_mono_ms() < e->webhook_retry_at_ms) {
            bh_emu_webhook_wait_locked(e, e->webhook_retry_at_ms);
            continue;
        }
        uint64_t gen = e->webhook_generation;
        int64_t id = e->uhead->id;
        char *url = strdup(e->webhook_url);
        char *secret = e->webhook_secret ? strdup(e->webhook_secret) : NULL;
        char *json = strdup(e->uhead->json);
        int ok = -1, copied = url && json && (!e->webhook_secret || secret);
        pthread_mutex_unlock(&e->lock);
        if (copied)
            ok = bh_emu_webhook_post(e, curl, url, secret, json, err, sizeof err);
        else
            snprintf(err, sizeof err, "out of memory");
        free(url);
        free(secret);
        free(json);
        pthread_mutex_lock(&e->lock);
        if (gen != e->webhook_generation)
            continue;  /* the webhook changed meanwhile: judge nothing */
        if (ok == 0) {
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
    pthread_mutex_unlock(&e->lock);
    if (curl)
        curl_easy_cleanup(curl);
    return NULL;
}

/* Starts the delivery thread. Returns BH_OK or BH_EIO. */
int bh_emu_webhook_start(bh_emu *e)
{
    if (pthread_create(&e->webhook_thread, NULL, bh_emu_webhook_main, e) != 0)
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
