#!/bin/sh
# make bench: concurrent bulk calls at concurrency 16 against a fast loopback server (Debian's
# nginx, tests/bench/lib/nginx.sh): appmesh.map from Lua and appmesh_batch from C, each against
# a plain libcurl multi loop re-sending the same prepared request (bench-tools/bench_curl_loop
# multi). Target: at least 0.90 of the plain loop's rate. Contenders interleaved round by round,
# median of per-round ratios (tests/bench/lib/compare.sh). With taskset and two or more CPUs, the
# server runs on CPU 1 and the clients on CPU 0.
# Usage: tests/bench/bench_concurrent.sh BUILD_DIR [N]   (ROUNDS=9 in the environment by default)
set -u
build=${1:-build-bench}
n=${2:-3000}
concurrency=16
rounds=${ROUNDS:-9}
here=$(dirname "$0")
tools="$build/bench-tools"
. "$here/lib/nginx.sh"
. "$here/lib/compare.sh"

pin_server=
pin=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  pin_server=1
  pin="taskset -c 0"
fi
for f in "$tools/bench_curl_loop" "$tools/bench_appmesh_loop" "$build/appmesh-lua"; do
  [ -x "$f" ] || { echo "bench_concurrent: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'nginx_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
nginx_start $pin_server || exit 1

run_curl_multi() { $pin "$tools/bench_curl_loop" multi "$tmp/request.txt" "$n" $concurrency 1; }
run_c_batch() { $pin "$tools/bench_appmesh_loop" batch "$nginx_url" "$n" $concurrency 1; }
run_lua_map() { $pin "$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" "$n" $concurrency 1; }

# the request the plain loop re-sends: appmesh's own, from its dry run
"$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" 1 1 0 "$tmp/request.txt" || exit 1
echo "concurrent.server $nginx_version ($nginx_url); N=$n calls a round at concurrency $concurrency;" \
  "$rounds rounds, contenders interleaved${pin:+; clients on CPU 0, server on CPU 1}"
interleave "$tmp" "$rounds" curl_multi c_batch lua_map || exit 1
report concurrent "$tmp" curl_multi
report concurrent "$tmp" c_batch "(appmesh_batch from C; target >= 0.90)"
report concurrent "$tmp" lua_map "(appmesh.map from Lua; target >= 0.90)"
