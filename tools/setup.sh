#!/usr/bin/env bash
# Installs everything Warden needs from Debian's packages and registers the
# provers with why3. Idempotent: when everything is present it only checks.
set -euo pipefail

packages=(
  bazel-bootstrap                      # Bazel 4.2.3, builds offline with third_party/ shims
  clang-14 libclang-rt-14-dev          # compiler, sanitizers, coverage runtime
  libfuzzer-14-dev llvm-14             # libFuzzer engine, llvm-profdata/llvm-cov
  afl++                                # second fuzzing engine
  frama-c-base why3 z3 cvc4            # proofs
  python3 sqlite3 git perl gcc g++ make  # real programs run under Warden in tests
  valgrind gnuplot-nox hyperfine time  # benchmarks (time: /usr/bin/time for peak RSS)
  cmake                                # builds the peer suite (./warden bench --peer)
  libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0   # allocators compared in bench/
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "warden setup: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# why3 keeps its prover list in $HOME/.why3.conf; the proof test redoes this
# in its own sandbox, this is for `./warden prove` run by hand.
if [[ ! -f "${HOME:-/root}/.why3.conf" ]] || ! grep -q 'name = "Z3"' "${HOME:-/root}/.why3.conf"; then
  why3 config detect >/dev/null 2>&1 || true
fi
