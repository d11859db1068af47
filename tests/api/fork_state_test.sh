#!/usr/bin/env bash
# Usage: fork_state_test.sh LIBWARDEN_SO
# Everything the fork handlers write (every lock, the random key, the
# quiesce gate: LOCK_FORK_STATE in src/lock.h) lies in one section that
# fits in a page: each page of it costs a copy-on-write fault in the parent
# and another in the child at every fork().
set -euo pipefail
lib=$1
read -r addr size < <(readelf -SW "$lib" | awk '$2 == "wd_fork_state" { print $4, $6 }') || true
if [[ -z ${size:-} ]]; then
  echo "fork_state_test: $lib has no wd_fork_state section" >&2
  exit 1
fi
first=$((16#$addr / 4096)) last=$(((16#$addr + 16#$size - 1) / 4096))
if ((first != last)); then
  echo "fork_state_test: wd_fork_state is $((16#$size)) bytes over $((last - first + 1)) pages" >&2
  exit 1
fi
echo "fork_state_test: wd_fork_state is $((16#$size)) bytes, in one page"
