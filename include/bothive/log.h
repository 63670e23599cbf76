/*
 * bothive: logging. One line per event: by default on stderr, a
 * timestamp, the level, the process id and tag, the message. A program
 * that embeds the library can route the lines elsewhere with
 * bh_log_set_handler. Used by every layer; never given a token.
 *
 * A failure is logged once, by the layer that decides what it means (the
 * runner that retries, the bot that gives up), not at every level it passes
 * through: lower layers return codes and keep details in their handles.
 */
#ifndef BOTHIVE_LOG_H
#define BOTHIVE_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

enum bh_log_level { BH_LOG_DEBUG = 0, BH_LOG_INFO = 1, BH_LOG_WARN = 2, BH_LOG_ERROR = 3,
                    BH_LOG_OFF = 4 };

/** Logs at level if it is at or above the current level (from BOTHIVE_LOG:
 *  debug, info, warn, error, off; default info). */
void bh_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Sets the level, overriding BOTHIVE_LOG. */
void bh_log_set_level(int level);

/** The current level. */
int bh_log_level(void);

/** Sets a short tag printed after the pid (e.g. "master", "worker 3"); NULL clears it. */
void bh_log_set_tag(const char *tag);

/** The current tag ("" if none). */
const char *bh_log_tag(void);

/**
 * Receives each line at or above the current level instead of stderr.
 * msg is the formatted message alone (no timestamp, level, pid or newline),
 * valid only during the call. Called in the logging process, possibly from
 * several threads at once (the Redis lease keeper logs from its thread):
 * the handler must be thread-safe and must not call bh_log.
 */
typedef void (*bh_log_handler_fn)(int level, const char *msg, void *arg);

/**
 * Routes log lines to fn(level, msg, arg); NULL restores stderr. Set it
 * before the runner forks: each process keeps the handler it inherited.
 */
void bh_log_set_handler(bh_log_handler_fn fn, void *arg);

#ifdef __cplusplus
}
#endif
#endif
