/*
 * Warden: a hardened memory allocator.
 *
 * Every standard allocation function is also available under the `wd_`
 * prefix, so a program (or a fuzzer whose sanitizer owns plain `malloc`) can
 * call Warden directly. Linking //src:warden or preloading libwarden.so also
 * makes the unprefixed names resolve to Warden.
 *
 * Errors follow the standards that define each function. Heap corruption is
 * never returned as an error: it ends the process with one line on stderr,
 *   warden: <what>: <address> (<tier, class>)
 * followed by abort().
 */
#ifndef WARDEN_H
#define WARDEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WD_API __attribute__((visibility("default")))
#define WD_NOTHROW __attribute__((nothrow))
#define WD_MALLOC_LIKE __attribute__((malloc, warn_unused_result))
#define WD_SIZE(n) __attribute__((alloc_size(n)))
#define WD_SIZE2(n, m) __attribute__((alloc_size(n, m)))
#define WD_ALIGN(n) __attribute__((alloc_align(n)))

/* C standard (C11, C23) */
WD_API WD_NOTHROW WD_MALLOC_LIKE WD_SIZE(1) void *wd_malloc(size_t size);
WD_API WD_NOTHROW WD_MALLOC_LIKE WD_SIZE2(1, 2) void *wd_calloc(size_t count, size_t size);
WD_API WD_NOTHROW __attribute__((warn_unused_result)) WD_SIZE(2) void *wd_realloc(void *ptr,
                                                                              size_t size);
WD_API WD_NOTHROW void wd_free(void *ptr);
WD_API WD_NOTHROW WD_MALLOC_LIKE WD_ALIGN(1) WD_SIZE(2) void *wd_aligned_alloc(size_t alignment,
                                                                              size_t size);
/* C23: `size` must be the size the block was requested with; a mismatch aborts. */
WD_API WD_NOTHROW void wd_free_sized(void *ptr, size_t size);
WD_API WD_NOTHROW void wd_free_aligned_sized(void *ptr, size_t alignment, size_t size);

/* POSIX */
WD_API WD_NOTHROW int wd_posix_memalign(void **out, size_t alignment, size_t size);
WD_API WD_NOTHROW __attribute__((warn_unused_result)) WD_SIZE2(2, 3) void *wd_reallocarray(
    void *ptr, size_t count, size_t size);

/* GNU and BSD extensions */
WD_API WD_NOTHROW WD_MALLOC_LIKE WD_ALIGN(1) WD_SIZE(2) void *wd_memalign(size_t alignment,
                                                                         size_t size);
WD_API WD_NOTHROW WD_MALLOC_LIKE WD_SIZE(1) void *wd_valloc(size_t size);
WD_API WD_NOTHROW WD_MALLOC_LIKE void *wd_pvalloc(size_t size);
WD_API WD_NOTHROW size_t wd_malloc_usable_size(void *ptr);
/* Gives free memory back to the kernel (see wd_trim); up to `pad` bytes of
 * freed large mappings stay cached. Returns 1 if memory was released, else 0. */
WD_API WD_NOTHROW int wd_malloc_trim(size_t pad);

/* Warden extensions */

/*
 * Walks every heap invariant of every tier (see DESIGN.md). Returns 0 when
 * all hold. A violation is heap corruption: the process ends with
 *   warden: heap check failed: <invariant>: <address> (<tier, class>)
 */
WD_API int wd_heap_check(void);

typedef struct wd_stats {
  size_t small_live;     /* small slots handed out (malloc(0) included) */
  size_t small_bytes;    /* their slot sizes, canaries included */
  size_t small_slabs;    /* slabs carved so far */
  size_t medium_live;    /* medium blocks in use */
  size_t medium_bytes;   /* their block sizes, tags included */
  size_t medium_free_blocks;
  size_t medium_free_bytes;
  size_t medium_chunks;  /* chunks currently committed */
  size_t large_live;     /* large mappings in use */
  size_t large_bytes;    /* their mapping sizes, guards excluded */
  size_t mapped_bytes;   /* memory committed from the OS for all tiers */
  size_t large_cached_bytes; /* freed large memory kept for reuse (in mapped_bytes) */
  size_t medium_quarantined_bytes; /* freed medium blocks not yet reusable (block sizes) */
  size_t medium_retained_bytes; /* whole pages inside free medium blocks kept committed for reuse */
  size_t medium_purged_bytes;   /* pages of free or quarantined medium blocks given back so far (only grows) */
} wd_stats_t;

/*
 * Gives free memory back to the kernel now, instead of when the automatic
 * policy would (config.h): every cached large mapping, every wholly free
 * medium chunk, the pages strictly inside free medium blocks, and the pages
 * of empty small slabs. Returns
 * the bytes released (pages inside free medium blocks count unless the
 * medium budget has given them back already).
 */
WD_API WD_NOTHROW size_t wd_trim(void);

/* Fills *out with a consistent snapshot. Returns 0, or -1 if out is NULL. */
WD_API int wd_get_stats(wd_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif /* WARDEN_H */
