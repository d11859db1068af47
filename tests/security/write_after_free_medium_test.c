/* A dangling write into a freed medium block. In the default build the
 * block waits in the quarantine, zeroed: when it leaves, any byte that is
 * no longer zero is a write after free, wherever in the block it landed.
 *
 * Once a block is free (at once in the light build, which has no
 * quarantine), a write onto its free-list links is caught too: they are
 * stored encoded with a secret, so the next list operation on the block
 * decodes garbage and stops, instead of following a planted pointer. Here
 * that operation is the merge when its neighbour is freed. A link is also
 * tied to the word it is stored in: a valid link copied over another word
 * decodes to garbage there too. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"
#include "warden.h"

#define BLOCK 100032
#define USABLE 100000

/* LINK_CASES: the free-list cases, which need the block free at once: the
 * light build, or a default build run with medium_quarantine=0 (BUILD). */
#ifndef LINK_CASES
#define LINK_CASES WD_LIGHT
#endif

#if !LINK_CASES
typedef struct late_write {
  char *victim;
  size_t at;
} late_write_t;

/* Written after its free while it waits in the quarantine, at offset `at`;
 * caught when the flush pushes it out. */
static void write_while_quarantined(void *ctx) {
  const late_write_t *w = ctx;
  medium_flush_t f;
  medium_flush_reserve(&f);
  char *a = launder(w->victim);
  free(a);
  a = launder(a);
  a[w->at] = 1;
  __asm__ volatile("" : : : "memory");
  medium_flush(&f);
}

/* The same write, found by the heap check while the block still waits. */
static void write_then_check(void *ctx) {
  const late_write_t *w = ctx;
  char *a = launder(w->victim);
  free(a);
  a = launder(a);
  a[w->at] = 1;
  __asm__ volatile("" : : : "memory");
  wd_heap_check();
}
#endif

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

typedef struct copied {
  char *a, *b, *c; /* c: same size as a, on a's list, not next to it */
} copied_t;

/* a goes on its list in front of c, so its forward link names c and its
 * back link says "none". Copying the back link over the forward one would,
 * without the tie to the word, read as "none" and silently drop c from the
 * list. */
static void free_copy_link_free_neighbour(void *ctx) {
  const copied_t *d = ctx;
  free(launder(d->c));
  char *a = launder(d->a);
  free(a);
  a = launder(a);
  memcpy(a, a + 8, 8);
  __asm__ volatile("" : : : "memory");
  free(launder(d->b));
}

int main(void) {
  expect_warden();

#if !LINK_CASES
  /* The first word, where free-list links would go, one in the middle, the
   * last usable byte and the canary's first byte. */
  static const size_t offsets[] = {0, 8, USABLE / 2 + 3, USABLE - 1, USABLE};
  char *victim = launder(malloc(USABLE));
  for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
    late_write_t w = {victim, offsets[k]};
    expect_death(write_while_quarantined, &w, SIGABRT, "warden: write after free: %p (medium, block %d)",
                 (void *)victim, BLOCK);
  }
  late_write_t middle = {victim, USABLE / 2};
  expect_death(write_then_check, &middle, SIGABRT,
               "warden: heap check failed: quarantined block zero: %p (medium, block %d)", (void *)victim, BLOCK);
  return 0;
#endif

  void *before = launder(malloc(100000));
  char *a = launder(malloc(100000));
  char *b = launder(malloc(100000));
  void *after = launder(malloc(100000));
  char *c = launder(malloc(100000));
  void *guard = launder(malloc(100000));
  (void)before;
  (void)after;
  (void)guard;
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
  if ((uintptr_t)c == (uintptr_t)a - BLOCK || (uintptr_t)c == (uintptr_t)b + BLOCK) {
    fprintf(stderr, "c is next to a or b: %p %p %p\n", (void *)a, (void *)b, (void *)c);
    return 1;
  }
  copied_t copy = {a, b, c};
  expect_death(free_copy_link_free_neighbour, &copy, SIGABRT,
               "warden: free list corrupted: %p (medium, unknown block)", (void *)a);
  return 0;
}
