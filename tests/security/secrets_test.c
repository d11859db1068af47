/*
 * Secrets come from the kernel afresh in every process, so one run's leak
 * does not forge another's canary. The canary mixes the key with the
 * slot's address, and addresses differ between runs anyway; to see the key
 * itself, the runs compared here place their first slot at the same
 * address (address-space randomization and Warden's slot randomization
 * off), where only a different key can give a different canary. The
 * canary's first byte is zero, to stop string overflows at it. Both builds.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "expect.h"

#define CHILD "first-canary"

typedef struct sample {
  uintptr_t slot;
  uint64_t canary;
} sample_t;

/* The first 24-byte allocation (class 32: canary at 24..31) and its canary. */
static int print_first_canary(void) {
  unsigned char *p = launder(malloc(24));
  uint64_t c;
  memcpy(&c, p + 24, sizeof c);
  printf("%" PRIxPTR " %" PRIx64 "\n", (uintptr_t)p, c);
  return 0;
}

static void same_addresses(void *ctx) {
  (void)ctx;
  personality(ADDR_NO_RANDOMIZE);
  setenv("WARDEN_OPTIONS", "randomize=0", 1);
}

static int sample(sample_t *s) {
  char out[64];
  return rerun_self(CHILD, same_addresses, NULL, out, sizeof out) &&
         sscanf(out, "%" SCNxPTR " %" SCNx64, &s->slot, &s->canary) == 2;
}

static int differ(void *ctx) {
  (void)ctx;
  sample_t a, b;
  CHECK(sample(&a) && sample(&b));
  /* Otherwise the canaries would differ by their addresses alone. */
  CHECK(a.slot == b.slot);
  CHECK((a.canary & 0xff) == 0 && (b.canary & 0xff) == 0);
  CHECK(a.canary != 0);
  /* Two equal draws of 56 random bits would be a 2^-56 event. */
  CHECK(a.canary != b.canary);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], CHILD) == 0) return print_first_canary();
  expect_warden();
  expect_survives("fresh secrets per process", differ, NULL);
  return 0;
}
