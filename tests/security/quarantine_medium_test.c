/* A freed medium block is not handed out again, nor merged, while it waits
 * in the quarantine: however many blocks of its size are requested, none
 * lies in it, as long as no later free pushes it out. The light build has
 * no quarantine: the block is free at once, and the next request it fits
 * best takes it back (reuse is not randomized there). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

#define SIZE 80000
/* Fits in the freed block, and no larger free block is nearer its size. */
#define REQUEST 40000
#define REQUESTS 64

static int held_back(void *ctx) {
  (void)ctx;
  char *p = launder(malloc(SIZE));
  (void)launder(malloc(SIZE)); /* keeps p off the chunk's remainder */
  free(p);
  for (int i = 0; i < REQUESTS; i++) {
    char *q = launder(malloc(REQUEST));
#if WD_LIGHT
    CHECK(q == p);
    return 0;
#else
    CHECK(q + REQUEST <= p || q >= p + SIZE);
#endif
  }
  return 0;
}

int main(void) {
  expect_warden();
  expect_survives(WD_LIGHT ? "light: freed medium block reused at once" : "freed medium block held in quarantine",
                  held_back, NULL);
  return 0;
}
