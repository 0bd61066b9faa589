#!/bin/sh
# Runs test binaries under oclgrind, which simulates every work-item and reports
# out-of-bounds accesses, data races, uninitialized values and API misuse. Any
# report, or a failing test, fails the run. Use small shapes (CLNN_TEST_SMALL=1).
# (oclgrind's --log option loses kernel reports when the test is a libtool
# wrapper script, so the reports are read from the combined output instead.)
#
# usage: oclgrind.sh [--no-uninitialized] TEST...
# --no-uninitialized drops uninitialized-value tracking for the tests that follow:
# oclgrind 21.10's plugin for it crashes (segfault inside the simulator) on some
# kernel sequences, e.g. CLBlast's direct GEMM followed by col2im in check-conv;
# bounds, races and API use are still checked.
set -u
status=0
checks="--data-races --uninitialized --check-api"
for test in "$@"; do
    if [ "$test" = --no-uninitialized ]; then
        checks="--data-races --check-api"
        continue
    fi
    out=$(mktemp)
    echo "oclgrind ($checks): $test"
    # shellcheck disable=SC2086
    oclgrind $checks "$test" > "$out" 2>&1
    rc=$?
    cat "$out"
    if [ "$rc" -ne 0 ]; then
        echo "oclgrind: $test failed (exit $rc)" >&2
        status=1
    fi
    if grep -qE '^(Invalid|Uninitialized|Read-write|Write-write|Oclgrind - )|data race|	Kernel: ' "$out"; then
        echo "oclgrind: reports in $test (see above)" >&2
        status=1
    fi
    rm -f "$out"
done
exit $status
