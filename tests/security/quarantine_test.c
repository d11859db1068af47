/*
 * Freed small slots are not handed out again at once: they wait in their
 * class's quarantine, so a dangling pointer keeps pointing at zeroed,
 * unused memory for a while instead of at the next object of the same
 * size. A slot enters the quarantine's random array and leaves it for the
 * FIFO only when a later slot takes its place, so it becomes available
 * again no sooner than 1 + WD_SMALL_QUARANTINE_FIFO later slots of its
 * class have entered the quarantine after it.
 *
 * Frees reach the quarantine through the thread caches, in batches, and a
 * slot that waits in a cache's buffer would prove nothing. Every free here
 * is made by a thread that exits before the checks: its cache hands what it
 * freed to the quarantine then, so exactly the slots freed so far have
 * entered it, in order.
 *
 * The light build has no quarantine: a freed slot is available to the very
 * next allocation.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "expect.h"
#include "src/config.h"

#define CLASS_REQUEST 40 /* class 48 */
#define SLOTS_PER_SLAB 85

#if !WD_LIGHT
/* Available slots of the class that are not ones freed here, at most: the
 * rest of a partly reserved slab, and a full thread-cache bin
 * (TCACHE_BIN_MAX). Allocating that many more than were freed reaches every
 * freed slot that is available. */
#define OTHER_SLOTS (SLOTS_PER_SLAB + 32)
#define HELD WD_SMALL_QUARANTINE_FIFO
/* Enough later frees that a slot is out of the random array but with
 * probability (1 - 1/RANDOM)^(LATER - HELD), about e^-39. */
#define LATER (20 * (WD_SMALL_QUARANTINE_RANDOM + WD_SMALL_QUARANTINE_FIFO))

typedef struct batch {
  void **slots;
  size_t n;
} batch_t;

static void *free_batch(void *arg) {
  const batch_t *b = arg;
  for (size_t i = 0; i < b->n; i++) free(b->slots[i]);
  return NULL;
}

/* Frees the slots in a thread that then exits, which puts all of them into
 * the quarantine, in order. */
static bool free_in_thread(void **slots, size_t n) {
  batch_t b = {slots, n};
  pthread_t t;
  return pthread_create(&t, NULL, free_batch, &b) == 0 && pthread_join(t, NULL) == 0;
}

/* Whether p is among the next n allocations of the class, which stay
 * allocated. */
static bool handed_out(const void *p, size_t n) {
  bool seen = false;
  for (size_t i = 0; i < n; i++) seen |= launder(malloc(CLASS_REQUEST)) == p;
  return seen;
}

static int quarantined(void *ctx) {
  (void)ctx;
  static void *slots[1 + HELD + LATER];
  size_t count = sizeof slots / sizeof slots[0];
  for (size_t i = 0; i < count; i++) slots[i] = launder(malloc(CLASS_REQUEST));
  void *p = slots[0];
  CHECK(free_in_thread(&p, 1));
  /* One short of what could push p out. */
  CHECK(free_in_thread(slots + 1, HELD));
  CHECK(!handed_out(p, 1 + HELD + OTHER_SLOTS));
  /* The quarantine is a delay, not a leak: after many more, p is reused,
   * which also shows that the allocations above would have found it. */
  CHECK(free_in_thread(slots + 1 + HELD, LATER));
  CHECK(handed_out(p, count + OTHER_SLOTS));
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
