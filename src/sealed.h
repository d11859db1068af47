/*
 * State that is fixed once the heap is initialized: secrets, options, the
 * tiers' address ranges and the bounds of the thread caches' arrays. It
 * fills whole pages of its own, which are made read-only at the end of
 * initialization (heap.c), so a stray or malicious write cannot move a
 * range check, swap a key or let a cache write past its arrays.
 */
#ifndef WD_SEALED_H
#define WD_SEALED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "options.h"
#include "secret.h"
#include "size_class.h"

typedef struct small_class_layout {
  char *base;         /* slab 0 of the class */
  void *meta;         /* its slab metadata, out of line */
  uint32_t max_slabs; /* slabs that fit the class's range */
  /* Reciprocals that replace the two divisions of pointer-to-slot
   * arithmetic: ceil(2^32 / (slab pages)) and ceil(2^32 / slot size). */
  uint64_t slab_magic;
  uint64_t slot_magic;
} small_class_layout_t;

typedef struct sealed {
  secret_t keys;
  options_t options;
  uintptr_t small_start, small_end;
  unsigned small_shift; /* log2 of each class's range (config.h, or less) */
  uintptr_t medium_start, medium_end;
  unsigned medium_arenas;      /* arenas sharing the medium range */
  unsigned medium_arena_shift; /* log2 of each arena's share, in bytes */
  small_class_layout_t small[SMALL_CLASS_COUNT];
  /* Slots a thread-cache bin holds at most, per class (tcache.h): how
   * many a refill writes into the bin's fixed arrays. */
  uint8_t tcache_bin_caps[SMALL_CLASS_COUNT];
  /* Lengths of each small class's quarantine arrays in force (small.c):
   * how far quarantine_put writes into them. */
  uint16_t small_q_random[SMALL_CLASS_COUNT];
  uint16_t small_q_fifo[SMALL_CLASS_COUNT];
  /* The key whose destructor gives a thread's cache back (tcache.c): a
   * forged one would hand the cache to another key's owner, which would
   * write through it as its own data. */
  pthread_key_t tcache_exit_key;
} __attribute__((aligned(4096))) sealed_t;

extern sealed_t sealed;

/* The keys of secret.h, as every keyed check reads them: from the sealed
 * pages, never from a copy that a stray write could reach. */
#define secret_keys (sealed.keys)

/* Freed memory is zeroed: built in and not turned off by the options. */
static inline bool sealed_zero_on_free(void) { return WD_ZERO_ON_FREE && sealed.options.zero_on_free; }

/* Layout randomization in force: false at compile time when the build has none. */
static inline bool sealed_randomize(void) { return WD_RANDOMIZE && sealed.options.randomize; }

/* Makes the sealed pages read-only. */
void sealed_seal(void);

#endif /* WD_SEALED_H */
