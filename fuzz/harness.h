/*
 * The allocator program interpreter shared by Warden's fuzz harnesses.
 *
 * A fuzz input is read as a program of allocator operations over a table of
 * live blocks (see fuzz/README.md, "Input format"). A shadow model follows
 * every block: its requested size and alignment, the usable size Warden
 * reported, and an id from which the block's contents are derived. After
 * every operation the harness checks what it can see from outside (pattern
 * intact, alignment, usable size, no two live blocks overlapping, fresh
 * memory zeroed, the canary's zero first byte, error codes, live counts and
 * bytes, quarantine delay and bounds) and wd_heap_check() checks what
 * Warden sees from inside. Any abort is a finding.
 *
 * The harnesses call the wd_* names: under ASan the sanitizer owns plain
 * malloc. They link //src:core and read a few layout constants from src/
 * (size classes, tier limits, medium list geometry) so that the sizes drawn
 * follow the allocator's real boundaries in every build variant.
 */
#ifndef WARDEN_FUZZ_HARNESS_H
#define WARDEN_FUZZ_HARNESS_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "warden.h"
#include "src/config.h"
#include "src/medium.h"
#include "src/medium_block.h"
#include "src/sealed.h"
#include "src/size_class.h"
#include "src/small_slot.h"
#include "src/small.h"

/* ---------------------------------------------------------------- limits */

#define H_TABLE 64                        /* live-block slots (the threaded harness uses 32) */
#define H_MAX_OPS 128                     /* operations per input; the rest is ignored */
#define H_MAX_MISUSE 2                    /* forked death tests per input */
#define H_LIVE_BUDGET ((size_t)192 << 20) /* usable bytes live at once */
#define H_LARGE_CAP ((size_t)8 << 20)     /* biggest size drawn for a real allocation */
#define H_IMPOSSIBLE ((size_t)1 << 48)    /* at or above: the request must fail */
#define H_CHURN_MAX 160                   /* allocations in one churn */
#define H_CHURN_WINDOW 16                 /* of which live at once, at most */
#define H_CHURN_BYTES ((size_t)64 << 10)  /* and at most this much of one small class */

/* Pattern layout: blocks up to H_DENSE bytes are filled and checked byte by
 * byte; bigger ones at both ends (H_EDGE bytes each) and every H_STRIDE
 * bytes in between, which keeps megabyte blocks cheap while still covering
 * every boundary where a split, merge or copy can go wrong. */
#define H_DENSE ((size_t)64 << 10)
#define H_EDGE ((size_t)8 << 10)
#define H_STRIDE ((size_t)256)

/* ---------------------------------------------------------------- failure */

__attribute__((noreturn, format(printf, 1, 2))) static void h_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("warden fuzz harness: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

#define H_REQUIRE(cond, ...)            \
  do {                                  \
    if (__builtin_expect(!(cond), 0)) { \
      h_fail(__VA_ARGS__);              \
    }                                   \
  } while (0)

/* WARDEN_FUZZ_TRACE=1 prints every operation and its result on stderr: the
 * way to read what a crashing input does (fuzz/README.md). */
static int h_tracing = -1;

__attribute__((format(printf, 1, 2))) static void h_trace(const char *fmt, ...) {
  if (h_tracing < 0) {
    const char *e = getenv("WARDEN_FUZZ_TRACE");
    h_tracing = e != NULL && e[0] != '\0' && e[0] != '0';
  }
  if (!h_tracing) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---------------------------------------------------------------- input */

typedef struct reader {
  const uint8_t *data;
  size_t size, pos;
} reader_t;

static inline bool rd_more(const reader_t *r) { return r->pos < r->size; }
static inline uint8_t rd_u8(reader_t *r) { return r->pos < r->size ? r->data[r->pos++] : 0; }
static inline uint32_t rd_u16(reader_t *r) {
  uint32_t lo = rd_u8(r);
  return lo | (uint32_t)rd_u8(r) << 8;
}

/* ---------------------------------------------------------------- sizes */

static inline bool h_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* Request sizes that serve a small class exactly: its slot less the canary. */
static inline size_t h_class_edge(unsigned c) {
  return c == 0 ? 0 : small_geometry[c].slot_size - SMALL_CANARY;
}

/* A medium list boundary, as a request: blocks of (16 + sl) << (k - 4) bytes
 * start list (k - 7, sl), and a block holds MB_OVERHEAD bytes of tags. */
static inline size_t h_list_edge(uint32_t v) {
  unsigned k = 14 + v % 6; /* 16 KiB .. 512 KiB, the medium tier's lists */
  unsigned sl = (v >> 3) % MB_SL_COUNT;
  size_t block = (size_t)(MB_SL_COUNT + sl) << (k - MB_SL_SHIFT);
  long delta = (long)((v >> 7) % 5) * 16 - 32 + (long)((v >> 10) % 3) - 1;
  long n = (long)block - MB_OVERHEAD + delta;
  return n < 0 ? 0 : (size_t)n;
}

/* Sizes that must fail with ENOMEM: overflow, PTRDIFF_MAX, address space. */
static inline size_t h_impossible(uint32_t v) {
  switch (v % 6) {
    case 0: return SIZE_MAX - (v >> 3) % 64;
    case 1: return (size_t)PTRDIFF_MAX - 2 * 4096 - 32 + (v >> 3) % 64; /* around Warden's cap */
    case 2: return (size_t)PTRDIFF_MAX + (v >> 3) % 3;
    case 3: return ((size_t)1 << 62) + (v >> 3) * 4096;
    case 4: return SIZE_MAX - 4096 * ((v >> 3) % 8) - 15;
    default: return ((size_t)1 << 48) + (v >> 3);
  }
}

/* One request size. Every tier and every boundary gets a share: small class
 * edges, small/medium, medium list edges, medium/large, page multiples of
 * large mappings, zero, and impossible sizes. */
static size_t draw_size(reader_t *r) {
  uint8_t sel = rd_u8(r);
  uint32_t v = rd_u16(r);
  switch (sel % 16) {
    case 0: return v % 48;
    case 1: return v % 1024;
    case 2: return v % (SMALL_MAX_REQUEST + 1);
    case 3:
    case 4: {
      unsigned c = 1 + v % (SMALL_CLASS_COUNT - 1);
      long n = (long)h_class_edge(c) + (long)((v >> 8) % 5) - 2;
      return n < 0 ? 0 : (size_t)n;
    }
    case 5: return SMALL_MAX_REQUEST - 8 + v % 17; /* small | medium */
    case 6: return SMALL_MAX_REQUEST + 1 + v % (64 * 1024);
    case 7:
      return SMALL_MAX_REQUEST + 1 +
             ((size_t)v << 4 | (v >> 12)) % (WD_MEDIUM_MAX - SMALL_MAX_REQUEST);
    case 8:
    case 9: return h_list_edge(v);
    case 10: /* medium | large, or the top of the medium range in 16-byte steps */
      return v < 0x8000 ? WD_MEDIUM_MAX - 16 + v % 33 : WD_MEDIUM_MAX - 16 * (size_t)(v & 0x7fff);
    case 11: return WD_MEDIUM_MAX + 1 + (size_t)v * 32;
    case 12: { /* page multiples of large mappings, +-1 */
      size_t pages = 257 + v % 1792;
      return pages * 4096 + (v >> 11) % 3 - 1;
    }
    case 13: return 0;
    case 14: return (sel >> 4) == 0 ? h_impossible(v) : v % 256;
    default: {
      /* One of the 37 class sizes exactly, or a multiple of 16 near it. */
      unsigned c = v % SMALL_CLASS_COUNT;
      return c == 0 ? 1 : small_geometry[c].slot_size - 16 * ((v >> 8) % 2);
    }
  }
}

/* An alignment: mostly powers of two from 1 to 4 MiB, sometimes an invalid
 * one (0, not a power of two, or below sizeof(void *) for posix_memalign). */
static size_t draw_align(reader_t *r) {
  uint8_t v = rd_u8(r);
  if (v < 224) return (size_t)1 << (v % 23);
  static const size_t odd[] = {0, 3, 24, 48, 12288, 1 << 24, 2, 4, 6, 1000, 65535, 100000};
  return odd[v % (sizeof odd / sizeof odd[0])];
}

/* ---------------------------------------------------------------- pattern */

/* Word k of block `id`: depends on both, so a block's bytes moved, copied
 * from the wrong offset or taken from another block all show. */
static inline uint64_t pat_word(uint64_t id, size_t k) {
  uint64_t base = (id + 1) * 0x9E3779B97F4A7C15ULL;
  return (base ^ (base >> 29)) + k * 0xD1B54A32D192ED03ULL;
}

static inline uint8_t pat_byte(uint64_t id, size_t off) {
  return (uint8_t)(pat_word(id, off / 8) >> (8 * (off % 8)));
}

/* The byte ranges of a block of `len` bytes that carry the pattern, visited
 * in order; `visit` returns false to stop. Dense for small blocks; ends plus
 * one 8-byte word every H_STRIDE bytes for big ones. */
typedef bool (*range_fn)(char *p, size_t from, size_t to, void *ctx);

static bool for_each_range(char *p, size_t len, range_fn visit, void *ctx) {
  if (len <= H_DENSE) return visit(p, 0, len, ctx);
  if (!visit(p, 0, H_EDGE, ctx)) return false;
  /* Past a megabyte (large mappings, fresh from the kernel each time) one
   * word per 64 KiB: touching every page would cost a fault per page. */
  size_t stride = len > ((size_t)1 << 20) ? (size_t)64 << 10 : H_STRIDE;
  for (size_t off = H_EDGE; off + 8 <= len - H_EDGE; off += stride) {
    if (!visit(p, off, off + 8, ctx)) return false;
  }
  return visit(p, len - H_EDGE, len, ctx);
}

typedef struct pat_ctx {
  uint64_t id;
  size_t limit; /* visit nothing at or past this offset */
  size_t bad;   /* first mismatching offset, or SIZE_MAX */
  uint8_t want, got;
  bool zero; /* check for zero bytes instead of the pattern */
} pat_ctx_t;

static bool fill_range(char *p, size_t from, size_t to, void *vctx) {
  pat_ctx_t *c = vctx;
  size_t off = from;
  for (; off < to && off % 8 != 0; off++) p[off] = (char)pat_byte(c->id, off);
  for (; off + 8 <= to; off += 8) {
    uint64_t w = pat_word(c->id, off / 8);
    memcpy(p + off, &w, 8);
  }
  for (; off < to; off++) p[off] = (char)pat_byte(c->id, off);
  return true;
}

static bool check_range(char *p, size_t from, size_t to, void *vctx) {
  pat_ctx_t *c = vctx;
  if (to > c->limit) to = c->limit;
  for (size_t off = from; off < to; off++) {
    /* Word at a time where possible, then find the byte. */
    if (off % 8 == 0 && off + 8 <= to) {
      uint64_t w;
      memcpy(&w, p + off, 8);
      uint64_t want = c->zero ? 0 : pat_word(c->id, off / 8);
      if (w == want) {
        off += 7;
        continue;
      }
    }
    uint8_t want = c->zero ? 0 : pat_byte(c->id, off);
    uint8_t got = (uint8_t)p[off];
    if (got != want) {
      c->bad = off;
      c->want = want;
      c->got = got;
      return false;
    }
  }
  return true;
}

static void pattern_fill(char *p, size_t len, uint64_t id) {
  pat_ctx_t c = {.id = id, .limit = len, .bad = SIZE_MAX};
  for_each_range(p, len, fill_range, &c);
}

/* First offset below `limit` where the block of `len` bytes (as filled)
 * differs from its pattern, or SIZE_MAX. */
static size_t pattern_check(char *p, size_t len, size_t limit, uint64_t id, uint8_t *want,
                            uint8_t *got) {
  pat_ctx_t c = {.id = id, .limit = limit < len ? limit : len, .bad = SIZE_MAX};
  for_each_range(p, len, check_range, &c);
  *want = c.want;
  *got = c.got;
  return c.bad;
}

static size_t zero_check(char *p, size_t len, uint8_t *got) {
  pat_ctx_t c = {.limit = len, .bad = SIZE_MAX, .zero = true};
  for_each_range(p, len, check_range, &c);
  *got = c.got;
  return c.bad;
}

/* ---------------------------------------------------------------- tiers */

typedef enum { T_SMALL, T_MEDIUM, T_LARGE } h_tier_t;

static const char *const h_tier_name[] = {"small", "medium", "large"};

static inline h_tier_t tier_of(const void *p) {
  if (small_owns(p)) return T_SMALL;
  if (medium_owns(p)) return T_MEDIUM;
  return T_LARGE;
}

/* ---------------------------------------------------------------- state */

/* How a block must be freed with a size: free_sized for the malloc family,
 * free_aligned_sized with the alignment it was requested with otherwise. */
typedef struct slot {
  char *p;       /* NULL: empty */
  size_t size;   /* as requested (what a sized free must pass) */
  size_t align;  /* 0: malloc family; else the alignment requested */
  size_t usable; /* wd_malloc_usable_size at allocation; the pattern covers it */
  size_t slack;  /* alignment the block was first placed with (realloc in place keeps it) */
  uint64_t id;
  pthread_mutex_t lock; /* threaded harness only */
} slot_t;

typedef struct harness {
  slot_t *table;
  unsigned slots;
  bool threaded; /* two threads share the table: no global shadow checks */
  bool death_tests;
  unsigned misuse_left;
  unsigned ops;
} harness_t;

static uint64_t h_next_id(void) {
  static uint64_t next = 1;
  return __atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
}

static size_t h_live_bytes; /* atomic */

static void h_lock(harness_t *h, slot_t *s) {
  if (h->threaded) pthread_mutex_lock(&s->lock);
}
static void h_unlock(harness_t *h, slot_t *s) {
  if (h->threaded) pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------- addresses handed out */

/* Every address Warden has returned to this process, as a Bloom filter: a
 * set with no false negatives in bounded memory. Warden names a free of an
 * address that once started a freed block a double free while it holds
 * evidence of that block (a buried medium header, a ring of recent frees,
 * the large tier's memory), even when a later block now covers the address;
 * so an interior pointer that happens to be such an address may be named a
 * double free, and only then. A false positive (under 1 in 100 after ten
 * million addresses) can only let such a line pass for an address never
 * handed out; it never fails a correct run. */
#define H_SEEN_BITS ((size_t)1 << 27)
static uint64_t h_seen[H_SEEN_BITS / 64]; /* atomic */

static uint64_t h_mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ULL;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dULL;
  return x ^ (x >> 33);
}

/* The filter's three bit positions for address p. */
static void h_seen_bits(const void *p, size_t bit[3]) {
  uint64_t a = h_mix((uintptr_t)p >> 4), b = h_mix(a ^ (uintptr_t)p);
  bit[0] = a % H_SEEN_BITS;
  bit[1] = (a >> 32) % H_SEEN_BITS;
  bit[2] = b % H_SEEN_BITS;
}

static void h_seen_note(const void *p) {
  size_t bit[3];
  h_seen_bits(p, bit);
  for (int k = 0; k < 3; k++) {
    __atomic_fetch_or(&h_seen[bit[k] / 64], 1ULL << (bit[k] % 64), __ATOMIC_RELAXED);
  }
}

/* False: Warden never returned p. True: it probably did. */
static bool h_seen_maybe(const void *p) {
  size_t bit[3];
  h_seen_bits(p, bit);
  for (int k = 0; k < 3; k++) {
    uint64_t word = __atomic_load_n(&h_seen[bit[k] / 64], __ATOMIC_RELAXED);
    if (!(word & (1ULL << (bit[k] % 64)))) return false;
  }
  return true;
}

/* ------------------------------------------------- quarantine shadow model */

/* A freed small slot spends at least (FIFO length + 1) further frees of its
 * class in quarantine: it waits in the random array until a later free
 * evicts it, then passes the whole FIFO. Freed large mappings do the same,
 * counted over all large frees, and stay mapped (inaccessible) meanwhile,
 * so no new mapping can overlap them. Freed medium blocks do the same,
 * counted over the frees into their arena, with one exception: an arena's
 * quarantine holds at most WD_MEDIUM_QUARANTINE_BYTES, and a free that
 * would take it past that pushes blocks out early, from the FIFO's oldest
 * on and then from the random array, the block just freed included. So a
 * medium free that may push blocks out (the bytes quarantined before it,
 * which the stats tell, plus its block, are over the bound) ends every
 * guarantee in its arena, its own block's too. The harness remembers that
 * many recent frees and fails if one of them is handed out again too early.
 * (A thread cache that buffers freed slots before they enter the class
 * quarantine only delays them further, so the bound still holds.)
 * Only meaningful when one thread makes every call (the single-thread
 * harness), across inputs as well: the heap lives as long as the process. */
#define H_RING_SMALL (WD_SMALL_QUARANTINE_FIFO + 1)
#define H_RING_LARGE (WD_LARGE_QUARANTINE_FIFO + 1)
#define H_RING_MEDIUM (WD_MEDIUM_QUARANTINE_FIFO + 1)
#define H_RING_RANGES (H_RING_LARGE > H_RING_MEDIUM ? H_RING_LARGE : H_RING_MEDIUM)

/* The canary word after a medium block's usable end (src/medium.c). */
#define H_MEDIUM_CANARY (WD_CANARY ? MB_WORD : 0)

/* A medium block's size, from its usable bytes: its tags and its canary. */
static inline size_t h_medium_block(size_t usable) { return usable + MB_OVERHEAD + H_MEDIUM_CANARY; }

static struct {
  uintptr_t ring[H_RING_SMALL];
  unsigned next;
} h_recent[SMALL_CLASS_COUNT];

/* Address ranges freed lately (large mappings, medium blocks). */
typedef struct range_ring {
  uintptr_t start[H_RING_RANGES], end[H_RING_RANGES];
  unsigned next;
} range_ring_t;

static range_ring_t h_recent_large;
static range_ring_t h_recent_medium[WD_MEDIUM_ARENAS];

/* Arenas the harness has freed medium blocks into (atomic): only those can
 * hold quarantined blocks. */
static uint64_t h_medium_arenas_used;

static unsigned h_gap(uint32_t cap, uint32_t random_max, uint32_t fifo_max) {
  uint32_t random_len = cap < random_max ? cap : random_max;
  uint32_t fifo_len = cap < fifo_max ? cap : fifo_max;
  return random_len == 0 ? 0 : fifo_len + 1;
}

/* Per class: the big classes' quarantines hold fewer slots. */
static unsigned h_small_gap(unsigned c) {
  uint32_t random_len, fifo_len;
  small_quarantine_lengths(c, &random_len, &fifo_len);
  return random_len == 0 ? 0 : fifo_len + 1;
}

static unsigned h_medium_gap(void) {
  return h_gap(sealed.options.medium_quarantine, WD_MEDIUM_QUARANTINE_RANDOM,
               WD_MEDIUM_QUARANTINE_FIFO);
}

static unsigned h_large_gap(void) {
  return h_gap(sealed.options.large_quarantine, WD_LARGE_QUARANTINE_RANDOM,
               WD_LARGE_QUARANTINE_FIFO);
}

/* Bytes of medium blocks in quarantine, over all arenas, as the stats
 * report them; the chunks must be tiled exactly by blocks that are live,
 * free or quarantined. */
static size_t h_quarantined_in(const wd_stats_t *st) {
  size_t tiled = st->medium_chunks * MB_WHOLE;
  H_REQUIRE(st->medium_bytes + st->medium_free_bytes + st->medium_quarantined_bytes == tiled,
            "medium stats: %zu live, %zu free and %zu quarantined bytes in %zu chunks", st->medium_bytes,
            st->medium_free_bytes, st->medium_quarantined_bytes, st->medium_chunks);
  return st->medium_quarantined_bytes;
}

static size_t h_medium_quarantined(void) {
  wd_stats_t st;
  H_REQUIRE(wd_get_stats(&st) == 0, "wd_get_stats failed");
  return h_quarantined_in(&st);
}

/* What the model needs to know just before p is freed: the medium bytes
 * quarantined then (0 where it does not follow p). */
static size_t quarantine_before_free(const harness_t *h, const void *p) {
  return h->threaded || !medium_owns(p) ? 0 : h_medium_quarantined();
}

/* True when freeing a medium block of `usable` bytes, with `quarantined`
 * bytes in quarantine before, cannot push anything out early. */
static bool h_medium_stays(size_t quarantined, size_t usable) {
  return h_medium_gap() != 0 && quarantined + h_medium_block(usable) <= WD_MEDIUM_QUARANTINE_BYTES;
}

static void range_ring_note(range_ring_t *r, unsigned gap, const void *p, size_t usable) {
  unsigned k = r->next++ % gap;
  r->start[k] = (uintptr_t)p;
  r->end[k] = (uintptr_t)p + (usable ? usable : 1);
}

static void range_ring_check(const range_ring_t *r, unsigned gap, const void *p, size_t usable,
                             const char *tier, const char *counted) {
  uintptr_t a = (uintptr_t)p, b = a + (usable ? usable : 1);
  for (unsigned k = 0; k < gap; k++) {
    bool apart = b <= r->start[k] || r->end[k] <= a;
    H_REQUIRE(apart, "quarantine: %s block %p+%zu overlaps %p, freed within the last %u %s", tier,
              p, usable, (void *)r->start[k], gap, counted);
  }
}

static void quarantine_note_free(harness_t *h, const void *p, size_t usable, size_t quarantined) {
  bool medium = medium_owns(p);
  if (medium) __atomic_fetch_or(&h_medium_arenas_used, 1ULL << medium_arena_index(p), __ATOMIC_RELAXED);
  if (h->threaded) return;
  if (small_owns(p)) {
    unsigned c = small_class_at(p);
    unsigned gap = h_small_gap(c);
    if (gap == 0) return;
    h_recent[c].ring[h_recent[c].next++ % gap] = (uintptr_t)p;
  } else if (medium) {
    unsigned gap = h_medium_gap();
    range_ring_t *r = &h_recent_medium[medium_arena_index(p)];
    if (gap == 0) return;
    if (h_medium_stays(quarantined, usable))
      range_ring_note(r, gap, p, usable);
    else
      memset(r, 0, sizeof *r);
  } else {
    unsigned gap = h_large_gap();
    if (gap == 0) return;
    range_ring_note(&h_recent_large, gap, p, usable);
  }
}

static void quarantine_check_alloc(harness_t *h, const void *p, size_t usable) {
  if (h->threaded) return;
  if (small_owns(p)) {
    unsigned c = small_class_at(p);
    unsigned gap = h_small_gap(c);
    for (unsigned k = 0; k < gap; k++) {
      H_REQUIRE(h_recent[c].ring[k] != (uintptr_t)p,
                "quarantine: small slot %p (class %u) handed out again within %u frees of its "
                "class",
                p, c, gap);
    }
  } else if (medium_owns(p)) {
    range_ring_check(&h_recent_medium[medium_arena_index(p)], h_medium_gap(), p, usable, "medium",
                     "medium frees of its arena, none of which could push it out early");
  } else {
    range_ring_check(&h_recent_large, h_large_gap(), p, usable, "large", "large frees");
  }
}

/* ---------------------------------------------------------------- checks */

static void check_stats(harness_t *h, const char *when) {
  if (h->threaded) return;
  size_t want[3] = {0, 0, 0};
  size_t medium_bytes = 0;
  for (unsigned i = 0; i < h->slots; i++) {
    const slot_t *s = &h->table[i];
    if (s->p == NULL) continue;
    want[tier_of(s->p)]++;
    if (tier_of(s->p) == T_MEDIUM) medium_bytes += h_medium_block(s->usable);
  }
  wd_stats_t st;
  H_REQUIRE(wd_get_stats(&st) == 0, "wd_get_stats failed");
  H_REQUIRE(st.small_live == want[T_SMALL] && st.medium_live == want[T_MEDIUM] &&
                st.large_live == want[T_LARGE],
            "live counts after %s: small %zu medium %zu large %zu, harness holds %zu %zu %zu", when,
            st.small_live, st.medium_live, st.large_live, want[T_SMALL], want[T_MEDIUM],
            want[T_LARGE]);
  H_REQUIRE(st.medium_bytes == medium_bytes,
            "live medium bytes after %s: %zu, the harness's blocks make %zu", when, st.medium_bytes,
            medium_bytes);
  /* Each arena's quarantine keeps to its byte bound, and holds nothing
   * where there is no quarantine. */
  size_t quarantined = h_quarantined_in(&st);
  size_t arenas = (size_t)__builtin_popcountll(__atomic_load_n(&h_medium_arenas_used, __ATOMIC_RELAXED));
  size_t bound = h_medium_gap() == 0 ? 0 : arenas * WD_MEDIUM_QUARANTINE_BYTES;
  H_REQUIRE(quarantined <= bound,
            "medium quarantine after %s holds %zu bytes, over %zu (%zu arenas freed into)", when,
            quarantined, bound, arenas);
}

static void check_pattern(const slot_t *s, size_t limit, const char *when) {
  uint8_t want, got;
  size_t bad = pattern_check(s->p, s->usable, limit, s->id, &want, &got);
  H_REQUIRE(bad == SIZE_MAX,
            "block %p (%s, size %zu, usable %zu, id %llu) corrupted at offset %zu before %s: "
            "byte 0x%02x, expected 0x%02x",
            (void *)s->p, h_tier_name[tier_of(s->p)], s->size, s->usable, (unsigned long long)s->id,
            bad, when, got, want);
}

/* [p, p + max(n, 1)) must not meet any other live block. */
static void check_no_overlap(harness_t *h, const slot_t *self, const char *p, size_t n) {
  size_t len = n ? n : 1;
  for (unsigned i = 0; i < h->slots; i++) {
    slot_t *o = &h->table[i];
    if (o == self) continue;
    if (h->threaded && pthread_mutex_trylock(&o->lock) != 0) continue;
    if (o->p != NULL) {
      size_t olen = o->usable ? o->usable : 1;
      bool apart = p + len <= o->p || o->p + olen <= p;
      H_REQUIRE(apart, "new block %p+%zu overlaps live block %p+%zu (ids %llu)", (const void *)p,
                len, (void *)o->p, olen, (unsigned long long)o->id);
    }
    if (h->threaded) pthread_mutex_unlock(&o->lock);
  }
}

/* Whether a block that Warden hands out reads zero: freed memory is
 * zeroed (small slots and medium blocks, as they are freed; reused large
 * mappings as they are handed out) and no metadata stays in it. */
static bool h_hands_out_zero(h_tier_t t) {
  if (t == T_LARGE) return sealed.options.zero_on_free;
  return WD_ZERO_ON_FREE && sealed.options.zero_on_free;
}

/* What Warden promises of a block p it has just returned for n bytes (at
 * alignment `placed`), with `usable` bytes of which those from `fresh` on
 * were not copied from an old block. */
static void check_fresh(const char *p, size_t n, size_t placed, size_t usable, size_t fresh,
                        const char *how) {
  h_tier_t t = tier_of(p);
  H_REQUIRE(usable >= n, "%s(%zu) -> %p: usable size %zu is less than requested", how, n,
            (const void *)p, usable);
  /* Generous: no tier rounds up by more than this (class steps are 25%,
   * medium blocks waste under MB_MIN, large ones under a 16-byte rounding
   * plus the alignment). A block that realloc kept in place keeps the
   * placement slack of the aligned request that made it. */
  size_t bound = placed > 16 ? 2 * n + 2 * placed + 64 : n + n / 4 + 64;
  H_REQUIRE(usable <= bound, "%s(%zu, align %zu) -> %p: usable size %zu is implausibly large",
            how, n, placed, (const void *)p, usable);
  if (t == T_MEDIUM) {
    /* Exactly: the block a request takes has room for the canary, and
     * only a remainder too small to be a block stays with it. */
    size_t need = mb_block_for(n + H_MEDIUM_CANARY), block = h_medium_block(usable);
    H_REQUIRE(block >= need && block - need < MB_MIN,
              "%s(%zu) -> %p: medium block of %zu bytes (usable %zu), the request needs %zu", how,
              n, (const void *)p, block, usable, need);
  }
  /* The canary's first byte is zero, so that a string overflow stops there. */
  bool canary = t == T_SMALL ? SMALL_CANARY != 0 : t == T_MEDIUM && H_MEDIUM_CANARY != 0;
  if (canary && usable > 0) {
    H_REQUIRE(p[usable] == 0, "%s(%zu) -> %p: the byte after the usable end (%zu) is 0x%02x", how,
              n, (const void *)p, usable, (unsigned)(uint8_t)p[usable]);
  }
  if (fresh < usable && h_hands_out_zero(t)) {
    uint8_t got;
    size_t bad = zero_check((char *)p + fresh, usable - fresh, &got);
    H_REQUIRE(bad == SIZE_MAX, "%s(%zu) -> %p (%s, usable %zu): byte %zu is 0x%02x, not zero", how,
              n, (const void *)p, h_tier_name[t], usable, fresh + bad, got);
  }
}

/* Every check a fresh allocation gets, then its pattern. Bytes from
 * `fresh` on are new to the block (0: all of them). */
static void adopt(harness_t *h, slot_t *s, char *p, size_t size, size_t align, uint64_t id,
                  size_t fresh, const char *how) {
  H_REQUIRE(p != NULL, "%s(%zu, align %zu) returned NULL", how, size, align);
  H_REQUIRE((uintptr_t)p % 16 == 0, "%s(%zu) returned %p, not 16-byte aligned", how, size,
            (void *)p);
  if (align > 1) {
    H_REQUIRE((uintptr_t)p % align == 0, "%s(%zu, align %zu) returned misaligned %p", how, size,
              align, (void *)p);
  }
  size_t usable = wd_malloc_usable_size(p);
  size_t placed = align > s->slack ? align : s->slack;
  check_fresh(p, size, placed, usable, fresh, how);
  h_trace("  %s(%zu, align %zu) -> %p (%s, usable %zu, id %llu)", how, size, align, (void *)p,
          h_tier_name[tier_of(p)], usable, (unsigned long long)id);
  check_no_overlap(h, s, p, usable);
  quarantine_check_alloc(h, p, usable);
  h_seen_note(p);
  s->p = p;
  s->size = size;
  s->align = align;
  s->slack = placed;
  s->usable = usable;
  s->id = id;
  __atomic_fetch_add(&h_live_bytes, usable, __ATOMIC_RELAXED);
  pattern_fill(p, usable, id);
}

static void forget(slot_t *s) {
  __atomic_fetch_sub(&h_live_bytes, s->usable, __ATOMIC_RELAXED);
  s->p = NULL;
  s->size = s->usable = s->align = s->slack = 0;
}

static bool over_budget(size_t n) {
  return n < H_IMPOSSIBLE && __atomic_load_n(&h_live_bytes, __ATOMIC_RELAXED) + n > H_LIVE_BUDGET;
}

/* ---------------------------------------------------------------- frees */

typedef enum { FREE_PLAIN, FREE_SIZED, FREE_REALLOC0 } free_how_t;

static void release_slot(harness_t *h, slot_t *s, free_how_t how) {
  if (s->p == NULL) return;
  check_pattern(s, SIZE_MAX, "free");
  char *p = s->p;
  size_t usable_now = wd_malloc_usable_size(p);
  H_REQUIRE(usable_now == s->usable, "usable size of %p changed from %zu to %zu", (void *)p,
            s->usable, usable_now);
  h_trace("  %s(%p) (%s, size %zu, align %zu, id %llu)",
          how == FREE_SIZED      ? (s->align ? "free_aligned_sized" : "free_sized")
          : how == FREE_REALLOC0 ? "realloc0"
                                 : "free",
          (void *)p, h_tier_name[tier_of(p)], s->size, s->align, (unsigned long long)s->id);
  size_t size = s->size, align = s->align;
  size_t quarantined = quarantine_before_free(h, p);
  forget(s);
  switch (how) {
    case FREE_SIZED:
      if (align == 0)
        wd_free_sized(p, size);
      else
        wd_free_aligned_sized(p, align, size);
      break;
    case FREE_REALLOC0: {
      void *q = wd_realloc(p, 0);
      H_REQUIRE(q == NULL, "realloc(%p, 0) returned %p instead of freeing", (void *)p, q);
      break;
    }
    default: wd_free(p); break;
  }
  quarantine_note_free(h, p, usable_now, quarantined);
}

/* ---------------------------------------------------------------- death tests */

typedef enum {
  MIS_DOUBLE_FREE,
  MIS_SIZE_MISMATCH,
  MIS_INTERIOR_FREE,
  MIS_OVERFLOW,
  MIS_WRITE_AFTER_FREE,
  MIS_REALLOC_FREED,
  MIS_USABLE_FREED,
  MIS_ZERO_SIZE_ACCESS,
  MIS_CHECK_OVERFLOW,
  MIS_OUT_OF_MEMORY,
  MIS_FOREIGN_FREE,
  MIS_OVERFLOW_WORD,
  MIS_WRITE_AFTER_FREE_EXIT,
  MIS_REUSE_RANDOM,
  MIS_COUNT
} h_misuse_t;

static const char *const misuse_name[] = {
    "double free",
    "sized free with a wrong size",
    "interior free",
    "one-byte overflow",
    "write after free",
    "realloc of a freed block",
    "usable size of a freed block",
    "access to a malloc(0) block",
    "one-byte overflow seen by wd_heap_check",
    "allocation under a memory limit",
    "free of memory Warden never handed out",
    "8-byte overflow with the boundary tag's own value",
    "write after free, seen as the block leaves the quarantine",
    "reuse of fitting medium blocks drawn at random",
};

/* A child's exit status when a probe could not set up what it tests (its
 * allocations never reached the arena it needs): no verdict either way. */
#define H_NO_VERDICT 77

/* The misuse that must not end the process. */
static const char h_survives[] = "(survives)";

/* Lowers the data limit (writable private memory: every commit Warden makes)
 * to what the process uses now plus `room` bytes. */
static void limit_memory(size_t room) {
  FILE *f = fopen("/proc/self/status", "r");
  unsigned long long kib = 0;
  char line[256];
  while (f != NULL && fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmData: %llu kB", &kib) == 1) break;
  }
  if (f != NULL) fclose(f);
  H_REQUIRE(kib > 0, "cannot read VmData");
  struct rlimit rl = {(rlim_t)kib * 1024 + room, (rlim_t)kib * 1024 + room};
  H_REQUIRE(setrlimit(RLIMIT_DATA, &rl) == 0, "setrlimit(RLIMIT_DATA) failed");
}

/* Allocations of the block's size (and a few of each tier) under a tight
 * memory limit: each returns a usable block or NULL with ENOMEM, the heap
 * stays consistent, and everything frees cleanly. */
static void out_of_memory(const slot_t *s) {
  static char *held[512];
  unsigned n_held = 0, failed = 0;
  size_t sizes[] = {s->size, 100, 20000, WD_MEDIUM_MAX, 3 * WD_MEDIUM_MAX};
  limit_memory(s->size % (2u << 20));
  for (unsigned round = 0; round < 64 && n_held < 500; round++) {
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0] && n_held < 500; k++) {
      errno = 0;
      char *q = wd_malloc(sizes[k]);
      if (q == NULL) {
        H_REQUIRE(errno == ENOMEM, "malloc(%zu) under a memory limit: NULL with errno %d", sizes[k],
                  errno);
        failed++;
        continue;
      }
      H_REQUIRE(wd_malloc_usable_size(q) >= sizes[k],
                "malloc(%zu) under a memory limit: short block", sizes[k]);
      if (sizes[k] > 0) q[0] = q[sizes[k] - 1] = 1;
      held[n_held++] = q;
    }
    wd_heap_check();
  }
  H_REQUIRE(failed > 0, "no allocation failed under a memory limit");
  while (n_held > 0) wd_free(held[--n_held]);
  wd_heap_check();
}

/* Blocks of the smallest medium size, all in one arena, allocated before
 * the blocks under test are freed (so that they cannot take their memory)
 * and freed afterwards to push those out of the quarantine, whatever order
 * its random array draws: a block waits there until a later free draws its
 * place (1 in 16 at most per free), then passes a FIFO of 16, so after 600
 * frees the chance that one is still there is below 1e-16. */
#define H_FLUSH 600

typedef struct flush {
  void *blocks[H_FLUSH];
} flush_t;

/* Allocates the flush blocks in `arena`; false when this thread's
 * allocations do not land there. */
static bool flush_reserve(flush_t *f, unsigned arena) {
  unsigned n = 0;
  for (unsigned tries = 0; n < H_FLUSH && tries < 4 * H_FLUSH; tries++) {
    void *q = wd_malloc(SMALL_MAX_REQUEST + 1);
    if (q == NULL) break;
    if (medium_arena_index(q) == arena)
      f->blocks[n++] = q;
    else
      wd_free(q);
  }
  if (n == H_FLUSH) return true;
  while (n > 0) wd_free(f->blocks[--n]);
  return false;
}

static void flush_release(flush_t *f) {
  for (unsigned k = 0; k < H_FLUSH; k++) wd_free(f->blocks[k]);
}

/* Reuse among fitting free blocks is drawn at random: from one heap state
 * (a child's) with at least four free blocks on the list a request is
 * served from, forked grandchildren (each with fresh random draws) make
 * the same request; had Warden always taken the list's head, they would
 * all get one address. With a fair draw among the first four, all 16 agree
 * once in 4^15. */
#define H_REUSE_BLOCKS 48
#define H_REUSE_WANT 4
#define H_REUSE_TRIES 16

static int h_cmp_ptr(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

static void reuse_probe(void) {
  /* A block size that starts its list, so the search for it starts there. */
  size_t block = (size_t)MB_SL_COUNT << (17 - MB_SL_SHIFT);
  size_t n = block - MB_OVERHEAD - H_MEDIUM_CANARY;
  uintptr_t b[H_REUSE_BLOCKS];
  for (unsigned k = 0; k < H_REUSE_BLOCKS; k++) {
    b[k] = (uintptr_t)wd_malloc(n);
    if (b[k] == 0 || !medium_owns((void *)b[k])) _exit(H_NO_VERDICT);
  }
  qsort(b, H_REUSE_BLOCKS, sizeof b[0], h_cmp_ptr);
  /* Blocks whose neighbours on both sides stay live: freed, they cannot
   * merge, so each lands on that list as it is. */
  uintptr_t pick[H_REUSE_WANT];
  unsigned picked = 0;
  unsigned arena = medium_arena_index((void *)b[0]);
  for (unsigned k = 1; k + 1 < H_REUSE_BLOCKS && picked < H_REUSE_WANT; k++) {
    bool inside = b[k] - b[k - 1] == block && b[k + 1] - b[k] == block;
    bool apart = picked == 0 || b[k] - pick[picked - 1] > block;
    if (inside && apart && medium_arena_index((void *)b[k]) == arena) pick[picked++] = b[k];
  }
  if (picked < H_REUSE_WANT) _exit(H_NO_VERDICT);
  flush_t f;
  if (!flush_reserve(&f, arena)) _exit(H_NO_VERDICT);
  for (unsigned k = 0; k < picked; k++) wd_free((void *)pick[k]);
  flush_release(&f);
  int fds[2];
  H_REQUIRE(pipe(fds) == 0, "pipe failed");
  uintptr_t first = 0;
  for (unsigned k = 0; k < H_REUSE_TRIES; k++) {
    pid_t pid = fork();
    H_REQUIRE(pid >= 0, "fork failed");
    if (pid == 0) {
      uintptr_t q = (uintptr_t)wd_malloc(n);
      _exit(write(fds[1], &q, sizeof q) == sizeof q ? 0 : 1);
    }
    int status;
    uintptr_t got = 0;
    while (waitpid(pid, &status, 0) < 0) H_REQUIRE(errno == EINTR, "waitpid failed");
    H_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  read(fds[0], &got, sizeof got) == sizeof got,
              "reuse probe: malloc(%zu) in a forked child failed, status 0x%x", n,
              (unsigned)status);
    if (got == 0 || !medium_owns((void *)got) || medium_arena_index((void *)got) != arena)
      _exit(H_NO_VERDICT);
    if (k == 0) first = got;
    if (got != first) return; /* drawn: two children got different blocks */
  }
  h_fail("reuse of medium blocks is not random: %u requests of %zu bytes, each in a fresh child, "
         "all got %p, with %u free blocks of exactly that size on its list",
         H_REUSE_TRIES, n, (void *)first, picked);
}

static void child_misuse(h_misuse_t kind, slot_t *s) {
  char *p = s->p;
  h_tier_t t = tier_of(p);
  volatile char *vp = p;
  switch (kind) {
    case MIS_DOUBLE_FREE:
      wd_free(p);
      wd_free(p);
      break;
    case MIS_SIZE_MISMATCH: {
      /* A size that certainly routes elsewhere: another tier, or for large
       * blocks a different requested size. */
      size_t wrong = t == T_SMALL ? SMALL_MAX_REQUEST + 1 : t == T_MEDIUM ? 1 : s->size + 1;
      if (s->align == 0)
        wd_free_sized(p, wrong);
      else
        wd_free_aligned_sized(p, s->align, wrong);
      break;
    }
    case MIS_INTERIOR_FREE: wd_free(p + 16); break;
    case MIS_OVERFLOW:
      vp[s->usable] = 0x41;
      wd_free(p);
      break;
    case MIS_OVERFLOW_WORD: {
      /* The word after the canary is the block's footer: written over the
       * canary, its value would pass any check of the tags. */
      volatile uint64_t *after = (volatile uint64_t *)(p + s->usable);
      after[0] = after[1];
      wd_free(p);
      break;
    }
    case MIS_WRITE_AFTER_FREE:
    case MIS_WRITE_AFTER_FREE_EXIT: {
      flush_t f;
      bool flush = kind == MIS_WRITE_AFTER_FREE_EXIT;
      if (flush && !flush_reserve(&f, medium_arena_index(p))) _exit(H_NO_VERDICT);
      wd_free(p);
      vp[s->usable / 2] = 0x41;
      if (flush) flush_release(&f);
      wd_heap_check();
      break;
    }
    case MIS_REALLOC_FREED: {
      wd_free(p);
      void *q = wd_realloc(p, s->size + 1);
      __asm__ volatile("" : : "r"(q) : "memory");
      break;
    }
    case MIS_USABLE_FREED: {
      wd_free(p);
      size_t n = wd_malloc_usable_size(p);
      __asm__ volatile("" : : "r"(n) : "memory");
      break;
    }
    case MIS_ZERO_SIZE_ACCESS: (void)vp[0]; break;
    case MIS_CHECK_OVERFLOW: vp[s->usable] = 0x41; break; /* the check below must see it */
    case MIS_OUT_OF_MEMORY: out_of_memory(s); break;
    case MIS_FOREIGN_FREE: {
      /* The harness's table, a global: outside every tier. */
      static char foreign[64] __attribute__((aligned(16)));
      wd_free(foreign + (s->size % 4) * 16);
      break;
    }
    case MIS_REUSE_RANDOM: reuse_probe(); break;
    default: break;
  }
  wd_heap_check();
}

/* Which misuses apply to this block, and what Warden must say. NULL: any
 * fatal signal will do (a guard page or an unmapped range); "" : skip. */
static const char *misuse_expect(h_misuse_t kind, const slot_t *s) {
  h_tier_t t = tier_of(s->p);
  /* A medium block that its free leaves in the quarantine, zeroed. */
  bool kept = t == T_MEDIUM && h_medium_stays(h_medium_quarantined(), s->usable);
  bool kept_zero = kept && h_hands_out_zero(T_MEDIUM);
  switch (kind) {
    case MIS_DOUBLE_FREE: return "warden: double free: ";
    case MIS_SIZE_MISMATCH: return "warden: size mismatch: ";
    case MIS_INTERIOR_FREE: return s->usable >= 32 ? "warden: invalid free: " : "";
    case MIS_OVERFLOW:
      if (s->size == 0 || s->usable == 0) return "";
      if (t == T_SMALL) return SMALL_CANARY ? "warden: canary overwritten: " : "";
      if (t == T_MEDIUM)
        return H_MEDIUM_CANARY ? "warden: canary overwritten: " : "warden: boundary tag corrupted: ";
      return NULL; /* the guard page after the mapping */
    case MIS_OVERFLOW_WORD:
      if (t == T_MEDIUM) return H_MEDIUM_CANARY ? "warden: canary overwritten: " : "";
      return t == T_LARGE ? NULL : "";
    case MIS_WRITE_AFTER_FREE:
      if (s->usable == 0) return "";
      if (t == T_SMALL) return sealed_zero_on_free() ? "warden: heap check failed: free slot zero: " : "";
      if (t == T_LARGE) return NULL; /* unmapped, or kept inaccessible */
      return kept_zero ? "warden: heap check failed: quarantined block zero: " : "";
    case MIS_WRITE_AFTER_FREE_EXIT: return kept_zero ? "warden: write after free: " : "";
    case MIS_REALLOC_FREED: return "warden: double free: ";
    case MIS_USABLE_FREED: return "warden: pointer to freed memory: ";
    case MIS_ZERO_SIZE_ACCESS: return s->usable == 0 && t == T_SMALL ? NULL : "";
    case MIS_CHECK_OVERFLOW:
      if (s->size == 0 || s->usable == 0) return "";
      if (t == T_SMALL) return SMALL_CANARY ? "warden: heap check failed: canary intact: " : "";
      if (t == T_MEDIUM)
        return H_MEDIUM_CANARY ? "warden: heap check failed: canary intact: "
                               : "warden: heap check failed: footer matches header: ";
      return NULL;
    case MIS_OUT_OF_MEMORY: return h_survives;
    case MIS_FOREIGN_FREE: return "warden: invalid free: ";
    case MIS_REUSE_RANDOM: return WD_RANDOMIZE && sealed.options.randomize ? h_survives : "";
    default: return "";
  }
}

/* The whole line, where the harness knows it: a medium report names the
 * block's payload and size. A freed block is still whole (as the report
 * names it) only while it waits in the quarantine; once out, it may have
 * merged with the block after it. */
static bool misuse_line(h_misuse_t kind, const slot_t *s, const char *expect, char *line,
                        size_t cap) {
  if (tier_of(s->p) != T_MEDIUM) return false;
  switch (kind) {
    case MIS_DOUBLE_FREE:
    case MIS_REALLOC_FREED:
    case MIS_USABLE_FREED:
      if (!h_medium_stays(h_medium_quarantined(), s->usable)) return false;
      break;
    case MIS_SIZE_MISMATCH:
    case MIS_OVERFLOW:
    case MIS_OVERFLOW_WORD:
    case MIS_CHECK_OVERFLOW:
    case MIS_WRITE_AFTER_FREE:
    case MIS_WRITE_AFTER_FREE_EXIT: break;
    default: return false;
  }
  snprintf(line, cap, "%s%p (medium, block %zu)\n", expect, (void *)s->p,
           h_medium_block(s->usable));
  return true;
}

/* The one other line Warden may give for this misuse, or NULL: the interior
 * pointer p + 16 may be where an earlier block started (h_seen). */
static const char *misuse_also(h_misuse_t kind, const slot_t *s) {
  if (kind == MIS_INTERIOR_FREE && h_seen_maybe(s->p + 16)) return "warden: double free: ";
  return NULL;
}

/* In coverage builds (fuzz/coverage.sh) a dying child first writes its
 * profile, so the report paths that the death tests reach are counted. */
int __llvm_profile_write_file(void) __attribute__((weak));

static void child_dump_and_die(int sig) {
  __llvm_profile_write_file();
  signal(sig, SIG_DFL);
  raise(sig);
}

/* Runs one misuse of slot s in a forked child and fails unless the child
 * dies the way Warden promises. The parent's heap is untouched. */
static void death_test(harness_t *h, slot_t *s, h_misuse_t kind) {
  if (!h->death_tests || h->misuse_left == 0 || s->p == NULL) return;
  const char *expect = misuse_expect(kind, s);
  if (expect != NULL && expect[0] == '\0') return;
  h->misuse_left--;
  h_trace("  death test: %s of %p (%s, size %zu)", misuse_name[kind], (void *)s->p,
          h_tier_name[tier_of(s->p)], s->size);
  int fds[2];
  H_REQUIRE(pipe(fds) == 0, "pipe failed");
  fflush(stderr);
  pid_t pid = fork();
  H_REQUIRE(pid >= 0, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    /* The fuzzing engine's own handlers would record the child's abort as a
     * finding; the parent judges it instead. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGALRM, SIGILL, SIGFPE};
    if (__llvm_profile_write_file != NULL) dfl.sa_handler = child_dump_and_die;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &dfl, NULL);
    alarm(10);
    child_misuse(kind, s);
    if (__llvm_profile_write_file != NULL) __llvm_profile_write_file();
    _exit(0);
  }
  close(fds[1]);
  char buf[2048];
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
    /* libFuzzer's timeout alarm interrupts the read; closing the pipe then
     * would kill the child with SIGPIPE before it could say anything. */
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
    if (len == sizeof buf - 1) break;
  }
  buf[len] = '\0';
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    H_REQUIRE(errno == EINTR, "waitpid failed");
  }
  const char *tier = h_tier_name[tier_of(s->p)];
  if (WIFEXITED(status) && WEXITSTATUS(status) == H_NO_VERDICT) {
    h_trace("  death test: no verdict (its blocks did not land where it needs them)");
    return;
  }
  if (expect == h_survives) {
    H_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s (block %p, %s, size %zu): the child failed, status 0x%x: %s", misuse_name[kind],
              (void *)s->p, tier, s->size, (unsigned)status, buf);
    return;
  }
  H_REQUIRE(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
            "%s of %p (%s, size %zu, usable %zu) went undetected: the process kept running",
            misuse_name[kind], (void *)s->p, tier, s->size, s->usable);
  if (expect == NULL) {
    /* A fault: killed by the signal, or reported by the sanitizer's handler. */
    bool faulted =
        (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)) ||
        strstr(buf, "SEGV") != NULL || strstr(buf, "BUS") != NULL;
    H_REQUIRE(faulted, "%s of %p (%s, size %zu): expected a fault, got status 0x%x and: %s",
              misuse_name[kind], (void *)s->p, tier, s->size, (unsigned)status, buf);
    return;
  }
  const char *also = misuse_also(kind, s);
  char line[256];
  bool exact = misuse_line(kind, s, expect, line, sizeof line);
  bool said = exact ? strcmp(buf, line) == 0 : strstr(buf, expect) == buf;
  H_REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT &&
                (said || (also != NULL && strstr(buf, also) == buf)),
            "%s of %p (%s, size %zu, usable %zu): expected \"%s%s\" and SIGABRT, got status "
            "0x%x and: %s",
            misuse_name[kind], (void *)s->p, tier, s->size, s->usable, exact ? line : expect,
            exact ? "" : "...", (unsigned)status, buf);
}

/* ---------------------------------------------------------------- operations */

enum {
  OP_MALLOC,
  OP_CALLOC,
  OP_REALLOC,
  OP_REALLOC_NEAR,
  OP_REALLOCARRAY,
  OP_FREE,
  OP_FREE_SIZED,
  OP_POSIX_MEMALIGN,
  OP_ALIGNED_ALLOC,
  OP_MEMALIGN,
  OP_VALLOC,
  OP_USABLE,
  OP_VERIFY,
  OP_CHURN,
  OP_FREE_ALL,
  OP_MISUSE,
  OP_COUNT
};

/* Operation codes are spread over the byte so that common operations are
 * likelier; see fuzz/README.md for the weights. */
static const uint8_t op_weight[OP_COUNT] = {
    [OP_MALLOC] = 40,        [OP_CALLOC] = 16,  [OP_REALLOC] = 30,    [OP_REALLOC_NEAR] = 20,
    [OP_REALLOCARRAY] = 6,   [OP_FREE] = 36,    [OP_FREE_SIZED] = 20, [OP_POSIX_MEMALIGN] = 16,
    [OP_ALIGNED_ALLOC] = 14, [OP_MEMALIGN] = 8, [OP_VALLOC] = 6,      [OP_USABLE] = 8,
    [OP_VERIFY] = 6,         [OP_CHURN] = 12,   [OP_FREE_ALL] = 4,    [OP_MISUSE] = 14,
};

static const char *const op_name[OP_COUNT] = {
    "malloc",        "calloc",   "realloc",        "realloc-near",
    "reallocarray",  "free",     "free-sized",     "posix_memalign",
    "aligned_alloc", "memalign", "valloc/pvalloc", "usable-size",
    "verify",        "churn",    "free-all",       "misuse",
};

static unsigned decode_op(uint8_t b) {
  unsigned acc = 0;
  for (unsigned op = 0; op < OP_COUNT; op++) {
    acc += op_weight[op];
    if (b < acc) return op;
  }
  return OP_MALLOC;
}

static void expect_failed_alloc(const void *p, int err, const char *how, size_t n) {
  h_trace("  %s(%zu) -> %p (must fail), errno %d", how, n, p, err);
  H_REQUIRE(p == NULL, "%s(%zu) succeeded with %p; it must fail", how, n, p);
  H_REQUIRE(err == ENOMEM, "%s(%zu) failed with errno %d, not ENOMEM", how, n, err);
}

/* Allocates into slot s (freeing what it held first). */
static void op_alloc(harness_t *h, slot_t *s, unsigned op, reader_t *r) {
  size_t n = draw_size(r);
  size_t align = 0;
  if (op == OP_POSIX_MEMALIGN || op == OP_ALIGNED_ALLOC || op == OP_MEMALIGN) align = draw_align(r);
  if (s->p != NULL) release_slot(h, s, FREE_PLAIN);
  if (over_budget(n)) return;
  uint64_t id = h_next_id();
  void *p = NULL;
  errno = 0;
  switch (op) {
    case OP_MALLOC:
      p = wd_malloc(n);
      if (n >= H_IMPOSSIBLE) {
        expect_failed_alloc(p, errno, "malloc", n);
        return;
      }
      adopt(h, s, p, n, 0, id, 0, "malloc");
      break;
    case OP_CALLOC: {
      /* count * each, close to n; sometimes a product that overflows. */
      size_t count = n >= H_IMPOSSIBLE ? 1 : 1 + rd_u8(r) % 8;
      size_t each = n / count;
      if (rd_u8(r) % 16 == 0) {
        count = 2 + count % 7;
        each = SIZE_MAX / count + 1;
      }
      size_t total;
      bool overflow = __builtin_mul_overflow(count, each, &total);
      if (!overflow && over_budget(total)) return;
      p = wd_calloc(count, each);
      if (overflow || total >= H_IMPOSSIBLE) {
        expect_failed_alloc(p, errno, "calloc", total);
        return;
      }
      H_REQUIRE(p != NULL, "calloc(%zu, %zu) returned NULL", count, each);
      uint8_t got;
      size_t bad = zero_check(p, total, &got);
      H_REQUIRE(bad == SIZE_MAX, "calloc(%zu, %zu) -> %p: byte %zu is 0x%02x, not zero", count,
                each, p, bad, got);
      adopt(h, s, p, total, 0, id, 0, "calloc");
      break;
    }
    case OP_VALLOC: {
      bool pv = rd_u8(r) & 1;
      if (n >= H_IMPOSSIBLE) {
        p = pv ? wd_pvalloc(n) : wd_valloc(n);
        {
          expect_failed_alloc(p, errno, pv ? "pvalloc" : "valloc", n);
          return;
        }
      }
      if (pv) {
        size_t rounded = n == 0 ? 4096 : (n + 4095) & ~(size_t)4095;
        if (over_budget(rounded)) return;
        p = wd_pvalloc(n);
        H_REQUIRE(p == NULL || wd_malloc_usable_size(p) >= rounded,
                  "pvalloc(%zu) gave fewer than %zu usable bytes", n, rounded);
        adopt(h, s, p, rounded, 4096, id, 0, "pvalloc");
      } else {
        p = wd_valloc(n);
        adopt(h, s, p, n, 4096, id, 0, "valloc");
      }
      break;
    }
    default: { /* the aligned family */
      bool valid = h_pow2(align);
      const char *how = op == OP_POSIX_MEMALIGN  ? "posix_memalign"
                        : op == OP_ALIGNED_ALLOC ? "aligned_alloc"
                                                 : "memalign";
      if (op == OP_POSIX_MEMALIGN) {
        valid = valid && align % sizeof(void *) == 0;
        void *out = (void *)&id; /* must stay untouched on failure */
        int saved = errno = 1234;
        int rc = wd_posix_memalign(&out, align, n);
        H_REQUIRE(errno == saved, "posix_memalign changed errno to %d", errno);
        if (!valid) {
          H_REQUIRE(rc == EINVAL && out == (void *)&id,
                    "posix_memalign(align %zu) returned %d, not EINVAL, or wrote the pointer",
                    align, rc);
          return;
        }
        if (n >= H_IMPOSSIBLE) {
          H_REQUIRE(rc == ENOMEM && out == (void *)&id,
                    "posix_memalign(%zu, align %zu) returned %d, not ENOMEM", n, align, rc);
          return;
        }
        H_REQUIRE(rc == 0, "posix_memalign(%zu, align %zu) returned %d", n, align, rc);
        p = out;
      } else {
        p = op == OP_ALIGNED_ALLOC ? wd_aligned_alloc(align, n) : wd_memalign(align, n);
        if (!valid) {
          H_REQUIRE(p == NULL && errno == EINVAL, "%s(align %zu) gave %p / errno %d, not EINVAL",
                    how, align, p, errno);
          return;
        }
        if (n >= H_IMPOSSIBLE) {
          expect_failed_alloc(p, errno, how, n);
          return;
        }
      }
      adopt(h, s, p, n, align, id, 0, how);
      break;
    }
  }
}

/* realloc to a drawn size (OP_REALLOC) or near the current one (OP_REALLOC_NEAR),
 * or reallocarray with a count and element size. */
static void op_realloc(harness_t *h, slot_t *s, unsigned op, reader_t *r) {
  size_t n;
  size_t count = 1, each = 0;
  bool overflow = false;
  if (op == OP_REALLOC_NEAR && s->p != NULL) {
    uint8_t how = rd_u8(r);
    uint32_t d = rd_u16(r);
    size_t old = s->size;
    switch (how % 8) {
      case 0: n = old + 1; break;
      case 1: n = old ? old - 1 : 0; break;
      case 2: n = old + d % 256; break;
      case 3: n = old > d % 256 ? old - d % 256 : 0; break;
      case 4: n = old * 2 + (d % 17); break;
      case 5: n = old / 2; break;
      case 6: n = s->usable + (d % 3); break; /* right at the usable edge */
      default: n = old + d * 16; break;
    }
    if (n > H_LARGE_CAP && n < H_IMPOSSIBLE) n = H_LARGE_CAP - (d % 4096);
  } else if (op == OP_REALLOCARRAY) {
    n = draw_size(r);
    count = n >= H_IMPOSSIBLE ? 1 : 1 + rd_u8(r) % 16;
    each = n / count;
    if (rd_u8(r) % 8 == 0) {
      count = 2 + count % 15;
      each = SIZE_MAX / count + 1;
    }
    overflow = __builtin_mul_overflow(count, each, &n);
    if (overflow) n = SIZE_MAX;
  } else {
    n = draw_size(r);
  }
  if (over_budget(n)) return;
  uint64_t id = s->p ? s->id : h_next_id();
  if (s->p == NULL) {
    errno = 0;
    void *p = op == OP_REALLOCARRAY ? wd_reallocarray(NULL, count, each) : wd_realloc(NULL, n);
    if (overflow || n >= H_IMPOSSIBLE) {
      expect_failed_alloc(p, errno, "realloc(NULL)", n);
      return;
    }
    adopt(h, s, p, n, 0, id, 0, "realloc(NULL)");
    return;
  }
  check_pattern(s, SIZE_MAX, "realloc");
  if (n == 0 && op != OP_REALLOCARRAY) {
    release_slot(h, s, FREE_REALLOC0);
    return;
  }
  char *old = s->p;
  size_t old_usable = s->usable;
  size_t quarantined = quarantine_before_free(h, old);
  errno = 0;
  void *q = op == OP_REALLOCARRAY ? wd_reallocarray(old, count, each) : wd_realloc(old, n);
  if (overflow || n >= H_IMPOSSIBLE) {
    expect_failed_alloc(q, errno, "realloc", n);
    /* The old block must be untouched and still live. */
    check_pattern(s, SIZE_MAX, "a failed realloc returned");
    H_REQUIRE(wd_malloc_usable_size(old) == old_usable, "failed realloc changed usable size");
    return;
  }
  if (n == 0) {
    /* reallocarray(p, count, 0): freed like realloc(p, 0). */
    H_REQUIRE(q == NULL, "reallocarray(%p, %zu, 0) returned %p", (void *)old, count, q);
    forget(s);
    quarantine_note_free(h, old, old_usable, quarantined);
    return;
  }
  H_REQUIRE(q != NULL, "realloc(%p, %zu) returned NULL", (void *)old, n);
  /* What realloc promises: the old contents up to the smaller size. Warden
   * copies everything that was usable, so the whole old pattern counts. */
  slot_t moved = *s;
  moved.p = q;
  check_pattern(&moved, old_usable < n ? old_usable : n, "realloc's copy was checked");
  size_t slack = s->slack;
  forget(s);
  /* New to the block: what was not copied, or (grown in place) what lies
   * past the old usable end. */
  size_t fresh = old_usable;
  if (q != old) {
    quarantine_note_free(h, old, old_usable, quarantined);
    fresh = old_usable < n ? old_usable : n;
  } else {
    s->slack = slack;
  }
  adopt(h, s, q, n, 0, id, fresh, "realloc");
}

/* A stream of allocations of one size, each freed once `window` newer ones
 * are live (the oldest, the newest or another one, by `mode`): it cycles
 * quarantines, refills slabs and splits and merges medium blocks many times
 * per operation while keeping the small tier's high-water mark low. (Slabs
 * are never given back and wd_heap_check reads every free small slot, so
 * that mark sets the cost of every later check.) */
static void churn_free(harness_t *h, char *p, size_t usable, uint64_t id, size_t n, size_t align,
                       uint8_t mode, unsigned step) {
  uint8_t want, got;
  size_t bad = pattern_check(p, usable, SIZE_MAX, id, &want, &got);
  H_REQUIRE(bad == SIZE_MAX, "churn block %p (size %zu) corrupted at %zu: 0x%02x, expected 0x%02x",
            (void *)p, n, bad, got, want);
  size_t quarantined = quarantine_before_free(h, p);
  if (mode & 8) {
    if (align)
      wd_free_aligned_sized(p, align, n);
    else
      wd_free_sized(p, n);
  } else {
    wd_free(p);
  }
  quarantine_note_free(h, p, usable, quarantined);
  /* A churn is one operation; some also check the heap along the way. */
  if ((mode & 16) && step % 16 == 0) wd_heap_check();
}

static void op_churn(harness_t *h, reader_t *r) {
  size_t n = draw_size(r);
  unsigned count = 1 + rd_u8(r) % H_CHURN_MAX;
  unsigned window = 1 + rd_u8(r) % H_CHURN_WINDOW;
  uint8_t mode = rd_u8(r);
  /* mode & 64: aligned allocations (4 KiB .. 128 KiB: big alignments send
   * even tiny requests to the large tier); mode & 128: keep every block
   * live until the end (fills slabs, grows the large table). */
  size_t align = mode & 64 ? (size_t)4096 << (mode & 7) % 6 : 0;
  if (mode & 128) window = count;
  if (n >= H_IMPOSSIBLE) return;
  size_t slot = n + SMALL_CANARY;
  if (align != 0 && slot <= SMALL_MAX_SLOT)
    slot = slot < align ? align : (size_t)1 << (64 - __builtin_clzl(slot - 1));
  size_t cap = slot <= SMALL_MAX_SLOT ? H_CHURN_BYTES / slot : n > WD_MEDIUM_MAX ? 2 : H_CHURN_MAX;
  if (window > cap) window = cap > 0 ? (unsigned)cap : 1;
  if (over_budget(n * window)) return;
  h_trace("  churn: %u x %s(%zu, align %zu), %u live at most, mode %u", count,
          align ? "aligned_alloc" : "malloc", n, align, window, (unsigned)mode);
  char *ps[H_CHURN_MAX];
  size_t us[H_CHURN_MAX];
  uint64_t ids[H_CHURN_MAX];
  unsigned live = 0;
  for (unsigned k = 0; k < count; k++) {
    if (live == window) {
      unsigned v = mode % 3 == 0 ? 0 : mode % 3 == 1 ? live - 1 : (k * 7 + mode) % live;
      churn_free(h, ps[v], us[v], ids[v], n, align, mode, k);
      live--;
      memmove(&ps[v], &ps[v + 1], (live - v) * sizeof ps[0]);
      memmove(&us[v], &us[v + 1], (live - v) * sizeof us[0]);
      memmove(&ids[v], &ids[v + 1], (live - v) * sizeof ids[0]);
    }
    slot_t probe = {0};
    char *p = align ? wd_aligned_alloc(align, n) : wd_malloc(n);
    H_REQUIRE(p != NULL && (uintptr_t)p % (align ? align : 16) == 0,
              "churn allocation of %zu (align %zu) returned %p", n, align, (void *)p);
    size_t u = wd_malloc_usable_size(p);
    check_fresh(p, n, align, u, 0, "churn allocation");
    check_no_overlap(h, &probe, p, u);
    for (unsigned j = 0; j < live; j++) {
      H_REQUIRE(p + (u ? u : 1) <= ps[j] || ps[j] + (us[j] ? us[j] : 1) <= p,
                "churn: blocks %p+%zu and %p+%zu overlap", (void *)p, u, (void *)ps[j], us[j]);
    }
    quarantine_check_alloc(h, p, u);
    h_seen_note(p);
    ps[live] = p;
    us[live] = u;
    ids[live] = h_next_id();
    pattern_fill(p, u, ids[live]);
    live++;
  }
  while (live > 0) {
    unsigned v = mode & 32 ? 0 : live - 1;
    churn_free(h, ps[v], us[v], ids[v], n, align, mode, live);
    live--;
    memmove(&ps[v], &ps[v + 1], (live - v) * sizeof ps[0]);
    memmove(&us[v], &us[v + 1], (live - v) * sizeof us[0]);
    memmove(&ids[v], &ids[v + 1], (live - v) * sizeof ids[0]);
  }
}

static void free_all(harness_t *h) {
  for (unsigned i = 0; i < h->slots; i++) {
    slot_t *s = &h->table[i];
    h_lock(h, s);
    release_slot(h, s, i % 2 ? FREE_SIZED : FREE_PLAIN);
    h_unlock(h, s);
  }
}

/* One operation from the input. */
static void run_op(harness_t *h, reader_t *r) {
  unsigned op = decode_op(rd_u8(r));
  unsigned slot = rd_u8(r) % h->slots;
  slot_t *s = &h->table[slot];
  h_trace("op %u: %s slot %u", h->ops, op_name[op], slot);
  h_lock(h, s);
  switch (op) {
    case OP_MALLOC:
    case OP_CALLOC:
    case OP_POSIX_MEMALIGN:
    case OP_ALIGNED_ALLOC:
    case OP_MEMALIGN:
    case OP_VALLOC: op_alloc(h, s, op, r); break;
    case OP_REALLOC:
    case OP_REALLOC_NEAR:
    case OP_REALLOCARRAY: op_realloc(h, s, op, r); break;
    case OP_FREE: release_slot(h, s, FREE_PLAIN); break;
    case OP_FREE_SIZED: release_slot(h, s, FREE_SIZED); break;
    case OP_USABLE:
      if (s->p != NULL) {
        size_t u = wd_malloc_usable_size(s->p);
        H_REQUIRE(u == s->usable, "malloc_usable_size(%p) is %zu, was %zu", (void *)s->p, u,
                  s->usable);
      } else {
        H_REQUIRE(wd_malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is not 0");
      }
      break;
    case OP_VERIFY:
      if (s->p != NULL) {
        check_pattern(s, SIZE_MAX, "verify");
        /* Rewrite with a fresh id: blocks are written more than once. */
        s->id = h_next_id();
        pattern_fill(s->p, s->usable, s->id);
      }
      break;
    case OP_CHURN: op_churn(h, r); break;
    case OP_FREE_ALL:
      h_unlock(h, s);
      free_all(h);
      h_lock(h, s);
      break;
    case OP_MISUSE: death_test(h, s, (h_misuse_t)(rd_u8(r) % MIS_COUNT)); break;
    default: break;
  }
  h_unlock(h, s);
  wd_heap_check();
  check_stats(h, "an operation");
  h->ops++;
}

__attribute__((unused)) static void run_program(harness_t *h, reader_t *r) {
  while (rd_more(r) && h->ops < H_MAX_OPS) run_op(h, r);
}

/* libFuzzer defines this; other engines (AFL++'s driver, honggfuzz) do not. */
void __libfuzzer_is_present(void) __attribute__((weak));

/* Shared LLVMFuzzerInitialize: defaults that make a run with no flags a good
 * run, without overriding anything the user gave.
 *  - WARDEN_OPTIONS, when unset, shortens the small quarantine to
 *    H_QUARANTINE slots per array: the same code, with far less memory for
 *    every wd_heap_check to read (set WARDEN_OPTIONS= to fuzz the full
 *    length, at about half the speed).
 *  - Under libFuzzer only: -max_len (operations past H_MAX_OPS are ignored
 *    anyway) and -dict=fuzz/alloc.dict when it is found next to the binary
 *    (runfiles) or in the workspace.
 *  - Under `bazel run` with no corpus directory on the command line: the
 *    run grows fuzz/out/NAME/corpus from the seeds in fuzz/corpus/NAME and
 *    fuzz/regressions/NAME, and writes crashes to fuzz/out/NAME/ (in the
 *    workspace). */
#ifndef H_QUARANTINE
#define H_QUARANTINE "8"
#endif

void __libfuzzer_is_present(void) __attribute__((weak));

static void h_initialize(int *argc, char ***argv, const char *name) {
  setenv("WARDEN_OPTIONS", "small_quarantine=" H_QUARANTINE, 0);
  if (__libfuzzer_is_present == NULL || argc == NULL || argv == NULL) return;
  bool has_len = false, has_dict = false, has_dir = false, has_prefix = false;
  for (int i = 1; i < *argc; i++) {
    const char *a = (*argv)[i];
    has_len |= strncmp(a, "-max_len=", 9) == 0;
    has_dict |= strncmp(a, "-dict=", 6) == 0;
    has_prefix |= strncmp(a, "-artifact_prefix=", 17) == 0;
    has_dir |= a[0] != '-';
  }
  const char *ws = getenv("BUILD_WORKSPACE_DIRECTORY");
  static char dict_flag[4096], out_dir[4096], seeds[4096], regressions[4096], prefix[4096];
  if (!has_dict) {
    const char *self = (*argv)[0];
    const char *slash = strrchr(self, '/');
    if (slash != NULL)
      snprintf(dict_flag, sizeof dict_flag, "-dict=%.*s/alloc.dict", (int)(slash - self), self);
    else
      snprintf(dict_flag, sizeof dict_flag, "-dict=alloc.dict");
    if (access(dict_flag + 6, R_OK) != 0) {
      dict_flag[0] = '\0';
      if (ws != NULL) snprintf(dict_flag, sizeof dict_flag, "-dict=%s/fuzz/alloc.dict", ws);
      if (ws == NULL || access(dict_flag + 6, R_OK) != 0) dict_flag[0] = '\0';
    }
  }
  /* Once: the processes that libFuzzer's -fork and -jobs modes start inherit
   * the environment and get their corpus from the parent. */
  if (!has_dir && ws != NULL && getenv("WARDEN_FUZZ_DEFAULTS") == NULL) {
    snprintf(seeds, sizeof seeds, "%s/fuzz/corpus/%s", ws, name);
    snprintf(regressions, sizeof regressions, "%s/fuzz/regressions/%s", ws, name);
    snprintf(out_dir, sizeof out_dir, "%s/fuzz/out/%s/corpus", ws, name);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", out_dir);
    if (access(seeds, R_OK) != 0 || system(cmd) != 0) seeds[0] = out_dir[0] = '\0';
    if (access(regressions, R_OK) != 0) regressions[0] = '\0';
    if (!has_prefix && out_dir[0] != '\0') {
      snprintf(prefix, sizeof prefix, "-artifact_prefix=%s/fuzz/out/%s/", ws, name);
    }
  }
  setenv("WARDEN_FUZZ_DEFAULTS", "1", 1);
  static char *args[1024];
  int n = 0;
  args[n++] = (*argv)[0];
  if (!has_len) args[n++] = "-max_len=1024";
  if (dict_flag[0] != '\0') args[n++] = dict_flag;
  if (prefix[0] != '\0') args[n++] = prefix;
  for (int i = 1; i < *argc && n < 1020; i++) args[n++] = (*argv)[i];
  if (out_dir[0] != '\0') {
    fprintf(stderr, "%s: no corpus given: growing %s from %s\n", name, out_dir, seeds);
    args[n++] = out_dir;
    args[n++] = seeds;
    if (regressions[0] != '\0') args[n++] = regressions;
  }
  args[n] = NULL;
  *argc = n;
  *argv = args;
}

__attribute__((unused)) static void trace_stats(void) {
  wd_stats_t st;
  wd_get_stats(&st);
  h_trace(
      "stats: small %zu live in %zu slabs, medium %zu live %zu free in %zu chunks, large %zu "
      "live, %zu KiB mapped",
      st.small_live, st.small_slabs, st.medium_live, st.medium_free_blocks, st.medium_chunks,
      st.large_live, st.mapped_bytes >> 10);
}

#endif /* WARDEN_FUZZ_HARNESS_H */
