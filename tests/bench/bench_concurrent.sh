#!/bin/sh
# make bench: concurrent bulk calls at concurrency 16 against a fast loopback server (Debian's
# nginx, tests/bench/lib/nginx.sh): appmesh.map from Lua and appmesh_batch from C, each against
# a plain libcurl multi loop re-sending the same prepared request (bench-tools/bench_curl_loop
# multi). Target: at least 0.90 of the plain loop's rate. Contenders interleaved round by round,
# median of per-round ratios (tests/bench/lib/compare.sh). With taskset and two or more CPUs, the
# server runs on CPU 1 and the clients on CPU 0.
# The floor of a call (issue 17) is what no client can avoid: the plain multi loop's CPU a call
# (same round) + sigv4.floor_ns (tests/bench_sigv4: the SHA-256 work of one signature) + a parse
# floor (bench-tools/bench_parse_floor: cJSON parse and free of the server's answer body);
# *_floor_ratio is a contender's CPU a call over it (targets: c_batch <= 1.08, lua_map <= 1.15).
# floor_multi pays that floor in place: the plain multi loop also doing one floor signature
# before each request and one cJSON parse of each answer (bench_curl_loop's floor mode), on the
# caches libcurl and the kernel leave; floor_multi_floor_ratio says how much of the targets'
# margin the floor's own terms take when paid there, and *_inplace_floor_ratio is a contender's
# CPU a call over floor_multi's.
# Then the same three against a server that is the limit, not the client's CPU, as a real App
# Mesh endpoint is (tens of ms a call): nginx answering each request DELAY seconds after it came
# (the echo module's echo_sleep). With 16 requests always in flight every contender is held to
# about 16 / (DELAY + the round trip) calls a second, so the *_latency_ratio figures say whether
# the driver keeps 16 in flight and adds no waiting of its own (expected ~1.0; their CPU ratios
# are no target). Skipped, with a line that says so, when the echo module is not installed.
# Usage: tests/bench/bench_concurrent.sh BUILD_DIR [N [N_LATENCY]]
#   (environment: ROUNDS=9, DELAY=0.005 seconds)
set -u
build=${1:-build-bench}
n=${2:-3000}
n_latency=${3:-1200}
delay=${DELAY:-0.005}
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
for f in "$tools/bench_curl_loop" "$tools/bench_appmesh_loop" "$tools/bench_parse_floor" \
  "$build/tests/bench_sigv4" "$build/appmesh-lua"; do
  [ -x "$f" ] || { echo "bench_concurrent: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'nginx_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
nginx_start $pin_server || exit 1

run_curl_multi() { $pin "$tools/bench_curl_loop" multi "$tmp/request.txt" "$n" $concurrency 1; }
run_floor_multi() {
  $pin "$tools/bench_curl_loop" multi "$tmp/request.txt" "$n" $concurrency 1 floor
}
run_c_batch() { $pin "$tools/bench_appmesh_loop" batch "$nginx_url" "$n" $concurrency 1; }
run_lua_map() { $pin "$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" "$n" $concurrency 1; }
run_curl_multi_latency() {
  $pin "$tools/bench_curl_loop" multi "$tmp/request.txt" "$n_latency" $concurrency 1
}
run_c_batch_latency() {
  $pin "$tools/bench_appmesh_loop" batch "$nginx_url" "$n_latency" $concurrency 1
}
run_lua_map_latency() {
  $pin "$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" "$n_latency" $concurrency 1
}

# the request the plain loop re-sends: appmesh's own, from its dry run
"$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" 1 1 0 "$tmp/request.txt" || exit 1
echo "concurrent.server $nginx_version ($nginx_url); N=$n calls a round at concurrency $concurrency;" \
  "$rounds rounds, contenders interleaved${pin:+; clients on CPU 0, server on CPU 1}"
interleave "$tmp" "$rounds" curl_multi floor_multi c_batch lua_map || exit 1
report concurrent "$tmp" curl_multi
report concurrent "$tmp" floor_multi "(the plain multi loop also signing and parsing each call)"
report concurrent "$tmp" c_batch "(appmesh_batch from C; target >= 0.90)"
report concurrent "$tmp" lua_map "(appmesh.map from Lua; target >= 0.90)"

# the floor's two measured terms, on the clients' CPU
printf '%s' "$nginx_body" > "$tmp/body.json"
sig_ns=$($pin "$build/tests/bench_sigv4" 2>/dev/null | sed -n 's/^sigv4.floor_ns //p')
parse_ns=$($pin "$tools/bench_parse_floor" "$tmp/body.json" 2>/dev/null | sed -n 's/^parse.floor_ns //p')
if [ -z "$sig_ns" ] || [ -z "$parse_ns" ]; then
  echo "bench_concurrent: no sigv4.floor_ns or parse.floor_ns" >&2
  exit 1
fi
extra_us=$(awk -v s="$sig_ns" -v p="$parse_ns" 'BEGIN { printf "%.3f", (s + p) / 1000 }')
curl_cpu=$(stats "$tmp/curl_multi.cpu" | cut -d' ' -f1)
awk -v c="$curl_cpu" -v s="$sig_ns" -v p="$parse_ns" 'BEGIN {
  printf "concurrent.floor_us %.1f (curl multi %.1f + sigv4.floor_ns %d + parse.floor_ns %d)\n",
    c + (s + p) / 1000, c, s, p }'
floor_ratio "$tmp" c_batch curl_multi "$extra_us"
floor_ratio "$tmp" lua_map curl_multi "$extra_us"
report_floor concurrent "$tmp" c_batch "(appmesh_batch's CPU a call over the floor; target <= 1.08)"
report_floor concurrent "$tmp" lua_map "(appmesh.map's CPU a call over the floor; target <= 1.15)"
floor_ratio "$tmp" floor_multi curl_multi "$extra_us"
report_floor concurrent "$tmp" floor_multi "(the floor paid in place, over the floor)"
floor_ratio "$tmp" c_batch floor_multi 0 inplace_floor_ratio
floor_ratio "$tmp" lua_map floor_multi 0 inplace_floor_ratio
report_floor concurrent "$tmp" c_batch "(CPU a call over floor_multi's)" inplace_floor_ratio
report_floor concurrent "$tmp" lua_map "(CPU a call over floor_multi's)" inplace_floor_ratio

nginx_stop
if ! nginx_has_echo; then
  echo "concurrent.latency skipped: nginx's echo module is not installed (libnginx-mod-http-echo)"
  exit 0
fi
nginx_start "$pin_server" "$delay" || exit 1
"$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" 1 1 0 "$tmp/request.txt" || exit 1
echo "concurrent.latency_server $nginx_version answering ${delay}s after each request;" \
  "N=$n_latency calls a round at concurrency $concurrency; $rounds rounds, contenders interleaved"
interleave "$tmp" "$rounds" curl_multi_latency c_batch_latency lua_map_latency || exit 1
report concurrent "$tmp" curl_multi_latency
report concurrent "$tmp" c_batch_latency "(appmesh_batch from C; expected ~1.0)"
report concurrent "$tmp" lua_map_latency "(appmesh.map from Lua; expected ~1.0)"
