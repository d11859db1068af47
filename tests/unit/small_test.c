/*
 * The small tier through wd_*: slots of one class are distinct, do not
 * overlap, lie on the class's slot grid inside the class's own address
 * range, are counted by wd_get_stats, and stay correct past the point where
 * the slab metadata has to be committed a second (and third...) time.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "src/config.h"
#include "src/size_class.h"
#include "tests/api/check.h"
#include "warden.h"

#define CLASS_SPAN ((uintptr_t)1 << WD_SMALL_CLASS_SHIFT)

static wd_stats_t stats(void) {
  wd_stats_t s;
  CHECK(wd_get_stats(&s) == 0);
  return s;
}

static int compare_ptr(const void *a, const void *b) {
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return (x > y) - (x < y);
}

/* Each class owns one span of address space, aligned to its size
 * (DESIGN.md: a pointer's class comes from address arithmetic alone). */
static uintptr_t span_of(uintptr_t p) { return p / CLASS_SPAN; }

/* Checks that n slots of request size `request` are distinct, do not
 * overlap, sit on their class's slot grid and in one span, and hold their
 * contents while all are live. The pointers are left in `slots`, sorted. */
static void check_slots(uintptr_t *slots, size_t n, size_t request) {
  unsigned c = small_class_of(request + SMALL_CANARY);
  const small_geometry_t *g = &small_geometry[c];
  for (size_t i = 0; i < n; i++) {
    void *p = wd_malloc(hide_size(request));
    slots[i] = (uintptr_t)p;
    if (!CHECK(p != NULL)) return;
    pattern_fill(p, request, i);
  }
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (pattern_mismatch((void *)slots[i], request, i) != SIZE_MAX) bad++;
  }
  CHECKF(bad == 0, "%zu of %zu slots of %zu bytes lost their contents", bad, n, request);

  qsort(slots, n, sizeof *slots, compare_ptr);
  size_t overlapping = 0, off_grid = 0, other_span = 0;
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && slots[i] - slots[i - 1] < g->slot_size) overlapping++;
    uintptr_t in_span = slots[i] % CLASS_SPAN;
    uintptr_t in_slab = in_span % g->slab_size;
    if (in_slab % g->slot_size != 0 || in_slab / g->slot_size >= g->slots) off_grid++;
    if (span_of(slots[i]) != span_of(slots[0])) other_span++;
  }
  CHECKF(overlapping == 0, "%zu slots of class %u overlap a neighbour", overlapping, g->slot_size);
  CHECKF(off_grid == 0, "%zu slots of class %u are off the slot grid", off_grid, g->slot_size);
  CHECKF(other_span == 0, "%zu slots of class %u lie outside the class's range", other_span, g->slot_size);
}

static uintptr_t slots_buf[600000];

static void test_one_class(void) {
  const size_t n = 5000, request = 40; /* 48-byte slots: not a power of two */
  unsigned c = small_class_of(request + SMALL_CANARY);
  size_t slot = small_geometry[c].slot_size;
  wd_stats_t before = stats();
  check_slots(slots_buf, n, request);
  wd_stats_t during = stats();
  CHECKF(during.small_live - before.small_live == n, "small_live rose by %zu for %zu slots",
         during.small_live - before.small_live, n);
  CHECKF(during.small_bytes - before.small_bytes == n * slot, "small_bytes rose by %zu, want %zu",
         during.small_bytes - before.small_bytes, n * slot);
  CHECKF(during.small_slabs - before.small_slabs >= n / small_geometry[c].slots,
         "%zu slots fit in %zu new slabs", n, during.small_slabs - before.small_slabs);
  CHECK(during.mapped_bytes > before.mapped_bytes);

  /* Another class lives in another range. */
  void *other = wd_malloc(hide_size(1000));
  CHECK(span_of((uintptr_t)other) != span_of(slots_buf[0]));
  wd_free(other);

  heap_check();
  for (size_t i = 0; i < n; i++) wd_free((void *)slots_buf[i]);
  wd_stats_t after = stats();
  CHECKF(after.small_live == before.small_live, "small_live %zu after freeing all, was %zu", after.small_live,
         before.small_live);
  CHECK(after.small_bytes == before.small_bytes);
  heap_check();
}

/* Enough 16-byte slots that the slab metadata outgrows its first commit
 * step several times over (each step holds a few hundred to a few thousand
 * slab records, depending on the record's size). */
/* Lines of /proc/self/maps: the process's mappings. */
static size_t mapping_count(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!CHECK(f != NULL)) return SIZE_MAX;
  size_t lines = 0;
  for (int ch; (ch = fgetc(f)) != EOF;) lines += ch == '\n';
  fclose(f);
  return lines;
}

static void test_many_slabs(void) {
  const size_t n = sizeof slots_buf / sizeof slots_buf[0];
  const size_t request = 16 - SMALL_CANARY;
  unsigned c = small_class_of(request + SMALL_CANARY);
  CHECK(small_geometry[c].slot_size == 16);
  wd_stats_t before = stats();
  check_slots(slots_buf, n, request);
  wd_stats_t during = stats();
  size_t new_slabs = during.small_slabs - before.small_slabs;
  CHECKF(new_slabs >= n / small_geometry[c].slots, "%zu slots in only %zu new slabs", n, new_slabs);
  CHECKF(new_slabs > 2000, "only %zu slabs: the metadata commit steps were not crossed", new_slabs);
  /* A thread's slabs are carved side by side, in runs, and the kernel
   * merges neighbours into one mapping (not all of them: slabs carved out
   * of order keep separate bookkeeping). One or more mappings per slab
   * would exhaust vm.max_map_count (65530 by default) in a big heap, and
   * every mapping costs at fork. */
  size_t maps = mapping_count();
  CHECKF(maps < new_slabs, "%zu mappings for %zu slabs", maps, new_slabs);
  CHECK(during.small_live - before.small_live == n);
  heap_check();
  /* Free in an order unlike the allocation order, touching slabs all over. */
  for (size_t stride = 7, start = 0; start < stride; start++) {
    for (size_t i = start; i < n; i += stride) wd_free((void *)slots_buf[i]);
  }
  CHECK(stats().small_live == before.small_live);
  heap_check();

  /* The freed slots are handed out again correctly. */
  check_slots(slots_buf, 20000, request);
  for (size_t i = 0; i < 20000; i++) wd_free((void *)slots_buf[i]);
  heap_check();
}

static void test_every_class(void) {
  /* A few slots of each class, all live together, each in its own range. */
  uintptr_t spans[SMALL_CLASS_COUNT];
  for (unsigned c = 1; c < SMALL_CLASS_COUNT; c++) {
    size_t request = small_geometry[c].slot_size - SMALL_CANARY;
    check_slots(slots_buf, 50, request);
    spans[c] = span_of(slots_buf[0]);
    for (unsigned k = 1; k < c; k++) CHECKF(spans[k] != spans[c], "classes %u and %u share a range", k, c);
    heap_check();
    for (size_t i = 0; i < 50; i++) {
      CHECK(wd_malloc_usable_size((void *)slots_buf[i]) == request);
      wd_free((void *)slots_buf[i]);
    }
  }
  heap_check();
}

static void test_malloc_zero_slots(void) {
  wd_stats_t before = stats();
  void *p[64];
  for (int i = 0; i < 64; i++) p[i] = wd_malloc(hide_size(0));
  CHECK(stats().small_live == before.small_live + 64);
  /* DESIGN.md: malloc(0) slots are never accessible. */
  CHECK(read_faults(p[0]));
  CHECK(read_faults(p[63]));
  for (int i = 0; i < 64; i++) wd_free(p[i]);
  CHECK(stats().small_live == before.small_live);
}


/* Empty slabs give their pages back once they stayed empty through a whole
 * WD_SMALL_PURGE_DELAY of frees in their class (so within two delays), not
 * at every free, and slabs in use in between keep theirs; their slots read
 * zero afterwards, so that reusing them passes the write-after-free check,
 * and the checker finds the class sound. */
/* Frees at least `bytes` of slots of request's class, in batches larger
 * than the quarantine and the thread cache, so that as many leave them. */
static bool churn(size_t request, size_t bytes) {
  enum { BATCH = 256 };
  static void *q[BATCH];
  const size_t slot = small_geometry[small_class_of(request + SMALL_CANARY)].slot_size;
  for (size_t freed = 0; freed < bytes; freed += BATCH * slot) {
    for (size_t k = 0; k < BATCH; k++) {
      q[k] = wd_malloc(hide_size(request));
      if (!CHECK(q[k] != NULL)) return false;
    }
    for (size_t k = 0; k < BATCH; k++) wd_free(q[k]);
  }
  return true;
}

static void test_empty_slabs_purged(void) {
  enum { N = 2000 };
  const size_t request = 1000;
  unsigned c = small_class_of(request + SMALL_CANARY);
  const size_t slot = small_geometry[c].slot_size;
  static char *p[N];
  wd_trim(); /* the delay counts from here */
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(request));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], 0x42, request);
  }
  for (size_t i = 0; i < N; i++) wd_free(p[i]);
  size_t resident = 0;
  for (size_t i = 0; i < N; i++) resident += page_residency(p[i]) == 1;
  CHECKF(resident == N, "%zu of %d freed slots' pages resident before the delay", resident, N);
  /* Churned until the class has freed the delay's worth: the first pass
   * only marks the empty slabs, the second gives them back. */
  if (!churn(request, WD_SMALL_PURGE_DELAY + N * slot)) return;
  size_t dropped = 0;
  for (size_t i = 0; i < N; i++) dropped += page_residency(p[i]) == 0;
  CHECKF(dropped < N / 2, "%zu of %d freed slots' pages given back at the first pass", dropped, N);
  if (!churn(request, WD_SMALL_PURGE_DELAY)) return;
  dropped = 0;
  for (size_t i = 0; i < N; i++) dropped += page_residency(p[i]) == 0;
  CHECKF(dropped >= N / 2, "%zu of %d freed slots' pages given back after two delays", dropped, N);
  heap_check();
  /* Reused: zero (no false write-after-free), sound. */
  size_t nonzero = 0;
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(request));
    if (!CHECK(p[i] != NULL)) return;
    nonzero += first_nonzero(p[i], request) != SIZE_MAX;
  }
#if WD_ZERO_ON_FREE
  CHECKF(nonzero == 0, "%zu reused slots not zero", nonzero);
#else
  (void)nonzero; /* without zeroing, a slot that kept its page holds old bytes */
#endif
  for (size_t i = 0; i < N; i++) wd_free(p[i]);
  heap_check();
}

/* A class's quarantine holds at most WD_SMALL_QUARANTINE_BYTES of slots:
 * of 64 slots of 16 KiB freed together, all but the few that fit are
 * available again, so a program's biggest classes do not each keep
 * megabytes. The frees are made by a thread that exits, whose cache hands
 * them all to the class quarantine at once. */
#define BIG_REQUEST 16000
#define BIG_SLOTS 64

static void *free_all(void *arg) {
  void **slots = arg;
  for (int i = 0; i < BIG_SLOTS; i++) wd_free(slots[i]);
  return NULL;
}

static void test_quarantine_bytes_bounded(void) {
  static void *freed[BIG_SLOTS];
  for (int i = 0; i < BIG_SLOTS; i++) freed[i] = wd_malloc(hide_size(BIG_REQUEST));
  pthread_t t;
  CHECK(pthread_create(&t, NULL, free_all, freed) == 0 && pthread_join(t, NULL) == 0);
  size_t held_max = WD_SMALL_QUARANTINE_BYTES / small_class_size(small_class_of(BIG_REQUEST + SMALL_CANARY));
  /* Twice as many requests: the first may be served by slots the cache
   * or partial slabs held before. */
  int reused = 0;
  for (int i = 0; i < 2 * BIG_SLOTS; i++) {
    void *p = wd_malloc(hide_size(BIG_REQUEST));
    for (int k = 0; k < BIG_SLOTS; k++) reused += p == freed[k];
  }
  CHECKF((size_t)reused + held_max >= BIG_SLOTS, "%d of %d freed 16 KiB slots reused, %zu may be held",
         reused, BIG_SLOTS, held_max);
}

static long minor_faults(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

/* A fresh slot's page faults once, for writing: hand-out touches it for
 * writing before the zero check reads it, which would otherwise map the
 * shared zero page and fault again (with a TLB flush) at the first write.
 * Runs first, on a class nothing used before. */
static void test_fresh_pages_fault_once(void) {
  enum { N = 512 };
  const size_t request = 2000;
  const size_t slot = small_geometry[small_class_of(request + SMALL_CANARY)].slot_size;
  static void *p[N];
  wd_free(wd_malloc(hide_size(16))); /* the heap and this thread's cache set up */
  long before = minor_faults();
  for (size_t i = 0; i < N; i++) {
    p[i] = wd_malloc(hide_size(request));
    if (!CHECK(p[i] != NULL)) return;
    memset(p[i], 0x5a, request);
  }
  long faults = minor_faults() - before;
  const long pages = (long)(N * slot / 4096);
  /* The slabs' metadata faults a few pages more. */
  CHECKF(faults <= pages + pages / 8, "%ld faults for %ld fresh pages", faults, pages);
  for (size_t i = 0; i < N; i++) wd_free(p[i]);
}

int main(void) {
  test_fresh_pages_fault_once();
  test_one_class();
  test_every_class();
  test_malloc_zero_slots();
  test_many_slabs();
  test_empty_slabs_purged();
  test_quarantine_bytes_bounded();
  heap_check();
  return check_done();
}
