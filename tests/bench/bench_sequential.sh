#!/bin/sh
# make bench: sequential keep-alive UpdateVirtualService calls against a fast loopback server
# (Debian's nginx, tests/bench/lib/nginx.sh): the blocking client from C and from Lua, each
# against a plain libcurl loop re-sending the same prepared request on one easy handle
# (bench-tools/bench_curl_loop seq), and appmesh_batch at concurrency 1 (c_batch1: the batch path
# with one request in flight, which runs the same instructions a call as the blocking client; set
# against c_blocking it shows that the blocking client costs no more than the batch path for the
# same pattern: the batch path's lower CPU a call in bench_concurrent.sh comes from 16 requests in
# flight, not from a cheaper path). Contenders interleaved round by round, median of per-round
# ratios (tests/bench/lib/compare.sh). The *_cpu_ratio figures are a contender's CPU a call over
# the plain loop's (issue 17's targets: c_blocking <= 1.12, lua_blocking <= 1.20). floor_easy is
# the floor paid in place: the plain loop also doing one floor signature and one cJSON parse of
# the answer each call (bench_curl_loop's floor mode), so floor_easy_cpu_ratio is the least any
# client that signs and parses can score here, and *_inplace_floor_ratio a contender's CPU a call
# over floor_easy's. With taskset and two or more CPUs, the server runs on CPU 1 and the clients
# on CPU 0.
# Usage: tests/bench/bench_sequential.sh BUILD_DIR [N]   (ROUNDS=9 in the environment by default)
set -u
build=${1:-build-bench}
n=${2:-2000}
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
  [ -x "$f" ] || { echo "bench_sequential: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'nginx_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
nginx_start $pin_server || exit 1

run_curl_easy() { $pin "$tools/bench_curl_loop" seq "$tmp/request.txt" "$n" 1 1; }
run_floor_easy() { $pin "$tools/bench_curl_loop" seq "$tmp/request.txt" "$n" 1 1 floor; }
run_c_blocking() { $pin "$tools/bench_appmesh_loop" seq "$nginx_url" "$n" 1 1; }
run_c_batch1() { $pin "$tools/bench_appmesh_loop" batch "$nginx_url" "$n" 1 1; }
run_lua_blocking() { $pin "$build/appmesh-lua" "$here/bench_http.lua" seq "$nginx_url" "$n" 1 1; }

# the request the plain loop re-sends: appmesh's own, from its dry run
"$build/appmesh-lua" "$here/bench_http.lua" seq "$nginx_url" 1 1 0 "$tmp/request.txt" || exit 1
echo "sequential.server $nginx_version ($nginx_url); N=$n calls a round, one at a time, keep-alive;" \
  "$rounds rounds, contenders interleaved${pin:+; clients on CPU 0, server on CPU 1}"
interleave "$tmp" "$rounds" curl_easy floor_easy c_blocking c_batch1 lua_blocking || exit 1
report sequential "$tmp" curl_easy
report sequential "$tmp" floor_easy "(the plain loop also signing and parsing each call: the floor)"
report sequential "$tmp" c_blocking "(appmesh_client_update_virtual_service from C)" \
  "(target <= 1.12)"
report sequential "$tmp" c_batch1 "(appmesh_batch from C at concurrency 1)"
report sequential "$tmp" lua_blocking "(client:update_virtual_service from Lua)" "(target <= 1.20)"
floor_ratio "$tmp" c_blocking floor_easy 0 inplace_floor_ratio
floor_ratio "$tmp" lua_blocking floor_easy 0 inplace_floor_ratio
report_floor sequential "$tmp" c_blocking "(CPU a call over floor_easy's)" inplace_floor_ratio
report_floor sequential "$tmp" lua_blocking "(CPU a call over floor_easy's)" inplace_floor_ratio
