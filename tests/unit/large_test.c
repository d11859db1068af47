/*
 * The large tier: one mapping per allocation, ending at a guard page, with
 * its record in an out-of-line table. A freed mapping is inaccessible at
 * once and unmapped when it leaves the quarantine; its pages are cached for
 * reuse within a budget that follows the program's recent peak (moved
 * elsewhere when there is a quarantine).
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define PAGE ((size_t)4096)
#define MIB ((size_t)1 << 20)
#define FIRST_LARGE ((size_t)WD_MEDIUM_MAX + 1)

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

static wd_stats_t stats(void) {
  wd_stats_t s;
  wd_get_stats(&s);
  return s;
}

static void *page_of(const void *p) { return (void *)((uintptr_t)p & ~(uintptr_t)(PAGE - 1)); }

static int mapped(const void *p) {
  if (msync(page_of(p), PAGE, MS_ASYNC) == 0) return 1;
  return errno == ENOMEM ? 0 : -1;
}

static const size_t sizes[] = {FIRST_LARGE, FIRST_LARGE + 15, MIB + 16, 3 * MIB / 2 + 7, 2 * MIB,
                               3 * MIB + 100, 8 * MIB + 1};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void test_exact_end_and_guard(void) {
  for (size_t i = 0; i < SIZE_COUNT; i++) {
    size_t n = sizes[i];
    char *p = wd_malloc(hide_size(n));
    if (!CHECKF(p != NULL, "malloc(%zu)", n)) continue;
    CHECK((uintptr_t)p % 16 == 0);
    size_t usable = wd_malloc_usable_size(p);
    CHECKF(usable == round_up(n, 16), "malloc(%zu): usable %zu, want %zu", n, usable, round_up(n, 16));
    memset(p, 0xab, usable);
    /* The last usable byte is fine; the next one is the guard page. */
    CHECKF(!read_faults(p + usable - 1), "malloc(%zu): last usable byte faults", n);
    CHECKF(read_faults(p + round_up(n, 16)), "malloc(%zu): byte past the end is readable", n);
    wd_free(p);
  }
}

static void test_alignment(void) {
  static const size_t requests[] = {100, 20000, FIRST_LARGE, 3 * MIB + 5};
  for (size_t alignment = 32; alignment <= 2 * MIB; alignment *= 2) {
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
      size_t n = requests[i];
      /* Small and medium requests reach this tier only through alignments
       * the other tiers cannot give. */
      if (n <= WD_MEDIUM_MAX && alignment <= 16384) continue;
      char *p = wd_aligned_alloc(alignment, hide_size(n));
      if (!CHECKF(p != NULL, "aligned_alloc(%zu, %zu)", alignment, n)) continue;
      CHECKF((uintptr_t)p % alignment == 0, "aligned_alloc(%zu, %zu) = %p", alignment, n, (void *)p);
      size_t usable = wd_malloc_usable_size(p);
      CHECKF(usable >= n, "aligned_alloc(%zu, %zu): usable %zu", alignment, n, usable);
      memset(p, 0xcd, usable);
      /* An aligned block still ends at the guard page. */
      CHECKF(read_faults(p + usable), "aligned_alloc(%zu, %zu): byte after usable end readable", alignment, n);
      heap_check();
      wd_free(p);
    }
  }
}

static void test_stats(void) {
  /* Mappings cached by earlier tests would serve these at their own sizes. */
  wd_trim();
  wd_stats_t before = stats();
  enum { N = 5 };
  void *p[N];
  size_t bytes = 0;
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(sizes[i]));
    bytes += round_up(round_up(sizes[i], 16), PAGE);
  }
  wd_stats_t during = stats();
  CHECK(during.large_live == before.large_live + N);
  CHECKF(during.large_bytes == before.large_bytes + bytes, "large_bytes rose by %zu, want %zu",
         during.large_bytes - before.large_bytes, bytes);
  CHECK(during.mapped_bytes >= before.mapped_bytes + bytes);
  for (size_t i = 0; i < N; i++) wd_free(p[i]);
  wd_stats_t after = stats();
  CHECK(after.large_live == before.large_live);
  CHECK(after.large_bytes == before.large_bytes);
  /* The freed mappings' pages are cached, and counted as mapped, until a
   * trim. */
  CHECK(after.large_cached_bytes > before.large_cached_bytes);
  CHECK(after.large_cached_bytes <= WD_LARGE_CACHE_BYTES);
  CHECK(after.mapped_bytes == before.mapped_bytes + after.large_cached_bytes);
  heap_check();
  CHECK(wd_trim() >= after.large_cached_bytes);
  CHECK(stats().large_cached_bytes == 0);
  CHECK(stats().mapped_bytes == before.mapped_bytes);
}

static void test_memory_returned(void) {
  /* Every flusher is allocated before the block under test is freed, so no
   * new mapping can land where it was once it is unmapped. */
  enum { FLUSHERS = 1000 };
  static void *flush[FLUSHERS];
  for (size_t i = 0; i < FLUSHERS; i++) flush[i] = wd_malloc(hide_size(FIRST_LARGE));

  const size_t n = 4 * MIB;
  char *p = wd_malloc(hide_size(n));
  if (!CHECK(p != NULL)) return;
  memset(p, 0x11, n);
  char *middle = p + n / 2;
  CHECK(page_residency(middle) == 1);
  wd_free(p);
  /* Freed: inaccessible at once, its pages moved to the cache, away from
   * these addresses (which wait in the quarantine, or are unmapped without
   * one). */
  int r = page_residency(middle);
  CHECKF(r == 0 || r == -1, "freed block: residency %d", r);
  CHECK(read_faults(middle));
  CHECK(read_faults(p));
  /* Far more frees than any quarantine holds push it out: unmapped. */
  for (size_t i = 0; i < FLUSHERS; i++) wd_free(flush[i]);
  CHECKF(mapped(middle) == 0, "freed block still mapped after %d later frees", FLUSHERS);
  CHECKF(mapped(p) == 0, "freed block still mapped after %d later frees", FLUSHERS);
  heap_check();
}

/* The record table starts with room for a few hundred allocations and
 * grows; every record must survive each growth and each removal. */
static void test_table_growth(void) {
  enum { N = 1500 };
  static char *p[N];
  static size_t n[N];
  wd_stats_t before = stats();
  for (size_t i = 0; i < N; i++) {
    n[i] = FIRST_LARGE + 16 * (i % 300);
    p[i] = wd_malloc(hide_size(n[i]));
    if (!CHECK(p[i] != NULL)) return;
    /* Stamps at both ends tell each block from every other one. */
    memcpy(p[i], &i, sizeof i);
    memcpy(p[i] + n[i] - sizeof i, &i, sizeof i);
  }
  CHECK(stats().large_live == before.large_live + N);
  heap_check();
  size_t wrong = 0;
  for (size_t i = 0; i < N; i++) {
    if (wd_malloc_usable_size(p[i]) != round_up(n[i], 16)) wrong++;
    size_t head, tail;
    memcpy(&head, p[i], sizeof head);
    memcpy(&tail, p[i] + n[i] - sizeof tail, sizeof tail);
    if (head != i || tail != i) wrong++;
  }
  CHECKF(wrong == 0, "%zu of %d large blocks wrong after table growth", wrong, N);

  /* Removal in a scattered order, checking the rest now and then: a lookup
   * that breaks after a removal shifts entries shows up here. */
  rng_t rng = {7};
  size_t order[N];
  for (size_t i = 0; i < N; i++) order[i] = i;
  for (size_t i = N - 1; i > 0; i--) {
    size_t j = rng_below(&rng, i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (size_t k = 0; k < N; k++) {
    size_t i = order[k];
    wd_free(p[i]);
    p[i] = NULL;
    if (k % 100 == 99) {
      for (size_t m = 0; m < N; m++) {
        if (p[m] != NULL && wd_malloc_usable_size(p[m]) != round_up(n[m], 16)) wrong++;
      }
      heap_check();
    }
  }
  CHECKF(wrong == 0, "%zu lookups failed during removal", wrong);
  CHECK(stats().large_live == before.large_live);
  heap_check();
}

static long minor_faults(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/* A freed mapping's pages serve the next request that fits without a page
 * fault, hold nothing of their last owner where the build zeroes freed
 * memory or the caller asked for zeros, and stay out of reach of the freed
 * pointer. */
static void test_cache_reuse(void) {
  /* read_faults forks, which makes every written page copy-on-write and
   * would fault again: the fault counts come before any such check. */
  wd_trim();
  const size_t n = 3 * MIB;
  char *p = wd_malloc(hide_size(n));
  if (!CHECK(p != NULL)) return;
  memset(p, 0x5a, n);
  wd_free(p);
  CHECK(stats().large_cached_bytes >= n);
  long faults = minor_faults();
  char *q = wd_malloc(hide_size(n));
  if (!CHECK(q != NULL)) return;
  memset(q, 0x33, n);
  long taken = minor_faults() - faults;
  CHECKF(taken < (long)(n / PAGE / 4), "%ld page faults for a reused %zu-byte mapping", taken, n);
  CHECK(stats().large_cached_bytes == 0);
#if WD_LARGE_QUARANTINE_RANDOM > 0
  /* The freed addresses are quarantined; only the pages came back. */
  CHECK(q != p);
  CHECK(read_faults(p));
  CHECK(read_faults(p + n - 1));
#endif
  CHECK(read_faults(q + round_up(n, 16)));
  heap_check();
  wd_free(q);
  CHECK(read_faults(q));

  char *z = wd_calloc(1, hide_size(n));
  if (!CHECK(z != NULL)) return;
  CHECK(page_residency(z + n / 2) == 1); /* the cached pages, not fresh ones */
  CHECK(first_nonzero(z, n) == SIZE_MAX);
  wd_free(z);
#if WD_ZERO_ON_FREE
  char *m = wd_malloc(hide_size(n));
  if (!CHECK(m != NULL)) return;
  CHECK(page_residency(m + n / 2) == 1);
  CHECK(first_nonzero(m, n) == SIZE_MAX);
  wd_free(m);
#endif

  /* A wider request takes the pages of a narrower cached mapping; a
   * narrower one fits a wider mapping, its end against the guard. */
  wd_trim();
  char *narrow = wd_malloc(hide_size(2 * MIB));
  if (!CHECK(narrow != NULL)) return;
  pattern_fill(narrow, 2 * MIB, 5);
  wd_free(narrow);
  faults = minor_faults();
  char *wide = wd_malloc(hide_size(4 * MIB));
  if (!CHECK(wide != NULL)) return;
  pattern_fill(wide, 4 * MIB, 6);
  taken = minor_faults() - faults;
  CHECKF(taken < (long)(3 * MIB / PAGE), "%ld page faults for 4 MiB grown from 2 MiB of cached pages", taken);
  CHECK(pattern_mismatch(wide, 4 * MIB, 6) == SIZE_MAX);
  CHECK(read_faults(wide + 4 * MIB));
  CHECK(read_faults(wide - PAGE));
  heap_check();
  wd_free(wide);
  char *part = wd_malloc(hide_size(3 * MIB));
  if (!CHECK(part != NULL)) return;
  CHECK(page_residency(part + MIB) == 1);
  pattern_fill(part, 3 * MIB, 7);
  CHECK(read_faults(part + 3 * MIB));
  CHECK(read_faults(part - PAGE));
  heap_check();
  wd_free(part);
  heap_check();
}

/* Enough large allocations and frees of one small block that the large
 * tier's recent peak is the live bytes now: the two windows it remembers
 * hold nothing bigger. */
static void forget_peak(void) {
  for (size_t i = 0; i <= WD_LARGE_CACHE_WINDOW; i++) wd_free(wd_malloc(hide_size(FIRST_LARGE)));
}

/* However much is freed, the cache holds no more than its budget, and what
 * it holds is really resident memory that a trim gives back. With no
 * bigger peak in memory the budget is its floor. */
static void test_cache_budget(void) {
  wd_trim();
  forget_peak();
  enum { N = 40 };
  static char *p[N];
  const size_t n = 2 * MIB + 100;
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], 7, n);
  }
  for (size_t i = 0; i < N; i++) wd_free(p[i]);
  wd_stats_t s = stats();
  CHECKF(s.large_cached_bytes <= WD_LARGE_CACHE_BYTES, "cached %zu", s.large_cached_bytes);
  CHECKF(s.large_cached_bytes + round_up(n, PAGE) > WD_LARGE_CACHE_BYTES ||
             s.large_cached_bytes / round_up(n, PAGE) == WD_LARGE_CACHE_ENTRIES,
         "cached %zu: the budget is not used", s.large_cached_bytes);
  heap_check();
  size_t rss = resident_bytes();
  wd_trim();
  size_t trimmed = resident_bytes();
  CHECKF(rss > trimmed && rss - trimmed >= s.large_cached_bytes - MIB, "resident %zu -> %zu, %zu cached", rss,
         trimmed, s.large_cached_bytes);
  heap_check();
}

/* Freed pages are kept beyond the budget's floor when the program's peak
 * calls for it (never more than a quarter of that peak), served again
 * without page faults, and given back once the peak is two windows of
 * allocations and frees old. */
static void test_cache_follows_peak(void) {
  wd_trim();
  forget_peak();
  /* A peak big enough that a quarter of it is two blocks over the floor. */
  const size_t n = 4 * MIB;
  enum { N = (((size_t)WD_LARGE_CACHE_BYTES + 8 * MIB) << (WD_LARGE_CACHE_PEAK_SHIFT - 1)) / (4 * MIB) + 1 };
  static char *p[N];
  /* Written, so that what the cache keeps is resident memory. */
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], 1, n);
  }
  size_t freed = 0;
  while (freed * n < WD_LARGE_CACHE_BYTES + 4 * n) wd_free(p[freed++]);
  wd_stats_t s = stats();
  CHECKF(s.large_cached_bytes > WD_LARGE_CACHE_BYTES, "cached %zu of %zu freed, under a peak of %zu",
         s.large_cached_bytes, freed * n, (size_t)N * n);
  CHECKF(s.large_cached_bytes <= (size_t)N * n / 4, "cached %zu, over a quarter of a peak of %zu",
         s.large_cached_bytes, (size_t)N * n);
  heap_check();
  long faults = minor_faults();
  char *q = wd_malloc(hide_size(n));
  if (!CHECK(q != NULL)) return;
  memset(q, 2, n);
  long taken = minor_faults() - faults;
  CHECKF(taken < (long)(n / PAGE / 4), "%ld page faults for a block of cached pages", taken);
  wd_free(q);
  for (size_t i = freed; i < N; i++) wd_free(p[i]);
  size_t cached = stats().large_cached_bytes, rss = resident_bytes();
  CHECKF(cached > WD_LARGE_CACHE_BYTES, "cached %zu once all is freed", cached);
  forget_peak();
  s = stats();
  CHECKF(s.large_cached_bytes <= WD_LARGE_CACHE_BYTES, "cached %zu two windows after a peak of %zu",
         s.large_cached_bytes, (size_t)N * n);
  size_t now = resident_bytes();
  CHECKF(rss > now && rss - now + MIB >= cached - s.large_cached_bytes, "resident %zu -> %zu, cached %zu -> %zu", rss,
         now, cached, s.large_cached_bytes);
  heap_check();
}

/* Checks a block of n bytes built from cached pages: nothing of the pages'
 * last owner, and no page faults to write it (counted from `faults`). */
static void check_reused(char *p, size_t n, long faults, const char *what) {
  if (!CHECKF(p != NULL, "%s", what)) return;
  CHECKF(first_nonzero(p, n) == SIZE_MAX, "%s: byte %zu not zero", what, first_nonzero(p, n));
  pattern_fill(p, n, n);
  long taken = minor_faults() - faults;
  CHECKF(taken < (long)(n / PAGE / 8), "%s: %ld page faults for %zu bytes", what, taken, n);
}

/* And, once no more faults are counted (read_faults forks, after which
 * every written page faults once more): its contents, an inaccessible page
 * before its first page and the guard after its end. */
static void check_guarded(char *p, size_t n, const char *what) {
  if (p == NULL) return;
  CHECKF(pattern_mismatch(p, n, n) == SIZE_MAX, "%s: contents changed", what);
  CHECKF(read_faults(p + round_up(n, 16)), "%s: byte past the end readable", what);
  CHECKF(read_faults((char *)page_of(p) - 1), "%s: byte before the first page readable", what);
}

/* Cached pages move between blocks. A request smaller
 * than a cached block takes what it needs and leaves the rest cached, not
 * a page lost: the partial page table from the block's bottom, the whole
 * ones from its top. A request bigger than any cached block gathers the
 * whole tables of several. */
static void test_cache_split_and_gather(void) {
  wd_trim();
  forget_peak();
  wd_trim();
  const size_t big = 8 * MIB, n = 3 * MIB + 5000, rest = big - round_up(n, PAGE);
  char *b = wd_malloc(hide_size(big));
  if (!CHECK(b != NULL)) return;
  pattern_fill(b, big, 9);
  wd_free(b);
  CHECK(stats().large_cached_bytes == big);
  long faults = minor_faults();
  char *p = wd_calloc(1, hide_size(n));
  check_reused(p, n, faults, "3 MiB + 5000 from 8 MiB");
  CHECKF(stats().large_cached_bytes == rest, "cached %zu after %zu of %zu were taken", stats().large_cached_bytes,
         round_up(n, PAGE), big);
  faults = minor_faults();
  char *q = wd_calloc(1, hide_size(rest));
  check_reused(q, rest, faults, "the rest of 8 MiB");
  CHECK(stats().large_cached_bytes == 0);
#if WD_ZERO_ON_FREE
  wd_free(q);
  faults = minor_faults();
  q = wd_malloc(hide_size(rest));
  check_reused(q, rest, faults, "the rest again, by malloc");
#endif

  char *four = wd_malloc(hide_size(4 * MIB)), *six = wd_malloc(hide_size(6 * MIB));
  if (!CHECK(four != NULL && six != NULL)) return;
  pattern_fill(four, 4 * MIB, 3);
  pattern_fill(six, 6 * MIB, 4);
  wd_free(four);
  wd_free(six);
  const size_t wide = 9 * MIB + 100;
  faults = minor_faults();
  char *w = wd_calloc(1, hide_size(wide));
  check_reused(w, wide, faults, "9 MiB from 4 and 6");
  CHECKF(stats().large_cached_bytes == 10 * MIB - round_up(wide, PAGE), "cached %zu after gathering %zu of %zu",
         stats().large_cached_bytes, round_up(wide, PAGE), 10 * MIB);
  check_guarded(p, n, "3 MiB + 5000 from 8 MiB");
  check_guarded(q, rest, "the rest of 8 MiB");
  check_guarded(w, wide, "9 MiB from 4 and 6");
  heap_check();
  wd_free(p);
  wd_free(q);
  wd_free(w);
  heap_check();
}

/* An allocation with no pages (aligned_alloc(a, 0) ends right at its
 * guard) leaves nothing to cache; freeing it must not stop the cache. */
static void test_empty_allocation(void) {
  for (size_t i = 0; i < 4; i++) {
    void *e = wd_aligned_alloc((size_t)1 << (16 + i), 0);
    CHECK(e != NULL);
    wd_free(e);
  }
  wd_trim();
  char *p = wd_malloc(hide_size(2 * MIB));
  if (!CHECK(p != NULL)) return;
  memset(p, 1, 2 * MIB);
  wd_free(p);
  CHECKF(stats().large_cached_bytes >= 2 * MIB, "cached %zu after freeing 2 MiB", stats().large_cached_bytes);
  heap_check();
}

static void test_resize(void) {
  char *p = wd_malloc(hide_size(2 * MIB + 1));
  pattern_fill(p, 2 * MIB + 1, 3);
  /* The same pages serve the new size: in place. */
  char *q = wd_realloc(p, hide_size(2 * MIB + 9));
  CHECK(q == p);
  CHECK(wd_malloc_usable_size(q) == round_up(2 * MIB + 9, 16));
  CHECK(pattern_mismatch(q, 2 * MIB + 1, 3) == SIZE_MAX);
  /* Different pages: moved, contents kept, old block gone. */
  wd_stats_t before = stats();
  char *r = wd_realloc(q, hide_size(5 * MIB));
  CHECK(r != NULL && r != q);
  CHECK(pattern_mismatch(r, 2 * MIB + 1, 3) == SIZE_MAX);
  CHECK(stats().large_live == before.large_live);
  CHECK(read_faults(q));
  wd_free(r);
  heap_check();
}

int main(void) {
  test_exact_end_and_guard();
  test_alignment();
  test_stats();
  test_memory_returned();
  test_table_growth();
  test_resize();
  test_cache_reuse();
  test_cache_budget();
  test_cache_follows_peak();
  test_cache_split_and_gather();
  test_empty_allocation();
  heap_check();
  return check_done();
}
