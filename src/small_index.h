/*
 * The small tier's slot index arithmetic: where slot `slot` of slab `slab`
 * lies in its class's range, and back from an offset in that range to the
 * slab and slot, saying whether the offset is exactly a slot's start.
 * Proved with Frama-C WP (proofs/README.md): the two directions are inverse
 * for every slot of every slab.
 */
#ifndef WD_SMALL_INDEX_H
#define WD_SMALL_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "size_class.h"

/* Offsets handled here: far above any class's range. */
#define SMALL_INDEX_LIMIT (1UL << 40)

/*@
  // A class's geometry as the index arithmetic needs it: non-empty slots
  // that fit their slab, and slabs that fit the range.
  predicate geometry_ok(small_geometry_t *g) =
    \valid_read(g) && 0 < g->slot_size && 0 < g->slots && 0 < g->slab_size &&
    g->slots * g->slot_size <= g->slab_size;
*/

/*@ ghost
  // Division by a positive d is unique: q is x / d when q*d <= x < (q+1)*d.
  /@ requires 0 < d;
     requires q * d <= x < (q + 1) * d;
     assigns \nothing;
     ensures x / d == q && x % d == x - q * d; @/
  static void wd_lemma_div(size_t x, size_t d, size_t q) {
    /@ assert (x / d) * d <= x < (x / d + 1) * d; @/
    /@ assert q < x / d + 1 && x / d < q + 1; @/
  }
*/

/* The offset of slot `slot` of slab `slab` from its class's base. */
/*@ requires geometry_ok(g);
    requires slot < g->slots;
    requires (slab + 1) * g->slab_size <= SMALL_INDEX_LIMIT;
    assigns \nothing;
    ensures \result == slab * g->slab_size + slot * g->slot_size;
    ensures slab * g->slab_size <= \result < (slab + 1) * g->slab_size;
    ensures back: \result / g->slab_size == slab &&
      (\result % g->slab_size) / g->slot_size == slot &&
      (\result % g->slab_size) % g->slot_size == 0; */
static inline size_t small_offset(const small_geometry_t *g, size_t slab, size_t slot) {
  size_t in_slab = slot * g->slot_size;
  //@ assert in_slab < g->slab_size;
  //@ ghost wd_lemma_div(slab * g->slab_size + in_slab, g->slab_size, slab);
  //@ ghost wd_lemma_div(in_slab, g->slot_size, slot);
  return slab * g->slab_size + in_slab;
}

/* Splits an offset into its slab and slot (*slab, *slot); true when the
 * offset is exactly the start of a slot (not past the slab's last one). */
/*@ requires geometry_ok(g);
    requires in_class < SMALL_INDEX_LIMIT;
    requires \valid(slab) && \valid(slot) && \separated(slab, slot, g);
    assigns *slab, *slot;
    ensures *slab == in_class / g->slab_size;
    ensures *slot == (in_class % g->slab_size) / g->slot_size;
    ensures \result <==>
      *slot < g->slots && in_class == *slab * g->slab_size + *slot * g->slot_size;
    ensures there: \result ==> in_class == *slab * g->slab_size + *slot * g->slot_size; */
static inline bool small_index_of(const small_geometry_t *g, size_t in_class, size_t *slab,
                                  size_t *slot) {
  size_t s = in_class / g->slab_size;
  size_t in_slab = in_class - s * g->slab_size;
  size_t k = in_slab / g->slot_size;
  *slab = s;
  *slot = k;
  return k * g->slot_size == in_slab && k < g->slots;
}

#endif /* WD_SMALL_INDEX_H */
