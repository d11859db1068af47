#!/usr/bin/env bash
# One command to fuzz Warden (what `./warden fuzz` runs):
#
#   fuzz/fuzz.sh [--engine libfuzzer|afl] [--seconds N] [--jobs N] [--harness NAME] [--light]
#                [-- extra engine flags...]
#
#   --engine   libfuzzer (default; ASan + UBSan) or afl (AFL++, no sanitizers)
#   --seconds  how long to fuzz (default 600)
#   --jobs     parallel fuzzing processes: libFuzzer -fork=N (default 1); AFL++ instances, one
#              -M and the rest -S (default: one per core)
#   --harness  alloc (default), thread, or all (one after the other, each for --seconds)
#   --light    fuzz the light build (--config=light: no zeroing, quarantine or randomization)
#
# Corpus and findings stay in the workspace: libFuzzer grows fuzz/out/HARNESS/corpus from
# fuzz/corpus/HARNESS and fuzz/regressions/HARNESS and drops crash-* files in fuzz/out/HARNESS/;
# AFL++ writes fuzz/out/HARNESS_afl/ (a later run resumes it). Exit status: 0 nothing found,
# 1 findings (listed, with the command that replays each), 2 usage or build error.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

engine=libfuzzer seconds=600 jobs="" harness=alloc config=()
while (($#)); do
  case $1 in
    --engine) engine=${2:-}; shift ;;
    --engine=*) engine=${1#*=} ;;
    --seconds) seconds=${2:-}; shift ;;
    --seconds=*) seconds=${1#*=} ;;
    --jobs) jobs=${2:-}; shift ;;
    --jobs=*) jobs=${1#*=} ;;
    --harness) harness=${2:-}; shift ;;
    --harness=*) harness=${1#*=} ;;
    --light) config=(--config=light) ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) echo "fuzz: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
extra=("$@")

[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --seconds wants a positive number" >&2; exit 2; }
[[ -z $jobs || $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: --jobs wants a positive number" >&2; exit 2; }
case $harness in
  alloc|alloc_fuzzer) harnesses=(alloc) ;;
  thread|thread_fuzzer) harnesses=(thread) ;;
  all) harnesses=(alloc thread) ;;
  *) echo "fuzz: unknown harness '$harness' (alloc, thread, all)" >&2; exit 2 ;;
esac

status=0
for h in "${harnesses[@]}"; do
  name=${h}_fuzzer
  case $engine in
    libfuzzer)
      flags=(-max_total_time="$seconds" -print_final_stats=1)
      [[ -n $jobs && $jobs -gt 1 ]] && flags+=(-fork="$jobs")
      echo "fuzz: libFuzzer on $name for ${seconds}s${jobs:+, $jobs job(s)}; findings in fuzz/out/$name/" >&2
      # No corpus directory on the command line: the harness picks the workspace's (fuzz/README.md).
      stamp=$(mktemp)
      set +e
      bazel run --noshow_progress "${config[@]}" "//fuzz:$name" -- "${flags[@]}" "${extra[@]}"
      rc=$?
      set -e
      mapfile -t found < <(find "fuzz/out/$name" -maxdepth 1 -type f \
        \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) -newer "$stamp" 2>/dev/null | sort)
      rm -f "$stamp"
      if ((rc != 0)); then
        echo "fuzz: $name stopped with a finding (exit $rc)" >&2
        for f in "${found[@]}"; do
          echo "  $f   replay: bazel run ${config[*]} //fuzz:$name -- $f" >&2
        done
        status=1
      fi
      ;;
    afl)
      echo "fuzz: AFL++ on $name for ${seconds}s, ${jobs:-$(nproc)} instance(s); findings in fuzz/out/${h}_afl/" >&2
      set +e
      bazel run --noshow_progress "${config[@]}" "//fuzz:${h}_afl" -- "$seconds" "${jobs:-$(nproc)}" "${extra[@]}"
      rc=$?
      set -e
      if ((rc == 1)); then
        echo "fuzz: replay a crash with: bazel run ${config[*]} //fuzz:$name -- FILE" >&2
        status=1
      elif ((rc != 0)); then
        status=2
      fi
      ;;
    *) echo "fuzz: unknown engine '$engine' (libfuzzer, afl)" >&2; exit 2 ;;
  esac
done
exit "$status"
