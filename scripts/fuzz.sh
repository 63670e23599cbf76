#!/bin/sh
# `make fuzz`: builds the libFuzzer targets of tests/fuzz/ with clang in
# their own build dir and runs each for SECONDS on a copy of its corpus (the
# seeds of tests/fuzz/corpus/, plus the generated store_file seeds), so the
# tree is never modified. A crash's input is kept in BUILD/fuzz/artifacts/;
# the run goes on with the other targets and fails at the end.
# Usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]   (no target: all of them)
# FUZZ_FLAGS adds libFuzzer options (e.g. "-jobs=2 -workers=2").
set -eu
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: $cc not found (scripts/install-deps.sh installs it)" >&2
    exit 1
fi
# libFuzzer's runtime is a package of its own on some releases.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/p.c"
if ! "$cc" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
    echo "fuzz: $cc cannot link libFuzzer (install libclang-rt-dev: scripts/install-deps.sh)" >&2
    exit 1
fi

# The library too is instrumented (coverage and sanitizers), not only the
# targets: the code under test is the library's.
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=$cc cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBOTHIVE_FUZZ=ON "-DCMAKE_C_FLAGS=$flags" >/dev/null
fi
cmake --build "$build" --target bh_fuzz -j "${JOBS:-$(nproc)}"

bin=$build/tests/fuzz
if [ $# -eq 0 ]; then
    set -- $(cd "$bin" && ls fuzz_* | grep -v -e _replay -e '\.' | sed 's/^fuzz_//')
fi
work=$build/fuzz
mkdir -p "$work"
failed=""
for t in "$@"; do
    corpus=$work/corpus/$t
    mkdir -p "$corpus" "$work/artifacts/$t"
    if [ -d "$src/tests/fuzz/corpus/$t" ]; then
        cp -r "$src/tests/fuzz/corpus/$t/." "$corpus/"
    fi
    if [ "$t" = store_file ]; then
        "$bin/bh_fuzz_store_seeds" "$corpus" >/dev/null
    fi
    max_len=""
    [ "$t" = store_file ] && max_len="-max_len=1100000"
    echo "fuzz: $t for ${seconds}s"
    # shellcheck disable=SC2086
    if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 \
        -rss_limit_mb=2048 $max_len ${FUZZ_FLAGS:-} \
        -artifact_prefix="$work/artifacts/$t/" "$corpus" >"$work/$t.log" 2>&1; then
        failed="$failed $t"
        echo "fuzz: $t FAILED, see $work/$t.log and $work/artifacts/$t/" >&2
        grep -m 5 -E "ERROR|SUMMARY|invariant failed|runtime error" "$work/$t.log" >&2 || true
    fi
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$work/$t.log" | tail -2 || true
done
if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi
echo "fuzz: every target ran ${seconds}s without a failure"
