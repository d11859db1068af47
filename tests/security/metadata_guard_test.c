/*
 * Small-slot metadata lives away from user data, behind pages that are
 * never made accessible: an overrun or underrun of one class's metadata
 * table faults before it can reach another's. Both builds.
 */
#include <signal.h>
#include <stdlib.h>

#include "expect.h"
#include "src/sealed.h"

static void before_first_table(void *ctx) {
  (void)ctx;
  volatile char *p = launder((char *)sealed.small[0].meta - 1);
  *p = 1;
}

static void before_second_table(void *ctx) {
  (void)ctx;
  volatile char *p = launder((char *)sealed.small[1].meta - 1);
  (void)*p;
}

int main(void) {
  expect_warden();
  free(malloc(8)); /* class 1's table is in use */
  expect_death(before_first_table, NULL, SIGSEGV, NULL);
  expect_death(before_second_table, NULL, SIGSEGV, NULL);
  return 0;
}
