/*
 * Small-slot metadata lives away from user data, one table per class, and
 * each table is followed by a page that is never made accessible: an
 * overrun of one class's table faults before it reaches the next class's.
 * Both builds.
 *
 * A table is committed from its start as its class carves slabs, so the
 * page after it is what stops an overrun only once the table is committed
 * to its end, which takes every slab of the class. The test therefore runs
 * itself again with the smallest class ranges Warden works with
 * (WARDEN_OPTIONS=small_range_shift=28), one class can be carved to its last
 * slab in a moment, and the byte just before the next class's table, the
 * last byte of a committed table if the guard page were missing, must
 * fault.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "src/sealed.h"
#include "src/small_slot.h"

/* Class 14336, the last class but one: the fewest slots to carve to its
 * end, and a table after its own. */
#define REQUEST 14328
/* Slabs per class beyond which carving a class to its end takes too long:
 * the ranges did not shrink. */
#define MAX_SLABS 4096
#define SHRUNK "shrunk"

static void read_byte(void *p) { (void)*(volatile char *)launder(p); }

static int readable(void *p) {
  read_byte(p);
  return 0;
}

static int guard_after_full_table(void) {
  unsigned c = small_class_of(REQUEST + SMALL_CANARY);
  free(launder(malloc(REQUEST))); /* the heap is initialized */
  const small_class_layout_t *lay = &sealed.small[c];
  if (lay->max_slabs > MAX_SLABS) {
    fprintf(stderr, "small_range_shift left %u slabs in class %u\n", lay->max_slabs, c);
    return 1;
  }
  /* Until the class has no slab left: its table is committed to the end. */
  while (launder(malloc(REQUEST)) != NULL) {
  }
  char *table_end = (char *)lay->meta + (size_t)lay->max_slabs * sizeof(slab_t);
  expect_survives("last entry of a full table", readable, table_end - 1);
  expect_death(read_byte, (char *)sealed.small[c + 1].meta - 1, SIGSEGV, NULL);
  return 0;
}

static void smallest_ranges(void *ctx) {
  (void)ctx;
  setenv("WARDEN_OPTIONS", "small_range_shift=28", 1);
}

static int guarded_in_small_ranges(void *ctx) {
  (void)ctx;
  char out[1];
  CHECK(rerun_self(SHRUNK, smallest_ranges, NULL, out, sizeof out));
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], SHRUNK) == 0) return guard_after_full_table();
  expect_warden();
  expect_survives("guard page after a full metadata table", guarded_in_small_ranges, NULL);
  return 0;
}
