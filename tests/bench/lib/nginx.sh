# SPDX-License-Identifier: MIT
# make bench: the fast loopback server of the HTTP benchmarks, sourced by tests/bench/*.sh.
# Debian's nginx (package nginx-light, which `make bench` installs) started as an unprivileged
# process (as nobody when the benchmark runs as root) with its own temporary prefix and config
# on a free 127.0.0.1 port: no daemon, no master process, no access log, one worker; every
# request is answered 200 with App Mesh's VirtualServiceData JSON and an x-amzn-RequestId. A
# request for /v20190125/meshes/<mesh>/virtualServices/<name> gets that JSON about <mesh> and
# <name> (appmesh refuses an answer about another service than the one asked for); for
# bench-mesh and svc.local, which the call loops use, that is $nginx_body byte for byte.
#
#   nginx_start [CPU [DELAY]]  starts it (pinned to CPU with taskset when CPU is not empty);
#                      sets nginx_url and nginx_version; on failure prints why and returns 1.
#                      With DELAY (seconds, e.g. 0.005), each answer comes that long after the
#                      request, as a real endpoint's does: the echo module's echo_sleep (Debian
#                      package libnginx-mod-http-echo), the sleep a timer in nginx's event loop
#                      so that any number of requests wait at once.
#   nginx_has_echo     true when that module is installed.
#   nginx_stop         stops it and removes its prefix (safe to call twice, or when not started).
# The caller stops it from its EXIT trap, so that it is stopped on failure and interruption too.

nginx_pid=
nginx_dir=
nginx_url=
nginx_version=

nginx_body='{"meshName":"bench-mesh","virtualServiceName":"svc.local","spec":{"provider":{"virtualNode":{"virtualNodeName":"vn"}}},"status":{"status":"ACTIVE"},"metadata":{"arn":"arn:aws:appmesh:us-east-1:123456789012:mesh/bench-mesh/virtualService/svc.local","createdAt":1700000000.5,"lastUpdatedAt":1700000100.25,"meshOwner":"123456789012","resourceOwner":"123456789012","uid":"a1b2c3d4-0000-4000-8000-000000000001","version":2}}'

# $nginx_body with the names from the request path (nginx's regex captures $mesh and $vs)
nginx_answer=$(printf '%s' "$nginx_body" | sed 's/bench-mesh/$mesh/g; s/svc\.local/$vs/g')

nginx_stop() {
  if [ -n "$nginx_pid" ]; then
    kill "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    nginx_pid=
  fi
  if [ -n "$nginx_dir" ]; then
    rm -rf "$nginx_dir"
    nginx_dir=
  fi
}

# A port nothing listens on now (the kernel's choice of a free ephemeral port).
nginx_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nginx_listening() { # PORT
  /usr/bin/python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1" 2>/dev/null
}

nginx_echo_module=/usr/lib/nginx/modules/ngx_http_echo_module.so
nginx_has_echo() { [ -f "$nginx_echo_module" ]; }

nginx_start() { # [CPU [DELAY]]
  nginx_delay=${2:-}
  if [ -n "$nginx_delay" ] && ! nginx_has_echo; then
    echo "nginx's echo module is not installed (Debian package libnginx-mod-http-echo)" >&2
    return 1
  fi
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  if [ ! -x "$nginx_bin" ]; then
    echo "nginx is not installed (Debian package nginx-light; make bench installs it)" >&2
    return 1
  fi
  nginx_version=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')
  nginx_dir=$(mktemp -d)
  as_user=
  if [ "$(id -u)" = 0 ]; then
    # never as root: the whole process runs as nobody, which owns the prefix
    as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chown nobody:nogroup "$nginx_dir"
  fi
  pin=
  if [ -n "${1:-}" ] && command -v taskset >/dev/null 2>&1; then
    pin="taskset -c $1"
  fi
  attempt=0
  while [ $attempt -lt 3 ]; do
    attempt=$((attempt + 1))
    port=$(nginx_free_port) || return 1
    if [ -n "$nginx_delay" ]; then
      load="load_module $nginx_echo_module;"
      answer="echo_sleep $nginx_delay; echo -n"
      named="$answer '$nginx_answer';"
      answer="$answer '$nginx_body';"
    else
      load=
      named="return 200 '$nginx_answer';"
      answer="return 200 '$nginx_body';"
    fi
    cat > "$nginx_dir/nginx.conf" <<EOF
$load
worker_processes 1;
daemon off;
master_process off;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $nginx_dir/body;
  proxy_temp_path $nginx_dir/proxy;
  fastcgi_temp_path $nginx_dir/fastcgi;
  uwsgi_temp_path $nginx_dir/uwsgi;
  scgi_temp_path $nginx_dir/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$port;
    location / {
      default_type application/json;
      add_header x-amzn-RequestId bench;
      $answer
    }
    location ~ "^/v20190125/meshes/(?<mesh>[^/]+)/virtualServices/(?<vs>[^/]+)\$" {
      default_type application/json;
      add_header x-amzn-RequestId bench;
      $named
    }
  }
}
EOF
    # shellcheck disable=SC2086 # $pin and $as_user are command prefixes
    $pin $as_user "$nginx_bin" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" \
      -e "$nginx_dir/error.log" </dev/null >/dev/null 2>&1 &
    nginx_pid=$!
    i=0
    while [ $i -lt 100 ] && kill -0 "$nginx_pid" 2>/dev/null; do
      if nginx_listening "$port"; then
        nginx_url="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.05
      i=$((i + 1))
    done
    kill "$nginx_pid" 2>/dev/null
    wait "$nginx_pid" 2>/dev/null
    nginx_pid=
  done
  echo "nginx did not start:" >&2
  cat "$nginx_dir/error.log" >&2 2>/dev/null
  return 1
}
