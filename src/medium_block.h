/*
 * The medium tier's block arithmetic, on a chunk seen as an array of
 * machine words. These routines are what the Frama-C proofs cover
 * (proofs/), so they are written for the prover:
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
 */
#ifndef WD_MEDIUM_BLOCK_H
#define WD_MEDIUM_BLOCK_H

#include <stddef.h>

#include "bits.h"

#define MB_WORD 8
#define MB_ALIGN 16
/* Header and checksum before the payload, footer after it. */
#define MB_OVERHEAD 24
#define MB_HEADER 16
/* Header, checksum, two links and a footer, rounded to the alignment. */
#define MB_MIN 48
#define MB_FIRST 2
#define MB_TAIL 2

/* Second-level lists per first level: 2^MB_SL_SHIFT. */
#define MB_SL_SHIFT 4
#define MB_SL_COUNT 16
/* Sizes below this are kept in exact 16-byte lists on first level 0. */
#define MB_LINEAR 256

static inline size_t mb_tag(size_t size, size_t is_free) { return size + is_free; }
static inline size_t mb_size(size_t tag) { return tag - tag % MB_ALIGN; }
static inline size_t mb_is_free(size_t tag) { return tag % 2; }

/* Words in a block of `size` bytes. */
static inline size_t mb_words(size_t size) { return size / MB_WORD; }

/* The block size that serves a request of n payload bytes (n small enough
 * that this does not overflow: the medium tier caps n well below). */
static inline size_t mb_block_for(size_t n) {
  size_t s = (n + MB_OVERHEAD + MB_ALIGN - 1) / MB_ALIGN * MB_ALIGN;
  return s < MB_MIN ? MB_MIN : s;
}

/* Writes header and footer of the block at i. */
static inline void mb_set(size_t *c, size_t i, size_t size, size_t is_free) {
  size_t t = mb_tag(size, is_free);
  c[i] = t;
  c[i + mb_words(size) - 1] = t;
}

/* Splits the block at i (of size mb_size(c[i])) into a first block of
 * `first` bytes with state `first_free` and a free remainder right after
 * it. The caller guarantees first >= MB_MIN, the remainder >= MB_MIN, both
 * multiples of 16. Returns the remainder's index. */
static inline size_t mb_split(size_t *c, size_t i, size_t first, size_t first_free) {
  size_t whole = mb_size(c[i]);
  size_t rest = whole - first;
  size_t j = i + mb_words(first);
  mb_set(c, i, first, first_free);
  mb_set(c, j, rest, 1);
  return j;
}

/* Merges the block at i with the block right after it into one block of
 * the summed size and state `is_free`; returns the merged size. */
static inline size_t mb_merge(size_t *c, size_t i, size_t is_free) {
  size_t first = mb_size(c[i]);
  size_t j = i + mb_words(first);
  size_t merged = first + mb_size(c[j]);
  mb_set(c, i, merged, is_free);
  return merged;
}

/* The header index of the block before the one at i, from its footer. */
static inline size_t mb_prev(const size_t *c, size_t i) { return i - mb_words(mb_size(c[i - 1])); }

/* The header index of the block after the one at i. */
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

static inline mb_list_t mb_list_of(size_t size) {
  mb_list_t l;
  if (size < MB_LINEAR) {
    l.fl = 0;
    l.sl = (unsigned)(size / MB_ALIGN);
  } else {
    unsigned k = log2_floor(size);
    l.fl = k - 7;
    l.sl = (unsigned)(size >> (k - MB_SL_SHIFT)) - MB_SL_COUNT;
  }
  return l;
}

static inline mb_list_t mb_search_list(size_t size) {
  if (size >= MB_LINEAR) size += ((size_t)1 << (log2_floor(size) - MB_SL_SHIFT)) - 1;
  return mb_list_of(size);
}

#endif /* WD_MEDIUM_BLOCK_H */
