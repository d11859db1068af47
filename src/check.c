/* Whole-heap operations: the invariant walk, statistics and trimming. Each
 * tier does its part under its own lock; this file only orders them. */
#include <string.h>

#include "heap.h"
#include "large.h"
#include "medium.h"
#include "small.h"
#include "tcache.h"
#include "warden.h"

int wd_heap_check(void) {
  heap_ensure_ready();
  /* Thread caches work without locks: the walk needs them all at rest. */
  tcache_stop_world();
  small_check(tcache_walk_class);
  medium_check();
  large_check();
  tcache_resume_world();
  return 0;
}

int wd_get_stats(wd_stats_t *out) {
  if (out == NULL) return -1;
  heap_ensure_ready();
  memset(out, 0, sizeof *out);
  tcache_stop_world();
  small_add_stats(out, tcache_walk_class);
  tcache_resume_world();
  medium_add_stats(out);
  large_add_stats(out);
  return 0;
}

size_t wd_trim(void) {
  heap_ensure_ready();
  return small_trim() + medium_trim() + large_trim(0);
}

int wd_malloc_trim(size_t pad) {
  heap_ensure_ready();
  size_t released = small_trim() + medium_trim() + large_trim(pad);
  return released != 0;
}
