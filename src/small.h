/*
 * The small tier: slots of fixed size classes in slabs, with all slot state
 * kept out of line. Each class owns its own range of address space, so a
 * pointer's class, slab and slot follow from arithmetic on its address
 * alone; invalid, interior and double frees are found without trusting
 * anything stored next to user data.
 *
 * Two ways in: the thread caches (tcache.h), which hand out and take back
 * slots without a lock and trade with the classes in batches, and the
 * locked paths here, for threads without a cache.
 */
#ifndef WD_SMALL_H
#define WD_SMALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "report.h"
#include "sealed.h"
#include "size_class.h"
#include "warden.h"

/* The whole small range, all classes, is [sealed.small_start, small_end). */
static inline bool small_owns(const void *p) {
  return (uintptr_t)p - sealed.small_start < sealed.small_end - sealed.small_start;
}

/* The class of a pointer that small_owns(): each class has a range of its
 * own. */
static inline unsigned small_class_at(const void *p) {
  return (unsigned)(((uintptr_t)p - sealed.small_start) >> sealed.small_shift);
}

/* Each class's slabs are dealt to lanes in runs (small.c): a thread cache
 * takes slots from one lane only, and a freed slot goes back to its slab's.
 * A run is a guard interval and its guard, so a lane's slabs lie side by
 * side as they did without lanes: committed neighbours merge into one
 * mapping, and the process stays far from the kernel's mapping limit. */
#define SMALL_LANES WD_SMALL_LANES
#define SMALL_LANE_RUN (WD_SMALL_GUARD_INTERVAL > 0 ? WD_SMALL_GUARD_INTERVAL + 1 : 8)

static inline unsigned small_lane_of(uint32_t slab) { return slab / SMALL_LANE_RUN % SMALL_LANES; }

/* Reserves the address space of every class. False if the kernel refuses. */
bool small_init(void);

/* A slot of class c (0 <= c < SMALL_CLASS_COUNT), or NULL when out of
 * memory, through the class lock. Usable bytes read as zero when zeroing. */
void *small_alloc(unsigned c);

/* Frees a pointer that small_owns() through the class lock; aborts on an
 * invalid or double free or on a broken canary. */
void small_free(void *p);

/* The class of a live slot p (small_owns). Aborts if p is not one: with
 * `bad` (MISUSE_INVALID_FREE or MISUSE_INVALID_POINTER) if p was never a
 * slot, with misuse_freed(bad) if the slot is not handed out. */
unsigned small_class_of_live(const void *p, misuse_t bad);

/* Usable bytes of class c: the slot less its canary (0 for class 0). */
static inline size_t small_usable(unsigned c) {
  return c == 0 ? 0 : small_geometry[c].slot_size - SMALL_CANARY;
}

/* True when every usable byte of a slot of class c reads as zero when it
 * is handed out: slots are zeroed on free (fresh ones come from the
 * kernel), and class 0 has none. */
static inline bool small_hands_out_zero(unsigned c) { return c == 0 || sealed_zero_on_free(); }

/* For the thread caches, all under the class lock, in batches:
 * small_reserve takes up to n available slots of the lane's slabs (in random order when
 * randomizing), with their packed places in `at`, and returns how many;
 * small_retire puts freed reserved slots, given by packed place, into the
 * quarantine; small_unreserve makes never-used reserved slots (also by
 * packed place) available again; small_adjust_live folds a cache's live count in.
 * small_trade retires n freed slots as small_retire does, and hands the
 * slots that lane's quarantine lets go of, up to `room`, to the caller
 * (reserved, with their places) instead of making them available; returns
 * how many. */
uint32_t small_reserve(unsigned c, unsigned lane, void **out, uint32_t *at, uint32_t n);
void small_retire(unsigned c, const uint32_t *at, uint32_t n);
uint32_t small_trade(unsigned c, unsigned lane, const uint32_t *freed, uint32_t n, void **out, uint32_t *at,
                     uint32_t room);
void small_unreserve(unsigned c, const uint32_t *at, uint32_t n);
void small_adjust_live(unsigned c, int64_t delta);

/* The lengths of class c's quarantine arrays in force: the build's, lowered
 * by the small_quarantine option and by WD_SMALL_QUARANTINE_BYTES (never
 * below one slot each unless the quarantine is off). A freed slot is
 * available again no sooner than `fifo` + 1 later frees of its class. */
void small_quarantine_lengths(unsigned c, uint32_t *random, uint32_t *fifo);

/* Gives back the pages of every empty slab (see WD_SMALL_PURGE_DELAY);
 * returns their bytes. */
size_t small_trim(void);

/* What the thread caches, a layer above this tier, hold of class c: calls
 * fn (unless NULL) on every slot they hold, adds their live counts to
 * *live, returns how many slots they hold. The checker and the statistics
 * are handed it by their caller (tcache_walk_class), so that this tier
 * needs nothing from the layer that builds on it. */
typedef size_t small_cache_walk_t(unsigned c, void (*fn)(unsigned c, const void *slot), int64_t *live);

/* Walks every small-tier invariant, the slots in thread caches included;
 * reports the first violation. The caller has stopped the fast paths
 * (quiesce.h). */
void small_check(small_cache_walk_t *walk_caches);

/* Adds the tier's figures, thread caches included, to *stats; the caches
 * are at rest, as for small_check. */
void small_add_stats(wd_stats_t *stats, small_cache_walk_t *walk_caches);

void small_lock_all(void);
void small_unlock_all(void);
/* In a forked child: locks reset (the layout randomness is drawn anew
 * through random_rekey, heap.c). */
void small_after_fork_child(void);

#endif /* WD_SMALL_H */
