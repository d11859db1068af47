/* Which freed medium block a request gets cannot be predicted: among the
 * fitting free blocks, the allocator draws one of the first few on the
 * list. Run with the medium quarantine off (BUILD), so that the freed
 * blocks are on their list at once and the choice alone is observed: the
 * same program in separate processes must not always get the same block.
 * The light build does not randomize: there, it always does. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/security/expect.h"

#define FREED 8
#define RUNS 16

/* Frees FREED blocks that cannot merge, then returns which of them the next
 * request of their size took (FREED if none). */
static int first_reuse(void) {
  char *freed[FREED];
  for (int i = 0; i < FREED; i++) {
    freed[i] = launder(malloc(80000));
    (void)launder(malloc(20000));
  }
  for (int i = 0; i < FREED; i++) free(freed[i]);
  char *q = launder(malloc(40000));
  for (int i = 0; i < FREED; i++) {
    if (q == freed[i]) return i;
  }
  return FREED;
}

int main(void) {
  expect_warden();
  int first = -1;
  bool differs = false;
  for (int run = 0; run < RUNS; run++) {
    pid_t pid = fork();
    if (pid == 0) _exit(first_reuse());
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) >= FREED) {
      fprintf(stderr, "run %d: no freed block reused (status %d)\n", run, status);
      return 1;
    }
    int got = WEXITSTATUS(status);
    if (first < 0) first = got;
    differs |= got != first;
  }
  if (differs == WD_LIGHT) {
    fprintf(stderr, "%s: every run reused freed block %d: %s\n", WD_LIGHT ? "light" : "default", first,
            differs ? "varied" : "the same");
    return 1;
  }
  return 0;
}
