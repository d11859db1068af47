/*
 * Two threads that allocate side by side get slots from different slabs:
 * each small class is dealt out in lanes, one lane per thread cache in turn
 * (src/small.h), so no slab, no slab metadata and no cache line of slots is
 * written by both threads' cores. If the threads drew from one shared list
 * of slabs, their batches would interleave in the same slabs.
 *
 * The class of 40-byte requests has one-page slabs (85 slots of 48 bytes),
 * so a slot's slab is its page.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define REQUEST 40
#define SLOTS 2000
#define SLAB 4096

typedef struct work {
  uintptr_t slots[SLOTS];
  pthread_barrier_t *start;
} work_t;

static void *allocate(void *arg) {
  work_t *w = arg;
  /* The thread's cache exists before the race starts. */
  free(hide_ptr(malloc(REQUEST)));
  pthread_barrier_wait(w->start);
  for (int i = 0; i < SLOTS; i++) w->slots[i] = (uintptr_t)hide_ptr(malloc(REQUEST));
  return NULL;
}

static int by_address(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return (x > y) - (x < y);
}

int main(void) {
  static work_t a, b;
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  a.start = b.start = &start;
  pthread_t ta, tb;
  CHECK(pthread_create(&ta, NULL, allocate, &a) == 0 && pthread_create(&tb, NULL, allocate, &b) == 0);
  CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
  /* Every slab of b's slots, sorted; no slot of a may lie in one of them. */
  static uintptr_t slabs_b[SLOTS];
  for (int i = 0; i < SLOTS; i++) slabs_b[i] = b.slots[i] / SLAB;
  qsort(slabs_b, SLOTS, sizeof slabs_b[0], by_address);
  int shared = 0;
  for (int i = 0; i < SLOTS; i++) {
    uintptr_t slab = a.slots[i] / SLAB;
    shared += bsearch(&slab, slabs_b, SLOTS, sizeof slabs_b[0], by_address) != NULL;
  }
  CHECKF(shared == 0, "%d of %d slots of one thread lie in slabs of the other", shared, SLOTS);
  for (int i = 0; i < SLOTS; i++) {
    free((void *)a.slots[i]);
    free((void *)b.slots[i]);
  }
  heap_check();
  return check_done();
}
