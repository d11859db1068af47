/*
 * Every standard allocation entry point, made to resolve to Warden. This is
 * the only file that defines unprefixed names; linking it (or preloading
 * libwarden.so, which contains it) replaces the C library's allocator for
 * the whole process. C++ operators live in cxx_new.cc.
 */
#include <stddef.h>

#include "api_fast.h"
#include "warden.h"

/* Declared here rather than taken from the C library's headers, whose
 * versions differ in which of these they declare and with which
 * attributes. */
#define OVERRIDE WD_API

/* C standard */
OVERRIDE void *malloc(size_t size);
OVERRIDE void *calloc(size_t count, size_t size);
OVERRIDE void *realloc(void *ptr, size_t size);
OVERRIDE void free(void *ptr);
OVERRIDE void *aligned_alloc(size_t alignment, size_t size);
OVERRIDE void free_sized(void *ptr, size_t size);
OVERRIDE void free_aligned_sized(void *ptr, size_t alignment, size_t size);
/* POSIX */
OVERRIDE int posix_memalign(void **out, size_t alignment, size_t size);
OVERRIDE void *reallocarray(void *ptr, size_t count, size_t size);
/* GNU and BSD */
OVERRIDE void *memalign(size_t alignment, size_t size);
OVERRIDE void *valloc(size_t size);
OVERRIDE void *pvalloc(size_t size);
OVERRIDE size_t malloc_usable_size(void *ptr);
OVERRIDE int malloc_trim(size_t pad);

/* The fast paths inline here too: a call from malloc to wd_malloc would be
 * a second call and return on every allocation. */
void *malloc(size_t size) { return api_malloc(size); }
void *calloc(size_t count, size_t size) { return wd_calloc(count, size); }
void *realloc(void *ptr, size_t size) { return wd_realloc(ptr, size); }
void free(void *ptr) { api_free(ptr); }
void *aligned_alloc(size_t alignment, size_t size) { return wd_aligned_alloc(alignment, size); }
void free_sized(void *ptr, size_t size) { wd_free_sized(ptr, size); }
void free_aligned_sized(void *ptr, size_t alignment, size_t size) {
  wd_free_aligned_sized(ptr, alignment, size);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
  return wd_posix_memalign(out, alignment, size);
}
void *reallocarray(void *ptr, size_t count, size_t size) { return wd_reallocarray(ptr, count, size); }
void *memalign(size_t alignment, size_t size) { return wd_memalign(alignment, size); }
void *valloc(size_t size) { return wd_valloc(size); }
void *pvalloc(size_t size) { return wd_pvalloc(size); }
size_t malloc_usable_size(void *ptr) { return wd_malloc_usable_size(ptr); }
int malloc_trim(size_t pad) { return wd_malloc_trim(pad); }
