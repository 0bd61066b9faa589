#!/bin/sh
# Only clnn_ symbols are exported from the shared library.
set -e
: "${NM:=nm}" "${top_builddir:=.}"
lib="$top_builddir/.libs/libclnn.so"
if [ ! -f "$lib" ]; then
    echo "no shared library at $lib (built with --disable-shared?)" >&2
    exit 77
fi
exported=$($NM -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
count=$(echo "$exported" | grep -c '^clnn_' || true)
foreign=$(echo "$exported" | grep -v '^clnn_' | grep -v '^$' || true)
if [ -n "$foreign" ]; then
    echo "symbols exported without the clnn_ prefix:" >&2
    echo "$foreign" >&2
    exit 1
fi
[ "$count" -gt 20 ] || { echo "only $count clnn_ symbols exported" >&2; exit 1; }
echo "$count symbols exported, all clnn_"
