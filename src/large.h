/*
 * The large tier: one mapping per allocation, with an inaccessible guard page
 * on each side, recorded in an out-of-line table. The allocation ends as
 * close to the end guard as its alignment allows, so an overflow faults at
 * once. A freed mapping is inaccessible at once; its pages are kept for
 * reuse within a budget that follows the program's recent peak (config.h,
 * the large cache) or go back to the kernel.
 */
#ifndef WD_LARGE_H
#define WD_LARGE_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"
#include "warden.h"

bool large_init(void);

/* n bytes aligned to `alignment` (a power of two), or NULL; zeroed if
 * `zero` (fresh pages are; reused ones are cleared). */
void *large_alloc(size_t n, size_t alignment, bool zero);

/* Frees p if it is a live large allocation. Any other pointer is not from
 * Warden (every other tier has its own range): aborts with an invalid or
 * double free. */
void large_free(void *p);

/* Usable bytes, and the size it was requested with (if `requested` is not
 * NULL), of a live allocation. Aborts if p is not one: with
 * misuse_freed(bad) if it was freed lately, else with `bad`
 * (MISUSE_INVALID_FREE or MISUSE_INVALID_POINTER). */
size_t large_usable(const void *p, size_t *requested, misuse_t bad);

/* Resizes in place when the new size needs the same pages; false otherwise. */
bool large_resize(void *p, size_t n);

/* Unmaps cached mappings (config.h, the large cache), oldest first, until
 * they hold at most `keep` bytes; returns the bytes they could hold. */
size_t large_trim(size_t keep);

void large_check(void);
void large_add_stats(wd_stats_t *stats);
void large_lock_all(void);
void large_unlock_all(void);
void large_after_fork_child(void);

#endif /* WD_LARGE_H */
