#!/bin/sh
# clnn-run on ONNX backend test models: outputs as .npy, --list, --bench, .npy
# inputs, and the exit statuses for bad usage (2) and bad models (1). Skips (77)
# without the test data or without an OpenCL device (unless CLNN_REQUIRE_DEVICE=1).
set -u
: "${top_builddir:=.}"
node="${CLNN_ONNX_TESTDATA:-${ONNX_TESTDATA:-/usr/share/libonnx-testdata/data}}/node"
run="$top_builddir/tools/clnn-run"
if [ ! -f "$node/test_conv_with_strides_padding/model.onnx" ]; then
    echo "onnx-run: skipped: no ONNX node tests in $node (Debian: libonnx-testdata)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "onnx-run: FAIL: $*" >&2; exit 1; }

"$run" "$node/test_conv_with_strides_padding/model.onnx" --list --bench 3 \
    --output "$tmp" > "$tmp/log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "no context" "$tmp/log"; then
    cat "$tmp/log"
    [ "${CLNN_REQUIRE_DEVICE:-0}" = 1 ] && fail "no OpenCL device"
    echo "onnx-run: skipped: no OpenCL device"
    exit 77
fi
cat "$tmp/log"
[ $rc -eq 0 ] || fail "clnn-run exited $rc"
grep -q "Conv .*-> y \[1, 1, 4, 3\]" "$tmp/log" || fail "--list shows no Conv node"
grep -q "^bench: 3 runs: median" "$tmp/log" || fail "--bench printed no timing"
# The .npy header: magic, version 1.0, float32, the output's shape.
head -c 6 "$tmp/y.npy" | od -c | grep -q "N   U   M   P   Y" || fail "y.npy: bad magic"
grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 4, 3), }" "$tmp/y.npy" ||
    fail "y.npy: bad header"
[ "$(wc -c < "$tmp/y.npy")" -eq $((128 + 12 * 4)) ] || fail "y.npy: wrong size"

# An .npy input: x = zeros [1, 1, 7, 5] gives y = 0 (the model has no bias).
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 7, 5), }"
{
    printf '\223NUMPY\001\000'
    printf "\\$(printf %03o $((${#hdr} + 1)))\\000"
    printf '%s\n' "$hdr"
    head -c 140 /dev/zero
} > "$tmp/x.npy"
"$run" "$node/test_conv_with_strides_padding/model.onnx" --input "x=$tmp/x.npy" \
    > "$tmp/log" 2>&1 || fail "run with --input: $(cat "$tmp/log")"
grep -q "^output 'y' \[1, 1, 4, 3\] 0 0 0 0 0 0 ...$" "$tmp/log" ||
    fail "zeros in, zeros expected out: $(cat "$tmp/log")"
"$run" "$node/test_conv_with_strides_padding/model.onnx" --input x=/nonexistent.npy \
    > "$tmp/log" 2>&1 && fail "a missing .npy input was accepted"
grep -q "nonexistent.npy" "$tmp/log" || fail "no message names the missing .npy"

# Bad usage exits 2, a model clnn cannot run exits 1 with the reason.
"$run" > /dev/null 2>&1; [ $? -eq 2 ] || fail "no arguments: want exit 2"
"$run" m.onnx --bench 0 > /dev/null 2>&1; [ $? -eq 2 ] || fail "--bench 0: want exit 2"
"$run" "$node/test_det_2d/model.onnx" > "$tmp/log" 2>&1; [ $? -eq 1 ] || fail "Det: want exit 1"
grep -q "CLNN_NOT_SUPPORTED.*'Det'" "$tmp/log" || fail "Det: no reason given"
echo "onnx-run: ok"
