/*
 * Captures what the process writes to stderr (fd 2), to check log output.
 */
#ifndef BH_CAPTURE_H
#define BH_CAPTURE_H

/* Starts sending fd 2 to a temporary file. Aborts on failure. */
void bh_test_capture_start(void);
/* Restores fd 2 and returns everything written meanwhile (malloc'd). */
char *bh_test_capture_stop(void);

#endif
