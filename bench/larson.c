/*
 * Server simulation in the style of Larson and Krishnan's benchmark (the
 * idea, not their code): each worker keeps a table of live objects (the
 * state of the connections it serves) and handles requests by replacing a
 * random entry with a new object of random size. After a fixed number of
 * requests the worker retires and a fresh thread takes over its table, as
 * when a thread pool recycles threads; so most frees are of objects that a
 * thread which no longer exists allocated, and every generation starts with
 * a cold thread cache.
 *
 * Why: it mixes the per-thread fast path (most requests) with inherited,
 * foreign objects and thread turnover, the pattern that separates
 * allocators with per-thread heaps that cannot adopt orphaned memory (they
 * grow) from those with one locked heap (they serialize). Unlike the
 * original it runs a fixed amount of work, not a fixed time, so the checksum
 * is the same everywhere.
 *
 * THREADS tables are served at once (default 2); each is handed to a new
 * thread GENERATIONS times. Sizes are 16-400 bytes, mostly under 128.
 *
 * Usage: larson [GENERATIONS] [REQUESTS_PER_GENERATION] [SLOTS] [THREADS]
 */
#include <pthread.h>

#include "bench.h"

typedef struct {
  unsigned char **slots;
  size_t nslots;
  long requests;
  rng_t rng; /* carried across generations with the table */
  uint64_t sum;
} table_t;

static size_t request_size(rng_t *r) {
  uint64_t k = rng_next(r);
  return (k & 3) ? 16 + (size_t)((k >> 8) % 112) : 128 + (size_t)((k >> 8) % 273);
}

static void *serve(void *arg) {
  table_t *t = arg;
  uint64_t h = t->sum;
  for (long i = 0; i < t->requests; i++) {
    size_t j = (size_t)(rng_next(&t->rng) % t->nslots);
    unsigned char *old = t->slots[j];
    if (old != NULL) {
      h = mix(h, old[0] + ((uint64_t)old[1] << 8));
      free(old);
    }
    size_t n = request_size(&t->rng);
    unsigned char *p = xmalloc(n);
    p[0] = (unsigned char)n;
    p[1] = (unsigned char)i;
    memset(p + 2, 0x5a, n < 64 ? n - 2 : 62);
    t->slots[j] = p;
  }
  t->sum = h;
  return NULL;
}

int main(int argc, char **argv) {
  long generations = arg_long(argc, argv, 1, 400);
  long requests = arg_long(argc, argv, 2, 25000);
  size_t nslots = (size_t)arg_long(argc, argv, 3, 20000);
  int threads = (int)arg_long(argc, argv, 4, 2);
  table_t *tables = calloc((size_t)threads, sizeof *tables);
  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  if (tables == NULL || tids == NULL) return 1;
  for (int i = 0; i < threads; i++) {
    tables[i].slots = calloc(nslots, sizeof(unsigned char *));
    if (tables[i].slots == NULL) return 1;
    tables[i].nslots = nslots;
    tables[i].requests = requests;
    rng_seed(&tables[i].rng, 0x6c6172736f6eULL + (uint64_t)i);
  }
  for (long g = 0; g < generations; g++) {
    for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, serve, &tables[i]);
    for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  }
  uint64_t h = 0;
  for (int i = 0; i < threads; i++) {
    for (size_t j = 0; j < nslots; j++) free(tables[i].slots[j]);
    free(tables[i].slots);
    h = mix(h, tables[i].sum);
  }
  free(tables);
  free(tids);
  print_checksum(h);
  return 0;
}
