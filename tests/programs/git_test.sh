#!/usr/bin/env bash
# git under Warden: creating, changing and repacking a repository must give
# the same object ids and listings with and without libwarden.so preloaded.
source tests/programs/compare_lib.sh "$1"
require_warden_serves_python
# An alias starting with ! runs in a shell that is git's child.
LD_PRELOAD="$WARDEN_LIB" HOME="$TEST_TMPDIR" GIT_CONFIG_NOSYSTEM=1 \
  git -c 'alias.maps=!cat /proc/$PPID/maps' maps | require_mapped git
compare_runs git "$PWD/tests/programs/git_workload.sh"
echo PASS
