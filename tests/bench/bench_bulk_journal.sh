#!/bin/sh
# make bench: what the journal's durability costs scripts/bulk_update.lua --apply (begin records
# fdatasync'd, in batches, before their requests; the header and the directory synced on
# create): 5,000 entries at concurrency 16 against the fast loopback server, the journal on the
# build directory's file system (a real disk: fdatasync waits for it) against the same run with
# the journal on /dev/shm (tmpfs: fdatasync costs nothing). 3 rounds, alternating; medians.
# Usage: tests/bench/bench_bulk_journal.sh BUILD_DIR
set -u
build=${1:-build-bench}
host="$build/appmesh-lua"
[ -x "$host" ] || { echo "bench_bulk_journal: build first" >&2; exit 1; }
[ -d /dev/shm ] || { echo "bench_bulk_journal: no /dev/shm to compare with" >&2; exit 1; }
. "$(dirname "$0")/lib/nginx.sh"
disk=$(mktemp -d "$build/bench-journal-XXXXXX")
shm=$(mktemp -d /dev/shm/appmesh-bench-journal-XXXXXX)
tmp=$(mktemp -d)
trap 'nginx_stop; rm -rf "$disk" "$shm" "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
nginx_start || exit 1
url=$nginx_url
n=5000
awk -v n="$n" 'BEGIN {
  printf "{\"defaults\":{\"meshName\":\"bench-mesh\",\"spec\":{\"provider\":{\"virtualRouter\":{\"virtualRouterName\":\"vr\"}}}},\"updates\":["
  for (i = 1; i <= n; i++) printf "%s{\"virtualServiceName\":\"svc-%d.local\"}", (i > 1 ? "," : ""), i
  print "]}" }' > "$tmp/m.json"

run() { # DIR ROUND: prints the seconds
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    /usr/bin/time -f "%e" -o "$tmp/time" "$host" scripts/bulk_update.lua "$tmp/m.json" --apply \
    --endpoint "$url" --concurrency 16 --no-progress --journal "$1/j$2.jsonl" >/dev/null 2>&1 \
    || { echo "bench_bulk_journal: the run failed" >&2; return 1; }
  cat "$tmp/time"
}

: > "$tmp/disk"
: > "$tmp/shm"
for round in 1 2 3; do
  run "$disk" $round >> "$tmp/disk" || exit 1
  run "$shm" $round >> "$tmp/shm" || exit 1
done
d=$(sort -n "$tmp/disk" | sed -n 2p)
s=$(sort -n "$tmp/shm" | sed -n 2p)
awk -v d="$d" -v s="$s" -v n="$n" 'BEGIN {
  printf "bulk.journal_synced_s %.2f for %d entries (%.0f/s), journal on disk\n", d, n, n / d
  printf "bulk.journal_tmpfs_s %.2f (%.0f/s), journal on /dev/shm (fdatasync free)\n", s, n / s
  printf "bulk.journal_sync_ratio %.2f (run time with syncs on disk / without)\n", d / s }'
