/*
 * Mixed sizes with realloc: the way parsers, string builders and dynamic
 * arrays use the heap. A pool of growable buffers is appended to a few bytes
 * at a time; half of them grow with an exact-size realloc on every append
 * (naive string building, the worst case for an allocator without in-place
 * growth), half double their capacity (vectors). Now and then a buffer is
 * shrunk to fit, or dropped and started again; once one passes 256 KiB it is
 * always dropped. In between, short-lived temporaries from 16 B to 64 KiB
 * are made and freed. Sizes therefore cross Warden's small classes and
 * its medium tier (buffers reach 512 KiB of capacity).
 *
 * Why: realloc is where allocators differ most (in-place growth, copying
 * across size classes, moving between tiers) and where a hardened allocator
 * pays for its checks on both the old and the new block. Every buffer's
 * contents are a function of position, so the checksum also verifies that
 * realloc preserved the data.
 *
 * Usage: realloc [OPS] [BUFFERS]     (single thread)
 */
#include "bench.h"

typedef struct {
  unsigned char *data;
  size_t len;
  size_t cap;
  uint64_t gen; /* contents depend on it, so restarts write new bytes */
  int exact;    /* 1: realloc to the exact length on every append */
} buf_t;

static inline unsigned char byte_at(const buf_t *b, size_t pos) {
  return (unsigned char)((pos * 131u + b->gen * 7u) >> 3);
}

static uint64_t drop(buf_t *b, uint64_t h) {
  if (b->data != NULL && b->len > 0) {
    /* Verify a few positions survived every realloc. */
    h = mix(h, b->data[0]);
    h = mix(h, b->data[b->len / 2]);
    h = mix(h, b->data[b->len - 1]);
    h = mix(h, b->len);
  }
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->gen++;
  return h;
}

int main(int argc, char **argv) {
  long ops = arg_long(argc, argv, 1, 3000000);
  size_t nbuf = (size_t)arg_long(argc, argv, 2, 512);
  rng_t r;
  rng_seed(&r, 0x7265616c6c6f63ULL);
  buf_t *bufs = calloc(nbuf, sizeof *bufs);
  if (bufs == NULL) return 1;
  for (size_t i = 0; i < nbuf; i++) {
    bufs[i].exact = (int)(i & 1);
    bufs[i].gen = i;
  }
  uint64_t h = 0;
  for (long op = 0; op < ops; op++) {
    buf_t *b = &bufs[rng_next(&r) % nbuf];
    unsigned pick = (unsigned)(rng_next(&r) % 1000);
    if (pick < 780) {
      /* Append: mostly a few bytes, sometimes a line, rarely a block. */
      unsigned k = (unsigned)(rng_next(&r) % 64);
      size_t add = k < 48 ? rng_range(&r, 1, 24) : k < 62 ? rng_range(&r, 25, 400) : rng_range(&r, 401, 8192);
      size_t need = b->len + add;
      if (need > b->cap) {
        size_t cap = b->exact ? need : (b->cap ? b->cap * 2 : 16);
        while (cap < need) cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
      }
      for (size_t j = 0; j < add; j++) b->data[b->len + j] = byte_at(b, b->len + j);
      b->len = need;
      if (b->len > 256 * 1024) h = drop(b, h);
    } else if (pick < 840) {
      /* Shrink to fit (or truncate and fit), as a finished string would. */
      if (b->len > 1) {
        size_t keep = b->len - rng_range(&r, 0, b->len / 2);
        h = mix(h, b->data[keep - 1]);
        b->data = xrealloc(b->data, keep);
        b->len = b->cap = keep;
      }
    } else if (pick < 845) {
      h = drop(b, h);
    } else {
      /* A temporary: mostly small, with a tail to 64 KiB. */
      size_t n = (rng_next(&r) & 3) ? rng_range(&r, 16, 512) : rng_logrange(&r, 513, 65536);
      unsigned char *t = xmalloc(n);
      memset(t, (int)(op & 0xff), n < 256 ? n : 256);
      t[n - 1] = (unsigned char)n;
      h = mix(h, (uint64_t)t[0] + t[n - 1]);
      free(t);
    }
  }
  for (size_t i = 0; i < nbuf; i++) h = drop(&bufs[i], h);
  free(bufs);
  print_checksum(h);
  return 0;
}
