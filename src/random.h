/*
 * A keyed, counter-based generator for layout decisions (which slot, which
 * slab, which quarantine entry). Its outputs cannot be predicted without the
 * key, which comes from the kernel; it is fast enough for every allocation.
 * Each user keeps its own counter under its own lock, started at a point of
 * its own; the key is shared, so that a forked child makes choices its
 * parent cannot predict by drawing one new key, without writing (and
 * copying) every user's page.
 */
#ifndef WD_RANDOM_H
#define WD_RANDOM_H

#include <stdint.h>

#include "lock.h"
#include "secret.h"

typedef struct random_state {
  uint64_t counter;
} random_t;

/* The key of every stream, and how many keys the process has had: a value
 * drawn and kept under an older key (small.c keeps half a draw for later)
 * is stale once a forked child has a new one. Every draw reads them, so
 * they have a line to themselves, in the fork-state section (lock.h). */
typedef struct random_shared {
  uint64_t key;
  uint32_t epoch;
} LOCK_LINE random_shared_t;
extern random_shared_t random_shared;

static inline uint64_t random_next(random_t *r) {
  r->counter += 0x9e3779b97f4a7c15ULL;
  return secret_mix(r->counter, random_shared.key);
}

/* Uniform enough in [0, n) for n < 2^32 (the bias is below 2^-32). */
static inline uint32_t random_below(random_t *r, uint32_t n) {
  return (uint32_t)(((random_next(r) >> 32) * n) >> 32);
}

/* A fresh key from the kernel: at start, and in a forked child. */
void random_rekey(void);

/* A stream's starting point: secret, as the key is, and apart from every
 * other stream's. Needs the key (random_rekey first). */
void random_seed(random_t *r);

#endif /* WD_RANDOM_H */
