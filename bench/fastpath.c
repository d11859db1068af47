/*
 * Fast-path cost: N small malloc/free pairs and nothing else, to be run
 * under `valgrind --tool=callgrind` for two values of N; the difference in
 * instructions executed, divided by the difference in N, is the cost of one
 * pair with program start-up, allocator initialization and the first
 * slab's set-up taken out. Instruction counts are stable on a loaded
 * machine, unlike times.
 *
 *   fastpath lifo N   malloc(32) then free it at once: the best case, the
 *                     same slot can come back every time
 *   fastpath ring N   64 live 32-byte objects in a ring; each step frees
 *                     the oldest and allocates a new one (FIFO reuse, as
 *                     when objects live a little while)
 *
 * The loop's own overhead (a few instructions per pair) is included. The
 * program prints which library its malloc comes from, so that the runner
 * can verify the preload under valgrind too. Compiled with -fno-builtin so
 * the compiler cannot fold the malloc/free pair away.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "lifo";
  long n = argc > 2 ? atol(argv[2]) : 1000000;
  void *volatile sink;
  if (strcmp(mode, "lifo") == 0) {
    for (long i = 0; i < n; i++) {
      void *p = malloc(32);
      sink = p;
      free(p);
    }
  } else {
    enum { RING = 64 };
    void *ring[RING];
    for (int i = 0; i < RING; i++) ring[i] = malloc(32);
    for (long i = 0; i < n; i++) {
      unsigned k = (unsigned)i % RING;
      free(ring[k]);
      ring[k] = malloc(32);
      sink = ring[k];
    }
    for (int i = 0; i < RING; i++) free(ring[i]);
  }
  (void)sink;
  Dl_info info;
  void *sym = dlsym(RTLD_DEFAULT, "malloc");
  printf("malloc %s\n", sym != NULL && dladdr(sym, &info) && info.dli_fname ? info.dli_fname : "?");
  return 0;
}
