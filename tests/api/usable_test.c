/*
 * malloc(0), malloc_usable_size and the sized frees of C23.
 *
 * A sized free must accept exactly the sizes a block can have been asked
 * for, whatever route the block took (malloc, calloc, realloc in place or
 * moved, aligned allocation), and must free it. The misuse checks at the end
 * make sure the size is really compared, so the passing cases are not
 * passing merely because the size is ignored.
 */
#include "tests/api/api_names.h"

static size_t live_total(void) {
  wd_stats_t s;
  wd_get_stats(&s);
  return s.small_live + s.medium_live + s.large_live;
}

static const size_t sizes[] = {0,     1,      8,      9,      24,         100,           1000,
                               4096,  16376,  16377,  20000,  65536,      500000,        MEDIUM_LAST,
                               MEDIUM_LAST + 1,        MEDIUM_LAST + 16,   3 * MIB + 3};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void test_malloc_zero(void) {
  enum { N = 200 };
  static void *p[N];
  for (int i = 0; i < N; i++) {
    p[i] = malloc(hide_size(0));
    CHECK(p[i] != NULL);
    CHECK((uintptr_t)p[i] % 16 == 0);
    CHECK(malloc_usable_size(p[i]) == 0);
    for (int j = 0; j < i; j++) CHECKF(p[j] != p[i], "malloc(0) returned %p twice", p[i]);
  }
  size_t live = live_total();
  for (int i = 0; i < N; i++) free(p[i]);
  CHECKF(live_total() + N == live, "freeing %d malloc(0) blocks: live %zu -> %zu", N, live, live_total());
}

static void test_usable_at_least_requested(void) {
  for (size_t i = 0; i < SIZE_COUNT; i++) {
    size_t n = sizes[i];
    void *p = malloc(hide_size(n));
    size_t usable = malloc_usable_size(p);
    CHECKF(usable >= n, "malloc(%zu): usable %zu", n, usable);
    /* Large blocks end at their guard page: usable is the request rounded to
     * 16, not a whole page. */
    if (n > MEDIUM_LAST) CHECKF(usable == round_up(n, 16), "malloc(%zu): usable %zu", n, usable);
    free(p);
    p = calloc(1, hide_size(n));
    CHECKF(malloc_usable_size(p) >= n, "calloc(%zu): usable %zu", n, malloc_usable_size(p));
    free(p);
  }
}

/* Frees with free_sized and checks that exactly one block went away. */
static void sized_free_checked(void *p, size_t n, const char *how) {
  size_t live = live_total();
  free_sized(p, n);
  CHECKF(live_total() + 1 == live, "free_sized after %s of %zu bytes: live %zu -> %zu", how, n, live,
         live_total());
}

static void test_free_sized(void) {
  for (size_t i = 0; i < SIZE_COUNT; i++) {
    size_t n = sizes[i];
    sized_free_checked(malloc(hide_size(n)), n, "malloc");
    sized_free_checked(calloc(1, hide_size(n)), n, "calloc");
    if (n % 4 == 0 && n > 0) sized_free_checked(calloc(hide_size(n / 4), 4), n, "calloc(n/4, 4)");
  }
  /* After realloc, the size to give is the new one, whether the block moved
   * or was resized in place (small class kept, medium grown or shrunk in
   * place, large pages kept). */
  for (size_t i = 0; i < SIZE_COUNT; i++) {
    for (size_t j = 0; j < SIZE_COUNT; j++) {
      size_t old = sizes[i], n = sizes[j];
      if (n == 0) continue; /* realloc(p, 0) frees */
      void *p = malloc(hide_size(old));
      void *q = realloc(p, hide_size(n));
      CHECK(q != NULL);
      if (q != NULL) sized_free_checked(q, n, "realloc");
    }
  }
  static const size_t nudges[][2] = {{20000, 20001}, {20000, 19990}, {40000, 60000}, {60000, 40000},
                                     {2 * MIB, 2 * MIB + 9}, {2 * MIB + 9, 2 * MIB + 1}, {20, 24}};
  for (size_t i = 0; i < sizeof nudges / sizeof nudges[0]; i++) {
    void *p = malloc(hide_size(nudges[i][0]));
    void *q = realloc(p, hide_size(nudges[i][1]));
    sized_free_checked(q, nudges[i][1], "realloc by a few bytes");
  }
}

static void test_free_aligned_sized(void) {
  for (size_t alignment = 16; alignment <= 2 * MIB; alignment *= 4) {
    for (size_t i = 0; i < SIZE_COUNT; i++) {
      size_t n = sizes[i];
      void *p = aligned_alloc(alignment, hide_size(n));
      CHECK(p != NULL);
      size_t live = live_total();
      free_aligned_sized(p, alignment, n);
      CHECKF(live_total() + 1 == live, "free_aligned_sized(%zu, %zu)", alignment, n);
    }
  }
}

/* Sized-free misuse ends the process with one stable line. */
typedef struct misuse {
  size_t alloc_size;
  size_t freed_size;
} misuse_t;

static void free_wrong_size(void *arg) {
  const misuse_t *m = arg;
  void *p = malloc(hide_size(m->alloc_size));
  free_sized(p, m->freed_size);
}

static void test_size_mismatch_is_fatal(void) {
  static const misuse_t cases[] = {
      {100, 1000},        /* another small class */
      {100, 20000},       /* another tier */
      {20000, 40000},     /* another medium size */
      {2 * MIB, 2 * MIB + 4096},
      {2 * MIB, 2 * MIB - 1}, /* large records the exact request */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    misuse_t m = cases[i];
    child_result_t r = run_in_child(free_wrong_size, &m);
    CHECKF(!r.exited && r.signal == SIGABRT, "free_sized(%zu-byte block, %zu): exited %d code %d",
           m.alloc_size, m.freed_size, r.exited, r.code);
    CHECKF(strstr(r.err, "warden: size mismatch: 0x") != NULL, "stderr: %s", r.err);
  }
}

int main(void) {
  printf("usable_test (%s)\n", API_NAME);
#ifndef WD_PREFIXED
  CHECK(warden_serves_api());
#endif
  test_malloc_zero();
  test_usable_at_least_requested();
  test_free_sized();
  test_free_aligned_sized();
  test_size_mismatch_is_fatal();
  heap_check();
  return check_done();
}
