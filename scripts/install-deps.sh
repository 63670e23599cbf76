#!/bin/sh
# Installs the Debian packages bothive needs to build, test and benchmark,
# only those that are missing. Runs apt-get update first only when something
# is missing, so that a machine with everything installed does no network I/O.
set -eu

PKGS="build-essential cmake pkg-config
libcurl4-openssl-dev libjson-c-dev check libsubunit-dev
libhiredis-dev redis-server libmicrohttpd-dev libssl-dev openssl
liblmdb-dev gnuplot-nox python3 curl valgrind
clang libclang-rt-dev
gettext groff-base man-db redis-sentinel tzdata"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
