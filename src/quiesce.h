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

typedef struct quiesce_flag {
  uint32_t busy;
} quiesce_flag_t;

extern uint32_t quiesce_requested;
extern bool quiesce_needs_fence;

/* Registers the process for expedited membarrier. Called once at init. */
void quiesce_init(void);

/* Enters a fast path; false (nothing entered) while a stop is requested. */
static inline bool quiesce_enter(quiesce_flag_t *f) {
  __atomic_store_n(&f->busy, 1, __ATOMIC_RELAXED);
  if (__builtin_expect(quiesce_needs_fence, 0)) __atomic_thread_fence(__ATOMIC_SEQ_CST);
  else __asm__ volatile("" ::: "memory");
  if (__builtin_expect(__atomic_load_n(&quiesce_requested, __ATOMIC_RELAXED) != 0, 0)) {
    __atomic_store_n(&f->busy, 0, __ATOMIC_RELEASE);
    return false;
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
