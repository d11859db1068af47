/* The allocator's mutex: one 32-bit word, free (0), held (1) or held with
 * threads asleep on it (2), and a futex to sleep on when it stays held.
 * Every lock in Warden is one of these, so that fork handling (heap.c) can
 * take and reset them all the same way. A word each, Warden's two hundred
 * locks fit in one page of the fork-state section below, where a mutex of
 * the C library (40 bytes, a line each against false sharing) took three:
 * each page the fork handlers write costs a copy-on-write fault in the
 * parent and another in the child. Locks that different threads take at
 * once (lanes, arenas) sit on lines of their own (LOCK_LINE). */
#ifndef WD_LOCK_H
#define WD_LOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct lock {
  uint32_t state;
} lock_t;

#define LOCK_INIT {0}

/* Where the state that the fork handlers write is defined: every lock, and
 * the random key a child draws anew. The linker packs it into one section,
 * so a fork dirties a page of it rather than one page per tier and class. */
#define LOCK_FORK_STATE __attribute__((section("wd_fork_state")))

/* For a group of locks that other threads take at the same time as this
 * one: a cache line of its own. */
#define LOCK_LINE __attribute__((aligned(64)))

/* The contended paths, out of line: spin a little, then sleep until woken;
 * wake one sleeper. */
void lock_wait(lock_t *l);
void lock_wake(lock_t *l);

static inline void lock_acquire(lock_t *l) {
  uint32_t free_state = 0;
  if (__builtin_expect(__atomic_compare_exchange_n(&l->state, &free_state, 1, false, __ATOMIC_ACQUIRE,
                                                   __ATOMIC_RELAXED), 1)) {
    return;
  }
  lock_wait(l);
}

static inline void lock_release(lock_t *l) {
  if (__builtin_expect(__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2, 0)) lock_wake(l);
}

/* In a forked child only the forking thread survives: a lock it held
 * before fork() is reset rather than released by a thread that is gone. */
static inline void lock_reset(lock_t *l) { __atomic_store_n(&l->state, 0, __ATOMIC_RELAXED); }

#endif /* WD_LOCK_H */
