/*
 * realloc keeps the contents up to the smaller of the old and new sizes,
 * whichever tiers the block moves between, and resizes medium blocks in
 * place when the memory next to them allows.
 */
#include "src/config.h"
#include "tests/api/api_names.h"

/* Fills the old request, resizes, and checks what must have survived; then
 * uses the whole new block, so a usable size that overstates the resized
 * block shows up when it is freed. Returns the new block. */
static void *resize_checked(void *p, size_t old, size_t n, uint64_t seed) {
  pattern_fill(p, old, seed);
  void *q = realloc(p, hide_size(n));
  CHECKF(q != NULL, "realloc(%zu -> %zu)", old, n);
  if (q == NULL) return p;
  CHECKF((uintptr_t)q % 16 == 0, "realloc(%zu -> %zu) = %p", old, n, q);
  size_t keep = old < n ? old : n;
  size_t bad = pattern_mismatch(q, keep, seed);
  CHECKF(bad == SIZE_MAX, "realloc(%zu -> %zu): byte %zu of %zu not kept", old, n, bad, keep);
  size_t usable = malloc_usable_size(q);
  CHECKF(usable >= n, "realloc(%zu -> %zu): usable %zu", old, n, usable);
  pattern_fill(q, usable, seed + 1);
  return q;
}

static void test_tier_transitions(void) {
  static const size_t moves[][2] = {
      /* small -> small, within and across classes */
      {10, 20}, {20, 10}, {20, 24}, {100, 1000}, {1000, 100}, {1, 16376}, {16376, 1},
      /* small <-> medium, at the boundary and far from it */
      {16376, 16377}, {16377, 16376}, {1000, 20000}, {20000, 1000}, {8, 500000},
      /* medium -> medium */
      {20000, 40000}, {40000, 20000}, {16377, MEDIUM_LAST}, {MEDIUM_LAST, 16377}, {300000, 300001},
      /* medium <-> large */
      {MEDIUM_LAST, MEDIUM_LAST + 1}, {MEDIUM_LAST + 1, MEDIUM_LAST}, {500000, 3 * MIB},
      {3 * MIB, 500000},
      /* large -> large, same pages and different pages */
      {MEDIUM_LAST + 1, MEDIUM_LAST + 2}, {2 * MIB, 3 * MIB}, {3 * MIB, 2 * MIB + 7},
      /* large -> small, and small -> large */
      {2 * MIB, 100}, {2 * MIB, 1}, {100, 2 * MIB}, {0, 2 * MIB},
      /* malloc(0) grows */
      {0, 1}, {0, 20000},
  };
  for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
    size_t old = moves[i][0], n = moves[i][1];
    void *p = malloc(hide_size(old));
    CHECK(p != NULL);
    if (p == NULL) continue;
    p = resize_checked(p, old, n, i * 7919);
    free(p);
  }
}

/* One block walked up through every tier and back down, so each step
 * starts from a block that realloc itself produced. */
static void test_chain(void) {
  size_t old = 1;
  void *p = malloc(old);
  uint64_t seed = 1;
  for (size_t n = 2; n <= 5 * MIB; n = n * 3 / 2 + 1) {
    p = resize_checked(p, old, n, seed++);
    old = n;
  }
  for (size_t n = old; n >= 1; n = n * 2 / 3) {
    p = resize_checked(p, old, n, seed++);
    old = n;
  }
  free(p);
}

/* A freed medium block waits in the quarantine, where no neighbour may take
 * its memory, unless the build has none or WARDEN_OPTIONS turns it off. */
static int medium_quarantine_on(void) {
  const char *options = getenv("WARDEN_OPTIONS");
  return WD_MEDIUM_QUARANTINE_RANDOM > 0 && (options == NULL || strstr(options, "medium_quarantine=0") == NULL);
}

/* Two medium blocks taken one after the other from fresh memory lie next to
 * each other, the chunk's untouched rest right after them. */
static void test_medium_in_place(void) {
  const size_t n = 40000;
  char *a = malloc(hide_size(n));
  char *b = malloc(hide_size(n));
  CHECK(a != NULL && b != NULL);
  CHECKF(b > a && (size_t)(b - a) < n + 64, "a=%p b=%p are not neighbours", (void *)a, (void *)b);
  free(b);

  pattern_fill(a, n, 42);
  char *grown = realloc(a, hide_size(2 * n + 5000));
  if (medium_quarantine_on()) {
    /* b is freed but not free: growing over it would hand its memory,
     * still reachable through dangling pointers, to a. */
    CHECKF(grown > b && (size_t)(grown - b) >= n, "grown=%p overlaps the quarantined neighbour b=%p",
           (void *)grown, (void *)b);
  } else {
    CHECKF(grown == a, "grow into a free neighbour moved %p to %p", (void *)a, (void *)grown);
  }
  CHECK(pattern_mismatch(grown, n, 42) == SIZE_MAX);
  CHECK(malloc_usable_size(grown) >= 2 * n + 5000);
  pattern_fill(grown, malloc_usable_size(grown), 43);

  /* Either way the chunk's free rest follows the grown block. */
  char *wide = realloc(grown, hide_size(4 * n));
  CHECKF(wide == grown, "grow into the free rest moved %p to %p", (void *)grown, (void *)wide);
  CHECK(pattern_mismatch(wide, 2 * n + 5000, 43) == SIZE_MAX);
  CHECK(malloc_usable_size(wide) >= 4 * n);
  pattern_fill(wide, malloc_usable_size(wide), 44);

  char *shrunk = realloc(wide, hide_size(n / 2 + 16384));
  CHECKF(shrunk == wide, "medium shrink moved %p to %p", (void *)wide, (void *)shrunk);
  CHECK(pattern_mismatch(shrunk, n / 2 + 16384, 44) == SIZE_MAX);
  CHECK(malloc_usable_size(shrunk) >= n / 2 + 16384);

  /* The tail given up by the shrink is free again: a block of that size
   * can be had right after the shrunk one. */
  char *after = malloc(hide_size(n));
  CHECK(after != NULL);
  CHECKF(after > shrunk && (size_t)(after - shrunk) < n / 2 + 16384 + 64,
         "shrunk=%p next=%p: the freed tail was not reused", (void *)shrunk, (void *)after);
  free(after);
  heap_check();
  free(shrunk);
}

static void test_same_place(void) {
  /* Within one small class nothing needs to move. */
  char *p = malloc(hide_size(20));
  size_t usable = malloc_usable_size(p);
  pattern_fill(p, 20, 5);
  char *q = realloc(p, hide_size(usable));
  CHECKF(q == p, "realloc within a small class moved %p to %p", (void *)p, (void *)q);
  CHECK(pattern_mismatch(q, 20, 5) == SIZE_MAX);
  free(q);

  /* A large block whose new size needs the same pages stays put. */
  p = malloc(hide_size(2 * MIB + 5));
  pattern_fill(p, 2 * MIB + 5, 6);
  q = realloc(p, hide_size(2 * MIB + 10));
  CHECKF(q == p, "large realloc within the same pages moved %p to %p", (void *)p, (void *)q);
  CHECK(pattern_mismatch(q, 2 * MIB + 5, 6) == SIZE_MAX);
  CHECK(malloc_usable_size(q) >= 2 * MIB + 10);
  free(q);
}

static void test_reallocarray(void) {
  int *v = NULL;
  for (size_t n = 1; n <= 300000; n *= 3) {
    v = reallocarray(v, n, sizeof *v);
    CHECK(v != NULL);
    if (v == NULL) return;
    v[n - 1] = (int)n;
    for (size_t k = 1; k < n; k *= 3) CHECKF(v[k - 1] == (int)k, "element %zu lost", k - 1);
  }
  free(v);
}

int main(void) {
  printf("realloc_test (%s)\n", API_NAME);
#ifndef WD_PREFIXED
  CHECK(warden_serves_api());
#endif
  /* First, while the medium tier is untouched and its first blocks are
   * taken in address order. */
  test_medium_in_place();
  test_tier_transitions();
  test_chain();
  test_same_place();
  test_reallocarray();
  heap_check();
  return check_done();
}
