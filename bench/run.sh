#!/bin/sh
# Runs every benchmark and writes their tables and a plot.
#
#   sh bench/run.sh BUILD_DIR [--quick] [--out DIR]
#
# Starts its own redis-server on a free loopback port, without persistence,
# and stops it at the end whatever happens. Writes DIR/latest.md and
# DIR/latest.png (DIR defaults to bench/results) and prints the tables.
# --quick runs tiny counts: used by the bench_smoke test, which checks that
# every benchmark runs and prints its RESULT lines, never how fast it is.
# Exits non-zero if a benchmark fails or prints no RESULT line.
set -eu

usage() { echo "usage: sh bench/run.sh BUILD_DIR [--quick] [--out DIR]" >&2; exit 2; }
[ $# -ge 1 ] || usage
BUILD=$(cd "$1" && pwd)
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT="$SRC/bench/results"
QUICK=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK="--quick" ;;
    --out) [ $# -ge 2 ] || usage; OUT="$2"; shift ;;
    *) usage ;;
    esac
    shift
done
BIN="$BUILD/bench"
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bothive-bench.XXXXXX")
REDIS_PID=""

cleanup() {
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- redis-server on a free port ----
PEER_ARGS=""
if command -v redis-server >/dev/null 2>&1; then
    # The kernel picks a free port for a socket bound to port 0.
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + $$ % 20000)))
    redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    i=0
    while [ $i -lt 50 ]; do
        if command -v redis-cli >/dev/null 2>&1; then
            redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
        else
            sleep 0.5 && break # bench_peers retries its connection anyway
        fi
        kill -0 "$REDIS_PID" 2>/dev/null || { cat "$WORK/redis.log" >&2; echo "run.sh: redis-server failed to start" >&2; exit 1; }
        sleep 0.1
        i=$((i + 1))
    done
    PEER_ARGS="--redis-port $PORT"
else
    echo "run.sh: redis-server not on PATH: Redis figures skipped" >&2
fi
if command -v python3 >/dev/null 2>&1; then
    MANAGER="python3 $SRC/bench/manager_bench.py"
else
    MANAGER=""
    echo "run.sh: python3 not on PATH: Manager figures skipped" >&2
fi

# ---- the benchmarks ----
FAILED=0
RAN=""
run_one() { # name, then its arguments
    name=$1
    shift
    RAN="$RAN $name"
    echo "run.sh: $name $*" >&2
    if ! "$BIN/$name" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"; then
        echo "run.sh: $name FAILED (its stderr follows)" >&2
        FAILED=1
    elif ! grep -q '^RESULT ' "$WORK/$name.out"; then
        echo "run.sh: $name printed no RESULT line" >&2
        FAILED=1
    fi
    cat "$WORK/$name.err" >&2
}
run_one bench_store $QUICK
run_one bench_lock $QUICK
if [ -n "$MANAGER" ]; then
    # shellcheck disable=SC2086
    run_one bench_peers $QUICK $PEER_ARGS --manager "$MANAGER"
else
    # shellcheck disable=SC2086
    run_one bench_peers $QUICK $PEER_ARGS
fi
# shellcheck disable=SC2086
run_one bench_redis $QUICK $PEER_ARGS
# The runner's end-to-end figures go through the emulator.
BOTHIVE_BIN="$BUILD/tools/bothive" run_one bench_runner $QUICK
run_one bench_views $QUICK
# The Bot API client's figures go through the emulator too.
for b in bench_broadcast bench_upload bench_callpath; do
    BOTHIVE_BIN="$BUILD/tools/bothive" run_one $b $QUICK $([ $b = bench_broadcast ] && echo "$PEER_ARGS")
done
# A conversation step against the same handlers as plain hooks.
run_one bench_conversation $QUICK
# Scheduled jobs: lateness after the due time, through the emulator.
BOTHIVE_BIN="$BUILD/tools/bothive" run_one bench_schedule $QUICK
# Several hosts through Redis and the emulator.
# shellcheck disable=SC2086
BOTHIVE_BIN="$BUILD/tools/bothive" run_one bench_hosts $QUICK $PEER_ARGS
# Every benchmark's output, in the order they ran.
for name in $RAN; do cat "$WORK/$name.out"; done >"$WORK/all.out" 2>/dev/null || true

# ---- markdown ----
# Each "RESULT bench=B k=v ..." line is a row of table B (columns from its
# first row); TARGET lines form the table of targets.
to_md() {
    awk '
    function title(b) {
        if (b == "store") return "Store: ns per operation (per process), bothive vs the in-process table";
        if (b == "overhead") return "Store: bytes per entry beyond key and value (bh_store_stats)";
        if (b == "check") return "Correctness checks";
        if (b == "keyscale") return "In-process table: ns at the largest key count over ns at the smallest";
        if (b == "vsize") return "Value size scaling (mem:, 1 process)";
        if (b == "lock") return "Named locks vs a bare robust process-shared mutex";
        if (b == "lockwaste") return "Lock hand-off: acquisitions that found it was not their turn";
        if (b == "lockcsw") return "Lock hand-off: context switches per hand-off (getrusage)";
        if (b == "syscall") return "Cost of one system call on this machine";
        if (b == "peers") return "Peers: ns per operation, bothive (1 process, mem:) speedup over each";
        if (b == "redis") return "redis:// backend vs raw hiredis sending the same command (one at a time)";
        if (b == "runner") return "Runner: dispatch throughput and latency (dispatcher alone, and end to end through the emulator)";
        if (b == "conversation") return "Conversations: ns per 3-step sign-up through bh_bot_process, as a conversation and as plain hooks";
        if (b == "schedule") return "Scheduled jobs: ms from the due time to the start of the job (4 workers, file:)";
        if (b == "hosts") return "Several hosts through Redis: end-to-end throughput, handlers of 5 ms, 4 workers per host";
        if (b == "views") return "Updates: ns to tokenize, to parse the view, and to read a photo message lazily";
        if (b == "broadcast") return "Broadcast: one text to every chat by 4 workers, against the --flood limits of the emulator";
        if (b == "upload") return "Upload: a document through the call path vs curl -F, and the peak RSS growth of the sender";
        if (b == "callpath") return "Call path: sendMessage through bh_client_call_params vs a bare libcurl POST of the same body";
        return b;
    }
    $1 == "RESULT" {
        split($2, kv, "="); b = kv[2];
        if (!(b in ncols)) {
            order[++nb] = b; ncols[b] = 0;
            for (i = 3; i <= NF; i++) { split($i, kv, "="); cols[b, ++ncols[b]] = kv[1]; }
        }
        row = "|";
        for (i = 3; i <= NF; i++) { n = index($i, "="); row = row " " substr($i, n + 1) " |"; }
        rows[b, ++nrows[b]] = row;
    }
    $1 == "TARGET" {
        # By name: a line without a spread (a single figure) shows "-".
        delete f; f["spread"] = "-";
        for (i = 2; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1); }
        st = f["status"];
        if (st == "MISSED") { missed++; st = "**MISSED**"; }
        else if (st == "NOISY") { noisy++; st = "*NOISY*"; }
        else passed++;
        trow[++nt] = "| " f["what"] " | " f["value"] " | " f["limit"] " | " f["spread"] " | " st " |";
    }
    END {
        for (j = 1; j <= nb; j++) {
            b = order[j];
            printf "\n### %s\n\n|", title(b);
            for (i = 1; i <= ncols[b]; i++) printf " %s |", cols[b, i];
            printf "\n|";
            for (i = 1; i <= ncols[b]; i++) printf "---|";
            printf "\n";
            for (i = 1; i <= nrows[b]; i++) print rows[b, i];
        }
        printf "\n### Targets: %d PASS, %d MISSED, %d NOISY\n\n", passed, missed, noisy;
        printf "A target is NOISY when its runs spread over %d%% (interquartile range over\n", 20;
        printf "the median): the machine was too busy for its side of the limit to mean anything.\n\n";
        printf "| target | measured | limit | spread | status |\n|---|---|---|---|---|\n";
        for (i = 1; i <= nt; i++) print trow[i];
    }' "$1"
}

CPU=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || echo unknown)
{
    echo "# bothive benchmarks"
    echo
    if [ -n "$QUICK" ]; then echo "**Quick run (tiny counts): the figures mean nothing.**"; echo; fi
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- machine: \`$(uname -a)\`"
    echo "- CPU: $CPU; nproc: $(nproc)"
    echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
    echo "- redis: $(redis-server --version 2>/dev/null | cut -d' ' -f3 || echo none); python: $(python3 --version 2>&1 || echo none)"
    echo
    echo "Each figure is the median of several runs (1 with --quick); keys are walked in a"
    echo "precomputed random order. ratio = bothive / table (lower is better, target <= 2);"
    echo "speedup = peer / bothive (higher is better). With procs=2 each process does half the"
    echo "operations, on its own half of the keys (own) or on all keys (shared), and ns is per"
    echo "operation per process; mem_mops_per_proc is the throughput of one process."
    echo "The table is a lock-free open-addressing table in a shared mapping (no lock: a lower bound)."
    to_md "$WORK/all.out"
    echo
    echo "![ns per operation](latest.png)"
} >"$OUT/latest.md"

# ---- plot ----
if command -v gnuplot >/dev/null 2>&1; then
    awk '$1 == "RESULT" && $2 == "bench=store" && $5 == "procs=1" {
        for (i = 2; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1); }
        k = f["keys"]; m = 1;
        if (k ~ /K$/) m = 1000; else if (k ~ /M$/) m = 1000000;
        sub(/[KM]$/, "", k);
        print f["op"], k * m, f["table_ns"], f["mem_ns"], f["file_ns"] > ("'"$WORK"'/keys_" f["op"] ".dat");
    }
    $1 == "RESULT" && $2 == "bench=vsize" {
        for (i = 2; i <= NF; i++) { n = index($i, "="); f[substr($i, 1, n - 1)] = substr($i, n + 1); }
        print f["bytes"], f["table_ns"], f["mem_ns"] > ("'"$WORK"'/vsize_" f["op"] ".dat");
    }' "$WORK/all.out"
    TERM_PNG=png
    gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo && TERM_PNG=pngcairo
    if ! gnuplot <<GP 2>"$WORK/gnuplot.err"; then
set terminal $TERM_PNG size 1200,500 noenhanced
set output "$OUT/latest.png"
set multiplot layout 1,2
set logscale x
set grid
set key top left
set xlabel "keys"
set ylabel "ns per operation (1 process)"
set title "bothive vs in-process table: key count"
plot "$WORK/keys_get_int.dat" u 2:4 w lp lw 2 t "get_int mem:", \
     "$WORK/keys_get_int.dat" u 2:5 w lp t "get_int file:", \
     "$WORK/keys_get_int.dat" u 2:3 w lp dt 2 t "get_int table", \
     "$WORK/keys_set_int.dat" u 2:4 w lp lw 2 t "set_int mem:", \
     "$WORK/keys_set_int.dat" u 2:3 w lp dt 2 t "set_int table", \
     "$WORK/keys_set_str.dat" u 2:4 w lp lw 2 t "set_str mem:", \
     "$WORK/keys_set_str.dat" u 2:3 w lp dt 2 t "set_str table"
set logscale y
set xlabel "value bytes"
set title "bothive vs in-process table: value size"
plot "$WORK/vsize_get_bytes.dat" u 1:3 w lp lw 2 t "get mem:", \
     "$WORK/vsize_get_bytes.dat" u 1:2 w lp dt 2 t "get table", \
     "$WORK/vsize_set_bytes.dat" u 1:3 w lp lw 2 t "set mem:", \
     "$WORK/vsize_set_bytes.dat" u 1:2 w lp dt 2 t "set table"
unset multiplot
GP
        echo "run.sh: gnuplot failed:" >&2
        cat "$WORK/gnuplot.err" >&2
        FAILED=1
    fi
else
    echo "run.sh: gnuplot not on PATH: no plot" >&2
fi

# ---- the README's performance section: the targets of a full run ----
if [ -z "$QUICK" ] && [ "$OUT" = "$SRC/bench/results" ]; then
    sh "$SRC/bench/readme.sh" "$OUT/latest.md" "$SRC/README.md"
fi

cat "$OUT/latest.md"
echo
echo "run.sh: wrote $OUT/latest.md and $OUT/latest.png" >&2
exit $FAILED
