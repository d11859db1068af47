/*
 * wd_heap_check finds corruption that no free has run into yet, and ends
 * the process with one line naming the broken invariant; it returns only
 * when every invariant holds. The other tests call it as a statement and
 * rely on exactly that, so here it must abort on a broken heap of each
 * tier it checks. (The medium tier's cases wait for its rewrite.)
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "expect.h"
#include "warden.h"

#define SMALL_REQUEST 24 /* class 32: canary at 24..31 */
#define LARGE_REQUEST ((size_t)(2 << 20) + 100)
#define PAGE ((uintptr_t)4096)

static int sound(void *ctx) {
  (void)ctx;
  (void)wd_heap_check();
  return 0;
}

static void canary_overwritten(void *p) {
  ((volatile char *)launder(p))[SMALL_REQUEST] = 1;
  (void)wd_heap_check();
}

#if !WD_LIGHT
static void free_slot_written(void *p) {
  free(p);
  *(volatile char *)launder(p) = 1;
  (void)wd_heap_check();
}
#endif

/* A page of the mapping given back behind the allocator's back, as a stray
 * munmap would. */
static void large_page_unmapped(void *p) {
  uintptr_t page = ((uintptr_t)p + PAGE - 1) & ~(PAGE - 1);
  if (munmap((void *)page, PAGE) != 0) return;
  (void)wd_heap_check();
}

int main(void) {
  expect_warden();
  void *small = launder(malloc(SMALL_REQUEST));
  void *large = launder(malloc(LARGE_REQUEST));
  expect_survives("sound heap", sound, NULL);
  expect_death(canary_overwritten, small, SIGABRT,
               "warden: heap check failed: canary intact: %p (small, class 32)", small);
#if !WD_LIGHT
  expect_death(free_slot_written, small, SIGABRT,
               "warden: heap check failed: free slot zero: %p (small, class 32)", small);
#endif
  expect_death(large_page_unmapped, large, SIGABRT,
               "warden: heap check failed: large mapping live: %p (large, size %zu)", large, LARGE_REQUEST);
  return 0;
}
