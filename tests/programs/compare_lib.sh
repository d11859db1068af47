# Shared by the real-program tests: run one workload plainly and with
# Warden preloaded, and require the same stdout and exit code.
#
# Usage, from a test script run by `bazel test`:
#   source tests/programs/compare_lib.sh "$1"   # $1: runfiles path of libwarden.so
#   compare_runs NAME COMMAND [ARGS...]
# COMMAND runs twice, each time in a fresh, empty $RUN_DIR (under
# $TEST_TMPDIR) which it may use for scratch files; it must not print that
# path, since the two runs get different ones.
set -euo pipefail

if [[ $# -lt 1 || -z "$1" ]]; then
  echo "usage: source compare_lib.sh PATH_TO_LIBWARDEN_SO" >&2
  exit 2
fi
# LD_PRELOAD needs a path that holds in every directory a workload changes to.
WARDEN_LIB="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[[ -f "$WARDEN_LIB" ]] || { echo "FAIL: $WARDEN_LIB not found" >&2; exit 1; }
SCRATCH="${TEST_TMPDIR:?run under bazel test}/compare"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Python's ctypes calls malloc and malloc_usable_size through the process's
# global symbols: with Warden preloaded a 1-byte block has 8 usable bytes (a
# 16-byte slot less its canary). The plain run must answer something else,
# or the check could not tell the two apart.
usable_of_one_byte() {
  python3 -c '
import ctypes
c = ctypes.CDLL(None)
c.malloc.restype = ctypes.c_void_p
c.malloc.argtypes = [ctypes.c_size_t]
c.malloc_usable_size.restype = ctypes.c_size_t
c.malloc_usable_size.argtypes = [ctypes.c_void_p]
c.free.argtypes = [ctypes.c_void_p]
p = c.malloc(1)
print(c.malloc_usable_size(p))
c.free(p)
'
}

require_warden_serves_python() {
  local plain warden
  plain=$(usable_of_one_byte)
  warden=$(LD_PRELOAD="$WARDEN_LIB" usable_of_one_byte)
  [[ "$warden" == 8 ]] || fail "with LD_PRELOAD, malloc_usable_size(malloc(1)) = $warden, not Warden's 8"
  [[ "$plain" != 8 ]] || fail "without LD_PRELOAD, malloc_usable_size(malloc(1)) = 8: the check cannot tell"
  echo "warden serves malloc under LD_PRELOAD (usable size of 1 byte: $warden, plainly: $plain)"
}

# Fails unless the text on stdin (a process's memory map) shows libwarden.so.
require_mapped() {
  local what=$1 maps
  maps=$(cat)
  grep -q "/$(basename "$WARDEN_LIB")\$" <<<"$maps" || fail "libwarden.so is not mapped into $what"
  echo "libwarden.so is mapped into $what"
}

compare_runs() {
  local name=$1
  shift
  local plain_dir="$SCRATCH/$name.plain" warden_dir="$SCRATCH/$name.warden"
  mkdir -p "$plain_dir/run" "$warden_dir/run"

  local start=$SECONDS plain_rc=0 warden_rc=0
  (cd "$plain_dir/run" && RUN_DIR="$plain_dir/run" "$@") >"$plain_dir/out" 2>"$plain_dir/err" || plain_rc=$?
  local plain_time=$((SECONDS - start))
  start=$SECONDS
  (cd "$warden_dir/run" && RUN_DIR="$warden_dir/run" LD_PRELOAD="$WARDEN_LIB" "$@") \
    >"$warden_dir/out" 2>"$warden_dir/err" || warden_rc=$?
  local warden_time=$((SECONDS - start))

  echo "$name: plain run exit $plain_rc in ${plain_time}s, $(wc -c <"$plain_dir/out") bytes of output"
  echo "$name: warden run exit $warden_rc in ${warden_time}s, $(wc -c <"$warden_dir/out") bytes of output"
  if grep -q '^warden: ' "$warden_dir/err"; then
    grep '^warden: ' "$warden_dir/err" | head -5 >&2
    fail "$name: Warden reported an error"
  fi
  [[ $plain_rc -eq 0 ]] || { tail -20 "$plain_dir/err" >&2; fail "$name: the plain run itself failed"; }
  [[ $warden_rc -eq $plain_rc ]] || { tail -20 "$warden_dir/err" >&2; fail "$name: exit $warden_rc under Warden, $plain_rc plainly"; }
  [[ -s "$plain_dir/out" ]] || fail "$name: no output to compare"
  if ! cmp -s "$plain_dir/out" "$warden_dir/out"; then
    diff "$plain_dir/out" "$warden_dir/out" | head -20 >&2
    fail "$name: output differs under Warden"
  fi
  echo "$name: identical output ($(sha256sum <"$plain_dir/out" | cut -c1-16))"
}
