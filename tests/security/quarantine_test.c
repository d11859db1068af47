/*
 * Freed small slots are not handed out again at once: they wait in a
 * quarantine, so a dangling pointer keeps pointing at zeroed, unused memory
 * for a while instead of at the next object of the same size. The light
 * build has no quarantine: a freed slot is available to the very next
 * allocation.
 */
#include <stdint.h>
#include <stdlib.h>

#include "expect.h"

#define CLASS_REQUEST 40 /* class 48 */
#define SLOTS_PER_SLAB 85

#if !WD_LIGHT
static int quarantined(void *ctx) {
  (void)ctx;
  void *p = launder(malloc(CLASS_REQUEST));
  free(p);
  /* With no other free in the class, p never leaves the random quarantine
   * array: none of many later allocations may return it. */
  for (int i = 0; i < 20 * SLOTS_PER_SLAB; i++) {
    void *q = launder(malloc(CLASS_REQUEST));
    CHECK(q != p);
  }
  return 0;
}
#endif

#if WD_LIGHT
static int reused_at_once(void *ctx) {
  (void)ctx;
  /* Fill a slab but one slot, then free one: it is the only available slot
   * of the class, so the next allocation must take it. */
  void *p = NULL;
  for (int i = 0; i < SLOTS_PER_SLAB; i++) p = launder(malloc(CLASS_REQUEST));
  free(p);
  CHECK(launder(malloc(CLASS_REQUEST)) == p);
  return 0;
}
#endif

int main(void) {
  expect_warden();
#if WD_LIGHT
  expect_survives("light: no quarantine", reused_at_once, NULL);
#else
  expect_survives("freed slot held in quarantine", quarantined, NULL);
#endif
  return 0;
}
