#!/bin/sh
# make bench: the `appmesh` shell command as a whole process (`appmesh describe-virtual-service`
# against the local emulator) beside `aws appmesh describe-virtual-service` (Debian's awscli,
# when installed) in the same run, round by round (the machine is shared: each round times both
# and the ratio is taken inside the round; the figure is the median ratio). Targets: at least
# 25x faster than the AWS CLI, under 15 MB peak RSS.
# Usage: tests/bench/bench_shell.sh BUILD_DIR
set -u
build=${1:-build-bench}
cmd="$build/appmesh"
[ -x "$cmd" ] || { echo "bench_shell: $cmd not built" >&2; exit 1; }
rounds=5
mine_runs=40
aws_runs=3
tmp=$(mktemp -d)
emu_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

: > "$tmp/emu.out"
/usr/bin/python3 tests/emulator/appmesh_emulator.py --port 0 --state tests/emulator/seed-demo.json \
  >"$tmp/emu.out" 2>"$tmp/emu.err" &
emu_pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '^http' "$tmp/emu.out"; do sleep 0.1; i=$((i + 1)); done
url=$(head -n 1 "$tmp/emu.out")
case "$url" in http*) ;; *) echo "bench_shell: the emulator did not start" >&2; exit 1 ;; esac

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1 AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent
export AWS_PAGER=
unset AWS_PROFILE AWS_DEFAULT_OUTPUT APPMESH_LOG
set -- describe-virtual-service --mesh-name demo-mesh --virtual-service-name colorteller.demo.local \
  --endpoint-url "$url"
"$cmd" "$@" >/dev/null || { echo "bench_shell: appmesh $1 failed" >&2; exit 1; }
aws=
for a in /usr/bin/aws aws; do
  if "$a" --version 2>/dev/null | grep -q '^aws-cli/2'; then aws=$a; break; fi
done

# Microseconds a run of "$@" (N runs).
us_per_run() {
  n=$1
  shift
  t0=$(date +%s%N)
  k=0
  while [ $k -lt "$n" ]; do "$@" >/dev/null 2>&1; k=$((k + 1)); done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / n / 1000 ))
}

: > "$tmp/mine"
: > "$tmp/aws"
: > "$tmp/ratio"
r=0
while [ $r -lt $rounds ]; do
  m=$(us_per_run $mine_runs "$cmd" "$@")
  echo "$m" >> "$tmp/mine"
  if [ -n "$aws" ]; then
    a=$(us_per_run $aws_runs "$aws" appmesh "$@")
    echo "$a" >> "$tmp/aws"
    awk -v a="$a" -v m="$m" 'BEGIN { printf "%.1f\n", a / m }' >> "$tmp/ratio"
  fi
  r=$((r + 1))
done
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
range() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[1] ".." v[NR] }'; }
echo "shell.appmesh_describe_us $(median "$tmp/mine") (rounds $(range "$tmp/mine"))"
rss=$(/usr/bin/time -f %M "$cmd" "$@" 2>&1 >/dev/null | tail -n 1)
echo "shell.appmesh_peak_rss_kb $rss (target < 15360)"
if [ -n "$aws" ]; then
  echo "shell.aws_cli_describe_us $(median "$tmp/aws") (rounds $(range "$tmp/aws"); $("$aws" --version 2>&1 | cut -d' ' -f1))"
  echo "shell.ratio_vs_aws_cli $(median "$tmp/ratio") (rounds $(range "$tmp/ratio"); target >= 25)"
  arss=$(/usr/bin/time -f %M "$aws" appmesh "$@" 2>&1 >/dev/null | tail -n 1)
  echo "shell.aws_cli_peak_rss_kb $arss"
else
  echo "shell.aws_cli: no AWS CLI v2 installed (apt-get install awscli): no ratio"
fi
