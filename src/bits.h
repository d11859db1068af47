/* Integer helpers shared by the tiers. Each carries an ACSL contract that
 * proofs/ proves with Frama-C WP; the two compiler builtins underneath are
 * the only trusted part (their contracts are below, under __FRAMAC__, and
 * listed in proofs/README.md).
 *
 * The provers reason about +, -, *, / and % but not about bit masks, so the
 * rounding helpers shift instead of masking; clang folds them to the same
 * instructions when the alignment is a constant. */
#ifndef WD_BITS_H
#define WD_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*@
  // 2^k for 0 <= k <= 63, as a table: with k bounded, the provers evaluate
  // it by cases instead of needing induction.
  logic integer pow2(integer k) =
      k == 0 ? 0x1 : k == 1 ? 0x2 : k == 2 ? 0x4 : k == 3 ? 0x8 :
      k == 4 ? 0x10 : k == 5 ? 0x20 : k == 6 ? 0x40 : k == 7 ? 0x80 :
      k == 8 ? 0x100 : k == 9 ? 0x200 : k == 10 ? 0x400 : k == 11 ? 0x800 :
      k == 12 ? 0x1000 : k == 13 ? 0x2000 : k == 14 ? 0x4000 : k == 15 ? 0x8000 :
      k == 16 ? 0x10000 : k == 17 ? 0x20000 : k == 18 ? 0x40000 : k == 19 ? 0x80000 :
      k == 20 ? 0x100000 : k == 21 ? 0x200000 : k == 22 ? 0x400000 : k == 23 ? 0x800000 :
      k == 24 ? 0x1000000 : k == 25 ? 0x2000000 : k == 26 ? 0x4000000 : k == 27 ? 0x8000000 :
      k == 28 ? 0x10000000 : k == 29 ? 0x20000000 : k == 30 ? 0x40000000 : k == 31 ? 0x80000000 :
      k == 32 ? 0x100000000 : k == 33 ? 0x200000000 : k == 34 ? 0x400000000 : k == 35 ? 0x800000000 :
      k == 36 ? 0x1000000000 : k == 37 ? 0x2000000000 : k == 38 ? 0x4000000000 : k == 39 ? 0x8000000000 :
      k == 40 ? 0x10000000000 : k == 41 ? 0x20000000000 : k == 42 ? 0x40000000000 : k == 43 ? 0x80000000000 :
      k == 44 ? 0x100000000000 : k == 45 ? 0x200000000000 : k == 46 ? 0x400000000000 : k == 47 ? 0x800000000000 :
      k == 48 ? 0x1000000000000 : k == 49 ? 0x2000000000000 : k == 50 ? 0x4000000000000 : k == 51 ? 0x8000000000000 :
      k == 52 ? 0x10000000000000 : k == 53 ? 0x20000000000000 : k == 54 ? 0x40000000000000 : k == 55 ? 0x80000000000000 :
      k == 56 ? 0x100000000000000 : k == 57 ? 0x200000000000000 : k == 58 ? 0x400000000000000 : k == 59 ? 0x800000000000000 :
      k == 60 ? 0x1000000000000000 : k == 61 ? 0x2000000000000000 : k == 62 ? 0x4000000000000000 : k == 63 ? 0x8000000000000000 :
      0;

  predicate is_pow2(integer x) = \exists integer k; 0 <= k <= 63 && x == pow2(k);

  // Bit i of x (WP's builtin, mapped by its driver to the provers' bit theory).
  axiomatic WdBitTest {
    logic boolean bit_test(integer x, integer i);
  }
*/

#ifdef __FRAMAC__
/* Trusted (proofs/README.md): what the instructions behind the builtins do.
 * Frama-C's own contracts for them only bound the result; these merge with
 * them. */
/*@ requires x != 0;
    assigns \result \from x;
    ensures 0 <= \result <= 63;
    ensures pow2(63 - \result) <= x < pow2(64 - \result); */
int __builtin_clzl(unsigned long x);

/*@ requires x != 0;
    assigns \result \from x;
    ensures 0 <= \result <= 63;
    ensures bit_test(x, \result);
    ensures \forall integer i; 0 <= i < \result ==> !bit_test(x, i); */
int __builtin_ctzl(unsigned long x);
#endif

/*@ ghost
  // q = x >> n is the quotient of x by 2^n (induction on n, one halving per
  // step).
  /@ requires P > 0;
     requires q * P <= x < (q + 1) * P;
     requires q2 == q / 2 && P2 == 2 * P;
     assigns \nothing;
     ensures q2 * P2 <= x < (q2 + 1) * P2; @/
  static void wd_lemma_halve(size_t x, size_t q, size_t P, size_t q2, size_t P2) {
    /@ assert 2 * q2 <= q <= 2 * q2 + 1; @/
    /@ assert (2 * q2) * P <= q * P; @/
    /@ assert (q + 1) * P <= (2 * q2 + 2) * P; @/
  }

  /@ requires n <= 63;
     assigns \nothing;
     ensures (x >> n) * pow2(n) <= x < ((x >> n) + 1) * pow2(n);
     ensures (x >> n) == x / pow2(n); @/
  static void wd_lemma_shr(size_t x, unsigned n) {
    unsigned i = 0;
    size_t p = 1;
    size_t q = x;
    /@ loop invariant 0 <= i <= n;
       loop invariant p == pow2(i);
       loop invariant q == x >> i;
       loop invariant q * p <= x < (q + 1) * p;
       loop assigns i, p, q;
       loop variant n - i; @/
    while (i < n) {
      size_t q2 = q >> 1;
      size_t p2 = 2 * p;
      /@ assert q2 == x >> (i + 1); @/
      /@ assert q2 == q / 2; @/
      /@ assert p2 == pow2(i + 1) == 2 * p; @/
      wd_lemma_halve(x, q, p, q2, p2);
      q = q2;
      p = p2;
      i++;
    }
  }

  // x << n is x * 2^n when that fits in 64 bits.
  /@ requires n <= 63;
     requires x * pow2(n) < 0x10000000000000000;
     assigns \nothing;
     ensures (x << n) == x * pow2(n); @/
  static void wd_lemma_shl(size_t x, unsigned n) {
    unsigned i = 0;
    size_t p = 1;
    /@ loop invariant 0 <= i <= n;
       loop invariant p == pow2(i);
       loop invariant (x << i) == x * p;
       loop assigns i, p;
       loop variant n - i; @/
    while (i < n) {
      /@ assert ((x << i) << 1) == (x << (i + 1)); @/
      /@ assert ((x << i) << 1) == 2 * (x << i); @/
      /@ assert pow2(i + 1) == 2 * p; @/
      /@ assert p <= 0x4000000000000000; @/
      size_t p2 = 2 * p;
      unsigned i2 = i + 1;
      /@ assert p2 == 2 * p && i2 == i + 1; @/
      /@ assert (x << i2) == x * p2; @/
      p = p2;
      i = i2;
    }
  }
*/

/* Index of the highest set bit: 2^r <= x < 2^(r+1). x must not be 0. */
/*@ requires x != 0;
    assigns \nothing;
    ensures \result <= 63;
    ensures pow2(\result) <= x < pow2(\result + 1); */
static inline unsigned log2_floor(size_t x) { return 63u - (unsigned)__builtin_clzl(x); }

/* Index of the lowest set bit. x must not be 0. */
/*@ requires x != 0;
    assigns \nothing;
    ensures \result <= 63;
    ensures bit_test(x, \result);
    ensures \forall integer i; 0 <= i < \result ==> !bit_test(x, i); */
static inline unsigned lowest_bit(uint64_t x) { return (unsigned)__builtin_ctzl(x); }

/* True when x is a power of two. */
/*@ assigns \nothing;
    ensures \result <==> is_pow2(x); */
static inline bool is_pow2(size_t x) {
  if (x == 0) return false;
  unsigned k = log2_floor(x);
  //@ ghost wd_lemma_shl(1, k);
  return ((size_t)1 << k) == x;
}

/* Rounds x down to a multiple of `a`, a power of two. */
/*@ requires is_pow2(a);
    assigns \nothing;
    ensures \result % a == 0;
    ensures \result <= x < \result + a; */
static inline size_t align_down(size_t x, size_t a) {
  unsigned k = log2_floor(a);
  //@ assert a == pow2(k);
  //@ ghost wd_lemma_shr(x, k);
  //@ ghost wd_lemma_shl(x >> k, k);
  return (x >> k) << k;
}

/* Rounds x up to a multiple of `a`, a power of two; the caller guarantees
 * that the result does not overflow. */
/*@ requires is_pow2(a);
    requires x + a - 1 <= SIZE_MAX;
    assigns \nothing;
    ensures \result % a == 0;
    ensures x <= \result < x + a; */
static inline size_t align_up(size_t x, size_t a) {
  //@ assert a >= 1;
  return align_down(x + (a - 1), a);
}

#endif /* WD_BITS_H */
