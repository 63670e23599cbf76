/*
 * bothive: options of the runner.
 *
 * The runner is a master process that forks N worker processes (which run
 * the handlers) and one updater process per bot token (which long-polls
 * getUpdates, or serves the webhook). The master dispatches updates so that
 * those of one chat are handled one after another, in arrival order, while
 * different chats run in parallel; it notices a worker that dies, replaces
 * it and retries its update once; an update that kills two workers is set
 * aside in the store's memory "bothive.deadletter".
 *
 * The master logs how a child ended ("worker 2 (pid 4242) exited with
 * status 71 while idle"). The runner's own exit statuses are 70 (no memory
 * at the start of a worker or an updater), 71 (a start failed: the bots'
 * set-up in a worker or before the workers start, or an updater's Bot API
 * client) and 72 (the webhook updater cannot listen on webhook_listen);
 * any other status of a worker is a handler's exit(), and a signal is named.
 *
 * Every field left at zero takes its default, so a zeroed struct is valid;
 * bh_run_options_from_env fills the fields the environment sets.
 */
#ifndef BOTHIVE_RUNNER_H
#define BOTHIVE_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bh_run_options {
    /* Worker processes; default BOTHIVE_WORKERS, else the number of CPUs,
     * at least 2. */
    int workers;
    /* Store URL ("mem:", "file:PATH", ...); default BOTHIVE_STORE, else "mem:".
     * A redis:// store with getUpdates puts the runner in hosts mode
     * (several hosts serve the bot; README "Running on several hosts"),
     * tuned by BOTHIVE_HOSTS (0: off), BOTHIVE_HOSTS_LEASE_MS (10000),
     * BOTHIVE_HOSTS_PARTITIONS (16) and BOTHIVE_HOST_NAME, read when the
     * runner starts. */
    const char *store_url;
    /* Bot API base URL; default BOTHIVE_API_URL, else Telegram's. */
    const char *api_url;
    /* Non-zero: updates pending when the runner starts are processed.
     * Default (0): at the very first start of a bot on its store (nothing
     * of it there yet) they are confirmed without being processed, as
     * botogram does; on every later start (a restart, a crash, another
     * host joining) they are processed (BOTHIVE_PROCESS_BACKLOG=1 sets
     * it). A mem: store is new at each start. */
    int process_backlog;
    /* How long in-flight updates may take to finish after SIGINT/SIGTERM;
     * default 10000 ms. */
    int64_t shutdown_timeout_ms;
    /* A handler running longer than this is logged (not killed);
     * default 30000 ms. */
    int64_t handler_deadline_ms;
    /* Long-poll timeout of getUpdates; default 25 s. */
    int poll_timeout_s;
    /* Webhook mode when webhook_url is set (BOTHIVE_WEBHOOK_URL): the
     * updater calls setWebhook(url, secret_token) at start, serves HTTP on
     * webhook_listen ("host:port", "port" or ":port"; BOTHIVE_WEBHOOK_LISTEN,
     * default "127.0.0.1:8443": a host left out is 127.0.0.1, since the
     * webhook is meant to sit behind a reverse proxy that terminates TLS;
     * "0.0.0.0:PORT" listens on every address), refuses a request without the secret
     * (403; BOTHIVE_WEBHOOK_SECRET, 1..256 of A-Za-z0-9_-) or with a body
     * larger than webhook_max_body (413; default 1 MiB), and calls
     * deleteWebhook at the end. */
    const char *webhook_url;
    const char *webhook_listen;
    const char *webhook_secret;
    size_t webhook_max_body;
    /* Respawn delay after repeated worker crashes: starts at
     * respawn_initial_ms (default 100), doubles up to respawn_max_ms
     * (default 10000). The first crash after a quiet period respawns at once.
     * Each worker slot has its own: a worker that finished a job before it
     * died starts its slot's over (it is replaced at once), and a finished
     * job starts the slots still waiting. The last worker is replaced at
     * once when it dies running an update, or the first time since a job
     * finished; only workers that die before finishing any job back off. */
    int64_t respawn_initial_ms;
    int64_t respawn_max_ms;
    /* Wait after a 409 Conflict from getUpdates (another instance polls):
     * starts at conflict_wait_ms (default 5000) and doubles up to 60 s. */
    int64_t conflict_wait_ms;
    /* The webhook against hostile clients: a request must arrive whole
     * within webhook_request_timeout_ms of its connection's start
     * (BOTHIVE_WEBHOOK_REQUEST_TIMEOUT_MS, default 10000; bytes trickling
     * in do not move it), else its connection is closed (as is a
     * kept-alive connection idle that long after its last request); at most
     * webhook_max_connections at once (BOTHIVE_WEBHOOK_MAX_CONNECTIONS,
     * default 1000) and webhook_per_ip_connections from one address
     * (BOTHIVE_WEBHOOK_PER_IP_CONNECTIONS, default 128: Telegram opens at
     * most 100); connections past a limit are closed when accepted. */
    int64_t webhook_request_timeout_ms;
    unsigned webhook_max_connections;
    unsigned webhook_per_ip_connections;
    /* The update kinds asked of Telegram (getUpdates and setWebhook), for
     * every bot: names separated by commas ("message,chat_member"); ""
     * asks for Telegram's default set. NULL (the default): BOTHIVE_ALLOWED_UPDATES,
     * else the kinds the bot's hooks handle (see bot.h). */
    const char *allowed_updates;
} bh_run_options;

/**
 * Fills *o from the environment: BOTHIVE_WORKERS, BOTHIVE_STORE,
 * BOTHIVE_API_URL, BOTHIVE_PROCESS_BACKLOG, BOTHIVE_SHUTDOWN_TIMEOUT_MS,
 * BOTHIVE_HANDLER_DEADLINE_MS, BOTHIVE_POLL_TIMEOUT, BOTHIVE_WEBHOOK_URL,
 * BOTHIVE_WEBHOOK_LISTEN, BOTHIVE_WEBHOOK_SECRET, BOTHIVE_WEBHOOK_REQUEST_TIMEOUT_MS,
 * BOTHIVE_WEBHOOK_MAX_CONNECTIONS, BOTHIVE_WEBHOOK_PER_IP_CONNECTIONS,
 * BOTHIVE_ALLOWED_UPDATES. Fields whose variable is
 * unset are zeroed (defaults). Strings point into the environment.
 * Errors: BH_EINVAL (NULL o, a variable that is not a valid number).
 */
int bh_run_options_from_env(bh_run_options *o);

typedef struct bh_bot bh_bot;

/**
 * Runs the bot until SIGINT or SIGTERM: the master opens the store, forks
 * the workers and the updater, and dispatches (see above). opts NULL: from
 * the environment (and BOT_TOKEN is the caller's business: bh_bot_new).
 * Returns BH_OK after a clean shutdown; errors: those of the runner
 * (BH_EINVAL, the store's errors, BH_EIO, BH_EINTR for a second signal).
 */
int bh_bot_run(bh_bot *bot, const bh_run_options *opts);

/** Runs several bots with one pool of workers and one store. */
int bh_run(bh_bot **bots, size_t n, const bh_run_options *opts);

/*
 * Whether key of the memory "bothive.deadletter" is a dead letter of the
 * bot of token and its source (the index of its token in the run): keys
 * are "<source>:<update_id>" on one host and "<bot>:<source>:<update_id>"
 * in hosts mode (one Redis may serve several bots; <bot> is the token's
 * numeric id). Returns 1 and *update_id, or 0 for another bot's or a key
 * of neither form (then *update_id is left alone). Never fails.
 */
int bh_deadletter_of(const char *key, const char *token, int source, int64_t *update_id);

/* Room for bh_deadletter_bot's answer, its '\0' included. */
#define BH_DEADLETTER_BOT_LEN 65

/*
 * The part <bot> of the hosts-mode dead-letter keys of the bot of token,
 * into out (BH_DEADLETTER_BOT_LEN bytes), for bh_deadletter_of_bot: a
 * walk over the dead letters computes it once instead of once a key.
 * Never fails.
 */
void bh_deadletter_bot(const char *token, char *out);

/*
 * bh_deadletter_of with the bot's part computed beforehand: for bot from
 * bh_deadletter_bot(token, bot), the same answer as bh_deadletter_of(key,
 * token, source, update_id) for every key; bot NULL matches only keys
 * without a bot part. Never fails.
 */
int bh_deadletter_of_bot(const char *key, const char *bot, int source, int64_t *update_id);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_RUNNER_H */
