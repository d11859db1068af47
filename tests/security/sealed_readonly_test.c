/*
 * State fixed at initialization (secrets, options, tier ranges) is read-only
 * afterwards: a stray or malicious write to it faults instead of silently
 * moving a range check or replacing a key. Sealed in both builds.
 */
#include <signal.h>
#include <stdlib.h>

#include "expect.h"
#include "src/sealed.h"

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

int main(void) {
  expect_warden();
  free(malloc(1)); /* the heap is initialized and sealed */
  expect_death(overwrite_key, NULL, SIGSEGV, NULL);
  expect_death(widen_small_range, NULL, SIGSEGV, NULL);
  expect_death(widen_medium_range, NULL, SIGSEGV, NULL);
  expect_death(disable_quarantine, NULL, SIGSEGV, NULL);
  return 0;
}
