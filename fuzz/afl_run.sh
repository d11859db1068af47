#!/usr/bin/env bash
# Runs a campaign of afl-fuzz instances on a wd_afl_binary in one command, bounded in time, so
# AFL++ fuzzing is as easy to start (by hand or under `bazel run`) as the libFuzzer targets.
#
# usage: afl_run.sh BINARY SEED_DIR OUT_DIR [SECONDS [INSTANCES [afl-fuzz flags...]]]
#   SECONDS    how long every instance fuzzes (afl-fuzz -V), default 60
#   INSTANCES  number of afl-fuzz processes: one main (-M) and the rest secondaries (-S),
#              default 1
#   extra flags go to every afl-fuzz, e.g. -x fuzz/dict/NAME.dict or -t 2000
#
# Paths: absolute; `//dir` for a directory below the workspace root; anything else relative
# to the directory the command was started from ($BUILD_WORKING_DIRECTORY under `bazel run`).
# BINARY and SEED_DIR may also be runfiles paths, as `$(rootpath ...)` in a BUILD file gives.
# An existing OUT_DIR is resumed. Each instance logs to OUT_DIR/NAME.log.
#
# Exit status: 0 no crash found, 1 crashes found (listed), 2 usage or afl-fuzz failure,
# 130 interrupted without crashes.
set -euo pipefail

usage() {
  sed -n '5,17p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

(($# >= 3)) || usage
binary_arg=$1 seeds_arg=$2 out_arg=$3
seconds=${4:-60}
instances=${5:-1}
shift $(($# < 5 ? $# : 5))
extra=("$@")

[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "afl_run: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2; }
[[ $instances =~ ^[1-9][0-9]*$ ]] || { echo "afl_run: INSTANCES must be a positive integer, got '$instances'" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl_run: afl-fuzz not found; install the afl++ package" >&2; exit 2; }

start_dir=$PWD
caller_dir=${BUILD_WORKING_DIRECTORY:-$PWD}
workspace_dir=${BUILD_WORKSPACE_DIRECTORY:-$caller_dir}

# Resolves a path the caller wrote. Inputs may also live in the runfiles tree we start in.
resolve() {
  local path=$1 kind=$2
  case $path in
    //*) printf '%s\n' "$workspace_dir/${path#//}" ;;
    /*) printf '%s\n' "$path" ;;
    *)
      if [[ $kind == input && $start_dir != "$caller_dir" && -e $start_dir/$path ]]; then
        printf '%s\n' "$start_dir/$path"
      else
        printf '%s\n' "$caller_dir/$path"
      fi
      ;;
  esac
}

binary=$(resolve "$binary_arg" input)
seeds=$(resolve "$seeds_arg" input)
out=$(resolve "$out_arg" output)

[[ -x $binary && ! -d $binary ]] || { echo "afl_run: no executable at $binary" >&2; exit 2; }
mkdir -p "$out"

# afl-fuzz refuses to start without a seed, and rejects empty files as seeds; any single
# byte is enough to get going.
if [[ -z $(find "$seeds" -maxdepth 1 -type f -size +0 -print -quit 2>/dev/null) ]]; then
  echo "afl_run: no seed files in $seeds; starting from a one-byte input" >&2
  seeds=$out/.default_seed
  mkdir -p "$seeds"
  printf '0' >"$seeds/one_byte"
fi

# No CPU frequency tuning and no curses UI in containers and CI; a second run continues the
# first one instead of refusing an existing output directory.
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_AUTORESUME=1
# A core_pattern that pipes to a crash handler makes afl-fuzz stop unless told otherwise;
# crashes are still detected through the exit signal.
if [[ $(cat /proc/sys/kernel/core_pattern 2>/dev/null) == \|* ]]; then
  export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
fi
# More instances than cores would make afl-fuzz refuse to bind to a busy core.
if ((instances > $(nproc))); then
  export AFL_NO_AFFINITY=1
fi

pids=()
names=()
interrupted=0
stop() {
  interrupted=1
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
}
# Ctrl-C or a kill stops the instances cleanly, and the findings are still summarised.
trap stop INT TERM

for ((i = 0; i < instances; i++)); do
  if ((i == 0)); then role=(-M main) name=main; else role=(-S "sec$i") name=sec$i; fi
  afl-fuzz "${role[@]}" -i "$seeds" -o "$out" -V "$seconds" "${extra[@]}" -- "$binary" \
    >"$out/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
done
echo "afl_run: ${#pids[@]} afl-fuzz instance(s) for ${seconds}s on $binary, output in $out" >&2

failed=0
for i in "${!pids[@]}"; do
  while :; do
    status=0
    wait "${pids[$i]}" || status=$?
    # A trapped signal cuts `wait` short while the instance is still shutting down.
    ((status > 128)) && kill -0 "${pids[$i]}" 2>/dev/null || break
  done
  if ((status != 0 && !interrupted)); then
    echo "afl_run: afl-fuzz ${names[$i]} failed; end of $out/${names[$i]}.log:" >&2
    tail -n 20 "$out/${names[$i]}.log" >&2
    failed=1
  fi
done
trap - INT TERM

for name in "${names[@]}"; do
  stats=$out/$name/fuzzer_stats
  [[ -f $stats ]] || continue
  awk -v n="$name" -F' *: *' '
    $1 == "execs_done" { e = $2 } $1 == "execs_per_sec" { r = $2 } $1 == "corpus_count" { c = $2 }
    $1 == "edges_found" { f = $2 } $1 == "total_edges" { t = $2 }
    $1 == "saved_crashes" { s = $2 } $1 == "saved_hangs" { h = $2 }
    END { printf "afl_run: %s: %s execs (%s/s), %s corpus entries, %s/%s edges, %s crashes, %s hangs\n",
                 n, e, r, c, f, t, s, h }' "$stats" >&2
done

# A hang is an input that overran afl-fuzz's -t limit inside a long-lived process: on a
# loaded machine that can be nothing but slowness, so hangs are listed for a look, not
# counted as findings; an input that loops also loops when replayed alone.
mapfile -t hangs < <(find "$out" -path '*/hangs/id:*' -type f 2>/dev/null | sort)
if ((${#hangs[@]})); then
  echo "afl_run: ${#hangs[@]} input(s) overran the time limit; time one alone with: $binary FILE" >&2
  printf '  %s\n' "${hangs[@]:0:20}" >&2
fi

mapfile -t crashes < <(find "$out" -path '*/crashes/id:*' -type f 2>/dev/null | sort)
if ((${#crashes[@]})); then
  echo "afl_run: ${#crashes[@]} crashing input(s), replay one with: $binary FILE" >&2
  printf '  %s\n' "${crashes[@]:0:20}" >&2
  exit 1
fi
((interrupted == 0)) || exit 130
((failed == 0)) || exit 2
echo "afl_run: no crash found" >&2
