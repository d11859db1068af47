/*
 * Two-thread harness: the input is split in two programs (fuzz/harness.h)
 * that two threads run at once over one shared table of 32 live blocks, so a
 * block allocated by one thread is often reallocated or freed by the other.
 * Each slot has a harness lock (the allocator's own locking is what is under
 * test; the slot lock only keeps the shadow model coherent). Every
 * operation still ends with wd_heap_check(), which then runs concurrently
 * with the other thread's calls. Whole-heap counts are checked once both
 * threads have finished.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define SLOTS 32
#define OPS_PER_THREAD 64

static slot_t table[SLOTS];
static pthread_barrier_t start;
static bool initialized;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  if (initialized) return 0;
  initialized = true;
  h_initialize(argc, argv, "thread_fuzzer");
  for (unsigned i = 0; i < SLOTS; i++) pthread_mutex_init(&table[i].lock, NULL);
  pthread_barrier_init(&start, NULL, 2);
  return 0;
}

typedef struct worker {
  harness_t h;
  reader_t r;
} worker_t;

static void *work(void *arg) {
  worker_t *w = arg;
  pthread_barrier_wait(&start);
  while (rd_more(&w->r) && w->h.ops < OPS_PER_THREAD) run_op(&w->h, &w->r);
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* Engines that skip LLVMFuzzerInitialize still get working locks. */
  if (!initialized) LLVMFuzzerInitialize(NULL, NULL);
  if (size < 2) return 0;
  /* The first byte says where the second thread's program starts. */
  size_t split = 1 + (size - 1) * data[0] / 256;
  worker_t w[2];
  for (int t = 0; t < 2; t++) {
    w[t].h = (harness_t){.table = table, .slots = SLOTS, .threaded = true};
    w[t].r =
        t == 0 ? (reader_t){data + 1, split - 1, 0} : (reader_t){data + split, size - split, 0};
  }
  pthread_t other;
  if (pthread_create(&other, NULL, work, &w[1]) != 0) h_fail("pthread_create failed");
  work(&w[0]);
  pthread_join(other, NULL);
  /* Quiet again: whatever either thread left live is checked and freed,
   * then the heap must hold nothing. */
  harness_t h = {.table = table, .slots = SLOTS};
  free_all(&h);
  wd_heap_check();
  check_stats(&h, "both threads finished");
  trace_stats();
  return 0;
}
