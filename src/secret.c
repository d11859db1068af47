#include "secret.h"

#include "os.h"
#include "random.h"

void secret_init(secret_t *out) {
  os_random(out, sizeof *out);
  /* Link and header keys of 0 would leave links raw or checksums plain. */
  out->header |= 1;
  /* Medium links are encoded by addition (medium_list.h), which must not
   * wrap around: the key stays below 2^62. */
  out->link = (out->link >> 2) | 1;
}

#include "lock.h"

uint64_t random_key LOCK_FORK_STATE;
uint32_t random_epoch LOCK_FORK_STATE;

void random_rekey(void) {
  os_random(&random_key, sizeof random_key);
  random_epoch++;
}

void random_seed(random_t *r) { os_random(r, sizeof *r); }
