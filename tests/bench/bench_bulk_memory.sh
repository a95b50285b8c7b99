#!/bin/sh
# make bench: peak memory of scripts/bulk_update.lua --apply over 1,000 and 10,000 entries
# (target: under 30 MB, flat in the number of entries apart from the report), against the fast
# loopback server (Debian's nginx, tests/bench/lib/nginx.sh).
# Usage: tests/bench/bench_bulk_memory.sh BUILD_DIR
set -u
build=${1:-build-bench}
host="$build/appmesh-lua"
[ -x "$host" ] || { echo "bench_bulk_memory: build first" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench_bulk_memory: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
. "$(dirname "$0")/lib/nginx.sh"
tmp=$(mktemp -d)
trap 'nginx_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
nginx_start || exit 1
url=$nginx_url

manifest() { # N FILE
  awk -v n="$1" 'BEGIN {
    printf "{\"defaults\":{\"meshName\":\"bench-mesh\",\"spec\":{\"provider\":{\"virtualRouter\":{\"virtualRouterName\":\"vr\"}}}},\"updates\":["
    for (i = 1; i <= n; i++) printf "%s{\"virtualServiceName\":\"svc-%d.local\"}", (i > 1 ? "," : ""), i
    print "]}" }' > "$2"
}

for n in 1000 10000; do
  manifest $n "$tmp/m$n.json"
  ( cd "$tmp" && AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1 \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    /usr/bin/time -f "%M %e" -o "$tmp/time$n" "$OLDPWD/$host" "$OLDPWD/scripts/bulk_update.lua" \
      "m$n.json" --apply --endpoint "$url" --concurrency 16 --no-progress \
      --journal "j$n.jsonl" --report "r$n.jsonl" > "$tmp/out$n" 2>&1 )
  rc=$?
  read -r kb secs < "$tmp/time$n"
  updated=$(grep -c '"updated"' "$tmp/r$n.jsonl" 2>/dev/null || echo 0)
  echo "bulk.entries_$n peak_rss_kb $kb, $secs s, updated $updated, exit $rc"
  eval "kb_$n=$kb"
done
awk -v a="$kb_1000" -v b="$kb_10000" 'BEGIN {
  printf "bulk.peak_rss_10000_mb %.1f (target < 30)\n", b / 1024
  printf "bulk.rss_ratio_10000_vs_1000 %.2f (flat: close to 1)\n", b / a
  printf "bulk.kb_per_entry %.2f (peak RSS growth from 1,000 to 10,000 entries over 9,000)\n",
    (b - a) / 9000 }'
