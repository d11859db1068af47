/* Sizes that cannot be served (overflowing products, more than an object
 * may span, more than the address space holds) are standard errors, not
 * attacks: NULL with errno ENOMEM, the process keeps running, and a block
 * that realloc could not move stays as it was. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

#define HUGE_N ((size_t)1 << 62)

/* Runs `expr` with errno cleared and checks it gave NULL and ENOMEM. */
#define CHECK_ENOMEM(expr)                                                     \
  do {                                                                         \
    errno = 0;                                                                 \
    void *result_ = launder(expr);                                             \
    CHECK(result_ == NULL);                                                    \
    CHECK(errno == ENOMEM);                                                    \
  } while (0)

static int fresh_requests(void *ctx) {
  (void)ctx;
  CHECK_ENOMEM(malloc(launder_size(SIZE_MAX)));
  CHECK_ENOMEM(malloc(launder_size(PTRDIFF_MAX)));
  CHECK_ENOMEM(malloc(launder_size((size_t)PTRDIFF_MAX + 1)));
  /* Within the limits, but more than the kernel will map. */
  CHECK_ENOMEM(malloc(launder_size(HUGE_N)));
  CHECK_ENOMEM(calloc(launder_size(SIZE_MAX / 2), 3));
  CHECK_ENOMEM(calloc(3, launder_size(SIZE_MAX / 2)));
  CHECK_ENOMEM(calloc(1, launder_size(SIZE_MAX)));
  CHECK_ENOMEM(reallocarray(NULL, launder_size(SIZE_MAX / 2), 3));
  CHECK_ENOMEM(valloc(launder_size(SIZE_MAX)));
  /* Rounding up to a page would overflow. */
  CHECK_ENOMEM(pvalloc(launder_size(SIZE_MAX - 100)));
  CHECK_ENOMEM(aligned_alloc(64, launder_size(SIZE_MAX)));
  CHECK_ENOMEM(aligned_alloc(launder_size(HUGE_N), 16));
  CHECK_ENOMEM(aligned_alloc(launder_size((size_t)1 << 63), 16));

  /* posix_memalign returns the error and leaves errno and *out alone. */
  void *out = &out;
  errno = 1234;
  CHECK(posix_memalign(&out, 64, launder_size(SIZE_MAX)) == ENOMEM);
  CHECK(out == &out);
  CHECK(errno == 1234);

  void *fine = launder(malloc(100));
  CHECK(fine != NULL);
  free(fine);
  return 0;
}

/* A failed realloc or reallocarray leaves the block where it was, with its
 * contents, still live. */
static int failed_resize(void *ctx) {
  (void)ctx;
  const size_t sizes[] = {24, 100000, 2u << 20};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    unsigned char *p = launder(malloc(n));
    CHECK(p != NULL);
    size_t usable = malloc_usable_size(p);
    memset(p, 0x5a, n);
    CHECK_ENOMEM(realloc(p, launder_size(SIZE_MAX)));
    CHECK_ENOMEM(realloc(p, launder_size(PTRDIFF_MAX)));
    CHECK_ENOMEM(realloc(p, launder_size(HUGE_N)));
    CHECK_ENOMEM(reallocarray(p, launder_size(SIZE_MAX / 2), 3));
    CHECK(malloc_usable_size(p) == usable);
    for (size_t i = 0; i < n; i++) CHECK(p[i] == 0x5a);
    unsigned char *q = launder(realloc(p, n + 1));
    CHECK(q != NULL);
    for (size_t i = 0; i < n; i++) CHECK(q[i] == 0x5a);
    free(q);
  }
  return 0;
}

int main(void) {
  expect_warden();
  expect_survives("impossible fresh requests", fresh_requests, NULL);
  expect_survives("impossible resizes", failed_resize, NULL);
  return 0;
}
