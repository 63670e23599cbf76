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

/* The contract with whoever starts the emulator, printed on f. */
static void usage(FILE *f)
{
    fprintf(f,
            "usage: bothive emu [--port P] [--token T] [--flood] [--webhook-spread URL,...]\n"
            "\n"
            "Runs a local Telegram Bot API on 127.0.0.1 until SIGINT or SIGTERM (then exits 0).\n"
            "\n"
            "  --port P   port to listen on; 0 (the default) picks a free one\n"
            "  --token T  the bot's token, \"<bot id>:<secret>\" (default " BH_EMU_DEFAULT_TOKEN ");\n"
            "             several tokens separated by commas serve several bots, each a\n"
            "             world of its own (control calls take ?bot=<bot id>; the first without)\n"
            "  --flood    enforce Telegram's flood limits (30 messages/s overall, 1/s per chat,\n"
            "             20/min per group): sends beyond them get 429 with retry_after\n"
            "  --webhook-spread URL,...  a round-robin balancer in front of the webhook: each\n"
            "             delivery, a retry too, goes to the next of these http(s) URLs\n"
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
            "  GET|POST /control/flood {\"enabled\"?,\"global_per_sec\"?,\"chat_per_sec\"?,\"group_per_min\"?,...}\n"
            "  GET  /control/stats\n"
            "  POST /control/reset\n"
            "  POST /control/reply_button {\"chat_id\",\"text\"}   press a reply keyboard's button\n"
            "  GET  /control/inline_messages  messages sent via inline mode\n"
            "  and the other update kinds: see tools/emu/inject.c\n");
}

/* Parses a port number 0..65535. Returns BH_OK, or BH_EINVAL when s is
 * not one. */
static int parse_port(const char *s, unsigned *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535)
        return BH_EINVAL;
    *out = (unsigned)v;
    return BH_OK;
}

/* What parse_args found. */
enum { ARGS_RUN, ARGS_HELP, ARGS_BAD };

/* Parses the command line into *port and *token. A usage error is said on
 * stderr (ARGS_BAD). */
static int parse_args(int argc, char **argv, unsigned *port, const char **token, int *flood)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            return ARGS_HELP;
        } else if (!strcmp(argv[i], "--flood")) {
            *flood = 1;
        } else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
            if (parse_port(argv[++i], port) != BH_OK) {
                fprintf(stderr, "bothive emu: bad port '%s'\n", argv[i]);
                return ARGS_BAD;
            }
        } else if (!strcmp(argv[i], "--webhook-spread") && i + 1 < argc) {
            if (bh_emu_webhook_spread(argv[++i]) != BH_OK) {
                fprintf(stderr, "bothive emu: bad --webhook-spread '%s' (comma-separated "
                        "http(s) URLs, at most 16)\n", argv[i]);
                return ARGS_BAD;
            }
        } else if (!strcmp(argv[i], "--token") && i + 1 < argc) {
            *token = argv[++i];
        } else {
            fprintf(stderr, "bothive emu: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return ARGS_BAD;
        }
    }
    return ARGS_RUN;
}

/* Signals are taken synchronously by sigwait in wait_for_stop; every thread
 * started from here on inherits the blocked mask, so none is interrupted. */
static void block_signals(sigset_t *sigs)
{
    sigemptyset(sigs);
    sigaddset(sigs, SIGINT);
    sigaddset(sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Waits for SIGINT or SIGTERM. */
static void wait_for_stop(const sigset_t *sigs)
{
    int sig;
    do {
        if (sigwait(sigs, &sig) != 0)
            break;
    } while (sig != SIGINT && sig != SIGTERM);
}

/* Wakes every long poll, delay and the webhook thread of every bot so
 * they return, then stops the threads and the server. */
static void stop(bh_emu *first, struct MHD_Daemon *d)
{
    for (bh_emu *e = first; e; e = e->next_bot) {
        pthread_mutex_lock(&e->lock);
        e->stopping = 1;
        pthread_cond_broadcast(&e->cond);
        pthread_mutex_unlock(&e->lock);
        bh_emu_webhook_stop(e);
    }
    if (d)
        MHD_stop_daemon(d);
}

/* Starts the webhook thread of every bot. Returns BH_OK, or the error of
 * the first that cannot start. */
static int webhooks_start(bh_emu *first)
{
    int rc = BH_OK;
    for (bh_emu *e = first; e && rc == BH_OK; e = e->next_bot)
        rc = bh_emu_webhook_start(e);
    return rc;
}

/* Serves on 127.0.0.1:port until SIGINT/SIGTERM: the first line on stdout
 * is the base URL, for whoever started the emulator (emu/launch.h). Returns
 * the exit status. */
static int serve(bh_emu *e, unsigned port)
{
    struct MHD_Daemon *d = NULL;
    unsigned bound = 0;
    sigset_t sigs;
    int status = BH_TOOL_EXIT_FAILURE;

    block_signals(&sigs);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "bothive emu: cannot initialise libcurl\n");
        return status;
    }
    if (!(d = bh_emu_http_start(e, port, &bound))) {
        fprintf(stderr, "bothive emu: cannot listen on 127.0.0.1:%u\n", port);
    } else if (webhooks_start(e) != BH_OK) {
        fprintf(stderr, "bothive emu: cannot start the webhook thread\n");
    } else {
        printf("http://127.0.0.1:%u\n", bound);
        fflush(stdout);
        fprintf(stderr, "bothive emu: listening on http://127.0.0.1:%u, token %s, bot id %lld\n",
                bound, e->token, (long long)e->bot_id);
        wait_for_stop(&sigs);
        fprintf(stderr, "bothive emu: stopping\n");
        status = BH_TOOL_EXIT_OK;
    }
    stop(e, d);
    curl_global_cleanup();
    return status;
}

/* The emu subcommand: serves until SIGINT/SIGTERM. Returns
 * BH_TOOL_EXIT_OK after a clean stop, BH_TOOL_EXIT_USAGE for a usage
 * error, BH_TOOL_EXIT_FAILURE when the server cannot start. */
/* Makes the worlds of tokens ("A" or "A,B,..."): the first is e, the
 * others are allocated and chained after it. Returns BH_OK, or BH_EINVAL
 * after saying which token is bad (what was made is still chained, for
 * free_bots). */
static int init_bots(bh_emu *e, const char *tokens)
{
    char *copy = strdup(tokens), *save = NULL, *tok;
    bh_emu **tail = &e->next_bot;
    int rc = copy ? BH_OK : BH_ENOMEM, n = 0;
    for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && rc == BH_OK;
         tok = strtok_r(NULL, ",", &save), n++) {
        bh_emu *b = n ? calloc(1, sizeof *b) : e;
        if (!b || bh_emu_init(b, tok) != BH_OK || bh_emu_bot_of_token(e->next_bot, tok, strlen(tok)) ||
            (n && !strcmp(tok, e->token))) {
            fprintf(stderr, "bothive emu: bad token '%s': expected <bot id>:<secret>, each once\n", tok);
            if (b && b != e && b->token)
                bh_emu_destroy(b);
            if (b != e)
                free(b);
            rc = BH_EINVAL;
        } else if (n) {
            *tail = b;
            tail = &b->next_bot;
        }
    }
    if (rc == BH_OK && n == 0) {
        fprintf(stderr, "bothive emu: no token in '%s'\n", tokens);
        rc = BH_EINVAL;
    }
    free(copy);
    return rc;
}

/* Frees the bots chained after e. */
static void free_bots(bh_emu *e)
{
    while (e->next_bot) {
        bh_emu *b = e->next_bot;
        e->next_bot = b->next_bot;
        bh_emu_destroy(b);
        free(b);
    }
}

/* The emu subcommand: serves until SIGINT/SIGTERM. Returns
 * BH_TOOL_EXIT_OK after a clean stop, BH_TOOL_EXIT_USAGE for a usage
 * error, BH_TOOL_EXIT_FAILURE when the server cannot start. */
int bh_tool_emu(int argc, char **argv)
{
    static bh_emu emu;  /* large (the chat table): not on the stack */
    const char *token = BH_EMU_DEFAULT_TOKEN;
    unsigned port = 0;
    int status, flood = 0;

    switch (parse_args(argc, argv, &port, &token, &flood)) {
    case ARGS_HELP:
        usage(stdout);
        return BH_TOOL_EXIT_OK;
    case ARGS_BAD:
        return BH_TOOL_EXIT_USAGE;
    }
    if (init_bots(&emu, token) != BH_OK) {
        free_bots(&emu);
        if (emu.token)
            bh_emu_destroy(&emu);
        return BH_TOOL_EXIT_USAGE;
    }
    emu.flood.enabled = flood;
    status = serve(&emu, port);
    free_bots(&emu);
    bh_emu_destroy(&emu);
    return status;
}
