#!/bin/sh
# make bench: requests per second of appmesh.map (concurrency 16, N updates) against a plain
# libcurl multi loop re-sending the same prepared request (bench-tools/bench_curl_multi), all
# against one fast loopback server: Debian's nginx when installed (`return 200` with a fixed
# JSON body), else bench-tools/bench_http_server. Also appmesh_batch driven from C
# (bench-tools/bench_batch_loop), to tell the binding's cost from the core's. Each: a warm-up,
# then the best of 5 rounds; the three run in turn PASSES times (default 3) and the best of each
# is kept, so that a burst of load elsewhere on the machine does not land on one side only. With
# taskset and two or more CPUs, the server runs on CPU 1 and the clients on CPU 0.
# Usage: tests/bench/bench_concurrent.sh BUILD_DIR [N]
set -u
build=${1:-build-bench}
n=${2:-2000}
concurrency=16
passes=${PASSES:-3}
tools="$build/bench-tools"
server_cpu=
client_cpu=
if command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  server_cpu="taskset -c 1"
  client_cpu="taskset -c 0"
fi
python=/usr/bin/python3
for f in "$tools/bench_curl_multi" "$tools/bench_batch_loop" "$tools/bench_http_server"; do
  [ -x "$f" ] || { echo "bench_concurrent: $f not built" >&2; exit 1; }
done
if [ -x "$build/appmesh-lua" ]; then
  lua_run() { $client_cpu "$build/appmesh-lua" "$@"; }
elif [ -f "$build/appmesh.so" ]; then
  lua_run() { LUA_CPATH="$build/?.so;;" $client_cpu lua5.4 "$@"; }
else
  echo "bench_concurrent: neither $build/appmesh-lua nor $build/appmesh.so is built" >&2
  exit 1
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

body='{"meshName":"bench-mesh","virtualServiceName":"svc.local","spec":{"provider":{"virtualNode":{"virtualNodeName":"vn"}}},"status":{"status":"ACTIVE"},"metadata":{"arn":"arn:aws:appmesh:us-east-1:123456789012:mesh/bench-mesh/virtualService/svc.local","createdAt":1700000000.5,"lastUpdatedAt":1700000100.25,"meshOwner":"123456789012","resourceOwner":"123456789012","uid":"a1b2c3d4-0000-4000-8000-000000000001","version":2}}'

# Start the server; sets url and server (its name).
if command -v nginx >/dev/null 2>&1; then
  server=nginx
  port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$tmp/nginx"
  cat > "$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      add_header x-amzn-RequestId bench;
      return 200 '$body';
    }
  }
}
EOF
  $server_cpu nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
  server_pid=$!
  url="http://127.0.0.1:$port"
  i=0
  until "$python" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
      echo "bench_concurrent: nginx did not start:" >&2
      cat "$tmp/nginx/error.log" >&2 2>/dev/null
      exit 1
    fi
    sleep 0.05
  done
else
  server=bench_http_server
  $server_cpu "$tools/bench_http_server" > "$tmp/url" &
  server_pid=$!
  i=0
  until [ -s "$tmp/url" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then
      echo "bench_concurrent: bench_http_server did not start" >&2
      exit 1
    fi
    sleep 0.05
  done
  url=$(head -n 1 "$tmp/url")
fi

cat > "$tmp/bench.lua" <<'EOF'
-- appmesh.map over N updates at the given concurrency; writes the request for the curl loop.
local appmesh = require "appmesh"
local url, n, concurrency, request_file = arg[1], tonumber(arg[2]), tonumber(arg[3]), arg[4]

local function now()
  local p = assert(io.popen("date +%s.%N"))
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

local client = assert(appmesh.client{
  region = "us-east-1", endpoint = url, max_attempts = 1,
  credentials = { accessKeyId = "AKIDEXAMPLE",
    secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
})
local params = {
  meshName = "bench-mesh", virtualServiceName = "svc.local",
  spec = { provider = { virtualNode = { virtualNodeName = "vn" } } },
}
local items = {}
for i = 1, n do
  items[i] = params
end

-- The plain loop re-sends this request: the update exactly as appmesh builds it.
local req = assert(client:update_virtual_service(params, { dry_run = true }))
local f = assert(io.open(request_file, "wb"))
f:write(req.method, " ", req.url, "\n")
for name, value in pairs(req.headers) do
  f:write(name, ": ", value, "\n")
end
f:write("\n", req.body)
f:close()

local function update(p)
  local vs, err = client:update_virtual_service(p)
  if not vs then
    error(tostring(err), 0)
  end
  return true
end

local function round(list)
  local t0 = now()
  local _, errs = appmesh.map(list, update, { concurrency = concurrency })
  local t = now() - t0
  local i, err = next(errs)
  if i then
    io.stderr:write("bench_concurrent: update ", i, " failed: ", tostring(err), "\n")
    os.exit(1)
  end
  return t
end

round({ table.unpack(items, 1, math.min(n, concurrency * 4)) }) -- warm-up
local best
for _ = 1, 5 do
  local t = round(items)
  best = best and math.min(best, t) or t
end
print(("concurrent.appmesh_rps %.0f"):format(n / best))
EOF

echo "concurrent.server $server ($url), N=$n, concurrency $concurrency, best of $passes passes${client_cpu:+, pinned}"
# the best of each over the passes, interleaved
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
appmesh=0
curl=0
batch=0
pass=0
while [ $pass -lt "$passes" ]; do
  pass=$((pass + 1))
  line=$(lua_run "$tmp/bench.lua" "$url" "$n" "$concurrency" "$tmp/request.txt") || exit 1
  appmesh=$(best "$appmesh" "${line##* }")
  line=$($client_cpu "$tools/bench_curl_multi" "$tmp/request.txt" "$n" "$concurrency") || exit 1
  curl=$(best "$curl" "${line##* }")
  line=$($client_cpu "$tools/bench_batch_loop" "$url" "$n" "$concurrency") || exit 1
  batch=$(best "$batch" "${line##* }")
done
echo "concurrent.appmesh_rps $appmesh"
echo "concurrent.curl_multi_rps $curl"
echo "concurrent.c_batch_rps $batch (appmesh_batch from C, no Lua)"
awk -v a="$appmesh" -v c="$curl" -v b="$batch" 'BEGIN {
  printf "concurrent.ratio %.2f (target >= 0.90)\n", a / c
  printf "concurrent.lua_vs_c_batch %.2f\n", a / b
}'
