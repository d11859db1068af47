/*
 * The quarantine every tier uses: freed memory waits here before it can be
 * reused, so that a dangling pointer keeps naming memory nobody owns for a
 * while instead of the next object of its size.
 *
 * An entry passes two stages. In the random array it takes the place of a
 * randomly drawn entry, which moves on; in the FIFO behind it, the oldest
 * entry leaves. The array makes the wait unpredictable, the FIFO makes it
 * at least fifo_len frees long, so neither the moment nor the order in which
 * freed memory comes back can be planned by a program.
 *
 * An entry is a nonzero word chosen by the tier (0 marks an empty place).
 * The tier keeps the arrays, draws the random place and holds the lock; the
 * lengths in force are fixed after start-up (the build's, lowered by
 * WARDEN_OPTIONS) and never exceed the arrays.
 */
#ifndef WD_QUARANTINE_H
#define WD_QUARANTINE_H

#include <stdint.h>

typedef struct quarantine {
  uint32_t fifo_head;  /* the oldest entry of the FIFO */
  uint32_t fifo_count; /* entries in the FIFO */
} quarantine_t;

/* Puts `entry` at place k of the random array (k below the random length in
 * force); returns the entry that leaves the quarantine, or 0. */
static inline uintptr_t quarantine_put(quarantine_t *q, uintptr_t *random, uintptr_t *fifo, uint32_t fifo_len,
                                       uint32_t k, uintptr_t entry) {
  uintptr_t out = random[k];
  random[k] = entry;
  if (out == 0 || fifo_len == 0) return out;
  if (q->fifo_count < fifo_len) {
    uint32_t at = q->fifo_head + q->fifo_count++;
    fifo[at < fifo_len ? at : at - fifo_len] = out;
    return 0;
  }
  uintptr_t oldest = fifo[q->fifo_head];
  fifo[q->fifo_head] = out;
  if (++q->fifo_head == fifo_len) q->fifo_head = 0;
  return oldest;
}

/* The n-th oldest entry of the FIFO (n < fifo_count). */
static inline uintptr_t quarantine_fifo_at(const quarantine_t *q, const uintptr_t *fifo, uint32_t fifo_len,
                                           uint32_t n) {
  uint32_t at = q->fifo_head + n;
  return fifo[at < fifo_len ? at : at - fifo_len];
}

/* Takes out the oldest entry early (a byte budget is exceeded): the FIFO's
 * oldest, else the random array's entry at or after place k. 0 when the
 * quarantine is empty. */
static inline uintptr_t quarantine_evict(quarantine_t *q, uintptr_t *random, uint32_t random_len, uintptr_t *fifo,
                                         uint32_t fifo_len, uint32_t k) {
  if (q->fifo_count > 0) {
    uintptr_t oldest = fifo[q->fifo_head];
    if (++q->fifo_head == fifo_len) q->fifo_head = 0;
    q->fifo_count--;
    return oldest;
  }
  for (uint32_t n = 0; n < random_len; n++) {
    uint32_t at = k + n < random_len ? k + n : k + n - random_len;
    uintptr_t out = random[at];
    if (out != 0) {
      random[at] = 0;
      return out;
    }
  }
  return 0;
}

#endif /* WD_QUARANTINE_H */
