#!/usr/bin/env bash
# Runs Frama-C WP over proofs/warden_proofs.c (the headers the library is
# built from) and fails unless every goal is proved and no smoke test finds
# a contradictory contract. Prints a per-function table.
#
#   proofs/wp.sh [--src DIR] [--out DIR] [--cache DIR] [--timeout S] [--fct F1,F2] [--par N]
#                [--no-smoke]
#
# --src is the directory holding src/, include/ and proofs/ (default: this
# checkout). --par (default $WARDEN_WP_PAR, or the number of cores) is the
# number of prover processes at a time in the smoke pass; the goal pass runs
# one more, since frama-c itself works between goals (with --par alone it
# kept 1.3 of 2 cores busy). --par 1 leaves most of a core to others.
#
# Two passes, because the two kinds of goal want opposite things:
#  1. The proof goals, on z3 and cvc4 at once (the first to prove a goal
#     wins) with a timeout of $timeout s. Every goal proves in at most 5 s on
#     an idle core with an empty cache (proofs/README.md, "Margins"), so the
#     timeout leaves 6x for a loaded machine.
#  2. The smoke tests (is a precondition, loop invariant or call
#     contradictory?), with one prover and a 1 s timeout: a smoke test
#     passes by *not* being proved, so most run to the timeout, and with two
#     provers at WP's default 2 s they were three quarters of a cold run. A
#     real contradiction is found at once (the seeded one in
#     proofs/teeth.sh: the whole run takes 3 s).
#
# The WP cache (--cache, default $WARDEN_WP_CACHE or
# /tmp/warden-wp-cache-UID) keys every prover task by its content, so a
# rerun over unchanged code asks no prover. Only proofs are kept in it: a
# timeout or a prover error depends on the load of the machine at the
# time, and WP would replay it as the answer of every later run with the
# same settings. Entries that are not proofs are removed before and after
# each run.
#
# With --fct, the run is judged by the goals of those functions alone:
# -report-classify would also count the preconditions of their callees,
# whose other call sites are not in the run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=""
cache=${WARDEN_WP_CACHE:-/tmp/warden-wp-cache-$(id -u)}
timeout=30
fct=""
par=${WARDEN_WP_PAR:-$(nproc)}
smoke=1
while (($# > 0)); do
  case $1 in
    --src) root=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --fct) fct=$2; shift 2 ;;
    --par) par=$2; shift 2 ;;
    --no-smoke) smoke=0; shift ;;
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

common=(
  -c11 -machdep x86_64
  -cpp-extra-args="-I$root/src -I$root/include"
  "$root/proofs/warden_proofs.c"
  -wp -wp-rte
)
[[ -z $fct ]] || common+=(-wp-fct "$fct")

# Pass 1: the proof goals.
goals=("${common[@]}"
  -wp-prover z3,cvc4 -wp-timeout "$timeout" -wp-par "$((par + 1))"
  -wp-cache update -wp-cache-dir "$cache"
  -wp-report-json "$out/wp.json"
)
if [[ -z $fct ]]; then
  # -report-classify turns every unproved property into an error: frama-c
  # itself exits 0 when goals stay unproved.
  goals+=(-then -report-classify -report-unclassified-unknown ERROR -report-output "$out/classify.json")
fi

# Pass 2: the smoke tests alone (every property category deselected, so no
# proof goal is generated again), on cvc4 rather than z3: under load z3
# sometimes ends with "Unknown error", which a smoke test would count as a
# failure.
smoke_args=("${common[@]}"
  -wp-prover cvc4 -wp-smoke-tests -wp-smoke-timeout 1 -wp-cache none -wp-par "$par"
  -wp-prop=-@assigns,-@ensures,-@requires,-@assert,-@check,-@invariant,-@variant,-@decreases,-@lemma,-@terminates,-@exits,-@breaks,-@continues,-@returns,-@complete_behaviors,-@disjoint_behaviors
)

# Keeps only proofs in the cache (see above).
prune_cache() {
  python3 "$here/wp_cache.py" prune "$cache"
}

start=$(date +%s)
status=0
prune_cache
frama-c "${goals[@]}" >"$out/wp.log" 2>&1 || status=1
prune_cache
: >"$out/smoke.log"
if ((smoke)); then
  frama-c "${smoke_args[@]}" >"$out/smoke.log" 2>&1 || status=1
fi
elapsed=$(($(date +%s) - start))

load=$(python3 -c "print(max(1.0, ($par + 1) / $(nproc)))")
python3 "$here/table.py" "$out/wp.json" "$out/wp.log" "$out/smoke.log" "$elapsed" "$smoke" "$load" || status=1
if ((status != 0)); then
  echo "wp.sh: FAILED (frama-c exit, unproved goals or a failed smoke test); logs: $out/wp.log $out/smoke.log" >&2
  grep -hE '^\[wp\] \[(Failed|Unknown|Timeout)\]|Smoke-test|^\[kernel\].*(rror|abort)|^\[report\]|^\[wp:smoke\]' \
    "$out/wp.log" "$out/smoke.log" | grep -v '\[Passed\] Smoke-test' >&2 || true
  exit 1
fi
