/* Medium-heavy and small-free loop for callgrind: sizes 16 KiB..256 KiB,
 * random frees (coalescing, splitting), plus small frees (small_locate). */
#include <stdlib.h>
#include <stdint.h>
int main(void) {
  enum { N = 256, ROUNDS = 20000 };
  void *med[N] = {0};
  void *sm[N] = {0};
  uint64_t x = 88172645463325252ULL;
  for (int r = 0; r < ROUNDS; r++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    unsigned k = (unsigned)(x % N);
    free(med[k]);
    med[k] = malloc(16384 + (size_t)(x >> 20) % (240 * 1024));
    unsigned s = (unsigned)((x >> 40) % N);
    free(sm[s]);
    sm[s] = malloc(16 + (size_t)(x >> 50) % 2000);
  }
  for (int k = 0; k < N; k++) { free(med[k]); free(sm[k]); }
  return 0;
}
