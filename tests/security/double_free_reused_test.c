/* A double free whose block's memory has been handed out again since: the
 * freed address now lies inside a live block that does not start there.
 * Warden still names it a double free, from the evidence it keeps (the
 * medium arena's ring of blocks that left its quarantine, the large tier's
 * memory of freed addresses), not an invalid free: a merge clears the
 * absorbed header, so nothing of it is left in the new block.
 *
 * Run with WARDEN_OPTIONS=medium_quarantine=0:large_quarantine=0 (BUILD):
 * freed medium blocks merge at once, so the block that covers them is known
 * (the double free of a block still in quarantine is double_free_medium_test's
 * case), and freed large mappings
 * are then kept in place for reuse, so a request 16 bytes bigger that needs
 * as many pages takes the same mapping and places its block 16 bytes lower
 * (blocks end at the guard page), over the freed address. */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/security/expect.h"

/* 100000 bytes + 8 of canary + 24 of tags, rounded to 16. */
#define BLOCK 100032
#define LARGE_SIZE ((2u << 20) - 16)

typedef struct row {
  char *a, *b;
} row_t;

/* Ends the child outside the expected line: the layout the case relies on
 * did not come about. */
_Noreturn static void setup_failed(const char *what, const void *got, const void *want) {
  fprintf(stderr, "setup: %s at %p, not %p\n", what, got, want);
  _exit(3);
}

/* a absorbs b; a block of `size` bytes then takes their merged block from
 * its start, over b's header words. */
static void cover_b(const row_t *r, size_t size) {
  free(launder(r->b));
  free(launder(r->a));
  char *q = launder(malloc(size));
  if (q != r->a) setup_failed("the block over a and b", q, r->a);
}

/* A block of BLOCK + 32 bytes: b's header words lie inside its payload. */
static void medium_reused(void *ctx) {
  const row_t *r = ctx;
  cover_b(r, BLOCK);
  free(launder(r->b));
}

/* A block of BLOCK + 16 bytes: its canary lands on b's header, its footer
 * on b's checksum. */
static void medium_reused_over_checksum(void *ctx) {
  const row_t *r = ctx;
  cover_b(r, BLOCK - 16);
  free(launder(r->b));
}

/* p is freed; a block 16 bytes bigger takes its mapping, 16 bytes lower. */
static void cover_p(char *p) {
  free(launder(p));
  char *q = launder(malloc(LARGE_SIZE + 16));
  if (q + 16 != p) setup_failed("the block over p", q, p - 16);
}

static void large_reused(void *ctx) {
  cover_p(ctx);
  free(launder(ctx));
}

static void large_reused_usable(void *ctx) {
  cover_p(ctx);
  size_t n = malloc_usable_size(launder(ctx));
  (void)launder((void *)n);
}

int main(void) {
  expect_warden();

  /* Live blocks on both sides keep a and b from merging with anything but
   * each other. */
  char *before = launder(malloc(100000));
  row_t r = {launder(malloc(100000)), launder(malloc(100000))};
  char *after = launder(malloc(100000));
  if (r.b - r.a != BLOCK || r.a - before != BLOCK || after - r.b != BLOCK) {
    fprintf(stderr, "blocks not adjacent: %p %p %p %p\n", (void *)before, (void *)r.a,
            (void *)r.b, (void *)after);
    return 1;
  }
  expect_death(medium_reused, &r, SIGABRT, "warden: double free: %p (medium, block 100032)",
               (void *)r.b);
  expect_death(medium_reused_over_checksum, &r, SIGABRT,
               "warden: double free: %p (medium, block 100032)", (void *)r.b);

  char *p = launder(malloc(LARGE_SIZE));
  expect_death(large_reused, p, SIGABRT, "warden: double free: %p (large, size 2097136)",
               (void *)p);
  expect_death(large_reused_usable, p, SIGABRT,
               "warden: pointer to freed memory: %p (large, size 2097136)", (void *)p);
  return 0;
}
