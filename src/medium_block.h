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
 *   c[i]            tag (S + state: 0 allocated, 1 free, 2 quarantined)
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
#include <stdint.h>

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
/* A tag's state, its low bits: 0 allocated, 1 free, or this: freed but
 * waiting in the quarantine, so neither free nor mergeable (mb_is_free). */
#define MB_QUARANTINED 2
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

/* The proofs' ghost view of a chunk: one entry per word, never compiled
 * into code (only ghost code uses it); see the tiling invariant below. */
typedef struct mb_owner {
  /* Signed 32-bit fields, a type no real data of the proved headers has
   * (the chunk's words are size_t, the list bitmaps uint32_t): the prover
   * then keeps the ghost view in a memory of its own and never has to show
   * that a write to a chunk or a bitmap leaves it alone. */
  int32_t head; /* index of the header of the block that holds the word */
  int32_t end;  /* for a header: the index just past its block */
} mb_owner_t;

/*@
  logic integer tag_size(integer t) = t - t % MB_ALIGN;
  logic integer tag_words(integer t) = tag_size(t) / MB_WORD;

  predicate chunk(size_t *c) = \valid(c + (0 .. MB_CHUNK_WORDS - 1));
  predicate owners(mb_owner_t *g) = \valid(g + (0 .. MB_CHUNK_WORDS - 1));
  predicate apart(size_t *c, mb_owner_t *g) =
    \separated(c + (0 .. MB_CHUNK_WORDS - 1), g + (0 .. MB_CHUNK_WORDS - 1));

  // One well-formed block at i, as the routines below need it: its header
  // is even (a 16-byte aligned payload in a 16-byte aligned chunk), its tag
  // a size of at least MB_MIN bytes, a multiple of 16, plus a state in
  // {0, 1}; it ends by MB_END and its footer equals its header.
  predicate block{L}(size_t *c, integer i) =
    MB_FIRST <= i && i % 2 == 0 && c[i] % MB_ALIGN <= MB_QUARANTINED && tag_size(c[i]) >= MB_MIN &&
    i + tag_words(c[i]) <= MB_END && c[i + tag_words(c[i]) - 1] == c[i];

  logic integer hd{L}(mb_owner_t *g, integer m) = g[m].head;
  logic integer nd{L}(mb_owner_t *g, integer m) = g[m].end;

  // THE TILING INVARIANT: the blocks of a chunk cover [MB_FIRST, e) exactly,
  // each block's header matching its footer.
  //
  // The ghost array g names, for every word m, the header hd(g, m) of the
  // block that holds it (a header is its own) and, for a header k, the end
  // nd(g, k) of its block. It is two predicates so that a proof can take
  // them apart: `shape` speaks of g only (every word lies in exactly one
  // block, blocks are at least MB_MIN bytes and 16-byte aligned, and end by
  // e), `tags` says what the chunk's words hold (each header's tag gives its
  // block's size, and its footer repeats it).
  predicate shape_own{L}(mb_owner_t *g, integer e) =
    \forall integer m; MB_FIRST <= m < e ==>
       MB_FIRST <= hd(g, m) <= m && hd(g, hd(g, m)) == hd(g, m) && m < nd(g, hd(g, m));
  predicate shape_inside{L}(mb_owner_t *g, integer e) =
    \forall integer k, m; MB_FIRST <= k < e && hd(g, k) == k && k <= m < nd(g, k) ==>
       hd(g, m) == k;
  predicate shape_sizes{L}(mb_owner_t *g, integer e) =
    \forall integer k; MB_FIRST <= k < e && hd(g, k) == k ==>
       k % 2 == 0 && k + MB_MIN / MB_WORD <= nd(g, k) <= e && (nd(g, k) - k) % 2 == 0;
  predicate shape{L}(mb_owner_t *g, integer e) =
    shape_own(g, e) && shape_inside(g, e) && shape_sizes(g, e);
  // The block [k, e) as its tags say: its header holds its size and state,
  // its footer repeats the header.
  predicate tags_at{L}(size_t *c, integer k, integer e) =
    c[k] % MB_ALIGN <= MB_QUARANTINED && tag_words(c[k]) == e - k && c[e - 1] == c[k];
  predicate tags{L}(size_t *c, mb_owner_t *g, integer e) =
    \forall integer k; MB_FIRST <= k < e && hd(g, k) == k ==> tags_at(c, k, nd(g, k));
  // The tags of every block that lies wholly before lo or wholly from hi
  // on. A routine that writes only words in [lo, hi) keeps it, and so does
  // a ghost step that changes g only inside [lo, hi): this is how `tags`
  // is carried across a split or a merge without the provers having to
  // relate two states of the whole chunk at once.
  predicate tags_apart{L}(size_t *c, mb_owner_t *g, integer lo, integer hi) =
    \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k < nd(g, k) <= MB_END &&
      (nd(g, k) <= lo || hi <= k) ==> tags_at(c, k, nd(g, k));

  // A whole chunk: tiled, between its allocated size-0 end tags.
  predicate tiled{L}(size_t *c, mb_owner_t *g) =
    c[MB_FIRST - 1] == 0 && c[MB_END] == 0 && shape(g, MB_END) && tags(c, g, MB_END);

  predicate header{L}(mb_owner_t *g, integer k) = MB_FIRST <= k < MB_END && hd(g, k) == k;
*/

/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT && state <= MB_QUARANTINED;
    assigns \nothing;
    ensures \result == size + state;
    ensures tag_size(\result) == size && \result % MB_ALIGN == state; */
static inline size_t mb_tag(size_t size, size_t state) { return size + state; }

/*@ assigns \nothing;
    ensures \result == tag_size(tag);
    ensures \result % MB_ALIGN == 0 && \result <= tag; */
static inline size_t mb_size(size_t tag) { return tag - tag % MB_ALIGN; }

/* A quarantined block is not free: nothing merges with it or lists it. */
/*@ assigns \nothing;
    ensures \result == tag % 2;
    ensures tag % MB_ALIGN <= MB_QUARANTINED ==> (\result == 1 <==> tag % MB_ALIGN == 1); */
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

/* Writes header and footer of the block at i, in state `state`. */
/*@ requires chunk(c);
    requires size % MB_ALIGN == 0 && size >= MB_ALIGN && size <= MB_SIZE_LIMIT && state <= MB_QUARANTINED;
    requires i + size / MB_WORD <= MB_CHUNK_WORDS;
    assigns c[i], c[i + size / MB_WORD - 1];
    ensures c[i] == size + state && tag_size(c[i]) == size && c[i] % MB_ALIGN == state;
    ensures c[i] % MB_ALIGN <= MB_QUARANTINED && tag_words(c[i]) == size / MB_WORD;
    ensures c[i + size / MB_WORD - 1] == c[i];
    ensures keep: \forall integer lo, hi; lo <= i && i + size / MB_WORD <= hi ==>
      tags_apart{Pre}(c, g, lo, hi) ==> tags_apart(c, g, lo, hi); */
static inline void mb_set(size_t *c, size_t i, size_t size, size_t state) /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t t = mb_tag(size, state);
  c[i] = t;
  c[i + mb_words(size) - 1] = t;
}

/*@ ghost
  // Makes the words [lo, hi) part of the block whose header is k.
  /@ requires owners(g) && lo <= hi <= MB_CHUNK_WORDS;
     assigns g[lo .. hi - 1].head;
     ensures \forall integer m; lo <= m < hi ==> hd(g, m) == k; @/
  static void mb_own(mb_owner_t \ghost *g, size_t lo, size_t hi, int32_t k) {
    /@ loop invariant lo <= x <= hi;
       loop invariant \forall integer m; lo <= m < x ==> hd(g, m) == k;
       loop assigns x, g[lo .. hi - 1].head;
       loop variant hi - x; @/
    for (size_t x = lo; x < hi; x++) g[x].head = k;
  }

  // Sets the ends of headers i and j, with the frame stated: in
  // mb_shape_split's context the provers took up to 8 s to find it.
  /@ requires owners(g) && i < MB_CHUNK_WORDS && j < MB_CHUNK_WORDS && i != j;
     assigns g[i].end, g[j].end;
     ensures nd(g, i) == ei && nd(g, j) == ej;
     ensures \forall integer m; 0 <= m < MB_CHUNK_WORDS && m != i && m != j ==> nd(g, m) == \old(nd(g, m));
     ensures \forall integer m; 0 <= m < MB_CHUNK_WORDS ==> hd(g, m) == \old(hd(g, m)); @/
  static void mb_set_ends(mb_owner_t \ghost *g, size_t i, int32_t ei, size_t j, int32_t ej) {
    g[j].end = ej;
    g[i].end = ei;
  }

  // The block of header i as the tiling sees it: its end, the block after
  // it, and that no other block reaches into it.
  /@ requires owners(g) && shape(g, MB_END) && header(g, i);
     assigns \nothing;
     ensures i % 2 == 0 && i + MB_MIN / MB_WORD <= nd(g, i) <= MB_END;
     ensures \forall integer m; i <= m < nd(g, i) ==> hd(g, m) == i;
     ensures nd(g, i) < MB_END ==> header(g, nd(g, i));
     ensures \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i ==>
       nd(g, k) <= i || nd(g, i) <= k; @/
  static void mb_lemma_block(mb_owner_t \ghost *g, size_t i) {
    /@ assert nd(g, i) < MB_END ==> hd(g, nd(g, i) - 1) == i; @/
    /@ assert nd(g, i) < MB_END ==> hd(g, nd(g, i)) <= nd(g, i) < nd(g, hd(g, nd(g, i))); @/
    /@ assert nd(g, i) < MB_END && hd(g, nd(g, i)) < nd(g, i) ==>
         hd(g, nd(g, i) - 1) == hd(g, nd(g, i)); @/
  }

  // What a tiled chunk's tags say of the block at header i: what mb_next
  // and mb_prev compute is the tiling's neighbour.
  /@ requires chunk(c) && owners(g) && tiled(c, g) && header(g, i);
     assigns \nothing;
     ensures next: i + tag_words(c[i]) == nd(g, i) <= MB_END;
     ensures next_header: nd(g, i) < MB_END ==> header(g, nd(g, i));
     ensures block: block(c, i);
     ensures prev: MB_FIRST < i ==> header(g, hd(g, i - 1)) && nd(g, hd(g, i - 1)) == i &&
       i - tag_words(c[i - 1]) == hd(g, i - 1); @/
  static void mb_lemma_neighbours(size_t *c, mb_owner_t \ghost *g, size_t i) {
    mb_lemma_block(g, i);
    /@ assert c[i] % MB_ALIGN <= MB_QUARANTINED && tag_words(c[i]) == nd(g, i) - i; @/
    /@ assert tag_size(c[i]) % MB_ALIGN == 0; @/
    /@ assert tag_size(c[i]) == MB_WORD * tag_words(c[i]); @/
    /@ assert c[i + tag_words(c[i]) - 1] == c[i]; @/
    if (MB_FIRST < i) {
      int32_t h = g[i - 1].head;
      /@ assert MB_FIRST <= h <= i - 1 < nd(g, h) && hd(g, h) == h; @/
      /@ assert h + MB_MIN / MB_WORD <= nd(g, h); @/
      /@ assert nd(g, h) <= i; @/
      /@ assert nd(g, h) == i; @/
      /@ assert c[nd(g, h) - 1] == c[h]; @/
      /@ assert c[i - 1] == c[h]; @/
      /@ assert tag_words(c[i - 1]) == i - h; @/
    }
  }

  // The ghost side of one step of the walk: the tiling of [MB_FIRST, i)
  // grows by the block [i, j).
  /@ requires owners(g) && shape(g, i) && MB_FIRST <= i && i % 2 == 0;
     requires i + MB_MIN / MB_WORD <= j <= MB_END && (j - i) % 2 == 0;
     assigns g[i .. j - 1].head, g[i].end;
     ensures shape(g, j) && hd(g, i) == i && nd(g, i) == j;
     ensures \forall integer m; i <= m < j ==> hd(g, m) == i;
     ensures \forall integer m; MB_FIRST <= m < i ==>
       hd(g, m) == \old(hd(g, m)) && nd(g, m) == \old(nd(g, m)); @/
  static void mb_shape_extend(mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_own(g, i, j, (int32_t)i);
    g[i].end = (int32_t)j;
    /@ assert \forall integer m; MB_FIRST <= m < i ==> \at(hd(g, m), Pre) < i; @/
    /@ assert \forall integer m; MB_FIRST <= m < i ==>
         hd(g, m) == \at(hd(g, m), Pre) && nd(g, m) == \at(nd(g, m), Pre); @/
    /@ assert shape_own(g, j); @/
    /@ assert shape_inside(g, j); @/
    /@ assert shape_sizes(g, j); @/
  }

  // The ghost side of a split: block [i, e) becomes [i, j) and [j, e).
  /@ requires owners(g) && shape(g, MB_END) && header(g, i);
     requires i + MB_MIN / MB_WORD <= j && j + MB_MIN / MB_WORD <= nd(g, i) && (j - i) % 2 == 0;
     assigns g[j .. nd(g, i) - 1].head, g[i].end, g[j].end;
     ensures shape(g, MB_END) && header(g, i) && header(g, j);
     ensures nd(g, i) == j && nd(g, j) == \old(nd(g, i));
     ensures \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j ==>
       \old(hd(g, k)) == k && nd(g, k) == \old(nd(g, k)) && (nd(g, k) <= i || \old(nd(g, i)) <= k); @/
  static void mb_shape_split(mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_lemma_block(g, i);
    int32_t e = g[i].end;
    /@ assert \forall integer m; e <= m < MB_END ==>
         MB_FIRST <= hd(g, m) <= m && hd(g, hd(g, m)) == hd(g, m) && m < nd(g, hd(g, m)); @/
    /@ assert \forall integer m; e <= m < MB_END ==> hd(g, m) != i; @/
    /@ assert \forall integer m; e <= m < MB_END ==> i < nd(g, hd(g, m)); @/
    /@ assert \forall integer m; e <= m < MB_END ==> nd(g, hd(g, m)) <= i || e <= hd(g, m); @/
    /@ assert \forall integer m; e <= m < MB_END ==> e <= hd(g, m); @/
    /@ assert \forall integer m; MB_FIRST <= m < i ==> hd(g, m) < i; @/
    /@ assert \forall integer k; MB_FIRST <= k < i && hd(g, k) == k ==> nd(g, k) <= i; @/
    mb_own(g, j, e, (int32_t)j);
    mb_set_ends(g, i, (int32_t)j, j, e);
    /@ assert \forall integer m; MB_FIRST <= m < MB_END ==>
         hd(g, m) == (j <= m < e ? j : \at(hd(g, m), Pre)); @/
    /@ assert \forall integer m; MB_FIRST <= m < MB_END && m != i && m != j ==>
         nd(g, m) == \at(nd(g, m), Pre); @/
    /@ assert \forall integer m; MB_FIRST <= m < MB_END && !(i <= m < e) ==>
         \at(hd(g, m), Pre) != i && (\at(hd(g, m), Pre) < i || e <= \at(hd(g, m), Pre)); @/
    /@ assert shape_own(g, MB_END); @/
    // shape_inside one block at a time: the first part, the remainder,
    // then every other block (as one goal it took up to 7 s).
    /@ assert \forall integer m; i <= m < nd(g, i) ==> hd(g, m) == i; @/
    /@ assert \forall integer m; j <= m < nd(g, j) ==> hd(g, m) == j; @/
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j ==>
         (k < i || e <= k) && \at(hd(g, k), Pre) == k && nd(g, k) == \at(nd(g, k), Pre); @/
    /@ assert \forall integer k; MB_FIRST <= k < i && hd(g, k) == k ==> nd(g, k) <= i; @/
    /@ assert \forall integer k, m; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j &&
         k <= m < nd(g, k) ==> !(j <= m < e); @/
    /@ assert \forall integer k, m; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j &&
         k <= m < nd(g, k) ==> \at(hd(g, m), Pre) == k; @/
    /@ assert \forall integer k, m; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j &&
         k <= m < nd(g, k) ==> hd(g, m) == k; @/
    /@ assert shape_inside(g, MB_END); @/
    /@ assert shape_sizes(g, MB_END); @/
  }

  // The ghost side of a merge: blocks [i, j) and [j, e) become [i, e).
  /@ requires owners(g) && shape(g, MB_END) && header(g, i) && j == nd(g, i) && header(g, j);
     assigns g[j .. nd(g, j) - 1].head, g[i].end;
     ensures shape(g, MB_END) && header(g, i) && !header(g, j);
     ensures nd(g, i) == \old(nd(g, j));
     ensures \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i ==>
       \old(hd(g, k)) == k && k != j && nd(g, k) == \old(nd(g, k)) &&
       (nd(g, k) <= i || \old(nd(g, j)) <= k);
     ensures own: \forall integer m; MB_FIRST <= m < MB_END && !(j <= m < \old(nd(g, j))) ==>
       hd(g, m) == \old(hd(g, m)); @/
  static void mb_shape_merge(mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_lemma_block(g, i);
    mb_lemma_block(g, j);
    int32_t e = g[j].end;
    mb_own(g, j, e, (int32_t)i);
    g[i].end = e;
    /@ assert \forall integer m; MB_FIRST <= m < MB_END ==>
         hd(g, m) == (j <= m < e ? i : \at(hd(g, m), Pre)); @/
    /@ assert \forall integer m; MB_FIRST <= m < MB_END && m != i ==>
         nd(g, m) == \at(nd(g, m), Pre); @/
    /@ assert shape_own(g, MB_END); @/
    /@ assert shape_inside(g, MB_END); @/
    /@ assert shape_sizes(g, MB_END); @/
  }

  // The lemmas below carry `tags` across a split, a merge and a step of the
  // walk. Each speaks of one state of the chunk, or of one ghost step, so
  // that no prover goal has to relate the whole chunk before and after.

  // A well-formed block's tags, as `tags` states them.
  /@ requires block(c, i) && e == i + tag_words(c[i]);
     assigns \nothing;
     ensures tags_at(c, i, e); @/
  static void mb_lemma_tags_block(const size_t *c, size_t i, size_t e) {}

  // The same, for a block the ghost view already knows.
  /@ requires block(c, i) && nd(g, i) == i + tag_words(c[i]);
     assigns \nothing;
     ensures tags_at(c, i, nd(g, i)); @/
  static void mb_lemma_tags_header(const size_t *c, mb_owner_t \ghost *g, size_t i) {}

  // `tags_apart` is `tags` with fewer blocks.
  /@ requires tags(c, g, MB_END);
     assigns \nothing;
     ensures tags_apart(c, g, lo, hi); @/
  static void mb_lemma_tags_apart(const size_t *c, mb_owner_t \ghost *g, size_t lo, size_t hi) {}

  // The blocks apart from [i, e) and two blocks i and j with their tags make
  // every block of a chunk where no other block reaches into [i, e).
  /@ requires shape(g, MB_END) && tags_apart(c, g, i, e);
     requires tags_at(c, i, nd(g, i)) && tags_at(c, j, nd(g, j));
     requires others: \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j ==>
       nd(g, k) <= i || e <= k;
     assigns \nothing;
     ensures tags(c, g, MB_END); @/
  static void mb_lemma_tags_assemble(const size_t *c, mb_owner_t \ghost *g, size_t i, size_t j, size_t e) {
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k ==> k < nd(g, k) <= MB_END; @/
  }

  // mb_shape_split, and what it means for the blocks apart from [i, e).
  /@ requires owners(g) && shape(g, MB_END) && header(g, i);
     requires i + MB_MIN / MB_WORD <= j && j + MB_MIN / MB_WORD <= nd(g, i) && (j - i) % 2 == 0;
     requires tags_apart(c, g, i, nd(g, i));
     assigns g[j .. nd(g, i) - 1].head, g[i].end, g[j].end;
     ensures shape(g, MB_END) && header(g, i) && header(g, j);
     ensures nd(g, i) == j && nd(g, j) == \old(nd(g, i));
     ensures tags_apart(c, g, i, nd(g, j));
     ensures others: \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i && k != j ==>
       nd(g, k) <= i || nd(g, j) <= k; @/
  static void mb_shape_split_tags(const size_t *c, mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_shape_split(g, i, j);
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k < nd(g, k) <= MB_END &&
         (nd(g, k) <= i || nd(g, j) <= k) ==> k != i && k != j; @/
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k < nd(g, k) <= MB_END &&
         (nd(g, k) <= i || nd(g, j) <= k) ==>
         \at(hd(g, k), Pre) == k && \at(nd(g, k), Pre) == nd(g, k); @/
  }

  // mb_shape_merge, and what it means for the blocks apart from [i, e).
  /@ requires owners(g) && shape(g, MB_END) && header(g, i) && j == nd(g, i) && header(g, j);
     requires tags_apart(c, g, i, nd(g, j));
     assigns g[j .. nd(g, j) - 1].head, g[i].end;
     ensures shape(g, MB_END) && header(g, i) && !header(g, j);
     ensures nd(g, i) == \old(nd(g, j));
     ensures tags_apart(c, g, i, nd(g, i));
     ensures others: \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k != i ==>
       nd(g, k) <= i || nd(g, i) <= k;
     ensures own: \forall integer m; MB_FIRST <= m < MB_END && !(j <= m < \old(nd(g, j))) ==>
       hd(g, m) == \old(hd(g, m)); @/
  static void mb_shape_merge_tags(const size_t *c, mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_shape_merge(g, i, j);
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k < nd(g, k) <= MB_END &&
         (nd(g, k) <= i || nd(g, i) <= k) ==> k != i; @/
    /@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k && k < nd(g, k) <= MB_END &&
         (nd(g, k) <= i || nd(g, i) <= k) ==>
         \at(hd(g, k), Pre) == k && \at(nd(g, k), Pre) == nd(g, k); @/
  }

  // mb_shape_extend, with the tags of the blocks it has walked.
  /@ requires owners(g) && shape(g, i) && MB_FIRST <= i && i % 2 == 0;
     requires i + MB_MIN / MB_WORD <= j <= MB_END && (j - i) % 2 == 0;
     requires tags(c, g, i) && tags_at(c, i, j);
     assigns g[i .. j - 1].head, g[i].end;
     ensures shape(g, j) && tags(c, g, j); @/
  static void mb_shape_extend_tags(const size_t *c, mb_owner_t \ghost *g, size_t i, size_t j) {
    mb_shape_extend(g, i, j);
    /@ assert \forall integer k; MB_FIRST <= k < i && hd(g, k) == k ==>
         \at(hd(g, k), Pre) == k && \at(nd(g, k), Pre) == nd(g, k); @/
    /@ assert \forall integer k; i <= k < j && hd(g, k) == k ==> k == i; @/
  }
*/

/* Lays out an empty chunk: the end tags and one free block between them. */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    assigns c[MB_FIRST - 1], c[MB_END], c[MB_FIRST], c[MB_END - 1], g[MB_FIRST .. MB_END - 1];
    ensures c[MB_FIRST] == MB_WHOLE + 1;
    ensures tiled(c, g);
    ensures \forall integer k; header(g, k) <==> k == MB_FIRST; */
static inline void mb_init(size_t *c) /*@ ghost (mb_owner_t \ghost *g) */ {
  c[MB_FIRST - 1] = mb_tag(0, 0);
  c[MB_END] = mb_tag(0, 0);
  mb_set(c, MB_FIRST, MB_WHOLE, 1) /*@ ghost (g) */;
  //@ ghost mb_own(g, MB_FIRST, MB_END, MB_FIRST);
  //@ ghost g[MB_FIRST].end = MB_END;
  //@ assert \forall integer m; MB_FIRST <= m < MB_END ==> hd(g, m) == MB_FIRST;
  //@ assert tag_words(c[MB_FIRST]) == MB_END - MB_FIRST && c[MB_FIRST] % MB_ALIGN <= MB_QUARANTINED;
  //@ assert shape(g, MB_END);
  //@ assert nd(g, MB_FIRST) == MB_END && c[MB_END - 1] == c[MB_FIRST];
  //@ assert \forall integer k; MB_FIRST <= k < MB_END && hd(g, k) == k ==> k == MB_FIRST;
  //@ assert tags(c, g, MB_END);
  //@ assert c[MB_FIRST - 1] == 0 && c[MB_END] == 0;
}

/* Splits the block at i (of size mb_size(c[i])) into a first block of
 * `first` bytes with state `first_free` and a free remainder right after
 * it. The caller guarantees first >= MB_MIN, the remainder >= MB_MIN, both
 * multiples of 16. Returns the remainder's index. */
/*@ requires chunk(c);
    requires block(c, i);
    requires first % MB_ALIGN == 0 && first >= MB_MIN;
    requires tag_size(c[i]) >= first + MB_MIN;
    requires first_free <= 1;
    assigns c[i], c[i + first / MB_WORD - 1], c[i + first / MB_WORD], c[i + tag_words(c[i]) - 1];
    ensures \result == i + first / MB_WORD;
    ensures sizes: c[i] == first + first_free && tag_size(c[i]) + tag_size(c[\result]) == \old(tag_size(c[i]));
    ensures free_rest: c[\result] == \old(tag_size(c[i])) - first + 1;
    ensures adjacent: \result == i + tag_words(c[i]);
    ensures same_end: \result + tag_words(c[\result]) == \old(i + tag_words(c[i]));
    ensures blocks: block(c, i) && block(c, \result);
    ensures frame: \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      k != i && k != \result - 1 && k != \result && k != \old(i + tag_words(c[i])) - 1 ==>
        c[k] == \old(c[k]);
    ensures keep: tags_apart{Pre}(c, g, i, \at(i + tag_words(c[i]), Pre)) ==>
      tags_apart(c, g, i, \at(i + tag_words(c[i]), Pre)); */
static inline size_t mb_split(size_t *c, size_t i, size_t first, size_t first_free)
    /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t whole = mb_size(c[i]);
  //@ assert whole == tag_size(c[i]) && whole % MB_WORD == 0 && i + whole / MB_WORD <= MB_END;
  size_t rest = whole - first;
  size_t j = i + mb_words(first);
  //@ assert j == i + first / MB_WORD && rest == whole - first && rest % MB_ALIGN == 0;
  //@ assert j + rest / MB_WORD == i + whole / MB_WORD && j % 2 == 0;
  mb_set(c, i, first, first_free) /*@ ghost (g) */;
  // One fact a step: the second write leaves the first block's two tags
  // alone, and each block is then shown well formed on its own (as one
  // goal after both writes, the provers needed up to 8 s).
  //@ ghost size_t t = c[i];
  //@ assert c[i + first / MB_WORD - 1] == t;
  //@ assert c[j - 1] == t;
  //@ assert t % MB_ALIGN <= MB_QUARANTINED && tag_size(t) == first && tag_words(t) == j - i;
  //@ assert i < j - 1 < j < j + rest / MB_WORD - 1;
  mb_set(c, j, rest, 1) /*@ ghost (g) */;
  //@ assert c[i] == t && c[j - 1] == t;
  //@ assert c[j + rest / MB_WORD - 1] == c[j] && tag_words(c[j]) == rest / MB_WORD;
  //@ assert block(c, i);
  //@ assert block(c, j);
  return j;
}

/* Merges the block at i with the block j right after it into one block of
 * the summed size and state `is_free`; returns the merged size. */
/*@ requires chunk(c);
    requires block(c, i) && j == i + tag_words(c[i]) && j < MB_END && block(c, j);
    requires is_free <= 1;
    assigns c[i], c[j + tag_words(c[j]) - 1];
    ensures sum: \result == \old(tag_size(c[i])) + \old(tag_size(c[j]));
    ensures c[i] == \result + is_free;
    ensures same_end: i + tag_words(c[i]) == \old(j + tag_words(c[j]));
    ensures blocks: block(c, i);
    ensures frame: \forall integer k; 0 <= k < MB_CHUNK_WORDS &&
      k != i && k != \old(j + tag_words(c[j])) - 1 ==> c[k] == \old(c[k]);
    ensures keep: tags_apart{Pre}(c, g, i, \at(j + tag_words(c[j]), Pre)) ==>
      tags_apart(c, g, i, \at(j + tag_words(c[j]), Pre)); */
static inline size_t mb_merge(size_t *c, size_t i, size_t j, size_t is_free)
    /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t first = mb_size(c[i]);
  size_t second = mb_size(c[j]);
  //@ assert j + second / MB_WORD <= MB_END && second % MB_WORD == 0 && first % MB_WORD == 0;
  size_t merged = first + second;
  //@ assert merged == first + second && merged % MB_ALIGN == 0 && merged <= MB_SIZE_LIMIT;
  //@ assert i + merged / MB_WORD == j + second / MB_WORD;
  mb_set(c, i, merged, is_free) /*@ ghost (g) */;
  return merged;
}

/* A change of a block's state alone, with its size kept: a block handed
 * out, freed, entering or leaving the quarantine. Proved to leave a tiled
 * chunk tiled. The split and the merge change sizes: ms_split and ms_merge
 * (medium_step.h) prove the same for them. */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    requires tiled(c, g) && header(g, i) && state <= MB_QUARANTINED;
    assigns c[i], c[i + tag_words(c[i]) - 1];
    ensures tiled(c, g) && c[i] % MB_ALIGN == state && tag_size(c[i]) == \old(tag_size(c[i])); */
static inline void mb_set_state(size_t *c, size_t i, size_t state) /*@ ghost (mb_owner_t \ghost *g) */ {
  //@ ghost mb_lemma_neighbours(c, g, i);
  //@ ghost mb_lemma_block(g, i);
  //@ ghost mb_lemma_tags_apart(c, g, i, g[i].end);
  mb_set(c, i, mb_size(c[i]), state) /*@ ghost (g) */;
  //@ ghost mb_lemma_tags_header(c, g, i);
  //@ ghost mb_lemma_tags_assemble(c, g, i, i, g[i].end);
}

/* The header index of the block before the one at i, from its footer
 * (mb_lemma_neighbours: in a tiled chunk, the block before i). */
/*@ requires \valid_read(c + (i - 1)) && i >= 1 && tag_words(c[i - 1]) <= i;
    assigns \nothing;
    ensures \result == i - tag_words(c[i - 1]); */
static inline size_t mb_prev(const size_t *c, size_t i) { return i - mb_words(mb_size(c[i - 1])); }

/* The header index of the block after the one at i (mb_lemma_neighbours: in
 * a tiled chunk, the block after i). */
/*@ requires \valid_read(c + i) && i <= MB_CHUNK_WORDS;
    assigns \nothing;
    ensures \result == i + tag_words(c[i]); */
static inline size_t mb_next(const size_t *c, size_t i) { return i + mb_words(mb_size(c[i])); }

/* Whether the block at i is well formed (the predicate `block`): the walk's
 * test of one block. */
/*@ requires chunk(c) && MB_FIRST <= i < MB_END && i % 2 == 0;
    assigns \nothing;
    ensures \result != 0 <==> block(c, i); */
static inline int mb_block_ok(const size_t *c, size_t i) {
  size_t t = c[i];
  size_t size = mb_size(t);
  if (t % MB_ALIGN > MB_QUARANTINED || size < MB_MIN || mb_words(size) > MB_END - i) return 0;
  return c[i + mb_words(size) - 1] == t;
}

/* The heap checker's walk over a chunk: from MB_FIRST, each block starting
 * where the last one ended (mb_next). Returns the first block that breaks
 * the tiling (a tag that is not size + state, a size under MB_MIN, a block
 * running past MB_END, a footer unlike its header), or MB_END when the
 * blocks tile the chunk exactly. It reads tags only: medium.c names the
 * rule the returned block breaks, and checks what the proofs leave to it
 * (checksums, addresses, coalescing).
 *
 * The ghost g receives the tiling the walk found, so "tiled up to the
 * result" is a statement about this chunk's words, not a claim that some
 * tiling exists. */
/*@ requires chunk(c) && owners(g) && apart(c, g);
    assigns g[MB_FIRST .. MB_END - 1].head, g[MB_FIRST .. MB_END - 1].end;
    ensures range: MB_FIRST <= \result <= MB_END && \result % 2 == 0;
    ensures upto: shape(g, \result) && tags(c, g, \result);
    ensures broken: \result < MB_END ==> !block(c, \result);
    ensures tiled: \result == MB_END && c[MB_FIRST - 1] == 0 && c[MB_END] == 0 ==> tiled(c, g); */
static inline size_t mb_walk(const size_t *c) /*@ ghost (mb_owner_t \ghost *g) */ {
  size_t i = MB_FIRST;
  /*@ loop invariant MB_FIRST <= i <= MB_END && i % 2 == 0;
      loop invariant shape(g, i) && tags(c, g, i);
      loop assigns i, g[MB_FIRST .. MB_END - 1].head, g[MB_FIRST .. MB_END - 1].end;
      loop variant MB_END - i; */
  while (i < MB_END) {
    if (!mb_block_ok(c, i)) return i;
    size_t j = mb_next(c, i);
    //@ assert tag_size(c[i]) % MB_ALIGN == 0 && tag_size(c[i]) == MB_WORD * tag_words(c[i]);
    //@ assert i + MB_MIN / MB_WORD <= j <= MB_END && (j - i) % 2 == 0;
    //@ ghost mb_lemma_tags_block(c, i, j);
    //@ ghost mb_shape_extend_tags(c, g, i, j);
    i = j;
  }
  return i;
}

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
    ensures low: list_min(\result.fl, \result.sl) <= size;
    ensures high: size < list_end(\result.fl, \result.sl); */
static inline mb_list_t mb_list_of(size_t size) {
  mb_list_t l;
  if (size < MB_LINEAR) {
    l.fl = 0;
    l.sl = (unsigned)(size / MB_ALIGN);
  } else {
    unsigned k = log2_floor(size);
    //@ ghost wd_lemma_shr(size, k - MB_SL_SHIFT);
    // The steps below keep every goal small (each proves in well under a
    // second; as one goal the bounds took up to 13 s): with P = 2^(k-4) and
    // q = size / P, 16 P <= size < 32 P gives 16 <= q < 32, and the list
    // (k - 7, q - 16) spans exactly [q P, (q + 1) P).
    //@ ghost size_t q = size >> (k - MB_SL_SHIFT);
    //@ assert 8 <= k <= 40;
    //@ assert pow2(k) == 16 * pow2(k - MB_SL_SHIFT) && pow2(k + 1) == 32 * pow2(k - MB_SL_SHIFT);
    //@ assert q * pow2(k - MB_SL_SHIFT) < 32 * pow2(k - MB_SL_SHIFT);
    //@ assert q < 32;
    //@ assert 16 * pow2(k - MB_SL_SHIFT) < (q + 1) * pow2(k - MB_SL_SHIFT);
    //@ assert 16 <= q;
    l.fl = k - 7;
    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT;
    //@ assert l.sl == q - 16;
    //@ assert list_min(l.fl, l.sl) == q * pow2(k - MB_SL_SHIFT);
    //@ assert list_end(l.fl, l.sl) == (q + 1) * pow2(k - MB_SL_SHIFT);
  }
  return l;
}

/*@ requires size % MB_ALIGN == 0 && size <= MB_SIZE_LIMIT / 2;
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
    //@ assert pow2(k - MB_SL_SHIFT) <= pow2(k) <= size;
    size += ((size_t)1 << (k - MB_SL_SHIFT)) - 1;
  }
  return mb_list_of(size);
}

/*
 * The search for the next non-empty list, on the arena's two bitmaps: bit
 * f of fl_map stands for sl_map[f] != 0, bit s of sl_map[f] for list (f, s)
 * being non-empty. Lists are searched in (fl, sl) order, and a search that
 * finds nothing returns the list just past the last first level, (count, 0),
 * which callers test with fl < count as they do for mb_search_list. The
 * maps are shifted right instead of masked so that the prover only needs
 * its axiom for a bit of x >> n.
 *
 * Two habits of the provers shape the assertions below. They do not match a
 * bit s against i + from.sl, so each shift fact is indexed by the bit s of
 * the unshifted word. And WP's simplifier turns bit_test into a mask test in
 * assertions but not inside a predicate's body, after which the provers
 * cannot relate the two forms: "every list from the start on is empty" is
 * therefore written out in full each time, not named.
 */
/*@
  // (f0, s0) comes no later than (f, s) in search order.
  predicate list_le(integer f0, integer s0, integer f, integer s) =
    f0 < f || (f0 == f && s0 <= s);
*/

/*@ requires count <= 32 && \valid_read(sl_map + (0 .. count - 1));
    requires from.sl < 32;
    requires fl_high: \forall integer f; count <= f < 32 ==> !bit_test(fl_map, f);
    assigns \nothing;
    ensures bounds: \result.fl <= count && \result.sl < 32;
    ensures none: \result.fl == count ==> \result.sl == 0;
    ensures found: \result.fl < count ==>
      list_le(from.fl, from.sl, \result.fl, \result.sl) && bit_test(sl_map[\result.fl], \result.sl);
    ensures start_level: from.fl < count ==> \forall integer s;
      from.sl <= s < 32 && (\result.fl == from.fl ==> s < \result.sl) ==>
        !bit_test(sl_map[from.fl], s);
    ensures levels_between: \result.fl < count ==>
      \forall integer f; from.fl < f < \result.fl ==> !bit_test(fl_map, f);
    ensures lowest_in_level: from.fl < \result.fl < count ==>
      \forall integer s; 0 <= s < \result.sl ==> !bit_test(sl_map[\result.fl], s);
    // What the arena keeps true between calls: fl_map marks exactly the
    // first levels with a non-empty list.
    behavior agree:
      assumes \forall integer f; 0 <= f < count ==> (bit_test(fl_map, f) <==> sl_map[f] != 0);
      ensures words_between: \forall integer f; from.fl < f < \result.fl ==>
        !bit_test(fl_map, f) && sl_map[f] == 0;
      ensures none_iff: from.fl < count ==>
        (\result.fl == count <==>
          (\forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s)) &&
          (\forall integer f; from.fl < f < count ==> sl_map[f] == 0)); */
static inline mb_list_t mb_find_list(uint32_t fl_map, const uint32_t *sl_map, unsigned count,
                                     mb_list_t from) {
  mb_list_t l = {count, 0};
  if (from.fl >= count) return l;
  uint32_t word = sl_map[from.fl];
  uint32_t sl_bits = word >> from.sl;
  //@ assert sl_shift: \forall integer s; from.sl <= s < 32 ==> (bit_test(word, s) <==> bit_test(sl_bits, s - from.sl));
  if (sl_bits != 0) {
    unsigned r = lowest_bit(sl_bits);
    //@ assert r < 32 && bit_test(word, r + from.sl);
    //@ assert \forall integer s; from.sl <= s < from.sl + r ==> !bit_test(sl_bits, s - from.sl);
    //@ assert \forall integer s; from.sl <= s < from.sl + r ==> !bit_test(word, s);
    /*@ assert !((\forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s)) &&
          (\forall integer f; from.fl < f < count ==> sl_map[f] == 0)); */
    l.fl = from.fl;
    l.sl = from.sl + r;
    return l;
  }
  //@ assert \forall integer i; 0 <= i < 32 ==> !bit_test(sl_bits, i);
  //@ assert start_clear: \forall integer s; from.sl <= s < 32 ==> !bit_test(word, s);
  unsigned next = from.fl + 1;
  //@ assert next <= 32;
  /* next < count also keeps the shift below 32. */
  if (next < count) {
    uint32_t fl_bits = fl_map >> next;
    //@ assert fl_shift: \forall integer f; next <= f < 32 ==> (bit_test(fl_map, f) <==> bit_test(fl_bits, f - next));
    if (fl_bits != 0) {
      unsigned r = lowest_bit(fl_bits);
      //@ assert r < 32 && bit_test(fl_map, r + next);
      //@ assert r + next < 32;
      unsigned fl = next + r;
      //@ assert fl == r + next && fl < count;
      //@ assert \forall integer f; next <= f < fl ==> !bit_test(fl_bits, f - next);
      //@ assert \forall integer f; from.fl < f < fl ==> !bit_test(fl_map, f);
      //@ for agree: assert \forall integer f; from.fl < f < fl ==> !bit_test(fl_map, f) && sl_map[f] == 0;
      uint32_t bits = sl_map[fl];
      //@ for agree: assert bits != 0;
      if (bits != 0) {
        l.fl = fl;
        l.sl = lowest_bit(bits);
        //@ assert sl_map[fl] != 0 && from.fl < fl < count;
        /*@ assert !((\forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s)) &&
              (\forall integer f; from.fl < f < count ==> sl_map[f] == 0)); */
      }
    } else {
      //@ assert \forall integer i; 0 <= i < 32 ==> !bit_test(fl_bits, i);
      //@ assert \forall integer f; from.fl < f < count ==> !bit_test(fl_map, f);
      //@ for agree: assert \forall integer f; from.fl < f < count ==> (bit_test(fl_map, f) <==> sl_map[f] != 0);
      //@ for agree: assert \forall integer f; from.fl < f < count ==> sl_map[f] == 0;
      /*@ for agree: assert ((\forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s)) &&
            (\forall integer f; from.fl < f < count ==> sl_map[f] == 0)); */
    }
  } else {
    //@ assert count <= from.fl + 1;
    //@ assert \forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s);
    /*@ assert ((\forall integer s; from.sl <= s < 32 ==> !bit_test(sl_map[from.fl], s)) &&
          (\forall integer f; from.fl < f < count ==> sl_map[f] == 0)); */
  }
  return l;
}

#endif /* WD_MEDIUM_BLOCK_H */
