/* Double frees in the small tier, including the malloc(0) class, are found
 * from the slot's state bit, whatever happened in between. */
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

typedef struct pair {
  void *a, *b;
} pair_t;

static void free_twice(void *p) {
  free(launder(p));
  free(launder(p));
}

static void free_between(void *ctx) {
  pair_t *pr = ctx;
  free(launder(pr->a));
  free(launder(pr->b));
  free(launder(pr->a));
}

static void realloc_freed(void *p) {
  free(launder(p));
  void *q = realloc(launder(p), 48);
  (void)launder(q);
}

static void free_sized_freed(void *p) {
  free(launder(p));
  free_sized(launder(p), 24);
}

int main(void) {
  expect_warden();

  void *p = launder(malloc(24));
  expect_death(free_twice, p, SIGABRT, "warden: double free: %p (small, class 32)", p);

  void *biggest = launder(malloc(16376));
  expect_death(free_twice, biggest, SIGABRT, "warden: double free: %p (small, class 16384)", biggest);

  void *zero = launder(malloc(0));
  expect_death(free_twice, zero, SIGABRT, "warden: double free: %p (small, class 0)", zero);

  pair_t pr = {launder(malloc(100)), launder(malloc(100))};
  expect_death(free_between, &pr, SIGABRT, "warden: double free: %p (small, class 112)", pr.a);

  expect_death(realloc_freed, p, SIGABRT, "warden: double free: %p (small, class 32)", p);
  expect_death(free_sized_freed, p, SIGABRT, "warden: double free: %p (small, class 32)", p);
  return 0;
}
