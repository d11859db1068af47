#!/usr/bin/env bash
# Bazel entry point of the proofs: wp.sh over the runfiles copy of the
# sources, its table in the test log.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${TEST_UNDECLARED_OUTPUTS_DIR:-${TEST_TMPDIR:-$(mktemp -d)}}
exec "$here/wp.sh" --src "$(cd "$here/.." && pwd)" --out "$out"
