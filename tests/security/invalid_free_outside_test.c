/* Freeing memory Warden never handed out (stack, globals, wild addresses,
 * the program's own mappings) is named as outside the heap, before
 * anything at the address is touched. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tests/security/expect.h"

static char global_buffer[64];

static void free_it(void *p) { free(launder(p)); }

static void realloc_it(void *p) {
  void *q = realloc(launder(p), 100);
  (void)launder(q);
}

int main(void) {
  expect_warden();
  /* The heap must be initialized for "outside heap" to mean anything. */
  free(launder(malloc(1)));

  char local[32];
  expect_death(free_it, local, SIGABRT, "warden: invalid free: %p (outside heap)", (void *)local);
  expect_death(free_it, global_buffer, SIGABRT, "warden: invalid free: %p (outside heap)",
               (void *)global_buffer);
  void *wild = (void *)0x1000;
  expect_death(free_it, wild, SIGABRT, "warden: invalid free: %p (outside heap)", wild);

  char *own = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (own == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  expect_death(free_it, own, SIGABRT, "warden: invalid free: %p (outside heap)", (void *)own);
  expect_death(free_it, own + 4096, SIGABRT, "warden: invalid free: %p (outside heap)",
               (void *)(own + 4096));
  /* An inaccessible page: a check that read the address would fault. */
  if (mprotect(own, 4096, PROT_NONE) != 0) {
    perror("mprotect");
    return 1;
  }
  expect_death(free_it, own + 16, SIGABRT, "warden: invalid free: %p (outside heap)",
               (void *)(own + 16));

  expect_death(realloc_it, local, SIGABRT, "warden: invalid free: %p (outside heap)", (void *)local);
  return 0;
}
