#include "secret.h"

#include "os.h"

secret_t secret_keys;

void secret_init(void) {
  os_random(&secret_keys, sizeof secret_keys);
  /* Link and header keys of 0 would leave links raw or checksums plain. */
  secret_keys.header |= 1;
  secret_keys.link |= 1;
}
