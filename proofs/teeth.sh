#!/usr/bin/env bash
# Shows that the proofs have teeth: each seeded bug below, applied to a
# temporary copy of the sources, must make proofs/wp.sh fail. Prints the
# goals each bug breaks; exits 1 if any bug goes unnoticed.
#
#   proofs/teeth.sh [--timeout S]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
timeout=20
[[ ${1:-} == --timeout ]] && timeout=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name | file | function(s) to prove | text | replacement
bugs=(
  "split: remainder starts one word early|src/medium_block.h|mb_split|  size_t j = i + mb_words(first);|  size_t j = i + mb_words(first) - 1;"
  "merge: merged size one alignment step short|src/medium_block.h|mb_merge|  size_t merged = first + second;|  size_t merged = first + second - MB_ALIGN;"
  "set: footer not written|src/medium_block.h|mb_set,mb_split,mb_merge|  c[i + mb_words(size) - 1] = t;|  (void)t;"
  "small class: rounds the size down|src/size_class.h|small_class_of|return (unsigned)((slot_bytes + 15) / 16);|return (unsigned)(slot_bytes / 16);"
  "medium search: no rounding up|src/medium_block.h|mb_search_list|    size += ((size_t)1 << (k - MB_SL_SHIFT)) - 1;|    size += 0;"
  "medium insert: list one step too high|src/medium_block.h|mb_list_of|    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT;|    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT + 1;"
  "slot index: reciprocal shift one bit short|src/small_index.h|small_div_magic|  return (size_t)((x * m) >> 32);|  return (size_t)((x * m) >> 31);"
  "init: the first block one step short|src/medium_block.h|mb_init|  mb_set(c, MB_FIRST, MB_WHOLE, 1) /*@ ghost (g) */;|  mb_set(c, MB_FIRST, MB_WHOLE - MB_ALIGN, 1) /*@ ghost (g) */;"
  "set: footer one word past the block|src/medium_block.h|mb_set|  c[i + mb_words(size) - 1] = t;|  c[i + mb_words(size)] = t;"
  "walk: a stale footer is accepted|src/medium_block.h|mb_block_ok|  return c[i + mb_words(size) - 1] == t;|  return 1;"
  "walk: steps past the block's end|src/medium_block.h|mb_walk|    size_t j = mb_next(c, i);|    size_t j = mb_next(c, i) + 2;"
  "list search: skips the start list itself|src/medium_block.h|mb_find_list|  uint32_t sl_bits = word >> from.sl;|  uint32_t sl_bits = word >> from.sl >> 1 << 1;"
  "list search: next levels searched from fl, not fl + 1|src/medium_block.h|mb_find_list|  unsigned next = from.fl + 1;|  unsigned next = from.fl;"
  "list insert: old first block keeps its back link|src/medium_list.h|ml_insert|  if (first != ML_NONE) r[first + ML_PREV] = ml_encode(b, key, first + ML_PREV);|  (void)first;"
  "list remove: prev relinked to b, not to next|src/medium_list.h|ml_remove|  else r[prev + ML_NEXT] = ml_encode(next, key, prev + ML_NEXT);|  else r[prev + ML_NEXT] = ml_encode(ml_decode(r[prev + ML_NEXT], key, prev + ML_NEXT), key, prev + ML_NEXT);"
  "list remove: next's back link not rewritten|src/medium_list.h|ml_remove|  if (next != ML_NONE) r[next + ML_PREV] = ml_encode(prev, key, next + ML_PREV);|  (void)next;"
  "link encoding: where left out|src/medium_list.h|ml_encode|static inline size_t ml_encode(size_t t, size_t key, size_t w) { return t + key + w; }|static inline size_t ml_encode(size_t t, size_t key, size_t w) { return t + key + w % 2; }"
  "list remove: first block taken off, head left on it|src/medium_list.h|ml_remove|  if (prev == ML_NONE) *head = ml_encode(next, key, hw);|  if (prev == ML_NONE) (void)hw;"
)

missed=0
printf '%-48s %s\n' "seeded bug" "result"
for entry in "${bugs[@]}"; do
  IFS='|' read -r name file fct text repl <<<"$entry"
  rm -rf "$work/tree"
  mkdir -p "$work/tree"
  cp -r "$root/src" "$root/include" "$root/proofs" "$work/tree/"
  python3 - "$work/tree/$file" "$text" "$repl" <<'PY'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"teeth: the text to seed is not found exactly once in {path}: {old!r}")
open(path, "w").write(s.replace(old, new))
PY
  if "$work/tree/proofs/wp.sh" --src "$work/tree" --out "$work/out" --timeout "$timeout" --fct "$fct" \
      >"$work/run.log" 2>&1; then
    printf '%-48s %s\n' "$name" "NOT CAUGHT: every goal still proved"
    missed=1
  else
    failed=$(grep -oE '^\[wp\] \[(Failed|Unknown|Timeout)\] Goal typed_[A-Za-z0-9_]+' "$work/run.log" |
      sed 's/.*Goal typed_//' | sort -u | paste -sd' ' -)
    printf '%-48s %s\n' "$name" "caught: ${failed:-frama-c rejected the code}"
  fi
done
exit "$missed"
