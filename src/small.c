#include "small.h"

#include <string.h>

#include "config.h"
#include "lock.h"
#include "os.h"
#include "random.h"
#include "report.h"
#include "secret.h"

#define CLASS_SPAN (1UL << WD_SMALL_CLASS_SHIFT)
#define WORDS (SMALL_MAX_SLOTS / 64)
/* Slab metadata is committed this many bytes at a time. */
#define META_STEP (64UL * 1024)
/* A fresh slab is drawn at random from the next this-many unused ones. */
#define FRESH_WINDOW 8
#define NO_SLOT UINT32_MAX
#define Q_RANDOM_CAP (WD_SMALL_QUARANTINE_RANDOM > 0 ? WD_SMALL_QUARANTINE_RANDOM : 1)
#define Q_FIFO_CAP (WD_SMALL_QUARANTINE_FIFO > 0 ? WD_SMALL_QUARANTINE_FIFO : 1)

/* A slot is available (both bits clear), handed out (both set) or in
 * quarantine (used set, live clear). */
typedef struct slab {
  uint64_t used[WORDS];
  uint64_t live[WORDS];
  uint32_t next; /* partial-list neighbours, as slab index + 1; 0 ends */
  uint32_t prev;
  uint16_t free_slots; /* available slots */
  uint8_t on_partial;
  uint8_t carved;
  uint32_t reserved;
} slab_t;

typedef struct size_class {
  lock_t lock;
  uint32_t high_water; /* no slab at or above this index is carved */
  uint32_t next_fresh; /* lowest index neither carved nor a guard */
  uint32_t carved;
  uint32_t partial; /* slabs with an available slot, as index + 1 */
  size_t meta_bytes; /* committed bytes of this class's metadata */
  size_t live;
  random_t rng;
  uint32_t fifo_head;
  uint32_t fifo_count;
  uintptr_t q_random[Q_RANDOM_CAP]; /* 0: empty entry */
  uintptr_t q_fifo[Q_FIFO_CAP];
} __attribute__((aligned(64))) size_class_t;

static size_class_t classes[SMALL_CLASS_COUNT];

static size_t meta_span(unsigned c) {
  size_t bytes = (size_t)(CLASS_SPAN / small_geometry[c].slab_size) * sizeof(slab_t);
  return align_up(bytes, META_STEP);
}

static slab_t *meta_of(unsigned c) { return (slab_t *)sealed.small[c].meta; }

static bool is_guard(uint32_t i) {
  return WD_SMALL_GUARD_INTERVAL > 0 && i % (WD_SMALL_GUARD_INTERVAL + 1) == WD_SMALL_GUARD_INTERVAL;
}

bool small_init(void) {
  char *range = os_reserve_aligned(SMALL_CLASS_COUNT * CLASS_SPAN, CLASS_SPAN);
  if (range == NULL) return false;
  size_t meta_total = 0;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) meta_total += meta_span(c) + OS_PAGE;
  /* Every class's metadata is followed by a page that is never committed,
   * so an overrun of one class's table faults before it reaches the next. */
  char *meta = os_reserve(meta_total + OS_PAGE);
  if (meta == NULL) return false;
  meta += OS_PAGE;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    sealed.small[c] = (small_class_layout_t){range + c * CLASS_SPAN, meta,
                                             (uint32_t)(CLASS_SPAN / small_geometry[c].slab_size)};
    classes[c].lock = (lock_t)LOCK_INIT;
    random_seed(&classes[c].rng);
    meta += meta_span(c) + OS_PAGE;
  }
  sealed.small_start = (uintptr_t)range;
  sealed.small_end = (uintptr_t)range + SMALL_CLASS_COUNT * CLASS_SPAN;
  return true;
}

static uint64_t canary_for(const char *slot) {
  /* The first byte (lowest address) is zero so that an overflowing string
   * copy stops at it rather than running on with the canary's bytes. */
  return secret_mix((uintptr_t)slot, secret_keys.canary) & ~(uint64_t)0xff;
}

static char *slot_addr(unsigned c, uint32_t slab, uint32_t slot) {
  const small_geometry_t *g = &small_geometry[c];
  return sealed.small[c].base + (size_t)slab * g->slab_size + (size_t)slot * g->slot_size;
}

/* One branch at the end rather than one per word, so the loop vectorizes. */
static bool all_zero(const char *p, size_t size) {
  const uint64_t *words = (const uint64_t *)(const void *)p;
  uint64_t acc = 0;
  for (size_t w = 0; w < size / 8; w++) acc |= words[w];
  return acc == 0;
}

static bool bit(const uint64_t *map, uint32_t i) { return (map[i / 64] >> (i % 64)) & 1; }
static void set_bit(uint64_t *map, uint32_t i) { map[i / 64] |= 1ULL << (i % 64); }
static void clear_bit(uint64_t *map, uint32_t i) { map[i / 64] &= ~(1ULL << (i % 64)); }

static void partial_push(size_class_t *sc, slab_t *meta, uint32_t i) {
  slab_t *s = &meta[i];
  s->prev = 0;
  s->next = sc->partial;
  if (sc->partial != 0) meta[sc->partial - 1].prev = i + 1;
  sc->partial = i + 1;
  s->on_partial = 1;
}

static void partial_remove(size_class_t *sc, slab_t *meta, uint32_t i) {
  slab_t *s = &meta[i];
  if (s->prev != 0) meta[s->prev - 1].next = s->next;
  else sc->partial = s->next;
  if (s->next != 0) meta[s->next - 1].prev = s->prev;
  s->next = s->prev = 0;
  s->on_partial = 0;
}

static bool carved(const size_class_t *sc, const slab_t *meta, uint32_t i) {
  return i < sc->high_water && meta[i].carved;
}

/* The next index after i that is neither carved nor a guard. */
static uint32_t next_unused(const size_class_t *sc, const slab_t *meta, uint32_t i) {
  do i++;
  while (is_guard(i) || carved(sc, meta, i));
  return i;
}

/* Carves a fresh slab, drawn at random among the next few unused ones so
 * that the order of slabs in memory does not follow the order of requests;
 * false when the class's range or memory is exhausted. */
static bool carve_slab(size_class_t *sc, unsigned c) {
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = meta_of(c);
  uint32_t max = sealed.small[c].max_slabs;
  uint32_t i = sc->next_fresh;
  if (WD_RANDOMIZE && sealed.options.randomize) {
    for (uint32_t skip = random_below(&sc->rng, FRESH_WINDOW); skip > 0; skip--) {
      uint32_t j = next_unused(sc, meta, i);
      if (j >= max) break;
      i = j;
    }
  }
  if (i >= max) return false;
  while ((size_t)(i + 1) * sizeof(slab_t) > sc->meta_bytes) {
    if (!os_commit((char *)meta + sc->meta_bytes, META_STEP)) return false;
    sc->meta_bytes += META_STEP;
  }
  /* The malloc(0) class is never made accessible. */
  if (c != 0 && !os_commit(slot_addr(c, i, 0), g->slab_size)) return false;
  slab_t *s = &meta[i];
  memset(s, 0, sizeof *s);
  s->free_slots = (uint16_t)g->slots;
  s->carved = 1;
  sc->carved++;
  if (i >= sc->high_water) sc->high_water = i + 1;
  if (i == sc->next_fresh) sc->next_fresh = next_unused(sc, meta, i);
  partial_push(sc, meta, i);
  return true;
}

/* The first available slot in [from, to), or NO_SLOT. */
static uint32_t find_available(const slab_t *s, uint32_t from, uint32_t to) {
  for (uint32_t w = from / 64; w * 64 < to; w++) {
    uint64_t avail = ~s->used[w];
    if (w == from / 64) avail &= ~0ULL << (from % 64);
    if (avail != 0) {
      uint32_t slot = w * 64 + lowest_bit(avail);
      return slot < to ? slot : NO_SLOT;
    }
  }
  return NO_SLOT;
}

void *small_alloc(unsigned c) {
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = meta_of(c);
  lock_acquire(&sc->lock);
  if (sc->partial == 0 && !carve_slab(sc, c)) {
    lock_release(&sc->lock);
    return NULL;
  }
  uint32_t i = sc->partial - 1;
  slab_t *s = &meta[i];
  uint32_t start = 0;
  if (WD_RANDOMIZE && sealed.options.randomize) start = random_below(&sc->rng, g->slots);
  uint32_t slot = find_available(s, start, g->slots);
  if (slot == NO_SLOT) slot = find_available(s, 0, start);
  WD_ASSERT(slot != NO_SLOT);
  set_bit(s->used, slot);
  set_bit(s->live, slot);
  if (--s->free_slots == 0) partial_remove(sc, meta, i);
  sc->live++;
  char *p = slot_addr(c, i, slot);
  if (c == 0) {
    lock_release(&sc->lock);
    return p;
  }
  /* The canary is in place before the lock is released: the heap checker
   * and a forked child (fork takes every lock) must never see a live slot
   * without one. Available slots are zero (zeroed on free, or fresh from
   * the kernel), so a non-zero byte is a write through a dangling pointer;
   * the canary's word is checked here, the rest outside the lock. */
  char *canary_at = p + g->slot_size - SMALL_CANARY;
  bool zeroing = small_zeroing();
  WD_CHECK(!zeroing || all_zero(canary_at, SMALL_CANARY), "write after free", p,
           REPORT_SMALL(g->slot_size));
#if WD_CANARY
  uint64_t canary = canary_for(p);
  memcpy(canary_at, &canary, sizeof canary);
#endif
  lock_release(&sc->lock);
  WD_CHECK(!zeroing || all_zero(p, g->slot_size - SMALL_CANARY), "write after free", p,
           REPORT_SMALL(g->slot_size));
  return p;
}

typedef struct place {
  uint32_t slab;
  uint32_t slot;
} place_t;

/* Address arithmetic only: which slot of class c p is, or an abort with
 * `what` when p is not the start of a slot of a carved slab. The caller
 * holds the class lock. */
static place_t locate(unsigned c, const void *p, const char *what) {
  const small_geometry_t *g = &small_geometry[c];
  size_t in_class = (uintptr_t)p - (uintptr_t)sealed.small[c].base;
  size_t slab = in_class / g->slab_size;
  size_t in_slab = in_class - slab * g->slab_size;
  size_t slot = in_slab / g->slot_size;
  bool exact = slot * g->slot_size == in_slab && slot < g->slots &&
               carved(&classes[c], meta_of(c), (uint32_t)slab);
  WD_CHECK(exact, what, p, REPORT_SMALL(small_class_size(c)));
  return (place_t){(uint32_t)slab, (uint32_t)slot};
}

static unsigned class_of_address(const void *p) {
  return (unsigned)(((uintptr_t)p - sealed.small_start) >> WD_SMALL_CLASS_SHIFT);
}

static void check_canary(unsigned c, const char *p) {
#if WD_CANARY
  if (c == 0) return;
  const small_geometry_t *g = &small_geometry[c];
  uint64_t found;
  memcpy(&found, p + g->slot_size - SMALL_CANARY, sizeof found);
  WD_CHECK(found == canary_for(p), "canary overwritten", p, REPORT_SMALL(g->slot_size));
#else
  (void)c;
  (void)p;
#endif
}

/* Puts a freed slot in quarantine; returns the slot that leaves it (to be
 * made available), which is p itself when the quarantine is off, or 0. */
static uintptr_t quarantine(size_class_t *sc, uintptr_t p) {
  uint32_t cap = sealed.options.small_quarantine;
  uint32_t random_len = cap < WD_SMALL_QUARANTINE_RANDOM ? cap : WD_SMALL_QUARANTINE_RANDOM;
  if (random_len == 0) return p;
  uint32_t k = random_below(&sc->rng, random_len);
  uintptr_t out = sc->q_random[k];
  sc->q_random[k] = p;
  uint32_t fifo_len = cap < WD_SMALL_QUARANTINE_FIFO ? cap : WD_SMALL_QUARANTINE_FIFO;
  if (out == 0 || fifo_len == 0) return out;
  if (sc->fifo_count < fifo_len) {
    sc->q_fifo[(sc->fifo_head + sc->fifo_count++) % fifo_len] = out;
    return 0;
  }
  uintptr_t oldest = sc->q_fifo[sc->fifo_head];
  sc->q_fifo[sc->fifo_head] = out;
  sc->fifo_head = (sc->fifo_head + 1) % fifo_len;
  return oldest;
}

static void make_available(size_class_t *sc, unsigned c, uintptr_t p) {
  slab_t *meta = meta_of(c);
  place_t pl = locate(c, (const void *)p, "quarantine corrupted");
  slab_t *s = &meta[pl.slab];
  clear_bit(s->used, pl.slot);
  if (s->free_slots++ == 0) partial_push(sc, meta, pl.slab);
}

void small_free(void *p) {
  unsigned c = class_of_address(p);
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  lock_acquire(&sc->lock);
  place_t pl = locate(c, p, "invalid free");
  slab_t *s = &meta_of(c)[pl.slab];
  WD_CHECK(bit(s->live, pl.slot), "double free", p, REPORT_SMALL(small_class_size(c)));
  check_canary(c, p);
  /* Zeroed before the slot can be handed out again, so the next owner never
   * sees a stale value and a later stray write stands out. */
  if (c != 0 && small_zeroing()) memset(p, 0, g->slot_size);
  clear_bit(s->live, pl.slot);
  sc->live--;
  uintptr_t out = quarantine(sc, (uintptr_t)p);
  if (out != 0) make_available(sc, c, out);
  lock_release(&sc->lock);
}

unsigned small_class_of_live(const void *p, const char *bad, const char *freed) {
  unsigned c = class_of_address(p);
  size_class_t *sc = &classes[c];
  lock_acquire(&sc->lock);
  place_t pl = locate(c, p, bad);
  bool live = bit(meta_of(c)[pl.slab].live, pl.slot);
  lock_release(&sc->lock);
  WD_CHECK(live, freed, p, REPORT_SMALL(small_class_size(c)));
  return c;
}

static void check_slot(unsigned c, const slab_t *s, uint32_t slot, report_where_t where) {
  const small_geometry_t *g = &small_geometry[c];
  char *p = slot_addr(c, (uint32_t)(s - meta_of(c)), slot);
  if (bit(s->live, slot) && !bit(s->used, slot)) report_check_failed("live slot is used", p, where);
  if (c == 0) return;
  if (bit(s->live, slot)) {
#if WD_CANARY
    uint64_t found;
    memcpy(&found, p + g->slot_size - SMALL_CANARY, sizeof found);
    if (found != canary_for(p)) report_check_failed("canary intact", p, where);
#endif
  } else if (small_zeroing() && !all_zero(p, g->slot_size)) {
    report_check_failed("free slot zero", p, where);
  }
}

static void check_quarantine(unsigned c, size_t quarantined) {
  size_class_t *sc = &classes[c];
  report_where_t where = REPORT_SMALL(small_class_size(c));
  size_t held = sc->fifo_count;
  for (uint32_t k = 0; k < Q_RANDOM_CAP; k++) held += sc->q_random[k] != 0;
  if (held != quarantined) report_check_failed("quarantine matches slot states", sealed.small[c].base, where);
  uint32_t cap = sealed.options.small_quarantine;
  uint32_t fifo_len = cap < WD_SMALL_QUARANTINE_FIFO ? cap : WD_SMALL_QUARANTINE_FIFO;
  for (uint32_t k = 0; k < Q_RANDOM_CAP + sc->fifo_count; k++) {
    uintptr_t p = k < Q_RANDOM_CAP ? sc->q_random[k]
                                   : sc->q_fifo[(sc->fifo_head + k - Q_RANDOM_CAP) % (fifo_len ? fifo_len : 1)];
    if (p == 0) continue;
    place_t pl = locate(c, (const void *)p, "heap check failed: quarantine entry");
    const slab_t *s = &meta_of(c)[pl.slab];
    if (bit(s->live, pl.slot) || !bit(s->used, pl.slot)) {
      report_check_failed("quarantined slot state", (const void *)p, where);
    }
  }
}

static void check_class(unsigned c) {
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  const slab_t *meta = meta_of(c);
  report_where_t where = REPORT_SMALL(small_class_size(c));
  size_t live = 0, with_free = 0, carved_count = 0, quarantined = 0;
  for (uint32_t i = 0; i < sc->high_water; i++) {
    const slab_t *s = &meta[i];
    if (!s->carved) continue;
    char *slab_start = slot_addr(c, i, 0);
    if (is_guard(i)) report_check_failed("guard slab never carved", slab_start, where);
    uint32_t used = 0, live_here = 0;
    for (unsigned w = 0; w < WORDS; w++) {
      used += (uint32_t)__builtin_popcountll(s->used[w]);
      live_here += (uint32_t)__builtin_popcountll(s->live[w]);
    }
    if (used + s->free_slots != g->slots) report_check_failed("slab free count", slab_start, where);
    for (uint32_t slot = g->slots; slot < SMALL_MAX_SLOTS; slot++) {
      if (bit(s->used, slot)) report_check_failed("slab bitmap past last slot", slab_start, where);
    }
    if ((s->free_slots > 0) != (s->on_partial != 0)) {
      report_check_failed("slab partial list membership", slab_start, where);
    }
    for (uint32_t slot = 0; slot < g->slots; slot++) check_slot(c, s, slot, where);
    live += live_here;
    quarantined += used - live_here;
    with_free += s->free_slots > 0;
    carved_count++;
  }
  if (live != sc->live || carved_count != sc->carved) {
    report_check_failed("class counts", sealed.small[c].base, where);
  }
  size_t listed = 0;
  uint32_t prev = 0;
  for (uint32_t at = sc->partial; at != 0; at = meta[at - 1].next) {
    if (at > sc->high_water || !meta[at - 1].carved || ++listed > with_free) {
      report_check_failed("partial list well formed", sealed.small[c].base, where);
    }
    if (meta[at - 1].prev != prev) report_check_failed("partial list links", sealed.small[c].base, where);
    prev = at;
  }
  if (listed != with_free) report_check_failed("partial list complete", sealed.small[c].base, where);
  check_quarantine(c, quarantined);
}

void small_check(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    lock_acquire(&classes[c].lock);
    check_class(c);
    lock_release(&classes[c].lock);
  }
}

void small_add_stats(wd_stats_t *stats) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    size_class_t *sc = &classes[c];
    lock_acquire(&sc->lock);
    stats->small_live += sc->live;
    stats->small_bytes += sc->live * small_class_size(c);
    stats->small_slabs += sc->carved;
    if (c != 0) stats->mapped_bytes += (size_t)sc->carved * small_geometry[c].slab_size;
    lock_release(&sc->lock);
  }
}

void small_lock_all(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) lock_acquire(&classes[c].lock);
}

void small_unlock_all(void) {
  for (unsigned c = SMALL_CLASS_COUNT; c-- > 0;) lock_release(&classes[c].lock);
}

void small_after_fork_child(void) {
  random_t fresh;
  random_seed(&fresh);
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    lock_reset(&classes[c].lock);
    classes[c].rng.key = secret_mix(fresh.key + c, fresh.counter);
  }
}
