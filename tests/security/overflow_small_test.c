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
} overflow_t;

__attribute__((noinline)) static void smash(const overflow_t *o) {
  char *p = launder(o->p);
  /* Not a zero byte: the canary's first byte is zero, so that a string
   * copy's terminator would land on it unchanged. */
  memset(p + malloc_usable_size(p) + o->past, 'A', o->len);
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
  overflow_t one = {p, 0, 1};
  expect_death(overflow_then_free, &one, SIGABRT, "warden: canary overwritten: %p (small, class 32)",
               (void *)p);
  overflow_t eight = {p, 0, 8};
  expect_death(overflow_then_free, &eight, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);
  overflow_t last_byte = {p, 7, 1};
  expect_death(overflow_then_free, &last_byte, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);
  expect_death(overflow_then_realloc, &one, SIGABRT,
               "warden: canary overwritten: %p (small, class 32)", (void *)p);

  char *mid = launder(malloc(1000));
  overflow_t mid_eight = {mid, 0, 8};
  expect_death(overflow_then_free, &mid_eight, SIGABRT,
               "warden: canary overwritten: %p (small, class 1024)", (void *)mid);

  char *aligned = launder(aligned_alloc(64, 64));
  overflow_t aligned_one = {aligned, 0, 1};
  expect_death(overflow_then_free, &aligned_one, SIGABRT,
               "warden: canary overwritten: %p (small, class 128)", (void *)aligned);
  return 0;
}
