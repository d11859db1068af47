#include "secret.h"

#include "os.h"

void secret_init(secret_t *out) {
  os_random(out, sizeof *out);
  /* Link and header keys of 0 would leave links raw or checksums plain. */
  out->header |= 1;
  /* Medium links are encoded by addition (medium_list.h), which must not
   * wrap around: the key stays below 2^62. */
  out->link = (out->link >> 2) | 1;
}
