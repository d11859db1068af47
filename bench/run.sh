#!/usr/bin/env bash
# Runs Warden's benchmark suite: `./warden bench [--quick] [OPTIONS]` ends up
# here. All the work is in bench/run.py (python3 standard library only); see
# its docstring or `bench/run.sh --help` for the options.
#
#   bench/run.sh            full run, 9 repeats, about 22 minutes: bench/RESULTS.md, results.png, results.json
#   bench/run.sh --quick    5x smaller workloads, 5 repeats, about 4 minutes: bench/RESULTS-quick.md, ...
#   bench/run.sh --peer PATH --peer-budget 90m
#                           the same and mimalloc-bench's benchmarks from that checkout, about 2 hours
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The command recorded in the report: the one the user typed, if the caller says so.
export WARDEN_BENCH_COMMAND=${WARDEN_BENCH_COMMAND:-bench/run.sh${*:+ $*}}
exec /usr/bin/python3 "$here/run.py" "$@"
