/*
 * A keyed, counter-based generator for layout decisions (which slot, which
 * slab, which quarantine entry). Its outputs cannot be predicted without the
 * key, which comes from the kernel; it is fast enough for every allocation.
 * Each user keeps its own state under its own lock.
 */
#ifndef WD_RANDOM_H
#define WD_RANDOM_H

#include <stdint.h>

#include "secret.h"

typedef struct random_state {
  uint64_t counter;
  uint64_t key;
} random_t;

static inline uint64_t random_next(random_t *r) {
  r->counter += 0x9e3779b97f4a7c15ULL;
  return secret_mix(r->counter, r->key);
}

/* Uniform enough in [0, n) for n < 2^32 (the bias is below 2^-32). */
static inline uint32_t random_below(random_t *r, uint32_t n) {
  return (uint32_t)(((random_next(r) >> 32) * n) >> 32);
}

/* Fresh key and counter from the kernel. */
void random_seed(random_t *r);

#endif /* WD_RANDOM_H */
