/* Double frees in the medium tier: of a block waiting in the quarantine
 * (its tag says so), and of a block that has left it and that a free
 * neighbour has absorbed since (its header is gone: the arena's ring of
 * recent frees names it), also after the pages inside the merged free block
 * went back to the kernel. The light build has no quarantine: its blocks
 * merge at once, and the ring names them. */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

/* 100000 bytes + 8 of canary + 24 of tags, rounded to 16. */
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
  medium_flush_t f;
  medium_flush_reserve(&f);
  free(launder(r->a));
  free(launder(r->b));
  medium_flush(&f);
  free(launder(r->b));
}

/* b is absorbed when a, before it, is freed. */
static void free_b_after_merge_forward(void *ctx) {
  row_t *r = ctx;
  medium_flush_t f, g;
  medium_flush_reserve(&f);
  medium_flush_reserve(&g);
  free(launder(r->b));
  medium_flush(&f);
  free(launder(r->a));
  medium_flush(&g);
  free(launder(r->b));
}

/* b's header lay on a page strictly inside the merged free block, which
 * the trim gives back: it reads as zero afterwards. */
static void free_b_after_merge_and_trim(void *ctx) {
  row_t *r = ctx;
  medium_flush_t f;
  medium_flush_reserve(&f);
  free(launder(r->a));
  free(launder(r->b));
  medium_flush(&f);
  malloc_trim(0);
  free(launder(r->b));
}

/* While b waits in the quarantine, a second free of a is named by a's own
 * tag; with no quarantine, a heads the merged free block of a and b. */
static void free_a_after_b(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  free(launder(r->b));
  free(launder(r->a));
}

/* Quarantined: the size query names a freed block too. */
static void usable_size_of_quarantined(void *ctx) {
  row_t *r = ctx;
  free(launder(r->a));
  (void)launder_size(malloc_usable_size(launder(r->a)));
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
  expect_death(free_a_after_b, &r, SIGABRT, "warden: double free: %p (medium, block %d)", r.a,
               WD_LIGHT ? 2 * BLOCK : BLOCK);
  expect_death(usable_size_of_quarantined, &r, SIGABRT,
               "warden: pointer to freed memory: %p (medium, block %d)", r.a, BLOCK);
  expect_death(realloc_freed, &r, SIGABRT, "warden: double free: %p (medium, block 100032)", r.a);
  return 0;
}
