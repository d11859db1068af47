#include "quiesce.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

quiesce_gate_t quiesce_gate LOCK_FORK_STATE;

void quiesce_init(void) {
  long ok = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
  if (ok != 0) __atomic_fetch_or(&quiesce_gate.bits, QUIESCE_FENCE, __ATOMIC_SEQ_CST);
}

void quiesce_request(void) {
  uint32_t gate = __atomic_fetch_or(&quiesce_gate.bits, QUIESCE_REQUESTED, __ATOMIC_SEQ_CST);
  if (!(gate & QUIESCE_FENCE)) syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
}

void quiesce_wait(const quiesce_flag_t *f) {
  while (__atomic_load_n(&f->busy, __ATOMIC_ACQUIRE) != 0) sched_yield();
}

void quiesce_release(void) { __atomic_fetch_and(&quiesce_gate.bits, ~QUIESCE_REQUESTED, __ATOMIC_RELEASE); }
