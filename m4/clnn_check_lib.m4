# CLNN_CHECK_LIB(VAR, HEADER, LIB, FUNCTION, DEBIAN-PACKAGES)
# Header + library check for dependencies whose .pc file may be missing; on failure
# names the Debian packages that provide them.
AC_DEFUN([CLNN_CHECK_LIB], [
  AC_CHECK_HEADER([$2], [],
    [AC_MSG_ERROR([$2 not found; install the Debian package(s) $5])])
  AC_CHECK_LIB([$3], [$4], [$1_LIBS="-l$3"],
    [AC_MSG_ERROR([lib$3 not found; install the Debian package(s) $5])])
  AC_SUBST([$1_CFLAGS], [""])
  AC_SUBST([$1_LIBS])
])
