#!/usr/bin/env bash
# Usage: address_limit_test.sh PROGRAM
# Runs PROGRAM (linked with Warden) under a 1 GB address-space limit, as batch
# schedulers and some containers set: it must start and allocate its 300 MiB.
set -euo pipefail
ulimit -v 1000000
"$1"
