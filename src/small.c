#include "small.h"

#include <string.h>

#include "config.h"
#include "lock.h"
#include "os.h"
#include "report.h"
#include "secret.h"

#define CLASS_SPAN (1UL << WD_SMALL_CLASS_SHIFT)
#define WORDS (SMALL_MAX_SLOTS / 64)
/* Slab metadata is committed this many bytes at a time. */
#define META_STEP (64UL * 1024)

typedef struct slab {
  uint64_t used[WORDS]; /* bit set: slot handed out */
  uint32_t next;        /* partial-list neighbours, as slab index + 1; 0 ends */
  uint32_t prev;
  uint16_t free_slots;
  uint16_t on_partial;
  uint32_t reserved;
} slab_t;

typedef struct size_class {
  lock_t lock;
  char *base;            /* slab 0 */
  slab_t *meta;          /* one entry per slab, out of line */
  uint32_t slabs;        /* slabs carved so far */
  size_t meta_bytes;     /* bytes of meta that are committed */
  uint32_t max_slabs;
  uint32_t partial;      /* slabs with a free slot, as index + 1 */
  size_t live;
} __attribute__((aligned(64))) size_class_t;

uintptr_t small_range_start;
uintptr_t small_range_end;

static size_class_t classes[SMALL_CLASS_COUNT];

static size_t meta_span(unsigned c) {
  size_t bytes = (size_t)(CLASS_SPAN / small_geometry[c].slab_size) * sizeof(slab_t);
  return align_up(bytes, META_STEP);
}

bool small_init(void) {
  char *range = os_reserve_aligned(SMALL_CLASS_COUNT * CLASS_SPAN, CLASS_SPAN);
  if (range == NULL) return false;
  size_t meta_total = 0;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) meta_total += meta_span(c) + OS_PAGE;
  /* Every class's metadata is followed by an uncommitted page, and the
   * metadata is never committed to its end, so an overrun from one class's
   * table faults before it reaches the next. */
  char *meta = os_reserve(meta_total);
  if (meta == NULL) return false;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    size_class_t *sc = &classes[c];
    sc->lock = (lock_t)LOCK_INIT;
    sc->base = range + c * CLASS_SPAN;
    sc->meta = (slab_t *)meta;
    sc->max_slabs = (uint32_t)(CLASS_SPAN / small_geometry[c].slab_size);
    meta += meta_span(c) + OS_PAGE;
  }
  small_range_start = (uintptr_t)range;
  small_range_end = (uintptr_t)range + SMALL_CLASS_COUNT * CLASS_SPAN;
  return true;
}

static uint64_t canary_for(const char *slot) {
  /* The first byte (lowest address) is zero so that an overflowing string
   * copy stops at it rather than running on with the canary's bytes. */
  return secret_mix((uintptr_t)slot, secret_keys.canary) & ~(uint64_t)0xff;
}

static char *slot_addr(const size_class_t *sc, unsigned c, uint32_t slab, uint32_t slot) {
  const small_geometry_t *g = &small_geometry[c];
  return sc->base + (size_t)slab * g->slab_size + (size_t)slot * g->slot_size;
}

static void partial_push(size_class_t *sc, uint32_t i) {
  slab_t *s = &sc->meta[i];
  s->prev = 0;
  s->next = sc->partial;
  if (sc->partial != 0) sc->meta[sc->partial - 1].prev = i + 1;
  sc->partial = i + 1;
  s->on_partial = 1;
}

static void partial_remove(size_class_t *sc, uint32_t i) {
  slab_t *s = &sc->meta[i];
  if (s->prev != 0) sc->meta[s->prev - 1].next = s->next;
  else sc->partial = s->next;
  if (s->next != 0) sc->meta[s->next - 1].prev = s->prev;
  s->next = s->prev = 0;
  s->on_partial = 0;
}

/* Carves the next slab of the class; false when its range or memory is
 * exhausted. */
static bool carve_slab(size_class_t *sc, unsigned c) {
  const small_geometry_t *g = &small_geometry[c];
  uint32_t i = sc->slabs;
  if (i >= sc->max_slabs) return false;
  if ((size_t)(i + 1) * sizeof(slab_t) > sc->meta_bytes) {
    if (!os_commit((char *)sc->meta + sc->meta_bytes, META_STEP)) return false;
    sc->meta_bytes += META_STEP;
  }
  /* The malloc(0) class is never made accessible. */
  if (c != 0 && !os_commit(sc->base + (size_t)i * g->slab_size, g->slab_size)) return false;
  slab_t *s = &sc->meta[i];
  memset(s, 0, sizeof *s);
  s->free_slots = (uint16_t)g->slots;
  sc->slabs = i + 1;
  partial_push(sc, i);
  return true;
}

static uint32_t take_slot(slab_t *s, uint32_t slots) {
  for (unsigned w = 0; w < WORDS; w++) {
    uint64_t free_bits = ~s->used[w];
    if (free_bits == 0) continue;
    uint32_t slot = w * 64 + lowest_bit(free_bits);
    if (slot >= slots) break;
    s->used[w] |= 1ULL << (slot % 64);
    return slot;
  }
  return UINT32_MAX;
}

void *small_alloc(unsigned c) {
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  lock_acquire(&sc->lock);
  if (sc->partial == 0 && !carve_slab(sc, c)) {
    lock_release(&sc->lock);
    return NULL;
  }
  uint32_t i = sc->partial - 1;
  slab_t *s = &sc->meta[i];
  uint32_t slot = take_slot(s, g->slots);
  WD_ASSERT(slot != UINT32_MAX);
  if (--s->free_slots == 0) partial_remove(sc, i);
  sc->live++;
  lock_release(&sc->lock);

  char *p = slot_addr(sc, c, i, slot);
  if (c == 0) return p;
#if WD_ZERO_ON_FREE
  /* Free slots are zero (zeroed on free, or fresh from the kernel): a
   * non-zero byte is a write through a dangling pointer. */
  const uint64_t *words = (const uint64_t *)(void *)p;
  for (size_t w = 0; w < g->slot_size / 8; w++) {
    WD_CHECK(words[w] == 0, "write after free", p, REPORT_SMALL(g->slot_size));
  }
#endif
#if WD_CANARY
  uint64_t canary = canary_for(p);
  memcpy(p + g->slot_size - SMALL_CANARY, &canary, sizeof canary);
#endif
  return p;
}

typedef struct place {
  unsigned cls;
  uint32_t slab;
  uint32_t slot;
} place_t;

/* Address arithmetic only: says which slot p would be, or reports an
 * invalid free when p is not the start of a slot of a carved slab. The
 * caller holds the class lock (slab counts only grow, so reading it first
 * and locking after would also be safe, but not simpler). */
static place_t locate(const void *p, const char *what) {
  uintptr_t off = (uintptr_t)p - small_range_start;
  unsigned c = (unsigned)(off >> WD_SMALL_CLASS_SHIFT);
  const small_geometry_t *g = &small_geometry[c];
  size_t in_class = off & (CLASS_SPAN - 1);
  size_t slab = in_class / g->slab_size;
  size_t in_slab = in_class - slab * g->slab_size;
  size_t slot = in_slab / g->slot_size;
  place_t pl = {c, (uint32_t)slab, (uint32_t)slot};
  bool exact = slot * g->slot_size == in_slab && slot < g->slots;
  WD_CHECK(exact && slab < classes[c].slabs, what, p, REPORT_SMALL(small_class_size(c)));
  return pl;
}

static bool slot_live(const slab_t *s, uint32_t slot) {
  return (s->used[slot / 64] >> (slot % 64)) & 1;
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

void small_free(void *p) {
  unsigned c = (unsigned)(((uintptr_t)p - small_range_start) >> WD_SMALL_CLASS_SHIFT);
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  lock_acquire(&sc->lock);
  place_t pl = locate(p, "invalid free");
  slab_t *s = &sc->meta[pl.slab];
  WD_CHECK(slot_live(s, pl.slot), "double free", p, REPORT_SMALL(small_class_size(c)));
  check_canary(c, p);
#if WD_ZERO_ON_FREE
  /* Zeroed before the slot can be handed out again, so the next owner never
   * sees a stale value and a later stray write stands out. */
  if (c != 0) memset(p, 0, g->slot_size);
#endif
  s->used[pl.slot / 64] &= ~(1ULL << (pl.slot % 64));
  if (s->free_slots++ == 0) partial_push(sc, pl.slab);
  sc->live--;
  lock_release(&sc->lock);
  (void)g;
}

unsigned small_class_of_live(const void *p, const char *bad, const char *freed) {
  unsigned c = (unsigned)(((uintptr_t)p - small_range_start) >> WD_SMALL_CLASS_SHIFT);
  size_class_t *sc = &classes[c];
  lock_acquire(&sc->lock);
  place_t pl = locate(p, bad);
  bool live = slot_live(&sc->meta[pl.slab], pl.slot);
  lock_release(&sc->lock);
  WD_CHECK(live, freed, p, REPORT_SMALL(small_class_size(c)));
  return c;
}

static void check_class(unsigned c) {
  size_class_t *sc = &classes[c];
  const small_geometry_t *g = &small_geometry[c];
  size_t live = 0, with_free = 0;
  for (uint32_t i = 0; i < sc->slabs; i++) {
    const slab_t *s = &sc->meta[i];
    uint32_t used = 0;
    for (unsigned w = 0; w < WORDS; w++) used += (uint32_t)__builtin_popcountll(s->used[w]);
    char *slab_start = slot_addr(sc, c, i, 0);
    report_where_t where = REPORT_SMALL(small_class_size(c));
    if (used + s->free_slots != g->slots) report_check_failed("slab free count", slab_start, where);
    for (uint32_t slot = g->slots; slot < SMALL_MAX_SLOTS; slot++) {
      if (slot_live(s, slot)) report_check_failed("slab bitmap past last slot", slab_start, where);
    }
    if ((s->free_slots > 0) != (s->on_partial != 0)) {
      report_check_failed("slab partial list membership", slab_start, where);
    }
    live += used;
    with_free += s->free_slots > 0;
    if (c == 0) continue;
    for (uint32_t slot = 0; slot < g->slots; slot++) {
      char *p = slot_addr(sc, c, i, slot);
      if (slot_live(s, slot)) {
#if WD_CANARY
        uint64_t found;
        memcpy(&found, p + g->slot_size - SMALL_CANARY, sizeof found);
        if (found != canary_for(p)) report_check_failed("canary intact", p, where);
#endif
      } else if (WD_ZERO_ON_FREE) {
        const uint64_t *words = (const uint64_t *)(void *)p;
        for (size_t w = 0; w < g->slot_size / 8; w++) {
          if (words[w] != 0) report_check_failed("free slot zero", p, where);
        }
      }
    }
  }
  if (live != sc->live) report_check_failed("class live count", sc->base, REPORT_SMALL(small_class_size(c)));
  size_t listed = 0;
  uint32_t prev = 0;
  for (uint32_t at = sc->partial; at != 0; at = sc->meta[at - 1].next) {
    report_where_t where = REPORT_SMALL(small_class_size(c));
    if (at > sc->slabs || ++listed > with_free) {
      report_check_failed("partial list well formed", sc->base, where);
    }
    if (sc->meta[at - 1].prev != prev) report_check_failed("partial list links", sc->base, where);
    prev = at;
  }
  if (listed != with_free) {
    report_check_failed("partial list complete", sc->base, REPORT_SMALL(small_class_size(c)));
  }
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
    stats->small_slabs += sc->slabs;
    if (c != 0) stats->mapped_bytes += (size_t)sc->slabs * small_geometry[c].slab_size;
    lock_release(&sc->lock);
  }
}

void small_lock_all(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) lock_acquire(&classes[c].lock);
}

void small_unlock_all(void) {
  for (unsigned c = SMALL_CLASS_COUNT; c-- > 0;) lock_release(&classes[c].lock);
}

void small_reset_locks(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) lock_reset(&classes[c].lock);
}
