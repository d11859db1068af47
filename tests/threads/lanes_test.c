/*
 * Two threads that allocate side by side get slots from different slabs:
 * each small class is dealt out in lanes, one lane per thread cache in turn
 * (src/small.h), so no slab, no slab metadata and no cache line of slots is
 * written by both threads' cores. If the threads drew from one shared list
 * of slabs, their batches would interleave in the same slabs.
 *
 * That stays true when the threads free each other's slots. A slot freed by
 * another thread goes to its own slab's lane, into that lane's quarantine;
 * the freeing thread's cache trades its freed slots for the ones the
 * quarantines let go of, but takes only those of its own lane (small_trade).
 * If it took the others too, it would hand the other thread's slots out
 * again, back in the slabs the other thread writes.
 *
 * The class of 40-byte requests has one-page slabs (85 slots of 48 bytes),
 * so a slot's slab is its page.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define REQUEST 40
#define SLOTS 2000
#define SLAB 4096

static int by_address(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return (x > y) - (x < y);
}

/* How many of b's n slots lie in the same `unit`-aligned block as one of
 * a's n slots: the same slab for SLAB, the very same slot for 1. */
static int slots_sharing(const uintptr_t *b, const uintptr_t *a, int n, uintptr_t unit) {
  uintptr_t *units = malloc((size_t)n * sizeof *units);
  CHECK(units != NULL);
  if (units == NULL) return -1;
  for (int i = 0; i < n; i++) units[i] = a[i] / unit;
  qsort(units, (size_t)n, sizeof units[0], by_address);
  int shared = 0;
  for (int i = 0; i < n; i++) {
    uintptr_t u = b[i] / unit;
    shared += bsearch(&u, units, (size_t)n, sizeof units[0], by_address) != NULL;
  }
  free(units);
  return shared;
}

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

static void test_side_by_side(void) {
  static work_t a, b;
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, 2);
  a.start = b.start = &start;
  pthread_t ta, tb;
  CHECK(pthread_create(&ta, NULL, allocate, &a) == 0 && pthread_create(&tb, NULL, allocate, &b) == 0);
  CHECK(pthread_join(ta, NULL) == 0 && pthread_join(tb, NULL) == 0);
  pthread_barrier_destroy(&start);
  int shared = slots_sharing(a.slots, b.slots, SLOTS, SLAB);
  CHECKF(shared == 0, "%d of %d slots of one thread lie in slabs of the other", shared, SLOTS);
  for (int i = 0; i < SLOTS; i++) {
    free((void *)a.slots[i]);
    free((void *)b.slots[i]);
  }
}

/* Two threads take turns: on its turn a thread frees the batch the other
 * allocated on the turn before, then allocates a batch of its own. Turns,
 * not a race, so every run makes the same calls in the same order. Each
 * thread frees some 4000 of the other's slots, far more than a lane's
 * quarantine holds (64 + 64 slots of this class by default), so its trades
 * meet slots leaving the other lane's quarantine on every turn. */
#define TURNS 32
#define BATCH 256
#define TAKEN (TURNS / 2 * BATCH + 1)

typedef struct trader {
  int first; /* takes the even turns, and its cache is made first */
  uintptr_t taken[TAKEN]; /* every slot it was handed */
  int taken_count;
  int refused; /* NULLs, or slots past `taken` */
} trader_t;

static struct {
  pthread_barrier_t turn;
  uintptr_t batch[BATCH]; /* allocated by one thread, freed by the other */
  trader_t traders[2];
} market;

static uintptr_t take(trader_t *t) {
  uintptr_t p = (uintptr_t)hide_ptr(malloc(REQUEST));
  if (p != 0 && t->taken_count < TAKEN) t->taken[t->taken_count++] = p;
  else t->refused++;
  return p;
}

static void *trade(void *arg) {
  trader_t *t = arg;
  /* Caches are dealt lanes in turn: made one after the other, the two land
   * in different lanes. */
  if (!t->first) pthread_barrier_wait(&market.turn);
  free((void *)take(t));
  if (t->first) pthread_barrier_wait(&market.turn);
  /* Nor does the second's first allocation run beside the first turn. */
  pthread_barrier_wait(&market.turn);
  for (int turn = 0; turn < TURNS; turn++) {
    if ((turn % 2 == 0) == t->first) {
      for (int i = 0; i < BATCH && turn > 0; i++) free((void *)market.batch[i]);
      for (int i = 0; i < BATCH; i++) market.batch[i] = take(t);
    }
    pthread_barrier_wait(&market.turn);
  }
  return NULL;
}

/* Slots in a sorted copy of t's that equal the one before: handed to t
 * again after it was freed. */
static int taken_again(const trader_t *t) {
  static uintptr_t sorted[TAKEN];
  memcpy(sorted, t->taken, (size_t)t->taken_count * sizeof sorted[0]);
  qsort(sorted, (size_t)t->taken_count, sizeof sorted[0], by_address);
  int again = 0;
  for (int i = 1; i < t->taken_count; i++) again += sorted[i] == sorted[i - 1];
  return again;
}

/* With no quarantine (the light build, or WARDEN_OPTIONS), a freed slot
 * goes straight to the freeing thread's cache, whatever its lane: there is
 * no trade to test. */
static int small_quarantine_on(void) {
  const char *options = getenv("WARDEN_OPTIONS");
  return WD_SMALL_QUARANTINE_RANDOM > 0 && (options == NULL || strstr(options, "small_quarantine=0") == NULL);
}

static void test_cross_frees(void) {
  if (WD_SMALL_LANES < 2 || !small_quarantine_on()) {
    printf("cross frees: skipped (%d lanes, small quarantine %s)\n", WD_SMALL_LANES,
           small_quarantine_on() ? "on" : "off");
    return;
  }
  pthread_barrier_init(&market.turn, NULL, 2);
  market.traders[0].first = 1;
  pthread_t threads[2];
  for (int k = 0; k < 2; k++) CHECK(pthread_create(&threads[k], NULL, trade, &market.traders[k]) == 0);
  for (int k = 0; k < 2; k++) CHECK(pthread_join(threads[k], NULL) == 0);
  pthread_barrier_destroy(&market.turn);
  const trader_t *a = &market.traders[0], *b = &market.traders[1];
  CHECKF(a->refused == 0 && b->refused == 0, "%d, %d", a->refused, b->refused);
  CHECK(a->taken_count == TAKEN && b->taken_count == TAKEN);
  /* Freed slots did leave the quarantines and were handed out again (to
   * their own lane's thread): otherwise no trade met a slot leaving the
   * other lane's quarantine, and the check below would hold for nothing. */
  int again_a = taken_again(a), again_b = taken_again(b);
  CHECKF(again_a > 0 && again_b > 0, "slots handed out again: %d to a, %d to b", again_a, again_b);
  /* Sharing a slab is the broken property; sharing the very slot says how
   * many came back to the thread that freed them. */
  int b_in_a = slots_sharing(b->taken, a->taken, TAKEN, SLAB), b_was_a = slots_sharing(b->taken, a->taken, TAKEN, 1);
  int a_in_b = slots_sharing(a->taken, b->taken, TAKEN, SLAB), a_was_b = slots_sharing(a->taken, b->taken, TAKEN, 1);
  CHECKF(b_in_a == 0 && a_in_b == 0,
         "slots handed to one thread in slabs of the other's lane: %d of %d to b (%d of them a's own), "
         "%d of %d to a (%d of them b's own)",
         b_in_a, TAKEN, b_was_a, a_in_b, TAKEN, a_was_b);
  /* The last batch, still live. */
  for (int i = 0; i < BATCH; i++) free((void *)market.batch[i]);
}

int main(void) {
  test_side_by_side();
  test_cross_frees();
  heap_check();
  return check_done();
}
