#!/bin/sh
# Prints docs/api-coverage.md: each method of the Bot API (the names in
# docs/botapi-methods.txt) as bothive reaches it. Every method is reachable
# through the one call path (bh_client_call_params); "typed" means a typed
# wrapper in src/telegram/ names it, "served" that the emulator's method
# table (tools/emu/api.c) has it. The CTest test api_coverage checks that
# the committed page is what this prints.
# Usage: api-coverage.sh SOURCE_DIR
set -eu
src=$1
names=$src/docs/botapi-methods.txt
total=0 typed=0 served=0
rows=$(mktemp)
lits=$(mktemp)
emu=$(mktemp)
trap 'rm -f "$rows" "$lits" "$emu"' EXIT
# The call path's own files name methods for other reasons (retries,
# migration, the limiter); the wrappers are the other files.
for f in "$src"/src/telegram/*.c; do
    case ${f##*/} in client.c | limiter.c) continue ;; esac
    grep -o '"[A-Za-z]*"' "$f" | tr -d '"'
done | sort -u >"$lits"
grep -o '{"[A-Za-z]*",' "$src/tools/emu/api.c" | tr -d '{",' | sort -u >"$emu"
while read -r m; do
    [ -n "$m" ] || continue
    total=$((total + 1))
    t=no s=no
    grep -qx "$m" "$lits" && t=yes
    grep -qx "$m" "$emu" && s=yes
    [ $t = yes ] && typed=$((typed + 1))
    [ $s = yes ] && served=$((served + 1))
    echo "| \`$m\` | $t | $s |" >>"$rows"
done <"$names"
echo "# Bot API coverage"
echo
echo "Made by \`scripts/api-coverage.sh\` (checked by the test \`api_coverage\`)."
echo "Every method is reachable through the call path with the parameter builder"
echo "(\`bh_client_call_params\`); typed: $typed of $total; served by \`bothive emu\`: $served of $total."
echo
echo "| method | typed | served by the emulator |"
echo "|---|---|---|"
cat "$rows"
