/*
 * A small program's heap: what a short command-line tool allocates while it
 * parses its arguments and a little input, a couple of thousand strings and
 * nodes, a few I/O buffers and one larger table, before it prints a result
 * and exits.
 *
 * Why: most processes are small and short. For them an allocator's fixed
 * costs dominate: its own metadata, the first page of every size class it
 * touches, caches set up at start-up. bench/run.py records this program's
 * peak RSS and run time (with /bin/true and `python3 -c pass`) under every
 * allocator.
 *
 * Usage: tiny     (single thread; prints a checksum)
 */
#include "bench.h"

#define NODES 2000

int main(void) {
  rng_t rng;
  rng_seed(&rng, 11);
  static unsigned char *node[NODES];
  uint64_t h = 0;
  for (size_t i = 0; i < NODES; i++) {
    size_t n = rng_logrange(&rng, 8, 512);
    node[i] = xmalloc(n);
    memset(node[i], (int)(i & 0xff), n);
    h = mix(h, n);
  }
  unsigned char *buf[4];
  for (size_t i = 0; i < 4; i++) {
    buf[i] = xmalloc(4096 << i);
    memset(buf[i], 0x5a, 4096 << i);
  }
  unsigned char *table = xmalloc(256 << 10);
  memset(table, 0, 256 << 10);
  /* Half of the nodes die early, as temporaries do. */
  for (size_t i = 0; i < NODES; i += 2) {
    free(node[i]);
    node[i] = NULL;
  }
  for (size_t i = 1; i < NODES; i += 2) h = mix(h, node[i][0] + table[i]);
  for (size_t i = 0; i < NODES; i++) free(node[i]);
  for (size_t i = 0; i < 4; i++) free(buf[i]);
  free(table);
  print_checksum(h);
  return 0;
}
