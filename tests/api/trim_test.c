/*
 * malloc_trim gives free memory back to the kernel: the resident set
 * really shrinks, live blocks keep their contents, and the heap stays
 * usable and sound afterwards. Both of what it returns: the freed large
 * mappings kept for reuse, and the pages inside free medium blocks.
 */
#include "tests/api/api_names.h"

static void test_large_cache_released(void) {
  enum { N = 6 };
  const size_t n = 3 * MIB;
  char *p[N];
  for (size_t i = 0; i < N; i++) {
    p[i] = malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], (int)(0x41 + i), n);
  }
  for (size_t i = 0; i < N; i++) free(p[i]);
  wd_stats_t s;
  wd_get_stats(&s);
  /* Freed, the mappings are kept for reuse, within the budget. */
  CHECKF(s.large_cached_bytes >= n, "cached %zu bytes after freeing %d blocks of %zu", s.large_cached_bytes, N,
         n);
  size_t before = resident_bytes();
  CHECK(malloc_trim(0) == 1);
  size_t after = resident_bytes();
  CHECKF(before > after && before - after >= s.large_cached_bytes - MIB,
         "resident %zu -> %zu after trimming %zu cached bytes", before, after, s.large_cached_bytes);
  wd_get_stats(&s);
  CHECK(s.large_cached_bytes == 0);

  /* Reuse afterwards: fresh mappings, zeroed by calloc, sound. */
  char *q = calloc(1, hide_size(n));
  if (!CHECK(q != NULL)) return;
  CHECK(first_nonzero(q, n) == SIZE_MAX);
  pattern_fill(q, n, 9);
  CHECK(pattern_mismatch(q, n, 9) == SIZE_MAX);
  heap_check();
  free(q);
}

static void test_pad_keeps_cache(void) {
  char *p = malloc(hide_size(2 * MIB));
  if (!CHECK(p != NULL)) return;
  memset(p, 1, 2 * MIB);
  free(p);
  wd_stats_t s;
  wd_get_stats(&s);
  size_t cached = s.large_cached_bytes;
  CHECK(cached >= 2 * MIB);
  /* A pad as large as the cache leaves it alone. */
  malloc_trim(cached);
  wd_get_stats(&s);
  CHECK(s.large_cached_bytes == cached);
  malloc_trim(0);
  wd_get_stats(&s);
  CHECK(s.large_cached_bytes == 0);
}

static void test_medium_free_runs_purged(void) {
  /* Blocks of 200 KiB, every other one freed: the free ones cannot merge,
   * so their pages are inside free blocks of chunks that stay in use. */
  enum { N = 40 };
  const size_t n = 200 * 1024;
  char *p[N];
  wd_stats_t s;
  malloc_trim(0);
  wd_get_stats(&s);
  size_t chunks = s.medium_chunks; /* the C library's own blocks, if any */
  for (size_t i = 0; i < N; i++) {
    p[i] = malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    pattern_fill(p[i], n, i);
  }
  for (size_t i = 0; i < N; i += 2) free(p[i]);
  size_t before = resident_bytes();
  CHECK(malloc_trim(0) == 1);
  size_t after = resident_bytes();
  /* Each 200 KiB free block has at least 48 whole pages strictly inside. */
  CHECKF(before > after && before - after >= (N / 2) * 48 * PAGE, "resident %zu -> %zu", before, after);
  size_t wrong = 0;
  for (size_t i = 1; i < N; i += 2) wrong += pattern_mismatch(p[i], n, i) != SIZE_MAX;
  CHECKF(wrong == 0, "%zu live medium blocks changed by trimming", wrong);
  heap_check();
  /* The purged runs serve new blocks again. */
  for (size_t i = 0; i < N; i += 2) {
    p[i] = malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    pattern_fill(p[i], n, i + 100);
  }
  for (size_t i = 0; i < N; i++) wrong += pattern_mismatch(p[i], n, i % 2 ? i : i + 100) != SIZE_MAX;
  CHECKF(wrong == 0, "%zu medium blocks wrong after reuse of purged runs", wrong);
  heap_check();
  before = resident_bytes();
  for (size_t i = 0; i < N; i++) free(p[i]);
  CHECK(malloc_trim(0) == 1);
  after = resident_bytes();
  /* Freed blocks wait in the medium quarantine, whose pages trimming gives
   * back too; without one, the chunks they took are empty now and go back
   * whole. */
  CHECKF(before > after && before - after >= N * 48 * PAGE, "resident %zu -> %zu", before, after);
  const char *options = getenv("WARDEN_OPTIONS");
  if (options != NULL && strstr(options, "medium_quarantine=0") != NULL) {
    wd_get_stats(&s);
    CHECKF(s.medium_chunks == chunks, "%zu medium chunks after trim, %zu before the test", s.medium_chunks, chunks);
  }
  heap_check();
}

int main(void) {
  CHECK(warden_serves_api());
  test_large_cache_released();
  test_pad_keeps_cache();
  test_medium_free_runs_purged();
  return check_done();
}
