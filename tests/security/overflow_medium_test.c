/* Overflows out of a medium block hit its footer first, then the next
 * block's header and checksum. Each is caught before a corrupted tag is
 * used: the footer when the block is freed or resized, the next header
 * when the block is freed (it is checked before a merge), and a footer
 * forged to look free when the next block is freed. */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

/* 100000 bytes + 24 of tags, rounded to 16; the footer is the last word of
 * the block and the next header follows it. */
#define BLOCK 100032
#define USABLE (BLOCK - 24)

typedef struct row {
  char *a, *b;
} row_t;

typedef struct overflow {
  row_t *row;
  size_t past; /* first byte written, counted from a's usable end */
  size_t len;
  int flip; /* invert the bytes instead of writing 'A': the write then
               always changes them, whatever a random checksum held */
} overflow_t;

/* 'A' is odd: a tag overwritten with it reads as a free block. */
__attribute__((noinline)) static void smash(const overflow_t *o) {
  char *a = launder(o->row->a);
  char *at = a + malloc_usable_size(a) + o->past;
  if (o->flip) {
    for (size_t k = 0; k < o->len; k++) at[k] = (char)~at[k];
  } else {
    memset(at, 'A', o->len);
  }
  __asm__ volatile("" : : : "memory");
}

static void overflow_then_free(void *ctx) {
  const overflow_t *o = ctx;
  smash(o);
  free(launder(o->row->a));
}

static void overflow_then_grow(void *ctx) {
  const overflow_t *o = ctx;
  smash(o);
  void *q = realloc(launder(o->row->a), 100500);
  (void)launder(q);
}

static void overflow_then_free_next(void *ctx) {
  const overflow_t *o = ctx;
  smash(o);
  free(launder(o->row->b));
}

int main(void) {
  expect_warden();

  void *before = launder(malloc(100000));
  row_t r = {launder(malloc(100000)), launder(malloc(100000))};
  void *after = launder(malloc(100000));
  if (malloc_usable_size(r.a) != USABLE || r.b - r.a != BLOCK) {
    fprintf(stderr, "unexpected layout: usable %zu, %p %p\n", malloc_usable_size(r.a), (void *)r.a,
            (void *)r.b);
    return 1;
  }
  (void)before;
  (void)after;
  char *footer = r.a + USABLE;
  char *next_header = r.a + USABLE + 8;

  overflow_t one = {&r, 0, 1, 0};
  expect_death(overflow_then_free, &one, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);
  overflow_t eight = {&r, 0, 8, 0};
  expect_death(overflow_then_free, &eight, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);
  expect_death(overflow_then_grow, &one, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);

  /* A run that covers the footer and the next header: the block's own
   * footer is checked first. */
  overflow_t run = {&r, 0, 64, 0};
  expect_death(overflow_then_free, &run, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);

  /* Writes that skip the footer (an index past the end, not a run) reach
   * the next block's header or its checksum. */
  overflow_t header_only = {&r, 8, 8, 0};
  expect_death(overflow_then_free, &header_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)next_header);
  overflow_t checksum_only = {&r, 16, 1, 1};
  expect_death(overflow_then_free, &checksum_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)next_header);

  /* The footer now claims a free block of absurd size in front of b. */
  expect_death(overflow_then_free_next, &eight, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)footer);
  return 0;
}
