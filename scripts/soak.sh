#!/bin/sh
# make soak: the soak (tests/soak/soak.c) against the build in $1.
# SOAK_UPDATES and SOAK_CHATS choose its size (default: a million updates
# over 10,000 chats; CI runs 20,000 over 500). It prints its figures and
# exits non-zero when a count, the store or a process's growth is wrong.
set -eu
build=${1:-build}
export BOTHIVE_BIN="$build/tools/bothive"
exec "$build/tests/bh_soak" "${SOAK_UPDATES:-1000000}" "${SOAK_CHATS:-10000}"
