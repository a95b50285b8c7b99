#!/bin/sh
# make bench: start-up of `appmesh-lua -e 'require "appmesh"'` (target < 10 ms), beside plain
# lua5.4 and a program that does nothing but link libcurl, measured in the same run.
# Usage: tests/bench/bench_startup.sh BUILD_DIR
set -u
build=${1:-build-bench}
runs=200
host="$build/appmesh-lua"
[ -x "$host" ] || { echo "bench_startup: $host not built" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include <curl/curl.h>\nint main(void) { return curl_version() == 0; }\n' > "$tmp/c.c"
cc -O2 "$tmp/c.c" -o "$tmp/curl_only" $(pkg-config --cflags --libs libcurl)

# Median of 5 batches of $runs runs, in microseconds per run.
per_run_us() {
  for b in 1 2 3 4 5; do
    t0=$(date +%s%N)
    i=0
    while [ $i -lt $runs ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / runs / 1000 ))
  done | sort -n | sed -n 3p
}

lua_us=$(per_run_us lua5.4 -e '')
curl_us=$(per_run_us "$tmp/curl_only")
host_us=$(per_run_us "$host" -e 'require "appmesh"')
echo "startup.lua54_us $lua_us"
echo "startup.curl_only_us $curl_us"
echo "startup.appmesh_lua_require_us $host_us (target < 10000)"
awk -v h="$host_us" -v c="$curl_us" 'BEGIN { printf "startup.ratio_vs_curl_only %.2f\n", h / c }'
