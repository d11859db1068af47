/*
 * wd_heap_check and wd_get_stats while other threads allocate and free.
 *
 * The checker walks each tier under that tier's own locks (src/check.c), so
 * a program may call it at any time: everything it can see must be a
 * consistent state, never a block caught half handed out. A false report
 * ends the process with "warden: heap check failed: ...", which fails the
 * test; so does a snapshot of the statistics that does not add up.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "src/config.h"
#include "src/medium_block.h"
#include "tests/api/check.h"
#include "warden.h"

/* Bytes of blocks, live or free, in one medium chunk. */
#define CHUNK_BLOCKS (((size_t)1 << WD_MEDIUM_CHUNK_SHIFT) - (MB_FIRST + MB_TAIL) * MB_WORD)

#define WORKERS 3
#define MIB ((size_t)1 << 20)
/* The test ends after this much work, however long it takes: at least this
 * many heap checks while the workers, together, did at least this many
 * operations. A second or two on an idle machine. */
#define MIN_CHECKS 100
#define MIN_OPS 200000
/* Far above that, also on a loaded machine: only a deadlock reaches it. */
#define WATCHDOG_SECONDS 50

static atomic_int stop;
/* Operations done by all workers so far, published every 256 of them. */
static atomic_ulong progress;

static size_t worker_size(rng_t *r) {
  switch (rng_below(r, 8)) {
    case 0: return 16376;
    case 1: return 1 + rng_below(r, 16376);
    case 2: return 16377 + rng_below(r, 200000);
    case 3: return rng_below(r, 40) == 0 ? MIB + 1 + rng_below(r, MIB) : 24;
    default: return 1 + rng_below(r, 1024);
  }
}

static void *worker(void *arg) {
  rng_t rng = {(uint64_t)(uintptr_t)arg};
  void *held[32] = {0};
  unsigned long ops = 0;
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    size_t k = rng_below(&rng, 32);
    if (held[k] != NULL) {
      free(held[k]);
      held[k] = NULL;
    } else {
      size_t n = worker_size(&rng);
      held[k] = malloc(n);
      if (held[k] != NULL) memset(held[k], 0x42, n < 256 ? n : 256);
    }
    if (++ops % 256 == 0) atomic_fetch_add_explicit(&progress, 256, memory_order_relaxed);
  }
  for (size_t k = 0; k < 32; k++) free(held[k]);
  return (void *)(uintptr_t)ops;
}

int main(void) {
  alarm(WATCHDOG_SECONDS);
  pthread_t threads[WORKERS];
  for (uintptr_t i = 0; i < WORKERS; i++) {
    CHECK(pthread_create(&threads[i], NULL, worker, (void *)(i + 1)) == 0);
  }
  unsigned long checks = 0, bad_stats = 0;
  do {
    heap_check();
    wd_stats_t s;
    CHECK(wd_get_stats(&s) == 0);
    /* The medium numbers come from one locked snapshot of the tier: its
     * chunks are exactly their live, free and quarantined blocks. */
    if (s.medium_bytes + s.medium_free_bytes + s.medium_quarantined_bytes != s.medium_chunks * CHUNK_BLOCKS) {
      bad_stats++;
    }
    checks++;
  } while (checks < MIN_CHECKS || atomic_load_explicit(&progress, memory_order_relaxed) < MIN_OPS);
  atomic_store(&stop, 1);
  unsigned long ops = 0;
  for (int i = 0; i < WORKERS; i++) {
    void *done = NULL;
    CHECK(pthread_join(threads[i], &done) == 0);
    ops += (unsigned long)(uintptr_t)done;
  }
  CHECKF(bad_stats == 0, "%lu of %lu statistics snapshots inconsistent", bad_stats, checks);
  heap_check();
  printf("%lu heap checks during %lu operations\n", checks, ops);
  return check_done();
}
