#!/bin/bash -eu
# Builds Warden's fuzz harnesses the way OSS-Fuzz and ClusterFuzzLite build projects, so that
# the project can join a distributed fuzzing service unchanged:
#
#   CC=... CXX=... CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=... OUT=... fuzz/build.sh
#
# From the environment the service sets (all but OUT have defaults for a local try):
#   CC, CXX            compilers (clang, clang++)
#   CFLAGS, CXXFLAGS   sanitizer and coverage flags (-fsanitize=address,fuzzer-no-link ...)
#   LIB_FUZZING_ENGINE the engine to link (-fsanitize=fuzzer, or a driver library such as
#                      AFL++'s libAFLDriver.a, or honggfuzz's)
#   OUT                where the fuzzers and their files go
#   WORK               scratch space for objects (default: a temporary directory)
# For each harness H (alloc_fuzzer, thread_fuzzer) it writes $OUT/H, $OUT/H_seed_corpus.zip
# (fuzz/corpus/H plus fuzz/regressions/H), $OUT/H.dict and $OUT/H.options.
#
# ClusterFuzzLite: .clusterfuzzlite/build.sh can be just `exec "$SRC/warden/fuzz/build.sh"`.
# OSS-Fuzz: projects/warden/build.sh the same; the Dockerfile copies the repository to $SRC.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

: "${CC:=clang}"
: "${CXX:=clang++}"
: "${CFLAGS:=-O1 -g -fno-omit-frame-pointer -fsanitize=address,fuzzer-no-link}"
: "${CXXFLAGS:=$CFLAGS}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:?set OUT to the output directory}"
mkdir -p "$OUT"
work=${WORK:-}
cleanup=""
if [[ -z $work ]]; then
  work=$(mktemp -d)
  cleanup=$work
fi
work=$work/warden-fuzz-build
mkdir -p "$work"

# The same speed-ups as the Bazel fuzz builds (fuzz/BUILD): the heap checker's loops carry no
# sanitizer checks or coverage counters, and no comparison tracing anywhere. Only when the
# flags instrument for libFuzzer or a sanitizer; coverage and plain builds stay untouched.
extra=()
if [[ " $CFLAGS " == *-fsanitize=* ]]; then
  extra+=(-fsanitize-ignorelist=fuzz/checker_ignorelist.txt)
fi
if [[ " $CFLAGS " == *fuzzer-no-link* || " $CFLAGS " == *sanitize-coverage* ]]; then
  extra+=(-fsanitize-coverage-ignorelist=fuzz/checker_ignorelist.txt -fno-sanitize-coverage=trace-cmp)
fi
includes=(-I . -I include -I src)

objs=()
for src in src/*.c; do
  [[ $src == src/override.c ]] && continue # symbol overrides: the harnesses call wd_* only
  obj=$work/$(basename "$src").o
  # shellcheck disable=SC2086
  $CC $CFLAGS "${extra[@]}" "${includes[@]}" -std=gnu11 -pthread -c "$src" -o "$obj"
  objs+=("$obj")
done

for harness in alloc_fuzzer thread_fuzzer; do
  # shellcheck disable=SC2086
  $CC $CFLAGS "${extra[@]}" "${includes[@]}" -std=gnu11 -pthread -c "fuzz/$harness.c" -o "$work/$harness.o"
  # The engine may be C++ (libFuzzer's main), so the C++ driver links.
  # shellcheck disable=SC2086
  $CXX $CXXFLAGS "$work/$harness.o" "${objs[@]}" $LIB_FUZZING_ENGINE -pthread -o "$OUT/$harness"

  rm -f "$OUT/${harness}_seed_corpus.zip"
  dirs=("fuzz/corpus/$harness")
  [[ -d fuzz/regressions/$harness ]] && dirs+=("fuzz/regressions/$harness")
  if command -v zip >/dev/null; then
    zip -q -j "$OUT/${harness}_seed_corpus.zip" $(find "${dirs[@]}" -type f | sort)
  else
    python3 - "$OUT/${harness}_seed_corpus.zip" "${dirs[@]}" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for d in sys.argv[2:]:
        for f in sorted(os.listdir(d)):
            z.write(os.path.join(d, f), f)
EOF
  fi
  cp fuzz/alloc.dict "$OUT/$harness.dict"
  cat >"$OUT/$harness.options" <<EOF
[libfuzzer]
dict = $harness.dict
max_len = 1024
timeout = 60
EOF
done

[[ -n $cleanup ]] && rm -rf "$cleanup"
echo "build.sh: built $(printf '%s ' alloc_fuzzer thread_fuzzer)in $OUT" >&2
