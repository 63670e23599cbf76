#!/bin/sh
# Installs the build into a temporary prefix and builds a small program
# against it twice: with pkg-config, and with CMake's find_package.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
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
mkdir -p "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(bothive REQUIRED)
add_executable(app_cmake $src/tests/install/app.c)
target_link_libraries(app_cmake bothive::bothive)
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
"$tmp/cm/build/app_cmake"
echo "install ok"
