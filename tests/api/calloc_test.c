/*
 * calloc returns zeroed memory even when the memory is reused: blocks of the
 * same size are dirtied and freed first, so that calloc is served from them.
 * The light variant does not zero small slots or medium blocks on free, so
 * there calloc itself must clear them; the default one zeroes them on free
 * and calloc relies on it. Both builds run this test.
 */
#include "src/config.h"
#include "tests/api/api_names.h"

#define MAX_ROUNDS 600

typedef struct span {
  uintptr_t start, end;
} span_t;

static int overlaps(const span_t *dirty, size_t count, uintptr_t p, size_t n) {
  for (size_t i = 0; i < count; i++) {
    if (p < dirty[i].end && dirty[i].start < p + n) return 1;
  }
  return 0;
}

/* Dirties `rounds` blocks of n bytes, all live at once, frees them, then
 * callocs twice as many. Returns how many calloc results reused dirtied
 * memory, so the caller can tell the test really exercised reuse. */
static size_t dirty_then_calloc(size_t n, size_t rounds, int split_count) {
  /* Bookkeeping stays out of the heap under test. */
  static span_t dirty[MAX_ROUNDS];
  static void *blocks[2 * MAX_ROUNDS];
  if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
  for (size_t i = 0; i < rounds; i++) {
    void *p = malloc(hide_size(n));
    blocks[i] = p;
    CHECK(p != NULL);
    if (p == NULL) continue;
    size_t usable = malloc_usable_size(p);
    memset(p, 0xa5, usable);
    dirty[i] = (span_t){(uintptr_t)p, (uintptr_t)p + usable};
  }
  /* Freed only now, so that neighbours are freed together: a medium
   * quarantine lets most of them go at once, and they merge into free runs
   * that calloc's requests fit. Freed one by one between the mallocs, each
   * would be a lone hole, too small for the good fit that serves them. */
  for (size_t i = 0; i < rounds; i++) free(blocks[i]);
  size_t reused = 0;
  for (size_t i = 0; i < 2 * rounds; i++) {
    /* calloc(count, size) with the product n, in either order. */
    void *p = split_count && n % 8 == 0 ? calloc(hide_size(n / 8), 8) : calloc(1, hide_size(n));
    blocks[i] = p;
    CHECKF(p != NULL, "calloc of %zu bytes", n);
    if (p == NULL) continue;
    size_t bad = first_nonzero(p, n);
    CHECKF(bad == SIZE_MAX, "calloc(%zu) #%zu: byte %zu is 0x%02x", n, i, bad,
           bad == SIZE_MAX ? 0u : ((unsigned char *)p)[bad]);
    if (overlaps(dirty, rounds, (uintptr_t)p, n)) reused++;
    /* Dirty it too, so later rounds reuse calloc's own blocks. */
    memset(p, 0x5a, n);
  }
  for (size_t i = 0; i < 2 * rounds; i++) free(blocks[i]);
  return reused;
}

static void test_small(void) {
  static const size_t sizes[] = {1, 8, 9, 24, 40, 100, 120, 200, 500, 1000, 2000, 4000, 8000, 12000, 16376};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    /* More frees than any quarantine holds, so slots come back. */
    size_t reused = 0;
    for (int round = 0; round < 3; round++) reused += dirty_then_calloc(n, 600, round & 1);
    CHECKF(reused > 0, "calloc(%zu) never reused a freed slot: the test proves nothing", n);
  }
}

/* Blocks of n bytes that the medium quarantine can hold: its length, or
 * fewer where its byte bound binds first. */
static size_t medium_quarantine_holds(size_t n) {
  size_t holds = WD_MEDIUM_QUARANTINE_RANDOM + WD_MEDIUM_QUARANTINE_FIFO;
  return WD_MEDIUM_QUARANTINE_BYTES / n < holds ? WD_MEDIUM_QUARANTINE_BYTES / n : holds;
}

static void test_medium(void) {
  static const size_t sizes[] = {16377, 20000, 65536, 300000, 1000000, MEDIUM_LAST};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    /* More than twice what the quarantine holds: the blocks that stay in
     * it cannot keep every freed block from a free neighbour. */
    size_t rounds = 2 * medium_quarantine_holds(n) + 8;
    size_t reused = 0;
    for (int round = 0; round < 3; round++) reused += dirty_then_calloc(n, rounds, round & 1);
    CHECKF(reused > 0, "calloc(%zu) never reused a freed block: the test proves nothing", n);
  }
}

static void test_large(void) {
  /* Large blocks may or may not come back at the same address; either way
   * they must read as zero. */
  static const size_t sizes[] = {MEDIUM_LAST + 1, 2 * MIB, 3 * MIB + 100};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    for (int round = 0; round < 2; round++) dirty_then_calloc(sizes[i], 4, round);
  }
}

/* The _options build turns the quarantine and zeroing off at run time; make
 * sure they really are off, or that build would test nothing new: a freed
 * slot must come straight back with its old contents, which calloc alone
 * must then clear. Runs first, on a class nothing has used yet. */
static void test_options_in_effect(void) {
  const char *options = getenv("WARDEN_OPTIONS");
  if (options == NULL || strstr(options, "small_quarantine=0") == NULL ||
      strstr(options, "zero_on_free=0") == NULL) {
    return;
  }
  unsigned char *p = malloc(hide_size(100));
  memset(p, 0xee, 100);
  free(p);
  unsigned char *q = malloc(hide_size(100));
  CHECKF(q == p, "WARDEN_OPTIONS=%s: freed slot %p not reused (got %p)", options, (void *)p, (void *)q);
  CHECKF(q[0] == 0xee && q[99] == 0xee, "WARDEN_OPTIONS=%s: freed slot was zeroed", options);
  free(q);
  unsigned char *z = calloc(1, hide_size(100));
  CHECK(z == p && first_nonzero(z, 100) == SIZE_MAX);
  free(z);
}

static void test_calloc_zero(void) {
  void *p = calloc(0, hide_size(16));
  CHECK(p != NULL);
  CHECK(malloc_usable_size(p) == 0);
  free(p);
  p = calloc(hide_size(16), 0);
  CHECK(p != NULL);
  free(p);
}

int main(void) {
  printf("calloc_test (%s)\n", API_NAME);
#ifndef WD_PREFIXED
  CHECK(warden_serves_api());
#endif
  test_options_in_effect();
  test_small();
  test_medium();
  test_large();
  test_calloc_zero();
  heap_check();
  return check_done();
}
