#!/usr/bin/env bash
# Instruction counts (callgrind) of medium_loop.c under the library built
# from two revisions, to check that proof-driven changes cost nothing.
#   proofs/perf/compare.sh BASE_REV [NEW_REV]   (NEW_REV defaults to HEAD)
# The library is built with the release flags of src/copts.bzl (minus the
# warnings), DWARF 4 so that valgrind reads the debug info.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
base=$1
new=${2:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clang -O2 -o "$work/loop" "$here/medium_loop.c"
build() {
  local t=$work/$1 rev=$2 objs=()
  mkdir -p "$t"
  git -C "$root" archive "$rev" src include | tar -x -C "$t"
  for f in "$t"/src/*.c; do
    clang -std=gnu11 -O2 -gdwarf-4 -fvisibility=hidden -fno-plt -fPIC -I"$t/src" -I"$t/include" -c "$f" -o "${f%.c}.o"
    objs+=("${f%.c}.o")
  done
  clang++ -std=c++17 -fsized-deallocation -faligned-allocation -O2 -fvisibility=hidden -fPIC \
    -I"$t/src" -I"$t/include" -c "$t/src/cxx_new.cc" -o "$t/src/cxx_new.o"
  clang++ -shared -o "$t/lib.so" "${objs[@]}" "$t/src/cxx_new.o" -pthread -Wl,-Bsymbolic-functions
}
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --trace-children=yes \
    env LD_PRELOAD="$work/$1/lib.so" "$work/loop" 2>&1 | sed -n 's/.*Collected : //p'
}
build base "$base"
build new "$new"
b=$(count base)
n=$(count new)
echo "instructions: $base $b, $new $n ($(python3 -c "print(f'{($n - $b) / $b * 100:+.2f}%')"))"
