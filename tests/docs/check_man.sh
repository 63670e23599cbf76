#!/bin/sh
# The man pages of docs/man (CTest test man_pages): each renders with groff
# without a warning (-ww), every subcommand of `bothive --help` has its
# page bothive-NAME.1, and every option its --help prints is in its page,
# so that a new option without documentation fails here.
# Usage: check_man.sh SOURCE_DIR BOTHIVE_BINARY
set -u
src=$1
bin=$2
man=$src/docs/man
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v groff >/dev/null; then
    echo "man_pages: groff is needed (package groff-base)"
    exit 1
fi
for page in "$man"/*.1; do
    groff -man -Tutf8 -ww -z "$page" 2>"$tmp/warn"
    if [ -s "$tmp/warn" ]; then
        echo "${page#"$src"/}: groff warns:"
        sed 's/^/    /' "$tmp/warn"
        fail=1
    fi
done
[ -f "$man/bothive.1" ] || { echo "docs/man/bothive.1 is missing"; fail=1; }
for tool in $("$bin" --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 }'); do
    page=$man/bothive-$tool.1
    if [ ! -f "$page" ]; then
        echo "bothive $tool has no man page (docs/man/bothive-$tool.1)"
        fail=1
        continue
    fi
    grep -q "^\.BR bothive\\\\-$tool (1)" "$man/bothive.1" ||
        { echo "docs/man/bothive.1 does not point to bothive-$tool(1)"; fail=1; }
    groff -man -Tascii -P-cbou "$page" 2>/dev/null >"$tmp/page"
    for opt in $("$bin" "$tool" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -- "$opt" "$tmp/page" ||
            { echo "docs/man/bothive-$tool.1 does not document $opt"; fail=1; }
    done
done
[ "$fail" -eq 0 ] && echo "man pages ok"
exit "$fail"
