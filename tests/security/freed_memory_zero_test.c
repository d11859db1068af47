/* Freed small and medium memory keeps no secrets in the default build: it
 * reads as zero right after the free. In both builds calloc returns zeros even from
 * a slot that was freed dirty, whether or not the build zeroes on free;
 * the freed_memory_zero_off_test target runs this program with zeroing
 * turned off at run time (WARDEN_OPTIONS), which defines
 * ZEROING_OFF_AT_RUN_TIME. */
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

#ifndef ZEROING_OFF_AT_RUN_TIME
#define ZEROING_OFF_AT_RUN_TIME 0
#endif

#define BLOCKS 1000
#define SIZE 200

static char *blocks[BLOCKS];

#if ZEROING_OFF_AT_RUN_TIME
/* Shows that the option reached the allocator; otherwise the calloc check
 * below would only repeat the default build's. */
static int freed_keeps_bytes(void *ctx) {
  (void)ctx;
  unsigned char *p = launder(malloc(SIZE));
  memset(p, 0xab, SIZE);
  free(p);
  p = launder(p);
  CHECK(((volatile unsigned char *)p)[0] == 0xab);
  return 0;
}
#elif !WD_LIGHT
/* ctx: the size, a small slot's or a medium block's. */
static int freed_reads_zero(void *ctx) {
  size_t size = *(const size_t *)ctx;
  unsigned char *p = launder(malloc(size));
  memset(p, 0xab, size);
  free(p);
  p = launder(p);
  /* Still mapped: the slot, or the block in its quarantine, is only
   * zeroed, not given back. */
  for (size_t i = 0; i < size; i++) CHECK(((volatile unsigned char *)p)[i] == 0);
  return 0;
}
#endif

static int calloc_after_dirty_free(void *ctx) {
  (void)ctx;
  for (int i = 0; i < BLOCKS; i++) {
    blocks[i] = launder(malloc(SIZE));
    memset(blocks[i], 0xab, SIZE);
  }
  for (int i = 0; i < BLOCKS; i++) free(launder(blocks[i]));
  int reused = 0;
  for (int i = 0; i < BLOCKS; i++) {
    unsigned char *q = launder(calloc(1, SIZE));
    CHECK(q != NULL);
    for (size_t k = 0; k < SIZE; k++) CHECK(q[k] == 0);
    for (int j = 0; j < BLOCKS && !reused; j++) reused = (char *)q == blocks[j];
  }
  /* Without zeroing on free only calloc's own clearing stands between the
   * dirty bytes and the caller: make sure dirty slots were handed out (a
   * quarantine holds back only some of them). */
  CHECK(reused);
  return 0;
}

int main(void) {
  expect_warden();
#if ZEROING_OFF_AT_RUN_TIME
  expect_survives("zeroing off at run time", freed_keeps_bytes, NULL);
#elif !WD_LIGHT
  static size_t sizes[] = {SIZE, 80000};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    expect_survives("freed memory reads as zero", freed_reads_zero, &sizes[k]);
  }
#endif
  expect_survives("calloc after a dirty free", calloc_after_dirty_free, NULL);
  return 0;
}
