#!/usr/bin/env bash
# Usage: shared_deps_test.sh LIBWARDEN_SO
# The library's DT_NEEDED entries must be the C library alone.
set -euo pipefail
lib=$1
needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
if [[ $needed != "libc.so.6 " ]]; then
  echo "shared_deps_test: $lib needs: $needed(want only libc.so.6)" >&2
  exit 1
fi
echo "shared_deps_test: $lib needs only libc.so.6"
