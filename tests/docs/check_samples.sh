#!/bin/sh
# Compiles every ```c block of docs/*.md and README.md against the built
# headers, so that the guide cannot rot (CTest test docs_samples).
#
# Usage: check_samples.sh SOURCE_DIR CC LIBRARY [EXTRA_FLAGS...]
#   LIBRARY is the built libbothive.so; EXTRA_FLAGS go to every compile and
#   link (the sanitizers of a sanitized build).
#
# The files are globbed when the test runs, so a guide added to docs/ is
# checked without a change here. The rules (docs/README.md says them to
# writers):
#  - a block opened by ```c (the info string's first word is "c") is code;
#    ```sh, ```text, ```ini... are not compiled;
#  - each block is compiled on its own, with <bothive/bothive.h> and the
#    usual C headers included before it, first as a file of its own;
#  - a block that is not a file (statements outside a function) is compiled
#    as the body of a function in whose scope are `bh_bot *bot`,
#    `bh_ctx *ctx`, `const bh_message *msg`, `const bh_args *args` and
#    `bh_shared *m` (a block may declare its own, which hide them);
#  - a file with a main() is also linked with libbothive (and libcurl,
#    which tests of bots use to drive the emulator);
#  - a block whose first line is a comment naming a file ("/* greeter.c */",
#    "// greeter.h: ...") is also saved under that name, so that a later
#    block of the same page can #include it (a test of the bot above);
#  - -std=c11 -Wall -Wextra -Werror, less the unused-parameter and
#    unused-function warnings (a sample shows a hook without its bot).
# Errors point at the Markdown file and line (#line), and the test fails
# with the list of failing blocks.
set -u
src=$1
cc=$2
lib=$3
shift 3
extra="$*"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wno-unused-parameter
 -Wno-unused-function -I$src/include $(pkg-config --cflags json-c libcurl)"
libdir=$(dirname "$lib")
libs=$(pkg-config --libs json-c libcurl)

prelude() {
    printf '%s\n' '#include <bothive/bothive.h>' '#include <inttypes.h>' \
        '#include <stdint.h>' '#include <stdio.h>' '#include <stdlib.h>' '#include <string.h>'
}

# Splits file $1 into $tmp/blocks/N.c, one per ```c block, and writes
# "N LINE" (LINE: the block's first line in the file) to $tmp/list.
extract() {
    awk -v out="$tmp/blocks" -v base="$(cat "$tmp/count")" '
        function flush() { close(f) }
        !inside && /^[ \t]*```[ \t]*c([ \t].*)?$/ {
            match($0, /^[ \t]*/); indent = RLENGTH
            inside = 1; n++; f = out "/" (base + n) ".c"
            print (base + n), NR + 1 >> (out "/../list")
            printf "" > f
            next
        }
        inside && /^[ \t]*```[ \t]*$/ { inside = 0; flush(); next }
        inside {
            line = $0
            if (substr(line, 1, indent) ~ /^[ \t]*$/) line = substr(line, indent + 1)
            print line >> f
        }
        END { print base + n > (out "/../count") }
    ' "$1"
}

mkdir -p "$tmp/blocks"
echo 0 >"$tmp/count"
files=""
for md in "$src"/README.md "$src"/docs/*.md; do
    [ -f "$md" ] || continue
    : >"$tmp/list"
    extract "$md"
    page=$(echo "${md#"$src"/}" | tr '/.' '__')
    mkdir -p "$tmp/files/$page"
    while read -r n line; do
        echo "$n $line ${md#"$src"/} $page" >>"$tmp/all"
        name=$(head -n 1 "$tmp/blocks/$n.c" |
            sed -n 's@^[[:space:]]*\(/\*\|//\)[[:space:]]*\([A-Za-z0-9_.-]*\.[ch]\)\([[:space:]:].*\)\{0,1\}$@\2@p')
        [ -n "$name" ] && cp "$tmp/blocks/$n.c" "$tmp/files/$page/$name"
    done <"$tmp/list"
    files="$files ${md#"$src"/}"
done
[ -s "$tmp/all" ] || { echo "docs_samples: no \`\`\`c block found"; exit 1; }

total=0
linked=0
failed=""
while read -r n line md page; do
    total=$((total + 1))
    inc="-I$tmp/files/$page"
    block="$tmp/blocks/$n.c"
    tu="$tmp/tu_$n.c"
    { prelude; echo "#line $line \"$md\""; cat "$block"; } >"$tu"
    # shellcheck disable=SC2086
    if $cc $cflags $inc $extra -c -o "$tmp/$n.o" "$tu" 2>"$tmp/err_tu_$n"; then
        if grep -Eq '^[[:space:]]*int[[:space:]]+main[[:space:]]*\(' "$block"; then
            # shellcheck disable=SC2086
            if ! $cc $extra -o "$tmp/$n.bin" "$tmp/$n.o" "$lib" -Wl,-rpath,"$libdir" \
                $libs 2>"$tmp/err_link_$n"; then
                echo "$md:$line: the sample does not link:"
                sed 's/^/    /' "$tmp/err_link_$n"
                failed="$failed $md:$line"
                continue
            fi
            linked=$((linked + 1))
        fi
        continue
    fi
    frag="$tmp/frag_$n.c"
    {
        prelude
        echo "int bh_doc_fragment(bh_bot *bot, bh_ctx *ctx, const bh_message *msg,"
        echo "                    const bh_args *args, bh_shared *m);"
        echo "int bh_doc_fragment(bh_bot *bot, bh_ctx *ctx, const bh_message *msg,"
        echo "                    const bh_args *args, bh_shared *m)"
        echo "{"
        echo "(void)bot; (void)ctx; (void)msg; (void)args; (void)m;"
        echo "{"
        echo "#line $line \"$md\""
        cat "$block"
        echo "}"
        echo "return 0;"
        echo "}"
    } >"$frag"
    # shellcheck disable=SC2086
    if $cc $cflags -Wno-unused-variable -Wno-unused-but-set-variable -Wno-unused-value \
        $inc $extra -c -o "$tmp/$n.o" "$frag" 2>"$tmp/err_frag_$n"; then
        continue
    fi
    echo "$md:$line: the sample compiles neither as a file nor as a function body."
    echo "  as a file:"
    sed 's/^/    /' "$tmp/err_tu_$n" | head -n 20
    echo "  as a function body:"
    sed 's/^/    /' "$tmp/err_frag_$n" | head -n 20
    failed="$failed $md:$line"
done <"$tmp/all"

echo "docs_samples: $total blocks in$files; $linked linked"
if [ -n "$failed" ]; then
    echo "docs_samples: FAILED:$failed"
    exit 1
fi
echo "docs_samples ok"
