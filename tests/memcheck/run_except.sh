#!/bin/sh
# SPDX-License-Identifier: MIT
# make memcheck: run every case of a core test program under valgrind except the named ones,
# one valgrind run per case (the harness runs one case when given its name). The case names
# come from a plain run of the program first. Exit status 1 when any case fails.
#
#   tests/memcheck/run_except.sh PROGRAM SKIP[,SKIP...] VALGRIND [VALGRIND_ARGS...]
set -eu

prog=$1
skip=",$2,"
shift 2

cases=$("$prog" 2>/dev/null | sed -n 's/^\(ok  \|FAIL\) [^ .]*\.\([^ ]*\)$/\2/p') || true
if [ -z "$cases" ]; then
  echo "run_except.sh: $prog listed no cases" >&2
  exit 1
fi
status=0
ran=0
for c in $cases; do
  case $skip in
    *",$c,"*)
      echo "skipped under valgrind: $c"
      continue
      ;;
  esac
  "$@" "$prog" "$c" || status=1
  ran=$((ran + 1))
done
echo "$ran cases under valgrind"
exit $status
