/*
 * The failure path: one line on stderr, then abort().
 *
 * Nothing here allocates or takes a lock: these functions run while the heap
 * is known to be corrupt, possibly with allocator locks held. The line is
 * stable so that tests and log scanners can match it:
 *   warden: <what>: <address> (<tier>, <unit> <value>)
 * A misuse is named by its kind; the words each kind prints are in one
 * table, in report.c.
 */
#ifndef WD_REPORT_H
#define WD_REPORT_H

#include <stddef.h>

#include "config.h"

/* Where the bad address lies: a tier and the class or size that names the
 * slot, block or mapping. A NULL tier prints "(outside heap)"; a NULL unit
 * prints "(<tier>, unknown block)". */
typedef struct report_where {
  const char *tier;
  const char *unit;
  size_t value;
} report_where_t;

#define REPORT_OUTSIDE ((report_where_t){NULL, NULL, 0})
/* In the medium range, but no block can be trusted to name a size. */
#define REPORT_MEDIUM_UNKNOWN ((report_where_t){"medium", NULL, 0})
#define REPORT_SMALL(slot_size) ((report_where_t){"small", "class", (slot_size)})
#define REPORT_MEDIUM(block_size) ((report_where_t){"medium", "block", (block_size)})
#define REPORT_LARGE(size) ((report_where_t){"large", "size", (size)})

/* Heap corruption or misuse that the standards leave undefined, by kind. */
typedef enum misuse {
  MISUSE_INVALID_FREE,     /* freed, but never a block: "invalid free" */
  MISUSE_DOUBLE_FREE,      /* freed again: "double free" */
  MISUSE_INVALID_POINTER,  /* sized (malloc_usable_size), but never a block */
  MISUSE_FREED_POINTER,    /* sized after its free */
  MISUSE_SIZE_MISMATCH,    /* a sized free's size or alignment did not make the block */
  MISUSE_CANARY_OVERWRITTEN,
  MISUSE_BOUNDARY_TAG_CORRUPTED,
  MISUSE_FREE_LIST_CORRUPTED,
  MISUSE_WRITE_AFTER_FREE,
  MISUSE_SLOT_STATE_CORRUPTED,
  MISUSE_KINDS
} misuse_t;

/* A lookup that finds no live block where the caller expected one is
 * given the kind for a pointer that was never a block (MISUSE_INVALID_FREE
 * or MISUSE_INVALID_POINTER); this is the kind for one that was freed. */
static inline misuse_t misuse_freed(misuse_t bad) {
  return bad == MISUSE_INVALID_POINTER ? MISUSE_FREED_POINTER : MISUSE_DOUBLE_FREE;
}

/* Ends the process for a misuse of the heap at addr. */
_Noreturn void report_fatal(misuse_t kind, const void *addr, report_where_t where);

/* Any other reason to stop that the caller words itself: a broken internal
 * belief (WD_ASSERT), or no C++ runtime to throw with. */
_Noreturn void report_failure(const char *what, const void *addr, report_where_t where);

/* A broken heap invariant found by wd_heap_check(). */
_Noreturn void report_check_failed(const char *invariant, const void *addr, report_where_t where);

/* The kernel refused an operation that cannot fail in a sane process. */
_Noreturn void report_os_failure(const char *call, const void *addr, int err);

/* Security checks are always compiled in and end the process. Debug
 * assertions state internal beliefs and vanish from release builds. */
#define WD_CHECK(cond, kind, addr, where) \
  do {                                    \
    if (__builtin_expect(!(cond), 0)) report_fatal((kind), (addr), (where)); \
  } while (0)

#if WD_DEBUG
#define WD_ASSERT(cond)                                                      \
  do {                                                                       \
    if (!(cond)) report_failure("assertion failed: " #cond, NULL, REPORT_OUTSIDE); \
  } while (0)
#else
#define WD_ASSERT(cond) ((void)0)
#endif

#endif /* WD_REPORT_H */
