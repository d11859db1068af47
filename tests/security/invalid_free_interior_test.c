/* Freeing a pointer into the heap that does not start an allocation:
 * interior pointers of each tier and addresses in a tier's range that no
 * allocation has reached. Each line comes from range arithmetic alone; the
 * memory at the address may be inaccessible. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/security/expect.h"

/* Each small class owns 8 GiB of address space, aligned to its size. */
#define SMALL_CLASS_SPAN ((uintptr_t)1 << 33)
#define MEDIUM_CHUNK ((uintptr_t)4 << 20)
#define GIB ((uintptr_t)1 << 30)

static void free_it(void *p) { free(launder(p)); }

static void realloc_it(void *p) {
  void *q = realloc(launder(p), 100);
  (void)launder(q);
}

int main(void) {
  expect_warden();

  char *small = launder(malloc(24));
  expect_death(free_it, small + 8, SIGABRT, "warden: invalid free: %p (small, class 32)",
               (void *)(small + 8));
  expect_death(free_it, small + 16, SIGABRT, "warden: invalid free: %p (small, class 32)",
               (void *)(small + 16));
  expect_death(realloc_it, small + 1, SIGABRT, "warden: invalid free: %p (small, class 32)",
               (void *)(small + 1));
  /* Far into the class's range, where no slab has been carved: never a slot
   * start, and not mapped. */
  char *unused = (char *)(((uintptr_t)small & ~(SMALL_CLASS_SPAN - 1)) + GIB + 8);
  expect_death(free_it, unused, SIGABRT, "warden: invalid free: %p (small, class 32)",
               (void *)unused);

  /* malloc(0) slots are 16 bytes apart and never accessible. */
  char *zero = launder(malloc(0));
  expect_death(free_it, zero + 8, SIGABRT, "warden: invalid free: %p (small, class 0)",
               (void *)(zero + 8));

  char *medium = launder(malloc(100000));
  expect_death(free_it, medium + 16, SIGABRT, "warden: invalid free: %p (medium, unknown block)",
               (void *)(medium + 16));
  expect_death(free_it, medium + 8, SIGABRT, "warden: invalid free: %p (medium, unknown block)",
               (void *)(medium + 8));
  expect_death(free_it, medium + 50000, SIGABRT, "warden: invalid free: %p (medium, unknown block)",
               (void *)(medium + 50000));
  expect_death(realloc_it, medium + 32, SIGABRT, "warden: invalid free: %p (medium, unknown block)",
               (void *)(medium + 32));
  /* A chunk of the medium range that was never committed. */
  char *no_chunk = (char *)(((uintptr_t)medium & ~(MEDIUM_CHUNK - 1)) + GIB + 64);
  expect_death(free_it, no_chunk, SIGABRT, "warden: invalid free: %p (medium, unknown block)",
               (void *)no_chunk);

  char *large = launder(malloc(2u << 20));
  expect_death(free_it, large + 16, SIGABRT, "warden: invalid free: %p (large, size 2097152)",
               (void *)(large + 16));
  expect_death(free_it, large + 1, SIGABRT, "warden: invalid free: %p (large, size 2097152)",
               (void *)(large + 1));
  /* The guard page in front of the allocation belongs to its mapping. */
  expect_death(free_it, large - 4096, SIGABRT, "warden: invalid free: %p (large, size 2097152)",
               (void *)(large - 4096));
  expect_death(realloc_it, large + 4096, SIGABRT, "warden: invalid free: %p (large, size 2097152)",
               (void *)(large + 4096));
  return 0;
}
