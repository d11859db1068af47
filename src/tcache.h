/*
 * Thread caches for the small tier. Each thread keeps, per class, a stack
 * of reserved slots to hand out and a buffer of slots it freed; both trade
 * with the class in batches under the class lock, so the common allocation
 * and free take no lock at all. Every protection still holds: live bits are
 * updated atomically (exact double-free detection across threads),
 * canaries, zeroing and the write-after-free check run on every slot, and
 * freed slots go through the class quarantine (a thread reuses its own
 * freed slots directly only when the quarantine is off).
 *
 * A thread's cache goes back to the classes when the thread exits (also for
 * threads that only free), and in a forked child the caches of the threads
 * that did not survive the fork are reclaimed.
 */
#ifndef WD_TCACHE_H
#define WD_TCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quiesce.h"
#include "sealed.h"
#include "size_class.h"
#include "small_slot.h"

#define TCACHE_BIN_MAX 32

typedef struct tcache_bin {
  uint32_t avail_count; /* reserved slots, zero, ready to hand out */
  uint32_t freed_count; /* freed slots, zeroed, waiting for the quarantine */
  void *avail[TCACHE_BIN_MAX];
  /* Where each avail slot is (small_pack_place): known for free when the
   * slot is reserved or taken back, it spares hand-out the division. */
  uint32_t avail_at[TCACHE_BIN_MAX];
  void *freed[TCACHE_BIN_MAX];
  uint32_t freed_at[TCACHE_BIN_MAX]; /* as avail_at */
} tcache_bin_t;

typedef struct tcache {
  quiesce_flag_t flag;
  struct tcache *next; /* registry, or the list of spare caches */
  struct tcache *prev;
  unsigned lane; /* whose slabs refills take slots from (small.h) */
  int64_t live[SMALL_CLASS_COUNT]; /* handed out minus taken back here */
  tcache_bin_t bins[SMALL_CLASS_COUNT];
} tcache_t;

/* A thread whose cache was given back at exit keeps using the locked paths
 * for whatever its last destructors free. */
#define TCACHE_EXITED ((tcache_t *)1)

extern __thread tcache_t *tcache_current __attribute__((tls_model("initial-exec")));

/* Slots a bin holds at most, per class: a cache must not become a large
 * hidden heap when a program uses big classes from many threads. The caps
 * bound what is written into a bin's arrays, so they are sealed. */
static inline const uint8_t *tcache_bin_caps(void) { return sealed.tcache_bin_caps; }

void tcache_init(void);

/* The slow parts, out of line: a first cache for this thread (NULL if it
 * cannot have one), a refill (false: out of memory), a flush of freed slots
 * into the class quarantine; both trade the bin's freed slots for those the
 * quarantine lets go of. */
tcache_t *tcache_create(void);
bool tcache_refill(tcache_bin_t *b, unsigned c, unsigned lane);
void tcache_retire_all(tcache_bin_t *b, unsigned c, unsigned lane);

static inline tcache_t *tcache_mine(void) {
  tcache_t *tc = tcache_current;
  if (__builtin_expect((uintptr_t)tc > (uintptr_t)TCACHE_EXITED, 1)) return tc;
  return tcache_create();
}

/* A slot of class c from the bin of tc (the calling thread's cache), or
 * NULL when the bin is empty or the world is being stopped; never trades
 * with the class, so it makes no call that returns. */
static inline void *tcache_take(tcache_t *tc, unsigned c) {
  if (!quiesce_enter(&tc->flag)) return NULL;
  tcache_bin_t *b = &tc->bins[c];
  char *p = NULL;
  if (__builtin_expect(b->avail_count != 0, 1)) {
    uint32_t k = --b->avail_count;
    p = b->avail[k];
    small_hand_out(c, p, small_unpack_place(b->avail_at[k]));
    tc->live[c]++;
  }
  quiesce_leave(&tc->flag);
  return p;
}

/* Frees p (a pointer in class c's range, not yet validated) into the bin
 * of tc; false, with nothing done, when the bin is full (the slow path
 * flushes it then) or the world is being stopped. */
static inline bool tcache_give(tcache_t *tc, void *p, unsigned c) {
  if (!quiesce_enter(&tc->flag)) return false;
  tcache_bin_t *b = &tc->bins[c];
  uint32_t cap = tcache_bin_caps()[c];
  /* No quarantine to honour: the freed slot is the next one handed out,
   * while it is still in this core's cache. */
  bool reuse = small_quarantine_len() == 0 && b->avail_count < cap;
  if (!reuse && b->freed_count >= cap) {
    quiesce_leave(&tc->flag);
    return false;
  }
  slot_place_t pl = small_take_back(c, p);
  tc->live[c]--;
  if (reuse) {
    b->avail_at[b->avail_count] = small_pack_place(pl);
    b->avail[b->avail_count++] = p;
  } else {
    b->freed_at[b->freed_count] = small_pack_place(pl);
    b->freed[b->freed_count++] = p;
  }
  quiesce_leave(&tc->flag);
  return true;
}

/* A slot of class c from the calling thread's cache, refilled from the
 * class when empty, or NULL when the thread has no cache, the world is
 * being stopped, or memory is out: the caller then takes the locked path
 * (small_alloc), which decides. */
static inline void *tcache_alloc(unsigned c) {
  tcache_t *tc = tcache_mine();
  if (tc == NULL) return NULL;
  void *p = tcache_take(tc, c);
  if (p != NULL) return p;
  if (!quiesce_enter(&tc->flag)) return NULL;
  bool filled = tc->bins[c].avail_count != 0 || tcache_refill(&tc->bins[c], c, tc->lane);
  quiesce_leave(&tc->flag);
  return filled ? tcache_take(tc, c) : NULL;
}

/* Frees p (in class c) into the calling thread's cache, flushing freed
 * slots into the class quarantine when the bin is full; false when the
 * caller must take the locked path (small_free) instead. */
static inline bool tcache_free(void *p, unsigned c) {
  tcache_t *tc = tcache_mine();
  if (tc == NULL) return false;
  if (tcache_give(tc, p, c)) return true;
  if (!quiesce_enter(&tc->flag)) return false;
  tcache_bin_t *b = &tc->bins[c];
  if (b->freed_count != 0) tcache_retire_all(b, c, tc->lane);
  quiesce_leave(&tc->flag);
  return tcache_give(tc, p, c);
}

/* Stops every thread-cache fast path and blocks new caches until
 * tcache_resume_world; used by the heap checker, statistics and fork. */
void tcache_stop_world(void);
void tcache_resume_world(void);

/* With the world stopped: calls fn on every slot that caches hold for
 * class c, adds their live counts to *live, and returns how many slots they
 * hold. fn may be NULL. */
size_t tcache_walk_class(unsigned c, void (*fn)(unsigned c, const void *slot), int64_t *live);

/* In a forked child (the world stopped in the parent before fork): gives
 * back the caches of the threads that did not survive, and resumes. */
void tcache_after_fork_child(void);

#endif /* WD_TCACHE_H */
