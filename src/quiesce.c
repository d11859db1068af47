#include "quiesce.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

uint32_t quiesce_requested;
bool quiesce_needs_fence;

void quiesce_init(void) {
  long ok = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
  quiesce_needs_fence = ok != 0;
}

void quiesce_request(void) {
  __atomic_store_n(&quiesce_requested, 1, __ATOMIC_SEQ_CST);
  if (!quiesce_needs_fence) syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

void quiesce_wait(const quiesce_flag_t *f) {
  while (__atomic_load_n(&f->busy, __ATOMIC_ACQUIRE) != 0) sched_yield();
}

void quiesce_release(void) { __atomic_store_n(&quiesce_requested, 0, __ATOMIC_RELEASE); }
