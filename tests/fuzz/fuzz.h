/*
 * What every fuzz target shares. A target defines LLVMFuzzerTestOneInput
 * (and may define LLVMFuzzerInitialize); it is linked either with
 * libFuzzer (clang, -fsanitize=fuzzer: `make fuzz`) or with replay.c, a
 * plain main() that feeds it the files of its corpus, so that `make test`
 * runs every target on its corpus with any compiler.
 *
 * A target must be deterministic, free everything it allocates and never
 * sleep: libFuzzer runs it millions of times in one process.
 */
#ifndef BH_FUZZ_H
#define BH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed invariant: abort, so that libFuzzer (or the replay driver, under
 * CTest) reports the input with a stack. */
#define BH_FUZZ_ASSERT(cond)                                                                  \
    do {                                                                                      \
        if (!(cond))                                                                          \
            bh_fuzz_fail(__FILE__, __LINE__, #cond);                                          \
    } while (0)

void bh_fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* A NUL-terminated malloc'd copy of the input (NULL when out of memory). */
static inline char *bh_fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Reads the input as a stream of bytes: each take past the end gives 0, so
 * a target that interprets bytes as operations never reads out of bounds. */
typedef struct bh_fuzz_in {
    const uint8_t *p;
    size_t left;
} bh_fuzz_in;

static inline uint8_t bh_fuzz_u8(bh_fuzz_in *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static inline uint16_t bh_fuzz_u16(bh_fuzz_in *in)
{
    uint16_t hi = bh_fuzz_u8(in);
    return (uint16_t)(hi << 8 | bh_fuzz_u8(in));
}

/* Up to max bytes (fewer at the end of the input), pointing into it. */
static inline const uint8_t *bh_fuzz_bytes(bh_fuzz_in *in, size_t max, size_t *len)
{
    const uint8_t *p = in->p;
    *len = max < in->left ? max : in->left;
    in->p += *len;
    in->left -= *len;
    return p;
}

/* Silences the library's log while fuzzing: millions of warnings about
 * malformed input would be the whole cost of a run. */
void bh_fuzz_quiet(void);

#endif
