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

/* The proofs' ghost view of a chunk: one entry per word. Never compiled
 * into code (only ghost code uses it); see the tiling invariant below. */
typedef struct mb_owner {
  size_t *head; /* the header of the block that holds the word */
  size_t *end;  /* for a header: the word just past its block */
} mb_owner_t;

/*@
  logic integer tag_size(integer t) = t - t % MB_ALIGN;
  logic integer tag_words(integer t) = tag_size(t) / MB_WORD;

  predicate chunk(size_t *c) = \valid(c + (0 .. MB_CHUNK_WORDS - 1));
  predicate owners(mb_owner_t *g) = \valid(g + (0 .. MB_CHUNK_WORDS - 1));
  predicate apart(size_t *c, mb_owner_t *g) =
    \separated(c + (0 .. MB_CHUNK_WORDS - 1), g + (0 .. MB_CHUNK_WORDS - 1));

  // THE TILING INVARIANT: the blocks of chunk c tile [MB_FIRST, e) exactly,
  // each block's header matching its footer.
  //
  // The ghost array g names, for every word m, the header hd(m) of the block
  // that holds it (a header is its own), and for a header k the end nd(k) of
  // its block (the index just past it). The invariant is the conjunction of
  // four clauses, each given for the words (or headers) of a range [lo, hi)
  // so that a proof can take a chunk a range at a time:
  //  - own: every word lies in the block of its header, at or before it;
  //    so the blocks cover [MB_FIRST, e);
  //  - inside: every word of a block names that block's header; so blocks
  //    do not overlap;
  //  - heads: a header is even (a 16-byte aligned payload in a 16-byte
  //    aligned chunk), its block ends by e, and its tag says the block's size
  //    (at least MB_MIN bytes, a multiple of 16) and nothing but a state in
  //    bit 0;
  //  - feet: the last word of every block (its footer) equals its header.
  // The clauses speak of a word, its header and its block's end only, never
  // of the word after a block, and only `heads` decodes a tag: the provers
  // then have no chain of terms to follow and little arithmetic to do.
  logic integer hd{L}(mb_owner_t *g, size_t *c, integer m) = g[m].head - c;
  logic integer nd{L}(mb_owner_t *g, size_t *c, integer m) = g[m].end - c;

  predicate own_in{L}(size_t *c, mb_owner_t *g, integer lo, integer hi) =
    \forall integer m; lo <= m < hi ==>
      MB_FIRST <= hd(g, c, m) <= m && hd(g, c, hd(g, c, m)) == hd(g, c, m) &&
      m < nd(g, c, hd(g, c, m));
  predicate inside_in{L}(size_t *c, mb_owner_t *g, integer lo, integer hi) =
    \forall integer k, m; lo <= k < hi && hd(g, c, k) == k &&
      k <= m < nd(g, c, k) ==> hd(g, c, m) == k;
  predicate heads_in{L}(size_t *c, mb_owner_t *g, integer lo, integer hi, integer e) =
    \forall integer m; lo <= m < hi && hd(g, c, m) == m ==>
      m % 2 == 0 && nd(g, c, m) <= e && (nd(g, c, m) - m) % 2 == 0 &&
      MB_MIN <= MB_WORD * (nd(g, c, m) - m) <= c[m] <= MB_WORD * (nd(g, c, m) - m) + 1;
  predicate feet_in{L}(size_t *c, mb_owner_t *g, integer lo, integer hi) =
    \forall integer m; lo <= m < hi && m + 1 == nd(g, c, hd(g, c, m)) ==>
      c[m] == c[hd(g, c, m)];

  predicate tiled_upto{L}(size_t *c, mb_owner_t *g, integer e) =
    MB_FIRST <= e <= MB_END &&
    own_in(c, g, MB_FIRST, e) && inside_in(c, g, MB_FIRST, e) &&
    heads_in(c, g, MB_FIRST, e, e) && feet_in(c, g, MB_FIRST, e);

  // A whole chunk: tiled, between its allocated size-0 end tags.
  predicate tiled{L}(size_t *c, mb_owner_t *g) =
    c[MB_FIRST - 1] == 0 && c[MB_END] == 0 && tiled_upto(c, g, MB_END);

  predicate header{L}(size_t *c, mb_owner_t *g, integer k) =
    MB_FIRST <= k < MB_END && hd(g, c, k) == k;
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
/*@ requires chunk(c) && owners(g) && apart(c, g);
    assigns c[MB_FIRST - 1], c[MB_END], c[MB_FIRST], c[MB_END - 1], g[MB_FIRST .. MB_END - 1];
    ensures c[MB_FIRST] == MB_WHOLE + 1;
    ensures tiled(c, g);
    ensures \forall integer k; header(c, g, k) <==> k == MB_FIRST; */
static inline void mb_init(size_t *c) /*@ ghost (mb_owner_t \ghost *g) */ {
  c[MB_FIRST - 1] = mb_tag(0, 0);
  c[MB_END] = mb_tag(0, 0);
  mb_set(c, MB_FIRST, MB_WHOLE, 1);
  /*@ ghost
    /@ loop invariant MB_FIRST <= x <= MB_END;
       loop invariant \forall integer m; MB_FIRST <= m < x ==> hd(g, c, m) == MB_FIRST;
       loop assigns x, g[MB_FIRST .. MB_END - 1];
       loop variant MB_END - x; @/
    for (size_t x = MB_FIRST; x < MB_END; x++) g[x].head = c + MB_FIRST;
    g[MB_FIRST].end = c + MB_END;
  */
  //@ assert own_in(c, g, MB_FIRST, MB_END);
  //@ assert inside_in(c, g, MB_FIRST, MB_END);
  //@ assert heads_in(c, g, MB_FIRST, MB_END, MB_END);
  //@ assert feet_in(c, g, MB_FIRST, MB_END);
}

/* Re-tags the block at i, keeping its size: allocated (0) or free (1). */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    requires tiled(c, g) && header(c, g, i) && is_free <= 1;
    assigns c[i], c[i + tag_words(c[i]) - 1];
    ensures c[i] == tag_size(\old(c[i])) + is_free;
    ensures tiled(c, g); */
static inline void mb_mark(size_t *c, size_t i, size_t is_free) /*@ ghost (mb_owner_t \ghost *g) */ {
  //@ assert tag_words(c[i]) == nd(g, c, i) - i;
  mb_set(c, i, mb_size(c[i]), is_free);
}

/* Splits the block at i (of size mb_size(c[i])) into a first block of
 * `first` bytes with state `first_free` and a free remainder right after
 * it. The caller guarantees first >= MB_MIN, the remainder >= MB_MIN, both
 * multiples of 16. Returns the remainder's index. */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    requires tiled(c, g) && header(c, g, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN;
    requires tag_size(c[i]) >= first + MB_MIN;
    requires first_free <= 1;
    assigns c[i], c[i + first / MB_WORD - 1], c[i + first / MB_WORD],
            c[i + tag_words(c[i]) - 1], g[i .. i + tag_words(c[i]) - 1];
    ensures \result == i + first / MB_WORD;
    ensures c[i] == first + first_free && c[\result - 1] == c[i];
    ensures c[\result] == \old(tag_size(c[i])) - first + 1;
    ensures \result + tag_words(c[\result]) == \old(i + tag_words(c[i]));
    ensures c[\result + tag_words(c[\result]) - 1] == c[\result];
    ensures tag_size(c[i]) + tag_size(c[\result]) == \old(tag_size(c[i]));
    ensures \result % 2 == 0 && header(c, g, i) && header(c, g, \result);
    ensures \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      (k < i || \old(i + tag_words(c[i])) <= k) ==> c[k] == \old(c[k]);
    ensures tiled(c, g); */
static inline size_t mb_split(size_t *c, size_t i, size_t first, size_t first_free)
    /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t whole = mb_size(c[i]);
  //@ assert whole / MB_WORD == nd(g, c, i) - i;
  size_t rest = whole - first;
  size_t j = i + mb_words(first);
  mb_set(c, i, first, first_free);
  mb_set(c, j, rest, 1);
  /*@ ghost
    /@ loop invariant j <= x <= i + whole / MB_WORD;
       loop invariant \forall integer m; j <= m < x ==> hd(g, c, m) == j;
       loop assigns x, g[j .. i + whole / MB_WORD - 1];
       loop variant i + whole / MB_WORD - x; @/
    for (size_t x = j; x < i + whole / MB_WORD; x++) g[x].head = c + j;
    g[j].end = c + (i + whole / MB_WORD);
    g[i].end = c + j;
  */
  return j;
}

/* Merges the block at i with the block right after it into one block of
 * the summed size and state `is_free`; returns the merged size. */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    requires tiled(c, g) && header(c, g, i);
    requires i + tag_words(c[i]) < MB_END;
    requires is_free <= 1;
    assigns c[i], c[i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]) - 1],
            g[i .. i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]) - 1];
    ensures \result == \old(tag_size(c[i]) + tag_size(c[i + tag_words(c[i])]));
    ensures c[i] == \result + is_free;
    ensures i + tag_words(c[i]) == \old(i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])]));
    ensures c[i + tag_words(c[i]) - 1] == c[i];
    ensures header(c, g, i) && !header(c, g, \old(i + tag_words(c[i])));
    ensures \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      (k < i || \old(i + tag_words(c[i]) + tag_words(c[i + tag_words(c[i])])) <= k) ==>
        c[k] == \old(c[k]);
    ensures tiled(c, g); */
static inline size_t mb_merge(size_t *c, size_t i, size_t is_free) /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t first = mb_size(c[i]);
  //@ assert first / MB_WORD == nd(g, c, i) - i;
  size_t j = i + mb_words(first);
  //@ assert header(c, g, j);
  size_t second = mb_size(c[j]);
  //@ assert second / MB_WORD == nd(g, c, j) - j;
  size_t merged = first + second;
  mb_set(c, i, merged, is_free);
  /*@ ghost
    /@ loop invariant j <= x <= j + second / MB_WORD;
       loop invariant \forall integer m; j <= m < x ==> hd(g, c, m) == i;
       loop assigns x, g[j .. j + second / MB_WORD - 1];
       loop variant j + second / MB_WORD - x; @/
    for (size_t x = j; x < j + second / MB_WORD; x++) g[x].head = c + i;
    g[i].end = c + (j + second / MB_WORD);
  */
  //@ assert own_in(c, g, MB_FIRST, i);
  //@ assert own_in(c, g, i, j + second / MB_WORD);
  //@ assert own_in(c, g, j + second / MB_WORD, MB_END);
  //@ assert inside_in(c, g, MB_FIRST, i);
  //@ assert inside_in(c, g, i, i + 1);
  //@ assert inside_in(c, g, i + 1, MB_END);
  //@ assert heads_in(c, g, MB_FIRST, MB_END, MB_END);
  //@ assert feet_in(c, g, MB_FIRST, i);
  //@ assert feet_in(c, g, i, j + second / MB_WORD);
  //@ assert feet_in(c, g, j + second / MB_WORD, MB_END);
  return merged;
}

/* The header index of the block before the one at i, from its footer. */
/*@ requires \valid_read(c + (i - 1)) && i >= 1;
    assigns \nothing;
    ensures tag_words(c[i - 1]) <= i ==> \result == i - tag_words(c[i - 1]);
    ensures \forall mb_owner_t *g; tiled(c, g) && header(c, g, i) && MB_FIRST < i ==>
      \result == hd(g, c, i - 1) && header(c, g, \result) && nd(g, c, \result) == i; */
static inline size_t mb_prev(const size_t *c, size_t i) { return i - mb_words(mb_size(c[i - 1])); }

/* The header index of the block after the one at i. */
/*@ requires \valid_read(c + i) && i <= MB_CHUNK_WORDS;
    assigns \nothing;
    ensures \result == i + tag_words(c[i]);
    ensures \forall mb_owner_t *g; tiled(c, g) && header(c, g, i) ==>
      \result == nd(g, c, i) && \result <= MB_END && (\result < MB_END ==> header(c, g, \result)); */
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
