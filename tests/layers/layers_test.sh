#!/usr/bin/env bash
# Usage: layers_test.sh SRC_DIR
# Checks SRC_DIR against the layer table in SRC_DIR/BUILD (layers.py says
# what it checks). From the repository root: tests/layers/layers_test.sh src
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/layers.py" "$1"
