/*
 * The medium tier's block arithmetic, on a chunk seen as an array of
 * machine words. These routines are what the Frama-C proofs cover
 * (proofs/README.md), so they are written for the prover:
 *  - a chunk is `size_t *c`, a block is a word index i into it;
 *  - a tag is a word encoded with arithmetic, size + free with the size a
 *    multiple of 16 (no bit masks: the prover reasons about + and %);
 *  - nothing here reads or writes the checksum word or the free-list links;
 *    medium.c keys and checks those around these routines.
 *
 * Block layout, in words from its header index i, for a block of S bytes:
 *   c[i]            tag (S + free)
 *   c[i + 1]        keyed checksum of the tag and the block's address
 *   c[i + 2 ..]     payload (for a free block: its two list links first)
 *   c[i + S/8 - 1]  footer: the tag again
 * A chunk of N words holds blocks that tile [MB_FIRST, N - MB_TAIL): c[1]
 * is an allocated footer and c[N - 2] an allocated header of size 0, so
 * merging never looks past either end.
 *
 * The proofs follow the blocks of a chunk with a ghost array h of one mark
 * per word: h[k] == 1 exactly at block headers. Ghost code is not compiled;
 * the `ghost (...)` arguments below exist for Frama-C only.
 */
#ifndef WD_MEDIUM_BLOCK_H
#define WD_MEDIUM_BLOCK_H

#include <stddef.h>

#include "bits.h"
#include "config.h"

#define MB_WORD 8
#define MB_ALIGN 16
/* Header and checksum before the payload, footer after it. */
#define MB_OVERHEAD 24
#define MB_HEADER 16
/* Header, checksum, two links and a footer, rounded to the alignment. */
#define MB_MIN 48
#define MB_FIRST 2
#define MB_TAIL 2
/* Words in a chunk, and the index just past its last block. */
#define MB_CHUNK_WORDS ((1UL << WD_MEDIUM_CHUNK_SHIFT) / MB_WORD)
#define MB_END (MB_CHUNK_WORDS - MB_TAIL)
/* The one block of an empty chunk. */
#define MB_WHOLE ((MB_END - MB_FIRST) * MB_WORD)
/* Sizes handled by the list mapping (far above any chunk). */
#define MB_SIZE_LIMIT (1UL << 40)

/* Second-level lists per first level: 2^MB_SL_SHIFT. */
#define MB_SL_SHIFT 4
#define MB_SL_COUNT 16
/* Sizes below this are kept in exact 16-byte lists on first level 0. */
#define MB_LINEAR 256

/*@
  logic integer tag_size(integer t) = t - t % MB_ALIGN;
  logic integer tag_words(integer t) = tag_size(t) / MB_WORD;

  predicate chunk(size_t *c) = \valid(c + (0 .. MB_CHUNK_WORDS - 1));
  predicate owners(size_t **o) = \valid(o + (0 .. MB_CHUNK_WORDS - 1));
  predicate apart(size_t *c, size_t **o) =
    \separated(c + (0 .. MB_CHUNK_WORDS - 1), o + (0 .. MB_CHUNK_WORDS - 1));

  // THE TILING INVARIANT: the blocks of chunk c tile [MB_FIRST, e) exactly.
  // The ghost array o points, for every word m, to the header of the block
  // that holds it: its index is ow(o, c, m); a header is its own owner.
  // (Pointers rather than indices keep the ghost array in another memory
  // than the chunk's words, so writing one never hides the other from the
  // provers.) It is the conjunction of four clauses, kept apart so that each
  // proof obligation is about one of them:
  //  - tile_own: every word lies in the block of its owner, a header at or
  //    before it whose block reaches past it (the blocks cover [MB_FIRST, e));
  //  - tile_inside: every word of a block is owned by that block's header
  //    (blocks do not overlap);
  //  - tile_heads: every header is even (a 16-byte aligned payload in a
  //    16-byte aligned chunk), holds a tag with its state in bit 0 only, and
  //    starts a block of at least MB_MIN bytes that ends by e;
  //  - tile_feet: the last word of every block (its footer) equals its
  //    header.
  // Each clause speaks of words and their owners only, never of the word
  // after a block: the provers then have no chain of terms to follow.
  logic integer ow{L}(size_t **o, size_t *c, integer m) = o[m] - c;

  // Each clause is given for the words (or headers) in [lo, hi) of a tiling
  // of [MB_FIRST, e), so that a proof can take a chunk a range at a time.
  predicate own_in{L}(size_t *c, size_t **o, integer lo, integer hi) =
    \forall integer m; lo <= m < hi ==>
      MB_FIRST <= ow(o, c, m) <= m && ow(o, c, ow(o, c, m)) == ow(o, c, m) &&
      m < ow(o, c, m) + tag_words(c[ow(o, c, m)]);
  predicate inside_in{L}(size_t *c, size_t **o, integer lo, integer hi) =
    \forall integer k, m; lo <= k < hi && ow(o, c, k) == k &&
      k <= m < k + tag_words(c[k]) ==> ow(o, c, m) == k;
  predicate heads_in{L}(size_t *c, size_t **o, integer lo, integer hi, integer e) =
    \forall integer m; lo <= m < hi && ow(o, c, m) == m ==>
      m % 2 == 0 && c[m] % MB_ALIGN <= 1 && tag_size(c[m]) >= MB_MIN &&
      m + tag_words(c[m]) <= e;
  predicate feet_in{L}(size_t *c, size_t **o, integer lo, integer hi) =
    \forall integer m; lo <= m < hi &&
      m + 1 == ow(o, c, m) + tag_words(c[ow(o, c, m)]) ==> c[m] == c[ow(o, c, m)];

  predicate tile_own{L}(size_t *c, size_t **o, integer e) = own_in(c, o, MB_FIRST, e);
  predicate tile_inside{L}(size_t *c, size_t **o, integer e) = inside_in(c, o, MB_FIRST, e);
  predicate tile_heads{L}(size_t *c, size_t **o, integer e) = heads_in(c, o, MB_FIRST, e, e);
  predicate tile_feet{L}(size_t *c, size_t **o, integer e) = feet_in(c, o, MB_FIRST, e);

  predicate tiled_upto{L}(size_t *c, size_t **o, integer e) =
    MB_FIRST <= e <= MB_END &&
    tile_own(c, o, e) && tile_inside(c, o, e) && tile_heads(c, o, e) && tile_feet(c, o, e);

  // A whole chunk: tiled, between its allocated size-0 end tags.
  predicate tiled{L}(size_t *c, size_t **o) =
    c[MB_FIRST - 1] == 0 && c[MB_END] == 0 && tiled_upto(c, o, MB_END);

  predicate header{L}(size_t *c, size_t **o, integer k) =
    MB_FIRST <= k < MB_END && ow(o, c, k) == k;
*/

/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT && is_free <= 1;
    assigns \nothing;
    ensures \result == size + is_free;
    ensures tag_size(\result) == size && \result % 2 == is_free; */
static inline size_t mb_tag(size_t size, size_t is_free) { return size + is_free; }

/*@ assigns \nothing;
    ensures \result == tag_size(tag);
    ensures \result % MB_ALIGN == 0 && \result <= tag; */
static inline size_t mb_size(size_t tag) { return tag - tag % MB_ALIGN; }

/*@ assigns \nothing;
    ensures \result == tag % 2; */
static inline size_t mb_is_free(size_t tag) { return tag % 2; }

/* Words in a block of `size` bytes. */
/*@ assigns \nothing;
    ensures \result == size / MB_WORD; */
static inline size_t mb_words(size_t size) { return size / MB_WORD; }

/* The block size that serves a request of n payload bytes (n small enough
 * that this does not overflow: the medium tier caps n well below). */
/*@ requires n <= MB_SIZE_LIMIT;
    assigns \nothing;
    ensures \result % MB_ALIGN == 0;
    ensures \result >= MB_MIN && \result >= n + MB_OVERHEAD;
    ensures \result == MB_MIN || \result < n + MB_OVERHEAD + MB_ALIGN; */
static inline size_t mb_block_for(size_t n) {
  size_t s = (n + MB_OVERHEAD + MB_ALIGN - 1) / MB_ALIGN * MB_ALIGN;
  return s < MB_MIN ? MB_MIN : s;
}

/* Writes header and footer of the block at i. */
/*@ requires chunk(c);
    requires size % MB_ALIGN == 0 && size >= MB_ALIGN && is_free <= 1;
    requires i + size / MB_WORD <= MB_CHUNK_WORDS;
    assigns c[i], c[i + size / MB_WORD - 1];
    ensures c[i] == size + is_free;
    ensures c[i + size / MB_WORD - 1] == size + is_free; */
static inline void mb_set(size_t *c, size_t i, size_t size, size_t is_free) {
  size_t t = mb_tag(size, is_free);
  c[i] = t;
  c[i + mb_words(size) - 1] = t;
}

/* Lays out an empty chunk: the end tags and one free block between them. */
/*@ requires chunk(c) && owners(o) && apart(c, o);
    assigns c[MB_FIRST - 1], c[MB_END], c[MB_FIRST], c[MB_END - 1], o[MB_FIRST .. MB_END - 1];
    ensures c[MB_FIRST] == MB_WHOLE + 1;
    ensures tiled(c, o);
    ensures \forall integer k; header(c, o, k) <==> k == MB_FIRST; */
static inline void mb_init(size_t *c) /*@ ghost (size_t *\ghost *o) */ {
  c[MB_FIRST - 1] = mb_tag(0, 0);
  c[MB_END] = mb_tag(0, 0);
  mb_set(c, MB_FIRST, MB_WHOLE, 1);
  /*@ ghost
    /@ loop invariant MB_FIRST <= x <= MB_END;
       loop invariant \forall integer m; MB_FIRST <= m < x ==> ow(o, c, m) == MB_FIRST;
       loop assigns x, o[MB_FIRST .. MB_END - 1];
       loop variant MB_END - x; @/
    for (size_t x = MB_FIRST; x < MB_END; x++) o[x] = c + MB_FIRST;
  */
  //@ assert tile_own(c, o, MB_END);
  //@ assert tile_inside(c, o, MB_END);
  //@ assert tile_heads(c, o, MB_END);
  //@ assert tile_feet(c, o, MB_END);
}

/* Re-tags the block at i, keeping its size: allocated (0) or free (1). */
/*@ requires chunk(c) && owners(o) && apart(c, o);
    requires tiled(c, o) && header(c, o, i) && is_free <= 1;
    assigns c[i], c[i + tag_words(c[i]) - 1];
    ensures c[i] == tag_size(\old(c[i])) + is_free;
    ensures tiled(c, o); */
static inline void mb_mark(size_t *c, size_t i, size_t is_free) /*@ ghost (size_t *\ghost *o) */ {
  mb_set(c, i, mb_size(c[i]), is_free);
  //@ assert tile_own(c, o, MB_END);
  //@ assert tile_inside(c, o, MB_END);
  //@ assert tile_heads(c, o, MB_END);
  //@ assert tile_feet(c, o, MB_END);
}

/* Splits the block at i (of size mb_size(c[i])) into a first block of
 * `first` bytes with state `first_free` and a free remainder right after
 * it. The caller guarantees first >= MB_MIN, the remainder >= MB_MIN, both
 * multiples of 16. Returns the remainder's index. */
/*@ requires chunk(c) && owners(o) && apart(c, o);
    requires tiled(c, o) && header(c, o, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN;
    requires tag_size(c[i]) >= first + MB_MIN;
    requires first_free <= 1;
    assigns c[i], c[i + first / MB_WORD - 1], c[i + first / MB_WORD],
            c[i + tag_words(c[i]) - 1], o[i + first / MB_WORD .. i + tag_words(c[i]) - 1];
    ensures \result == i + first / MB_WORD;
    ensures c[i] == first + first_free && c[\result - 1] == c[i];
    ensures c[\result] == \old(tag_size(c[i])) - first + 1;
    ensures \result + tag_words(c[\result]) == \old(i + tag_words(c[i]));
    ensures c[\result + tag_words(c[\result]) - 1] == c[\result];
    ensures tag_size(c[i]) + tag_size(c[\result]) == \old(tag_size(c[i]));
    ensures \result % 2 == 0 && header(c, o, i) && header(c, o, \result);
    ensures \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      (k < i || \old(i + tag_words(c[i])) <= k) ==> c[k] == \old(c[k]);
    ensures tiled(c, o); */
static inline size_t mb_split(size_t *c, size_t i, size_t first, size_t first_free)
    /*@ ghost (size_t *\ghost *o) */ {
  size_t whole = mb_size(c[i]);
  size_t rest = whole - first;
  size_t j = i + mb_words(first);
  mb_set(c, i, first, first_free);
  mb_set(c, j, rest, 1);
  /*@ ghost
    /@ loop invariant j <= x <= i + whole / MB_WORD;
       loop invariant \forall integer m; j <= m < x ==> ow(o, c, m) == j;
       loop assigns x, o[j .. i + whole / MB_WORD - 1];
       loop variant i + whole / MB_WORD - x; @/
    for (size_t x = j; x < i + whole / MB_WORD; x++) o[x] = c + j;
  */
  //@ assert tile_own(c, o, MB_END);
  //@ assert tile_inside(c, o, MB_END);
  //@ assert tile_heads(c, o, MB_END);
  //@ assert tile_feet(c, o, MB_END);
  return j;
}

/* Merges the block at i with the block right after it into one block of
 * the summed size and state `is_free`; returns the merged size. */
/*@ requires chunk(c) && owners(o) && apart(c, o);
    requires tiled(c, o) && header(c, o, i);
    requires i + tag_words(c[i]) < MB_END;
    requires is_free <= 1;
    assigns c[i], c[i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]) - 1],
            o[i + tag_words(c[i]) .. i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]) - 1];
    ensures \result == \old(tag_size(c[i]) + tag_size(c[i + tag_words(c[i])]));
    ensures c[i] == \result + is_free;
    ensures i + tag_words(c[i]) == \old(i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]));
    ensures c[i + tag_words(c[i]) - 1] == c[i];
    ensures header(c, o, i) && !header(c, o, \old(i + tag_words(c[i])));
    ensures \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      (k < i || \old(i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])])) <= k) ==>
        c[k] == \old(c[k]);
    ensures tiled(c, o); */
static inline size_t mb_merge(size_t *c, size_t i, size_t is_free) /*@ ghost (size_t *\ghost *o) */ {
  size_t first = mb_size(c[i]);
  size_t j = i + mb_words(first);
  //@ assert i % 2 == 0 && MB_MIN <= first && i + first / MB_WORD <= MB_END;
  //@ assert header(c, o, j);
  size_t second = mb_size(c[j]);
  //@ assert MB_MIN <= second && j + second / MB_WORD <= MB_END;
  //@ assert \forall integer m; i <= m < j ==> ow(o, c, m) == i;
  //@ assert \forall integer m; j <= m < j + second / MB_WORD ==> ow(o, c, m) == j;
  /*@ assert \forall integer m; MB_FIRST <= m < MB_END && !(i <= m < j + second / MB_WORD) ==>
        !(i <= ow(o, c, m) < j + second / MB_WORD); */
  size_t merged = first + second;
  mb_set(c, i, merged, is_free);
  /*@ ghost
    /@ loop invariant j <= x <= j + second / MB_WORD;
       loop invariant \forall integer m; j <= m < x ==> ow(o, c, m) == i;
       loop invariant \forall integer m; 0 <= m < MB_CHUNK_WORDS && !(j <= m < x) ==>
         o[m] == \at(o[m], LoopEntry);
       loop assigns x, o[j .. j + second / MB_WORD - 1];
       loop variant j + second / MB_WORD - x; @/
    for (size_t x = j; x < j + second / MB_WORD; x++) o[x] = c + i;
  */
  //@ assert own_in(c, o, MB_FIRST, i);
  //@ assert own_in(c, o, i, j + second / MB_WORD);
  //@ assert own_in(c, o, j + second / MB_WORD, MB_END);
  //@ assert tile_own(c, o, MB_END);
  //@ assert inside_in(c, o, MB_FIRST, i);
  //@ assert inside_in(c, o, i, i + 1);
  //@ assert inside_in(c, o, i + 1, MB_END);
  //@ assert tile_inside(c, o, MB_END);
  //@ assert tile_heads(c, o, MB_END);
  //@ assert tile_feet(c, o, MB_END);
  return merged;
}

/* The header index of the block before the one at i, from its footer. */
/*@ requires \valid_read(c + (i - 1)) && i >= 1;
    assigns \nothing;
    ensures tag_words(c[i - 1]) <= i ==> \result == i - tag_words(c[i - 1]);
    ensures \forall size_t **o; tiled(c, o) && header(c, o, i) && MB_FIRST < i ==>
      \result == ow(o, c, i - 1) && header(c, o, \result) && \result + tag_words(c[\result]) == i; */
static inline size_t mb_prev(const size_t *c, size_t i) { return i - mb_words(mb_size(c[i - 1])); }

/* The header index of the block after the one at i. */
/*@ requires \valid_read(c + i) && i <= MB_CHUNK_WORDS;
    assigns \nothing;
    ensures \result == i + tag_words(c[i]);
    ensures \forall size_t **o; tiled(c, o) && header(c, o, i) ==>
      \result <= MB_END && (\result < MB_END ==> header(c, o, \result)); */
static inline size_t mb_next(const size_t *c, size_t i) { return i + mb_words(mb_size(c[i])); }

/*
 * Segregated-fit lists: first level = power of two, second level = one of
 * 16 equal steps within it. A free block of `size` goes on list
 * (fl, sl) = mb_list_of(size); a request of `size` searches from
 * mb_search_list(size), rounded up so that every block on that list or on a
 * later one is at least `size` bytes.
 */
typedef struct mb_list {
  unsigned fl;
  unsigned sl;
} mb_list_t;

/*@
  // The smallest size list (fl, sl) holds: 16-byte steps below MB_LINEAR,
  // then 16 steps of 2^(fl+3) from 2^(fl+7).
  logic integer list_min(integer fl, integer sl) =
    fl == 0 ? MB_ALIGN * sl : pow2(fl + 7) + sl * pow2(fl + 3);
  // The smallest size of the list after (fl, sl).
  logic integer list_end(integer fl, integer sl) =
    sl + 1 < MB_SL_COUNT ? list_min(fl, sl + 1) : list_min(fl + 1, 0);
*/

/*@ requires size <= MB_SIZE_LIMIT;
    assigns \nothing;
    ensures \result.sl < MB_SL_COUNT && \result.fl <= 33;
    ensures list_min(\result.fl, \result.sl) <= size < list_end(\result.fl, \result.sl); */
static inline mb_list_t mb_list_of(size_t size) {
  mb_list_t l;
  if (size < MB_LINEAR) {
    l.fl = 0;
    l.sl = (unsigned)(size / MB_ALIGN);
  } else {
    unsigned k = log2_floor(size);
    //@ ghost wd_lemma_shr(size, k - MB_SL_SHIFT);
    l.fl = k - 7;
    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT;
  }
  return l;
}

/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT;
    assigns \nothing;
    ensures \result.sl < MB_SL_COUNT && \result.fl <= 33;
    ensures size <= list_min(\result.fl, \result.sl);
    ensures 0 < \result.sl ==> list_min(\result.fl, \result.sl - 1) < size;
    ensures 0 < \result.fl && \result.sl == 0 ==>
      list_min(\result.fl - 1, MB_SL_COUNT - 1) < size; */
static inline mb_list_t mb_search_list(size_t size) {
  if (size >= MB_LINEAR) {
    unsigned k = log2_floor(size);
    //@ ghost wd_lemma_shl(1, k - MB_SL_SHIFT);
    size += ((size_t)1 << (k - MB_SL_SHIFT)) - 1;
  }
  return mb_list_of(size);
}

#endif /* WD_MEDIUM_BLOCK_H */
