/* Alignments that are not powers of two (or, for posix_memalign, not
 * multiples of sizeof(void *)) are rejected with EINVAL; nothing is
 * allocated and the output is not touched. */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "tests/security/expect.h"

static int rejected(void *ctx) {
  (void)ctx;
  const size_t bad_posix[] = {0, 1, 2, 3, 4, 12, 24, 48, 4095, 4097, SIZE_MAX};
  for (size_t i = 0; i < sizeof bad_posix / sizeof bad_posix[0]; i++) {
    void *out = &out;
    errno = 1234;
    CHECK(posix_memalign(&out, launder_size(bad_posix[i]), 8) == EINVAL);
    CHECK(out == &out);
    CHECK(errno == 1234);
  }
  const size_t bad[] = {0, 3, 12, 24, 48, 4095, SIZE_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    CHECK(launder(aligned_alloc(launder_size(bad[i]), 8)) == NULL);
    CHECK(errno == EINVAL);
    errno = 0;
    CHECK(launder(memalign(launder_size(bad[i]), 8)) == NULL);
    CHECK(errno == EINVAL);
  }
  return 0;
}

/* The rejections above must not come from rejecting everything. */
static int accepted(void *ctx) {
  (void)ctx;
  const size_t good[] = {8, 16, 64, 4096, (size_t)1 << 20};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    void *out = NULL;
    CHECK(posix_memalign(&out, launder_size(good[i]), 24) == 0);
    CHECK(out != NULL && (uintptr_t)out % good[i] == 0);
    free(out);
    void *p = launder(aligned_alloc(launder_size(good[i]), 24));
    CHECK(p != NULL && (uintptr_t)p % good[i] == 0);
    free(p);
  }
  void *one = launder(aligned_alloc(launder_size(1), 8));
  CHECK(one != NULL);
  free(one);
  return 0;
}

int main(void) {
  expect_warden();
  expect_survives("bad alignments", rejected, NULL);
  expect_survives("good alignments", accepted, NULL);
  return 0;
}
