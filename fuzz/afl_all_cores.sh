#!/usr/bin/env bash
# `bazel run //fuzz:alloc_afl [-- SECONDS [INSTANCES [afl-fuzz flags...]]]`: afl_run.sh with the
# defaults a user wants from one command: 10 minutes, one instance per core (one -M, the rest
# -S), the harness dictionary, and a 2 s timeout per input (a quiet heap answers in
# milliseconds; AFL's calibration would otherwise pick a tight limit that a burst of large
# mappings can miss). Exit status as afl_run.sh: 0 no crash, 1 crashes found (listed).
set -euo pipefail
afl_run=$1 binary=$2 seeds=$3 out=$4 dict=$5
shift 5
seconds=${1:-600}
instances=${2:-$(nproc)}
shift $(($# < 2 ? $# : 2))
[[ $dict == /* ]] || dict=$PWD/$dict
exec "$afl_run" "$binary" "$seeds" "$out" "$seconds" "$instances" -x "$dict" -t 2000 "$@"
