#!/usr/bin/env bash
# Bazel's entry to proofs/calls_test.py (Debian's python3, standard library only).
set -euo pipefail
exec /usr/bin/python3 "$(dirname "$0")/calls_test.py" "$@"
