/*
 * Helpers shared by the test suites: temporary paths, forked children,
 * clocks. Tests use real processes, files and sockets; nothing is mocked.
 */
#ifndef BH_TESTUTIL_H
#define BH_TESTUTIL_H

#include <stdint.h>
#include <sys/types.h>

/* A fresh path under $TMPDIR (or /tmp) that does not exist yet; malloc'd. */
char *bh_test_tmppath(const char *tag);

/* Milliseconds on the monotonic clock. */
int64_t bh_test_now_ms(void);

/* Waits for pid and returns its exit status (0..255), or 128+signal. */
int bh_test_wait(pid_t pid);

/* Waits up to timeout_ms until pid is asleep in the kernel (blocked on a
 * lock, a futex, a socket), seen so on several looks in a row, so that a
 * test can act once another process is blocked instead of sleeping a time
 * it hopes is long enough. Returns 0, or -1 on timeout or if pid is gone. */
int bh_test_wait_asleep(pid_t pid, int timeout_ms);

/* How many lines of the file at path hold the text what (a line longer
 * than 1 KiB counts as several); fails the test when the file cannot be
 * opened. */
int bh_test_count_in_file(const char *path, const char *what);

/* Runs a Check suite built by make_suite, returns the process exit code. */
struct Suite;
int bh_test_run_suite(struct Suite *s);

/* Adds test t as a case of its own named name (so that CK_RUN_CASE=name runs
 * it alone), with the fixture and a timeout in seconds. */
struct TTest;
void bh_test_add_case(struct Suite *s, const char *name, const struct TTest *t,
                      void (*setup)(void), void (*teardown)(void), int timeout_s);

#endif
