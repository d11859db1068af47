/*
 * A ring of recent frees: the evidence left when a freed block's own
 * metadata is gone (its memory merged into a neighbour, its chunk or
 * mapping given back), so that a second free of it is still named a double
 * free rather than an invalid one. Every tier that gives memory back keeps
 * one; the tier holds the lock.
 */
#ifndef WD_RECENT_H
#define WD_RECENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct recent_free {
  uintptr_t ptr; /* 0: empty */
  size_t size;   /* what the report names it by */
} recent_free_t;

/* Remembers ptr in the ring of `cap` entries, over its oldest entry. */
static inline void recent_add(recent_free_t *ring, size_t cap, size_t *next, uintptr_t ptr, size_t size) {
  ring[*next] = (recent_free_t){ptr, size};
  *next = *next + 1 == cap ? 0 : *next + 1;
}

/* The entry remembering ptr (nonzero), or NULL. */
static inline const recent_free_t *recent_find(const recent_free_t *ring, size_t cap, uintptr_t ptr) {
  for (size_t k = 0; k < cap; k++) {
    if (ring[k].ptr == ptr && ptr != 0) return &ring[k];
  }
  return NULL;
}

#endif /* WD_RECENT_H */
