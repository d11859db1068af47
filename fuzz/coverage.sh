#!/usr/bin/env bash
# Line and branch coverage of src/ reached by the fuzz corpora (clang source-based coverage).
#
#   fuzz/coverage.sh                   both harnesses over fuzz/corpus/* and fuzz/regressions/*
#   fuzz/coverage.sh --uncovered       also list every source line of src/ never executed
#   fuzz/coverage.sh --html DIR        also write an HTML report to DIR
#   fuzz/coverage.sh --corpus NAME DIR replay DIR (instead of the checked-in corpus) for
#                                      harness NAME (alloc_fuzzer or thread_fuzzer); repeatable
#
# Builds each harness with -fprofile-instr-generate -fcoverage-mapping and a plain main()
# (fuzz/standalone_main.c), outside Bazel (`bazel coverage` does not work with the offline
# stand-ins), runs every input once, merges the profiles with llvm-profdata-14 and reports with
# llvm-cov-14 on the library's sources: src/*.c and src/*.h, without src/override.c and
# src/cxx_new.cc, which are symbol overrides outside //src:core that no harness can call.
# The last line is machine-readable: `coverage: lines X% (a/b) branches Y% (c/d)`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

uncovered=0
html=""
declare -A corpus=()
while (($#)); do
  case $1 in
    --uncovered) uncovered=1 ;;
    --html) html=$2; shift ;;
    --corpus) corpus[$2]+=" $3"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "coverage: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

CC=${CC_FOR_COVERAGE:-clang}
PROFDATA=${LLVM_PROFDATA:-llvm-profdata-14}
COV=${LLVM_COV:-llvm-cov-14}
for tool in "$CC" "$PROFDATA" "$COV"; do
  command -v "$tool" >/dev/null || { echo "coverage: $tool not found (./warden setup)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/warden-coverage.XXXXXX")
trap 'rm -rf "$work"' EXIT

mapfile -t lib_c < <(ls src/*.c | grep -v -e '^src/override\.c$')
mapfile -t lib_h < <(ls src/*.h)

objects=()
for harness in alloc_fuzzer thread_fuzzer; do
  bin=$work/$harness
  "$CC" -O1 -g -fprofile-instr-generate -fcoverage-mapping -std=gnu11 -pthread \
    -I . -I include -I src "${lib_c[@]}" "fuzz/$harness.c" fuzz/standalone_main.c -o "$bin"
  dirs=${corpus[$harness]:-}
  if [[ -z $dirs ]]; then
    dirs="fuzz/corpus/$harness"
    [[ -d fuzz/regressions/$harness ]] && dirs+=" fuzz/regressions/$harness"
  fi
  # Death-test children write their own profile before they die (fuzz/harness.h), so the
  # report paths they reach count; %p keeps each process's profile apart.
  # shellcheck disable=SC2086
  LLVM_PROFILE_FILE="$work/$harness-%p.profraw" "$bin" $dirs 2>"$work/$harness.log" || {
    echo "coverage: $harness failed on its corpus:" >&2
    tail -n 20 "$work/$harness.log" >&2
    exit 1
  }
  grep -h 'ran [0-9]* input' "$work/$harness.log" >&2 || true
  objects+=("$bin")
done

"$PROFDATA" merge -sparse "$work"/*.profraw -o "$work/all.profdata"
cov_args=("${objects[0]}")
for o in "${objects[@]:1}"; do cov_args+=(-object "$o"); done
cov_args+=(-instr-profile="$work/all.profdata")

"$COV" report "${cov_args[@]}" -show-region-summary=false -show-instantiation-summary=false \
  "${lib_c[@]}" "${lib_h[@]}" | tee "$work/report.txt"

if ((uncovered)); then
  echo
  echo "== lines of src/ never executed"
  "$COV" show "${cov_args[@]}" -show-line-counts -use-color=false "${lib_c[@]}" "${lib_h[@]}" |
    awk '
      /^\/.*:$/ { file = $0; sub(/^.*\/src\//, "src/", file); sub(/:$/, "", file); next }
      /^ *[0-9]+\| *0\|/ {
        line = $0; split(line, f, "|"); gsub(/ /, "", f[1]);
        text = substr(line, index(line, f[3]) ); sub(/^[^|]*\|[^|]*\|/, "", line);
        printf "%s:%s:%s\n", file, f[1], line
      }'
fi

if [[ -n $html ]]; then
  mkdir -p "$html"
  "$COV" show "${cov_args[@]}" -format=html -output-dir="$html" "${lib_c[@]}" "${lib_h[@]}"
  echo "coverage: HTML report in $html/index.html" >&2
fi

awk '$1 == "TOTAL" {
  # Columns: Functions Missed Executed, Lines Missed Cover, Branches Missed Cover.
  n = NF; bt = $(n-2); bm = $(n-1); bc = $n; lt = $(n-5); lm = $(n-4); lc = $(n-3);
  printf "coverage: lines %s (%d/%d) branches %s (%d/%d)\n", lc, lt - lm, lt, bc, bt - bm, bt
}' "$work/report.txt"
