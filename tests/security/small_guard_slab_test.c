/* A linear overflow that runs off the end of a small slab meets memory that
 * is not accessible: a slab that was never carved (both builds) or, in the
 * default build, one of the guard slabs that follow every eighth slab.
 * Neither is ever handed out, and freeing into one is an invalid free. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

/* Class 32 (requests of up to 24 bytes): 4 KiB slabs of 128 slots, in an
 * 8 GiB range of its own. */
#define CLASS_SPAN ((uintptr_t)1 << 33)
#define SLAB 4096
#define COUNT (128 * 40)
#if !WD_LIGHT
#define GUARD_EVERY 9 /* eight slabs, then a guard */
#endif

static char *objects[COUNT];

static void read_it(void *p) { (void)*(volatile char *)launder(p); }

static void free_it(void *p) { free(launder(p)); }

int main(void) {
  expect_warden();

  uintptr_t base = 0;
  size_t highest = 0;
  for (int i = 0; i < COUNT; i++) {
    objects[i] = launder(malloc(24));
    base = (uintptr_t)objects[i] & ~(CLASS_SPAN - 1);
    size_t slab = ((uintptr_t)objects[i] - base) / SLAB;
    if (slab > highest) highest = slab;
  }
  /* Every slab carved while the loop ran served one of its requests, so
   * the slab after the highest one is not carved. */
  char *beyond = (char *)(base + (highest + 1) * SLAB);
  expect_death(read_it, beyond, SIGSEGV, NULL);
  expect_death(free_it, beyond, SIGABRT, "warden: invalid free: %p (small, class 32)",
               (void *)beyond);

#if !WD_LIGHT
  int guards = 0;
  for (size_t slab = GUARD_EVERY - 1; slab <= highest; slab += GUARD_EVERY) {
    char *guard = (char *)(base + slab * SLAB);
    for (int i = 0; i < COUNT; i++) {
      if ((uintptr_t)objects[i] - (uintptr_t)guard < SLAB) {
        fprintf(stderr, "slot %p handed out from guard slab %zu\n", (void *)objects[i], slab);
        return 1;
      }
    }
    expect_death(read_it, guard, SIGSEGV, NULL);
    expect_death(read_it, guard + SLAB - 1, SIGSEGV, NULL);
    expect_death(free_it, guard, SIGABRT, "warden: invalid free: %p (small, class 32)",
                 (void *)guard);
    guards++;
  }
  /* 40 slabs' worth of requests span at least four guards. */
  if (guards < 4) {
    fprintf(stderr, "only %d guard slabs below slab %zu\n", guards, highest);
    return 1;
  }
#endif
  return 0;
}
