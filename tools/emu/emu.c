/*
 * bothive emu: a local Telegram Bot API emulator, to run and test bots
 * offline. See emu.h for how the files divide the work, and the usage text
 * below for the contract with whoever starts it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "bothive/error.h"
#include "emu.h"
#include "tools.h"

static void bh_emu_usage(FILE *f)
{
    fprintf(f,
            "usage: bothive emu [--port P] [--token T]\n"
            "\n"
            "Runs a local Telegram Bot API on 127.0.0.1 until SIGINT or SIGTERM (then exits 0).\n"
            "\n"
            "  --port P   port to listen on; 0 (the default) picks a free one\n"
            "  --token T  the bot's token, \"<bot id>:<secret>\" (default " BH_EMU_DEFAULT_TOKEN ")\n"
            "\n"
            "The first line on stdout is the base URL alone, e.g. http://127.0.0.1:40123\n"
            "(flushed at once); everything else goes to stderr. Point the bot at it with\n"
            "BOTHIVE_API_URL=<that URL>; it serves <URL>/bot<T>/<method>.\n"
            "\n"
            "Control API, for tests and tools (JSON bodies):\n"
            "  POST /control/message   {\"chat_id\",\"user_id\",\"text\",\"chat_type\"?,\"reply_to_message_id\"?}\n"
            "  POST /control/callback  {\"chat_id\",\"user_id\",\"message_id\",\"data\"}\n"
            "  GET  /control/sent?chat_id=N   what the bot sent (deleted ones marked \"deleted\":true)\n"
            "  GET  /control/callbacks        pressed buttons and the bot's answers\n"
            "  POST /control/faults    {\"rate_429\",\"retry_after\",\"rate_500\",\"delay_ms\",\"bad_json_rate\",\"seed\"?}\n"
            "  POST /control/block     {\"chat_id\",\"blocked\"?}\n"
            "  GET  /control/stats\n"
            "  POST /control/reset\n");
}

/* Parses a port number 0..65535. Returns 0, or -1 when s is not one. */
static int bh_emu_parse_port(const char *s, unsigned *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* The emu subcommand: serves until SIGINT/SIGTERM. Returns 0 after a clean
 * stop, 2 for a usage error, 1 when the server cannot start. */
int bh_tool_emu(int argc, char **argv)
{
    const char *token = BH_EMU_DEFAULT_TOKEN;
    unsigned port = 0, bound = 0;
    struct MHD_Daemon *d = NULL;
    sigset_t sigs;
    int sig, status = 1, inited = 0;
    static bh_emu emu;  /* large (the chat table): not on the stack */

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            bh_emu_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            if (bh_emu_parse_port(argv[++i], &port) < 0) {
                fprintf(stderr, "bothive emu: bad port '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(argv[i], "--token") && i + 1 < argc) {
            token = argv[++i];
        } else {
            fprintf(stderr, "bothive emu: unknown argument '%s'\n", argv[i]);
            bh_emu_usage(stderr);
            return 2;
        }
    }
    if (bh_emu_init(&emu, token) != BH_OK) {
        fprintf(stderr, "bothive emu: bad token '%s': expected <bot id>:<secret>\n", token);
        return 2;
    }
    inited = 1;

    /* Signals are taken synchronously by sigwait below; every thread started
     * from here on inherits the blocked mask, so none is interrupted. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bothive emu: cannot initialise libcurl\n");
        goto fail;
    }

    d = bh_emu_http_start(&emu, port, &bound);
    if (!d) {
        fprintf(stderr, "bothive emu: cannot listen on 127.0.0.1:%u\n", port);
        goto fail_curl;
    }
    if (bh_emu_webhook_start(&emu) != BH_OK) {
        fprintf(stderr, "bothive emu: cannot start the webhook thread\n");
        goto fail_curl;
    }
    printf("http://127.0.0.1:%u\n", bound);
    fflush(stdout);
    fprintf(stderr, "bothive emu: listening on http://127.0.0.1:%u, token %s, bot id %lld\n",
            bound, emu.token, (long long)emu.bot_id);

    do {
        if (sigwait(&sigs, &sig) != 0)
            break;
    } while (sig != SIGINT && sig != SIGTERM);
    fprintf(stderr, "bothive emu: stopping\n");
    status = 0;

fail_curl:
    /* Wake every long poll, delay and the webhook thread so they return. */
    pthread_mutex_lock(&emu.lock);
    emu.stopping = 1;
    pthread_cond_broadcast(&emu.cond);
    pthread_mutex_unlock(&emu.lock);
    bh_emu_webhook_stop(&emu);
    if (d)
        MHD_stop_daemon(d);
    curl_global_cleanup();
fail:
    if (inited)
        bh_emu_destroy(&emu);
    return status;
}
