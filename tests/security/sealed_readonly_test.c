/*
 * State fixed at initialization (secrets, options, tier ranges, the bounds
 * of the thread caches) is read-only afterwards: a stray or malicious write
 * to it faults instead of silently moving a range check, replacing a key or
 * letting a cache write past its arrays. Sealed in both builds.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "expect.h"
#include "src/sealed.h"
#include "src/tcache.h"

static void overwrite_key(void *ctx) {
  (void)ctx;
  *(volatile uint64_t *)launder(&sealed.keys.canary) = 0;
}

static void widen_small_range(void *ctx) {
  (void)ctx;
  *(volatile uintptr_t *)launder(&sealed.small_end) = UINTPTR_MAX;
}

static void widen_medium_range(void *ctx) {
  (void)ctx;
  *(volatile uintptr_t *)launder(&sealed.medium_end) = UINTPTR_MAX;
}

static void disable_quarantine(void *ctx) {
  (void)ctx;
  *(volatile uint32_t *)launder(&sealed.options.small_quarantine) = 0;
}

/* Reached the way the fast path reads it: a cap above TCACHE_BIN_MAX would
 * let a refill write past the bin's arrays. */
static void raise_bin_cap(void *ctx) {
  (void)ctx;
  uint8_t *caps = launder((void *)(uintptr_t)tcache_bin_caps());
  ((volatile uint8_t *)caps)[1] = UINT8_MAX;
}

static void swap_exit_key(void *ctx) {
  (void)ctx;
  *(volatile pthread_key_t *)launder(&sealed.tcache_exit_key) = 0;
}

int main(void) {
  expect_warden();
  free(malloc(1)); /* the heap is initialized and sealed */
  expect_death(overwrite_key, NULL, SIGSEGV, NULL);
  expect_death(widen_small_range, NULL, SIGSEGV, NULL);
  expect_death(widen_medium_range, NULL, SIGSEGV, NULL);
  expect_death(disable_quarantine, NULL, SIGSEGV, NULL);
  expect_death(raise_bin_cap, NULL, SIGSEGV, NULL);
  expect_death(swap_exit_key, NULL, SIGSEGV, NULL);
  return 0;
}
