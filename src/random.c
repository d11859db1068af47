#include "random.h"

#include "lock.h"
#include "os.h"

/* A line of their own: every draw reads them, and a lock beside them would
 * pull the line away from every other core at each acquire. */
uint64_t random_key LOCK_FORK_STATE __attribute__((aligned(64)));
uint32_t random_epoch LOCK_FORK_STATE __attribute__((aligned(64)));

void random_rekey(void) {
  os_random(&random_key, sizeof random_key);
  random_epoch++;
}

void random_seed(random_t *r) { os_random(r, sizeof *r); }
