#include "random.h"

#include "lock.h"
#include "os.h"

random_shared_t random_shared LOCK_FORK_STATE;

/* Streams in the order they started. */
static uint64_t streams;

void random_rekey(void) {
  os_random(&random_shared.key, sizeof random_shared.key);
  random_shared.epoch++;
}

/* Derived from the key rather than drawn from the kernel: the tiers start
 * some 150 streams (a lane of each small class, each arena), and a system
 * call each was a third of the allocator's start-up calls. The mix is a
 * bijection of the stream's number, so no two streams start at one point,
 * and under a key of its own (the complement) it tells nothing of the
 * draws. */
void random_seed(random_t *r) {
  uint64_t n = __atomic_add_fetch(&streams, 1, __ATOMIC_RELAXED);
  r->counter = secret_mix(n, ~random_shared.key);
}
