/*
 * Allocates about 300 MiB in every tier and size and frees it again; run
 * by address_limit_test.sh under an address-space limit (ulimit -v), which
 * Warden must live within: its class and chunk ranges are reserved as the
 * heap grows, not up front.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 4000

int main(void) {
  static char *blocks[BLOCKS];
  size_t total = 0;
  for (int i = 0; i < BLOCKS; i++) {
    /* Sizes from 1 byte to 1 MiB, spread over small, medium and large. */
    size_t size = (size_t)1 << (i % 20);
    size += (size_t)(i * 7919) % size;
    blocks[i] = malloc(size);
    if (blocks[i] == NULL) {
      fprintf(stderr, "address_limit_prog: malloc(%zu) failed after %zu bytes\n", size, total);
      return 1;
    }
    memset(blocks[i], 0x5a, size);
    total += size;
  }
  for (int i = 0; i < BLOCKS; i++) free(blocks[i]);
  printf("address_limit_prog: %zu bytes\n", total);
  return 0;
}
