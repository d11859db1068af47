/* A write through a dangling pointer into a freed small slot. The default
 * build zeroes slots on free and checks on reuse that they are still zero;
 * the light build does neither, so there the write goes unnoticed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

/* Enough allocations to get any slot back through a quarantine and random
 * slot choice; the default build stops at the reuse. */
#define ROUNDS 100000

typedef struct dangling {
  char *p;
  size_t size; /* the request p was made with */
  size_t at;   /* offset written after the free */
} dangling_t;

/* Returns whether p came back: half the allocations stay live so that
 * free slots run out, the other half are freed at once so that any
 * quarantine keeps moving. */
__attribute__((noinline)) static int free_write_reuse(const dangling_t *d) {
  char *p = launder(d->p);
  free(p);
  p = launder(p);
  p[d->at] = 'A';
  __asm__ volatile("" : : : "memory");
  int reused = 0;
  for (int i = 0; i < ROUNDS; i++) {
    void *kept = launder(malloc(d->size));
    void *dropped = launder(malloc(d->size));
    reused |= kept == d->p || dropped == d->p;
    free(dropped);
  }
  return reused;
}

#if WD_LIGHT
static int undetected(void *ctx) {
  CHECK(free_write_reuse(ctx));
  return 0;
}
#else
static void detected(void *ctx) {
  (void)free_write_reuse(ctx);
}
#endif

int main(void) {
  expect_warden();

  dangling_t cases[] = {
      {launder(malloc(24)), 24, 0},
      {launder(malloc(24)), 24, 23},
      {launder(malloc(3000)), 3000, 1500},
  };
  const unsigned classes[] = {32, 32, 3072};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
#if WD_LIGHT
    (void)classes;
    expect_survives("write after free, light build", undetected, &cases[i]);
#else
    expect_death(detected, &cases[i], SIGABRT, "warden: write after free: %p (small, class %u)",
                 (void *)cases[i].p, classes[i]);
#endif
  }
  return 0;
}
