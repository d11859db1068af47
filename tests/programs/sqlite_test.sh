#!/usr/bin/env bash
# sqlite3 under Warden: building and querying a 100k-row database must print
# the same results with and without libwarden.so preloaded.
source tests/programs/compare_lib.sh "$1"
require_warden_serves_python
# .shell runs its command as a child of sqlite3, which reads its parent's map.
LD_PRELOAD="$WARDEN_LIB" sqlite3 :memory: '.shell cat /proc/$PPID/maps' | require_mapped sqlite3
workload="$PWD/tests/programs/sqlite_workload.sql"
compare_runs sqlite sh -c 'sqlite3 -bail "$RUN_DIR/items.db" <"$1"' sqlite "$workload"
echo PASS
