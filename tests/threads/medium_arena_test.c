/*
 * Medium arenas: threads take their blocks from different arenas (each an
 * equal share of the medium range, so blocks of two arenas lie at least a
 * chunk apart, while blocks of one arena's first chunk lie within one), a
 * block freed by a thread of another arena goes back to its owner (the
 * checker walks every arena's lists), and threads on all arenas churn and
 * trade blocks at once with the heap sound afterwards.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define KIB ((size_t)1024)
#define CHUNK ((size_t)1 << WD_MEDIUM_CHUNK_SHIFT)

static size_t distance(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return x > y ? x - y : y - x;
}

static void *alloc_two(void *arg) {
  void **out = arg;
  out[0] = malloc(hide_size(100 * KIB));
  out[1] = malloc(hide_size(100 * KIB));
  return NULL;
}

static void test_threads_get_different_arenas(void) {
  void *first[2], *second[2];
  pthread_t t;
  /* One after the other: consecutive threads are given consecutive arenas. */
  pthread_create(&t, NULL, alloc_two, first);
  pthread_join(t, NULL);
  pthread_create(&t, NULL, alloc_two, second);
  pthread_join(t, NULL);
  if (!CHECK(first[0] != NULL && first[1] != NULL && second[0] != NULL && second[1] != NULL)) return;
  /* One thread's two blocks come from one chunk of its arena. */
  CHECKF(distance(first[0], first[1]) < CHUNK, "one thread's blocks %p and %p", first[0], first[1]);
  CHECKF(distance(first[0], second[0]) >= CHUNK, "two threads' blocks %p and %p share an arena", first[0],
         second[0]);
  /* Freed here, by a third thread of yet another arena. */
  for (int k = 0; k < 2; k++) {
    free(first[k]);
    free(second[k]);
  }
  heap_check();
}

typedef struct handover {
  unsigned char *p[16];
  size_t n[16];
} handover_t;

static void *alloc_many(void *arg) {
  handover_t *h = arg;
  for (size_t k = 0; k < 16; k++) {
    h->n[k] = (20 + 37 * k) * KIB;
    h->p[k] = malloc(hide_size(h->n[k]));
    if (h->p[k] != NULL) pattern_fill(h->p[k], h->n[k], k);
  }
  return NULL;
}

static void test_cross_arena_free(void) {
  /* This thread's arena is in use before the other thread's blocks come. */
  void *mine = malloc(hide_size(64 * KIB));
  handover_t h;
  pthread_t t;
  pthread_create(&t, NULL, alloc_many, &h);
  pthread_join(t, NULL);
  wd_stats_t before;
  wd_get_stats(&before);
  size_t wrong = 0;
  for (size_t k = 0; k < 16; k++) {
    if (!CHECK(h.p[k] != NULL)) return;
    wrong += pattern_mismatch(h.p[k], h.n[k], k) != SIZE_MAX;
  }
  CHECK(wrong == 0);
  CHECKF(distance(mine, h.p[0]) >= CHUNK, "blocks %p and %p share an arena", mine, h.p[0]);
  /* Every other block first, so that the owner's lists must merge the rest
   * into them: a free filed in the wrong arena's lists fails the check. */
  for (size_t k = 0; k < 16; k += 2) free(h.p[k]);
  heap_check();
  for (size_t k = 1; k < 16; k += 2) free(h.p[k]);
  heap_check();
  wd_stats_t after;
  wd_get_stats(&after);
  CHECK(after.medium_live == before.medium_live - 16);
  /* The heap serves new requests afterwards, from another new thread. */
  pthread_create(&t, NULL, alloc_many, &h);
  pthread_join(t, NULL);
  for (size_t k = 0; k < 16; k++) {
    if (!CHECK(h.p[k] != NULL)) return;
    wrong += pattern_mismatch(h.p[k], h.n[k], k) != SIZE_MAX;
    free(h.p[k]);
  }
  CHECK(wrong == 0);
  free(mine);
  heap_check();
}

#define CHURN_THREADS (2 * WD_MEDIUM_ARENAS)
/* Every free zeroes its block (half a megabyte on average here, most of it
 * never touched, so each free also faults its pages in): 1500 operations
 * per thread take about 6 s of CPU in the default build. */
#define CHURN_OPS 1500
#define SLOTS 64

static _Atomic(unsigned char *) shared[SLOTS];

static void *churn(void *arg) {
  rng_t r = {(uint64_t)(uintptr_t)arg * 7919 + 1};
  unsigned char *own[8] = {0};
  size_t bad = 0;
  for (int op = 0; op < CHURN_OPS; op++) {
    size_t n = 17 * KIB + rng_below(&r, 1000 * KIB);
    unsigned char *p = malloc(hide_size(n));
    if (p == NULL) {
      bad++;
      continue;
    }
    /* Its size in its first word, so whoever frees it can check it. */
    memcpy(p, &n, sizeof n);
    p[n - 1] = (unsigned char)n;
    size_t k = rng_below(&r, 8);
    if (own[k] != NULL) free(own[k]);
    /* Half the blocks change hands: freed by whichever thread takes them. */
    own[k] = rng_below(&r, 2) ? atomic_exchange(&shared[rng_below(&r, SLOTS)], p) : p;
    if (own[k] != NULL) {
      size_t m;
      memcpy(&m, own[k], sizeof m);
      bad += own[k][m - 1] != (unsigned char)m;
    }
  }
  for (size_t k = 0; k < 8; k++) free(own[k]);
  return (void *)bad;
}

static void test_concurrent_churn(void) {
  wd_stats_t before;
  wd_get_stats(&before);
  pthread_t t[CHURN_THREADS];
  for (uintptr_t k = 0; k < CHURN_THREADS; k++) pthread_create(&t[k], NULL, churn, (void *)k);
  size_t bad = 0;
  for (size_t k = 0; k < CHURN_THREADS; k++) {
    void *ret;
    pthread_join(t[k], &ret);
    bad += (size_t)(uintptr_t)ret;
  }
  CHECKF(bad == 0, "%zu blocks lost or damaged", bad);
  for (size_t k = 0; k < SLOTS; k++) free(atomic_exchange(&shared[k], NULL));
  heap_check();
  wd_stats_t after;
  wd_get_stats(&after);
  CHECKF(after.medium_live == before.medium_live, "medium live %zu -> %zu", before.medium_live, after.medium_live);
}

int main(void) {
  test_threads_get_different_arenas();
  test_cross_arena_free();
  test_concurrent_churn();
  return check_done();
}
