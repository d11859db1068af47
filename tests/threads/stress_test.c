/*
 * Threads allocating, resizing and freeing blocks of every tier at once,
 * handing blocks to each other through a shared exchange so that many
 * blocks are freed by a thread other than the one that allocated them.
 *
 * Every block carries a pattern derived from (owner thread, block id) and is
 * verified before each realloc and free, by whichever thread holds it then:
 * two threads given the same memory, or a block damaged by a neighbour's
 * metadata, show up as a mismatch. The heap checker walks everything at the
 * end. The test links //:warden, so the threads' own bookkeeping (and the
 * C library's, e.g. thread creation) goes through Warden too.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "tests/api/check.h"
#include "warden.h"

#define THREADS 6
#define OPS_PER_THREAD 150000
#define OWN 64         /* blocks each thread holds at a time */
#define EXCHANGE 32    /* slots of the shared exchange */
#define MIB ((size_t)1 << 20)
#define WATCHDOG_SECONDS 240
/* Blocks above this carry the pattern only in their first and last pages
 * and in one word per page: it still tells blocks apart and catches a
 * mapping or block shared by two owners, at a cost that fits the time. */
#define FULL_PATTERN_MAX ((size_t)65536)

typedef struct block {
  unsigned char *p;
  size_t n;
  uint64_t tag; /* (thread << 32) | id */
} block_t;

/* A block in transit: the descriptor is itself allocated by the giver and
 * freed by the taker. */
typedef struct handoff {
  block_t block;
} handoff_t;

static _Atomic(handoff_t *) exchange[EXCHANGE];
static atomic_ulong mismatches, failures, cross_frees;

static void mark(const block_t *b) {
  if (b->n <= FULL_PATTERN_MAX) {
    pattern_fill(b->p, b->n, b->tag);
    return;
  }
  pattern_fill(b->p, 4096, b->tag);
  pattern_fill(b->p + b->n - 4096, 4096, b->tag + 1);
  for (size_t off = 4096; off + 8 <= b->n - 4096; off += 4096) memcpy(b->p + off, &b->tag, 8);
}

static int intact(const block_t *b) {
  if (b->n <= FULL_PATTERN_MAX) return pattern_mismatch(b->p, b->n, b->tag) == SIZE_MAX;
  if (pattern_mismatch(b->p, 4096, b->tag) != SIZE_MAX) return 0;
  if (pattern_mismatch(b->p + b->n - 4096, 4096, b->tag + 1) != SIZE_MAX) return 0;
  for (size_t off = 4096; off + 8 <= b->n - 4096; off += 4096) {
    if (memcmp(b->p + off, &b->tag, 8) != 0) return 0;
  }
  return 1;
}

static void verify(const block_t *b) {
  if (!intact(b)) atomic_fetch_add(&mismatches, 1);
}

static size_t pick_size(rng_t *r) {
  size_t k = rng_below(r, 1000);
  if (k < 8) return MIB + 1 + rng_below(r, MIB);       /* large */
  if (k < 120) return 16377 + rng_below(r, 200000);    /* medium */
  if (k < 135) return 16300 + rng_below(r, 200);       /* small/medium boundary */
  if (k < 140) return 0;
  return 1 + rng_below(r, rng_below(r, 4) == 0 ? 16376 : 512); /* small */
}

static int fill_block(block_t *b, rng_t *r, unsigned thread, uint64_t id) {
  size_t n = pick_size(r);
  unsigned char *p;
  switch (rng_below(r, 4)) {
    case 0: p = calloc(1, n); break;
    case 1: p = aligned_alloc((size_t)64 << rng_below(r, 7), n); break;
    default: p = malloc(n); break;
  }
  if (p == NULL) {
    atomic_fetch_add(&failures, 1);
    return 0;
  }
  *b = (block_t){p, n, ((uint64_t)thread << 32) | id};
  mark(b);
  return 1;
}

typedef struct worker {
  unsigned id;
  pthread_t thread;
} worker_t;

static void *work(void *arg) {
  const worker_t *w = arg;
  rng_t rng = {0x5eed0000u + w->id};
  block_t own[OWN];
  memset(own, 0, sizeof own);
  uint64_t next_id = 1;
  for (unsigned op = 0; op < OPS_PER_THREAD; op++) {
    block_t *b = &own[rng_below(&rng, OWN)];
    if (b->p == NULL) {
      fill_block(b, &rng, w->id, next_id++);
      continue;
    }
    verify(b);
    size_t action = rng_below(&rng, 10);
    if (action < 3) {
      free(b->p);
      b->p = NULL;
    } else if (action < 6) {
      size_t n = pick_size(&rng);
      if (n == 0) n = 1;
      unsigned char *q = realloc(b->p, n);
      if (q == NULL) {
        atomic_fetch_add(&failures, 1);
        continue;
      }
      /* The kept prefix moved with the block (every block's first page,
       * or all of a smaller one, carries the full pattern). */
      size_t keep = b->n < n ? b->n : n;
      if (keep > 4096) keep = 4096;
      if (pattern_mismatch(q, keep, b->tag) != SIZE_MAX) atomic_fetch_add(&mismatches, 1);
      *b = (block_t){q, n, ((uint64_t)w->id << 32) | next_id++};
      mark(b);
    } else {
      /* Hand the block over and free whatever was waiting in that slot. */
      handoff_t *h = malloc(sizeof *h);
      if (h == NULL) {
        atomic_fetch_add(&failures, 1);
        continue;
      }
      h->block = *b;
      b->p = NULL;
      handoff_t *got = atomic_exchange(&exchange[rng_below(&rng, EXCHANGE)], h);
      if (got != NULL) {
        verify(&got->block);
        if ((got->block.tag >> 32) != w->id) atomic_fetch_add(&cross_frees, 1);
        free(got->block.p);
        free(got);
      }
    }
  }
  for (size_t i = 0; i < OWN; i++) {
    if (own[i].p == NULL) continue;
    verify(&own[i]);
    free(own[i].p);
  }
  return NULL;
}

int main(void) {
  /* Bounded by its work (THREADS x OPS_PER_THREAD); the alarm, far above the
   * normal run time and below Bazel's timeout, only turns a deadlock into a
   * failure that names it. */
  alarm(WATCHDOG_SECONDS);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  wd_stats_t before;
  wd_get_stats(&before);

  static worker_t workers[THREADS];
  for (unsigned i = 0; i < THREADS; i++) {
    workers[i].id = i;
    CHECK(pthread_create(&workers[i].thread, NULL, work, &workers[i]) == 0);
  }
  for (unsigned i = 0; i < THREADS; i++) CHECK(pthread_join(workers[i].thread, NULL) == 0);
  for (size_t i = 0; i < EXCHANGE; i++) {
    handoff_t *h = atomic_exchange(&exchange[i], NULL);
    if (h == NULL) continue;
    verify(&h->block);
    free(h->block.p);
    free(h);
  }

  CHECKF(atomic_load(&mismatches) == 0, "%lu blocks lost their pattern", atomic_load(&mismatches));
  CHECKF(atomic_load(&failures) == 0, "%lu allocations failed", atomic_load(&failures));
  CHECKF(atomic_load(&cross_frees) > 1000, "only %lu cross-thread frees: the exchange did not mix",
         atomic_load(&cross_frees));
  heap_check();

  /* Every medium and large block went back (the C library's own thread
   * bookkeeping only uses small sizes). */
  wd_stats_t after;
  wd_get_stats(&after);
  CHECKF(after.medium_live == before.medium_live, "medium_live %zu, was %zu", after.medium_live,
         before.medium_live);
  CHECKF(after.large_live == before.large_live, "large_live %zu, was %zu", after.large_live, before.large_live);

  clock_gettime(CLOCK_MONOTONIC, &end);
  double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  printf("%d threads x %d operations, %lu cross-thread frees, %.1f s\n", THREADS, OPS_PER_THREAD,
         atomic_load(&cross_frees), seconds);
  return check_done();
}
