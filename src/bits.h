/* Integer helpers shared by the tiers. Each is small enough to be given an
 * ACSL contract and proved, or (for the builtins) trusted. */
#ifndef WD_BITS_H
#define WD_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Rounds x up to a multiple of `a`, a power of two; the caller guarantees
 * that the result does not overflow. */
static inline size_t align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

static inline size_t align_down(size_t x, size_t a) { return x & ~(a - 1); }

/* Index of the highest set bit: 2^r <= x < 2^(r+1). x must not be 0. */
static inline unsigned log2_floor(size_t x) { return 63u - (unsigned)__builtin_clzl(x); }

/* Index of the lowest set bit. x must not be 0. */
static inline unsigned lowest_bit(uint64_t x) { return (unsigned)__builtin_ctzl(x); }

#endif /* WD_BITS_H */
