/* Nothing of a freed medium block reaches its next owner. The default
 * build zeroes a block when it is freed, so every usable byte of a block
 * handed out again reads as zero (that a freed block reads as zero at once
 * is freed_memory_zero_test's case). In both builds no metadata
 * does: the free-list links that a free block holds at the start of its
 * payload are cleared before it is handed out, and so is every header,
 * checksum, footer and canary a merge buries; the light build hands out
 * the old owner's bytes, and nothing else. */
#include <stdbool.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

#define DIRTY 8
#define DIRTY_SIZE 80000
/* Three of these fill the first 120 KB of a merged dirty pair, over the
 * words the merge buried. */
#define TAKE_SIZE 40000
/* Other free blocks may be served first: the flush's blocks, freed in a
 * random order, merge into runs of any size, and a run smaller than a dirty
 * pair is found first. Requests go on until the dirty pairs have served
 * their share or this many were made (40 MB), every one kept and checked. */
#define TAKE_LIMIT 1000
#define WORD_OF_A 0x4141414141414141ULL

/* The link words first: they are the one place metadata sat at the start
 * of every free block. */
static int check_clean(const unsigned char *q, size_t usable) {
  uint64_t first[2];
  memcpy(first, q, sizeof first);
  if (first[0] != 0 || first[1] != 0) {
    fprintf(stderr, "link words handed out: %016llx %016llx\n", (unsigned long long)first[0],
            (unsigned long long)first[1]);
  }
  CHECK(first[0] == 0 && first[1] == 0);
  for (size_t off = 0; off + 8 <= usable; off += 8) {
    uint64_t w;
    memcpy(&w, q + off, sizeof w);
    /* Light: the old owner's bytes may stay; anything else is metadata. */
    bool ok = w == 0 || (WD_LIGHT && w == WORD_OF_A);
    if (!ok) fprintf(stderr, "word %zu of a reused block is %016llx\n", off / 8, (unsigned long long)w);
    CHECK(ok);
  }
  return 0;
}

static int reused_blocks_clean(void *ctx) {
  (void)ctx;
  medium_flush_t f;
  medium_flush_reserve(&f);
  /* Dirty blocks in adjacent pairs, which merge when freed (the second's
   * header, checksum and the first's footer and canary end up inside the
   * merged block), with a live guard after each pair. */
  unsigned char *dirty[DIRTY];
  for (int i = 0; i < DIRTY; i++) {
    dirty[i] = launder(malloc(DIRTY_SIZE));
    memset(dirty[i], 0x41, malloc_usable_size(dirty[i]));
    if (i % 2 == 1) (void)launder(malloc(20000));
  }
  for (int i = 0; i < DIRTY; i++) free(dirty[i]);
  medium_flush(&f);
  /* Three requests per merged pair, over the buried words. */
  int reused = 0;
  for (int k = 0; k < TAKE_LIMIT && reused < DIRTY / 2 * 3; k++) {
    unsigned char *q = launder(malloc(TAKE_SIZE));
    CHECK(q != NULL);
    if (check_clean(q, malloc_usable_size(q)) != 0) return 1;
    for (int i = 0; i < DIRTY; i++) reused += q >= dirty[i] && q < dirty[i] + DIRTY_SIZE;
  }
  /* Otherwise the test proves nothing. */
  if (reused < DIRTY / 2 * 3) fprintf(stderr, "%d requests came from the dirty blocks\n", reused);
  CHECK(reused >= DIRTY / 2 * 3);
  return 0;
}


int main(void) {
  expect_warden();
  expect_survives("reused medium blocks hold nothing stale", reused_blocks_clean, NULL);
  return 0;
}
