#!/bin/sh
# Keeps the layering of ../shared/DESIGN.md true (run by `make test` as the
# CTest test `layering`):
#  - each folder under src/ uses only the folders it may (read from the
#    built objects' symbols with nm, and from the #include lines);
#  - the Bot API client uses nothing but base;
#  - no source file passes 800 lines.
# Usage: check-layers.sh BUILD_DIR SOURCE_DIR. Exits 1 with one line per
# violation.
set -eu
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The folders each layer may use (itself included), bottom to top.
allowed() {
    case $1 in
    base) echo "base" ;;
    store) echo "base store" ;;
    emb) echo "base store emb" ;;
    redis) echo "base store redis" ;;
    telegram) echo "base telegram" ;;
    runner) echo "base store telegram runner" ;;
    bot) echo "base store telegram runner bot" ;;
    *) echo "" ;;
    esac
}
layers="base store emb redis telegram runner bot"

# The layer a public header belongs to.
header_layer() {
    case $1 in
    error.h | log.h | version.h) echo base ;;
    store.h | redis.h) echo store ;;
    telegram.h | telegram_views.h | botapi.h | apitable.h | botapi_more.h | keyboards.h) echo telegram ;;
    runner.h) echo runner ;;
    bot.h | bothive.h | conversation.h | schedule.h) echo bot ;;
    *) echo unknown ;;
    esac
}

fail=0
violation() {
    echo "layering: $*"
    fail=1
}

# 1. Symbols: which layer defines each global symbol, and which layers use it.
for layer in $layers; do
    # The objects of the sources that exist now (a build dir keeps the
    # objects of files since moved or removed).
    objs=""
    for c in "$src"/src/"$layer"/*.c; do
        [ -f "$c" ] || continue
        for o in "$build"/CMakeFiles/bothive_*_objects.dir/src/"$layer/${c##*/}.o"; do
            [ -f "$o" ] && objs="$objs $o"
        done
    done
    [ -n "$objs" ] || continue
    # shellcheck disable=SC2086
    nm -g --defined-only $objs 2>/dev/null | awk -v l="$layer" 'NF == 3 { print $3, l }' >>"$tmp/defs"
    for o in $objs; do
        nm -u "$o" | awk -v f="${o##*/src/}" '{ print $NF, f }' >>"$tmp/uses"
    done
done
if [ ! -s "$tmp/defs" ]; then
    echo "layering: no objects under $build (build first)"
    exit 1
fi
sort -u "$tmp/defs" >"$tmp/defs.sorted"
sort "$tmp/uses" >"$tmp/uses.sorted"
join "$tmp/uses.sorted" "$tmp/defs.sorted" | while read -r sym file def; do
    user=${file%%/*}
    case " $(allowed "$user") " in
    *" $def "*) ;;
    *) echo "src/${file%.o} uses $sym of src/$def" ;;
    esac
done >"$tmp/bad_syms"
while read -r line; do violation "$line"; done <"$tmp/bad_syms"

# 2. Includes: "layer/x.h" and "bothive/x.h" from each file under src/.
for layer in $layers; do
    for f in "$src"/src/"$layer"/*.[ch]; do
        [ -f "$f" ] || continue
        grep -o '^#include "[^"]*"' "$f" | sed 's/^#include "//; s/"$//' | while read -r inc; do
            case $inc in
            bothive/*) used=$(header_layer "${inc#bothive/}") ;;
            */*) used=${inc%%/*} ;;
            *) continue ;;
            esac
            case " $(allowed "$layer") " in
            *" $used "*) ;;
            *) echo "${f#"$src"/} includes $inc (layer $used)" ;;
            esac
        done
    done
done >"$tmp/bad_incs"
while read -r line; do violation "$line"; done <"$tmp/bad_incs"

# 3. File length.
find "$src/src" "$src/include" "$src/tools" "$src/tests" "$src/bench" "$src/examples" \
    -name '*.[ch]' -exec wc -l {} + | awk '$2 != "total" && $1 > 800 { print $2, $1 }' |
    while read -r f n; do echo "${f#"$src"/} has $n lines (at most 800)"; done >"$tmp/long"
while read -r line; do violation "$line"; done <"$tmp/long"

[ "$fail" -eq 0 ] && echo "layering ok"
exit "$fail"
