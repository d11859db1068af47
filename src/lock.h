/* The allocator's mutex. Every lock in Warden is one of these, so that
 * fork handling (init.c) can take and reset all of them the same way. */
#ifndef WD_LOCK_H
#define WD_LOCK_H

#include <pthread.h>

/* A cache line each, so that threads taking different locks do not share
 * one. */
typedef struct lock {
  pthread_mutex_t mutex;
} __attribute__((aligned(64))) lock_t;

#define LOCK_INIT {PTHREAD_MUTEX_INITIALIZER}

/* Where the state that the fork handlers write is defined: every lock, and
 * the random key a child draws anew. The linker packs it into one section,
 * so a fork dirties a page or two of it rather than one page per tier and
 * class: each such page costs a copy-on-write fault in the parent and again
 * in the child. */
#define LOCK_FORK_STATE __attribute__((section("wd_fork_state")))

static inline void lock_acquire(lock_t *l) { pthread_mutex_lock(&l->mutex); }
static inline void lock_release(lock_t *l) { pthread_mutex_unlock(&l->mutex); }
/* In a forked child only the forking thread survives: a lock it held
 * before fork() is reset rather than released by a thread that is gone. */
static inline void lock_reset(lock_t *l) { pthread_mutex_init(&l->mutex, NULL); }

#endif /* WD_LOCK_H */
