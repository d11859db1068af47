#include "small.h"

#include <string.h>

#include "lock.h"
#include "os.h"
#include "quarantine.h"
#include "random.h"
#include "report.h"
#include "small_slot.h"

#define CLASS_SPAN (1UL << sealed.small_shift)
/* Each class's range is reserved from its start as slabs are carved, this
 * much first and then twice as much each time: the address space counted
 * against ulimit -v follows the heap rather than the ranges' full size. */
#define FIRST_RESERVE (1UL << 20)
/* Slab metadata is committed this many bytes at a time. */
#define META_STEP (64UL * 1024)
/* A fresh slab is drawn at random from the next this-many unused ones. */
#define FRESH_WINDOW 8
#define NO_SLOT UINT32_MAX
#define Q_RANDOM_CAP (WD_SMALL_QUARANTINE_RANDOM > 0 ? WD_SMALL_QUARANTINE_RANDOM : 1)
#define Q_FIFO_CAP (WD_SMALL_QUARANTINE_FIFO > 0 ? WD_SMALL_QUARANTINE_FIFO : 1)

/* A class in one lane. A class's slabs are dealt to SMALL_LANES lanes by
 * index (small_lane_of), and each lane has its own lock, partial list and
 * quarantine; thread caches are dealt to lanes in turn. Two threads in
 * different lanes share no slab, no metadata line and no slot line, so
 * neither core pulls lines the other writes; a slot freed by another
 * thread still goes back to its own slab's lane. */
typedef struct size_class {
  uint32_t started;    /* next_fresh and rng set: by the lane's first carve */
  uint32_t next_fresh; /* lowest index of the lane neither carved nor a guard */
  uint32_t carved;
  uint32_t partial; /* slabs with an available slot, as index + 1 */
  int64_t live;      /* handed out through this lock, plus retired caches' counts */
  random_t rng;
  uint32_t spare_bits;  /* the unused half of the last draw from rng */
  uint32_t spare_epoch; /* random_shared.epoch when it was drawn; 0: none */
  size_t freed_since_purge; /* bytes made available, toward WD_SMALL_PURGE_DELAY */
  quarantine_t q;
  /* Slots as packed places + 1 (0: empty entry); with the place at hand, a
   * slot leaving the quarantine needs no division to find its slab. */
  uintptr_t q_random[Q_RANDOM_CAP];
  uintptr_t q_fifo[Q_FIFO_CAP];
} __attribute__((aligned(64))) size_class_t;

static size_class_t classes[SMALL_LANES][SMALL_CLASS_COUNT];

/* What the lanes of a class share, under its growth lock: how far its
 * range is reserved and its metadata committed. */
typedef struct growth {
  size_t reserved;   /* bytes of the class's range reserved, from its start */
  size_t meta_bytes; /* committed bytes of the class's metadata */
} growth_t;

static growth_t growth[SMALL_CLASS_COUNT];

static void set_quarantine_lengths(unsigned c);
static uint32_t next_in_lane(unsigned c, uint32_t i);
/* A lane's class locks side by side: one thread mostly takes one lane's. */
static struct lane_locks {
  lock_t of[SMALL_CLASS_COUNT];
} LOCK_LINE class_locks[SMALL_LANES] LOCK_FORK_STATE;
static lock_t growth_locks[SMALL_CLASS_COUNT] LOCK_LINE LOCK_FORK_STATE;

static inline unsigned lane_of(const size_class_t *sc) { return (unsigned)((sc - &classes[0][0]) / SMALL_CLASS_COUNT); }

static inline lock_t *lock_of(const size_class_t *sc, unsigned c) { return &class_locks[lane_of(sc)].of[c]; }

static size_t meta_span(unsigned c) {
  size_t bytes = (size_t)(CLASS_SPAN / small_geometry[c].slab_size) * sizeof(slab_t);
  return align_up(bytes, META_STEP);
}

static bool is_guard(uint32_t i) {
  return WD_SMALL_GUARD_INTERVAL > 0 && i % (WD_SMALL_GUARD_INTERVAL + 1) == WD_SMALL_GUARD_INTERVAL;
}

/* Claims the ranges of every class (os_claim) and reserves the start of
 * each; NULL, with nothing left reserved, when the kernel refuses. */
static char *claim_classes(void) {
  char *range = os_claim(SMALL_CLASS_COUNT * CLASS_SPAN, CLASS_SPAN);
  if (range == NULL) return NULL;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    if (!os_reserve_at(range + c * CLASS_SPAN, FIRST_RESERVE)) {
      while (c-- > 0) os_release(range + c * CLASS_SPAN, FIRST_RESERVE);
      return NULL;
    }
  }
  return range;
}

bool small_init(void) {
  /* The configured range per class, or, where the kernel refuses it (a tool
   * such as valgrind), the largest that it accepts. */
  char *range = NULL;
  for (unsigned shift = sealed.options.small_range_shift; range == NULL && shift >= SMALL_MIN_CLASS_SHIFT; shift--) {
    sealed.small_shift = shift;
    range = claim_classes();
  }
  if (range == NULL) return false;
  size_t meta_total = 0;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) meta_total += meta_span(c) + OS_PAGE;
  /* Every class's metadata is followed by a page that is never mapped, so
   * an overrun of one class's table faults before it reaches the next. The
   * tables are mapped from their starts as they grow (carve_slab). */
  char *meta = os_claim(meta_total + OS_PAGE, OS_PAGE);
  if (meta == NULL) return false;
  meta += OS_PAGE;
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    const small_geometry_t *g = &small_geometry[c];
    sealed.small[c] = (small_class_layout_t){range + c * CLASS_SPAN, meta,
                                             (uint32_t)(CLASS_SPAN / g->slab_size),
                                             small_reciprocal(g->slab_size / OS_PAGE), small_reciprocal(g->slot_size)};
    growth[c].reserved = FIRST_RESERVE;
    set_quarantine_lengths(c);
    meta += meta_span(c) + OS_PAGE;
  }
  sealed.small_start = (uintptr_t)range;
  sealed.small_end = (uintptr_t)range + SMALL_CLASS_COUNT * CLASS_SPAN;
  return true;
}

/* Extends class c's reservation to cover its first `end` bytes: to twice
 * what it was, or just enough when something else is mapped beyond. */
static bool reserve_through(growth_t *gr, unsigned c, size_t end) {
  if (end <= gr->reserved) return true;
  size_t want = gr->reserved;
  while (want < end) want *= 2;
  if (want > CLASS_SPAN) want = CLASS_SPAN;
  char *base = sealed.small[c].base;
  if (!os_reserve_at(base + gr->reserved, want - gr->reserved)) {
    want = align_up(end, OS_PAGE);
    if (!os_reserve_at(base + gr->reserved, want - gr->reserved)) return false;
  }
  gr->reserved = want;
  return true;
}

/* Makes slab i of class c usable as far as the class's shared growth goes:
 * its metadata committed, its range reserved. */
static bool grow_to(unsigned c, uint32_t i) {
  growth_t *gr = &growth[c];
  char *meta = (char *)small_meta(c);
  bool ok = true;
  lock_acquire(&growth_locks[c]);
  while (ok && (size_t)(i + 1) * sizeof(slab_t) > gr->meta_bytes) {
    ok = os_commit_at(meta + gr->meta_bytes, META_STEP);
    if (ok) gr->meta_bytes += META_STEP;
  }
  ok = ok && reserve_through(gr, c, (size_t)(i + 1) * small_geometry[c].slab_size);
  lock_release(&growth_locks[c]);
  return ok;
}

static void set_used(slab_t *s, uint32_t i) { s->used[i / 64] |= 1ULL << (i % 64); }
static void clear_used(slab_t *s, uint32_t i) { s->used[i / 64] &= ~(1ULL << (i % 64)); }

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

/* The next index of i's lane after i that is neither carved nor a guard. */
static uint32_t next_in_lane(unsigned c, uint32_t i) {
  unsigned lane = small_lane_of(i);
  do {
    i++;
    /* Past the end of the run: the lane's next run. */
    if (small_lane_of(i) != lane) i += (SMALL_LANES - 1) * SMALL_LANE_RUN;
  } while (is_guard(i) || small_carved(c, i));
  return i;
}

/* Uniform in [0, n) as random_below, from 32 bits of a draw; each draw of
 * the class's generator serves two calls, since the batch loops make one
 * call per slot. */
static inline uint32_t class_below(size_class_t *sc, uint32_t n) {
  uint64_t bits;
  if (sc->spare_epoch == random_shared.epoch) {
    sc->spare_epoch = 0;
    bits = sc->spare_bits;
  } else {
    uint64_t r = random_next(&sc->rng);
    sc->spare_bits = (uint32_t)r;
    sc->spare_epoch = random_shared.epoch;
    bits = r >> 32;
  }
  return (uint32_t)((bits * n) >> 32);
}

/* Carves a fresh slab, drawn at random among the next few unused ones so
 * that the order of slabs in memory does not follow the order of requests;
 * false when the class's range or memory is exhausted. */
static bool carve_slab(size_class_t *sc, unsigned c) {
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = small_meta(c);
  uint32_t max = sealed.small[c].max_slabs;
  if (!sc->started) {
    /* Lanes start when first used: the state of the lanes and classes a
     * program never uses stays untouched, pages that hold no memory. */
    uint32_t first = lane_of(sc) * SMALL_LANE_RUN;
    sc->next_fresh = is_guard(first) ? next_in_lane(c, first) : first;
    random_seed(&sc->rng);
    sc->started = 1;
  }
  uint32_t i = sc->next_fresh;
  if (sealed_randomize()) {
    for (uint32_t skip = class_below(sc, FRESH_WINDOW); skip > 0; skip--) {
      uint32_t j = next_in_lane(c, i);
      if (j >= max) break;
      i = j;
    }
  }
  if (i >= max || !grow_to(c, i)) return false;
  /* The malloc(0) class is never made accessible. */
  if (c != 0 && !os_commit(small_slot_addr(c, i, 0), g->slab_size)) return false;
  slab_t *s = &meta[i];
  memset(s, 0, sizeof *s);
  s->free_slots = (uint16_t)g->slots;
  __atomic_store_n(&s->carved, 1, __ATOMIC_RELAXED);
  sc->carved++;
  /* Lanes carve side by side: the high water only rises. */
  uint32_t hw = __atomic_load_n(&small_high_water[c], __ATOMIC_RELAXED);
  while (i >= hw && !__atomic_compare_exchange_n(&small_high_water[c], &hw, i + 1, false, __ATOMIC_RELEASE,
                                                 __ATOMIC_RELAXED)) {
  }
  if (i == sc->next_fresh) sc->next_fresh = next_in_lane(c, i);
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

/* Reserves one available slot (used, not live) under the class lock, or
 * returns NULL when the class is out of memory. */
static char *reserve_one(size_class_t *sc, unsigned c, slot_place_t *where) {
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = small_meta(c);
  if (sc->partial == 0 && !carve_slab(sc, c)) return NULL;
  uint32_t i = sc->partial - 1;
  slab_t *s = &meta[i];
  uint32_t start = sealed_randomize() ? class_below(sc, g->slots) : 0;
  uint32_t slot = find_available(s, start, g->slots);
  if (slot == NO_SLOT) slot = find_available(s, 0, start);
  WD_ASSERT(slot != NO_SLOT);
  set_used(s, slot);
  s->purged = s->idle = 0;
  if (--s->free_slots == 0) partial_remove(sc, meta, i);
  *where = (slot_place_t){i, slot};
  return small_slot_addr(c, i, slot);
}

void *small_alloc(unsigned c) {
  size_class_t *sc = &classes[0][c];
  lock_acquire(lock_of(sc, c));
  slot_place_t pl;
  char *p = reserve_one(sc, c, &pl);
  if (p != NULL) {
    /* Handed out under the lock, so the checker never sees this slot live
     * without its canary. */
    small_hand_out(c, p, pl);
    sc->live++;
  }
  lock_release(lock_of(sc, c));
  return p;
}

/* Reserves the available slots of slab i in [from, to), up to `room`,
 * appending them to out and their packed places to at; returns how many. */
static uint32_t take_range(unsigned c, slab_t *s, uint32_t i, uint32_t from, uint32_t to, void **out,
                           uint32_t *at, uint32_t room) {
  char *base = small_slot_addr(c, i, 0);
  size_t size = small_geometry[c].slot_size;
  uint32_t got = 0;
  for (uint32_t w = from / 64; w * 64 < to && got < room; w++) {
    uint64_t avail = ~s->used[w];
    if (w == from / 64) avail &= ~0ULL << (from % 64);
    if ((w + 1) * 64 > to) avail &= (1ULL << (to % 64)) - 1;
    uint64_t taken = 0;
    while (avail != 0 && got < room) {
      uint32_t slot = w * 64 + lowest_bit(avail);
      taken |= avail & (0 - avail);
      avail &= avail - 1;
      at[got] = small_pack_place((slot_place_t){i, slot});
      out[got++] = base + slot * size;
    }
    s->used[w] |= taken;
  }
  if (got != 0) s->purged = s->idle = 0;
  return got;
}

uint32_t small_reserve(unsigned c, unsigned lane, void **out, uint32_t *at, uint32_t n) {
  size_class_t *sc = &classes[lane][c];
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = small_meta(c);
  lock_acquire(lock_of(sc, c));
  uint32_t got = 0;
  while (got < n && (sc->partial != 0 || carve_slab(sc, c))) {
    uint32_t i = sc->partial - 1;
    slab_t *s = &meta[i];
    uint32_t taken;
    if (s->free_slots <= n - got) {
      /* Every available slot of the slab is taken, so where the scan starts
       * changes nothing (the shuffle below orders them); slabs that get
       * slots back one at a time from the quarantine are mostly like this. */
      taken = take_range(c, s, i, 0, g->slots, out + got, at + got, s->free_slots);
    } else {
      /* Whole runs of a slab at once, starting at a random slot. */
      uint32_t start = sealed_randomize() ? class_below(sc, g->slots) : 0;
      taken = take_range(c, s, i, start, g->slots, out + got, at + got, n - got);
      taken += take_range(c, s, i, 0, start, out + got + taken, at + got + taken, n - got - taken);
    }
    got += taken;
    s->free_slots = (uint16_t)(s->free_slots - taken);
    if (s->free_slots == 0) partial_remove(sc, meta, i);
  }
  /* Slots of one slab come out clustered; shuffled, the cache hands them out
   * in an order nobody can predict. Otherwise they are stacked so that the
   * cache, popping from the top, hands them out in address order. */
  bool shuffle = sealed_randomize();
  for (uint32_t k = got; k > 1; k--) {
    uint32_t j = shuffle ? class_below(sc, k) : got - k;
    if (!shuffle && j >= k - 1) break; /* reversed: the two ends have met */
    void *t = out[k - 1];
    out[k - 1] = out[j];
    out[j] = t;
    uint32_t u = at[k - 1];
    at[k - 1] = at[j];
    at[j] = u;
  }
  lock_release(lock_of(sc, c));
  return got;
}

/* Gives back, under the class lock, the pages of the empty slabs of class
 * c not given back yet; returns their bytes. A periodic pass (`all` false)
 * takes only the slabs that stayed empty since the pass before, and marks
 * the others: a slab that a program empties and fills again between two
 * passes keeps its pages, where dropping them would cost a madvise and a
 * fault per page each time round. Available slots must read zero
 * (zero-on-free, or never written), which dropped pages do. */
static size_t purge_class(size_class_t *sc, unsigned c, bool all) {
  sc->freed_since_purge = 0;
  if (c == 0) return 0; /* never accessible, never committed */
  const small_geometry_t *g = &small_geometry[c];
  slab_t *meta = small_meta(c);
  size_t purged = 0;
  for (uint32_t i = sc->partial; i != 0; i = meta[i - 1].next) {
    slab_t *s = &meta[i - 1];
    if (s->free_slots != g->slots || s->purged) continue;
    if (!all && !s->idle) {
      s->idle = 1;
      continue;
    }
    os_purge(small_slot_addr(c, i - 1, 0), g->slab_size);
    s->purged = 1;
    purged += g->slab_size;
  }
  return purged;
}

static inline void make_available(size_class_t *sc, unsigned c, slot_place_t pl) {
  slab_t *meta = small_meta(c);
  WD_ASSERT(small_carved(c, pl.slab) && small_bit(meta[pl.slab].used, pl.slot));
  slab_t *s = &meta[pl.slab];
  clear_used(s, pl.slot);
  if (s->free_slots++ == 0) partial_push(sc, meta, pl.slab);
  sc->freed_since_purge += small_geometry[c].slot_size;
}

/* Checked once per batch, outside the per-slot loops, which it would
 * otherwise weigh down. */
static void purge_if_due(size_class_t *sc, unsigned c) {
  if (__builtin_expect(sc->freed_since_purge >= WD_SMALL_PURGE_DELAY, 0)) purge_class(sc, c, false);
}

size_t small_trim(void) {
  size_t purged = 0;
  for (unsigned l = 0; l < SMALL_LANES; l++) {
    for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
      lock_acquire(&class_locks[l].of[c]);
      purged += purge_class(&classes[l][c], c, true);
      lock_release(&class_locks[l].of[c]);
    }
  }
  return purged;
}

/* Quarantine lengths in force (small_quarantine_lengths), sealed at start:
 * zero at compile time when the build has none. */
static inline uint32_t random_len_now(unsigned c) {
  return WD_SMALL_QUARANTINE_RANDOM == 0 ? 0 : sealed.small_q_random[c];
}

static inline uint32_t fifo_len_now(unsigned c) {
  return WD_SMALL_QUARANTINE_RANDOM == 0 ? 0 : sealed.small_q_fifo[c];
}

void small_quarantine_lengths(unsigned c, uint32_t *random, uint32_t *fifo) {
  *random = random_len_now(c);
  *fifo = fifo_len_now(c);
}

static uint32_t at_most(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Each array holds half the class's byte budget, and at least one slot. */
static void set_quarantine_lengths(unsigned c) {
  uint32_t cap = small_quarantine_len();
  uint32_t by_bytes = (uint32_t)(WD_SMALL_QUARANTINE_BYTES / 2 / small_geometry[c].slot_size);
  if (by_bytes == 0) by_bytes = 1;
  uint32_t random = at_most(at_most(cap, WD_SMALL_QUARANTINE_RANDOM), by_bytes);
  sealed.small_q_random[c] = (uint16_t)random;
  sealed.small_q_fifo[c] = (uint16_t)(random == 0 ? 0 : at_most(at_most(cap, WD_SMALL_QUARANTINE_FIFO), by_bytes));
}

/* Puts a freed slot (packed place + 1) in quarantine; returns the entry
 * that leaves it (to be made available), which is the slot itself when the
 * quarantine is off, or 0. */
static inline uintptr_t quarantine(size_class_t *sc, uint32_t random_len, uint32_t fifo_len, uintptr_t p) {
  if (random_len == 0) return p;
  return quarantine_put(&sc->q, sc->q_random, sc->q_fifo, fifo_len, class_below(sc, random_len), p);
}

/* Puts a freed slot (packed place) in quarantine, under its lane's lock;
 * returns the slot that leaves it (packed place + 1), or 0. */
static inline uintptr_t retire_locked(size_class_t *sc, unsigned c, uint32_t packed) {
  return quarantine(sc, random_len_now(c), fifo_len_now(c), (uintptr_t)packed + 1);
}

void small_free(void *p) {
  unsigned c = small_class_at(p);
  /* The lane of the slab p would be in; small_take_back then checks that p
   * is a live slot at all. */
  size_class_t *sc = &classes[small_lane_of(small_place_of(c, p).slab)][c];
  lock_acquire(lock_of(sc, c));
  slot_place_t pl = small_take_back(c, p);
  sc->live--;
  uintptr_t left = retire_locked(sc, c, small_pack_place(pl));
  if (left != 0) make_available(sc, c, small_unpack_place((uint32_t)(left - 1)));
  purge_if_due(sc, c);
  lock_release(lock_of(sc, c));
}

/* Gives reserved slots (packed places) back to their lanes, into the
 * quarantine when `freed`, else straight back to available. A batch from
 * one thread cache mostly holds one lane's slots; slots from other threads'
 * lanes go back to theirs, one lock per lane met. The slots that the
 * quarantine of lane `mine` lets go of, up to `room`, are not made available
 * but stay reserved and go to out/at for the caller's cache: they would
 * otherwise be put back in their slabs' bitmaps only for the cache's next
 * refill to take them out again. Returns how many went to out. Specialized
 * for each caller, so that the per-slot loop has no branch on `freed`. */
static inline __attribute__((always_inline)) uint32_t give_back(unsigned c, const uint32_t *at, uint32_t n,
                                                                bool freed, unsigned mine, void **out,
                                                                uint32_t *out_at, uint32_t room) {
  uint32_t lanes_met = 0, got = 0;
  for (uint32_t k = 0; k < n; k++) lanes_met |= 1U << small_lane_of(small_unpack_place(at[k]).slab);
  for (unsigned l = 0; l < SMALL_LANES; l++) {
    if ((lanes_met >> l & 1) == 0) continue;
    size_class_t *sc = &classes[l][c];
    lock_acquire(lock_of(sc, c));
    for (uint32_t k = 0; k < n; k++) {
      slot_place_t pl = small_unpack_place(at[k]);
      if (small_lane_of(pl.slab) != l) continue;
      if (!freed) {
        make_available(sc, c, pl);
        continue;
      }
      uintptr_t left = retire_locked(sc, c, at[k]);
      if (left == 0) continue;
      slot_place_t lp = small_unpack_place((uint32_t)(left - 1));
      if (l == mine && got < room) {
        /* Freed all the same, for the purge's count. */
        sc->freed_since_purge += small_geometry[c].slot_size;
        out_at[got] = (uint32_t)(left - 1);
        out[got++] = small_slot_addr(c, lp.slab, lp.slot);
      } else {
        make_available(sc, c, lp);
      }
    }
    purge_if_due(sc, c);
    lock_release(lock_of(sc, c));
  }
  return got;
}

void small_retire(unsigned c, const uint32_t *at, uint32_t n) {
  (void)give_back(c, at, n, true, SMALL_LANES, NULL, NULL, 0);
}

uint32_t small_trade(unsigned c, unsigned lane, const uint32_t *freed, uint32_t n, void **out, uint32_t *at,
                     uint32_t room) {
  return give_back(c, freed, n, true, lane, out, at, room);
}

void small_unreserve(unsigned c, const uint32_t *at, uint32_t n) {
  (void)give_back(c, at, n, false, SMALL_LANES, NULL, NULL, 0);
}

void small_adjust_live(unsigned c, int64_t delta) {
  size_class_t *sc = &classes[0][c];
  lock_acquire(lock_of(sc, c));
  sc->live += delta;
  lock_release(lock_of(sc, c));
}

unsigned small_class_of_live(const void *p, misuse_t bad) {
  unsigned c = small_class_at(p);
  slot_place_t pl = small_locate(c, p, bad);
  WD_CHECK(small_bit(small_meta(c)[pl.slab].live, pl.slot), misuse_freed(bad), p, REPORT_SMALL(small_class_size(c)));
  return c;
}

/* Checks a slot that is used but not live: in quarantine or in a cache. */
static void check_resting(unsigned c, const void *p, const char *invariant) {
  report_where_t where = REPORT_SMALL(small_class_size(c));
  slot_place_t pl;
  if (!small_find(c, p, &pl)) report_check_failed("resting slot outside its class", p, where);
  const slab_t *s = &small_meta(c)[pl.slab];
  if (small_bit(s->live, pl.slot) || !small_bit(s->used, pl.slot)) report_check_failed(invariant, p, where);
}

static void check_cached(unsigned c, const void *p) { check_resting(c, p, "cached slot state"); }

/* A quarantine entry (packed place + 1) as the slot it names; a corrupt
 * one lands outside the class, where check_resting reports it. */
static const void *quarantined_slot(unsigned c, uintptr_t entry) {
  if (entry - 1 > UINT32_MAX) return NULL;
  slot_place_t pl = small_unpack_place((uint32_t)(entry - 1));
  if (pl.slab >= sealed.small[c].max_slabs) return NULL;
  return small_slot_addr(c, pl.slab, pl.slot);
}

static size_t check_quarantine(size_class_t *sc, unsigned c) {
  uint32_t fifo_len = fifo_len_now(c);
  size_t held = 0;
  for (uint32_t k = 0; k < Q_RANDOM_CAP; k++) {
    if (sc->q_random[k] == 0) continue;
    check_resting(c, quarantined_slot(c, sc->q_random[k]), "quarantined slot state");
    held++;
  }
  for (uint32_t k = 0; k < sc->q.fifo_count; k++) {
    uintptr_t entry = quarantine_fifo_at(&sc->q, sc->q_fifo, fifo_len, k);
    check_resting(c, quarantined_slot(c, entry), "quarantined slot state");
    held++;
  }
  return held;
}

static void check_slot(unsigned c, const slab_t *s, uint32_t slab, uint32_t slot, report_where_t where) {
  const small_geometry_t *g = &small_geometry[c];
  char *p = small_slot_addr(c, slab, slot);
  if (small_bit(s->live, slot) && !small_bit(s->used, slot)) report_check_failed("live slot is used", p, where);
  if (c == 0) return;
  if (small_bit(s->live, slot)) {
#if WD_CANARY
    uint64_t found;
    memcpy(&found, p + g->slot_size - SMALL_CANARY, sizeof found);
    if (found != small_canary_for(p)) report_check_failed("canary intact", p, where);
#endif
  } else if (sealed_zero_on_free() && !small_all_zero(p, g->slot_size)) {
    report_check_failed("free slot zero", p, where);
  }
}

/* Every lane of class c, all of them locked. */
static void check_class(unsigned c, small_cache_walk_t *walk_caches) {
  const small_geometry_t *g = &small_geometry[c];
  const slab_t *meta = small_meta(c);
  report_where_t where = REPORT_SMALL(small_class_size(c));
  size_t live = 0, with_free[SMALL_LANES] = {0}, carved_count[SMALL_LANES] = {0}, resting = 0;
  for (uint32_t i = 0; i < small_high_water[c]; i++) {
    const slab_t *s = &meta[i];
    if (!s->carved) continue;
    char *slab_start = small_slot_addr(c, i, 0);
    if (is_guard(i)) report_check_failed("guard slab never carved", slab_start, where);
    uint32_t used = 0, live_here = 0;
    for (unsigned w = 0; w < SLOT_WORDS; w++) {
      used += (uint32_t)__builtin_popcountll(s->used[w]);
      live_here += (uint32_t)__builtin_popcountll(s->live[w]);
    }
    if (used + s->free_slots != g->slots) report_check_failed("slab free count", slab_start, where);
    for (uint32_t slot = g->slots; slot < SMALL_MAX_SLOTS; slot++) {
      if (small_bit(s->used, slot)) report_check_failed("slab bitmap past last slot", slab_start, where);
    }
    if ((s->free_slots > 0) != (s->on_partial != 0)) {
      report_check_failed("slab partial list membership", slab_start, where);
    }
    for (uint32_t slot = 0; slot < g->slots; slot++) check_slot(c, s, i, slot, where);
    live += live_here;
    resting += used - live_here;
    with_free[small_lane_of(i)] += s->free_slots > 0;
    carved_count[small_lane_of(i)]++;
  }
  int64_t cache_live = 0, lanes_live = 0;
  size_t cached = walk_caches(c, check_cached, &cache_live), quarantined = 0;
  for (unsigned l = 0; l < SMALL_LANES; l++) {
    size_class_t *sc = &classes[l][c];
    lanes_live += sc->live;
    if (carved_count[l] != sc->carved) report_check_failed("class counts", sealed.small[c].base, where);
    size_t listed = 0;
    uint32_t prev = 0;
    for (uint32_t at = sc->partial; at != 0; at = meta[at - 1].next) {
      if (at > small_high_water[c] || !meta[at - 1].carved || small_lane_of(at - 1) != l ||
          ++listed > with_free[l]) {
        report_check_failed("partial list well formed", sealed.small[c].base, where);
      }
      if (meta[at - 1].prev != prev) report_check_failed("partial list links", sealed.small[c].base, where);
      prev = at;
    }
    if (listed != with_free[l]) report_check_failed("partial list complete", sealed.small[c].base, where);
    quarantined += check_quarantine(sc, c);
  }
  if ((int64_t)live != lanes_live + cache_live) report_check_failed("class counts", sealed.small[c].base, where);
  if (resting != quarantined + cached) {
    report_check_failed("resting slots are quarantined or cached", sealed.small[c].base, where);
  }
}

static void lock_class(unsigned c) {
  for (unsigned l = 0; l < SMALL_LANES; l++) lock_acquire(&class_locks[l].of[c]);
}

static void unlock_class(unsigned c) {
  for (unsigned l = SMALL_LANES; l-- > 0;) lock_release(&class_locks[l].of[c]);
}

void small_check(small_cache_walk_t *walk_caches) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    lock_class(c);
    check_class(c, walk_caches);
    unlock_class(c);
  }
}

void small_add_stats(wd_stats_t *stats, small_cache_walk_t *walk_caches) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    int64_t live = 0;
    walk_caches(c, NULL, &live);
    lock_class(c);
    size_t carved = 0;
    for (unsigned l = 0; l < SMALL_LANES; l++) {
      live += classes[l][c].live;
      carved += classes[l][c].carved;
    }
    unlock_class(c);
    size_t n = live > 0 ? (size_t)live : 0;
    stats->small_live += n;
    stats->small_bytes += n * small_class_size(c);
    stats->small_slabs += carved;
    if (c != 0) stats->mapped_bytes += carved * small_geometry[c].slab_size;
  }
}

/* Growth locks are taken inside lane locks (carve_slab), so after them. */
void small_lock_all(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) lock_class(c);
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) lock_acquire(&growth_locks[c]);
}

void small_unlock_all(void) {
  for (unsigned c = SMALL_CLASS_COUNT; c-- > 0;) lock_release(&growth_locks[c]);
  for (unsigned c = SMALL_CLASS_COUNT; c-- > 0;) unlock_class(c);
}

void small_after_fork_child(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    for (unsigned l = 0; l < SMALL_LANES; l++) lock_reset(&class_locks[l].of[c]);
    lock_reset(&growth_locks[c]);
  }
}
