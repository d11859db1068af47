/*
 * fork() while other threads are inside the allocator.
 *
 * Warden takes all of its locks before fork and releases or resets them
 * after (src/heap.c). A child must find a heap it can use: it allocates and
 * frees in every tier, runs the heap checker and exits 0. A lock left held,
 * or a heap caught half-updated, shows up as a child that hangs (killed by
 * its watchdog), aborts, or exits non-zero.
 *
 * The test is bounded by its work (FORKS children), not by the clock. The
 * watchdogs are only there so that a deadlock fails instead of hanging, and
 * stand far above the normal times (tests/threads/BUILD gives them): a busy
 * machine slows the test down but cannot fail it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "tests/api/check.h"
#include "warden.h"

#define WORKERS 3
#define FORKS 150
#define MIB ((size_t)1 << 20)
/* A child normally exits within milliseconds; the whole test takes
 * seconds (BUILD). Both limits are deadlock detectors, not budgets. */
#define CHILD_WATCHDOG_SECONDS 60
#define TEST_WATCHDOG_SECONDS 240

static atomic_int stop;

/* Sizes from every tier, with the largest small class well represented:
 * its slots take the longest to prepare, so a fork is likelier to land
 * while one is being handed out. */
static size_t worker_size(rng_t *r) {
  switch (rng_below(r, 8)) {
    case 0: return 16376;
    case 1: return 12000 + rng_below(r, 4000);
    case 2: return 16377 + rng_below(r, 300000);
    case 3: return rng_below(r, 50) == 0 ? MIB + 1 + rng_below(r, MIB) : 100;
    default: return 1 + rng_below(r, 2048);
  }
}

static void *worker(void *arg) {
  rng_t rng = {(uint64_t)(uintptr_t)arg};
  void *held[16] = {0};
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    size_t k = rng_below(&rng, 16);
    if (held[k] != NULL) {
      free(held[k]);
      held[k] = NULL;
    } else {
      size_t n = worker_size(&rng);
      held[k] = rng_below(&rng, 4) == 0 ? realloc(malloc(n / 2 + 1), n) : malloc(n);
      if (held[k] != NULL) memset(held[k], 0x42, n < 64 ? n : 64);
    }
  }
  for (size_t k = 0; k < 16; k++) free(held[k]);
  return NULL;
}

/* What a child does: only the allocator, raw writes and _exit, since
 * other locks (stdio's, for one) may have been held by a thread that does
 * not exist in the child. Each failure has its own exit code; a broken
 * heap ends the child in the check, with SIGABRT. */
static void child(void) {
  alarm(CHILD_WATCHDOG_SECONDS);
  static const size_t sizes[] = {0, 1, 100, 16376, 16377, 300000, MIB, MIB + 1, 3 * MIB};
  void *blocks[sizeof sizes / sizeof sizes[0]];
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    blocks[i] = malloc(sizes[i]);
    if (blocks[i] == NULL) _exit(10);
    memset(blocks[i], 0x24, sizes[i]);
  }
  void *grown = realloc(blocks[2], 50000);
  if (grown == NULL) _exit(11);
  blocks[2] = grown;
  void *aligned = aligned_alloc(4096, 20000);
  if (aligned == NULL || (uintptr_t)aligned % 4096 != 0) _exit(12);
  free(aligned);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) free(blocks[i]);
  heap_check();
  _exit(0);
}

int main(void) {
  /* Below Bazel's timeout for the test (300 s), so that a deadlock ends
   * with SIGALRM, which names the cause, rather than a timeout. */
  alarm(TEST_WATCHDOG_SECONDS);
  pthread_t threads[WORKERS];
  for (uintptr_t i = 0; i < WORKERS; i++) {
    CHECK(pthread_create(&threads[i], NULL, worker, (void *)(i + 1)) == 0);
  }
  /* Let the workers get going before the first fork. */
  struct timespec pause = {0, 20 * 1000 * 1000};
  nanosleep(&pause, NULL);

  int ok = 0;
  for (int f = 0; f < FORKS; f++) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) child();
    if (!CHECKF(pid > 0, "fork #%d failed: errno %d", f, errno)) break;
    /* The parent keeps allocating while the child runs. */
    void *p = malloc(hide_size(1000 + (size_t)f));
    free(p);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int good = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    ok += good;
    CHECKF(good, "child #%d: %s %d", f, WIFEXITED(status) ? "exit code" : "killed by signal",
           WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < WORKERS; i++) CHECK(pthread_join(threads[i], NULL) == 0);
  heap_check();
  printf("%d of %d children ran cleanly\n", ok, FORKS);
  return check_done();
}
