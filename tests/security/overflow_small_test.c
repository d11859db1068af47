/* Writes past the usable end of a small slot land in its canary, which is
 * checked when the slot is freed (or moved by realloc). */
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

typedef struct overflow {
  char *p;
  size_t past; /* first byte written, counted from the usable end */
  size_t len;
  int flip; /* invert the bytes instead of writing 'A' */
} overflow_t;

/* A check can only see a write that changes the canary. Its first byte is
 * zero (so that a string copy's terminator lands on it unchanged): 'A'
 * always changes it. Its other bytes are keyed and random, and one of them
 * equals 'A' in 1 run of 256, where writing 'A' over it changes nothing at
 * all; a write that does not start at the first byte inverts the bytes
 * instead, which changes them whatever they hold. */
__attribute__((noinline)) static void smash(const overflow_t *o) {
  char *p = launder(o->p);
  char *at = p + malloc_usable_size(p) + o->past;
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
  free(launder(o->p));
}

static void overflow_then_realloc(void *ctx) {
  const overflow_t *o = ctx;
  smash(o);
  void *q = realloc(launder(o->p), 4000);
  (void)launder(q);
}

int main(void) {
  expect_warden();

  char *p = launder(malloc(24));
  overflow_t one = {p, 0, 1, 0};
  expect_death(overflow_then_free, &one, SIGABRT, "warden: canary overwritten: %p (small, class 32)",
               (void *)p);
  overflow_t eight = {p, 0, 8, 0};
  expect_death(overflow_then_free, &eight, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);
  overflow_t last_byte = {p, 7, 1, 1};
  expect_death(overflow_then_free, &last_byte, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);
  expect_death(overflow_then_realloc, &one, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);

  char *mid = launder(malloc(1000));
  overflow_t mid_eight = {mid, 0, 8, 0};
  expect_death(overflow_then_free, &mid_eight, SIGABRT,
               "warden: canary overwritten: %p (small, class 1024)", (void *)mid);

  char *aligned = launder(aligned_alloc(64, 64));
  overflow_t aligned_one = {aligned, 0, 1, 0};
  expect_death(overflow_then_free, &aligned_one, SIGABRT,
               "warden: canary overwritten: %p (small, class 128)", (void *)aligned);
  return 0;
}
