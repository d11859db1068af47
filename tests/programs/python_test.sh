#!/usr/bin/env bash
# Python under Warden: the same dict, string and JSON workload must print the
# same output with and without libwarden.so preloaded.
source tests/programs/compare_lib.sh "$1"
require_warden_serves_python
LD_PRELOAD="$WARDEN_LIB" python3 -c 'print(open("/proc/self/maps").read())' | require_mapped python3
# Hash randomization changes set and dict-of-str internals between runs;
# fix it so that both runs do the same work.
export PYTHONHASHSEED=0
compare_runs python python3 "$PWD/tests/programs/python_workload.py"
echo PASS
