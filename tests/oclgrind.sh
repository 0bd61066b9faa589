#!/bin/sh
# Runs test binaries under oclgrind, which simulates every work-item and reports
# out-of-bounds accesses, data races, uninitialized values and API misuse. Any
# report, or a failing test, fails the run. Use small shapes (CLNN_TEST_SMALL=1).
# (oclgrind's --log option loses kernel reports when the test is a libtool
# wrapper script, so the reports are read from the combined output instead.)
set -u
status=0
for test in "$@"; do
    out=$(mktemp)
    echo "oclgrind: $test"
    oclgrind --data-races --uninitialized --check-api "$test" > "$out" 2>&1
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
