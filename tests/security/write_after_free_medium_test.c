/* A dangling write into a freed medium block lands on its free-list links,
 * which are stored encoded with a secret: the next list operation on the
 * block decodes garbage and stops, instead of following a planted
 * pointer. Here that operation is the merge when its neighbour is freed. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

#define BLOCK 100032

typedef struct dangling {
  char *a, *b;
  size_t at; /* offset into a written after its free */
} dangling_t;

static void free_write_free_neighbour(void *ctx) {
  const dangling_t *d = ctx;
  char *a = launder(d->a);
  free(a);
  a = launder(a);
  memset(a + d->at, 'A', 8);
  __asm__ volatile("" : : : "memory");
  free(launder(d->b));
}

int main(void) {
  expect_warden();

  void *before = launder(malloc(100000));
  char *a = launder(malloc(100000));
  char *b = launder(malloc(100000));
  void *after = launder(malloc(100000));
  (void)before;
  (void)after;
  if (b - a != BLOCK) {
    fprintf(stderr, "blocks not adjacent: %p %p\n", (void *)a, (void *)b);
    return 1;
  }

  /* The forward link is the first payload word, the back link the second;
   * the forward one is decoded first. */
  dangling_t next_link = {a, b, 0};
  expect_death(free_write_free_neighbour, &next_link, SIGABRT,
               "warden: free list corrupted: %p (medium, unknown block)", (void *)a);
  dangling_t prev_link = {a, b, 8};
  expect_death(free_write_free_neighbour, &prev_link, SIGABRT,
               "warden: free list corrupted: %p (medium, unknown block)", (void *)(a + 8));
  return 0;
}
