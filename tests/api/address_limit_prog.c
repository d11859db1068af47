/*
 * Allocates about 300 MiB in every tier and size and frees it again; run
 * by address_limit_test.sh under an address-space limit (ulimit -v), which
 * Warden must live within: its class and chunk ranges are reserved as the
 * heap grows, not up front. Without a limit, where a tier reserving its
 * whole range would not fail but only fall back to a smaller one under a
 * limit, the process's peak address space must stay within 1 GiB too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCKS 4000

/* VmPeak from /proc/self/status, in kB; -1 if it cannot be read. */
static long vm_peak_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, f) != NULL) {
    if (sscanf(line, "VmPeak: %ld kB", &kib) == 1) break;
  }
  fclose(f);
  return kib;
}

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
  long peak_kib = vm_peak_kib();
  printf("address_limit_prog: %zu bytes, VmPeak %ld kB\n", total, peak_kib);
  if (peak_kib < 0 || peak_kib > (1L << 20)) {
    fprintf(stderr, "address_limit_prog: peak address space %ld kB, over 1 GiB\n", peak_kib);
    return 1;
  }
  return 0;
}
