#include "random.h"

#include "lock.h"
#include "os.h"

uint64_t random_key LOCK_FORK_STATE;
uint32_t random_epoch LOCK_FORK_STATE;

void random_rekey(void) {
  os_random(&random_key, sizeof random_key);
  random_epoch++;
}

void random_seed(random_t *r) { os_random(r, sizeof *r); }
