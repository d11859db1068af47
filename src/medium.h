/*
 * The medium tier: segregated fit over size-segregated free lists inside
 * large chunks. Blocks carry boundary tags with keyed checksums; a request
 * splits a block, a free merges it with free neighbours; free pages and
 * wholly free chunks go back to the kernel beyond a budget that follows
 * each arena's recent use (config.h). The range is split among
 * arenas (config.h, WD_MEDIUM_ARENAS), each with its own lock and lists.
 */
#ifndef WD_MEDIUM_H
#define WD_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "sealed.h"
#include "warden.h"

/* The medium range is [sealed.medium_start, sealed.medium_end). */
static inline bool medium_owns(const void *p) {
  return (uintptr_t)p - sealed.medium_start < sealed.medium_end - sealed.medium_start;
}

bool medium_init(void);

/* A block with at least n usable bytes at an address aligned to
 * `alignment` (a power of two, at most a page), or NULL when out of memory. */
void *medium_alloc(size_t n, size_t alignment);

/* Frees a pointer that medium_owns(); aborts on an invalid or double free
 * and on corrupted tags, links or canary. The block waits in its arena's
 * quarantine before it can be merged or reused. */
void medium_free(void *p);

/* True when every usable byte of a block medium_alloc returns reads as
 * zero (freed blocks are zeroed, and no metadata is left in free ones). */
bool medium_hands_out_zero(void);

/* Usable bytes of a live block p (medium_owns). Aborts if p is not one:
 * with `bad` (MISUSE_INVALID_FREE or MISUSE_INVALID_POINTER) if p was never
 * a block, with misuse_freed(bad) if it was freed. */
size_t medium_usable(const void *p, misuse_t bad);

/* Resizes a live block in place to hold n bytes, shrinking or growing into
 * a free neighbour. False (block unchanged) when it cannot. */
bool medium_resize(void *p, size_t n);

/* The size of the block that has `usable` bytes, as reports name it. */
size_t medium_block_size(size_t usable);

/* True when a block of `usable` bytes is what a request of n bytes (at the
 * given alignment) can have produced: for sized frees. */
bool medium_size_matches(size_t usable, size_t n);

/* Gives back every wholly free chunk and drops the pages strictly inside
 * free and quarantined blocks, whatever the budget; returns the bytes that
 * could have held memory (free pages already given back do not count). */
size_t medium_trim(void);

/* How many arenas share the range, and which one owns p (medium_owns). */
unsigned medium_arena_count(void);
unsigned medium_arena_index(const void *p);

void medium_check(void);
void medium_add_stats(wd_stats_t *stats);
void medium_lock_all(void);
void medium_unlock_all(void);
/* In a forked child: fresh locks (the random key is drawn anew for every
 * tier, heap.c). */
void medium_after_fork_child(void);

#endif /* WD_MEDIUM_H */
