/*
 * Small size classes: 16..128 bytes in steps of 16, then four classes per
 * doubling up to 16 KiB. Class 0 serves malloc(0) from slots that are never
 * made accessible.
 *
 * A class's size is its slot stride, canary included: a request of n bytes
 * needs a slot of at least n + SMALL_CANARY bytes.
 */
#ifndef WD_SIZE_CLASS_H
#define WD_SIZE_CLASS_H

#include <stddef.h>
#include <stdint.h>

#include "bits.h"
#include "config.h"

#define SMALL_CLASS_COUNT 37
#define SMALL_MAX_SLOT 16384
#define SMALL_CANARY (WD_CANARY ? 8 : 0)
/* The largest request the small tier serves. */
#define SMALL_MAX_REQUEST (SMALL_MAX_SLOT - SMALL_CANARY)
#define SMALL_MAX_SLOTS 256

typedef struct small_geometry {
  uint32_t slot_size; /* stride between slots; 16 for class 0 */
  uint32_t slots;     /* slots per slab, at most SMALL_MAX_SLOTS */
  uint32_t slab_size; /* bytes per slab, a page multiple */
} small_geometry_t;

extern const small_geometry_t small_geometry[SMALL_CLASS_COUNT];

/*@
  // The slot size of class c (1 <= c < SMALL_CLASS_COUNT): 16 c up to 128,
  // then four steps of 2^(g+5) from 2^(g+7) in group g = (c - 9) / 4.
  // proofs/ also checks that small_geometry[] holds exactly these sizes.
  logic integer class_slot(integer c) =
    c <= 8 ? 16 * c : pow2(7 + (c - 9) / 4) + ((c - 9) % 4 + 1) * pow2(5 + (c - 9) / 4);
*/

/* The smallest class whose slot holds `slot_bytes` (0 < slot_bytes <=
 * SMALL_MAX_SLOT). Classes are numbered from 1 here; 0 is malloc(0)'s. */
/*@ requires 0 < slot_bytes <= SMALL_MAX_SLOT;
    assigns \nothing;
    ensures 1 <= \result < SMALL_CLASS_COUNT;
    ensures fits: slot_bytes <= class_slot(\result);
    ensures smallest: \result == 1 || class_slot(\result - 1) < slot_bytes; */
static inline unsigned small_class_of(size_t slot_bytes) {
  if (slot_bytes <= 128) return (unsigned)((slot_bytes + 15) / 16);
  unsigned k = log2_floor(slot_bytes - 1); /* 2^k < slot_bytes <= 2^(k+1), 7 <= k <= 13 */
  //@ ghost wd_lemma_shr(slot_bytes - 1, k - 2);
  unsigned q = (unsigned)((slot_bytes - 1) >> (k - 2)); /* the quarter of the doubling, 4 to 7 */
  // The class's slot and the one before it, in terms of q (each fact on
  // its own: as the two postconditions alone, up to 5.6 s).
  //@ assert 7 <= k <= 13 && pow2(k) == 4 * pow2(k - 2) && pow2(k + 1) == 8 * pow2(k - 2);
  //@ assert 4 <= q <= 7;
  //@ assert class_slot(8 + (k - 7) * 4 + q - 3) == pow2(k) + (q - 3) * pow2(k - 2);
  //@ assert q == 4 ==> class_slot(8 + (k - 7) * 4 + q - 4) == pow2(k);
  //@ assert q > 4 ==> class_slot(8 + (k - 7) * 4 + q - 4) == q * pow2(k - 2);
  return 8 + (k - 7) * 4 + q - 3;
}

/* The size a report names for class c: 0 for the malloc(0) class. */
/*@ requires c < SMALL_CLASS_COUNT;
    assigns \nothing;
    ensures c == 0 ==> \result == 0;
    ensures c != 0 ==> \result == small_geometry[c].slot_size; */
static inline size_t small_class_size(unsigned c) {
  return c == 0 ? 0 : small_geometry[c].slot_size;
}

#endif /* WD_SIZE_CLASS_H */
