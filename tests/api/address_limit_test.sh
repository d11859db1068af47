#!/usr/bin/env bash
# Usage: address_limit_test.sh PROGRAM
# Runs PROGRAM (linked with Warden) without a limit, where its peak address
# space must stay within 1 GiB (the program checks), then under a 1 GB
# address-space limit, as batch schedulers and some containers set: it must
# start and allocate its 300 MiB.
set -euo pipefail
"$1"
ulimit -v 1000000
"$1"
