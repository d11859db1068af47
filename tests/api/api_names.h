/*
 * Lets one API test source exercise both ways of reaching Warden.
 *
 * Built plainly, the tests call the standard names, which must resolve to
 * Warden because the test links //:warden. Built with -DWD_PREFIXED, the same
 * calls go to the wd_* names of //src:core, which defines no standard name:
 * the two builds must agree on every property.
 *
 * Every system header a test needs is included here, before the renaming
 * macros, so that no declaration inside a header is renamed.
 */
#ifndef WARDEN_TESTS_API_NAMES_H
#define WARDEN_TESTS_API_NAMES_H

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/api/check.h"
#include "warden.h"

#ifdef WD_PREFIXED
#define API_NAME "wd_*"
#define malloc wd_malloc
#define calloc wd_calloc
#define realloc wd_realloc
#define free wd_free
#define aligned_alloc wd_aligned_alloc
#define free_sized wd_free_sized
#define free_aligned_sized wd_free_aligned_sized
#define posix_memalign wd_posix_memalign
#define reallocarray wd_reallocarray
#define memalign wd_memalign
#define valloc wd_valloc
#define pvalloc wd_pvalloc
#define malloc_usable_size wd_malloc_usable_size
#define malloc_trim wd_malloc_trim
#else
#define API_NAME "standard names"
/* C23 functions this C library does not declare yet; Warden defines them. */
void free_sized(void *ptr, size_t size);
void free_aligned_sized(void *ptr, size_t alignment, size_t size);
#endif

#define PAGE ((size_t)4096)
#define MIB ((size_t)1 << 20)
/* The tier limits from DESIGN.md: small requests end where a 16 KiB slot
 * less its 8-byte canary is full, medium ones at 1 MiB. */
#define SMALL_LAST ((size_t)16376)
#define MEDIUM_LAST MIB

static inline size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* The plain build must really be talking to Warden: a 1-byte request
 * answered with exactly 8 usable bytes (a 16-byte slot less its canary) is
 * Warden's signature. */
static inline int warden_serves_api(void) {
  void *p = malloc(hide_size(1));
  size_t usable = malloc_usable_size(p);
  free(p);
  return usable == 8;
}

#endif /* WARDEN_TESTS_API_NAMES_H */
