/* Overflows out of a medium block hit its canary first, then its footer,
 * then the next block's header and checksum. Each is caught before a
 * corrupted tag is used: the canary (keyed, whatever value is written)
 * when the block is freed or resized and by the heap check, the footer
 * when the block is freed or resized, the next header when the block is
 * freed (it is checked before a merge), and a footer forged to look free
 * when the next block is freed (and, in the default build, leaves the
 * quarantine). */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"
#include "warden.h"

/* 100000 bytes + 8 of canary + 24 of tags, rounded to 16; the canary is
 * the word after the usable bytes, the footer the last word of the block,
 * and the next header follows it. */
#define BLOCK 100032
#define USABLE (BLOCK - 32)

typedef struct row {
  char *a, *b;
} row_t;

typedef struct overflow {
  row_t *row;
  size_t past; /* first byte written, counted from a's usable end */
  size_t len;
  int flip; /* invert the bytes instead of writing 'A': the write then
               always changes them, whatever a random canary or checksum
               held */
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
  medium_flush_t f;
  medium_flush_reserve(&f);
  smash(o);
  free(launder(o->row->b));
  medium_flush(&f);
}

static void overflow_then_check(void *ctx) {
  const overflow_t *o = ctx;
  smash(o);
  wd_heap_check();
}

/* The footer's own value written over the canary: a plain tag check would
 * see nothing wrong. */
static void footer_copied_over_canary(void *ctx) {
  const row_t *r = ctx;
  char *a = launder(r->a);
  memcpy(a + USABLE, a + USABLE + 8, 8);
  __asm__ volatile("" : : : "memory");
  free(a);
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
  char *footer = r.a + USABLE + 8;
  char *next_header = r.a + USABLE + 16;

  /* One byte, a word, a run: the canary comes first. Its first byte is
   * zero, so a string copy's terminator alone does not change it: the
   * byte after does. That byte is keyed and random, 'A' in 1 run of 256,
   * so it is inverted rather than written with 'A'. */
  overflow_t one = {&r, 0, 1, 0};
  expect_death(overflow_then_free, &one, SIGABRT, "warden: canary overwritten: %p (medium, block 100032)",
               (void *)r.a);
  overflow_t second = {&r, 1, 1, 1};
  expect_death(overflow_then_free, &second, SIGABRT, "warden: canary overwritten: %p (medium, block 100032)",
               (void *)r.a);
  overflow_t eight = {&r, 0, 8, 0};
  expect_death(overflow_then_free, &eight, SIGABRT, "warden: canary overwritten: %p (medium, block 100032)",
               (void *)r.a);
  expect_death(footer_copied_over_canary, &r, SIGABRT,
               "warden: canary overwritten: %p (medium, block 100032)", (void *)r.a);
  expect_death(overflow_then_grow, &one, SIGABRT, "warden: canary overwritten: %p (medium, block 100032)",
               (void *)r.a);
  expect_death(overflow_then_check, &one, SIGABRT,
               "warden: heap check failed: canary intact: %p (medium, block 100032)", (void *)r.a);
  overflow_t run = {&r, 0, 64, 0};
  expect_death(overflow_then_free, &run, SIGABRT, "warden: canary overwritten: %p (medium, block 100032)",
               (void *)r.a);

  /* Writes that skip the canary (an index past the end, not a run) reach
   * the footer, the next block's header or its checksum. */
  overflow_t footer_only = {&r, 8, 8, 0};
  expect_death(overflow_then_free, &footer_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);
  expect_death(overflow_then_grow, &footer_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, block 100032)", (void *)r.a);
  overflow_t header_only = {&r, 16, 8, 0};
  expect_death(overflow_then_free, &header_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)next_header);
  overflow_t checksum_only = {&r, 24, 1, 1};
  expect_death(overflow_then_free, &checksum_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)next_header);

  /* The footer now claims a free block of absurd size in front of b. */
  expect_death(overflow_then_free_next, &footer_only, SIGABRT,
               "warden: boundary tag corrupted: %p (medium, unknown block)", (void *)footer);
  return 0;
}
