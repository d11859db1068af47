#!/usr/bin/env bash
# Shows that the proofs have teeth: each seeded bug below, applied to a
# temporary copy of the sources, must break the goal it names. A bug counts
# as caught only when that goal (a regular expression matched at the start of WP's goal and
# smoke-test names, without the "typed_" prefix) is proved in an unmodified
# control run with the same options and is not proved, or its smoke test
# fails, with the bug in. Any other failure (a precondition of a callee left
# open by a partial run, a parse error) does not count.
#
#   proofs/teeth.sh [--timeout S] [--only SUBSTRING]
#
# Exits 1 if a control run fails, if a bug's goal does not exist in its
# control run, or if any bug goes unnoticed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
timeout=15
only=""
while (($# > 0)); do
  case $1 in
    --timeout) timeout=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    *) echo "teeth.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name | file | function(s) to prove | smoke pass (0/1) | text | replacement | goal that must break
bugs=(
  "split: remainder starts one word early|src/medium_block.h|mb_split|0|  size_t j = i + mb_words(first);|  size_t j = i + mb_words(first) - 1;|mb_split_(ensures|assert)"
  "merge: merged size one alignment step short|src/medium_block.h|mb_merge|0|  size_t merged = first + second;|  size_t merged = first + second - MB_ALIGN;|mb_merge_(ensures|assert)"
  "set: footer not written|src/medium_block.h|mb_set,mb_split,mb_merge|0|  c[i + mb_words(size) - 1] = t;|  (void)t;|mb_set_ensures"
  "small class: rounds the size down|src/size_class.h|small_class_of|0|return (unsigned)((slot_bytes + 15) / 16);|return (unsigned)(slot_bytes / 16);|small_class_of_ensures_fits"
  "medium search: no rounding up|src/medium_block.h|mb_search_list|0|    size += ((size_t)1 << (k - MB_SL_SHIFT)) - 1;|    size += 0;|mb_search_list_ensures"
  "medium insert: list one step too high|src/medium_block.h|mb_list_of|0|    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT;|    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT + 1;|mb_list_of_(ensures|assert)"
  "slot index: reciprocal shift one bit short|src/small_index.h|small_div_magic|0|  return (size_t)((x * m) >> 32);|  return (size_t)((x * m) >> 31);|small_div_magic_ensures"
  "init: the first block one step short|src/medium_block.h|mb_init|0|  mb_set(c, MB_FIRST, MB_WHOLE, 1) /*@ ghost (g) */;|  mb_set(c, MB_FIRST, MB_WHOLE - MB_ALIGN, 1) /*@ ghost (g) */;|mb_init_(ensures|assert)"
  "set: footer one word past the block|src/medium_block.h|mb_set|0|  c[i + mb_words(size) - 1] = t;|  c[i + mb_words(size)] = t;|mb_set_(ensures|assert_rte_mem_access|assigns)"
  "walk: a stale footer is accepted|src/medium_block.h|mb_block_ok|0|  return c[i + mb_words(size) - 1] == t;|  return 1;|mb_block_ok_ensures"
  "walk: steps past the block's end|src/medium_block.h|mb_walk|0|    size_t j = mb_next(c, i);|    size_t j = mb_next(c, i) + 2;|mb_walk_(ensures|assert|loop_invariant)"
  "list search: skips the start list itself|src/medium_block.h|mb_find_list|0|  uint32_t sl_bits = word >> from.sl;|  uint32_t sl_bits = word >> from.sl >> 1 << 1;|mb_find_list_(ensures|assert)"
  "list search: next levels searched from fl, not fl + 1|src/medium_block.h|mb_find_list|0|  unsigned next = from.fl + 1;|  unsigned next = from.fl;|mb_find_list_(ensures|assert|loop)"
  "list insert: old first block keeps its back link|src/medium_list.h|ml_insert|0|  if (first != ML_NONE) r[first + ML_PREV] = ml_encode(b, key, first + ML_PREV);|  (void)first;|ml_insert_(ensures|assert)"
  "list remove: prev relinked to b, not to next|src/medium_list.h|ml_remove|0|  else r[prev + ML_NEXT] = ml_encode(next, key, prev + ML_NEXT);|  else r[prev + ML_NEXT] = ml_encode(ml_decode(r[prev + ML_NEXT], key, prev + ML_NEXT), key, prev + ML_NEXT);|ml_remove_(ensures|assert)"
  "list remove: next's back link not rewritten|src/medium_list.h|ml_remove|0|    r[next + ML_PREV] = ml_encode(prev, key, next + ML_PREV);|    (void)prev;|ml_remove_(ensures|assert)"
  "link encoding: where left out|src/medium_list.h|ml_encode|0|static inline size_t ml_encode(size_t t, size_t key, size_t w) { return t + key + w; }|static inline size_t ml_encode(size_t t, size_t key, size_t w) { return t + key + w % 2; }|ml_encode_ensures"
  "list remove: first block taken off, head left on it|src/medium_list.h|ml_remove|0|  if (prev == ML_NONE) *head = ml_encode(next, key, hw);|  if (prev == ML_NONE) (void)hw;|ml_remove_(ensures|assert)"
  "state: a quarantined block reads as free|src/medium_block.h|mb_is_free|0|static inline size_t mb_is_free(size_t tag) { return tag % 2; }|static inline size_t mb_is_free(size_t tag) { return tag % MB_ALIGN != 0; }|mb_is_free_ensures"
  "state change: the footer keeps the old state|src/medium_block.h|mb_set_state|0|  mb_set(c, i, mb_size(c[i]), state) /*@ ghost (g) */;|  c[i] = mb_tag(mb_size(c[i]), state);|mb_set_state_(ensures|call)"
  "list take: the bitmap bit stays set when the list empties|src/medium_list.h|ml_take,ml_unmark,ml_lemma_levels|0|  ml_unmark(fl_map, sl_map, count, fl, sl, prev == ML_NONE && next == ML_NONE);|  ml_unmark(fl_map, sl_map, count, fl, sl, false);|ml_take_(ensures|assert)"
  "list put: the list is not marked non-empty|src/medium_list.h|ml_put,ml_mark|0|  ml_mark(fl_map, sl_map, count, fl, sl);|  (void)fl_map;|ml_put_(ensures|assert)"
  "unmark: the first-level bit stays set when its level empties|src/medium_list.h|ml_unmark|0|  if (sl_map[fl] == 0) *fl_map &= ~(1u << fl);|  (void)fl_map;|ml_unmark_ensures"
  "merge step: the free neighbour merged but left on its list|src/medium_step.h|ms_unlist_merge_all|0|  ms_take_all(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, next, prev) /*@ ghost (g, S, N, p, t, S2, N2) */;|  (void)next;|ms_unlist_merge_all_(ensures|call_ms_merge_all)"
  "split step: the remainder split off and not put on its list|src/medium_step.h|ms_split_put_all|0|  ms_put_all(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, b, head_first) /*@ ghost (g, S, N, t, S2, N2) */;|  (void)b;|ms_split_put_all_ensures"
  "take step: the block taken off is not the one its links name|src/medium_step.h|ms_take|0|  ml_take(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, next, prev) /*@ ghost (s, n, p, t) */;|  ml_take(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, next, next) /*@ ghost (s, n, p, t) */;|ms_take_(call_ml_take|ensures|assert)"
  "contract: contradictory precondition (every goal vacuous)|src/medium_block.h|mb_search_list|1|/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT / 2;|/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT / 2 && size > MB_SIZE_LIMIT;|mb_search_list_wp_smoke_default_requires"
)

# Runs wp.sh on a tree; its logs go to $out.
prove() {
  local tree=$1 fct=$2 smoke=$3 out=$4
  local args=(--src "$tree" --out "$out" --timeout "$timeout" --fct "$fct" --cache "$work/cache")
  ((smoke)) || args+=(--no-smoke)
  "$tree/proofs/wp.sh" "${args[@]}" >"$out/run.log" 2>&1
}

# Names (without "typed_") of the goals proved and of the smoke tests passed.
passed_goals() {
  grep -ohE '^\[wp\] \[[^]]+\] Goal typed_[A-Za-z0-9_]+ : Valid|^\[wp\] \[Passed\] Smoke-test typed_[A-Za-z0-9_]+' \
    "$1/wp.log" "$1/smoke.log" 2>/dev/null | sed -E 's/.*typed_([A-Za-z0-9_]+).*/\1/' | sort -u
}

# Names of the goals not proved and of the smoke tests that failed.
broken_goals() {
  {
    grep -ohE '^\[wp\] \[(Failed|Unknown|Timeout)\] Goal typed_[A-Za-z0-9_]+' "$1/wp.log" 2>/dev/null || true
    grep -hE 'Smoke-test typed_[A-Za-z0-9_]+' "$1/smoke.log" 2>/dev/null | grep -v '\[Passed\]' || true
    grep -hE '^\[wp:smoke\]' "$1/smoke.log" 2>/dev/null || true
  } | grep -oE 'typed_[A-Za-z0-9_]+' | sed 's/^typed_//' | sort -u
}

mkdir -p "$work/clean"
cp -r "$root/src" "$root/include" "$root/proofs" "$work/clean/"

declare -A control_ok=()
status=0
printf '%-58s %s\n' "seeded bug" "result"
for entry in "${bugs[@]}"; do
  IFS='|' read -r name file fct smoke text repl goal <<<"$entry"
  [[ -z $only || $name == *"$only"* ]] || continue

  # The control: the same functions, options and smoke setting, no bug.
  key="$fct/$smoke"
  if [[ -z ${control_ok[$key]:-} ]]; then
    cdir="$work/control-${#control_ok[@]}"
    mkdir -p "$cdir"
    if prove "$work/clean" "$fct" "$smoke" "$cdir"; then
      control_ok[$key]=$cdir
    else
      printf '%-58s %s\n' "control --fct $fct" "FAILED: the unmodified code does not prove ($cdir/run.log)"
      sed -n '1,40p' "$cdir/run.log" >&2
      exit 1
    fi
  fi
  cdir=${control_ok[$key]}
  if ! passed_goals "$cdir" | grep -qE "^($goal)"; then
    printf '%-58s %s\n' "$name" "BAD ENTRY: no goal matching '$goal' in the control run"
    status=1
    continue
  fi

  rm -rf "$work/tree" "$work/out"
  mkdir -p "$work/tree" "$work/out"
  cp -r "$root/src" "$root/include" "$root/proofs" "$work/tree/"
  python3 - "$work/tree/$file" "$text" "$repl" <<'PY'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
if s.count(old) != 1:
    sys.exit(f"teeth: the text to seed is not found exactly once in {path}: {old!r}")
open(path, "w").write(s.replace(old, new))
PY
  prove "$work/tree" "$fct" "$smoke" "$work/out" || true
  broken=$(broken_goals "$work/out")
  hit=$(grep -E "^($goal)" <<<"$broken" | paste -sd' ' - || true)
  if [[ -n $hit ]]; then
    printf '%-58s %s\n' "$name" "caught: $hit"
  else
    printf '%-58s %s\n' "$name" "NOT CAUGHT: '$goal' still proved (other failures: $(paste -sd' ' - <<<"$broken"))"
    status=1
  fi
done
exit "$status"
