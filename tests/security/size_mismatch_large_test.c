/* Sized frees of large allocations must name the size exactly as it was
 * requested, like every other report of the large tier. */
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

typedef struct sized {
  void *p;
  size_t size;
} sized_t;

static void sized_free(void *ctx) {
  const sized_t *s = ctx;
  free_sized(launder(s->p), launder_size(s->size));
}

int main(void) {
  expect_warden();

  void *p = launder(malloc(2u << 20));
  sized_t plus16 = {p, (2u << 20) + 16};
  expect_death(sized_free, &plus16, SIGABRT, "warden: size mismatch: %p (large, size 2097152)", p);
  sized_t medium_size = {p, 100000};
  expect_death(sized_free, &medium_size, SIGABRT, "warden: size mismatch: %p (large, size 2097152)",
               p);

  /* Rounded to 16 the two sizes agree; requested they do not. */
  void *odd = launder(malloc(1500001));
  sized_t off_by_one = {odd, 1500000};
  expect_death(sized_free, &off_by_one, SIGABRT, "warden: size mismatch: %p (large, size 1500001)",
               odd);
  sized_t far = {odd, 3000000};
  expect_death(sized_free, &far, SIGABRT, "warden: size mismatch: %p (large, size 1500001)", odd);
  return 0;
}
