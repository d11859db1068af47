#include "heap.h"

#include <errno.h>
#include <pthread.h>

#include "large.h"
#include "lock.h"
#include "medium.h"
#include "report.h"
#include "options.h"
#include "random.h"
#include "sealed.h"
#include "secret.h"
#include "small.h"
#include "tcache.h"

bool heap_ready;

static lock_t init_lock LOCK_FORK_STATE = LOCK_INIT;

/* Every lock is taken before fork() so that no other thread is inside the
 * allocator when the child's copy of memory is made. */
static void before_fork(void) {
  lock_acquire(&init_lock);
  tcache_stop_world();
  small_lock_all();
  medium_lock_all();
  large_lock_all();
}

static void after_fork_parent(void) {
  large_unlock_all();
  medium_unlock_all();
  small_unlock_all();
  tcache_resume_world();
  lock_release(&init_lock);
}

static void after_fork_child(void) {
  /* The parent's draws must not predict the child's. */
  random_rekey();
  large_after_fork_child();
  medium_after_fork_child();
  small_after_fork_child();
  tcache_after_fork_child();
  lock_reset(&init_lock);
}

void heap_init(void) {
  lock_acquire(&init_lock);
  if (heap_ready) {
    lock_release(&init_lock);
    return;
  }
  secret_init(&sealed.keys);
  random_rekey();
  options_load(&sealed.options);
  /* Without its address ranges Warden cannot serve any request; saying so
   * once beats failing every allocation of a program that then misbehaves. */
  if (!small_init() || !medium_init() || !large_init()) report_os_failure("mmap", NULL, ENOMEM);
  tcache_init();
  sealed_seal();
  __atomic_store_n(&heap_ready, true, __ATOMIC_RELEASE);
  lock_release(&init_lock);
  /* Registered after the heap is ready: registration may allocate. */
  pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}
