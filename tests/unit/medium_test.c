/*
 * The medium tier: splitting, coalescing, free-list reuse, chunk release,
 * aligned blocks and the quarantine of freed blocks, observed through
 * addresses, wd_get_stats and wd_heap_check (which walks tiling, tags,
 * checksums, canaries, lists, bitmaps and the quarantine).
 *
 * One source, two targets (BUILD). medium_test runs the layout scenarios
 * with the medium quarantine and randomized reuse turned off through
 * WARDEN_OPTIONS: there a free reaches the free lists at once and a request
 * takes the first block that fits, so addresses and free-block counts are
 * exact. medium_quarantine_test (QUARANTINE_SCENARIOS) runs in the build's
 * own setting and checks what the quarantine does to frees.
 *
 * The scenarios run in order in one process, starting from an untouched
 * medium tier (this test links //src:core only, so nothing else allocates
 * from Warden). Block sizes are chosen on the boundaries of the segregated
 * lists, so that a request of exactly a free block's size is served from
 * that block (DESIGN.md: good fit) and an address comparison tells whether
 * two blocks coalesced.
 */
#include <sys/mman.h>

#include "src/config.h"
#include "src/medium_block.h"
#include "tests/api/check.h"
#include "warden.h"

#define CHUNK ((size_t)1 << WD_MEDIUM_CHUNK_SHIFT)
/* The one free block of an empty chunk: everything but the sentinel words. */
#define WHOLE ((CHUNK / MB_WORD - MB_FIRST - MB_TAIL) * MB_WORD)
/* Payload offset of a chunk's first block: sentinel words, then a header. */
#define FIRST_PAYLOAD ((MB_FIRST + 2) * MB_WORD)
/* The canary word between a live block's usable end and its footer. */
#define CANARY (WD_CANARY ? (size_t)MB_WORD : 0)
/* A request whose block is exactly `block` bytes. */
#define REQUEST(block) ((size_t)(block) - MB_OVERHEAD - CANARY)
#define K32 ((size_t)32768)

static wd_stats_t stats(void) {
  wd_stats_t s;
  wd_get_stats(&s);
  return s;
}

static size_t block_of(void *p) { return wd_malloc_usable_size(p) + MB_OVERHEAD + CANARY; }

/* After every step: the checker's invariants, and the byte accounting that
 * every chunk is exactly its live and free blocks and `waiting` bytes of
 * freed blocks in the quarantine. */
static void step_waiting(const char *what, size_t waiting) {
  heap_check();
  wd_stats_t s = stats();
  CHECKF(s.medium_quarantined_bytes == waiting, "after %s: %zu bytes quarantined, want %zu", what,
         s.medium_quarantined_bytes, waiting);
  CHECKF(s.medium_bytes + s.medium_free_bytes + s.medium_quarantined_bytes == s.medium_chunks * WHOLE,
         "after %s: live %zu + free %zu + quarantined %zu bytes != %zu chunks", what, s.medium_bytes,
         s.medium_free_bytes, s.medium_quarantined_bytes, s.medium_chunks);
}

static void expect_lists(const char *what, size_t blocks, size_t bytes, size_t waiting) {
  wd_stats_t s = stats();
  CHECKF(s.medium_free_blocks == blocks, "after %s: %zu free blocks, want %zu", what, s.medium_free_blocks,
         blocks);
  CHECKF(s.medium_free_bytes == bytes, "after %s: %zu free bytes, want %zu", what, s.medium_free_bytes, bytes);
  step_waiting(what, waiting);
}

/* n bytes, which must take a block of exactly `block` bytes. */
static void *alloc_request(size_t n, size_t block) {
  void *p = wd_malloc(hide_size(n));
  CHECK(p != NULL);
  CHECKF(block_of(p) == block, "a %zu-byte block came out as %zu", block, block_of(p));
  return p;
}

static void *alloc_block(size_t block) { return alloc_request(REQUEST(block), block); }

#ifndef QUARANTINE_SCENARIOS
static void step(const char *what) { step_waiting(what, 0); }

static void expect_free(const char *what, size_t blocks, size_t bytes) { expect_lists(what, blocks, bytes, 0); }

static char *chunk_of(void *p) { return (char *)((uintptr_t)p & ~(uintptr_t)(CHUNK - 1)); }

static char *a_addr, *b_addr, *c_addr;

static void test_split_and_coalesce(void) {
  CHECK(stats().medium_chunks == 0);
  char *a = alloc_block(K32);
  CHECKF((uintptr_t)a % CHUNK == FIRST_PAYLOAD, "first block of a fresh chunk at offset %zu",
         (size_t)((uintptr_t)a % CHUNK));
  wd_stats_t s = stats();
  CHECK(s.medium_chunks == 1 && s.medium_live == 1 && s.medium_bytes == K32);
  expect_free("first allocation", 1, WHOLE - K32);

  /* Each split leaves the rest right after the block. */
  char *b = alloc_block(K32);
  char *c = alloc_block(K32);
  CHECKF(b == a + K32, "b=%p is not right after a=%p", (void *)b, (void *)a);
  CHECKF(c == b + K32, "c=%p is not right after b=%p", (void *)c, (void *)b);
  expect_free("three allocations", 1, WHOLE - 3 * K32);
  a_addr = a, b_addr = b, c_addr = c;

  /* a has no free neighbour; b then joins it (coalesce with the previous). */
  wd_free(a);
  expect_free("free a", 2, WHOLE - 2 * K32);
  wd_free(b);
  expect_free("free b after a", 2, WHOLE - K32);
  char *ab = alloc_block(2 * K32);
  CHECKF(ab == a, "a+b should serve 64 KiB at %p, got %p", (void *)a, (void *)ab);
  expect_free("reuse a+b", 1, WHOLE - 3 * K32);
  wd_free(ab);
  expect_free("free a+b", 2, WHOLE - K32);
}

static void test_remainder_reuse_and_next_coalesce(void) {
  /* Splitting the free 64 KiB block serves the first half and lists the
   * remainder, which the next request of its size takes. */
  char *a = alloc_block(K32);
  CHECKF(a == a_addr, "split of the 64 KiB block: %p, want %p", (void *)a, (void *)a_addr);
  expect_free("split", 2, WHOLE - 2 * K32);
  char *b = alloc_block(K32);
  CHECKF(b == b_addr, "remainder of the split: %p, want %p", (void *)b, (void *)b_addr);
  expect_free("remainder reused", 1, WHOLE - 3 * K32);

  /* b first (no free neighbour), then a, which coalesces with its next. */
  wd_free(b);
  expect_free("free b", 2, WHOLE - 2 * K32);
  wd_free(a);
  expect_free("free a after b", 2, WHOLE - K32);
  char *ab = alloc_block(2 * K32);
  CHECKF(ab == a_addr, "b+a should serve 64 KiB at %p, got %p", (void *)a_addr, (void *)ab);
  wd_free(ab);
  expect_free("free b+a", 2, WHOLE - K32);
}

static void test_three_way(void) {
  char *a = alloc_block(K32);
  char *b = alloc_block(K32);
  char *d = alloc_block(K32);
  CHECK(a == a_addr && b == b_addr);
  CHECKF(d == c_addr + K32, "d=%p should follow c=%p", (void *)d, (void *)c_addr);
  expect_free("a, b, c, d live", 1, WHOLE - 4 * K32);
  wd_free(a);
  wd_free(c_addr);
  expect_free("free a and c", 3, WHOLE - 2 * K32);
  /* b has free blocks on both sides: all three become one. */
  wd_free(b);
  expect_free("free b between a and c", 2, WHOLE - K32);
  char *abc = alloc_block(3 * K32);
  CHECKF(abc == a_addr, "a+b+c should serve 96 KiB at %p, got %p", (void *)a_addr, (void *)abc);
  wd_free(abc);
  expect_free("free a+b+c", 2, WHOLE - K32);

  /* The last live block goes: the chunk is one free block again, kept
   * committed within the arena's retained budget. */
  wd_free(d);
  wd_stats_t s = stats();
  CHECK(s.medium_live == 0 && s.medium_bytes == 0);
  CHECK(s.medium_chunks == 1);
  expect_free("chunk empty", 1, WHOLE);
}

static void test_chunk_release(void) {
  /* The largest medium requests: a few fill a chunk. */
  const size_t big = mb_block_for(WD_MEDIUM_MAX + CANARY);
  const size_t per_chunk = WHOLE / big;
  const size_t chunks = 3;
  enum { MAX_BLOCKS = 256 };
  static char *blocks[MAX_BLOCKS];
  size_t n = per_chunk * chunks;
  if (!CHECK(n <= MAX_BLOCKS)) return;
  for (size_t i = 0; i < n; i++) {
    blocks[i] = alloc_request(WD_MEDIUM_MAX, big);
    memset(blocks[i], 0x3c, WD_MEDIUM_MAX);
  }
  wd_stats_t full = stats();
  CHECKF(full.medium_chunks == chunks, "%zu blocks of %zu bytes took %zu chunks, want %zu", n, big,
         full.medium_chunks, chunks);
  for (size_t i = 1; i < n; i++) {
    int same = chunk_of(blocks[i]) == chunk_of(blocks[i - 1]);
    CHECKF(same == (i % per_chunk != 0), "block %zu: chunk %p after %p", i, (void *)chunk_of(blocks[i]),
           (void *)chunk_of(blocks[i - 1]));
  }
  step("chunks filled");

  /* Chunks empty in order; the arena may want them all back (its budget
   * follows its recent peak), so they stay committed. */
  for (size_t i = 0; i < n; i++) {
    wd_free(blocks[i]);
    step("free a 1 MiB block");
  }
  wd_stats_t after = stats();
  CHECKF(after.medium_chunks == chunks, "%zu chunks left, want %zu", after.medium_chunks, chunks);
  expect_free("all chunks empty", chunks, chunks * WHOLE);
  CHECKF(!read_faults(blocks[n - 1]), "kept chunk %p not readable", (void *)chunk_of(blocks[n - 1]));

  /* A trim releases every empty chunk: its memory is gone. */
  wd_trim();
  after = stats();
  CHECKF(after.medium_chunks == 0, "%zu chunks left after a trim", after.medium_chunks);
  CHECKF(full.mapped_bytes - after.mapped_bytes == chunks * CHUNK, "mapped bytes %zu -> %zu", full.mapped_bytes,
         after.mapped_bytes);
  expect_free("trimmed", 0, 0);
  CHECKF(read_faults(blocks[n - 1]), "released chunk %p still readable", (void *)chunk_of(blocks[n - 1]));
  CHECKF(read_faults(blocks[0]), "released chunk %p still readable", (void *)chunk_of(blocks[0]));

  /* The tier refills after a release. */
  for (size_t i = 0; i < n; i++) blocks[i] = alloc_request(WD_MEDIUM_MAX, big);
  CHECK(stats().medium_chunks == chunks);
  step("refilled");
  for (size_t i = n; i-- > 0;) wd_free(blocks[i]);
  CHECK(stats().medium_chunks == chunks);
  step("emptied again");
  wd_trim();
  CHECK(stats().medium_chunks == 0);
}

static void test_aligned(void) {
  /* From an empty chunk the first payload sits 32 bytes in: aligning it
   * leaves a free block in front, which must be a sound, listed block. */
  wd_stats_t before = stats();
  CHECK(before.medium_live == 0);
  void *p = wd_aligned_alloc(4096, hide_size(20000));
  CHECK(p != NULL && (uintptr_t)p % 4096 == 0);
  CHECK(wd_malloc_usable_size(p) >= 20000);
  wd_stats_t s = stats();
  size_t extra_chunk = s.medium_chunks - before.medium_chunks;
  CHECKF(s.medium_free_blocks == before.medium_free_blocks + 1 + extra_chunk,
         "aligned block: %zu free blocks, was %zu (front block missing?)", s.medium_free_blocks,
         before.medium_free_blocks);
  step("aligned_alloc(4096, 20000)");
  memset(p, 0x77, 20000);
  wd_free(p);
  step("free aligned");
  CHECK(stats().medium_free_blocks == stats().medium_chunks);

  /* A gap of 32 bytes to the next 64-byte boundary is too small for a free
   * block: the block must move further, not leave a runt. */
  p = wd_aligned_alloc(64, hide_size(20000));
  CHECK(p != NULL && (uintptr_t)p % 64 == 0);
  step("aligned_alloc(64, 20000)");
  wd_free(p);
  step("free aligned 64");

  /* Many aligned blocks live at once, of every alignment the tier serves. */
  enum { MAX = 200 };
  static void *live[MAX];
  size_t count = 0;
  static const size_t sizes[] = {16377, 20000, 33333, 100000, 250000, WD_MEDIUM_MAX};
  for (size_t alignment = 32; alignment <= 4096; alignment *= 2) {
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && count < MAX; i++) {
      void *q = wd_aligned_alloc(alignment, hide_size(sizes[i]));
      CHECKF(q != NULL && (uintptr_t)q % alignment == 0, "aligned_alloc(%zu, %zu) = %p", alignment, sizes[i],
             q);
      if (q == NULL) continue;
      CHECK(wd_malloc_usable_size(q) >= sizes[i]);
      pattern_fill(q, sizes[i], count);
      live[count++] = q;
      step("aligned allocation");
    }
  }
  for (size_t i = 0; i < count; i++) {
    CHECKF(pattern_mismatch(live[i], 16377, i) == SIZE_MAX, "aligned block %zu corrupted", i);
  }
  /* Free every other one first, so frees meet both free and live
   * neighbours, front blocks included. */
  for (size_t i = 0; i < count; i += 2) {
    wd_free(live[i]);
    step("free aligned, even");
  }
  for (size_t i = 1; i < count; i += 2) {
    wd_free(live[i]);
    step("free aligned, odd");
  }
  CHECK(stats().medium_live == 0);
}

static void test_resize_in_place(void) {
  char *a = alloc_block(K32);
  char *b = alloc_block(K32);
  char *guard = alloc_block(K32);
  CHECK(b == a + K32 && guard == b + K32);
  wd_free(b);
  step("free b before growing a");
  pattern_fill(a, REQUEST(K32), 1);
  /* Grows into b's space exactly: nothing is left over. */
  char *grown = wd_realloc(a, hide_size(REQUEST(2 * K32)));
  CHECKF(grown == a, "grow into free neighbour moved %p to %p", (void *)a, (void *)grown);
  CHECK(block_of(grown) == 2 * K32);
  CHECK(pattern_mismatch(grown, REQUEST(K32), 1) == SIZE_MAX);
  step("grown in place");
  /* Shrinks back, returning the tail to the free lists. */
  size_t free_before = stats().medium_free_bytes;
  char *shrunk = wd_realloc(grown, hide_size(REQUEST(K32)));
  CHECKF(shrunk == a, "shrink moved %p to %p", (void *)a, (void *)shrunk);
  CHECK(block_of(shrunk) == K32);
  CHECK(stats().medium_free_bytes == free_before + K32);
  CHECK(pattern_mismatch(shrunk, REQUEST(K32), 1) == SIZE_MAX);
  step("shrunk in place");
  /* Shrinks again, now with that free tail right after it: the part cut
   * off and the tail become one free block, on the list of their joint
   * size, where a request for exactly that size finds it. */
  size_t blocks_before = stats().medium_free_blocks;
  free_before = stats().medium_free_bytes;
  char *shrunk2 = wd_realloc(shrunk, hide_size(REQUEST(K32 - 8192)));
  CHECKF(shrunk2 == a, "second shrink moved %p to %p", (void *)a, (void *)shrunk2);
  CHECK(block_of(shrunk2) == K32 - 8192);
  CHECKF(stats().medium_free_blocks == blocks_before, "%zu free blocks after a shrink into a free tail, was %zu",
         stats().medium_free_blocks, blocks_before);
  CHECK(stats().medium_free_bytes == free_before + 8192);
  CHECK(pattern_mismatch(shrunk2, REQUEST(K32 - 8192), 1) == SIZE_MAX);
  step("shrunk into a free tail");
  char *tail = alloc_block(K32 + 8192);
  CHECKF(tail == a + (K32 - 8192), "the joined tail: %p, want %p", (void *)tail, (void *)(a + (K32 - 8192)));
  wd_free(tail);
  step("joined tail reused");
  shrunk = wd_realloc(shrunk2, hide_size(REQUEST(K32)));
  CHECKF(shrunk == a, "regrowing moved %p to %p", (void *)a, (void *)shrunk);
  CHECK(pattern_mismatch(shrunk, REQUEST(K32 - 8192), 1) == SIZE_MAX);
  step("regrown in place");
  pattern_fill(shrunk, REQUEST(K32), 1);
  /* Its free neighbour is now too small for four times the size, and the
   * block after that is live: the block moves, with its contents. */
  char *moved = wd_realloc(shrunk, hide_size(REQUEST(4 * K32)));
  CHECK(moved != NULL && moved != shrunk);
  CHECK(pattern_mismatch(moved, REQUEST(K32), 1) == SIZE_MAX);
  step("grown by moving");
  wd_free(moved);
  wd_free(guard);
  step("resize done");
  CHECK(stats().medium_live == 0);
}


#else /* QUARANTINE_SCENARIOS: no WARDEN_OPTIONS, the build's quarantine */

#define HOLDS ((size_t)WD_MEDIUM_QUARANTINE_RANDOM + WD_MEDIUM_QUARANTINE_FIFO)

/* A freed block waits, zeroed, neither live nor free: its freed neighbour
 * does not merge with it, and a request of its size does not get it.
 * Returns the frees made, all still waiting. */
static size_t test_freed_blocks_wait(void) {
  CHECK(stats().medium_chunks == 0);
  char *a = alloc_block(K32);
  char *b = alloc_block(K32);
  char *c = alloc_block(K32);
  /* A fresh chunk has one free block: even randomized reuse takes each
   * block right after the last. */
  CHECK(b == a + K32 && c == b + K32);
  memset(a, 0xa5, REQUEST(K32));
  expect_lists("three allocations", 1, WHOLE - 3 * K32, 0);

  wd_free(a);
  wd_stats_t s = stats();
  CHECK(s.medium_live == 2 && s.medium_bytes == 2 * K32);
  expect_lists("free a", 1, WHOLE - 3 * K32, K32);
#if WD_ZERO_ON_FREE
  CHECKF(first_nonzero(a, REQUEST(K32)) == SIZE_MAX, "freed block %p not zeroed", (void *)a);
#endif
  wd_free(b);
  expect_lists("free b after a", 1, WHOLE - 3 * K32, 2 * K32);
  char *d = alloc_block(K32);
  CHECKF(d == c + K32, "a request got %p, not the free rest at %p", (void *)d, (void *)(c + K32));
  expect_lists("allocate past the waiting blocks", 1, WHOLE - 4 * K32, 2 * K32);
  wd_free(c);
  wd_free(d);
  expect_lists("free c and d", 1, WHOLE - 4 * K32, 4 * K32);
  return 4; /* a, b, c, d */
}

/* However many bytes are freed, the quarantine holds at most
 * WD_MEDIUM_QUARANTINE_BYTES of them: the largest blocks reach that bound
 * long before its length. */
static void test_byte_bound(void) {
  const size_t big = mb_block_for(WD_MEDIUM_MAX + CANARY);
  const size_t n = 2 * (WD_MEDIUM_QUARANTINE_BYTES / big) + 2;
  enum { MAX_BLOCKS = 64 };
  static char *blocks[MAX_BLOCKS];
  if (!CHECK(n <= MAX_BLOCKS)) return;
  for (size_t i = 0; i < n; i++) blocks[i] = alloc_request(WD_MEDIUM_MAX, big);
  size_t most = 0;
  for (size_t i = 0; i < n; i++) {
    wd_free(blocks[i]);
    size_t waiting = stats().medium_quarantined_bytes;
    if (waiting > most) most = waiting;
    heap_check();
  }
  CHECKF(most <= WD_MEDIUM_QUARANTINE_BYTES, "%zu bytes quarantined, bound %zu", most,
         (size_t)WD_MEDIUM_QUARANTINE_BYTES);
}

/* Frees of blocks of one size, one after another, `earlier` frees made
 * before: each free adds its block to the quarantine or pushes one out, to
 * the free lists. Nothing leaves before the FIFO has filled behind the
 * random array, so the first WD_MEDIUM_QUARANTINE_FIFO + 1 frees all wait;
 * no more than both arrays hold ever wait; once they are full, every free
 * pushes one out. Without a quarantine no block waits. */
static void test_pushed_out(size_t earlier) {
  /* Far more frees than the random array needs to fill up: each draws one
   * of its places, so one place left empty after all of them is a chance
   * of about 1e-27. */
  enum { N = 1000 };
  static char *x[N];
  for (size_t i = 0; i < N; i++) x[i] = alloc_block(K32);
  const size_t surely = WD_MEDIUM_QUARANTINE_RANDOM > 0 ? (size_t)WD_MEDIUM_QUARANTINE_FIFO + 1 : 0;
  size_t waiting = stats().medium_quarantined_bytes / K32;
  CHECKF(waiting == earlier, "%zu blocks waiting before, want %zu", waiting, earlier);
  size_t wrong = 0;
  for (size_t i = 0; i < N; i++) {
    wd_free(x[i]);
    size_t frees = earlier + i + 1;
    size_t bytes = stats().medium_quarantined_bytes;
    size_t now = bytes / K32;
    int ok = bytes % K32 == 0 && (now == waiting || now == waiting + 1) &&
             now >= (frees < surely ? frees : surely) && now <= (frees < HOLDS ? frees : HOLDS);
    if (!ok && wrong++ < 5) printf("free %zu: %zu bytes quarantined, %zu blocks before\n", frees, bytes, waiting);
    waiting = now;
    if (i % 50 == 0) heap_check();
  }
  CHECKF(wrong == 0, "%zu frees left the quarantine in a wrong state", wrong);
  CHECKF(waiting == HOLDS, "%zu blocks waiting after %d frees, want %zu", waiting, N, HOLDS);
  step_waiting("all frees", HOLDS * K32);
}

#endif /* QUARANTINE_SCENARIOS */

int main(void) {
#ifndef QUARANTINE_SCENARIOS
  test_split_and_coalesce();
  test_remainder_reuse_and_next_coalesce();
  test_three_way();
  test_chunk_release();
  test_aligned();
  test_resize_in_place();
#else
  size_t earlier = 0;
  if (WD_MEDIUM_QUARANTINE_RANDOM > 0) earlier = test_freed_blocks_wait();
  test_pushed_out(earlier);
  if (WD_MEDIUM_QUARANTINE_RANDOM > 0) test_byte_bound();
#endif
  return check_done();
}
