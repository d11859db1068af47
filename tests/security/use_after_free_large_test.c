/* A freed large allocation is unmapped or kept inaccessible: any access
 * through a dangling pointer faults. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tests/security/expect.h"

typedef struct access {
  char *p;
  size_t at;
  int write;
} access_t;

static void free_then_touch(void *ctx) {
  const access_t *a = ctx;
  char *p = launder(a->p);
  free(p);
  p = launder(p);
  if (a->write) {
    *(volatile char *)(p + a->at) = 'A';
  } else {
    (void)*(volatile char *)(p + a->at);
  }
}

int main(void) {
  expect_warden();

  char *p = launder(malloc(2u << 20));
  memset(p, 'x', 2u << 20);
  access_t read_first = {p, 0, 0};
  expect_death(free_then_touch, &read_first, SIGSEGV, NULL);
  access_t write_first = {p, 0, 1};
  expect_death(free_then_touch, &write_first, SIGSEGV, NULL);
  access_t read_last = {p, (2u << 20) - 1, 0};
  expect_death(free_then_touch, &read_last, SIGSEGV, NULL);
  return 0;
}
