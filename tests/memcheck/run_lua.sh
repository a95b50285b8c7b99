#!/bin/sh
# SPDX-License-Identifier: MIT
# make memcheck: start the local emulator with the demo mesh, run a Lua script with appmesh-lua
# under valgrind against it, stop the emulator. Exit status: valgrind's (99 on any error or
# leak), or 1 when the emulator does not start.
#
#   tests/memcheck/run_lua.sh APPMESH_LUA SCRIPT VALGRIND [VALGRIND_ARGS...]
set -eu

host=$1
script=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/appmesh-memcheck.XXXXXX")
emulator_pid=

# shellcheck disable=SC2317 # called from the EXIT trap
stop() {
  if [ -n "$emulator_pid" ]; then
    kill -TERM "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap 'status=$?; stop; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

: >"$tmp/emulator.out"
/usr/bin/python3 "$root/tests/emulator/appmesh_emulator.py" --port 0 \
  --state "$root/tests/emulator/seed-demo.json" >"$tmp/emulator.out" 2>"$tmp/emulator.err" &
emulator_pid=$!
tries=0
while [ "$(wc -l <"$tmp/emulator.out")" = 0 ]; do
  if ! kill -0 "$emulator_pid" 2>/dev/null || [ $tries -ge 200 ]; then
    echo "run_lua.sh: the emulator did not start:" >&2
    cat "$tmp/emulator.err" >&2
    exit 1
  fi
  tries=$((tries + 1))
  sleep 0.05
done
url=$(head -n 1 "$tmp/emulator.out")

env -u AWS_PROFILE -u AWS_SESSION_TOKEN -u AWS_DEFAULT_REGION -u AWS_ENDPOINT_URL \
  -u AWS_CA_BUNDLE -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u APPMESH_LOG \
  AWS_CONFIG_FILE=/nonexistent/appmesh-memcheck-config \
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-memcheck-credentials \
  AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost,::1 no_proxy=127.0.0.1,localhost,::1 \
  AWS_ENDPOINT_URL_APP_MESH="$url" AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
  "$@" "$host" "$script"
