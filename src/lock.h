/* The allocator's mutex. Every lock in Warden is one of these, so that
 * fork handling (init.c) can take and reset all of them the same way. */
#ifndef WD_LOCK_H
#define WD_LOCK_H

#include <pthread.h>

typedef struct lock {
  pthread_mutex_t mutex;
} lock_t;

#define LOCK_INIT {PTHREAD_MUTEX_INITIALIZER}

static inline void lock_acquire(lock_t *l) { pthread_mutex_lock(&l->mutex); }
static inline void lock_release(lock_t *l) { pthread_mutex_unlock(&l->mutex); }
/* In a forked child only the forking thread survives: a lock it held
 * before fork() is reset rather than released by a thread that is gone. */
static inline void lock_reset(lock_t *l) { pthread_mutex_init(&l->mutex, NULL); }

#endif /* WD_LOCK_H */
