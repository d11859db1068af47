/* Double frees in the medium tier: of a block still on its own, and of a
 * block that a free neighbour has absorbed since (its header is buried,
 * not erased, so the second free is still named), also after the pages
 * inside the merged free block went back to the kernel (the buried header
 * with them: the arena's ring of recent frees names it then). */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

/* 100000 bytes + 24 of tags, rounded to 16. */
#define BLOCK 100032

typedef struct row {
  void *a, *b;
} row_t;

static void free_a_twice(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  free(launder(r->a));
}

/* b is merged into the free block before it. */
static void free_b_after_merge_back(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  free(launder(r->b));
  free(launder(r->b));
}

/* b is absorbed when a, before it, is freed. */
static void free_b_after_merge_forward(void *ctx) {
  row_t *r = ctx;
  free(launder(r->b));
  free(launder(r->a));
  free(launder(r->b));
}

/* b's buried header lies on a page strictly inside the merged free block,
 * which the trim gives back: it reads as zero afterwards. */
static void free_b_after_merge_and_trim(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  free(launder(r->b));
  malloc_trim(0);
  free(launder(r->b));
}

static void free_a_after_b(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  free(launder(r->b));
  free(launder(r->a));
}

static void realloc_freed(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  void *q = realloc(launder(r->a), 200000);
  (void)launder(q);
}

int main(void) {
  expect_warden();

  /* Live blocks on both sides keep a and b from merging with anything but
   * each other, whatever else the heap holds. */
  void *before = launder(malloc(100000));
  row_t r = {launder(malloc(100000)), launder(malloc(100000))};
  void *after = launder(malloc(100000));
  if ((uintptr_t)r.b - (uintptr_t)r.a != BLOCK || (uintptr_t)r.a - (uintptr_t)before != BLOCK ||
      (uintptr_t)after - (uintptr_t)r.b != BLOCK) {
    fprintf(stderr, "blocks not adjacent: %p %p %p %p\n", before, r.a, r.b, after);
    return 1;
  }

  expect_death(free_a_twice, &r, SIGABRT, "warden: double free: %p (medium, block 100032)", r.a);
  expect_death(free_b_after_merge_back, &r, SIGABRT, "warden: double free: %p (medium, block 100032)",
               r.b);
  expect_death(free_b_after_merge_forward, &r, SIGABRT,
               "warden: double free: %p (medium, block 100032)", r.b);
  expect_death(free_b_after_merge_and_trim, &r, SIGABRT,
               "warden: double free: %p (medium, block 100032)", r.b);
  /* a now heads the merged free block of a and b, which the line names. */
  expect_death(free_a_after_b, &r, SIGABRT, "warden: double free: %p (medium, block 200064)", r.a);
  expect_death(realloc_freed, &r, SIGABRT, "warden: double free: %p (medium, block 100032)", r.a);
  return 0;
}
