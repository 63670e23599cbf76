/*
 * SipHash-2-4: a keyed hash for tags a user must not be able to forge
 * (signed callback data) and secrets derived from a token.
 */
#ifndef BH_BASE_SIPHASH_H
#define BH_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* The 64-bit SipHash-2-4 of data[0..len) under key (little-endian words). */
uint64_t bh_siphash(const unsigned char key[16], const void *data, size_t len);

#endif
