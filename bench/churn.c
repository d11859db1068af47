/*
 * Single-thread small-object churn: a working set of live objects of mixed
 * small sizes, each replaced at random, touching every object it makes.
 * Usage: churn [ROUNDS] [WORKING_SET]
 * Prints a checksum so that the work cannot be optimized away.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x2545f4914f6cdd1dULL;

static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 20000000;
  size_t live = argc > 2 ? (size_t)atol(argv[2]) : 10000;
  char **slots = calloc(live, sizeof *slots);
  if (slots == NULL) return 1;
  uint64_t sum = 0;
  for (long r = 0; r < rounds; r++) {
    size_t i = next() % live;
    if (slots[i] != NULL) {
      sum += (unsigned char)slots[i][0];
      free(slots[i]);
    }
    /* Mostly tiny objects, as in most programs, with a tail up to 1 KiB. */
    uint64_t pick = next();
    size_t size = (pick & 7) < 6 ? 8 + (pick >> 8) % 56 : 64 + (pick >> 8) % 960;
    slots[i] = malloc(size);
    if (slots[i] == NULL) return 1;
    memset(slots[i], (int)(r & 0xff), size < 32 ? size : 32);
  }
  for (size_t i = 0; i < live; i++) free(slots[i]);
  free(slots);
  printf("%llu\n", (unsigned long long)sum);
  return 0;
}
