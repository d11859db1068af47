/*
 * Standard error behaviour: API misuse that the standards define is not
 * heap corruption, so Warden must answer it with the standard result and
 * keep running (DESIGN.md, "Hardening").
 */
#include "tests/api/api_names.h"

/* errno is set to this before each call, to tell "left alone" from "set". */
#define UNTOUCHED 12345

static void *const sentinel = (void *)(uintptr_t)0x5eed;

static void test_impossible_sizes(void) {
  static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 15, (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX,
                                (size_t)1 << 62};
  for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
    size_t n = hide_size(huge[i]);
    errno = UNTOUCHED;
    void *p = malloc(n);
    CHECKF(p == NULL && errno == ENOMEM, "malloc(%zu) = %p, errno %d", n, p, errno);

    errno = UNTOUCHED;
    p = calloc(n, 1);
    CHECKF(p == NULL && errno == ENOMEM, "calloc(%zu, 1) = %p, errno %d", n, p, errno);

    /* Alignment adds slack to a request: it must not wrap around. */
    errno = UNTOUCHED;
    p = aligned_alloc(4096, n);
    CHECKF(p == NULL && errno == ENOMEM, "aligned_alloc(4096, %zu) = %p, errno %d", n, p, errno);

    errno = UNTOUCHED;
    p = sentinel;
    int rc = posix_memalign(&p, 64, n);
    CHECKF(rc == ENOMEM, "posix_memalign(64, %zu) = %d", n, rc);
    CHECKF(p == sentinel, "posix_memalign(64, %zu) wrote %p on failure", n, p);
    CHECKF(errno == UNTOUCHED, "posix_memalign(64, %zu) set errno %d", n, errno);

    errno = UNTOUCHED;
    p = valloc(n);
    CHECKF(p == NULL && errno == ENOMEM, "valloc(%zu) = %p, errno %d", n, p, errno);

    errno = UNTOUCHED;
    p = pvalloc(n);
    CHECKF(p == NULL && errno == ENOMEM, "pvalloc(%zu) = %p, errno %d", n, p, errno);
  }
}

static void test_multiplication_overflow(void) {
  static const size_t pairs[][2] = {
      {SIZE_MAX / 2 + 1, 2}, {(size_t)1 << 32, (size_t)1 << 32}, {3, SIZE_MAX / 3 + 1}, {SIZE_MAX, SIZE_MAX}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    size_t a = hide_size(pairs[i][0]), b = hide_size(pairs[i][1]);
    errno = UNTOUCHED;
    void *p = calloc(a, b);
    CHECKF(p == NULL && errno == ENOMEM, "calloc(%zu, %zu) = %p, errno %d", a, b, p, errno);

    errno = UNTOUCHED;
    p = reallocarray(NULL, a, b);
    CHECKF(p == NULL && errno == ENOMEM, "reallocarray(NULL, %zu, %zu) = %p, errno %d", a, b, p, errno);

    /* A failed reallocarray leaves the old block allocated and intact. */
    void *old = malloc(100);
    pattern_fill(old, 100, i);
    errno = UNTOUCHED;
    p = reallocarray(old, a, b);
    CHECKF(p == NULL && errno == ENOMEM, "reallocarray(p, %zu, %zu) = %p, errno %d", a, b, p, errno);
    CHECK(pattern_mismatch(old, 100, i) == SIZE_MAX);
    CHECK(malloc_usable_size(old) >= 100);
    free(old);
  }
  /* Products that fit must still work. */
  void *p = reallocarray(NULL, hide_size(1000), 24);
  CHECK(p != NULL && malloc_usable_size(p) >= 24000);
  free(p);
}

static void test_failed_realloc_keeps_block(void) {
  static const size_t sizes[] = {100, 20000, 2 * MIB};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    void *p = malloc(n);
    CHECK(p != NULL);
    pattern_fill(p, n, n);
    errno = UNTOUCHED;
    void *q = realloc(p, hide_size(SIZE_MAX / 2));
    CHECKF(q == NULL && errno == ENOMEM, "realloc(%zu-byte block, huge) = %p, errno %d", n, q, errno);
    CHECKF(pattern_mismatch(p, n, n) == SIZE_MAX, "%zu-byte block changed by a failed realloc", n);
    CHECK(malloc_usable_size(p) >= n);
    free(p);
  }
}

static void test_bad_alignment(void) {
  /* posix_memalign wants a power of two that is a multiple of
   * sizeof(void *): 4 is a power of two but not such a multiple. */
  static const size_t bad_posix[] = {0, 1, 2, 3, 4, 12, 24, 48, 4095, 4097, (size_t)3 << 20, SIZE_MAX};
  for (size_t i = 0; i < sizeof bad_posix / sizeof bad_posix[0]; i++) {
    size_t a = hide_size(bad_posix[i]);
    void *p = sentinel;
    errno = UNTOUCHED;
    int rc = posix_memalign(&p, a, 64);
    CHECKF(rc == EINVAL, "posix_memalign(%zu) = %d", a, rc);
    CHECKF(p == sentinel, "posix_memalign(%zu) wrote %p", a, p);
    CHECKF(errno == UNTOUCHED, "posix_memalign(%zu) set errno %d", a, errno);
  }
  /* Success leaves errno alone too. */
  void *p = NULL;
  errno = UNTOUCHED;
  CHECK(posix_memalign(&p, 8, 64) == 0 && p != NULL);
  CHECK(errno == UNTOUCHED);
  free(p);

  static const size_t not_pow2[] = {0, 3, 12, 24, 48, 4095, 4097, (size_t)3 << 20, SIZE_MAX};
  for (size_t i = 0; i < sizeof not_pow2 / sizeof not_pow2[0]; i++) {
    size_t a = hide_size(not_pow2[i]);
    errno = UNTOUCHED;
    void *q = aligned_alloc(a, 64);
    CHECKF(q == NULL && errno == EINVAL, "aligned_alloc(%zu, 64) = %p, errno %d", a, q, errno);
    errno = UNTOUCHED;
    q = memalign(a, 64);
    CHECKF(q == NULL && errno == EINVAL, "memalign(%zu, 64) = %p, errno %d", a, q, errno);
  }

  /* The largest power of two cannot be honoured: the answer is a clean
   * failure, not a wrapped-around size. */
  errno = UNTOUCHED;
  void *q = aligned_alloc(hide_size((size_t)1 << 63), 16);
  CHECKF(q == NULL && (errno == ENOMEM || errno == EINVAL), "aligned_alloc(2^63) = %p, errno %d", q,
         errno);
}

static void test_null_and_zero(void) {
  CHECK(malloc_usable_size(NULL) == 0);
  free(NULL);
  free_sized(NULL, 0);
  free_sized(NULL, 123);
  free_aligned_sized(NULL, 64, 123);

  /* realloc(NULL, n) is malloc(n), in every tier. */
  static const size_t sizes[] = {0, 1, 100, SMALL_LAST, SMALL_LAST + 1, 500000, MEDIUM_LAST + 1, 2 * MIB};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    wd_stats_t before, after;
    wd_get_stats(&before);
    void *p = realloc(NULL, hide_size(n));
    wd_get_stats(&after);
    CHECKF(p != NULL, "realloc(NULL, %zu)", n);
    if (p == NULL) continue;
    size_t live_before = before.small_live + before.medium_live + before.large_live;
    size_t live_after = after.small_live + after.medium_live + after.large_live;
    CHECKF(live_after == live_before + 1, "realloc(NULL, %zu): live %zu -> %zu", n, live_before,
           live_after);
    CHECKF(malloc_usable_size(p) >= n, "realloc(NULL, %zu): usable %zu", n, malloc_usable_size(p));
    CHECK((uintptr_t)p % 16 == 0);
    pattern_fill(p, n, n);
    CHECK(pattern_mismatch(p, n, n) == SIZE_MAX);

    /* realloc(p, 0) frees p and returns NULL (the behaviour that
     * src/api.c documents): the live count drops back. */
    wd_get_stats(&before);
    void *q = realloc(p, 0);
    wd_get_stats(&after);
    CHECKF(q == NULL, "realloc(%zu-byte block, 0) = %p", n, q);
    live_before = before.small_live + before.medium_live + before.large_live;
    live_after = after.small_live + after.medium_live + after.large_live;
    CHECKF(live_after + 1 == live_before, "realloc(%zu-byte block, 0): live %zu -> %zu", n,
           live_before, live_after);
  }
}

int main(void) {
  printf("errno_test (%s)\n", API_NAME);
#ifndef WD_PREFIXED
  CHECK(warden_serves_api());
#endif
  test_impossible_sizes();
  test_multiplication_overflow();
  test_failed_realloc_keeps_block();
  test_bad_alignment();
  test_null_and_zero();
  heap_check();
  return check_done();
}
