/*
 * bothive: logging.
 *
 * Every layer logs through bh_log, so it sits at the bottom of the stack.
 * A line goes to stderr as
 *     2026-11-29T01:02:03.456Z [1234] WARN  message
 * (UTC time with milliseconds, process id, level), written with one write()
 * so that lines of concurrent worker processes do not interleave.
 *
 * The threshold comes from the environment variable BOTHIVE_LOG (debug,
 * info, warn, error, or off; default info), read at the first log call, or
 * from bh_log_set_level, which wins over the environment.
 *
 * Never pass secrets (bot tokens, URLs that contain them) to bh_log.
 */
#ifndef BOTHIVE_LOG_H
#define BOTHIVE_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bh_log_level {
    BH_LOG_DEBUG = 0,
    BH_LOG_INFO = 1,
    BH_LOG_WARN = 2,
    BH_LOG_ERROR = 3,
    BH_LOG_OFF = 4
} bh_log_level;

/** Writes one line at `level` if it passes the threshold. Lines longer than
 *  about 1 KiB are cut. Never fails. */
void bh_log(bh_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Sets the threshold for this process (overrides BOTHIVE_LOG). */
void bh_log_set_level(bh_log_level level);

/** Forgets the threshold set by bh_log_set_level or read before, so that
 *  BOTHIVE_LOG is read again at the next log call (after the environment
 *  was changed). */
void bh_log_reset(void);

/** The current threshold. */
bh_log_level bh_log_get_level(void);

/** Returns 1 if a line at `level` would be written, so that callers can skip
 *  costly formatting. */
int bh_log_enabled(bh_log_level level);

#ifdef __cplusplus
}
#endif
#endif /* BOTHIVE_LOG_H */
