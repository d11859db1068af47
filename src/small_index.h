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
#include <stdint.h>

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

/*@ ghost
  // A product of bounded non-negative factors is bounded.
  /@ requires a <= A && b <= B;
     assigns \nothing;
     ensures a * b <= A * B; @/
  static void wd_lemma_mul_bound(size_t a, size_t b, size_t A, size_t B) {
    /@ assert a * b <= a * B; @/
    /@ assert a * B <= A * B; @/
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

/*
 * Splitting an offset into slab and slot, the inverse of small_offset,
 * without dividing: small_locate multiplies by reciprocals
 * computed once per class (small.c), m = ceil(2^32 / d). With
 * e = m d - 2^32 (0 <= e < d), x m d = x 2^32 + x e, so x m lies in
 * [q 2^32, (q + 1) 2^32) for q = x / d as long as x e < 2^32: the bounds
 * below (a class range of at most 2^36 bytes, slabs of at most 32 pages,
 * slots of at most 16 KiB) keep x e below 2^31.
 */
#define SMALL_MAGIC_ONE 0x100000000UL
#define SMALL_RANGE_LIMIT (1UL << 36)
/* What small_div_magic divides: pages of a class range, bytes of a slab. */
#define SMALL_DIV_LIMIT (1UL << 24)

/*@
  // m is the reciprocal of d as small.c computes it: ceil(2^32 / d).
  predicate reciprocal(integer m, integer d) =
    0 < d && SMALL_MAGIC_ONE <= m * d < SMALL_MAGIC_ONE + d;

  // The geometry small_locate relies on: slabs of whole pages (at most 32),
  // slots of at most SMALL_MAX_SLOT bytes that fit their slab.
  predicate geometry_fast(small_geometry_t *g) =
    geometry_ok(g) && g->slab_size % 4096 == 0 && g->slab_size <= 32 * 4096 &&
    g->slot_size <= SMALL_MAX_SLOT;
*/

/* The reciprocal of d (small.c's small_init takes each class's reciprocals from here). */
/*@ requires 0 < d <= SMALL_MAGIC_ONE;
    assigns \nothing;
    ensures reciprocal(\result, d) && \result <= SMALL_MAGIC_ONE; */
static inline uint64_t small_reciprocal(uint64_t d) { return (SMALL_MAGIC_ONE + d - 1) / d; }

/* x / d from the reciprocal m of d. */
/*@ requires reciprocal(m, d) && d <= SMALL_MAGIC_ONE;
    requires x * d < SMALL_MAGIC_ONE;
    requires x < SMALL_DIV_LIMIT && m <= SMALL_MAGIC_ONE;
    assigns \nothing;
    ensures \result == x / d; */
static inline size_t small_div_magic(size_t x, uint64_t m) /*@ ghost (size_t d) */ {
  //@ ghost wd_lemma_mul_bound(x, m * d - SMALL_MAGIC_ONE, x, d);
  //@ assert x * (m * d - SMALL_MAGIC_ONE) < SMALL_MAGIC_ONE;
  //@ ghost size_t q = x / d;
  //@ assert q * d <= x < q * d + d;
  //@ assert x * m * d == x * SMALL_MAGIC_ONE + x * (m * d - SMALL_MAGIC_ONE);
  //@ assert x * m * d >= q * d * SMALL_MAGIC_ONE;
  //@ assert (x * m - q * SMALL_MAGIC_ONE) * d >= 0;
  //@ assert x * m >= q * SMALL_MAGIC_ONE;
  //@ assert x * m * d < (x + 1) * SMALL_MAGIC_ONE <= (q + 1) * d * SMALL_MAGIC_ONE;
  //@ assert (x * m - (q + 1) * SMALL_MAGIC_ONE) * d < 0;
  //@ assert x * m - (q + 1) * SMALL_MAGIC_ONE >= 0 ==> (x * m - (q + 1) * SMALL_MAGIC_ONE) * d >= 0;
  //@ assert x * m < (q + 1) * SMALL_MAGIC_ONE;
  //@ assert x * m <= SMALL_DIV_LIMIT * SMALL_MAGIC_ONE;
  //@ ghost wd_lemma_shr(x * m, 32);
  //@ assert pow2(32) == SMALL_MAGIC_ONE;
  //@ ghost wd_lemma_div(x * m, SMALL_MAGIC_ONE, q);
  return (size_t)((x * m) >> 32);
}

/* Splits an offset into its slab and slot (*slab, *slot), by the
 * reciprocals of the slab's page count (slab_magic) and of the slot size
 * (slot_magic); true when the offset is exactly the start of a slot (not
 * past the slab's last one). */
/*@ requires geometry_fast(g);
    requires reciprocal(slab_magic, g->slab_size / 4096) && reciprocal(slot_magic, g->slot_size);
    requires in_class < SMALL_RANGE_LIMIT;
    requires \valid(slab) && \valid(slot) && \separated(slab, slot, g);
    assigns *slab, *slot;
    ensures *slab == in_class / g->slab_size;
    ensures *slot == (in_class % g->slab_size) / g->slot_size;
    ensures \result <==>
      *slot < g->slots && in_class == *slab * g->slab_size + *slot * g->slot_size; */
static inline bool small_index_fast(const small_geometry_t *g, uint64_t slab_magic, uint64_t slot_magic,
                                    size_t in_class, size_t *slab, size_t *slot) {
  //@ ghost size_t pages = g->slab_size / 4096;
  //@ ghost wd_lemma_shr(in_class, 12);
  //@ assert pow2(12) == 4096;
  //@ assert in_class >> 12 == in_class / 4096 < 0x1000000;
  //@ ghost wd_lemma_mul_bound(in_class >> 12, pages, 0x1000000, 32);
  size_t s = small_div_magic(in_class >> 12, slab_magic) /*@ ghost (pages) */;
  //@ assert s == (in_class / 4096) / pages;
  //@ assert s * g->slab_size <= in_class < s * g->slab_size + g->slab_size;
  //@ ghost wd_lemma_div(in_class, g->slab_size, s);
  size_t in_slab = in_class - s * g->slab_size;
  //@ assert 0 <= in_slab < g->slab_size <= 32 * 4096;
  //@ assert 0 <= slot_magic * g->slot_size - SMALL_MAGIC_ONE < SMALL_MAX_SLOT;
  //@ ghost wd_lemma_mul_bound(in_slab, g->slot_size, 32 * 4096, SMALL_MAX_SLOT);
  size_t k = small_div_magic(in_slab, slot_magic) /*@ ghost (g->slot_size) */;
  *slab = s;
  *slot = k;
  return k * g->slot_size == in_slab && k < g->slots;
}

#endif /* WD_SMALL_INDEX_H */
