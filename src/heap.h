/* Process-wide lifecycle: one initialization before the first allocation,
 * and fork handling that leaves every lock usable in both processes. */
#ifndef WD_HEAP_H
#define WD_HEAP_H

#include <stdbool.h>

extern bool heap_ready;

void heap_init(void);

static inline void heap_ensure_ready(void) {
  if (__builtin_expect(!__atomic_load_n(&heap_ready, __ATOMIC_ACQUIRE), 0)) heap_init();
}

#endif /* WD_HEAP_H */
