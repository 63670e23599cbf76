/*
 * bothive: logging. One line per event on stderr: a timestamp, the level,
 * the process id, the message. Used by every layer; never given a token.
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

#ifdef __cplusplus
}
#endif
#endif
