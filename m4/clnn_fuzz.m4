# CLNN_CHECK_FUZZ
# ---------------
# Looks for a clang that builds and runs libFuzzer targets with AddressSanitizer
# and UndefinedBehaviorSanitizer (Debian: clang and libclang-rt-14-dev, or the
# matching versions). FUZZ_CC may be set on the command line. Defines the
# HAVE_FUZZ conditional that `make fuzz-smoke` (mk/fuzz.am) needs; without it
# the target explains what to install. Never fails configure.
AC_DEFUN([CLNN_CHECK_FUZZ], [
AC_ARG_VAR([FUZZ_CC], [clang used for the libFuzzer harnesses of make fuzz-smoke])
AC_PATH_PROGS([FUZZ_CC], [clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14])
AC_CACHE_CHECK([whether ${FUZZ_CC:-clang} builds libFuzzer targets with ASan and UBSan],
  [clnn_cv_fuzz], [
  clnn_cv_fuzz=no
  AS_IF([test -n "$FUZZ_CC"], [
    cat > conftest-fuzz.c <<_CLNN_EOF
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return n > 1 && d[[0]] == 1; }
_CLNN_EOF
    # Run it too: a sandbox without ptrace makes LeakSanitizer fail at run time.
    AS_IF([$FUZZ_CC -g -fsanitize=fuzzer,address,undefined -o conftest-fuzz$EXEEXT \
             conftest-fuzz.c >&AS_MESSAGE_LOG_FD 2>&1 &&
           ./conftest-fuzz$EXEEXT -runs=100 >&AS_MESSAGE_LOG_FD 2>&1],
      [clnn_cv_fuzz=yes])
    rm -rf conftest-fuzz*])])
AS_IF([test "x$clnn_cv_fuzz" != xyes],
  [AC_MSG_WARN([no clang with libFuzzer: make fuzz-smoke needs the Debian packages clang and libclang-rt-14-dev (or set FUZZ_CC)])])
AM_CONDITIONAL([HAVE_FUZZ], [test "x$clnn_cv_fuzz" = xyes])
])
