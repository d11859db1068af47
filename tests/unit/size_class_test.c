/*
 * The small size classes: the class chosen for every request, and the slab
 * geometry table in src/size_class.c against the properties its comment
 * promises.
 *
 * The expected classes are built here from DESIGN.md ("16..128 by 16, then 4
 * classes per doubling" up to 16 KiB), not read from the table, so a wrong
 * entry in the table cannot make its own check pass.
 */
#include "src/size_class.h"
#include "tests/api/check.h"
#include "warden.h"

#define PAGE 4096u

static uint32_t expected_slot[SMALL_CLASS_COUNT];

static void build_expected_classes(void) {
  unsigned c = 1;
  for (uint32_t s = 16; s <= 128; s += 16) expected_slot[c++] = s;
  for (uint32_t base = 128; base < SMALL_MAX_SLOT; base *= 2) {
    for (uint32_t q = 5; q <= 8; q++) expected_slot[c++] = base / 4 * q;
  }
  CHECKF(c == SMALL_CLASS_COUNT, "DESIGN.md's classes number %u, the build has %d", c, SMALL_CLASS_COUNT);
  CHECK(expected_slot[SMALL_CLASS_COUNT - 1] == SMALL_MAX_SLOT);
}

/* The smallest expected slot that holds `bytes`. */
static uint32_t smallest_slot_for(size_t bytes) {
  for (unsigned c = 1; c < SMALL_CLASS_COUNT; c++) {
    if (expected_slot[c] >= bytes) return expected_slot[c];
  }
  return 0;
}

static void test_table_matches_design(void) {
  for (unsigned c = 1; c < SMALL_CLASS_COUNT; c++) {
    CHECKF(small_geometry[c].slot_size == expected_slot[c], "class %u: slot %u, DESIGN.md says %u", c,
           small_geometry[c].slot_size, expected_slot[c]);
  }
}

static void test_class_function(void) {
  for (size_t s = 1; s <= SMALL_MAX_SLOT; s++) {
    unsigned c = small_class_of(s);
    uint32_t got = c < SMALL_CLASS_COUNT ? small_geometry[c].slot_size : 0;
    CHECKF(c >= 1 && c < SMALL_CLASS_COUNT && got == smallest_slot_for(s),
           "small_class_of(%zu) = class %u (slot %u), want slot %u", s, c, got, smallest_slot_for(s));
  }
}

/* Observed through the API: the class a request gets is the smallest whose
 * slot holds the request and its canary. */
static void test_class_of_requests(void) {
  for (size_t n = 1; n <= SMALL_MAX_REQUEST; n++) {
    void *p = wd_malloc(hide_size(n));
    size_t slot = wd_malloc_usable_size(p) + SMALL_CANARY;
    size_t want = smallest_slot_for(n + SMALL_CANARY);
    CHECKF(slot == want, "malloc(%zu) got a %zu-byte slot, want %zu", n, slot, want);
    wd_free(p);
  }
  void *p = wd_malloc(hide_size(0));
  CHECK(p != NULL && wd_malloc_usable_size(p) == 0);
  wd_free(p);
}

static int power_of_two(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

static void test_geometry(void) {
  for (unsigned c = 0; c < SMALL_CLASS_COUNT; c++) {
    const small_geometry_t *g = &small_geometry[c];
    uint32_t used = g->slots * g->slot_size;
    uint32_t waste = g->slab_size - used;
    CHECKF(g->slots >= 1 && g->slots <= SMALL_MAX_SLOTS, "class %u: %u slots", c, g->slots);
    CHECKF(used <= g->slab_size, "class %u: %u slots of %u overflow a %u-byte slab", c, g->slots,
           g->slot_size, g->slab_size);
    CHECKF(g->slab_size % PAGE == 0, "class %u: slab of %u bytes is not whole pages", c, g->slab_size);
    CHECKF(g->slot_size % 16 == 0, "class %u: slot %u breaks 16-byte alignment", c, g->slot_size);
    /* Aligned allocations take power-of-two classes for granted. */
    if (power_of_two(g->slot_size)) {
      CHECKF(g->slab_size % g->slot_size == 0, "class %u: slab %u is not a multiple of slot %u", c,
             g->slab_size, g->slot_size);
    }
    if (g->slot_size < 1024) {
      /* The fewest pages that waste at most 1/16 of the slab, and as many
       * slots as fit. */
      CHECKF(waste * 16 <= g->slab_size, "class %u: %u of %u bytes wasted", c, waste, g->slab_size);
      CHECKF(waste < g->slot_size, "class %u: room for another slot", c);
      if (g->slab_size > PAGE) {
        uint32_t smaller = g->slab_size - PAGE;
        uint32_t smaller_waste = smaller % g->slot_size;
        CHECKF(smaller_waste * 16 > smaller, "class %u: %u bytes would do", c, smaller);
      }
    } else {
      /* Eight slots, or sixteen where eight do not fill whole pages; either
       * way the slab is exactly its slots. */
      int eight_fit = (8 * g->slot_size) % PAGE == 0;
      CHECKF(g->slots == (eight_fit ? 8u : 16u), "class %u: %u slots of %u", c, g->slots, g->slot_size);
      CHECKF(waste == 0, "class %u: %u bytes wasted", c, waste);
    }
  }
  /* The malloc(0) class has its own entry, shaped like the smallest. */
  CHECK(small_geometry[0].slot_size == 16);
}

int main(void) {
  build_expected_classes();
  test_table_matches_design();
  test_class_function();
  test_class_of_requests();
  test_geometry();
  heap_check();
  return check_done();
}
