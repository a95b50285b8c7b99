#!/bin/sh
# SPDX-License-Identifier: MIT
# `make fuzz`: run every libFuzzer target in BUILD_DIR/fuzz for SECONDS each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS
#
# New inputs go to BUILD_DIR/fuzz-corpus/<target> (tests/fuzz/corpus/<target> is read, never
# written); a crash, a leak, a broken invariant or an input slower than 25 s is written to
# BUILD_DIR/fuzz-artifacts/<target>-* and fails the run after the other targets have run.
set -eu

build=$1
seconds=$2
case $build in /*) ;; *) build=$PWD/$build ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)

set -- "$build"/fuzz/fuzz_*
if [ ! -x "$1" ]; then
  echo "run.sh: no fuzz targets in $build/fuzz" >&2
  exit 1
fi
mkdir -p "$build/fuzz-artifacts"
failed=
for exe in "$@"; do
  target=${exe##*/fuzz_}
  scratch=$build/fuzz-corpus/$target
  log=$build/fuzz-$target.log
  mkdir -p "$scratch"
  dict=
  if [ -f "$root/tests/fuzz/dict/$target.dict" ]; then
    dict=-dict=$root/tests/fuzz/dict/$target.dict
  fi
  # Run from tests/ as the CTests do; keep the sanitizers strict.
  status=0
  (cd "$root/tests" &&
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
      UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
      "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" $dict \
      "$scratch" "$root/tests/fuzz/corpus/$target") >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  if [ "$status" = 0 ]; then
    printf 'fuzz.%-12s ok      %s runs in %ss, %s, corpus %s inputs\n' "$target" "${runs:-?}" \
      "$seconds" "${cov:-cov: ?}" "$(ls "$scratch" | wc -l)"
  else
    printf 'fuzz.%-12s FAILED  (exit %s; log %s)\n' "$target" "$status" "$log"
    tail -n 60 "$log"
    failed="$failed $target"
  fi
done
if [ -n "$failed" ]; then
  echo "make fuzz: failed:$failed (inputs in $build/fuzz-artifacts)" >&2
  exit 1
fi
