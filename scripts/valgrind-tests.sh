#!/bin/sh
# Runs every unit test suite under valgrind's memcheck, in one process each
# (CK_FORK=no, so valgrind sees the tests themselves, not only Check's
# parent). Any leak or memory error fails the run. Forked children are not
# checked: they _exit without freeing what their parent owns.
# Usage: scripts/valgrind-tests.sh BUILD_DIR
set -eu
build=${1:-build}
export CK_FORK=no BOTHIVE_BIN="$build/tools/bothive"
status=0
for t in $(cd "$build" && ctest -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p'); do
    exe=$(find "$build/tests" -maxdepth 1 -name "$t" -type f | head -n 1)
    [ -n "$exe" ] || continue
    log="$build/valgrind-$t.log"
    # No --error-exitcode: it would also apply to the forked children, whose
    # output --child-silent-after-fork hides; the log is the parent's only.
    if valgrind -q --leak-check=full --child-silent-after-fork=yes --log-file="$log" \
        "$exe" >"$log.out" 2>&1 && ! grep -q "^==[0-9]*== [A-Z]" "$log"; then
        echo "valgrind: $t ok"
    else
        echo "valgrind: $t FAILED (see $log and $log.out)"
        status=1
    fi
done
exit $status
