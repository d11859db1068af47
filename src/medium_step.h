/*
 * The medium tier's composed steps: a change of the blocks of a chunk
 * (medium_block.h) together with the list step it needs (medium_list.h),
 * written for the prover (proofs/README.md) and called by medium.c. Each
 * keeps, at once, the chunk tiled and the list it touches consistent with
 * the tiling: a block of this chunk that is on the list is a free block
 * whose size maps to that list. So a neighbour merged away but left on
 * its list, or a remainder split off and not put on its list, breaks a
 * proof rather than the heap.
 *
 * Indices: the chunk is the range r seen from word cb on (r + cb), so
 * block i of the chunk is block cb + i of the lists.
 *
 * The _all steps state the same for every list of the arena at once, over
 * a ghost model of all of them (ms_lists): the other lists keep their
 * links and blocks, no block is on two lists, and every list's blocks in
 * the chunk are free blocks of its sizes. medium.c changes the lists and
 * the tiling through these alone: ms_take_all, ms_put_all,
 * ms_split_put_all (ms_split_all, then ms_put_all) and ms_unlist_merge_all
 * (ms_take_all, then ms_merge_all).
 */
#ifndef WD_MEDIUM_STEP_H
#define WD_MEDIUM_STEP_H

#include <stddef.h>
#include <stdint.h>

#include "medium_block.h"
#include "medium_list.h"

/*@
  // The chunk of blocks at cb within the range r: its words and its link
  // words' indices are those the lists use.
  // The range's first chunk is never used (medium.c): a list call may
  // write, for all its contract says, the link words of ML_NONE, which
  // lie in it.
  predicate ms_chunk{L}(size_t *r, integer cb, mb_owner_t *g) =
    MB_CHUNK_WORDS <= cb && cb % 2 == 0 && cb + MB_CHUNK_WORDS <= ML_LIMIT &&
    chunk(r + cb) && owners(g) && apart(r + cb, g);

  // The blocks of list s that lie in this chunk are free blocks of its
  // tiling; the others lie wholly outside it, their link words too.
  predicate ms_listed{L}(size_t *r, integer cb, mb_owner_t *g, int64_t *s, integer n) =
    \forall integer k; 0 <= k < n ==>
      s[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= s[k] ||
      (header(g, s[k] - cb) && r[s[k]] % MB_ALIGN == 1);

  // The blocks of list s that lie in this chunk have a size in [lo, hi),
  // the sizes the list holds.
  predicate ms_sized{L}(size_t *r, integer cb, int64_t *s, integer n, integer lo, integer hi) =
    \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==> lo <= tag_size(r[s[k]]) < hi;
*/

/*@ ghost
  // The link words of the blocks of a list lie inside those blocks, so a
  // step that writes links writes no tag of the chunk, and one that writes
  // tags writes no link of the list.
  /@ requires owners(g) && shape(g, MB_END) && ms_listed(r, cb, g, s, n);
     assigns \nothing;
     ensures tags: \forall integer k, h; 0 <= k < n && header(g, h) ==>
       cb + h != s[k] + ML_NEXT && cb + h != s[k] + ML_PREV &&
       cb + nd(g, h) - 1 != s[k] + ML_NEXT && cb + nd(g, h) - 1 != s[k] + ML_PREV;
     ensures inside: \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
       header(g, s[k] - cb) && s[k] - cb + MB_MIN / MB_WORD <= nd(g, s[k] - cb) &&
       hd(g, s[k] - cb + ML_NEXT) == s[k] - cb && hd(g, s[k] - cb + ML_PREV) == s[k] - cb;
     ensures ends: \forall integer k; 0 <= k < n ==>
       s[k] + ML_NEXT != cb + MB_FIRST - 1 && s[k] + ML_PREV != cb + MB_FIRST - 1 &&
       s[k] + ML_NEXT != cb + MB_END && s[k] + ML_PREV != cb + MB_END; @/
  static void ms_lemma_links(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost *s, size_t n) {
    /@ assert \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         s[k] - cb + MB_MIN / MB_WORD <= nd(g, s[k] - cb) <= MB_END; @/
    /@ assert \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         hd(g, s[k] - cb + ML_NEXT) == s[k] - cb && hd(g, s[k] - cb + ML_PREV) == s[k] - cb; @/
  }
*/

/*@ ghost
  // Tag sizes are multiples of 16, and so is the sum of two.
  /@ assigns \nothing;
     ensures tag_size(a) % MB_ALIGN == 0 && tag_size(b) % MB_ALIGN == 0;
     ensures (tag_size(a) + tag_size(b)) % MB_ALIGN == 0; @/
  static void ms_lemma_sizes(size_t a, size_t b) {}
*/

/*@ ghost
  // The end tags of a tiled chunk, as words of the range.
  /@ requires tiled(r + cb, g);
     assigns \nothing;
     ensures r[cb + MB_FIRST - 1] == 0 && r[cb + MB_END] == 0; @/
  static void ms_lemma_ends(size_t *r, size_t cb, mb_owner_t \ghost *g) {
    /@ assert *(r + cb + (MB_FIRST - 1)) == 0 && *(r + cb + MB_END) == 0; @/
  }
*/

/*@ ghost
  // The converse: a chunk whose shape and tags hold is tiled once its end
  // tags, read as words of the range, are zero.
  /@ requires shape(g, MB_END) && tags(r + cb, g, MB_END);
     requires r[cb + MB_FIRST - 1] == 0 && r[cb + MB_END] == 0;
     assigns \nothing;
     ensures tiled(r + cb, g); @/
  static void ms_lemma_tiled(size_t *r, size_t cb, mb_owner_t \ghost *g) {
    /@ assert *(r + cb + (MB_FIRST - 1)) == 0 && *(r + cb + MB_END) == 0; @/
  }
*/

/*@ ghost
  // mb_shape_split_tags, splitting block i at j, and what it leaves of a
  // list whose blocks in this chunk lie apart from i: headers still. Its
  // own function so that j is a plain index here; in ms_split it is i plus
  // a quotient, over which the provers do not find the frame.
  /@ requires owners(g) && shape(g, MB_END) && header(g, i);
     requires i + MB_MIN / MB_WORD <= j && j + MB_MIN / MB_WORD <= nd(g, i) && (j - i) % 2 == 0;
     requires tags_apart(r + cb, g, i, nd(g, i));
     requires \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
       header(g, s[k] - cb) && !(i <= s[k] - cb < nd(g, i));
     assigns g[j .. nd(g, i) - 1].head, g[i].end, g[j].end;
     ensures shape(g, MB_END) && header(g, i) && header(g, j);
     ensures nd(g, i) == j && nd(g, j) == \old(nd(g, i));
     ensures tags_apart(r + cb, g, i, nd(g, j));
     ensures others: \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j ==>
       nd(g, k) <= i || nd(g, j) <= k;
     ensures listed: \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==> header(g, s[k] - cb);
     ensures own: \forall integer x; MB_FIRST <= x < MB_END && !(i <= x < \old(nd(g, i))) ==> hd(g, x) == \old(hd(g, x)); @/
  static void ms_shape_split(size_t *r, size_t cb, mb_owner_t \ghost *g, size_t i, size_t j, int64_t \ghost *s,
                             size_t n) {
    mb_shape_split_tags(r + cb, g, i, j);
    /@ assert \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         hd(g, s[k] - cb) == \at(hd(g, s[k] - cb), Pre); @/
  }
*/

/*@ ghost
  // A list with free block b of the right size put in front keeps its
  // blocks in this chunk free blocks of its sizes.
  /@ requires ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
     requires cb <= b && header(g, b - cb) && r[b] % MB_ALIGN == 1;
     requires list_min(fl, sl) <= tag_size(r[b]) < list_end(fl, sl);
     requires ml_with(s, n, b, t);
     assigns \nothing;
     ensures ms_listed(r, cb, g, t, n + 1) && ms_sized(r, cb, t, n + 1, list_min(fl, sl), list_end(fl, sl)); @/
  static void ms_lemma_with(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost *s, size_t n, int64_t b,
                            int64_t \ghost *t, unsigned fl, unsigned sl) {
    //@ assert \forall integer k; 1 <= k < n + 1 ==> t[k] == s[k - 1];
    /@ assert \forall integer k; 1 <= k < n + 1 ==> t[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= t[k] ||
         (header(g, t[k] - cb) && r[t[k]] % MB_ALIGN == 1); @/
    /@ assert \forall integer k; 1 <= k < n + 1 && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
         list_min(fl, sl) <= tag_size(r[t[k]]) < list_end(fl, sl); @/
  }
*/

/*@ ghost
  // The blocks of a list, on this chunk or not, lie apart from a block i
  // of the chunk that is not on the list: its words hold none of their
  // tags and links.
  /@ requires owners(g) && shape(g, MB_END) && header(g, i) && ms_listed(r, cb, g, s, n);
     requires \forall integer k; 0 <= k < n ==> s[k] != cb + i;
     assigns \nothing;
     ensures words: \forall integer k; 0 <= k < n ==>
       !(cb + i <= s[k] < cb + nd(g, i)) && !(cb + i <= s[k] + ML_NEXT < cb + nd(g, i)) &&
       !(cb + i <= s[k] + ML_PREV < cb + nd(g, i));
     ensures blocks: \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
       header(g, s[k] - cb) && (nd(g, s[k] - cb) <= i || nd(g, i) <= s[k] - cb); @/
  static void ms_lemma_apart(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost *s, size_t n, size_t i) {
    mb_lemma_block(g, i);
    ms_lemma_links(r, cb, g, s, n);
    /@ assert \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         header(g, s[k] - cb) && s[k] - cb != i; @/
    /@ assert \forall integer k; 0 <= k < n && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         !(i <= s[k] - cb < nd(g, i)); @/
  }
*/

/*@ ghost
  // A list with block s[p] taken off holds neither it nor a block b that
  // was not on it.
  /@ requires ml_distinct(s, n) && p < n && ml_without(s, n, p, t);
     requires \forall integer k; 0 <= k < n ==> s[k] != b;
     assigns \nothing;
     ensures \forall integer k; 0 <= k < n - 1 ==> t[k] != s[p] && t[k] != b; @/
  static void ms_lemma_gone(int64_t \ghost *s, size_t n, size_t p, int64_t \ghost *t, int64_t b) {}
*/

/*@ ghost
  // The blocks left on a list after one is taken off are blocks it held.
  /@ requires ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
     requires p < n && ml_without(s, n, p, t);
     assigns \nothing;
     ensures ms_listed(r, cb, g, t, n - 1) && ms_sized(r, cb, t, n - 1, list_min(fl, sl), list_end(fl, sl)); @/
  static void ms_lemma_sub(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost *s, size_t n, size_t p,
                           int64_t \ghost *t, unsigned fl, unsigned sl) {
    /@ assert \forall integer k; 0 <= k < p ==> s[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= s[k] ||
         (header(g, s[k] - cb) && r[s[k]] % MB_ALIGN == 1); @/
    /@ assert \forall integer k; p <= k < n - 1 ==> s[k + 1] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= s[k + 1] ||
         (header(g, s[k + 1] - cb) && r[s[k + 1]] % MB_ALIGN == 1); @/
    /@ assert \forall integer k; 0 <= k < p && cb <= s[k] < cb + MB_CHUNK_WORDS ==>
         list_min(fl, sl) <= tag_size(r[s[k]]) < list_end(fl, sl); @/
    /@ assert \forall integer k; p <= k < n - 1 && cb <= s[k + 1] < cb + MB_CHUNK_WORDS ==>
         list_min(fl, sl) <= tag_size(r[s[k + 1]]) < list_end(fl, sl); @/
    //@ assert \forall integer k; 0 <= k < p ==> t[k] == s[k];
    //@ assert \forall integer k; p <= k < n - 1 ==> t[k] == s[k + 1];
    /@ assert \forall integer k; 0 <= k < n - 1 ==> t[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= t[k] ||
         (header(g, t[k] - cb) && r[t[k]] % MB_ALIGN == 1); @/
    /@ assert \forall integer k; 0 <= k < n - 1 && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
         list_min(fl, sl) <= tag_size(r[t[k]]) < list_end(fl, sl); @/
  }
*/

/* Takes block s[p] off list (fl, sl), as ml_take: the chunk stays tiled
 * and the list's blocks in it stay free blocks of the sizes it holds.
 * next and prev are the block's links decoded and checked. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), s, n) && p < n;
    requires listed: ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
    requires ml_without(s, n, p, t);
    requires next == ml_dec(r[s[p] + ML_NEXT], key, s[p] + ML_NEXT);
    requires prev == ml_dec(r[s[p] + ML_PREV], key, s[p] + ML_PREV);
    assigns heads[fl * MB_SL_COUNT + sl], r[prev + ML_NEXT], r[next + ML_PREV], *fl_map, sl_map[fl];
    ensures tiled: tiled(r + cb, g);
    ensures tags: \forall integer h; header(g, h) ==>
      r[cb + h] == \old(r[cb + h]) && r[cb + nd(g, h) - 1] == \old(r[cb + nd(g, h) - 1]);
    ensures linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), t, n - 1);
    ensures listed: ms_listed(r, cb, g, t, n - 1) && ms_sized(r, cb, t, n - 1, list_min(fl, sl), list_end(fl, sl));
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != prev ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != next ==> r[x + ML_PREV] == \old(r[x + ML_PREV]);
*/
static inline void ms_take(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                           unsigned count, unsigned fl, unsigned sl, size_t cb, size_t next, size_t prev)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost *s, size_t n, size_t p, int64_t \ghost *t) */ {
  (void)cb; /* for the contract: the chunk whose tiling the take keeps */
  // The take writes links of the list's blocks only: no tag of the chunk.
  //@ ghost ms_lemma_sub(r, cb, g, s, n, p, t, fl, sl);
  //@ assert next == (p + 1 < n ? s[p + 1] : ML_NONE) && prev == (0 < p ? s[p - 1] : ML_NONE);
  //@ ghost ms_lemma_links(r, cb, g, s, n);
  /*@ assert \forall integer h; header(g, h) ==>
        cb + h != prev + ML_NEXT && cb + nd(g, h) - 1 != prev + ML_NEXT; */
  /*@ assert \forall integer h; header(g, h) ==>
        cb + h != next + ML_PREV && cb + nd(g, h) - 1 != next + ML_PREV; */
  //@ assert prev + ML_NEXT != cb + MB_FIRST - 1 && prev + ML_NEXT != cb + MB_END;
  //@ assert next + ML_PREV != cb + MB_FIRST - 1 && next + ML_PREV != cb + MB_END;
  //@ assert \forall integer h; header(g, h) ==> \separated(r + (cb + h), heads + (fl * MB_SL_COUNT + sl));
  //@ assert \forall integer h; header(g, h) ==> \separated(r + (cb + nd(g, h) - 1), heads + (fl * MB_SL_COUNT + sl));
  //@ assert \forall integer h; header(g, h) ==> tags_at(r + cb, h, nd(g, h));
  ml_take(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, next, prev) /*@ ghost (s, n, p, t) */;
  //@ assert \forall integer h; header(g, h) ==> \at(tags_at(r + cb, h, nd(g, h)), Pre);
  //@ assert \forall integer h; header(g, h) ==> r[cb + h] == \at(r[cb + h], Pre);
  //@ assert \forall integer h; header(g, h) ==> r[cb + nd(g, h) - 1] == \at(r[cb + nd(g, h) - 1], Pre);
  //@ assert r[cb + MB_FIRST - 1] == \at(r[cb + MB_FIRST - 1], Pre) && r[cb + MB_END] == \at(r[cb + MB_END], Pre);
  //@ assert \forall integer h; header(g, h) ==> tags_at(r + cb, h, nd(g, h));
  /*@ assert \forall integer k; 0 <= k < n - 1 && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        r[t[k]] == \at(r[t[k]], Pre); */
}

/* Puts free block b of this chunk, of a size list (fl, sl) holds, at the
 * front of that list, as ml_put: the chunk stays tiled and the list's
 * blocks in it stay free blocks of its sizes. first is the head decoded
 * and checked. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires header(g, b) && r[cb + b] % MB_ALIGN == 1;
    requires sized: list_min(fl, sl) <= tag_size(r[cb + b]) < list_end(fl, sl);
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), s, n);
    requires n < ML_LIMIT;
    requires listed: ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
    requires \forall integer k; 0 <= k < n ==> s[k] != cb + b;
    requires ml_with(s, n, cb + b, t);
    requires first == ml_first(heads, key, hw0, fl, sl);
    assigns r[cb + b + ML_NEXT], r[cb + b + ML_PREV], r[first + ML_PREV], heads[fl * MB_SL_COUNT + sl], *fl_map,
            sl_map[fl];
    ensures tiled: tiled(r + cb, g);
    ensures tags: \forall integer h; header(g, h) ==>
      r[cb + h] == \old(r[cb + h]) && r[cb + nd(g, h) - 1] == \old(r[cb + nd(g, h) - 1]);
    ensures linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), t, n + 1);
    ensures listed: ms_listed(r, cb, g, t, n + 1) && ms_sized(r, cb, t, n + 1, list_min(fl, sl), list_end(fl, sl));
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != cb + b ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != cb + b && x != first ==>
      r[x + ML_PREV] == \old(r[x + ML_PREV]); */
static inline void ms_put(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                          unsigned count, unsigned fl, unsigned sl, size_t cb, size_t b, size_t first)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost *s, size_t n, int64_t \ghost *t) */ {
  //@ ghost mb_lemma_block(g, b);
  //@ assert ml_node(r, cb + b);
  // b's links and the old first block's back link lie inside free blocks:
  // no tag of the chunk.
  //@ ghost int64_t bb = (int64_t)(cb + b);
  //@ assert bb == cb + b;
  //@ ghost ms_lemma_with(r, cb, g, s, n, bb, t, fl, sl);
  //@ ghost ms_lemma_links(r, cb, g, t, n + 1);
  //@ assert first == (n == 0 ? ML_NONE : s[0]) && (n > 0 ==> first == t[1]);
  //@ assert t[0] == cb + b;
  /*@ assert \forall integer h; header(g, h) ==>
        cb + h != cb + b + ML_NEXT && cb + nd(g, h) - 1 != cb + b + ML_NEXT &&
        cb + h != cb + b + ML_PREV && cb + nd(g, h) - 1 != cb + b + ML_PREV; */
  /*@ assert \forall integer h; header(g, h) ==>
        cb + h != first + ML_PREV && cb + nd(g, h) - 1 != first + ML_PREV; */
  //@ assert first + ML_PREV != cb + MB_FIRST - 1 && first + ML_PREV != cb + MB_END;
  //@ assert cb + b + ML_PREV < cb + MB_END && cb + MB_FIRST - 1 < cb + b + ML_NEXT;
  //@ assert \forall integer h; header(g, h) ==> \separated(r + (cb + h), heads + (fl * MB_SL_COUNT + sl));
  //@ assert \forall integer h; header(g, h) ==> \separated(r + (cb + nd(g, h) - 1), heads + (fl * MB_SL_COUNT + sl));
  //@ assert \forall integer h; header(g, h) ==> tags_at(r + cb, h, nd(g, h));
  ml_put(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb + b, first) /*@ ghost (s, n, t) */;
  //@ assert \forall integer h; header(g, h) ==> r[cb + h] == \at(r[cb + h], Pre);
  //@ assert \forall integer h; header(g, h) ==> r[cb + nd(g, h) - 1] == \at(r[cb + nd(g, h) - 1], Pre);
  //@ assert r[cb + MB_FIRST - 1] == \at(r[cb + MB_FIRST - 1], Pre) && r[cb + MB_END] == \at(r[cb + MB_END], Pre);
  //@ assert \forall integer h; header(g, h) ==> \at(tags_at(r + cb, h, nd(g, h)), Pre);
  //@ assert \forall integer h; header(g, h) ==> tags_at(r + cb, h, nd(g, h));
  /*@ assert \forall integer k; 0 <= k < n + 1 && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        r[t[k]] == \at(r[t[k]], Pre); */
}

/* mb_split on the chunk at cb, with its frame stated again on the words of
 * the range: a fact about a word r[x] outside the block split then carries
 * across the split, where the frame on the chunk's words (r[cb + k]) is
 * never matched against r[x] by the provers. */
/*@ requires ms_chunk(r, cb, g) && block(r + cb, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN && first_free <= 1;
    requires tag_size(r[cb + i]) >= first + MB_MIN;
    assigns r[cb + i], r[cb + i + first / MB_WORD - 1], r[cb + i + first / MB_WORD],
            r[cb + i + tag_words(r[cb + i]) - 1];
    ensures \result == i + first / MB_WORD;
    ensures r[cb + i] == first + first_free && r[cb + \result] == \old(tag_size(r[cb + i])) - first + 1;
    ensures \result == i + tag_words(r[cb + i]);
    ensures \result + tag_words(r[cb + \result]) == \old(i + tag_words(r[cb + i]));
    ensures order: i + MB_MIN / MB_WORD <= \result && \result + MB_MIN / MB_WORD <= \old(i + tag_words(r[cb + i]));
    ensures block(r + cb, i) && block(r + cb, \result);
    ensures keep: tags_apart{Pre}(r + cb, g, i, \at(i + tag_words(r[cb + i]), Pre)) ==>
      tags_apart(r + cb, g, i, \at(i + tag_words(r[cb + i]), Pre));
    ensures outside: \forall integer x; x < cb + i || \old(cb + i + tag_words(r[cb + i])) <= x ==>
      r[x] == \old(r[x]); */
static inline size_t ms_split_words(size_t *r, size_t cb, size_t i, size_t first, size_t first_free)
    /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t *c = r + cb;
  //@ assert 1 <= first / MB_WORD < tag_words(r[cb + i]);
  size_t j = mb_split(c, i, first, first_free) /*@ ghost (g) */;
  //@ assert i < j < \at(i + tag_words(r[cb + i]), Pre);
  //@ assert r[cb + i - 1] == \at(r[cb + i - 1], Pre);
  //@ assert \forall integer x; x < cb + i ==> r[x] == \at(r[x], Pre);
  //@ assert \forall integer x; \at(cb + i + tag_words(r[cb + i]), Pre) <= x ==> r[x] == \at(r[x], Pre);
  return j;
}

/* Splits block i, on no list, into a first block of `first` bytes with
 * state first_free and a free remainder, returned, which is on no list
 * yet; the list s (list (fl, sl)) stays as it was: its links untouched, its
 * blocks in this chunk still free blocks of the tiling. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g) && header(g, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN && first_free <= 1;
    requires tag_size(r[cb + i]) >= first + MB_MIN;
    requires linked(r, key, head, hw, s, n);
    requires listed: ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
    requires \forall integer k; 0 <= k < n ==> s[k] != cb + i;
    assigns r[cb + i], r[cb + i + first / MB_WORD - 1], r[cb + i + first / MB_WORD],
            r[cb + i + tag_words(r[cb + i]) - 1],
            g[i + first / MB_WORD .. i + tag_words(r[cb + i]) - 1].head, g[i].end, g[i + first / MB_WORD].end;
    ensures tiled(r + cb, g) && header(g, i) && header(g, \result) && nd(g, i) == \result;
    ensures \result == i + first / MB_WORD && nd(g, \result) == \old(i + tag_words(r[cb + i]));
    ensures r[cb + i] == first + first_free && r[cb + \result] % MB_ALIGN == 1;
    ensures tag_size(r[cb + \result]) == \old(tag_size(r[cb + i])) - first;
    ensures linked(r, key, head, hw, s, n);
    ensures listed: ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
    ensures \forall integer k; 0 <= k < n ==> s[k] != cb + i && s[k] != cb + \result;
    ensures outside: \forall integer x; x < cb + i || \old(cb + i + tag_words(r[cb + i])) <= x ==> r[x] == \old(r[x]);
    ensures own: \forall integer x; MB_FIRST <= x < MB_END && !(i <= x < \old(nd(g, i))) ==> hd(g, x) == \old(hd(g, x)); */
static inline size_t ms_split(size_t *r, size_t cb, size_t i, size_t first, size_t first_free)
    /*@ ghost (mb_owner_t \ghost *g, size_t key, size_t *head, size_t hw, int64_t \ghost *s, size_t n,
               unsigned fl, unsigned sl) */ {
  //@ ghost mb_lemma_neighbours(r + cb, g, i);
  //@ ghost mb_lemma_block(g, i);
  //@ ghost ms_lemma_apart(r, cb, g, s, n, i);
  //@ assert \separated(head, r + (cb + i .. cb + nd(g, i) - 1));
  //@ assert tag_size(r[cb + i]) % MB_ALIGN == 0 && (tag_size(r[cb + i]) - first) % MB_ALIGN == 0;
  //@ assert i < i + first / MB_WORD && i + first / MB_WORD + MB_MIN / MB_WORD <= nd(g, i);
  //@ ghost ms_lemma_ends(r, cb, g);
  //@ ghost mb_lemma_tags_apart(r + cb, g, i, g[i].end);
  size_t j = ms_split_words(r, cb, i, first, first_free) /*@ ghost (g) */;
  //@ assert i + MB_MIN / MB_WORD <= j && j + MB_MIN / MB_WORD <= \at(nd(g, i), Pre);
  //@ assert j == i + first / MB_WORD && i + tag_words(r[cb + i]) == j;
  //@ assert j + tag_words(r[cb + j]) == \at(i + tag_words(r[cb + i]), Pre);
  //@ assert cb + i < cb + j - 1 && cb + j + tag_words(r[cb + j]) - 1 < cb + \at(nd(g, i), Pre);
  //@ assert r[cb + j] % MB_ALIGN == 1;
  //@ assert r[cb + MB_FIRST - 1] == \at(r[cb + MB_FIRST - 1], Pre) && r[cb + MB_END] == \at(r[cb + MB_END], Pre);
  //@ assert *head == \at(*head, Pre);
  /*@ assert \forall integer k; 0 <= k < n ==>
        r[s[k] + ML_NEXT] == \at(r[s[k] + ML_NEXT], Pre) && r[s[k] + ML_PREV] == \at(r[s[k] + ML_PREV], Pre); */
  //@ assert ml_nexts(r, key, s, n) && ml_prevs(r, key, s, n) && ml_head(head, key, hw, s, n);
  //@ assert \forall integer k; 0 <= k < n ==> r[s[k]] == \at(r[s[k]], Pre);
  //@ ghost ms_shape_split(r, cb, g, i, j, s, n);
  //@ ghost mb_lemma_tags_header(r + cb, g, i);
  //@ ghost mb_lemma_tags_header(r + cb, g, j);
  //@ ghost mb_lemma_tags_assemble(r + cb, g, i, j, g[j].end);
  //@ assert tags(r + cb, g, MB_END);
  //@ assert shape(g, MB_END);
  //@ assert r[cb + MB_FIRST - 1] == 0 && r[cb + MB_END] == 0;
  //@ assert header(g, i) && header(g, j) && nd(g, i) == j;
  //@ ghost ms_lemma_tiled(r, cb, g);
  return j;
}

/* Merges blocks i and j = the block after i into one block of state
 * is_free at i, neither of them on the list t (list (fl, sl)),
 * which the merge leaves as it was: its links untouched, its blocks in
 * this chunk still free blocks of the tiling. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires header(g, i) && j == nd(g, i) && j < MB_END && header(g, j) && is_free <= 1;
    requires linked(r, key, head, hw, t, m);
    requires listed: ms_listed(r, cb, g, t, m) && ms_sized(r, cb, t, m, list_min(fl, sl), list_end(fl, sl));
    requires gone: \forall integer k; 0 <= k < m ==> t[k] != cb + i && t[k] != cb + j;
    assigns r[cb + i], r[cb + j + tag_words(r[cb + j]) - 1], g[j .. j + tag_words(r[cb + j]) - 1].head, g[i].end;
    ensures tiled(r + cb, g) && header(g, i) && !header(g, j) && r[cb + i] % MB_ALIGN == is_free;
    ensures nd(g, i) == \old(j + tag_words(r[cb + j])) && \result == tag_size(r[cb + i]);
    ensures own: \forall integer x; MB_FIRST <= x < MB_END && !(j <= x < \old(nd(g, j))) ==> hd(g, x) == \old(hd(g, x));
    ensures linked(r, key, head, hw, t, m);
    ensures listed: ms_listed(r, cb, g, t, m) && ms_sized(r, cb, t, m, list_min(fl, sl), list_end(fl, sl)); */
static inline size_t ms_merge(size_t *r, size_t cb, size_t i, size_t j, size_t is_free)
    /*@ ghost (mb_owner_t \ghost *g, size_t key, size_t *head, size_t hw, int64_t \ghost *t, size_t m,
               unsigned fl, unsigned sl) */ {
  size_t *c = r + cb;
  //@ ghost int32_t e = g[j].end;
  //@ ghost mb_lemma_tags_apart(c, g, i, e);
  //@ ghost mb_lemma_neighbours(c, g, i);
  //@ ghost mb_lemma_neighbours(c, g, j);
  //@ ghost mb_lemma_block(g, j);
  // The merge writes two tags: no link of the list, not its head.
  //@ ghost ms_lemma_links(r, cb, g, t, m);
  //@ assert \forall integer k; 0 <= k < m ==> cb + i != t[k] + ML_NEXT && cb + i != t[k] + ML_PREV;
  //@ assert \forall integer k; 0 <= k < m ==> cb + nd(g, j) - 1 != t[k] + ML_NEXT && cb + nd(g, j) - 1 != t[k] + ML_PREV;
  //@ assert \separated(head, r + (cb + i), r + (cb + nd(g, j) - 1));
  // The list's blocks in this chunk are blocks other than i and j: the
  // merge changes neither their tags nor their place in the tiling.
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        header(g, t[k] - cb) && t[k] - cb != i && t[k] - cb != j; */
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        !(j <= t[k] - cb < nd(g, j)) && t[k] - cb != i; */
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        t[k] - cb != i && t[k] - cb != nd(g, j) - 1 && (t[k] - cb < j || nd(g, j) <= t[k] - cb); */
  //@ ghost ms_lemma_sizes(c[i], c[j]);
  //@ ghost ms_lemma_ends(r, cb, g);
  //@ assert MB_FIRST - 1 < i && nd(g, j) - 1 < MB_END;
  size_t merged = mb_merge(c, i, j, is_free) /*@ ghost (g) */;
  //@ assert merged % MB_ALIGN == 0;
  //@ assert r[cb + i] % MB_ALIGN == is_free;
  //@ assert r[cb + MB_FIRST - 1] == \at(r[cb + MB_FIRST - 1], Pre) && r[cb + MB_END] == \at(r[cb + MB_END], Pre);
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        r[t[k]] == \at(r[t[k]], Pre); */
  //@ assert *head == \at(*head, Pre);
  /*@ assert \forall integer k; 0 <= k < m ==>
        r[t[k] + ML_NEXT] == \at(r[t[k] + ML_NEXT], Pre) && r[t[k] + ML_PREV] == \at(r[t[k] + ML_PREV], Pre); */
  //@ assert ml_nexts(r, key, t, m) && ml_prevs(r, key, t, m) && ml_head(head, key, hw, t, m);
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        !(j <= t[k] - cb < nd(g, j)); */
  //@ ghost mb_shape_merge_tags(c, g, i, j);
  //@ ghost mb_lemma_tags_header(c, g, i);
  //@ ghost mb_lemma_tags_assemble(c, g, i, i, e);
  /*@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==>
        hd(g, t[k] - cb) == \at(hd(g, t[k] - cb), Pre); */
  //@ assert \forall integer k; 0 <= k < m && cb <= t[k] < cb + MB_CHUNK_WORDS ==> header(g, t[k] - cb);
  return merged;
}

/*@
  // Every list of the arena at once: list l (of level l / MB_SL_COUNT,
  // l % MB_SL_COUNT) holds S[l][0 .. N[l] - 1]. The lengths are of a
  // signed type, like the lists, so that no write to the range or the
  // bitmaps can touch them.
  predicate ms_lists{L}(size_t *r, size_t key, size_t *heads, integer hw0, int64_t **S, int64_t *N,
                        integer count) =
    \forall integer l; 0 <= l < count * MB_SL_COUNT ==>
      linked(r, key, heads + l, (size_t)(hw0 + l), S[l], N[l]);
  // No block is on two lists.
  predicate ms_lists_apart{L}(int64_t **S, int64_t *N, integer count) =
    \forall integer l, m, j, k; 0 <= l < count * MB_SL_COUNT && 0 <= m < count * MB_SL_COUNT && l != m &&
      0 <= j < N[l] && 0 <= k < N[m] ==> S[l][j] != S[m][k];
  // List (f, s) of the model, read by its two levels: a term over both
  // quantified levels without arithmetic, which the provers can match.
  logic int64_t *ms_list{L}(int64_t **S, integer f, integer s) = S[f * MB_SL_COUNT + s];
  logic integer ms_len{L}(int64_t *N, integer f, integer s) = N[f * MB_SL_COUNT + s];
  // The blocks of every list that lie in the chunk at cb are free blocks
  // of its tiling, of the sizes their list holds.
  predicate ms_lists_listed{L}(size_t *r, integer cb, mb_owner_t *g, int64_t **S, int64_t *N, integer count) =
    \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      ms_listed(r, cb, g, ms_list(S, f, s), ms_len(N, f, s)) &&
      ms_sized(r, cb, ms_list(S, f, s), ms_len(N, f, s), list_min(f, s), list_end(f, s));
  // S2, N2 is S, N with list l replaced by t[0 .. n - 1].
  predicate ms_lists_with{L}(int64_t **S, int64_t *N, integer count, integer l, int64_t *t, integer n,
                             int64_t **S2, int64_t *N2) =
    S2[l] == t && N2[l] == n &&
    \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==> S2[m] == S[m] && N2[m] == N[m];
*/

/*@ ghost
  /@ requires ms_lists(r, key, heads, hw0, S, N, count);
     assigns \nothing;
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
       0 < S[m][k] < ML_LIMIT && S[m][k] % 2 == 0; @/
  static void ms_lemma_nodes(size_t *r, size_t key, size_t *heads, size_t hw0, int64_t \ghost * \ghost *S,
                             int64_t \ghost *N, unsigned count) {
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==> ml_nodes(r, S[m], N[m]); @/
  }

  // A block on list l is on no other list.
  /@ requires ms_lists_apart(S, N, count) && 0 <= l < count * MB_SL_COUNT && 0 <= j < N[l];
     assigns \nothing;
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==> S[m][k] != S[l][j]; @/
  static void ms_lemma_alone(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l, size_t j) {}

  // Every list's links and head, read off.
  /@ requires ms_lists(r, key, heads, hw0, S, N, count);
     assigns \nothing;
     ensures \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
       0 <= N[m] && key < ML_KEY_LIMIT && hw0 + m < ML_WHERE_LIMIT && \valid(heads + m) &&
       ml_nodes(r, S[m], N[m]) && ml_distinct(S[m], N[m]) && ml_apart(r, heads + m);
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
       ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
       ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE);
     ensures \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
       ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]); @/
  static void ms_lemma_unfold(size_t *r, size_t key, size_t *heads, size_t hw0, int64_t \ghost * \ghost *S,
                              int64_t \ghost *N, unsigned count) {}

  // The lists other than l, from their parts.
  /@ requires 0 <= count * MB_SL_COUNT;
     requires \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
       0 <= N[m] && key < ML_KEY_LIMIT && hw0 + m < ML_WHERE_LIMIT && \valid(heads + m) &&
       ml_nodes(r, S[m], N[m]) && ml_distinct(S[m], N[m]) && ml_apart(r, heads + m);
     requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
       ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
       ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE);
     requires \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
       ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]);
     assigns \nothing;
     ensures \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
       linked(r, key, heads + m, (size_t)(hw0 + m), S[m], N[m]); @/
  static void ms_lemma_linked(size_t *r, size_t key, size_t *heads, size_t hw0, int64_t \ghost * \ghost *S,
                              int64_t \ghost *N, unsigned count, size_t l) {
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==> ml_nexts(r, key, S[m], N[m]); @/
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==> ml_prevs(r, key, S[m], N[m]); @/
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
         ml_head(heads + m, key, (size_t)(hw0 + m), S[m], N[m]); @/
  }

  // The lists with list l replaced by t[0 .. x - 1]: all linked when each is.
  /@ requires \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
       linked(r, key, heads + m, (size_t)(hw0 + m), S[m], N[m]);
     requires ms_lists_with(S, N, count, l, t, x, S2, N2);
     requires 0 <= l < count * MB_SL_COUNT && linked(r, key, heads + l, (size_t)(hw0 + l), t, x);
     assigns \nothing;
     ensures ms_lists(r, key, heads, hw0, S2, N2, count); @/
  static void ms_lemma_lists(size_t *r, size_t key, size_t *heads, size_t hw0, int64_t \ghost * \ghost *S,
                             int64_t \ghost *N, unsigned count, size_t l, int64_t \ghost *t, int64_t x,
                             int64_t \ghost * \ghost *S2, int64_t \ghost *N2) {}

  // List l with a block on no list put in front: still no block on two lists.
  /@ requires ms_lists_apart(S, N, count) && 0 <= l < count * MB_SL_COUNT;
     requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != b;
     requires ml_with(S[l], N[l], b, t) && ms_lists_with(S, N, count, l, t, N[l] + 1, S2, N2);
     assigns \nothing;
     ensures ms_lists_apart(S2, N2, count); @/
  static void ms_lemma_apart_with(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l,
                                  int64_t b, int64_t \ghost *t, int64_t \ghost * \ghost *S2,
                                  int64_t \ghost *N2) {
    /@ assert \forall integer k; 0 <= k < N[l] + 1 ==> t[k] == b || t[k] == S[l][k - 1]; @/
    /@ assert \forall integer m, j, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= j < N[l] + 1 &&
         0 <= k < N[m] ==> t[j] != S[m][k]; @/
    /@ assert \forall integer m, j, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= j < N2[l] &&
         0 <= k < N2[m] ==> S2[l][j] != S2[m][k]; @/
  }

  // The replacement of list l = (fl, sl), by levels.
  /@ requires fl < count && sl < MB_SL_COUNT && l == fl * MB_SL_COUNT + sl;
     requires ms_lists_with(S, N, count, l, t, x, S2, N2);
     assigns \nothing;
     ensures \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
       ms_list(S2, f, s) == ms_list(S, f, s) && ms_len(N2, f, s) == ms_len(N, f, s);
     ensures ms_list(S2, fl, sl) == t && ms_len(N2, fl, sl) == x; @/
  static void ms_lemma_levels(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l,
                              unsigned fl, unsigned sl, int64_t \ghost *t, int64_t x, int64_t \ghost * \ghost *S2,
                              int64_t \ghost *N2) {
    /@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
         f * MB_SL_COUNT + s != l && 0 <= f * MB_SL_COUNT + s < count * MB_SL_COUNT; @/
  }

  // Every list's blocks in the chunk, read off.
  /@ requires ms_lists_listed(r, cb, g, S, N, count);
     assigns \nothing;
     ensures \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1);
     ensures \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
       cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s); @/
  static void ms_lemma_unfold_listed(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost * \ghost *S,
                                     int64_t \ghost *N, unsigned count) {}

  // The lists with list (fl, sl) replaced by t[0 .. x - 1]: every list's
  // blocks in the chunk free blocks of its sizes when each one's are.
  /@ requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
       0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1);
     requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
       0 <= k < ms_len(N, f, s) && cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s);
     requires \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
       ms_list(S2, f, s) == ms_list(S, f, s) && ms_len(N2, f, s) == ms_len(N, f, s);
     requires fl < count && sl < MB_SL_COUNT && ms_list(S2, fl, sl) == t && ms_len(N2, fl, sl) == x;
     requires ms_listed(r, cb, g, t, x) && ms_sized(r, cb, t, x, list_min(fl, sl), list_end(fl, sl));
     assigns \nothing;
     ensures ms_lists_listed(r, cb, g, S2, N2, count); @/
  static void ms_lemma_listed(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost * \ghost *S,
                              int64_t \ghost *N, unsigned count, unsigned fl, unsigned sl, int64_t \ghost *t,
                              int64_t x, int64_t \ghost * \ghost *S2, int64_t \ghost *N2) {
    /@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
         ms_listed(r, cb, g, ms_list(S, f, s), ms_len(N, f, s)) &&
         ms_sized(r, cb, ms_list(S, f, s), ms_len(N, f, s), list_min(f, s), list_end(f, s)); @/
  }

  // List l with a block taken off: still no block on two lists.
  /@ requires ms_lists_apart(S, N, count) && 0 <= l < count * MB_SL_COUNT && p < N[l];
     requires ml_without(S[l], N[l], p, t) && ms_lists_with(S, N, count, l, t, N[l] - 1, S2, N2);
     assigns \nothing;
     ensures ms_lists_apart(S2, N2, count); @/
  static void ms_lemma_apart_without(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l,
                                     size_t p, int64_t \ghost *t, int64_t \ghost * \ghost *S2,
                                     int64_t \ghost *N2) {
    /@ assert \forall integer k; 0 <= k < N[l] - 1 ==> t[k] == S[l][k] || t[k] == S[l][k + 1]; @/
  }
*/

/* ms_take, with every list of the arena: the other lists keep their
 * blocks and links. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires all: ms_lists(r, key, heads, hw0, S, N, count) && ms_lists_apart(S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires p < N[fl * MB_SL_COUNT + sl];
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires ml_without(S[fl * MB_SL_COUNT + sl], N[fl * MB_SL_COUNT + sl], p, t);
    requires ms_lists_with(S, N, count, fl * MB_SL_COUNT + sl, t, N[fl * MB_SL_COUNT + sl] - 1, S2, N2);
    requires next == ml_dec(r[S[fl * MB_SL_COUNT + sl][p] + ML_NEXT], key, S[fl * MB_SL_COUNT + sl][p] + ML_NEXT);
    requires prev == ml_dec(r[S[fl * MB_SL_COUNT + sl][p] + ML_PREV], key, S[fl * MB_SL_COUNT + sl][p] + ML_PREV);
    assigns heads[fl * MB_SL_COUNT + sl], r[prev + ML_NEXT], r[next + ML_PREV], *fl_map, sl_map[fl];
    ensures all: ms_lists(r, key, heads, hw0, S2, N2, count) && ms_lists_apart(S2, N2, count);
    ensures listed: ms_lists_listed(r, cb, g, S2, N2, count);
    ensures tiled: tiled(r + cb, g);
    ensures tags: \forall integer h; header(g, h) ==>
      r[cb + h] == \old(r[cb + h]) && r[cb + nd(g, h) - 1] == \old(r[cb + nd(g, h) - 1]);
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
*/
static inline void ms_take_all(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                               unsigned count, unsigned fl, unsigned sl, size_t cb, size_t next, size_t prev)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost * \ghost *S, int64_t \ghost *N, size_t p, int64_t \ghost *t,
               int64_t \ghost * \ghost *S2, int64_t \ghost *N2) */ {
  //@ ghost size_t l = fl * MB_SL_COUNT + sl;
  //@ ghost int64_t \ghost *s = S[l];
  //@ ghost size_t n = N[l];
  //@ assert l == fl * MB_SL_COUNT + sl && l < count * MB_SL_COUNT;
  //@ assert linked(r, key, heads + l, (size_t)(hw0 + l), S[l], N[l]) && 0 <= N[l] && n == N[l];
  //@ assert next == (p + 1 < n ? s[p + 1] : ML_NONE) && prev == (0 < p ? s[p - 1] : ML_NONE);
  //@ assert ms_list(S, fl, sl) == s && ms_len(N, fl, sl) == n;
  //@ assert ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
  //@ ghost ms_lemma_nodes(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold_listed(r, cb, g, S, N, count);
  //@ ghost if (0 < p) ms_lemma_alone(S, N, count, l, p - 1);
  //@ ghost if (p + 1 < n) ms_lemma_alone(S, N, count, l, p + 1);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        S[m][k] != prev && S[m][k] != next; */
  ms_take(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, next, prev) /*@ ghost (g, S[l], n, p, t) */;
  // The other lists: none of their blocks is prev or next, so none of
  // their links was written; nor their heads.
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        r[S[m][k] + ML_NEXT] == \at(r[S[m][k] + ML_NEXT], Pre) && r[S[m][k] + ML_PREV] == \at(r[S[m][k] + ML_PREV], Pre); */
  //@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==> heads[m] == \at(heads[m], Pre);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
        ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE); */
  /*@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
        ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]); */
  //@ ghost ms_lemma_linked(r, key, heads, hw0, S, N, count, l);
  //@ ghost ms_lemma_lists(r, key, heads, hw0, S, N, count, l, t, N[l] - 1, S2, N2);
  //@ ghost ms_lemma_apart_without(S, N, count, l, p, t, S2, N2);
  // Every list's blocks in the chunk: their tags are as they were.
  //@ ghost ms_lemma_levels(S, N, count, l, fl, sl, t, N[l] - 1, S2, N2);
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
        0 <= k < ms_len(N, f, s) ==>
        ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
        0 <= k < ms_len(N, f, s) && cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s); */
  //@ ghost ms_lemma_listed(r, cb, g, S, N, count, fl, sl, t, n - 1, S2, N2);
}

/* ms_put, with every list of the arena: the other lists keep their
 * blocks and links. b is on no list. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires header(g, b) && r[cb + b] % MB_ALIGN == 1;
    requires sized: list_min(fl, sl) <= tag_size(r[cb + b]) < list_end(fl, sl);
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires all: ms_lists(r, key, heads, hw0, S, N, count) && ms_lists_apart(S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires N[fl * MB_SL_COUNT + sl] < ML_LIMIT;
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires unlisted: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != cb + b;
    requires ml_with(S[fl * MB_SL_COUNT + sl], N[fl * MB_SL_COUNT + sl], cb + b, t);
    requires ms_lists_with(S, N, count, fl * MB_SL_COUNT + sl, t, N[fl * MB_SL_COUNT + sl] + 1, S2, N2);
    requires first == ml_first(heads, key, hw0, fl, sl);
    assigns r[cb + b + ML_NEXT], r[cb + b + ML_PREV], r[first + ML_PREV], heads[fl * MB_SL_COUNT + sl], *fl_map,
            sl_map[fl];
    ensures all: ms_lists(r, key, heads, hw0, S2, N2, count) && ms_lists_apart(S2, N2, count);
    ensures listed: ms_lists_listed(r, cb, g, S2, N2, count);
    ensures tiled: tiled(r + cb, g);
    ensures tags: \forall integer h; header(g, h) ==>
      r[cb + h] == \old(r[cb + h]) && r[cb + nd(g, h) - 1] == \old(r[cb + nd(g, h) - 1]);
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
*/
static inline void ms_put_all(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                              unsigned count, unsigned fl, unsigned sl, size_t cb, size_t b, size_t first)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost * \ghost *S, int64_t \ghost *N, int64_t \ghost *t,
               int64_t \ghost * \ghost *S2, int64_t \ghost *N2) */ {
  //@ ghost size_t l = fl * MB_SL_COUNT + sl;
  //@ ghost int64_t \ghost *s = S[l];
  //@ ghost size_t n = N[l];
  //@ assert l == fl * MB_SL_COUNT + sl && l < count * MB_SL_COUNT;
  //@ assert linked(r, key, heads + l, (size_t)(hw0 + l), S[l], N[l]) && 0 <= N[l] && n == N[l];
  //@ assert first == (n == 0 ? ML_NONE : s[0]);
  //@ assert ms_list(S, fl, sl) == s && ms_len(N, fl, sl) == n;
  //@ assert ms_listed(r, cb, g, s, n) && ms_sized(r, cb, s, n, list_min(fl, sl), list_end(fl, sl));
  //@ ghost ms_lemma_nodes(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold_listed(r, cb, g, S, N, count);
  //@ ghost if (0 < n) ms_lemma_alone(S, N, count, l, 0);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        S[m][k] != cb + b && S[m][k] != first; */
  ms_put(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, b, first) /*@ ghost (g, s, n, t) */;
  // The other lists: none of their blocks is b or first, so none of
  // their links was written; nor their heads.
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        r[S[m][k] + ML_NEXT] == \at(r[S[m][k] + ML_NEXT], Pre) && r[S[m][k] + ML_PREV] == \at(r[S[m][k] + ML_PREV], Pre); */
  //@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==> heads[m] == \at(heads[m], Pre);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && m != l && 0 <= k < N[m] ==>
        ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
        ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE); */
  /*@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT && m != l ==>
        ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]); */
  //@ ghost ms_lemma_linked(r, key, heads, hw0, S, N, count, l);
  //@ ghost ms_lemma_lists(r, key, heads, hw0, S, N, count, l, t, N[l] + 1, S2, N2);
  //@ ghost ms_lemma_apart_with(S, N, count, l, (int64_t)(cb + b), t, S2, N2);
  // Every list's blocks in the chunk: their tags are as they were.
  //@ ghost ms_lemma_levels(S, N, count, l, fl, sl, t, N[l] + 1, S2, N2);
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
        0 <= k < ms_len(N, f, s) ==>
        ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) &&
        0 <= k < ms_len(N, f, s) && cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s); */
  //@ ghost ms_lemma_listed(r, cb, g, S, N, count, fl, sl, t, N[l] + 1, S2, N2);
}

/*@ ghost
  // A block on no list, read by levels.
  /@ requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != a && S[m][k] != b;
     assigns \nothing;
     ensures \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] != a && ms_list(S, f, s)[k] != b; @/
  static void ms_lemma_gone_levels(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, int64_t a,
                                   int64_t b) {
    /@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
         0 <= f * MB_SL_COUNT + s < count * MB_SL_COUNT; @/
  }

  // Every list's blocks lie apart from block i of the chunk, on no list:
  // its words hold none of their headers and links.
  /@ requires owners(g) && shape(g, MB_END) && header(g, i);
     requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1);
     requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] != cb + i;
     assigns \nothing;
     ensures words: \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       !(cb + i <= ms_list(S, f, s)[k] < cb + nd(g, i)) &&
       !(cb + i <= ms_list(S, f, s)[k] + ML_NEXT < cb + nd(g, i)) &&
       !(cb + i <= ms_list(S, f, s)[k] + ML_PREV < cb + nd(g, i));
     ensures blocks: \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
       cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
       header(g, ms_list(S, f, s)[k] - cb) &&
       (nd(g, ms_list(S, f, s)[k] - cb) <= i || nd(g, i) <= ms_list(S, f, s)[k] - cb); @/
  static void ms_lemma_apart_levels(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost * \ghost *S,
                                    int64_t \ghost *N, unsigned count, size_t i) {
    mb_lemma_block(g, i);
    /@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
         cb <= ms_list(S, f, s)[k] + ML_PREV && ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         header(g, ms_list(S, f, s)[k] - cb) && ms_list(S, f, s)[k] - cb != i; @/
    /@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
         cb <= ms_list(S, f, s)[k] + ML_PREV && ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         (nd(g, ms_list(S, f, s)[k] - cb) <= i || nd(g, i) <= ms_list(S, f, s)[k] - cb) &&
         ms_list(S, f, s)[k] - cb + MB_MIN / MB_WORD <= nd(g, ms_list(S, f, s)[k] - cb); @/
  }

  // Words [lo, hi) that hold no block and no link of any list, by levels,
  // read by list.
  /@ requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       !(lo <= ms_list(S, f, s)[k] < hi) && !(lo <= ms_list(S, f, s)[k] + ML_NEXT < hi) &&
       !(lo <= ms_list(S, f, s)[k] + ML_PREV < hi);
     assigns \nothing;
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
       !(lo <= S[m][k] < hi) && !(lo <= S[m][k] + ML_NEXT < hi) && !(lo <= S[m][k] + ML_PREV < hi); @/
  static void ms_lemma_by_list(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, int64_t lo,
                               int64_t hi) {
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
         0 <= m / MB_SL_COUNT < count && 0 <= m % MB_SL_COUNT < MB_SL_COUNT &&
         m / MB_SL_COUNT * MB_SL_COUNT + m % MB_SL_COUNT == m; @/
    /@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
         ms_list(S, m / MB_SL_COUNT, m % MB_SL_COUNT) == S[m] && ms_len(N, m / MB_SL_COUNT, m % MB_SL_COUNT) == N[m]; @/
  }

  // Every list's blocks in the chunk, folded back.
  /@ requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
       ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1);
     requires \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
       cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s);
     assigns \nothing;
     ensures ms_lists_listed(r, cb, g, S, N, count); @/
  static void ms_lemma_fold_listed(size_t *r, size_t cb, mb_owner_t \ghost *g, int64_t \ghost * \ghost *S,
                                   int64_t \ghost *N, unsigned count) {}

  // Every list linked, folded back.
  /@ requires \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
       0 <= N[m] && key < ML_KEY_LIMIT && hw0 + m < ML_WHERE_LIMIT && \valid(heads + m) &&
       ml_nodes(r, S[m], N[m]) && ml_distinct(S[m], N[m]) && ml_apart(r, heads + m);
     requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
       ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
       ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE);
     requires \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
       ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]);
     assigns \nothing;
     ensures ms_lists(r, key, heads, hw0, S, N, count); @/
  static void ms_lemma_fold_lists(size_t *r, size_t key, size_t *heads, size_t hw0, int64_t \ghost * \ghost *S,
                                  int64_t \ghost *N, unsigned count) {
    ms_lemma_linked(r, key, heads, hw0, S, N, count, (size_t)count * MB_SL_COUNT);
  }

  // List l with block S[l][p] taken off: neither it nor a block b on no
  // list is on any list.
  /@ requires ms_lists_apart(S, N, count) && 0 <= l < count * MB_SL_COUNT && p < N[l];
     requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
     requires ml_distinct(S[l], N[l]) && ml_without(S[l], N[l], p, t);
     requires ms_lists_with(S, N, count, l, t, N[l] - 1, S2, N2);
     requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != b;
     assigns \nothing;
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N2[m] ==>
       S2[m][k] != S[l][p] && S2[m][k] != b; @/
  static void ms_lemma_gone_all(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l, size_t p,
                                int64_t \ghost *t, int64_t \ghost * \ghost *S2, int64_t \ghost *N2, int64_t b) {
    ms_lemma_gone(S[l], N[l], p, t, b);
    ms_lemma_alone(S, N, count, l, p);
  }

  // List l with block b put in front: a block a other than b, on no list
  // before, is on none after.
  /@ requires 0 <= l < count * MB_SL_COUNT && a != b;
     requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
     requires ml_with(S[l], N[l], b, t) && ms_lists_with(S, N, count, l, t, N[l] + 1, S2, N2);
     requires \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != a;
     assigns \nothing;
     ensures \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N2[m] ==> S2[m][k] != a; @/
  static void ms_lemma_gone_with(int64_t \ghost * \ghost *S, int64_t \ghost *N, unsigned count, size_t l,
                                 int64_t b, int64_t \ghost *t, int64_t \ghost * \ghost *S2, int64_t \ghost *N2,
                                 int64_t a) {
    /@ assert \forall integer k; 0 <= k < N[l] + 1 ==> t[k] == b || t[k] == S[l][k - 1]; @/
  }
*/

/* ms_merge, with every list of the arena: i and j are on no list, and
 * every list keeps its blocks and links. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g) && ml_heads(r, heads, hw0, count);
    requires header(g, i) && j == nd(g, i) && j < MB_END && header(g, j) && is_free <= 1;
    requires all: ms_lists(r, key, heads, hw0, S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires gone: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
      S[m][k] != cb + i && S[m][k] != cb + j;
    assigns r[cb + i], r[cb + j + tag_words(r[cb + j]) - 1], g[j .. j + tag_words(r[cb + j]) - 1].head, g[i].end;
    ensures tiled(r + cb, g) && header(g, i) && !header(g, j) && r[cb + i] % MB_ALIGN == is_free;
    ensures nd(g, i) == \old(j + tag_words(r[cb + j])) && \result == tag_size(r[cb + i]);
    ensures all: ms_lists(r, key, heads, hw0, S, N, count);
    ensures heads: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      ml_first(heads, key, hw0, f, s) == \old(ml_first(heads, key, hw0, f, s));
    ensures listed: ms_lists_listed(r, cb, g, S, N, count); */
static inline size_t ms_merge_all(size_t *r, size_t cb, size_t i, size_t j, size_t is_free)
    /*@ ghost (mb_owner_t \ghost *g, size_t key, size_t *heads, size_t hw0, unsigned count, int64_t \ghost * \ghost *S,
               int64_t \ghost *N) */ {
  //@ ghost ms_lemma_nodes(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold_listed(r, cb, g, S, N, count);
  //@ ghost ms_lemma_gone_levels(S, N, count, (int64_t)(cb + i), (int64_t)(cb + j));
  //@ ghost mb_lemma_neighbours(r + cb, g, j);
  //@ ghost ms_lemma_apart_levels(r, cb, g, S, N, count, i);
  //@ ghost ms_lemma_apart_levels(r, cb, g, S, N, count, j);
  //@ ghost ms_lemma_by_list(S, N, count, (int64_t)(cb + i), (int64_t)(cb + j));
  //@ ghost ms_lemma_by_list(S, N, count, (int64_t)(cb + j), (int64_t)(cb + g[j].end));
  //@ assert cb + j + tag_words(r[cb + j]) - 1 == cb + nd(g, j) - 1;
  // List 0 rides through ms_merge, which keeps the tiling.
  //@ assert linked(r, key, heads + 0, (size_t)(hw0 + 0), S[0], N[0]);
  //@ assert ms_list(S, 0, 0) == S[0] && ms_len(N, 0, 0) == N[0];
  //@ assert ms_listed(r, cb, g, S[0], N[0]) && ms_sized(r, cb, S[0], N[0], list_min(0, 0), list_end(0, 0));
  //@ assert cb + i < ML_LIMIT && cb + nd(g, j) - 1 < ML_LIMIT && j + tag_words(r[cb + j]) == nd(g, j);
  //@ assert \separated(heads + (0 .. count * MB_SL_COUNT - 1), r + (cb + i), r + (cb + nd(g, j) - 1));
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
        cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
        ms_list(S, f, s)[k] - cb < j || nd(g, j) <= ms_list(S, f, s)[k] - cb; */
  size_t merged = ms_merge(r, cb, i, j, is_free) /*@ ghost (g, key, heads, hw0, S[0], (size_t)N[0], 0, 0) */;
  // The merge wrote two tags, of blocks on no list: every list keeps its
  // links, its heads and its blocks' tags.
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
        r[S[m][k] + ML_NEXT] == \at(r[S[m][k] + ML_NEXT], Pre) && r[S[m][k] + ML_PREV] == \at(r[S[m][k] + ML_PREV], Pre); */
  //@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==> heads[m] == \at(heads[m], Pre);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
        ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
        ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE); */
  /*@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
        ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]); */
  //@ ghost ms_lemma_fold_lists(r, key, heads, hw0, S, N, count);
  //@ assert \forall integer x; x != cb + i && x != cb + \at(nd(g, j), Pre) - 1 ==> r[x] == \at(r[x], Pre);
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
        r[ms_list(S, f, s)[k]] == \at(r[ms_list(S, f, s)[k]], Pre); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
        cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
        hd(g, ms_list(S, f, s)[k] - cb) == \at(hd(g, ms_list(S, f, s)[k] - cb), Pre); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
        ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
        cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s); */
  //@ ghost ms_lemma_fold_listed(r, cb, g, S, N, count);
  return merged;
}

/* Takes block x (i or j, the free one that is listed) off its list and
 * merges blocks i and j = the block after i into one block of state
 * is_free at i, with every list of the arena: S2, N2 is S, N with x's list
 * t, and neither i nor j is on any list after. next and prev are x's links
 * decoded and checked. A neighbour merged but left on its list breaks this
 * proof. A block in quarantine is never merged: it leaves the quarantine
 * whole, after the check that nothing wrote to it. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g);
    requires header(g, i) && j == nd(g, i) && j < MB_END && header(g, j) && is_free <= 1;
    requires x == i || x == j;
    requires unquarantined: r[cb + i] % MB_ALIGN != MB_QUARANTINED && r[cb + j] % MB_ALIGN != MB_QUARANTINED;
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires all: ms_lists(r, key, heads, hw0, S, N, count) && ms_lists_apart(S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires p < N[fl * MB_SL_COUNT + sl] && S[fl * MB_SL_COUNT + sl][p] == cb + x;
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires other: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != cb + i + j - x;
    requires ml_without(S[fl * MB_SL_COUNT + sl], N[fl * MB_SL_COUNT + sl], p, t);
    requires ms_lists_with(S, N, count, fl * MB_SL_COUNT + sl, t, N[fl * MB_SL_COUNT + sl] - 1, S2, N2);
    requires \valid_read(S2 + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N2 + (0 .. count * MB_SL_COUNT - 1));
    requires next == ml_dec(r[S[fl * MB_SL_COUNT + sl][p] + ML_NEXT], key, S[fl * MB_SL_COUNT + sl][p] + ML_NEXT);
    requires prev == ml_dec(r[S[fl * MB_SL_COUNT + sl][p] + ML_PREV], key, S[fl * MB_SL_COUNT + sl][p] + ML_PREV);
    assigns heads[fl * MB_SL_COUNT + sl], r[prev + ML_NEXT], r[next + ML_PREV], *fl_map, sl_map[fl],
            r[cb + i], r[cb + j + tag_words(r[cb + j]) - 1], g[j .. j + tag_words(r[cb + j]) - 1].head, g[i].end;
    ensures tiled(r + cb, g) && header(g, i) && !header(g, j) && r[cb + i] % MB_ALIGN == is_free;
    ensures nd(g, i) == \old(j + tag_words(r[cb + j])) && \result == tag_size(r[cb + i]);
    ensures all: ms_lists(r, key, heads, hw0, S2, N2, count) && ms_lists_apart(S2, N2, count);
    ensures listed: ms_lists_listed(r, cb, g, S2, N2, count);
    ensures gone: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N2[m] ==>
      S2[m][k] != cb + i && S2[m][k] != cb + j;
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
*/
static inline size_t ms_unlist_merge_all(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map,
                                         uint32_t *sl_map, unsigned count, unsigned fl, unsigned sl, size_t cb,
                                         size_t i, size_t j, size_t x, size_t is_free, size_t next, size_t prev)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost * \ghost *S, int64_t \ghost *N, size_t p, int64_t \ghost *t,
               int64_t \ghost * \ghost *S2, int64_t \ghost *N2) */ {
  (void)x; /* for the contract: which of the two was listed */
  //@ ghost size_t l = fl * MB_SL_COUNT + sl;
  //@ assert l == fl * MB_SL_COUNT + sl && l < count * MB_SL_COUNT;
  //@ ghost ms_lemma_unfold(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_gone_all(S, N, count, l, p, t, S2, N2, (int64_t)(cb + i + j - x));
  ms_take_all(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, next, prev) /*@ ghost (g, S, N, p, t, S2, N2) */;
  size_t merged = ms_merge_all(r, cb, i, j, is_free) /*@ ghost (g, key, heads, hw0, count, S2, N2) */;
  return merged;
}

/* ms_split, with every list of the arena: block i is on no list, and
 * every list keeps its blocks and links; neither part is on any list. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g) && header(g, i) && ml_heads(r, heads, hw0, count);
    requires first % MB_ALIGN == 0 && first >= MB_MIN && first_free <= 1;
    requires tag_size(r[cb + i]) >= first + MB_MIN;
    requires all: ms_lists(r, key, heads, hw0, S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires gone: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != cb + i;
    assigns r[cb + i], r[cb + i + first / MB_WORD - 1], r[cb + i + first / MB_WORD],
            r[cb + i + tag_words(r[cb + i]) - 1],
            g[i + first / MB_WORD .. i + tag_words(r[cb + i]) - 1].head, g[i].end, g[i + first / MB_WORD].end;
    ensures tiled(r + cb, g) && header(g, i) && header(g, \result) && nd(g, i) == \result;
    ensures \result == i + first / MB_WORD && nd(g, \result) == \old(i + tag_words(r[cb + i]));
    ensures r[cb + i] == first + first_free && r[cb + \result] % MB_ALIGN == 1;
    ensures tag_size(r[cb + \result]) == \old(tag_size(r[cb + i])) - first;
    ensures all: ms_lists(r, key, heads, hw0, S, N, count);
    ensures heads: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      ml_first(heads, key, hw0, f, s) == \old(ml_first(heads, key, hw0, f, s));
    ensures listed: ms_lists_listed(r, cb, g, S, N, count);
    ensures gone: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
      S[m][k] != cb + i && S[m][k] != cb + \result; */
static inline size_t ms_split_all(size_t *r, size_t cb, size_t i, size_t first, size_t first_free)
    /*@ ghost (mb_owner_t \ghost *g, size_t key, size_t *heads, size_t hw0, unsigned count, int64_t \ghost * \ghost *S,
               int64_t \ghost *N) */ {
  //@ ghost ms_lemma_nodes(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold(r, key, heads, hw0, S, N, count);
  //@ ghost ms_lemma_unfold_listed(r, cb, g, S, N, count);
  //@ ghost ms_lemma_gone_levels(S, N, count, (int64_t)(cb + i), (int64_t)(cb + i));
  //@ ghost mb_lemma_neighbours(r + cb, g, i);
  //@ ghost ms_lemma_apart_levels(r, cb, g, S, N, count, i);
  //@ ghost ms_lemma_by_list(S, N, count, (int64_t)(cb + i), (int64_t)(cb + g[i].end));
  //@ assert i + tag_words(r[cb + i]) == nd(g, i) && cb + nd(g, i) < ML_LIMIT;
  //@ assert \separated(heads + (0 .. count * MB_SL_COUNT - 1), r + (cb + i .. cb + nd(g, i) - 1));
  // List 0 rides through ms_split, which keeps the tiling.
  //@ assert linked(r, key, heads + 0, (size_t)(hw0 + 0), S[0], N[0]);
  //@ assert ms_list(S, 0, 0) == S[0] && ms_len(N, 0, 0) == N[0];
  //@ assert ms_listed(r, cb, g, S[0], N[0]) && ms_sized(r, cb, S[0], N[0], list_min(0, 0), list_end(0, 0));
  size_t j = ms_split(r, cb, i, first, first_free) /*@ ghost (g, key, heads, hw0, S[0], (size_t)N[0], 0, 0) */;
  // The split wrote tags inside block i, on no list: every list keeps its
  // links, its heads and its blocks' tags.
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
        r[S[m][k] + ML_NEXT] == \at(r[S[m][k] + ML_NEXT], Pre) && r[S[m][k] + ML_PREV] == \at(r[S[m][k] + ML_PREV], Pre); */
  //@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==> heads[m] == \at(heads[m], Pre);
  /*@ assert \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==>
        ml_dec(r[S[m][k] + ML_NEXT], key, S[m][k] + ML_NEXT) == (k + 1 < N[m] ? S[m][k + 1] : ML_NONE) &&
        ml_dec(r[S[m][k] + ML_PREV], key, S[m][k] + ML_PREV) == (0 < k ? S[m][k - 1] : ML_NONE); */
  /*@ assert \forall integer m; 0 <= m < count * MB_SL_COUNT ==>
        ml_dec(heads[m], key, (size_t)(hw0 + m)) == (N[m] == 0 ? ML_NONE : S[m][0]); */
  //@ ghost ms_lemma_fold_lists(r, key, heads, hw0, S, N, count);
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
        r[ms_list(S, f, s)[k]] == \at(r[ms_list(S, f, s)[k]], Pre); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
        cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
        hd(g, ms_list(S, f, s)[k] - cb) == \at(hd(g, ms_list(S, f, s)[k] - cb), Pre); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) ==>
        ms_list(S, f, s)[k] + ML_PREV < cb || cb + MB_CHUNK_WORDS <= ms_list(S, f, s)[k] ||
         (header(g, ms_list(S, f, s)[k] - cb) && r[ms_list(S, f, s)[k]] % MB_ALIGN == 1); */
  /*@ assert \forall integer f, s, k; 0 <= f < count && 0 <= s < MB_SL_COUNT && 0 <= k < ms_len(N, f, s) &&
        cb <= ms_list(S, f, s)[k] < cb + MB_CHUNK_WORDS ==>
         list_min(f, s) <= tag_size(r[ms_list(S, f, s)[k]]) < list_end(f, s); */
  //@ ghost ms_lemma_fold_listed(r, cb, g, S, N, count);
  return j;
}

/* The split of an allocation, with the free part put on its list, over
 * every list of the arena: block i, on no list, becomes a first block of
 * `first` bytes with state first_free and a free rest; the rest
 * (put_first == 0: the tail trimmed off an allocation) or the first block
 * (put_first == 1, first_free == 1: the gap cut off in front of an aligned
 * allocation) goes to the front of list (fl, sl), whose decoded head is
 * head_first, making it t: S2, N2 is S, N with t. The other part is on no
 * list. Returns the rest's index. A part split off and not put on its list
 * breaks this proof. */
/*@ requires ms_chunk(r, cb, g) && tiled(r + cb, g) && header(g, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN && first_free <= 1 && put_first <= 1;
    requires tag_size(r[cb + i]) >= first + MB_MIN;
    requires put_first == 1 ==> first_free == 1;
    requires sized: put_first == 1 ? list_min(fl, sl) <= first < list_end(fl, sl) :
      list_min(fl, sl) <= tag_size(r[cb + i]) - first < list_end(fl, sl);
    requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires all: ms_lists(r, key, heads, hw0, S, N, count) && ms_lists_apart(S, N, count);
    requires \valid_read(S + (0 .. count * MB_SL_COUNT - 1)) && \valid_read(N + (0 .. count * MB_SL_COUNT - 1));
    requires N[fl * MB_SL_COUNT + sl] < ML_LIMIT;
    requires listed: ms_lists_listed(r, cb, g, S, N, count);
    requires gone: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N[m] ==> S[m][k] != cb + i;
    requires ml_with(S[fl * MB_SL_COUNT + sl], N[fl * MB_SL_COUNT + sl], cb + i + (1 - put_first) * (first / MB_WORD), t);
    requires ms_lists_with(S, N, count, fl * MB_SL_COUNT + sl, t, N[fl * MB_SL_COUNT + sl] + 1, S2, N2);
    requires head_first == ml_first(heads, key, hw0, fl, sl);
    assigns r[cb + i], r[cb + i + first / MB_WORD - 1], r[cb + i + first / MB_WORD],
            r[cb + i + tag_words(r[cb + i]) - 1],
            g[i + first / MB_WORD .. i + tag_words(r[cb + i]) - 1].head, g[i].end, g[i + first / MB_WORD].end,
            r[cb + i + (1 - put_first) * (first / MB_WORD) + ML_NEXT],
            r[cb + i + (1 - put_first) * (first / MB_WORD) + ML_PREV], r[head_first + ML_PREV],
            heads[fl * MB_SL_COUNT + sl], *fl_map, sl_map[fl];
    ensures tiled(r + cb, g) && header(g, i) && header(g, \result) && nd(g, i) == \result;
    ensures \result == i + first / MB_WORD && nd(g, \result) == \old(i + tag_words(r[cb + i]));
    ensures r[cb + i] == first + first_free && r[cb + \result] % MB_ALIGN == 1;
    ensures tag_size(r[cb + \result]) == \old(tag_size(r[cb + i])) - first;
    ensures put: t[0] == cb + (put_first == 1 ? i : \result);
    ensures all: ms_lists(r, key, heads, hw0, S2, N2, count) && ms_lists_apart(S2, N2, count);
    ensures listed: ms_lists_listed(r, cb, g, S2, N2, count);
    ensures kept: \forall integer m, k; 0 <= m < count * MB_SL_COUNT && 0 <= k < N2[m] ==>
      S2[m][k] != cb + (put_first == 1 ? \result : i);
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE); */
static inline size_t ms_split_put_all(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map,
                                      uint32_t *sl_map, unsigned count, unsigned fl, unsigned sl, size_t cb,
                                      size_t i, size_t first, size_t first_free, size_t put_first,
                                      size_t head_first)
    /*@ ghost (mb_owner_t \ghost *g, int64_t \ghost * \ghost *S, int64_t \ghost *N, int64_t \ghost *t,
               int64_t \ghost * \ghost *S2, int64_t \ghost *N2) */ {
  //@ ghost size_t l = fl * MB_SL_COUNT + sl;
  //@ assert l == fl * MB_SL_COUNT + sl && l < count * MB_SL_COUNT;
  size_t j = ms_split_all(r, cb, i, first, first_free) /*@ ghost (g, key, heads, hw0, count, S, N) */;
  size_t b = put_first ? i : j;
  //@ assert b == i + (1 - put_first) * (first / MB_WORD);
  //@ assert tag_size(r[cb + i]) == first;
  //@ assert tag_size(r[cb + b]) == (put_first == 1 ? first : \at(tag_size(r[cb + i]), Pre) - first);
  //@ ghost ms_lemma_gone_with(S, N, count, l, (int64_t)(cb + b), t, S2, N2, (int64_t)(cb + i + j - b));
  ms_put_all(r, key, heads, hw0, fl_map, sl_map, count, fl, sl, cb, b, head_first) /*@ ghost (g, S, N, t, S2, N2) */;
  return j;
}

#endif /* WD_MEDIUM_STEP_H */
