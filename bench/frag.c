/*
 * Fragmentation: long-lived blocks scattered among short-lived ones. The
 * program goes through phases, as a compiler goes through passes or a
 * server through request bursts. Each phase allocates a burst of objects
 * from its own size range (the ranges move from phase to phase: 16-64 B,
 * 64-256 B, ... up to 16 KiB and back), keeps one in 24 of them for good
 * (caches, interned strings, results), and frees the rest when the phase
 * ends. At the end the survivors are a small fraction of everything ever
 * allocated, spread thinly over the memory that the bursts used.
 *
 * Why: this is what makes a long-running process's memory grow. An
 * allocator that cannot reuse the holes left by one size range for the
 * next one, or cannot give back pages that hold only a few survivors,
 * keeps its peak footprint forever. The program prints the final resident
 * set (VmRSS) with the survivors still live, and VmHWM, as "metric" lines;
 * bench/run.py records final RSS beside the peak that /usr/bin/time sees.
 *
 * Usage: frag [PHASES] [OBJECTS_PER_PHASE]     (single thread)
 */
#include "bench.h"

/* Size ranges of the phases, cycled: small and large classes alternate so
 * that holes of one range are rarely a fit for the next. */
static const size_t lo_of[] = {16, 256, 64, 2048, 32, 1024, 128, 8192, 48, 512};
static const size_t hi_of[] = {64, 1024, 256, 16384, 96, 4096, 512, 16384, 160, 2048};
#define NRANGES (sizeof lo_of / sizeof lo_of[0])
#define KEEP_EVERY 24

int main(int argc, char **argv) {
  long phases = arg_long(argc, argv, 1, 20);
  long per_phase = arg_long(argc, argv, 2, 400000);
  rng_t r;
  rng_seed(&r, 0x66726167ULL);
  size_t cap = (size_t)(phases * (per_phase / KEEP_EVERY + 1));
  unsigned char **keep = xmalloc(cap * sizeof *keep);
  size_t nkeep = 0, kept_bytes = 0;
  unsigned char **burst = xmalloc((size_t)per_phase * sizeof *burst);
  uint64_t h = 0;
  for (long ph = 0; ph < phases; ph++) {
    size_t lo = lo_of[ph % NRANGES], hi = hi_of[ph % NRANGES];
    /* Keep the bytes per phase comparable: fewer objects when they are big. */
    long count = per_phase / (long)(1 + (lo + hi) / 2 / 256);
    long nb = 0;
    for (long i = 0; i < count; i++) {
      size_t n = rng_logrange(&r, lo, hi);
      unsigned char *p = xmalloc(n);
      p[0] = (unsigned char)i;
      p[n - 1] = (unsigned char)ph;
      memset(p + 1, 0x33, n - 2 < 48 ? n - 2 : 48);
      if (i % KEEP_EVERY == KEEP_EVERY / 2) {
        keep[nkeep++] = p;
        kept_bytes += n;
      } else {
        burst[nb++] = p;
      }
    }
    /* Free the short-lived ones in a scrambled order, as real lifetimes end. */
    for (long i = nb - 1; i > 0; i--) {
      long j = (long)(rng_next(&r) % (uint64_t)(i + 1));
      unsigned char *t = burst[i];
      burst[i] = burst[j];
      burst[j] = t;
    }
    for (long i = 0; i < nb; i++) {
      h = mix(h, burst[i][0]);
      free(burst[i]);
    }
  }
  free(burst);
  for (size_t i = 0; i < nkeep; i++) h = mix(h, keep[i][0]);
  long rss = status_kb("VmRSS"), hwm = status_kb("VmHWM");
  print_checksum(mix(h, kept_bytes));
  printf("live_kb %zu\n", kept_bytes / 1024);
  printf("metric rss_final_kb %ld\n", rss);
  printf("metric rss_peak_kb %ld\n", hwm);
  for (size_t i = 0; i < nkeep; i++) free(keep[i]);
  free(keep);
  return 0;
}
