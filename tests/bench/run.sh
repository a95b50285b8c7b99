#!/bin/sh
# make bench: build in Release and print every benchmark's figures (ratios measured in one run).
# Usage: tests/bench/run.sh BUILD_DIR
set -u
build=${1:-build-bench}
status=0
echo "appmesh benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -m))"
for b in "$build"/tests/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || status=1
done
for s in tests/bench/*.sh; do
  [ "$s" = tests/bench/run.sh ] && continue
  # instructions a call under valgrind: minutes a run, for docs/performance.md, not make bench
  [ "$s" = tests/bench/bench_callgrind.sh ] && continue
  [ -f "$s" ] || continue
  echo "== $(basename "$s")"
  sh "$s" "$build" || status=1
done
exit $status
