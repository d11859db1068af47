/*
 * Large-allocation churn: buffers from 64 KiB to 8 MiB (image tiles, file
 * and network buffers, matrix temporaries) in a working set of a few dozen,
 * each replaced at random. A quarter of them come from calloc. Every page of
 * a new buffer is written once (so the cost of getting fresh pages from the
 * kernel, and of zeroing them, is counted), and the buffer's first and last
 * bytes are read back before it is freed.
 *
 * Why: at these sizes the allocator's own bookkeeping is cheap and what
 * matters is its policy toward the kernel: an allocator that maps and unmaps
 * every buffer pays a page fault per page, every time; one that keeps
 * memory around is fast but holds more. Guard pages and quarantines of
 * freed mappings (a hardened allocator's protections) show up here too.
 *
 * Usage: large [OPS] [SLOTS]     (single thread)
 */
#include "bench.h"

int main(int argc, char **argv) {
  long ops = arg_long(argc, argv, 1, 12000);
  size_t nslots = (size_t)arg_long(argc, argv, 2, 24);
  rng_t r;
  rng_seed(&r, 0x6c61726765ULL);
  unsigned char **slots = calloc(nslots, sizeof *slots);
  size_t *sizes = calloc(nslots, sizeof *sizes);
  if (slots == NULL || sizes == NULL) return 1;
  uint64_t h = 0;
  for (long op = 0; op < ops; op++) {
    size_t i = (size_t)(rng_next(&r) % nslots);
    if (slots[i] != NULL) {
      h = mix(h, slots[i][0] + ((uint64_t)slots[i][sizes[i] - 1] << 8) + sizes[i]);
      free(slots[i]);
    }
    size_t n = rng_logrange(&r, 64 * 1024, 8 * 1024 * 1024);
    unsigned char *p;
    if ((rng_next(&r) & 3) == 0) {
      p = calloc(1, n);
      if (p == NULL) return 3;
      h = mix(h, p[n / 2]); /* must read zero */
    } else {
      p = xmalloc(n);
    }
    for (size_t off = 0; off < n; off += 4096) p[off] = (unsigned char)(op + (long)(off >> 12));
    p[n - 1] = (unsigned char)n;
    slots[i] = p;
    sizes[i] = n;
  }
  for (size_t i = 0; i < nslots; i++) free(slots[i]);
  free(slots);
  free(sizes);
  print_checksum(h);
  return 0;
}
