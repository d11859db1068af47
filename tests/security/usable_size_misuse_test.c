/* malloc_usable_size on a pointer that is not a live allocation is a use
 * after free or a wild pointer, never a size: it ends the process. */
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

static void query(void *p) { (void)launder_size(malloc_usable_size(launder(p))); }

static void free_then_query(void *p) {
  free(launder(p));
  query(p);
}

static int live_sizes(void *ctx) {
  (void)ctx;
  CHECK(malloc_usable_size(NULL) == 0);
  CHECK(malloc_usable_size(launder(malloc(0))) == 0);
  CHECK(malloc_usable_size(launder(malloc(24))) == 24);
  CHECK(malloc_usable_size(launder(malloc(16376))) == 16376);
  /* Block 100032: its tags and canary take 32 bytes. */
  CHECK(malloc_usable_size(launder(malloc(100000))) == 100000);
  CHECK(malloc_usable_size(launder(malloc(100001))) == 100016);
  CHECK(malloc_usable_size(launder(malloc(2u << 20))) == 2u << 20);
  return 0;
}

int main(void) {
  expect_warden();

  char *small = launder(malloc(24));
  expect_death(free_then_query, small, SIGABRT,
               "warden: pointer to freed memory: %p (small, class 32)", (void *)small);
  expect_death(query, small + 8, SIGABRT, "warden: invalid pointer: %p (small, class 32)",
               (void *)(small + 8));

  char local[16];
  expect_death(query, local, SIGABRT, "warden: invalid pointer: %p (outside heap)", (void *)local);
  void *wild = (void *)0x1000;
  expect_death(query, wild, SIGABRT, "warden: invalid pointer: %p (outside heap)", wild);

  /* Live neighbours keep the freed block from merging, so the line names
   * its own size. */
  void *before = launder(malloc(100000));
  char *medium = launder(malloc(100000));
  void *after = launder(malloc(100000));
  (void)before;
  (void)after;
  expect_death(free_then_query, medium, SIGABRT,
               "warden: pointer to freed memory: %p (medium, block 100032)", (void *)medium);
  expect_death(query, medium + 16, SIGABRT, "warden: invalid pointer: %p (medium, unknown block)",
               (void *)(medium + 16));

  char *large = launder(malloc(2u << 20));
  expect_death(free_then_query, large, SIGABRT,
               "warden: pointer to freed memory: %p (large, size 2097152)", (void *)large);
  expect_death(query, large + 16, SIGABRT, "warden: invalid pointer: %p (large, size 2097152)",
               (void *)(large + 16));

  expect_survives("live sizes", live_sizes, NULL);
  return 0;
}
