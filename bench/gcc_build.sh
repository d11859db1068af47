#!/usr/bin/env bash
# The gcc workload's build: compiles every .c file in SRC_DIR with
# `gcc -O2 -c`, JOBS at a time (default 2, like `make -j2` on this
# two-core machine), links the objects, and runs the program, whose output
# is the checksum. bench/run.py runs this whole script under each
# allocator's LD_PRELOAD, so the allocator serves gcc's driver, cc1, as and
# ld (and bash and xargs, which do little). The sources come from
# bench/gen_cprog.py.
#
# Usage: gcc_build.sh SRC_DIR OUT_DIR [JOBS]
set -euo pipefail
src=$1
out=$2
jobs=${3:-2}
rm -rf "$out"
mkdir -p "$out"
# Each file becomes OUT_DIR/<name>.o; xargs fails if any compile fails.
printf '%s\n' "$src"/*.c | xargs -P "$jobs" -I{} sh -c 'gcc -O2 -c "$1" -o "$2/$(basename "$1" .c).o"' _ {} "$out"
gcc -O2 -o "$out/prog" "$out"/*.o
"$out/prog"
