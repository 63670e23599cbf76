#!/bin/sh
# Installs the build into a temporary prefix and builds a small program
# against it twice: with pkg-config, and with CMake's find_package.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# The man pages of the bothive command, where man finds them.
for page in bothive bothive-emu bothive-chat bothive-shm; do
    if [ ! -f "$tmp/prefix/share/man/man1/$page.1" ]; then
        echo "make install did not install the man page $page.1" >&2
        exit 1
    fi
done
# A sanitized library needs its runtime in the program too.
san=""
if grep -q '^BOTHIVE_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
    san="-fsanitize=address,undefined"
fi
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -n 1)
export PKG_CONFIG_PATH="$libdir"
# shellcheck disable=SC2046
cc $san -o "$tmp/app_pc" "$src/tests/install/app.c" $(pkg-config --cflags --libs bothive)
LD_LIBRARY_PATH="$(dirname "$libdir")" "$tmp/app_pc"
# The store alone: bothive-store needs none of the Bot API's libraries.
# shellcheck disable=SC2046
cc $san -o "$tmp/store_pc" "$src/tests/install/store_app.c" $(pkg-config --cflags --libs bothive-store)
if pkg-config --libs --static bothive-store | grep -q -e curl -e microhttpd; then
    echo "bothive-store pulls in the Bot API's libraries" >&2
    exit 1
fi
LD_LIBRARY_PATH="$(dirname "$libdir")" "$tmp/store_pc"
if command -v readelf >/dev/null && readelf -d "$tmp/store_pc" | grep -q 'libbothive\.so'; then
    echo "the store-only program links libbothive" >&2
    exit 1
fi
# One version: the header's is the pkg-config files'.
want=$(sed -n 's/^#define BH_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$src/include/bothive/version.h" | paste -sd. -)
for pc in bothive bothive-store; do
    got=$(pkg-config --modversion $pc)
    if [ "$got" != "$want" ]; then
        echo "$pc.pc says version $got, version.h says $want" >&2
        exit 1
    fi
done
mkdir -p "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(bothive REQUIRED)
add_executable(app_cmake $src/tests/install/app.c)
target_link_libraries(app_cmake bothive::bothive)
add_executable(store_cmake $src/tests/install/store_app.c)
target_link_libraries(store_cmake bothive::bothive_store)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
"$tmp/cm/build/app_cmake"
"$tmp/cm/build/store_cmake"
echo "install ok"
