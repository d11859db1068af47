/* A sized free (C23 free_sized, free_aligned_sized) whose size could not
 * have produced the block is a confused caller: it ends the process. The
 * exact size of every tier passes. */
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

typedef struct sized {
  void *p;
  size_t alignment; /* 0: free_sized */
  size_t size;
} sized_t;

static void sized_free(void *ctx) {
  const sized_t *s = ctx;
  if (s->alignment == 0) free_sized(launder(s->p), launder_size(s->size));
  else free_aligned_sized(launder(s->p), s->alignment, launder_size(s->size));
}

static int exact_sizes(void *ctx) {
  (void)ctx;
  free_sized(launder(malloc(24)), 24);
  free_sized(launder(malloc(0)), 0);
  /* Small sizes are checked to the class: 20 bytes need the same one. */
  free_sized(launder(malloc(24)), 20);
  free_sized(launder(malloc(16376)), 16376);
  free_sized(launder(malloc(16377)), 16377);
  free_sized(launder(malloc(100000)), 100000);
  free_sized(launder(malloc(1u << 20)), 1u << 20);
  free_sized(launder(malloc(2u << 20)), 2u << 20);
  free_sized(launder(malloc(1500001)), 1500001);
  free_aligned_sized(launder(aligned_alloc(64, 64)), 64, 64);
  free_aligned_sized(launder(aligned_alloc(4096, 100000)), 4096, 100000);
  free_sized(NULL, 123);
  return 0;
}

int main(void) {
  expect_warden();

  void *p = launder(malloc(24));
  sized_t bigger = {p, 0, 100};
  expect_death(sized_free, &bigger, SIGABRT, "warden: size mismatch: %p (small, class 32)", p);
  sized_t zero_size = {p, 0, 0};
  expect_death(sized_free, &zero_size, SIGABRT, "warden: size mismatch: %p (small, class 32)", p);
  sized_t medium_size = {p, 0, 20000};
  expect_death(sized_free, &medium_size, SIGABRT, "warden: size mismatch: %p (small, class 32)", p);

  void *zero = launder(malloc(0));
  sized_t one = {zero, 0, 1};
  expect_death(sized_free, &one, SIGABRT, "warden: size mismatch: %p (small, class 0)", zero);

  /* 64 bytes at 64-byte alignment come from the power-of-two class that
   * holds 64 + 8. */
  void *aligned = launder(aligned_alloc(64, 64));
  sized_t aligned_bigger = {aligned, 64, 200};
  expect_death(sized_free, &aligned_bigger, SIGABRT, "warden: size mismatch: %p (small, class 128)",
               aligned);
  sized_t alignment_lost = {aligned, 0, 64};
  expect_death(sized_free, &alignment_lost, SIGABRT, "warden: size mismatch: %p (small, class 128)",
               aligned);

  void *medium = launder(malloc(100000));
  sized_t larger = {medium, 0, 200000};
  expect_death(sized_free, &larger, SIGABRT, "warden: size mismatch: %p (medium, block 100032)",
               medium);
  sized_t half = {medium, 0, 50000};
  expect_death(sized_free, &half, SIGABRT, "warden: size mismatch: %p (medium, block 100032)",
               medium);
  sized_t small_size = {medium, 0, 24};
  expect_death(sized_free, &small_size, SIGABRT, "warden: size mismatch: %p (medium, block 100032)",
               medium);
  sized_t large_size = {medium, 0, 2u << 20};
  expect_death(sized_free, &large_size, SIGABRT, "warden: size mismatch: %p (medium, block 100032)",
               medium);

  expect_survives("exact sizes", exact_sizes, NULL);
  return 0;
}
