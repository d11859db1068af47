#include "lock.h"

#include "os.h"

/* Critical sections are short (a batch of slots, one medium block): a held
 * lock is usually free again within this many checks, sooner than a sleep
 * and a wake-up would take. */
#define SPINS 100

void lock_wait(lock_t *l) {
  for (int k = 0; k < SPINS; k++) {
    __builtin_ia32_pause();
    uint32_t free_state = 0;
    if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(&l->state, &free_state, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
      return;
    }
  }
  /* Taken as contended (2), so that its release wakes a sleeper; a thread
   * that finds it free here holds it, marked contended, which costs at
   * most one wake-up nobody needed. */
  while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0) os_futex_wait(&l->state, 2);
}

void lock_wake(lock_t *l) { os_futex_wake(&l->state); }
