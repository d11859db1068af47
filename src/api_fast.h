/*
 * The common case of malloc and free, inlined into every public entry point
 * that can take it (wd_malloc and wd_free, malloc and free): a small request
 * or pointer, a thread that has a cache, a bin that can give or take a slot
 * without trading with its class. Everything else, and every way these
 * checks can fail, goes to the full paths in api.c, which decide again from
 * the start. Kept free of calls that return, so the compiler needs no stack
 * frame and no saved registers for it.
 */
#ifndef WD_API_FAST_H
#define WD_API_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "size_class.h"
#include "small.h"
#include "tcache.h"

/* The full paths: the same semantics as wd_malloc and wd_free. */
void *api_malloc_slow(size_t size);
void api_free_slow(void *ptr);

static inline __attribute__((always_inline)) void *api_malloc(size_t size) {
  tcache_t *tc = tcache_current;
  /* size 0 wraps around and takes the full path, which gives it class 0. A
   * cache exists only once the heap is initialized, so that check is
   * implied. */
  if (__builtin_expect(size - 1 < SMALL_MAX_REQUEST && (uintptr_t)tc > (uintptr_t)TCACHE_EXITED, 1)) {
    unsigned c = small_class_of(size + SMALL_CANARY);
    /* Proved in proofs/ for every size above zero; said here so the
     * compiler drops class 0's branches from the inlined hand-out. */
    if (c == 0) __builtin_unreachable();
    void *p = tcache_take(tc, c);
    if (__builtin_expect(p != NULL, 1)) return p;
  }
  return api_malloc_slow(size);
}

static inline __attribute__((always_inline)) void api_free(void *ptr) {
  tcache_t *tc = tcache_current;
  /* NULL is outside the small range. */
  if (__builtin_expect(small_owns(ptr) && (uintptr_t)tc > (uintptr_t)TCACHE_EXITED, 1) &&
      __builtin_expect(tcache_give(tc, ptr, small_class_at(ptr)), 1)) {
    return;
  }
  api_free_slow(ptr);
}

#endif /* WD_API_FAST_H */
