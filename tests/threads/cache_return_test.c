/*
 * A thread's cache goes back to the classes when the thread exits, also for
 * a thread that only freed: a thousand short-lived threads that each
 * allocate or free a batch of small objects leave no slots stranded. If
 * caches were lost at exit, every thread would strand up to a full bin of
 * reserved slots and a full buffer of freed ones, and the heap would keep
 * carving new slabs.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>

#include "tests/api/check.h"
#include "warden.h"

#define THREADS 1000
#define BATCH 50
#define REQUEST 40

static void *allocate_batch(void *arg) {
  void **out = arg;
  for (int i = 0; i < BATCH; i++) out[i] = hide_ptr(malloc(REQUEST));
  return NULL;
}

static void *free_batch(void *arg) {
  void **in = arg;
  for (int i = 0; i < BATCH; i++) free(in[i]);
  return NULL;
}

static void run(void *(*fn)(void *), void *arg) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fn, arg) == 0);
  CHECK(pthread_join(t, NULL) == 0);
}

int main(void) {
  CHECK(malloc_usable_size(hide_ptr(malloc(1))) == 8);
  static void *batch[BATCH];
  wd_stats_t before, after;
  CHECK(wd_get_stats(&before) == 0);
  for (int t = 0; t < THREADS; t++) {
    run(allocate_batch, batch); /* allocates only */
    run(free_batch, batch);     /* frees only */
  }
  heap_check();
  CHECK(wd_get_stats(&after) == 0);
  /* The C library keeps a few small blocks per cached thread stack; a lost
   * cache would be off by a whole batch per thread. */
  CHECKF(after.small_live - before.small_live < BATCH, "live grew by %zu", after.small_live - before.small_live);
  /* 50 objects of 48 bytes fill under one slab; every slot must have come
   * back for reuse, so the slab count stays far below one slab per thread. */
  CHECKF(after.small_slabs - before.small_slabs < 64, "slabs grew by %zu",
         after.small_slabs - before.small_slabs);
  return check_done();
}
