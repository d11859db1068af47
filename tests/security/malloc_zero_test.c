/* malloc(0) returns distinct pointers that can be freed but never
 * dereferenced: the class behind them is never made accessible. */
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>

#include "tests/security/expect.h"

#define COUNT 1000

static void *zeros[COUNT];

static void read_it(void *p) { (void)*(volatile char *)launder(p); }

static void write_it(void *p) { *(volatile char *)launder(p) = 'A'; }

static int distinct_and_freeable(void *ctx) {
  (void)ctx;
  for (int i = 0; i < COUNT; i++) {
    zeros[i] = launder(malloc(0));
    CHECK(zeros[i] != NULL);
    CHECK(malloc_usable_size(zeros[i]) == 0);
  }
  for (int i = 0; i < COUNT; i++) {
    for (int j = 0; j < i; j++) CHECK(zeros[i] != zeros[j]);
  }
  for (int i = 0; i < COUNT; i++) free(launder(zeros[i]));
  void *c = launder(calloc(0, 8));
  CHECK(c != NULL);
  char *grown = launder(realloc(launder(malloc(0)), 10));
  CHECK(grown != NULL);
  CHECK(malloc_usable_size(grown) >= 10);
  grown[9] = 'x';
  free(grown);
  free(c);
  return 0;
}

int main(void) {
  expect_warden();

  void *p = launder(malloc(0));
  expect_death(read_it, p, SIGSEGV, NULL);
  expect_death(write_it, p, SIGSEGV, NULL);
  void *from_calloc = launder(calloc(0, 8));
  expect_death(read_it, from_calloc, SIGSEGV, NULL);
  expect_survives("malloc(0) pointers", distinct_and_freeable, NULL);
  return 0;
}
