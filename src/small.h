/*
 * The small tier: slots of fixed size classes in slabs, with all slot state
 * kept out of line. Each class owns its own range of address space, so a
 * pointer's class, slab and slot follow from arithmetic on its address
 * alone; invalid, interior and double frees are found without trusting
 * anything stored next to user data.
 */
#ifndef WD_SMALL_H
#define WD_SMALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sealed.h"
#include "config.h"
#include "size_class.h"
#include "warden.h"

/* The whole small range, all classes, is [sealed.small_start, small_end). */
static inline bool small_owns(const void *p) {
  return (uintptr_t)p - sealed.small_start < sealed.small_end - sealed.small_start;
}

/* Reserves the address space of every class. False if the kernel refuses. */
bool small_init(void);

/* A slot of class c (0 <= c < SMALL_CLASS_COUNT), or NULL when out of
 * memory. The slot's usable bytes read as zero when small_zeroing(). */
void *small_alloc(unsigned c);

/* Frees a pointer that small_owns(); aborts on an invalid or double free or
 * on a broken canary. */
void small_free(void *p);

/* The class of a live slot. Aborts if p is not one: `bad` names a pointer
 * that was never a slot, `freed` a slot that is free. */
unsigned small_class_of_live(const void *p, const char *bad, const char *freed);

/* Usable bytes of class c: the slot less its canary (0 for class 0). */
static inline size_t small_usable(unsigned c) {
  return c == 0 ? 0 : small_geometry[c].slot_size - SMALL_CANARY;
}

/* True when freed slots are zeroed (so fresh slots read as zero). */
static inline bool small_zeroing(void) { return WD_ZERO_ON_FREE && sealed.options.zero_on_free; }

/* Walks every small-tier invariant; reports the first violation. */
void small_check(void);

void small_add_stats(wd_stats_t *stats);

void small_lock_all(void);
void small_unlock_all(void);
/* In a forked child: locks reset, and layout randomness drawn anew so
 * parent and child do not make the same choices from here on. */
void small_after_fork_child(void);

#endif /* WD_SMALL_H */
