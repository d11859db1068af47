/*
 * The link surgery of the medium tier's free lists, written for the prover
 * (proofs/README.md). WP's memory model cannot follow a pointer that went
 * through an integer, so here the whole medium range is one word array
 * `size_t *r`, a free block is the word index b of its header (always
 * even), and a link is a word index too:
 *   r[b + ML_NEXT]  the next block on the list, encoded
 *   r[b + ML_PREV]  the previous block, encoded
 * A list's head is one word outside the range (in the arena), encoded with
 * its own "where" value hw. Encoding adds the secret key and the index of
 * the word the link is stored in, so an overflow can neither plant a
 * usable link nor copy one to another word; ML_NONE (index 0, never a block
 * header) ends a list. medium.c converts pointers to indices at its
 * boundary, decodes and checks every link it follows, and only then calls
 * the routines below, which write links and nothing else.
 *
 * The proofs model one list as a ghost array s of its blocks in order and a
 * ghost length n; `linked` ties the words to that model. Ghost code is not
 * compiled.
 */
#ifndef WD_MEDIUM_LIST_H
#define WD_MEDIUM_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medium_block.h"

#define ML_NONE 0
#define ML_NEXT 2
#define ML_PREV 3
/* Block indices stay below this: the range is at most 2^40 bytes. */
#define ML_LIMIT (1UL << 40)
/* "Where" values (word indices, or a head's address in words) are byte
 * offsets or addresses divided by 8, so below 2^61; keys are kept below
 * 2^62. The sum target + key + where then never wraps around. */
#define ML_WHERE_LIMIT (1UL << 61)
#define ML_KEY_LIMIT (1UL << 62)

/*@
  // Links are encoded with addition, not xor: the provers settle sums and
  // differences of bounded integers at once, while xor facts would not
  // survive being stated in a definition or under a quantifier
  // (proofs/README.md).
  logic integer ml_dec(integer v, integer key, integer w) = v - key - w;
*/

/*@ requires t < ML_LIMIT && key < ML_KEY_LIMIT && w < ML_WHERE_LIMIT;
    assigns \nothing;
    ensures \result == t + key + w;
    ensures ml_dec(\result, key, w) == t; */
static inline size_t ml_encode(size_t t, size_t key, size_t w) { return t + key + w; }

/* A word that was not written by ml_encode with this key and place decodes
 * to a wrapped-around value, which medium.c's checks reject. */
/*@ assigns \nothing;
    ensures key + w <= v ==> \result == ml_dec(v, key, w); */
static inline size_t ml_decode(size_t v, size_t key, size_t w) { return v - key - w; }

/*@
  // A block index that can be on a list: even, not ML_NONE, its two link
  // words inside the range.
  predicate ml_node{L}(size_t *r, integer b) =
    0 < b < ML_LIMIT && b % 2 == 0 && \valid(r + (b + ML_NEXT .. b + ML_PREV));

  // The ghost model: s[0 .. n-1] are the list's blocks, in order. The ghost
  // array is of a signed type, unlike the words, so that WP keeps it in a
  // memory of its own and a write to r never touches it.
  predicate ml_nodes{L}(size_t *r, int64_t *s, integer n) =
    \forall integer k; 0 <= k < n ==> ml_node(r, s[k]);
  predicate ml_distinct{L}(int64_t *s, integer n) =
    \forall integer j, k; 0 <= j < k < n ==> s[j] != s[k];
  predicate ml_nexts{L}(size_t *r, size_t key, int64_t *s, integer n) =
    \forall integer k; 0 <= k < n ==>
      ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == (k + 1 < n ? s[k + 1] : ML_NONE);
  predicate ml_prevs{L}(size_t *r, size_t key, int64_t *s, integer n) =
    \forall integer k; 0 <= k < n ==>
      ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == (0 < k ? s[k - 1] : ML_NONE);
  predicate ml_head{L}(size_t *head, size_t key, size_t hw, int64_t *s, integer n) =
    ml_dec(*head, key, hw) == (n == 0 ? ML_NONE : s[0]);
  // The head lies outside the range (it is in the arena), so no link word
  // of any block is the head.
  predicate ml_apart(size_t *r, size_t *head) = \separated(head, r + (0 .. ML_LIMIT + ML_PREV));

  // The list whose head word is *head holds exactly s[0 .. n-1], in order.
  predicate linked{L}(size_t *r, size_t key, size_t *head, size_t hw, int64_t *s, integer n) =
    0 <= n && key < ML_KEY_LIMIT && hw < ML_WHERE_LIMIT && \valid(head) && ml_nodes(r, s, n) &&
    ml_distinct(s, n) && ml_apart(r, head) &&
    ml_head(head, key, hw, s, n) && ml_nexts(r, key, s, n) && ml_prevs(r, key, s, n);

  // t is the list s with b put in front.
  predicate ml_with{L}(int64_t *s, integer n, integer b, int64_t *t) =
    t[0] == b && \forall integer k; 0 <= k < n ==> t[k + 1] == s[k];
*/

/*@ ghost
  // What ml_insert needs of the list before it writes, in terms of the new
  // model t (b in front of s). Each lemma speaks of one memory state and is
  // proved from its own preconditions alone, like those of ml_remove.
  /@ requires ml_nodes(r, s, n) && ml_distinct(s, n) && ml_node(r, b) && ml_with(s, n, b, t);
     requires \forall integer k; 0 <= k < n ==> s[k] != b;
     assigns \nothing;
     ensures ml_nodes(r, t, n + 1) && ml_distinct(t, n + 1); @/
  static void ml_lemma_with(size_t *r, int64_t \ghost *s, size_t n, int64_t b, int64_t \ghost *t) {
    //@ assert \forall integer k; 1 <= k < n + 1 ==> t[k] == s[k - 1] && t[k] != b;
    //@ assert \forall integer j, k; 1 <= j < k < n + 1 ==> t[j] != t[k];
  }

  // The next links from position 1 on are the old ones.
  /@ requires ml_nexts(r, key, s, n) && ml_with(s, n, b, t);
     assigns \nothing;
     ensures \forall integer k; 1 <= k < n + 1 ==>
       ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == (k + 1 < n + 1 ? t[k + 1] : ML_NONE); @/
  static void ml_lemma_nexts_with(size_t *r, size_t key, int64_t \ghost *s, size_t n, int64_t b,
                                  int64_t \ghost *t) {
    /@ assert \forall integer k; 1 <= k < n + 1 ==>
         ml_dec(r[s[k - 1] + ML_NEXT], key, s[k - 1] + ML_NEXT) == (k < n ? s[k] : ML_NONE); @/
    //@ assert \forall integer k; 1 <= k < n + 1 ==> t[k] == s[k - 1];
    //@ assert \forall integer k; 1 <= k < n ==> t[k + 1] == s[k];
  }

  // The prev links from position 2 on are the old ones.
  /@ requires ml_prevs(r, key, s, n) && ml_with(s, n, b, t);
     assigns \nothing;
     ensures \forall integer k; 2 <= k < n + 1 ==>
       ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == t[k - 1]; @/
  static void ml_lemma_prevs_with(size_t *r, size_t key, int64_t \ghost *s, size_t n, int64_t b,
                                  int64_t \ghost *t) {
    /@ assert \forall integer k; 2 <= k < n + 1 ==>
         ml_dec(r[s[k - 1] + ML_PREV], key, s[k - 1] + ML_PREV) == s[k - 2]; @/
    //@ assert \forall integer k; 2 <= k < n + 1 ==> t[k] == s[k - 1] && t[k - 1] == s[k - 2];
  }

  // The next links of a list of m blocks, from the blocks before p - 1,
  // the block at p - 1 and the blocks from p on.
  /@ requires p <= m;
     requires \forall integer k; 0 <= k < p - 1 ==>
       ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == t[k + 1];
     requires 0 < p ==>
       ml_dec(r[t[p - 1] + ML_NEXT], key, t[p - 1] + ML_NEXT) == (p < m ? t[p] : ML_NONE);
     requires \forall integer k; p <= k < m ==>
       ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == (k + 1 < m ? t[k + 1] : ML_NONE);
     assigns \nothing;
     ensures ml_nexts(r, key, t, m); @/
  static void ml_lemma_nexts_assemble(size_t *r, size_t key, int64_t \ghost *t, size_t m, size_t p) {}

  // The prev links likewise, from the blocks before p, p, and after p.
  /@ requires p <= m;
     requires \forall integer k; 0 <= k < p ==>
       ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == (0 < k ? t[k - 1] : ML_NONE);
     requires p < m ==>
       ml_dec(r[t[p] + ML_PREV], key, t[p] + ML_PREV) == (0 < p ? t[p - 1] : ML_NONE);
     requires \forall integer k; p + 1 <= k < m ==>
       ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == t[k - 1];
     assigns \nothing;
     ensures ml_prevs(r, key, t, m); @/
  static void ml_lemma_prevs_assemble(size_t *r, size_t key, int64_t \ghost *t, size_t m, size_t p) {}

*/

/* Puts block b at the front of the list whose head is *head; first is the
 * head decoded (medium.c has checked it). Writes b's two links, the old
 * first block's back link, and the head. */
/*@ requires linked(r, key, head, hw, s, n) && n < ML_LIMIT;
    requires ml_node(r, b);
    requires \forall integer k; 0 <= k < n ==> s[k] != b;
    requires ml_with(s, n, b, t);
    requires first == ml_dec(*head, key, hw);
    assigns r[b + ML_NEXT], r[b + ML_PREV], r[first + ML_PREV], *head;
    ensures linked(r, key, head, hw, t, n + 1);
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != b ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != b && x != first ==>
      r[x + ML_PREV] == \old(r[x + ML_PREV]); */
static inline void ml_insert(size_t *r, size_t key, size_t *head, size_t hw, size_t b, size_t first)
    /*@ ghost (int64_t \ghost *s, size_t n, int64_t \ghost *t) */ {
  //@ assert first == (n == 0 ? ML_NONE : s[0]);
  //@ assert first % 2 == 0 && first < ML_LIMIT && (first != ML_NONE ==> 0 < n);
  // The new model t first, before any write: the old links already say
  // what it needs from position 1 on.
  //@ ghost ml_lemma_with(r, s, n, (int64_t)b, t);
  //@ ghost ml_lemma_nexts_with(r, key, s, n, (int64_t)b, t);
  //@ ghost ml_lemma_prevs_with(r, key, s, n, (int64_t)b, t);
  //@ assert t[0] == b && (0 < n ==> t[1] == first);
  //@ assert \forall integer k; 1 <= k < n + 1 ==> t[k] != b && t[k] % 2 == 0;
  r[b + ML_NEXT] = ml_encode(first, key, b + ML_NEXT);
  r[b + ML_PREV] = ml_encode(ML_NONE, key, b + ML_PREV);
  if (first != ML_NONE) r[first + ML_PREV] = ml_encode(b, key, first + ML_PREV);
  *head = ml_encode(b, key, hw);
  //@ assert ml_dec(*head, key, hw) == b;
  //@ assert ml_dec(r[b + ML_NEXT], key, b + ML_NEXT) == first;
  //@ assert ml_dec(r[b + ML_PREV], key, b + ML_PREV) == ML_NONE;
  //@ assert 0 < n ==> ml_dec(r[first + ML_PREV], key, first + ML_PREV) == b;
  // Every other link word is as it was: link words of other blocks are
  // other words, and a next word is never a prev word (even and odd).
  /*@ assert \forall integer k, x; 1 <= k < n + 1 && x == t[k] ==>
        r[x + ML_NEXT] == \at(r[x + ML_NEXT], Pre); */
  /*@ assert \forall integer k, x; 2 <= k < n + 1 && x == t[k] ==>
        r[x + ML_PREV] == \at(r[x + ML_PREV], Pre); */
  /*@ assert \forall integer k; 1 <= k < n + 1 ==>
        ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == (k + 1 < n + 1 ? t[k + 1] : ML_NONE); */
  /*@ assert \forall integer k; 2 <= k < n + 1 ==>
        ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == t[k - 1]; */
  //@ assert ml_head(head, key, hw, t, n + 1);
  // The whole lists from the first block and the rest, through the lemmas
  // ml_remove uses too.
  //@ assert ml_dec(r[t[0] + ML_NEXT], key, t[0] + ML_NEXT) == (1 < n + 1 ? t[1] : ML_NONE);
  //@ ghost ml_lemma_nexts_assemble(r, key, t, n + 1, 1);
  //@ assert ml_dec(r[t[0] + ML_PREV], key, t[0] + ML_PREV) == ML_NONE;
  //@ assert 0 < n ==> ml_dec(r[t[1] + ML_PREV], key, t[1] + ML_PREV) == t[0];
  //@ ghost ml_lemma_prevs_assemble(r, key, t, n + 1, 1);
  //@ assert ml_nodes(r, t, n + 1) && ml_distinct(t, n + 1) && ml_apart(r, head);
  //@ assert ml_nexts(r, key, t, n + 1) && ml_prevs(r, key, t, n + 1);
}

/*@
  // t is s without position p: the list after that block is taken off.
  predicate ml_without{L}(int64_t *s, integer n, integer p, int64_t *t) =
    (\forall integer k; 0 <= k < p ==> t[k] == s[k]) &&
    (\forall integer k; p <= k < n - 1 ==> t[k] == s[k + 1]);
*/

/*@ ghost
  // Each lemma below speaks of one memory state and is proved from its own
  // preconditions alone; ml_remove calls them where their facts hold.

  // Taking a block off keeps the model's nodes valid and distinct.
  /@ requires ml_nodes(r, s, n) && ml_distinct(s, n) && p < n && ml_without(s, n, p, t);
     assigns \nothing;
     ensures ml_nodes(r, t, n - 1) && ml_distinct(t, n - 1); @/
  static void ml_lemma_without(size_t *r, int64_t \ghost *s, size_t n, size_t p, int64_t \ghost *t) {
    //@ assert \forall integer k; 0 <= k < p ==> ml_node(r, t[k]);
    //@ assert \forall integer k; p <= k < n - 1 ==> ml_node(r, t[k]);
    //@ assert \forall integer j, k; 0 <= j < k < p ==> t[j] != t[k];
    //@ assert \forall integer j, k; p <= j < k < n - 1 ==> s[j + 1] != s[k + 1];
    //@ assert \forall integer j, k; p <= j < k < n - 1 ==> t[j] != t[k];
    //@ assert \forall integer j, k; 0 <= j < p <= k < n - 1 ==> s[j] != s[k + 1];
    //@ assert \forall integer j, k; 0 <= j < p <= k < n - 1 ==> t[j] != t[k];
  }

  // The next links that stay, read through the new model.
  /@ requires ml_nexts(r, key, s, n) && p < n && ml_without(s, n, p, t);
     assigns \nothing;
     ensures \forall integer k; 0 <= k < p - 1 ==>
       ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == t[k + 1];
     ensures \forall integer k; p <= k < n - 1 ==>
       ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == (k + 1 < n - 1 ? t[k + 1] : ML_NONE); @/
  static void ml_lemma_nexts_without(size_t *r, size_t key, int64_t \ghost *s, size_t n, size_t p,
                                     int64_t \ghost *t) {
    /@ assert \forall integer k; 0 <= k < p - 1 ==>
         ml_dec(r[s[k] + ML_NEXT], key, s[k] + ML_NEXT) == s[k + 1]; @/
    /@ assert \forall integer k; p <= k < n - 1 ==>
         ml_dec(r[s[k + 1] + ML_NEXT], key, s[k + 1] + ML_NEXT) == (k + 2 < n ? s[k + 2] : ML_NONE); @/
  }

  // The prev links that stay, read through the new model.
  /@ requires ml_prevs(r, key, s, n) && p < n && ml_without(s, n, p, t);
     assigns \nothing;
     ensures \forall integer k; 0 <= k < p ==>
       ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == (0 < k ? t[k - 1] : ML_NONE);
     ensures \forall integer k; p + 1 <= k < n - 1 ==>
       ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == t[k - 1]; @/
  static void ml_lemma_prevs_without(size_t *r, size_t key, int64_t \ghost *s, size_t n, size_t p,
                                     int64_t \ghost *t) {
    /@ assert \forall integer k; 0 <= k < p ==>
         ml_dec(r[s[k] + ML_PREV], key, s[k] + ML_PREV) == (0 < k ? s[k - 1] : ML_NONE); @/
    /@ assert \forall integer k; p + 1 <= k < n - 1 ==>
         ml_dec(r[s[k + 1] + ML_PREV], key, s[k + 1] + ML_PREV) == s[k]; @/
  }

*/

/* Takes block s[p] off its list: next and prev are its links decoded
 * (medium.c has checked them, and that both point back at it). Writes the
 * link into it (prev's next, or the head) and next's back link, nothing
 * else. The model after is a second ghost array t rather than s shifted in
 * place: the ghost arrays then never change inside the function, and every
 * step that re-indexes the list is a fact about one memory state
 * (proofs/README.md). */
/*@ requires linked(r, key, head, hw, s, n) && p < n;
    requires ml_without(s, n, p, t);
    requires next == ml_dec(r[s[p] + ML_NEXT], key, s[p] + ML_NEXT);
    requires prev == ml_dec(r[s[p] + ML_PREV], key, s[p] + ML_PREV);
    assigns *head, r[prev + ML_NEXT], r[next + ML_PREV];
    ensures linked(r, key, head, hw, t, n - 1);
    ensures prev == ML_NONE ==> ml_dec(*head, key, hw) == next;
    ensures prev != ML_NONE ==>
      ml_dec(r[prev + ML_NEXT], key, prev + ML_NEXT) == next && *head == \old(*head);
    ensures next != ML_NONE ==> ml_dec(r[next + ML_PREV], key, next + ML_PREV) == prev;
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != prev ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != next ==> r[x + ML_PREV] == \old(r[x + ML_PREV]); */
static inline void ml_remove(size_t *r, size_t key, size_t *head, size_t hw, size_t next, size_t prev)
    /*@ ghost (int64_t \ghost *s, size_t n, size_t p, int64_t \ghost *t) */ {
  //@ assert next == (p + 1 < n ? s[p + 1] : ML_NONE);
  //@ assert prev == (0 < p ? s[p - 1] : ML_NONE);
  //@ assert next % 2 == 0 && prev % 2 == 0 && next < ML_LIMIT && prev < ML_LIMIT;
  //@ assert (p + 1 < n <==> next != ML_NONE) && (0 < p <==> prev != ML_NONE);
  //@ assert p + 1 < n ==> next == t[p];
  //@ assert 0 < p ==> prev == t[p - 1];
  // The new model and the links that stay, before any write.
  //@ ghost ml_lemma_without(r, s, n, p, t);
  //@ ghost ml_lemma_nexts_without(r, key, s, n, p, t);
  //@ ghost ml_lemma_prevs_without(r, key, s, n, p, t);
  //@ assert \forall integer k; 0 <= k < n - 1 ==> 0 < t[k] < ML_LIMIT && t[k] % 2 == 0;
  //@ assert \forall integer k; 0 <= k < n - 1 && k + 1 != p ==> t[k] != prev;
  //@ assert \forall integer k; 0 <= k < n - 1 && k != p ==> t[k] != next;
  //@ assert 0 < p ==> ml_dec(*head, key, hw) == t[0];
  if (prev == ML_NONE) *head = ml_encode(next, key, hw);
  else r[prev + ML_NEXT] = ml_encode(next, key, prev + ML_NEXT);
  //@ assert prev != ML_NONE ==> ml_dec(r[prev + ML_NEXT], key, prev + ML_NEXT) == next;
  if (next != ML_NONE) {
    r[next + ML_PREV] = ml_encode(prev, key, next + ML_PREV);
    // Here, not after the branch: joined with the other path, the provers
    // needed up to 7 s for it.
    //@ assert ml_dec(r[next + ML_PREV], key, next + ML_PREV) == prev;
  }
  //@ assert prev != ML_NONE ==> ml_dec(r[prev + ML_NEXT], key, prev + ML_NEXT) == next;
  //@ assert next != ML_NONE ==> ml_dec(r[next + ML_PREV], key, next + ML_PREV) == prev;
  //@ assert prev == ML_NONE ==> ml_dec(*head, key, hw) == next;
  //@ assert prev != ML_NONE ==> *head == \at(*head, Pre);
  // Every other link word is as it was: link words of other blocks are
  // other words, and a next word is never a prev word (even and odd).
  /*@ assert \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != prev ==>
        r[x + ML_NEXT] == \at(r[x + ML_NEXT], Pre); */
  /*@ assert \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != next ==>
        r[x + ML_PREV] == \at(r[x + ML_PREV], Pre); */
  /*@ assert \forall integer k, x; 0 <= k < n - 1 && k + 1 != p && x == t[k] ==>
        r[x + ML_NEXT] == \at(r[x + ML_NEXT], Pre); */
  /*@ assert \forall integer k, x; 0 <= k < n - 1 && k != p && x == t[k] ==>
        r[x + ML_PREV] == \at(r[x + ML_PREV], Pre); */
  /*@ assert \forall integer k; 0 <= k < p - 1 ==>
        ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == t[k + 1]; */
  /*@ assert 0 < p ==>
        ml_dec(r[t[p - 1] + ML_NEXT], key, t[p - 1] + ML_NEXT) == (p < n - 1 ? t[p] : ML_NONE); */
  /*@ assert \forall integer k; p <= k < n - 1 ==>
        ml_dec(r[t[k] + ML_NEXT], key, t[k] + ML_NEXT) == (k + 1 < n - 1 ? t[k + 1] : ML_NONE); */
  //@ ghost ml_lemma_nexts_assemble(r, key, t, n - 1, p);
  /*@ assert \forall integer k; 0 <= k < p ==>
        ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == (0 < k ? t[k - 1] : ML_NONE); */
  /*@ assert p < n - 1 ==>
        ml_dec(r[t[p] + ML_PREV], key, t[p] + ML_PREV) == (0 < p ? t[p - 1] : ML_NONE); */
  /*@ assert \forall integer k; p + 1 <= k < n - 1 ==>
        ml_dec(r[t[k] + ML_PREV], key, t[k] + ML_PREV) == t[k - 1]; */
  //@ ghost ml_lemma_prevs_assemble(r, key, t, n - 1, p);
  //@ assert ml_head(head, key, hw, t, n - 1);
}

/*
 * An arena's lists together: the heads of list (fl, sl) at
 * heads[fl * MB_SL_COUNT + sl], each stored with where value hw0 plus that
 * index (the heads are consecutive words, hw0 the first one's address in
 * words), and two bitmaps that mark exactly the non-empty lists, the ones
 * mb_find_list searches: bit sl of sl_map[fl] for list (fl, sl), bit fl of
 * fl_map for sl_map[fl] != 0. ml_put and ml_take are the whole list step
 * of an allocation or a free: the link surgery above and the bitmaps, kept
 * in agreement with every list of the arena, which the contracts state
 * for all lists at once.
 *
 * The agreement is written out in each contract rather than named: WP's
 * simplifier rewrites bit_test in contracts but not inside a predicate's
 * body, after which the provers cannot match the two forms (as for
 * mb_find_list).
 */

/*@ requires 0 < count <= 32 && fl < count && sl < MB_SL_COUNT;
    requires \valid(fl_map) && \valid(sl_map + (0 .. count - 1)) && \separated(fl_map, sl_map + (0 .. count - 1));
    requires \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    assigns *fl_map, sl_map[fl];
    ensures \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures bit_test(sl_map[fl], sl);
    ensures \forall integer s; 0 <= s < 32 && s != sl ==> (bit_test(sl_map[fl], s) <==> bit_test(\old(sl_map[fl]), s)); */
static inline void ml_mark(uint32_t *fl_map, uint32_t *sl_map, unsigned count, unsigned fl, unsigned sl) {
  (void)count; /* for the contract: how many first levels there are */
  sl_map[fl] |= 1u << sl;
  //@ assert bit_test(sl_map[fl], sl) && sl_map[fl] != 0;
  *fl_map |= 1u << fl;
  //@ assert \forall integer f; 0 <= f < 32 && f != fl ==> (bit_test(*fl_map, f) <==> bit_test(\at(*fl_map, Pre), f));
  //@ assert bit_test(*fl_map, fl);
}

/* Marks list (fl, sl) empty when `empty`, and changes nothing otherwise:
 * one path for ml_take's proof instead of two. */
/*@ requires 0 < count <= 32 && fl < count && sl < MB_SL_COUNT;
    requires \valid(fl_map) && \valid(sl_map + (0 .. count - 1)) && \separated(fl_map, sl_map + (0 .. count - 1));
    requires \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    assigns *fl_map, sl_map[fl];
    ensures \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures empty ==> !bit_test(sl_map[fl], sl);
    ensures !empty ==> sl_map[fl] == \old(sl_map[fl]);
    ensures \forall integer s; 0 <= s < 32 && s != sl ==> (bit_test(sl_map[fl], s) <==> bit_test(\old(sl_map[fl]), s)); */
static inline void ml_unmark(uint32_t *fl_map, uint32_t *sl_map, unsigned count, unsigned fl, unsigned sl,
                             bool empty) {
  (void)count; /* for the contract, as in ml_mark */
  if (!empty) return;
  sl_map[fl] &= ~(1u << sl);
  if (sl_map[fl] == 0) *fl_map &= ~(1u << fl);
}

/*@
  // The block that the head of list (f, s) names, decoded. A function of
  // its own, of the two levels, so that a fact for every list has a term
  // over both quantified levels without arithmetic, which the provers can
  // match (they cannot match f * MB_SL_COUNT + s).
  logic integer ml_first{L}(size_t *heads, size_t key, integer hw0, integer f, integer s) =
    ml_dec(heads[f * MB_SL_COUNT + s], key, hw0 + f * MB_SL_COUNT + s);

  // The arena's heads: consecutive words outside the range, their where
  // values hw0 + index within the limit.
  predicate ml_heads{L}(size_t *r, size_t *heads, integer hw0, integer count) =
    0 < count <= 32 && 0 <= hw0 && hw0 + count * MB_SL_COUNT < ML_WHERE_LIMIT &&
    \valid(heads + (0 .. count * MB_SL_COUNT - 1)) &&
    \separated(heads + (0 .. count * MB_SL_COUNT - 1), r + (0 .. ML_LIMIT + ML_PREV));
  // The bitmaps lie apart from each other, from the heads and from the range.
  predicate ml_maps{L}(uint32_t *fl_map, uint32_t *sl_map, size_t *heads, size_t *r, integer count) =
    \valid(fl_map) && \valid(sl_map + (0 .. count - 1)) &&
    \separated(fl_map, sl_map + (0 .. count - 1), heads + (0 .. count * MB_SL_COUNT - 1),
               r + (0 .. ML_LIMIT + ML_PREV)) &&
    \separated(sl_map + (0 .. count - 1), heads + (0 .. count * MB_SL_COUNT - 1), r + (0 .. ML_LIMIT + ML_PREV));
*/

/*@ ghost
  // Joins the level a step changed and the levels it left alone into the
  // agreement for every list: a fact about one memory state, so that the
  // provers do not have to find it in the step's whole context.
  /@ requires 0 < count <= 32 && fl < count;
     requires \valid(heads + (0 .. count * MB_SL_COUNT - 1)) && \valid(sl_map + (0 .. count - 1));
     requires \forall integer f, s; 0 <= f < count && f != fl && 0 <= s < MB_SL_COUNT ==>
       (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
     requires \forall integer s; 0 <= s < MB_SL_COUNT ==>
       (bit_test(sl_map[fl], s) <==> ml_first(heads, key, hw0, fl, s) != ML_NONE);
     assigns \nothing;
     ensures \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
       (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE); @/
  static void ml_lemma_levels(size_t *heads, size_t key, size_t hw0, uint32_t *sl_map, unsigned count, unsigned fl) {}
*/

/* Puts block b at the front of list (fl, sl), as ml_insert, and marks the
 * list non-empty. */
/*@ requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), s, n);
    requires n < ML_LIMIT && ml_node(r, b);
    requires \forall integer k; 0 <= k < n ==> s[k] != b;
    requires ml_with(s, n, b, t);
    requires first == ml_first(heads, key, hw0, fl, sl);
    assigns r[b + ML_NEXT], r[b + ML_PREV], r[first + ML_PREV], heads[fl * MB_SL_COUNT + sl], *fl_map, sl_map[fl];
    ensures linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), t, n + 1);
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != b ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != b && x != first ==>
      r[x + ML_PREV] == \old(r[x + ML_PREV]); */
static inline void ml_put(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                          unsigned count, unsigned fl, unsigned sl, size_t b, size_t first)
    /*@ ghost (int64_t \ghost *s, size_t n, int64_t \ghost *t) */ {
  size_t l = fl * MB_SL_COUNT + sl;
  //@ assert l == fl * MB_SL_COUNT + sl;
  ml_insert(r, key, heads + l, hw0 + l, b, first) /*@ ghost (s, n, t) */;
  //@ assert linked(r, key, heads + l, (size_t)(hw0 + l), t, n + 1);
  //@ assert ml_dec(heads[l], key, hw0 + l) != ML_NONE;
  /*@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
        heads[f * MB_SL_COUNT + s] == \at(heads[f * MB_SL_COUNT + s], Pre); */
  /*@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
        ml_first(heads, key, hw0, f, s) == \at(ml_first(heads, key, hw0, f, s), Pre); */
  ml_mark(fl_map, sl_map, count, fl, sl);
  //@ assert \forall integer f; 0 <= f < count && f != fl ==> sl_map[f] == \at(sl_map[f], Pre);
}

/* Takes block s[p] off list (fl, sl), as ml_remove, and marks the list
 * empty when it was the last block. */
/*@ requires ml_heads(r, heads, hw0, count) && ml_maps(fl_map, sl_map, heads, r, count);
    requires fl < count && sl < MB_SL_COUNT;
    requires fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    requires lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    requires linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), s, n) && p < n;
    requires ml_without(s, n, p, t);
    requires next == ml_dec(r[s[p] + ML_NEXT], key, s[p] + ML_NEXT);
    requires prev == ml_dec(r[s[p] + ML_PREV], key, s[p] + ML_PREV);
    assigns heads[fl * MB_SL_COUNT + sl], r[prev + ML_NEXT], r[next + ML_PREV], *fl_map, sl_map[fl];
    ensures linked(r, key, heads + (fl * MB_SL_COUNT + sl), (size_t)(hw0 + fl * MB_SL_COUNT + sl), t, n - 1);
    ensures fl_agree: \forall integer f; 0 <= f < count ==> (bit_test(*fl_map, f) <==> sl_map[f] != 0);
    ensures fl_high: \forall integer f; count <= f < 32 ==> !bit_test(*fl_map, f);
    ensures lists: \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT ==>
      (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE);
    ensures frame: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != prev ==> r[x + ML_NEXT] == \old(r[x + ML_NEXT]);
    ensures frame_prev: \forall integer x; 0 < x < ML_LIMIT && x % 2 == 0 && x != next ==> r[x + ML_PREV] == \old(r[x + ML_PREV]); */
static inline void ml_take(size_t *r, size_t key, size_t *heads, size_t hw0, uint32_t *fl_map, uint32_t *sl_map,
                           unsigned count, unsigned fl, unsigned sl, size_t next, size_t prev)
    /*@ ghost (int64_t \ghost *s, size_t n, size_t p, int64_t \ghost *t) */ {
  size_t l = fl * MB_SL_COUNT + sl;
  //@ assert l == fl * MB_SL_COUNT + sl;
  //@ assert (p + 1 < n <==> next != ML_NONE) && (0 < p <==> prev != ML_NONE);
  //@ assert bit_test(sl_map[fl], sl);
  /*@ assert level: \forall integer s; 0 <= s < MB_SL_COUNT ==>
        (bit_test(sl_map[fl], s) <==> ml_first(heads, key, hw0, fl, s) != ML_NONE); */
  ml_remove(r, key, heads + l, hw0 + l, next, prev) /*@ ghost (s, n, p, t) */;
  //@ assert linked(r, key, heads + l, (size_t)(hw0 + l), t, n - 1);
  //@ assert (prev == ML_NONE && next == ML_NONE) <==> ml_first(heads, key, hw0, fl, sl) == ML_NONE;
  /*@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
        heads[f * MB_SL_COUNT + s] == \at(heads[f * MB_SL_COUNT + s], Pre); */
  /*@ assert \forall integer f, s; 0 <= f < count && 0 <= s < MB_SL_COUNT && (f != fl || s != sl) ==>
        ml_first(heads, key, hw0, f, s) == \at(ml_first(heads, key, hw0, f, s), Pre); */
  //@ assert sl_map[fl] == \at(sl_map[fl], Pre);
  ml_unmark(fl_map, sl_map, count, fl, sl, prev == ML_NONE && next == ML_NONE);
  //@ assert \forall integer f; 0 <= f < count && f != fl ==> sl_map[f] == \at(sl_map[f], Pre);
  /*@ assert \forall integer s; 0 <= s < MB_SL_COUNT && s != sl ==>
        (bit_test(sl_map[fl], s) <==> bit_test(\at(sl_map[fl], Pre), s)); */
  //@ assert bit_test(sl_map[fl], sl) <==> ml_first(heads, key, hw0, fl, sl) != ML_NONE;
  /*@ assert same_level: \forall integer s; 0 <= s < MB_SL_COUNT ==>
        (bit_test(sl_map[fl], s) <==> ml_first(heads, key, hw0, fl, s) != ML_NONE); */
  /*@ assert other_levels: \forall integer f, s; 0 <= f < count && f != fl && 0 <= s < MB_SL_COUNT ==>
        (bit_test(sl_map[f], s) <==> ml_first(heads, key, hw0, f, s) != ML_NONE); */
  //@ ghost ml_lemma_levels(heads, key, hw0, sl_map, count, fl);
}

#endif /* WD_MEDIUM_LIST_H */
