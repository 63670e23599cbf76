/* The store file's path and writing, shared by the store_file target and
 * the program that makes its seeds. */
#ifndef BH_FUZZ_STORE_FILE_IO_H
#define BH_FUZZ_STORE_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

/* The size the inputs are padded to with zeros: the store's smallest
 * capacity. A seed is a store file without its trailing zeros (its unused
 * pages), which keeps seeds small and lets mutations reach the header and
 * the page map, where the damage that matters is. */
#define BH_FUZZ_STORE_SIZE ((size_t)1 << 20)

/* Writes data (padded with zeros to BH_FUZZ_STORE_SIZE) to path, replacing
 * what was there. Returns 0, or -1 with errno set. */
int bh_fuzz_write_store(const char *path, const uint8_t *data, size_t size);

/* Reads a whole file into a malloc'd buffer and strips its trailing zeros.
 * Returns the buffer (NULL on failure) and its length in *len. */
uint8_t *bh_fuzz_read_stripped(const char *path, size_t *len);

#endif
