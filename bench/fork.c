/*
 * Cost of fork() in a small program: builds a modest heap (a few thousand
 * live objects of mixed sizes, as a shell or a build tool has when it
 * starts a child), then forks N times; each child allocates and frees once
 * and exits, and the parent waits for it.
 *
 * Why: an allocator takes part in every fork. Its pthread_atfork handlers
 * stop and restart its locks and caches, and its mappings (reservations,
 * guard pages, metadata) are copied into the child's address space: many
 * mappings or many touched metadata pages make each fork dearer. The child's
 * one malloc shows that the allocator works in the child.
 *
 * Prints "metric fork_us <microseconds per fork and wait>" over the timed
 * forks (after a few untimed ones) and a checksum of the heap.
 *
 * Usage: fork [FORKS]     (single thread)
 */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define LIVE 4096
#define WARMUP 20

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int fork_once(void) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    void *p = malloc(48);
    if (p == NULL) _exit(3);
    memset(p, 1, 48);
    free(p);
    _exit(0);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  long forks = arg_long(argc, argv, 1, 2000);
  rng_t rng;
  rng_seed(&rng, 7);
  static unsigned char *live[LIVE];
  uint64_t h = 0;
  for (size_t i = 0; i < LIVE; i++) {
    /* Mostly small objects, one in 64 a buffer of a few KiB. */
    size_t n = i % 64 == 0 ? rng_range(&rng, 2048, 16384) : rng_logrange(&rng, 16, 1024);
    live[i] = xmalloc(n);
    memset(live[i], (int)(i & 0xff), n);
    h = mix(h, n);
  }
  fflush(stdout);  /* nothing buffered is written twice by the children */
  for (long i = 0; i < WARMUP; i++) {
    if (fork_once() != 0) {
      fprintf(stderr, "fork: child failed\n");
      return 1;
    }
  }
  double t0 = now_us();
  for (long i = 0; i < forks; i++) {
    if (fork_once() != 0) {
      fprintf(stderr, "fork: child %ld failed\n", i);
      return 1;
    }
  }
  double per = (now_us() - t0) / (double)forks;
  for (size_t i = 0; i < LIVE; i++) {
    h = mix(h, live[i][0]);
    free(live[i]);
  }
  print_checksum(h);
  printf("metric fork_us %.3f\n", per);
  return 0;
}
