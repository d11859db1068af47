/* A dangling write into a freed medium block lands on its free-list links,
 * which are stored encoded with a secret: the next list operation on the
 * block decodes garbage and stops, instead of following a planted
 * pointer. Here that operation is the merge when its neighbour is freed.
 * A link is also tied to the word it is stored in: a valid link copied
 * over another word decodes to garbage there too. */
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
