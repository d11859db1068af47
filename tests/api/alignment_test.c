/*
 * Alignment and usable size of every allocation function, in every tier.
 *
 * A block that is misaligned, or whose usable size overstates what the
 * allocator reserved, breaks programs silently: the writes over the whole
 * usable size below would run into a neighbour, a canary or a guard page.
 */
#include "tests/api/api_names.h"

/* Request sizes that cross every tier and the boundaries between them. */
static const size_t spread[] = {
    0,           1,          8,          9,           24,       100,      1000,
    4088,        4096,       4097,       SMALL_LAST,  SMALL_LAST + 1,     20000,
    65536,       300000,     MEDIUM_LAST - 1,         MEDIUM_LAST,        MEDIUM_LAST + 1,
    3 * MIB + 5,
};
#define SPREAD_COUNT (sizeof spread / sizeof spread[0])

/* Writes every usable byte, then checks the request is still intact: a
 * usable size reaching past the block would corrupt a neighbour, a canary
 * or fault on a guard page, and the free that follows would catch it. */
static void use_whole_block(void *p, size_t n, uint64_t seed) {
  size_t usable = malloc_usable_size(p);
  CHECKF(usable >= n, "usable %zu < requested %zu", usable, n);
  pattern_fill(p, usable, seed);
  size_t bad = pattern_mismatch(p, usable, seed);
  CHECKF(bad == SIZE_MAX, "byte %zu of %zu lost", bad, usable);
}

static void check_size(size_t n) {
  void *p = malloc(hide_size(n));
  CHECKF(p != NULL, "malloc(%zu)", n);
  if (p == NULL) return;
  CHECKF((uintptr_t)p % 16 == 0, "malloc(%zu) = %p", n, p);
  use_whole_block(p, n, n);
  free(p);
}

static void test_malloc_alignment(void) {
  for (size_t n = 0; n <= 4096; n++) check_size(n);
  /* A step that is odd and not a multiple of 16 reaches every residue of
   * the size classes' rounding. */
  for (size_t n = 4097; n <= 70000; n += 37) check_size(n);
  static const size_t edges[] = {SMALL_LAST - 1, SMALL_LAST, SMALL_LAST + 1, 16384, 16385,
                                 MEDIUM_LAST - 16, MEDIUM_LAST - 1, MEDIUM_LAST, MEDIUM_LAST + 1,
                                 MEDIUM_LAST + 16, MEDIUM_LAST + 17, 2 * MIB};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) check_size(edges[i]);
}

enum aligned_fn { POSIX_MEMALIGN, ALIGNED_ALLOC, MEMALIGN };
static const char *const fn_name[] = {"posix_memalign", "aligned_alloc", "memalign"};

static void *aligned_by(enum aligned_fn fn, size_t alignment, size_t n) {
  void *p = NULL;
  switch (fn) {
    case POSIX_MEMALIGN: {
      int rc = posix_memalign(&p, alignment, hide_size(n));
      CHECKF(rc == 0, "posix_memalign(%zu, %zu) = %d", alignment, n, rc);
      if (rc != 0) p = NULL;
      break;
    }
    case ALIGNED_ALLOC: p = aligned_alloc(alignment, hide_size(n)); break;
    case MEMALIGN: p = memalign(alignment, hide_size(n)); break;
  }
  return p;
}

static void test_aligned_functions(void) {
  for (size_t alignment = 8; alignment <= MIB; alignment *= 2) {
    for (int fn = POSIX_MEMALIGN; fn <= MEMALIGN; fn++) {
      for (size_t i = 0; i < SPREAD_COUNT; i++) {
        /* Sizes around the alignment itself decide between a power-of-two
         * slot and the next tier. */
        size_t sizes[4] = {spread[i], alignment - 8, alignment, alignment + 1};
        size_t count = i == 0 ? 4 : 1;
        for (size_t k = 0; k < count; k++) {
          size_t n = sizes[k];
          void *p = aligned_by((enum aligned_fn)fn, alignment, n);
          CHECKF(p != NULL, "%s(%zu, %zu)", fn_name[fn], alignment, n);
          if (p == NULL) continue;
          CHECKF((uintptr_t)p % alignment == 0, "%s(%zu, %zu) = %p", fn_name[fn], alignment, n, p);
          CHECKF((uintptr_t)p % 16 == 0, "%s(%zu, %zu) = %p", fn_name[fn], alignment, n, p);
          use_whole_block(p, n, alignment + n);
          free(p);
        }
      }
    }
  }
}

/* Alignments below 16 are valid powers of two for aligned_alloc and
 * memalign; they get the default 16-byte alignment. */
static void test_small_alignments(void) {
  for (size_t alignment = 1; alignment < 8; alignment *= 2) {
    for (size_t i = 0; i < SPREAD_COUNT; i++) {
      size_t n = spread[i];
      void *p = aligned_alloc(alignment, hide_size(n));
      CHECKF(p != NULL && (uintptr_t)p % 16 == 0, "aligned_alloc(%zu, %zu) = %p", alignment, n, p);
      if (p != NULL) use_whole_block(p, n, n + alignment);
      free(p);
      p = memalign(alignment, hide_size(n));
      CHECKF(p != NULL && (uintptr_t)p % 16 == 0, "memalign(%zu, %zu) = %p", alignment, n, p);
      if (p != NULL) use_whole_block(p, n, n + alignment);
      free(p);
    }
  }
}

static void test_valloc(void) {
  for (size_t i = 0; i < SPREAD_COUNT; i++) {
    size_t n = spread[i];
    void *p = valloc(hide_size(n));
    CHECKF(p != NULL, "valloc(%zu)", n);
    if (p == NULL) continue;
    CHECKF((uintptr_t)p % PAGE == 0, "valloc(%zu) = %p", n, p);
    use_whole_block(p, n, n + 1);
    free(p);
  }
}

static void test_pvalloc(void) {
  for (size_t i = 0; i < SPREAD_COUNT; i++) {
    size_t n = spread[i];
    /* pvalloc promises whole pages: at least one, even for 0 bytes. */
    size_t pages = n == 0 ? PAGE : round_up(n, PAGE);
    void *p = pvalloc(hide_size(n));
    CHECKF(p != NULL, "pvalloc(%zu)", n);
    if (p == NULL) continue;
    CHECKF((uintptr_t)p % PAGE == 0, "pvalloc(%zu) = %p", n, p);
    size_t usable = malloc_usable_size(p);
    CHECKF(usable >= pages, "pvalloc(%zu): usable %zu < %zu", n, usable, pages);
    use_whole_block(p, pages, n + 2);
    free(p);
  }
}

int main(void) {
  printf("alignment_test (%s)\n", API_NAME);
#ifndef WD_PREFIXED
  CHECK(warden_serves_api());
#endif
  test_malloc_alignment();
  test_aligned_functions();
  test_small_alignments();
  test_valloc();
  test_pvalloc();
  heap_check();
  return check_done();
}
