/* A double free of a medium block whose chunk has since gone back to the
 * kernel is still a double free: the large tier remembers unmapped
 * addresses for the same reason. Run with medium_quarantine=0 (BUILD), so
 * that the frees empty the chunks at once. */
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

#define CHUNK ((uintptr_t)4 << 20)
#define MIB ((size_t)1 << 20)
/* 1 MiB + 8 bytes of canary + 24 of tags, rounded to 16. */
#define BLOCK 1048608
/* The first payload of a chunk: a prologue word, then header and checksum. */
#define FIRST_PAYLOAD 32
#define PER_CHUNK 3
#define MAX_CHUNKS 4
#define BLOCKS 16

typedef struct owned {
  char *chunk[MAX_CHUNKS][PER_CHUNK]; /* chunks that hold nothing else */
  int chunks;
} owned_t;

/* Empty chunks stay committed while the arena's retained budget covers
 * them (config.h); a trim releases every one. The first block of the last
 * chunk emptied is then freed again. */
static void empty_chunks_then_free_again(void *ctx) {
  owned_t *o = ctx;
  for (int c = 0; c < o->chunks; c++) {
    for (int i = 0; i < PER_CHUNK; i++) free(launder(o->chunk[c][i]));
  }
  malloc_trim(0);
  free(launder(o->chunk[o->chunks - 1][0]));
}

int main(void) {
  expect_warden();

  /* Other code (the C++ runtime, for one) may hold medium blocks; find
   * chunks that start with three of ours. The rest of such a chunk is one
   * free block, as nothing else allocates while this test runs, so freeing
   * the three empties the chunk. */
  char *blocks[BLOCKS];
  for (int i = 0; i < BLOCKS; i++) blocks[i] = launder(malloc(MIB));
  owned_t o;
  int found = 0;
  for (int i = 0; i + PER_CHUNK <= BLOCKS && found < MAX_CHUNKS; i++) {
    if (((uintptr_t)blocks[i] & (CHUNK - 1)) != FIRST_PAYLOAD) continue;
    int row = 1;
    for (int k = 1; k < PER_CHUNK; k++) row &= blocks[i + k] == blocks[i] + k * BLOCK;
    if (!row) continue;
    for (int k = 0; k < PER_CHUNK; k++) o.chunk[found][k] = blocks[i + k];
    found++;
    i += PER_CHUNK - 1;
  }
  if (found < 2) {
    fprintf(stderr, "no two chunks of three 1 MiB blocks among %d\n", BLOCKS);
    return 1;
  }
  o.chunks = found;

  expect_death(empty_chunks_then_free_again, &o, SIGABRT,
               "warden: double free: %p (medium, block 1048608)", (void *)o.chunk[found - 1][0]);
  return 0;
}
