#!/bin/sh
# Writes the performance section of the README (between its
# "<!-- bench:begin -->" and "<!-- bench:end -->" lines) from a results file
# of bench/run.sh: the pass/missed count and a short table of the headline
# targets (mem: store at every key count, peers, locks, runner
# with 4 workers). The full tables stay in the results file.
#   sh bench/readme.sh bench/results/latest.md README.md
set -eu
results=$1
readme=$2
grep -q '<!-- bench:begin -->' "$readme" || exit 0
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
{
    date=$(sed -n 's/^- date: \([0-9-]*\).*/\1/p' "$results")
    cpu=$(sed -n 's/^- CPU: //p' "$results")
    echo "Measured by \`make bench\` on $date ($cpu; a shared VM, so figures move by"
    echo "tens of percent between runs). Full tables: \`bench/results/latest.md\`."
    echo
    awk '/^### Targets/ { sub(/^### /, ""); print "**" $0 " (all rows, including file: and 100K/1M keys, in the results file)**"; print ""; exit }' "$results"
    echo "| target | measured | limit | spread | status |"
    echo "|---|---|---|---|---|"
    grep -E '^\| (overhead_bytes_per_entry_[a-z0-9]+_1K|[a-z_]+_mem_(1K|10K|100K|1M)(_2procs_own)?_vs_table|lock_[a-z_]+_vs_bare_mutex|[a-z]+_speedup_vs_[a-z_]+|runner_dispatch_[a-z0-9_]+_w4) ' "$results"
} >"$tmp"
awk -v f="$tmp" '
    /<!-- bench:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
    /<!-- bench:end -->/ { skip = 0 }
    !skip { print }' "$readme" >"$tmp.new"
cat "$tmp.new" >"$readme"
echo "readme.sh: updated the performance section of $readme" >&2
