/*
 * The small tier's per-slot primitives, shared by the locked paths
 * (small.c) and the thread caches (tcache.c): slab metadata, pointer to slot
 * arithmetic, canaries and the atomically updated live bits.
 *
 * A slot is available (used and live clear), reserved or quarantined (used
 * set, live clear: in a thread cache or in the class quarantine), or handed
 * out (both set). `used` changes only under the class lock; `live` changes
 * with atomic operations, so that a double free is caught exactly even when
 * two threads free the same pointer at once without any lock.
 */
#ifndef WD_SMALL_SLOT_H
#define WD_SMALL_SLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "sealed.h"
#include "secret.h"
#include "size_class.h"
#include "small_index.h"

#define SLOT_WORDS (SMALL_MAX_SLOTS / 64)

typedef struct slab {
  uint64_t used[SLOT_WORDS];
  uint64_t live[SLOT_WORDS];
  uint32_t next; /* partial-list neighbours, as slab index + 1; 0 ends */
  uint32_t prev;
  uint16_t free_slots; /* available slots */
  uint8_t on_partial;
  uint8_t carved;
  uint32_t reserved;
} slab_t;

/* Slab counts per class, read by the lock-free paths; written under the
 * class lock as slabs are carved. */
extern uint32_t small_high_water[SMALL_CLASS_COUNT];

typedef struct slot_place {
  uint32_t slab;
  uint32_t slot;
} slot_place_t;

static inline slab_t *small_meta(unsigned c) { return (slab_t *)sealed.small[c].meta; }

static inline unsigned small_class_at(const void *p) {
  return (unsigned)(((uintptr_t)p - sealed.small_start) >> sealed.small_shift);
}

static inline char *small_slot_addr(unsigned c, uint32_t slab, uint32_t slot) {
  const small_geometry_t *g = &small_geometry[c];
  return sealed.small[c].base + (size_t)slab * g->slab_size + (size_t)slot * g->slot_size;
}

static inline bool small_carved(unsigned c, uint32_t slab) {
  return slab < __atomic_load_n(&small_high_water[c], __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&small_meta(c)[slab].carved, __ATOMIC_RELAXED);
}

/* Which slot of class c p is, or an abort with `what` when p is not the
 * start of a slot of a carved slab. The arithmetic is small_index_fast
 * (small_index.h, proved: multiplications by reciprocals that equal the
 * divisions for every offset in a class's range). */
static inline slot_place_t small_locate(unsigned c, const void *p, const char *what) {
  const small_class_layout_t *lay = &sealed.small[c];
  size_t slab, slot;
  bool exact = small_index_fast(&small_geometry[c], lay->slab_magic, lay->slot_magic,
                                (uintptr_t)p - (uintptr_t)lay->base, &slab, &slot) &&
               small_carved(c, (uint32_t)slab);
  WD_CHECK(exact, what, p, REPORT_SMALL(small_class_size(c)));
  return (slot_place_t){(uint32_t)slab, (uint32_t)slot};
}

static inline uint64_t small_canary_for(const char *slot) {
  /* The first byte (lowest address) is zero so that an overflowing string
   * copy stops at it rather than running on with the canary's bytes. */
  return secret_mix((uintptr_t)slot, secret_keys.canary) & ~(uint64_t)0xff;
}

static inline bool small_bit(const uint64_t *map, uint32_t i) {
  return (__atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Atomically sets (clears) bit i of map and returns its previous value:
 * one locked instruction, where a fetch-or on the word would become a
 * compare-and-swap loop. */
static inline bool small_bit_set(uint64_t *map, uint32_t i) {
  bool was;
  __asm__ volatile("lock btsq %2, %0" : "+m"(map[i / 64]), "=@ccc"(was) : "r"((uint64_t)(i % 64)) : "memory");
  return was;
}

static inline bool small_bit_clear(uint64_t *map, uint32_t i) {
  bool was;
  __asm__ volatile("lock btrq %2, %0" : "+m"(map[i / 64]), "=@ccc"(was) : "r"((uint64_t)(i % 64)) : "memory");
  return was;
}

/* The slot of a pointer the tier produced itself (a reserved or
 * quarantined slot): the same arithmetic as small_locate, without the
 * checks that untrusted pointers need. */
static inline slot_place_t small_place_of(unsigned c, const void *p) {
  const small_class_layout_t *lay = &sealed.small[c];
  size_t slab, slot;
  (void)small_index_fast(&small_geometry[c], lay->slab_magic, lay->slot_magic,
                         (uintptr_t)p - (uintptr_t)lay->base, &slab, &slot);
  return (slot_place_t){(uint32_t)slab, (uint32_t)slot};
}

/* One branch at the end rather than one per word, so the loop vectorizes. */
static inline bool small_all_zero(const char *p, size_t size) {
  const uint64_t *words = (const uint64_t *)(const void *)p;
  uint64_t acc = 0;
  for (size_t w = 0; w < size / 8; w++) acc |= words[w];
  return acc == 0;
}

static inline bool small_zeroing(void) { return WD_ZERO_ON_FREE && sealed.options.zero_on_free; }

/* Hands out a reserved slot: checks that nobody wrote to it while it was
 * free, puts its canary in place, then marks it live. */
static inline void small_hand_out(unsigned c, char *p, slot_place_t pl) {
  const small_geometry_t *g = &small_geometry[c];
  if (c != 0) {
    /* Available slots are zero (zeroed on free, or fresh from the kernel):
     * a non-zero byte is a write through a dangling pointer. */
    WD_CHECK(!small_zeroing() || small_all_zero(p, g->slot_size), "write after free", p,
             REPORT_SMALL(g->slot_size));
#if WD_CANARY
    uint64_t canary = small_canary_for(p);
    memcpy(p + g->slot_size - SMALL_CANARY, &canary, sizeof canary);
#endif
  }
  bool was_live = small_bit_set(small_meta(c)[pl.slab].live, pl.slot);
  WD_CHECK(!was_live, "slot state corrupted", p, REPORT_SMALL(small_class_size(c)));
}

/* Takes a live slot back from its owner: the live bit is cleared
 * atomically first (so exactly one of two racing frees wins and the other is
 * a double free), then the canary is checked and the slot zeroed. The slot
 * is then reserved: still used, not live, owned by the caller. */
static inline slot_place_t small_take_back(unsigned c, void *p) {
  const small_geometry_t *g = &small_geometry[c];
  slot_place_t pl = small_locate(c, p, "invalid free");
  bool was_live = small_bit_clear(small_meta(c)[pl.slab].live, pl.slot);
  WD_CHECK(was_live, "double free", p, REPORT_SMALL(small_class_size(c)));
  if (c != 0) {
#if WD_CANARY
    uint64_t found;
    memcpy(&found, (char *)p + g->slot_size - SMALL_CANARY, sizeof found);
    WD_CHECK(found == small_canary_for(p), "canary overwritten", p, REPORT_SMALL(g->slot_size));
#endif
    /* Zeroed before the slot can be handed out again, so the next owner
     * never sees a stale value and a later stray write stands out. */
    if (small_zeroing()) memset(p, 0, g->slot_size);
  }
  return pl;
}

#endif /* WD_SMALL_SLOT_H */
