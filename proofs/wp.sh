#!/usr/bin/env bash
# Runs Frama-C WP over proofs/warden_proofs.c (the headers the library is
# built from) and fails unless every goal is proved and no smoke test finds
# a contradictory contract. Prints a per-function table.
#
#   proofs/wp.sh [--src DIR] [--out DIR] [--cache DIR] [--timeout S] [--fct F1,F2] [--par N]
#
# --src is the directory holding src/, include/ and proofs/ (default: this
# checkout). The WP cache (--cache, default $WARDEN_WP_CACHE or
# /tmp/warden-wp-cache-UID) keys every prover task by its content, so a rerun
# over unchanged code asks no prover. --par (default $WARDEN_WP_PAR, or 2)
# is the number of prover processes at a time: 1 leaves a core to others.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=""
cache=${WARDEN_WP_CACHE:-/tmp/warden-wp-cache-$(id -u)}
timeout=30
fct=""
par=${WARDEN_WP_PAR:-2}
while (($# > 0)); do
  case $1 in
    --src) root=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --fct) fct=$2; shift 2 ;;
    --par) par=$2; shift 2 ;;
    *) echo "wp.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $out ]] || out=$(mktemp -d)
mkdir -p "$out" "$cache"

# Why3 finds the provers through $HOME/.why3.conf; a Bazel test has no
# usable HOME, so it gets a private one and the detection is redone there.
if [[ ! -f ${HOME:-/nonexistent}/.why3.conf ]]; then
  export HOME=${TEST_TMPDIR:-$out}
  why3 config detect >"$out/why3-detect.log" 2>&1
fi

args=(
  -c11 -machdep x86_64
  -cpp-extra-args="-I$root/src -I$root/include"
  "$root/proofs/warden_proofs.c"
  -wp -wp-rte -wp-prover z3,cvc4 -wp-timeout "$timeout" -wp-par "$par"
  -wp-smoke-tests
  -wp-cache update -wp-cache-dir "$cache"
  -wp-report-json "$out/wp.json"
)
[[ -z $fct ]] || args+=(-wp-fct "$fct")
# -report-classify turns every unproved property into an error: frama-c
# itself exits 0 when goals stay unproved.
args+=(-then -report-classify -report-unclassified-unknown ERROR -report-output "$out/classify.json")

start=$(date +%s)
set +e
frama-c "${args[@]}" >"$out/wp.log" 2>&1
status=$?
set -e
elapsed=$(($(date +%s) - start))

python3 "$here/table.py" "$out/wp.json" "$out/wp.log" "$elapsed" || status=1
if ((status != 0)); then
  echo "wp.sh: FAILED (frama-c exit or unproved goals); log: $out/wp.log" >&2
  grep -E '^\[wp\] \[(Failed|Unknown|Timeout)\]|Smoke-test|^\[kernel\].*(rror|abort)|^\[report\]' "$out/wp.log" | grep -v '\[Passed\] Smoke-test' >&2 || true
  exit 1
fi
