/* A large allocation ends at an inaccessible guard page (and, when its size
 * is a page multiple, starts right after one): the first byte out of
 * bounds faults at once, before Warden could say anything. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/security/expect.h"

typedef struct access {
  char *p;
  long at; /* offset from p; usable size added when `from_end` */
  int from_end;
  int write;
} access_t;

static void touch(void *ctx) {
  const access_t *a = ctx;
  char *p = launder(a->p);
  char *q = p + a->at + (a->from_end ? (long)malloc_usable_size(p) : 0);
  if (a->write) {
    *(volatile char *)q = 'A';
  } else {
    (void)*(volatile char *)q;
  }
}

int main(void) {
  expect_warden();

  char *page_multiple = launder(malloc(2u << 20));
  access_t write_past = {page_multiple, 0, 1, 1};
  expect_death(touch, &write_past, SIGSEGV, NULL);
  access_t read_past = {page_multiple, 0, 1, 0};
  expect_death(touch, &read_past, SIGSEGV, NULL);
  access_t write_before = {page_multiple, -1, 0, 1};
  expect_death(touch, &write_before, SIGSEGV, NULL);

  /* The end is rounded to 16 bytes, then meets the guard. */
  char *odd = launder(malloc(1500001));
  if (malloc_usable_size(odd) != 1500016) {
    fprintf(stderr, "usable size of 1500001 bytes: %zu\n", malloc_usable_size(odd));
    return 1;
  }
  access_t odd_past = {odd, 0, 1, 1};
  expect_death(touch, &odd_past, SIGSEGV, NULL);
  access_t odd_far = {odd, 100, 1, 0};
  expect_death(touch, &odd_far, SIGSEGV, NULL);
  return 0;
}
