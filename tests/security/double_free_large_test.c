/* Double frees in the large tier: the mapping is gone (or quarantined) after
 * the first free, and the tier remembers recently freed addresses. */
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

#define SIZE (2u << 20)

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
  void *q = realloc(launder(p), 3u << 20);
  (void)launder(q);
}

int main(void) {
  expect_warden();

  void *p = launder(malloc(SIZE));
  expect_death(free_twice, p, SIGABRT, "warden: double free: %p (large, size 2097152)", p);

  /* Not a multiple of 16 or of a page: the line names the requested size. */
  void *odd = launder(malloc(1500001));
  expect_death(free_twice, odd, SIGABRT, "warden: double free: %p (large, size 1500001)", odd);

  pair_t pr = {launder(malloc(SIZE)), launder(malloc(SIZE + 4096))};
  expect_death(free_between, &pr, SIGABRT, "warden: double free: %p (large, size 2097152)", pr.a);

  expect_death(realloc_freed, p, SIGABRT, "warden: double free: %p (large, size 2097152)", p);
  return 0;
}
