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

#include <emmintrin.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/single_threaded.h>

#include "config.h"
#include "os.h"
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
  uint8_t purged; /* empty, its pages given back; cleared when a slot is taken */
  uint8_t idle;   /* empty at the last purge pass; cleared when a slot is taken */
  uint8_t pad[2];
} __attribute__((aligned(128))) slab_t; /* neighbours are in other lanes: no shared line */

/* Slab counts per class, read by the lock-free paths; written under the
 * class lock as slabs are carved. */
extern uint32_t small_high_water[SMALL_CLASS_COUNT];

typedef struct slot_place {
  uint32_t slab;
  uint32_t slot;
} slot_place_t;

/* Ends the process for a misused slot of class c. Out of line and cold, so
 * that the fast paths that check build no report on their stack. */
_Noreturn __attribute__((cold, noinline)) void small_fail(misuse_t kind, const void *p, unsigned c);

#define SMALL_CHECK(cond, kind, p, c)                                   \
  do {                                                                  \
    if (__builtin_expect(!(cond), 0)) small_fail((kind), (p), (c));     \
  } while (0)

static inline slab_t *small_meta(unsigned c) { return (slab_t *)sealed.small[c].meta; }

/* The address of a slot: small_offset (small_index.h, proved) from the
 * class's base. */
static inline char *small_slot_addr(unsigned c, uint32_t slab, uint32_t slot) {
  return sealed.small[c].base + small_offset(&small_geometry[c], slab, slot);
}

static inline bool small_carved(unsigned c, uint32_t slab) {
  return slab < __atomic_load_n(&small_high_water[c], __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&small_meta(c)[slab].carved, __ATOMIC_RELAXED);
}

/* Which slot of class c p is, in *at; false when p is not the start of a
 * slot of a carved slab. The arithmetic is small_index_fast (small_index.h,
 * proved: multiplications by reciprocals that equal the divisions for every
 * offset in a class's range). */
static inline bool small_find(unsigned c, const void *p, slot_place_t *at) {
  const small_class_layout_t *lay = &sealed.small[c];
  size_t slab, slot;
  bool exact = small_index_fast(&small_geometry[c], lay->slab_magic, lay->slot_magic,
                                (uintptr_t)p - (uintptr_t)lay->base, &slab, &slot) &&
               small_carved(c, (uint32_t)slab);
  *at = (slot_place_t){(uint32_t)slab, (uint32_t)slot};
  return exact;
}

/* As small_find, or the end of the process, named `bad`. */
static inline slot_place_t small_locate(unsigned c, const void *p, misuse_t bad) {
  slot_place_t pl;
  SMALL_CHECK(small_find(c, p, &pl), bad, p, c);
  return pl;
}

/* A place packed in 32 bits: slots number at most 256, slabs per class at
 * most 2^24 (a 64 GiB range of 4 KiB slabs). */
_Static_assert(SMALL_MAX_SLOTS <= 256, "a packed place keeps the slot in 8 bits");
_Static_assert((1UL << WD_SMALL_CLASS_SHIFT) / 4096 <= (1UL << 24), "a packed place keeps the slab in 24 bits");

static inline uint32_t small_pack_place(slot_place_t pl) { return pl.slab << 8 | pl.slot; }

static inline slot_place_t small_unpack_place(uint32_t packed) {
  return (slot_place_t){packed >> 8, packed & 0xff};
}

/* The quarantine length in force: zero at compile time when the build has
 * none, so that its branches cost nothing there. */
static inline uint32_t small_quarantine_len(void) {
  return WD_SMALL_QUARANTINE_RANDOM == 0 ? 0 : sealed.options.small_quarantine;
}

static inline uint64_t small_canary_for(const char *slot) { return secret_canary((uintptr_t)slot, secret_keys.canary); }

static inline bool small_bit(const uint64_t *map, uint32_t i) {
  return (__atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) >> (i % 64)) & 1;
}

/* Atomically sets (clears) bit i of map and returns its previous value:
 * one locked instruction, where a fetch-or on the word would become a
 * compare-and-swap loop. While the process has a single thread, nothing can
 * race the update, and a plain read and write is as exact at a fraction of
 * the cost (a locked instruction is some 20 cycles, on every malloc and
 * free). The C library keeps __libc_single_threaded false from the moment
 * a second thread may exist; its own malloc relies on it the same way. */
static inline bool small_bit_set(uint64_t *map, uint32_t i) {
  uint64_t bit = 1ULL << (i % 64);
  if (__libc_single_threaded) {
    uint64_t word = __atomic_load_n(&map[i / 64], __ATOMIC_RELAXED);
    __atomic_store_n(&map[i / 64], word | bit, __ATOMIC_RELAXED);
    return (word & bit) != 0;
  }
  bool was;
  __asm__ volatile("lock btsq %2, %0" : "+m"(map[i / 64]), "=@ccc"(was) : "r"((uint64_t)(i % 64)) : "memory");
  return was;
}

static inline bool small_bit_clear(uint64_t *map, uint32_t i) {
  uint64_t bit = 1ULL << (i % 64);
  if (__libc_single_threaded) {
    uint64_t word = __atomic_load_n(&map[i / 64], __ATOMIC_RELAXED);
    __atomic_store_n(&map[i / 64], word & ~bit, __ATOMIC_RELAXED);
    return (word & bit) != 0;
  }
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

/* Slots are 16-byte aligned multiples of 16 bytes. One branch at the end
 * rather than one per word; a short slot takes one vector OR per 16 bytes,
 * without the head and tail of the vectorized loop that a long one uses. */
static inline bool small_all_zero(const char *p, size_t size) {
  if (size > 256) {
    const uint64_t *words = (const uint64_t *)(const void *)p;
    uint64_t acc = 0;
    for (size_t w = 0; w < size / 8; w++) acc |= words[w];
    return acc == 0;
  }
  __m128i acc = _mm_setzero_si128();
#pragma clang loop unroll(disable) vectorize(disable)
  for (size_t off = 0; off < size; off += 16) {
    acc = _mm_or_si128(acc, _mm_load_si128((const __m128i *)(const void *)(p + off)));
  }
  return _mm_movemask_epi8(_mm_cmpeq_epi8(acc, _mm_setzero_si128())) == 0xffff;
}

/* Clears a long slot with the C library's memset, which is fastest there.
 * It keeps every register but r11 for its caller, so that the free fast
 * path, which calls it on one branch, still saves none. */
__attribute__((preserve_most, noinline)) void small_zero_long(char *p, size_t size);

/* Clears a slot; a short one inline, one vector store per 16 bytes. */
static inline void small_zero(char *p, size_t size) {
  if (size > 256) {
    small_zero_long(p, size);
    return;
  }
  for (char *at = p; at < p + size; at += 16) {
    /* Hides the pattern from the compiler, which would turn the loop back
     * into a plain call to memset. */
    __asm__("" : "+r"(at));
    _mm_store_si128((__m128i *)(void *)at, _mm_setzero_si128());
  }
}

/* A write that keeps the word as it is: one instruction, so the access is a
 * write from the start (a load then a store would fault as a read first). */
static inline void small_touch_word(char *w) { __asm__ volatile("orq $0, %0" : "+m"(*(uint64_t *)(void *)w)); }

/* Touches for writing each page of the slot [p, p + size). */
static inline void small_touch(char *p, size_t size) {
  small_touch_word(p);
  for (size_t off = OS_PAGE - ((uintptr_t)p & (OS_PAGE - 1)); off < size; off += OS_PAGE) small_touch_word(p + off);
}

/* Hands out a reserved slot: checks that nobody wrote to it while it was
 * free, puts its canary in place, then marks it live. */
static inline void small_hand_out(unsigned c, char *p, slot_place_t pl) {
  const small_geometry_t *g = &small_geometry[c];
  if (c != 0) {
    /* The slot is about to be written: its pages are touched for writing
     * first, so that a page never used yet faults once, writable, instead
     * of being mapped to the shared zero page by the read below and
     * faulting again, with a TLB flush, at the first write. An OR with zero
     * changes nothing; on a present page it dirties lines that the caller
     * and the canary dirty anyway. */
    small_touch(p, g->slot_size);
    /* Available slots are zero (zeroed on free, or fresh from the kernel):
     * a non-zero byte is a write through a dangling pointer. */
    SMALL_CHECK(!sealed_zero_on_free() || small_all_zero(p, g->slot_size), MISUSE_WRITE_AFTER_FREE, p, c);
#if WD_CANARY
    uint64_t canary = small_canary_for(p);
    memcpy(p + g->slot_size - SMALL_CANARY, &canary, sizeof canary);
#endif
  }
  bool was_live = small_bit_set(small_meta(c)[pl.slab].live, pl.slot);
  SMALL_CHECK(!was_live, MISUSE_SLOT_STATE_CORRUPTED, p, c);
}

/* Takes a live slot back from its owner: the live bit is cleared
 * atomically first (so exactly one of two racing frees wins and the other is
 * a double free), then the canary is checked and the slot zeroed. The slot
 * is then reserved: still used, not live, owned by the caller. */
static inline slot_place_t small_take_back(unsigned c, void *p) {
  const small_geometry_t *g = &small_geometry[c];
  slot_place_t pl = small_locate(c, p, MISUSE_INVALID_FREE);
  bool was_live = small_bit_clear(small_meta(c)[pl.slab].live, pl.slot);
  SMALL_CHECK(was_live, MISUSE_DOUBLE_FREE, p, c);
  if (c != 0) {
#if WD_CANARY
    uint64_t found;
    memcpy(&found, (char *)p + g->slot_size - SMALL_CANARY, sizeof found);
    SMALL_CHECK(found == small_canary_for(p), MISUSE_CANARY_OVERWRITTEN, p, c);
#endif
    /* Zeroed before the slot can be handed out again, so the next owner
     * never sees a stale value and a later stray write stands out. */
    if (sealed_zero_on_free()) small_zero((char *)p, g->slot_size);
  }
  return pl;
}

#endif /* WD_SMALL_SLOT_H */
