#!/bin/sh
# Runs test binaries under oclgrind, which simulates every work-item and reports
# out-of-bounds accesses, data races, uninitialized values and API misuse. Any
# report, or a failing test, fails the run. Use small shapes (CLNN_TEST_SMALL=1).
set -u
status=0
for test in "$@"; do
    log=$(mktemp)
    echo "oclgrind: $test"
    oclgrind --log "$log" --data-races --uninitialized --check-api "$test"
    rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "oclgrind: $test failed (exit $rc)" >&2
        status=1
    fi
    if [ -s "$log" ]; then
        echo "oclgrind reported problems in $test:" >&2
        head -n 80 "$log" >&2
        status=1
    fi
    rm -f "$log"
done
exit $status
