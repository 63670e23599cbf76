/*
 * bothive: the version. This header is the one source of it: CMake reads
 * the three numbers below for the library's version, the pkg-config files
 * and the CMake package, and the Bot API client sends it in its
 * User-Agent.
 */
#ifndef BOTHIVE_VERSION_H
#define BOTHIVE_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define BH_VERSION_MAJOR 0
#define BH_VERSION_MINOR 2
#define BH_VERSION_PATCH 0

#define BH_VERSION_STR_(x) #x
#define BH_VERSION_STR(x) BH_VERSION_STR_(x)
/** The version as text, "MAJOR.MINOR.PATCH", for the headers compiled in. */
#define BH_VERSION_STRING                                                      \
    BH_VERSION_STR(BH_VERSION_MAJOR) "." BH_VERSION_STR(BH_VERSION_MINOR) "."  \
        BH_VERSION_STR(BH_VERSION_PATCH)

/** One number that grows with every release: MAJOR*10000 + MINOR*100 + PATCH. */
#define BH_VERSION_NUMBER (BH_VERSION_MAJOR * 10000 + BH_VERSION_MINOR * 100 + BH_VERSION_PATCH)

/**
 * The version of the library linked at run time, "MAJOR.MINOR.PATCH"
 * (which may differ from BH_VERSION_STRING, the headers' version, when a
 * program runs against a newer shared library). Static; never NULL.
 * If number is not NULL, *number gets its BH_VERSION_NUMBER.
 */
const char *bh_version(int *number);

#ifdef __cplusplus
}
#endif
#endif
