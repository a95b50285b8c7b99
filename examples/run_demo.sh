#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: start the local App Mesh emulator with the demo mesh, run a Lua script against it
# (examples/demo.lua by default) and stop the emulator, whatever happens.
#
#   examples/run_demo.sh [BUILD_DIR [SCRIPT [ARGS...]]]
#
# The script runs under BUILD_DIR/appmesh-lua when it exists, else under lua5.4 with
# LUA_CPATH=BUILD_DIR/?.so (APPMESH_DEMO_PRELOAD, when set, goes into that host's LD_PRELOAD
# only: the sanitizer builds need it). It sees the emulator the way any AWS tool would:
# AWS_ENDPOINT_URL_APP_MESH, AWS_REGION and the AWS documentation's example keys.
set -eu

build=build
if [ $# -gt 0 ]; then
  build=$1
  shift
fi
script=examples/demo.lua
if [ $# -gt 0 ]; then
  script=$1
  shift
fi
case $build in /*) ;; *) build=$PWD/$build ;; esac
case $script in /*) ;; *) script=$PWD/$script ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
seed=$root/tests/emulator/seed-demo.json
python=/usr/bin/python3

tmp=$(mktemp -d "${TMPDIR:-/tmp}/appmesh-demo.XXXXXX")
emulator_pid=
host_pid=

# shellcheck disable=SC2317 # called from the EXIT trap
stop() {
  if [ -n "$host_pid" ]; then
    kill -TERM "$host_pid" 2>/dev/null || true
    wait "$host_pid" 2>/dev/null || true
    host_pid=
  fi
  if [ -n "$emulator_pid" ]; then
    kill -TERM "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=
  fi
  rm -rf "$tmp"
}
trap 'status=$?; stop; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# setpriv --pdeathsig: even if this shell is killed outright, the emulator gets SIGTERM.
deathsig=
if command -v setpriv >/dev/null 2>&1; then
  deathsig="setpriv --pdeathsig TERM"
fi
: >"$tmp/emulator.out" # exists before the poll below reads it
# shellcheck disable=SC2086
$deathsig "$python" "$root/tests/emulator/appmesh_emulator.py" --port 0 --state "$seed" \
  >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emulator_pid=$!

# The first line on its stdout is the URL.
tries=0
while [ "$(wc -l <"$tmp/emulator.out")" = 0 ]; do
  if ! kill -0 "$emulator_pid" 2>/dev/null || [ $tries -ge 200 ]; then
    echo "run_demo.sh: the emulator did not start:" >&2
    cat "$tmp/emulator.err" >&2
    exit 1
  fi
  tries=$((tries + 1))
  sleep 0.05
done
url=$(head -n 1 "$tmp/emulator.out")
echo "Local App Mesh emulator at $url (pid $emulator_pid), seed tests/emulator/seed-demo.json"

# A sanitizer build's module needs the ASan runtime preloaded into a plain lua5.4.
if [ -z "${APPMESH_DEMO_PRELOAD:-}" ] &&
  grep -q '^APPMESH_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
  cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
  case ${cc:-cc} in
    *clang*) asan=libclang_rt.asan-$(uname -m).so ;;
    *) asan=libasan.so ;;
  esac
  APPMESH_DEMO_PRELOAD=$("${cc:-cc}" -print-file-name="$asan")
fi

if [ -x "$build/appmesh-lua" ]; then
  host="$build/appmesh-lua"
  set -- "$host" "$script" "$@"
else
  host="lua5.4 (LUA_CPATH=$build/?.so)"
  set -- env LUA_CPATH="$build/?.so;;" ${APPMESH_DEMO_PRELOAD:+LD_PRELOAD="$APPMESH_DEMO_PRELOAD"} \
    lua5.4 "$script" "$@"
fi
echo "Running ${script#"$root"/} with ${host#"$root"/}"
echo

# Only what the demo sets: no profile, session token, proxy or retry settings from this machine.
env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_DEFAULT_REGION \
  -u AWS_ENDPOINT_URL -u AWS_CA_BUNDLE -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u APPMESH_LOG \
  AWS_CONFIG_FILE=/nonexistent/appmesh-demo-config \
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-demo-credentials \
  AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1 \
  AWS_ENDPOINT_URL_APP_MESH="$url" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  "$@" &
host_pid=$!
status=0
wait "$host_pid" || status=$?
host_pid=

# The emulator's own record of the mesh, read from its control API.
echo
echo "The emulator's state now (GET $url/_emulator/state):"
"$python" - "$url" <<'EOF' || status=1
import json, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with opener.open(sys.argv[1] + "/_emulator/state", timeout=10) as r:
    doc = json.load(r)
for mesh in doc["meshes"]:
    for vs in mesh["virtualServices"]:
        p = vs["spec"].get("provider") or {}
        if "virtualNode" in p:
            provider = "virtualNode " + p["virtualNode"]["virtualNodeName"]
        elif "virtualRouter" in p:
            provider = "virtualRouter " + p["virtualRouter"]["virtualRouterName"]
        else:
            provider = "(no provider)"
        print("  %-30s %-35s version %d" % (vs["virtualServiceName"], provider,
                                            vs["metadata"]["version"]))
EOF
exit $status
