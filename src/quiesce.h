/*
 * Stopping the world without slowing the fast path.
 *
 * Threads run the thread-cache fast paths without taking any lock. The heap
 * checker and fork() need a moment when no thread is inside one. A fast path
 * announces itself with a plain store to its own busy flag and then reads a
 * global request flag; the stopping thread sets the request, issues
 * membarrier() (which runs a full memory barrier on every thread of the
 * process), and waits until every busy flag is clear. Either the fast path's
 * store is visible to the waiter, or the fast path sees the request and
 * steps aside to the locked slow path. Where membarrier is unavailable, the
 * fast path pays for a full fence instead.
 */
#ifndef WD_QUIESCE_H
#define WD_QUIESCE_H

#include <stdbool.h>
#include <stdint.h>

#include "lock.h"

typedef struct quiesce_flag {
  uint32_t busy;
} quiesce_flag_t;

/* A stop is requested; the fast path must fence (no membarrier). One word,
 * so that the fast path reads a single flag when neither is set; the fence
 * bit, once set at init, sends every entry down the fencing branch. */
#define QUIESCE_REQUESTED 1u
#define QUIESCE_FENCE 2u
/* With the locks in the fork-state section (lock.h), since the fork
 * handlers write it too, on a line of its own: every fast path reads it. */
typedef struct quiesce_gate {
  uint32_t bits;
} LOCK_LINE quiesce_gate_t;
extern quiesce_gate_t quiesce_gate;

/* Registers the process for expedited membarrier. Called once at init. */
void quiesce_init(void);

/* Enters a fast path; false (nothing entered) while a stop is requested. */
static inline bool quiesce_enter(quiesce_flag_t *f) {
  __atomic_store_n(&f->busy, 1, __ATOMIC_RELAXED);
  __asm__ volatile("" ::: "memory");
  uint32_t gate = __atomic_load_n(&quiesce_gate.bits, __ATOMIC_RELAXED);
  if (__builtin_expect(gate != 0, 0)) {
    if (gate & QUIESCE_FENCE) {
      /* Without membarrier the read above may have passed the store to
       * busy: it only counts when made again behind a full fence. */
      __atomic_thread_fence(__ATOMIC_SEQ_CST);
      gate = __atomic_load_n(&quiesce_gate.bits, __ATOMIC_RELAXED);
    }
    if (gate & QUIESCE_REQUESTED) {
      __atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
      return false;
    }
  }
  return true;
}

static inline void quiesce_leave(quiesce_flag_t *f) { __atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE); }

/* Requests a stop and makes the request visible to every thread. The
 * caller then waits on each registered flag with quiesce_wait. */
void quiesce_request(void);
void quiesce_wait(const quiesce_flag_t *f);
void quiesce_release(void);

#endif /* WD_QUIESCE_H */
