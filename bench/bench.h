/*
 * Helpers shared by the benchmark workloads in bench/ (header only).
 *
 * Every workload is deterministic: its random choices come from the
 * generator below with fixed seeds, one generator per thread, so the work
 * done and the checksum printed are the same under every allocator. A
 * workload prints its checksum as "checksum <hex>" on stdout; lines that
 * start with "metric " carry measurements (they differ between allocators)
 * and are left out of the comparison by bench/run.py.
 */
#ifndef WD_BENCH_H
#define WD_BENCH_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: small, fast, and good enough to pick sizes and slots. */
typedef struct {
  uint64_t s;
} rng_t;

static inline void rng_seed(rng_t *r, uint64_t seed) {
  /* splitmix64 step, so that nearby seeds give unrelated streams */
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  r->s = z ? z : 1;
}

static inline uint64_t rng_next(rng_t *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [lo, hi] (inclusive); the tiny modulo bias does not matter here. */
static inline size_t rng_range(rng_t *r, size_t lo, size_t hi) {
  return lo + (size_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Roughly log-uniform in [lo, hi]: as many requests near lo as near hi per doubling. */
static inline size_t rng_logrange(rng_t *r, size_t lo, size_t hi) {
  unsigned lo_bits = 63u - (unsigned)__builtin_clzll(lo);
  unsigned hi_bits = 63u - (unsigned)__builtin_clzll(hi);
  unsigned b = lo_bits + (unsigned)(rng_next(r) % (hi_bits - lo_bits + 1));
  size_t base = (size_t)1 << b;
  size_t v = base + (size_t)(rng_next(r) % base);
  return v < lo ? lo : v > hi ? hi : v;
}

/* FNV-1a style mixing of a value into a running checksum. */
static inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v;
  h *= 0x100000001b3ULL;
  h ^= h >> 29;
  return h;
}

static inline void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (p == NULL) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    exit(3);
  }
  return p;
}

static inline void *xrealloc(void *old, size_t n) {
  void *p = realloc(old, n);
  if (p == NULL) {
    fprintf(stderr, "out of memory in realloc (%zu bytes)\n", n);
    exit(3);
  }
  return p;
}

static inline long arg_long(int argc, char **argv, int i, long dflt) {
  return argc > i ? atol(argv[i]) : dflt;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), or -1. */
static inline long status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long v = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof line, f) != NULL) {
    if (strncmp(line, field, n) == 0 && line[n] == ':') {
      v = atol(line + n + 1);
      break;
    }
  }
  fclose(f);
  return v;
}

static inline void print_checksum(uint64_t h) { printf("checksum %016" PRIx64 "\n", h); }

#endif /* WD_BENCH_H */
