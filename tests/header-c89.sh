#!/bin/sh
# The public headers compile as C89 with -pedantic -Werror (and as C11), so any C
# program can include them.
set -e
: "${CC:=cc}" "${top_srcdir:=.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <clnn.h>\nint main(void) { return clnn_status_string(CLNN_SUCCESS) == 0; }\n' \
    > "$tmp/t.c"
for std in c89 c11; do
    # shellcheck disable=SC2086
    $CC -std=$std -pedantic -Werror -Wall -Wextra -I"$top_srcdir/include" $OPENCL_CFLAGS \
        -c "$tmp/t.c" -o "$tmp/t.o"
    echo "clnn.h compiles as $std -pedantic -Werror"
done
