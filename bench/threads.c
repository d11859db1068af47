/*
 * Many short-lived threads: a program that starts a thread per task (a
 * naive server, a parallel build step, a test runner). Each thread lives
 * for a few hundred allocations: it builds a small hash table of string
 * nodes (8 B to 2 KiB), tears it down, and hands a result object back to the
 * main thread, which frees it (a remote free after the allocating thread is
 * gone). THREADS tasks run at a time (default 2).
 *
 * Why: the cost of setting up and tearing down per-thread allocator state
 * (arenas, caches, thread-specific data destructors) is invisible in
 * long-running threads and dominant here; allocators that keep per-thread
 * memory must also give it back or hand it on when a thread exits, or they
 * leak with every thread.
 *
 * Usage: threads [TASKS] [ITEMS_PER_TASK] [THREADS]
 */
#include <pthread.h>

#include "bench.h"

typedef struct node {
  struct node *next;
  size_t len;
  char key[];
} node_t;

typedef struct {
  long task;
  long items;
  uint64_t *result; /* allocated by the task, freed by main */
} task_t;

static void *run_task(void *arg) {
  task_t *t = arg;
  rng_t r;
  rng_seed(&r, 0x746872656164ULL + (uint64_t)t->task);
  size_t nb = 64;
  node_t **buckets = calloc(nb, sizeof *buckets);
  if (buckets == NULL) exit(3);
  uint64_t h = 0;
  for (long i = 0; i < t->items; i++) {
    size_t len = (rng_next(&r) % 16) ? rng_range(&r, 8, 120) : rng_range(&r, 121, 2000);
    node_t *n = xmalloc(sizeof *n + len);
    n->len = len;
    for (size_t k = 0; k < len && k < 16; k++) n->key[k] = (char)('a' + (i + (long)k) % 26);
    size_t b = (size_t)(rng_next(&r) % nb);
    n->next = buckets[b];
    buckets[b] = n;
  }
  for (size_t b = 0; b < nb; b++) {
    node_t *n = buckets[b];
    while (n != NULL) {
      node_t *next = n->next;
      h = mix(h, n->len + (unsigned char)n->key[0]);
      free(n);
      n = next;
    }
  }
  free(buckets);
  t->result = xmalloc(sizeof *t->result * 8);
  t->result[0] = h;
  return NULL;
}

int main(int argc, char **argv) {
  long tasks = arg_long(argc, argv, 1, 20000);
  long items = arg_long(argc, argv, 2, 300);
  int threads = (int)arg_long(argc, argv, 3, 2);
  task_t *ts = calloc((size_t)threads, sizeof *ts);
  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  if (ts == NULL || tids == NULL) return 1;
  uint64_t h = 0;
  for (long done = 0; done < tasks; done += threads) {
    int k = 0;
    for (; k < threads && done + k < tasks; k++) {
      ts[k].task = done + k;
      ts[k].items = items;
      if (pthread_create(&tids[k], NULL, run_task, &ts[k]) != 0) return 1;
    }
    for (int i = 0; i < k; i++) {
      pthread_join(tids[i], NULL);
      h = mix(h, ts[i].result[0]);
      free(ts[i].result);
    }
  }
  free(ts);
  free(tids);
  print_checksum(h);
  return 0;
}
