/*
 * The medium tier's retained budget (config.h): free pages stay committed
 * while the arena's recent use can want them back, the excess goes back to
 * the kernel once use has fallen for good, and a trim gives back every free
 * page. Observed through wd_get_stats (medium_retained_bytes, the pages
 * kept; medium_purged_bytes, a count of the pages given back) and through
 * mincore, in the build's own setting (quarantine included). This test
 * links //src:core only, so its own blocks are all the medium tier holds,
 * and it runs on one thread, so they all share one arena.
 */
#include "src/config.h"
#include "tests/api/check.h"
#include "warden.h"

#define KIB ((size_t)1024)
#define MIB ((size_t)1 << 20)

static wd_stats_t stats(void) {
  wd_stats_t s;
  wd_get_stats(&s);
  return s;
}

/* Freeing and reallocating the same blocks, 192 MiB in all (three times
 * the 64 MiB after which the policy this replaced swept), gives nothing
 * back: each round wants back what the last one freed, well within the
 * budget, and a page given back would be faulted in again by the next.
 * Most of each round's blocks leave the quarantine, so they are free. */
static void test_churn_keeps_pages(void) {
  enum { N = 32, ROUNDS = 24 };
  const size_t n = 256 * KIB;
  char *p[N];
  size_t purged = 0;
  for (int round = 0; round < ROUNDS; round++) {
    for (size_t i = 0; i < N; i++) {
      p[i] = wd_malloc(hide_size(n));
      if (!CHECK(p[i] != NULL)) return;
      memset(p[i], (int)(i + 1), n);
    }
    /* The first round takes fresh chunks, which count as given back. */
    if (round == 0) purged = stats().medium_purged_bytes;
    for (size_t i = 0; i < N; i++) wd_free(p[i]);
    if (round % 8 == 0) heap_check();
  }
  wd_stats_t s = stats();
  CHECKF(s.medium_purged_bytes == purged, "%zu bytes given back while churning %d x %zu KiB",
         s.medium_purged_bytes - purged, ROUNDS, N * n / KIB);
  size_t kept = 0;
  for (size_t i = 0; i < N; i++) kept += page_residency(p[i] + n / 2) == 1;
  CHECKF(kept == N, "%zu of %d freed blocks kept their pages", kept, N);
  CHECKF(s.medium_retained_bytes > 0, "%zu bytes retained", s.medium_retained_bytes);
  heap_check();
}

/* Use falls for good: 40 MiB used, 4 MiB kept. Right after the frees the
 * budget still covers the 36 MiB (the arena may climb back to its peak);
 * once the arena has handed out more than two windows' worth at its new,
 * lower use, the budget follows, and the next free gives the excess back:
 * the empty chunks, and the pages inside the free runs between the blocks
 * still in use, which keep their contents. */
static void test_fallen_use_gives_back(char **kept_blocks, size_t *kept_count) {
  enum { N = 40, KEEP_EVERY = 10 };
  const size_t n = MIB;
  char *p[N];
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    pattern_fill(p[i], n, i);
  }
  for (size_t i = 0; i < N; i++) {
    if (i % KEEP_EVERY != 0) wd_free(p[i]);
  }
  wd_stats_t before = stats();
  CHECKF(before.medium_retained_bytes >= 24 * MIB, "%zu bytes retained right after freeing %zu MiB",
         before.medium_retained_bytes, (N - N / KEEP_EVERY) * n / MIB);
  heap_check();

  /* Churn at the new use: 64 KiB at a time, 256 MiB in all. */
  for (size_t k = 0; k < 4096; k++) {
    char *q = wd_malloc(hide_size(64 * KIB));
    if (!CHECK(q != NULL)) return;
    memset(q, 0x5a, 64 * KIB);
    wd_free(q);
  }
  wd_stats_t after = stats();
  /* In use now: the 4 kept blocks, at most a quarantine's bytes and one
   * 64 KiB block, so the budget is at most the floor or a quarter of that
   * plus the quarantine that may empty, and a sweep stops a quarter below. */
  size_t bound = WD_MEDIUM_RETAIN_MIN + WD_MEDIUM_QUARANTINE_BYTES + 2 * MIB;
  CHECKF(after.medium_retained_bytes <= bound, "%zu bytes retained after use fell to %zu, bound %zu",
         after.medium_retained_bytes, after.medium_bytes, bound);
  CHECKF(after.medium_purged_bytes - before.medium_purged_bytes >= 20 * MIB, "%zu bytes given back",
         after.medium_purged_bytes - before.medium_purged_bytes);
  CHECKF(after.medium_chunks < before.medium_chunks, "%zu chunks, %zu before", after.medium_chunks,
         before.medium_chunks);
  size_t wrong = 0;
  for (size_t i = 0; i < N; i += KEEP_EVERY) wrong += pattern_mismatch(p[i], n, i) != SIZE_MAX;
  CHECKF(wrong == 0, "%zu live blocks changed by giving back", wrong);
  heap_check();
  *kept_count = 0;
  for (size_t i = 0; i < N; i += KEEP_EVERY) kept_blocks[(*kept_count)++] = p[i];
}

/* A trim gives back every free page, whatever the budget, and the pages
 * given back serve later requests, as zeros. */
static void test_trim_gives_back_all(char **kept_blocks, size_t kept_count) {
  const size_t n = MIB;
  /* Free runs next to the kept blocks, with pages to give back. */
  char *p[8];
  for (size_t i = 0; i < 8; i++) {
    p[i] = wd_malloc(hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], 0x77, n);
  }
  for (size_t i = 0; i < 8; i++) wd_free(p[i]);
  CHECK(stats().medium_retained_bytes > 0);
  wd_trim();
  wd_stats_t s = stats();
  CHECKF(s.medium_retained_bytes == 0, "%zu bytes retained after a trim", s.medium_retained_bytes);
  /* Only chunks that hold a live or a quarantined block stay. */
  size_t waiting = s.medium_quarantined_bytes / n;
  CHECKF(s.medium_chunks <= kept_count + waiting, "%zu chunks after a trim, %zu blocks live, %zu waiting",
         s.medium_chunks, kept_count, waiting);
  size_t resident = 0;
  for (size_t i = 0; i < 8; i++) resident += page_residency(p[i] + n / 2) == 1;
  CHECKF(resident == 0, "%zu freed blocks still resident after a trim", resident);
  size_t wrong = 0;
  for (size_t i = 0; i < kept_count; i++) wrong += pattern_mismatch(kept_blocks[i], n, i * 10) != SIZE_MAX;
  CHECKF(wrong == 0, "%zu live blocks changed by a trim", wrong);
  heap_check();
  for (size_t i = 0; i < 8; i++) {
    p[i] = wd_calloc(1, hide_size(n));
    if (!CHECK(p[i] != NULL)) return;
    CHECK(first_nonzero(p[i], n) == SIZE_MAX);
  }
  for (size_t i = 0; i < 8; i++) wd_free(p[i]);
  for (size_t i = 0; i < kept_count; i++) wd_free(kept_blocks[i]);
  heap_check();
}

int main(void) {
  char *kept[8];
  size_t kept_count = 0;
  test_churn_keeps_pages();
  test_fallen_use_gives_back(kept, &kept_count);
  test_trim_gives_back_all(kept, kept_count);
  return check_done();
}
