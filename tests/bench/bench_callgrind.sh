#!/bin/sh
# Instructions a call (valgrind's callgrind, repeatable where CPU time is not) for the contenders
# of bench_sequential.sh and bench_concurrent.sh against the same loopback nginx: each contender
# runs N1 and N2 calls and a call costs the difference over N2 - N1, so start-up and warm-up fall
# out. With OUT=DIR set, keeps DIR/<contender>.N2.out (callgrind's file) and writes beside it
# DIR/<contender>.fn (callgrind_annotate --inclusive=yes, the difference per call of the largest
# functions) for the per-stage breakdown of docs/performance.md. Not part of `make bench`: a
# run takes a few minutes and needs valgrind. With MISSES=1 it runs cachegrind instead (cache and
# branch simulation) and prints, a call, the instructions, L1 instruction and data misses and
# mispredicted branches: what separates contenders whose instructions are close but whose CPU
# time is not.
# Usage: tests/bench/bench_callgrind.sh BUILD_DIR [N1 [N2]]
#   (environment: OUT=DIR, ONLY="names", MISSES=1)
set -u
build=${1:-build-bench}
n1=${2:-1000}
n2=${3:-3000}
here=$(dirname "$0")
tools="$build/bench-tools"
. "$here/lib/nginx.sh"

command -v valgrind >/dev/null 2>&1 || { echo "bench_callgrind: valgrind is not installed" >&2; exit 1; }
for f in "$tools/bench_curl_loop" "$tools/bench_appmesh_loop" "$build/appmesh-lua"; do
  [ -x "$f" ] || { echo "bench_callgrind: $f not built" >&2; exit 1; }
done
tmp=$(mktemp -d)
out=${OUT:-$tmp}
mkdir -p "$out"
trap 'nginx_stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP PIPE
nginx_start || exit 1
"$build/appmesh-lua" "$here/bench_http.lua" seq "$nginx_url" 1 1 0 "$tmp/request.txt" || exit 1

# $vg: the valgrind command line each contender runs under (set by ir_of)
vg=
run_curl_easy() { $vg "$tools/bench_curl_loop" seq "$tmp/request.txt" "$1" 1 1; }
run_floor_easy() { $vg "$tools/bench_curl_loop" seq "$tmp/request.txt" "$1" 1 1 floor; }
run_c_blocking() { $vg "$tools/bench_appmesh_loop" seq "$nginx_url" "$1" 1 1; }
run_lua_blocking() { $vg "$build/appmesh-lua" "$here/bench_http.lua" seq "$nginx_url" "$1" 1 1; }
run_curl_multi() { $vg "$tools/bench_curl_loop" multi "$tmp/request.txt" "$1" 16 1; }
run_floor_multi() { $vg "$tools/bench_curl_loop" multi "$tmp/request.txt" "$1" 16 1 floor; }
run_c_batch() { $vg "$tools/bench_appmesh_loop" batch "$nginx_url" "$1" 16 1; }
run_lua_map() { $vg "$build/appmesh-lua" "$here/bench_http.lua" map "$nginx_url" "$1" 16 1; }

# Total instructions (Ir) of one run under callgrind; the output file is kept as $out/$2.$1.out.
ir_of() { # N NAME
  vg="valgrind --tool=callgrind --callgrind-out-file=$out/$2.$1.out"
  "run_$2" "$1" >/dev/null 2>"$tmp/vg.err" || {
    cat "$tmp/vg.err" >&2
    return 1
  }
  sed -n 's/^summary: //p;s/^totals: //p' "$out/$2.$1.out" | head -1
}

# "<Ir> <function>[<object>]" from callgrind_annotate's lines "<Ir> (<%>) <file>:<function> [<object>]"
fn_of='/^ *[0-9,]+ \(/ { gsub(",", "", $1); f = $(NF - 1); sub(/.*:/, "", f); o = $NF
  sub(/.*\//, "", o); print $1, f "[" o }'
# The cost of each function in the two runs, differenced and divided per call: inclusive
# (with its callees) into $out/NAME.fn, exclusive (its own instructions) into $out/NAME.self.
per_function() { # NAME
  for incl in yes no; do
    callgrind_annotate --inclusive=$incl --threshold=100 "$out/$1.$n1.out" 2>/dev/null |
      awk "$fn_of" > "$tmp/a"
    callgrind_annotate --inclusive=$incl --threshold=100 "$out/$1.$n2.out" 2>/dev/null |
      awk "$fn_of" > "$tmp/b"
    awk -v d="$((n2 - n1))" 'NR == FNR { a[$2] = $1; next }
      { v = ($1 - ($2 in a ? a[$2] : 0)) / d; if (v >= 50) printf "%10.0f %s\n", v, $2 }' \
      "$tmp/a" "$tmp/b" | sort -rn > "$out/$1.$([ $incl = yes ] && echo fn || echo self)"
  done
}

# Cachegrind's "summary:" counts of one run: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw Bc Bcm Bi Bim
misses_of() { # N NAME
  vg="valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes --cachegrind-out-file=$tmp/cg.out"
  "run_$2" "$1" >/dev/null 2>"$tmp/vg.err" || {
    cat "$tmp/vg.err" >&2
    return 1
  }
  sed -n 's/^summary: //p' "$tmp/cg.out"
}

if [ "${MISSES:-}" = 1 ]; then
  echo "cachegrind.server $nginx_version ($nginx_url); a call = (count(N=$n2) - count(N=$n1)) / $((n2 - n1))"
  for name in ${ONLY:-curl_easy floor_easy c_blocking lua_blocking curl_multi floor_multi c_batch lua_map}; do
    a=$(misses_of "$n1" "$name") || exit 1
    b=$(misses_of "$n2" "$name") || exit 1
    echo "$a|$b" | awk -F'|' -v p="cachegrind.$name" -v d="$((n2 - n1))" '{
      split($1, x, " "); split($2, y, " ")
      printf "%s instructions %.0f, I1 misses %.0f, D1 misses %.0f (read) + %.0f (write), mispredicted branches %.0f + %.0f (indirect) a call\n",
        p, (y[1] - x[1]) / d, (y[2] - x[2]) / d, (y[5] - x[5]) / d, (y[8] - x[8]) / d,
        (y[11] - x[11]) / d, (y[13] - x[13]) / d }'
  done
  exit 0
fi

echo "callgrind.server $nginx_version ($nginx_url); instructions a call = (Ir(N=$n2) - Ir(N=$n1)) / $((n2 - n1))"
for name in ${ONLY:-curl_easy floor_easy c_blocking lua_blocking curl_multi floor_multi c_batch lua_map}; do
  a=$(ir_of "$n1" "$name") || exit 1
  b=$(ir_of "$n2" "$name") || exit 1
  per_function "$name"
  echo "$a $b" | awk -v p="callgrind.$name" -v d="$((n2 - n1))" '{
    printf "%s_instructions %.0f a call\n", p, ($2 - $1) / d }'
done
