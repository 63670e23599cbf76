#!/bin/sh
# Runs every unit test suite under valgrind's memcheck, in one process each
# (CK_FORK=no, so valgrind sees the tests themselves, not only Check's
# parent). Any leak or memory error fails the run.
# Usage: scripts/valgrind-tests.sh BUILD_DIR
set -eu
build=${1:-build}
export CK_FORK=no BOTHIVE_BIN="$build/tools/bothive" BOTHIVE_LOG=error
status=0
for t in $(cd "$build" && ctest -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p'); do
    exe=$(find "$build/tests" -maxdepth 1 -name "$t" -type f | head -n 1)
    [ -n "$exe" ] || continue
    if valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 "$exe" >"$build/valgrind-$t.log" 2>&1; then
        echo "valgrind: $t ok"
    else
        echo "valgrind: $t FAILED (see $build/valgrind-$t.log)"
        status=1
    fi
done
exit $status
