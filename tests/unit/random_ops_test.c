/*
 * A few thousand random operations over every tier, with wd_heap_check
 * walking the whole heap as it goes. Each block carries a pattern tied to
 * its slot and generation, so a block that another operation damaged, or
 * that two owners share, is caught even where the checker cannot see it.
 * The generator is seeded: a failure replays exactly.
 */
#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define SLOTS 256
#define OPS 6000

typedef struct block {
  unsigned char *p;
  size_t n;
  uint64_t seed;
} block_t;

static block_t blocks[SLOTS];

static size_t random_size(rng_t *r) {
  switch (rng_below(r, 16)) {
    case 0: return 0;
    case 1: return WD_MEDIUM_MAX + 1 + rng_below(r, 3 << 20); /* large */
    case 2:
    case 3:
    case 4: return 16377 + rng_below(r, WD_MEDIUM_MAX - 16376); /* medium */
    case 5: return 16300 + rng_below(r, 160); /* around the small/medium boundary */
    case 6: return WD_MEDIUM_MAX - 64 + rng_below(r, 128); /* around medium/large */
    default: return 1 + rng_below(r, rng_below(r, 2) ? 256 : 16376); /* small */
  }
}

static size_t random_alignment(rng_t *r) { return (size_t)1 << (3 + rng_below(r, 19)); /* 8 .. 2 MiB */ }

static void verify(const block_t *b, size_t op) {
  size_t bad = pattern_mismatch(b->p, b->n, b->seed);
  CHECKF(bad == SIZE_MAX, "op %zu: byte %zu of a %zu-byte block changed", op, bad, b->n);
}

int main(void) {
  rng_t rng = {20241122};
  uint64_t generation = 1;
  for (size_t op = 0; op < OPS; op++) {
    block_t *b = &blocks[rng_below(&rng, SLOTS)];
    if (b->p != NULL) verify(b, op);
    size_t action = rng_below(&rng, 10);
    if (b->p != NULL && action < 4) {
      wd_free(b->p);
      b->p = NULL;
      continue;
    }
    size_t n = random_size(&rng);
    unsigned char *p;
    if (b->p != NULL) {
      p = wd_realloc(b->p, n);
      if (n == 0) {
        CHECK(p == NULL); /* realloc(p, 0) frees */
        b->p = NULL;
        continue;
      }
      CHECKF(p != NULL, "op %zu: realloc to %zu", op, n);
      if (p == NULL) continue;
      size_t keep = b->n < n ? b->n : n;
      CHECKF(pattern_mismatch(p, keep, b->seed) == SIZE_MAX, "op %zu: realloc %zu -> %zu lost data", op, b->n,
             n);
    } else if (action == 5) {
      size_t alignment = random_alignment(&rng);
      p = wd_aligned_alloc(alignment, n);
      CHECKF(p != NULL && (uintptr_t)p % alignment == 0, "op %zu: aligned_alloc(%zu, %zu)", op, alignment, n);
    } else if (action == 6) {
      p = wd_calloc(1, n);
      CHECKF(p != NULL && first_nonzero(p, n) == SIZE_MAX, "op %zu: calloc(%zu)", op, n);
    } else {
      p = wd_malloc(n);
      CHECKF(p != NULL, "op %zu: malloc(%zu)", op, n);
    }
    if (p == NULL) continue;
    CHECKF(wd_malloc_usable_size(p) >= n, "op %zu: usable %zu < %zu", op, wd_malloc_usable_size(p), n);
    b->p = p;
    b->n = n;
    b->seed = generation++;
    pattern_fill(p, n, b->seed);
    if (op % 50 == 0) heap_check();
  }
  heap_check();
  for (size_t i = 0; i < SLOTS; i++) {
    if (blocks[i].p == NULL) continue;
    verify(&blocks[i], OPS);
    wd_free(blocks[i].p);
  }
  heap_check();
  wd_stats_t s;
  wd_get_stats(&s);
  CHECKF(s.small_live == 0 && s.medium_live == 0 && s.large_live == 0,
         "live after freeing everything: small %zu, medium %zu, large %zu", s.small_live, s.medium_live,
         s.large_live);
  CHECK(s.small_bytes == 0 && s.medium_bytes == 0 && s.large_bytes == 0);
  return check_done();
}
