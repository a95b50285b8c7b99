# SPDX-License-Identifier: MIT
# make bench: contenders run interleaved and compared round by round, sourced by tests/bench/*.sh.
# The machine is shared and noisy: a burst of load elsewhere lands on whichever contender runs
# at that moment, so each round runs every contender once (the order rotating from round to
# round) and a ratio is computed inside each round; the figure is the median of those ratios,
# with their min and max.
#
#   interleave DIR ROUNDS BASE NAME...  runs the shell function run_<name> of each contender
#       once a round, ROUNDS rounds; each prints "<calls per second> <CPU us per call>". Keeps
#       DIR/<name>.rps, DIR/<name>.cpu and, for each NAME but the baseline BASE, DIR/<name>.ratio
#       (its rate over BASE's in the same round) and DIR/<name>.cpu_ratio (its CPU time a call
#       over BASE's, in the same round: the direction of the CPU targets, lower is better).
#       Returns 1 when a contender fails.
#   stats FILE  "median min max" of the numbers in FILE, one a line.
#   report PREFIX DIR NAME WHAT [CPU_TARGET]  prints "PREFIX.NAME_rps <median> (min .., max ..);
#       CPU .. us a call" and, when DIR/NAME.ratio exists, "PREFIX.NAME_ratio <median> (...) WHAT"
#       and "PREFIX.NAME_cpu_ratio <median> (...) CPU_TARGET".
#   floor_ratio DIR NAME BASE EXTRA_US [KIND]  writes DIR/NAME.KIND (KIND: floor_ratio unless
#       given): NAME's CPU a call over a floor of BASE's CPU a call plus EXTRA_US, round by round.
#   report_floor PREFIX DIR NAME WHAT [KIND]  prints "PREFIX.NAME_KIND <median> (...) WHAT".

stats() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan nan nan"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    print m, v[1], v[NR] }'
}

interleave() { # DIR ROUNDS BASE NAME...
  cmp_dir=$1
  cmp_rounds=$2
  shift 2
  cmp_k=$#
  for cmp_name in "$@"; do
    : > "$cmp_dir/$cmp_name.rps"
    : > "$cmp_dir/$cmp_name.cpu"
  done
  cmp_r=0
  while [ $cmp_r -lt "$cmp_rounds" ]; do
    cmp_i=0
    while [ $cmp_i -lt "$cmp_k" ]; do
      eval "cmp_name=\${$(( (cmp_i + cmp_r) % cmp_k + 1 ))}"
      # shellcheck disable=SC2154 # set by the eval above
      cmp_line=$("run_$cmp_name") || return 1
      echo "${cmp_line% *}" >> "$cmp_dir/$cmp_name.rps"
      echo "${cmp_line#* }" >> "$cmp_dir/$cmp_name.cpu"
      cmp_i=$((cmp_i + 1))
    done
    cmp_r=$((cmp_r + 1))
  done
  cmp_base=$1
  shift
  for cmp_name in "$@"; do
    paste "$cmp_dir/$cmp_name.rps" "$cmp_dir/$cmp_base.rps" |
      awk '{ printf "%.4f\n", $1 / $2 }' > "$cmp_dir/$cmp_name.ratio"
    paste "$cmp_dir/$cmp_name.cpu" "$cmp_dir/$cmp_base.cpu" |
      awk '{ printf "%.4f\n", $1 / $2 }' > "$cmp_dir/$cmp_name.cpu_ratio"
  done
}

report() { # PREFIX DIR NAME WHAT [CPU_TARGET]
  set -- "$1" "$2" "$3" "${4:-}" "$(stats "$2/$3.rps")" "$(stats "$2/$3.cpu")" "${5:-}"
  echo "$5 $6" | awk -v p="$1.$3" '{
    printf "%s_rps %.0f (median; min %.0f, max %.0f); CPU %.1f us a call\n", p, $1, $2, $3, $4 }'
  if [ -f "$2/$3.ratio" ]; then
    stats "$2/$3.ratio" | awk -v p="$1.$3" -v n="$(wc -l < "$2/$3.ratio")" -v what="$4" '{
      printf "%s_ratio %.2f (median of %d per-round ratios; min %.2f, max %.2f)%s\n",
        p, $1, n, $2, $3, what != "" ? " " what : "" }'
    stats "$2/$3.cpu_ratio" | awk -v p="$1.$3" -v t="$7" '{
      printf "%s_cpu_ratio %.2f (CPU a call over the baseline'"'"'s, median; min %.2f, max %.2f)%s\n",
        p, $1, $2, $3, t != "" ? " " t : "" }'
  fi
}

floor_ratio() { # DIR NAME BASE EXTRA_US [KIND]
  paste "$1/$2.cpu" "$1/$3.cpu" | awk -v x="$4" '{ printf "%.4f\n", $1 / ($2 + x) }' \
    > "$1/$2.${5:-floor_ratio}"
}

report_floor() { # PREFIX DIR NAME WHAT [KIND]
  set -- "$1" "$2" "$3" "$4" "${5:-floor_ratio}"
  stats "$2/$3.$5" | awk -v p="$1.$3_$5" -v n="$(wc -l < "$2/$3.$5")" -v what="$4" '{
    printf "%s %.2f (median of %d per-round ratios; min %.2f, max %.2f) %s\n",
      p, $1, n, $2, $3, what }'
}
