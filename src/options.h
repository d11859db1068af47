/*
 * Run-time options from WARDEN_OPTIONS. They can only lower what the build
 * compiled in (shorter quarantines, randomization or zeroing off), never
 * enable a protection the build left out, and they are ignored entirely in
 * secure-execution (set-uid, set-gid, capability-raising) programs, where
 * the environment belongs to a less trusted user.
 */
#ifndef WD_OPTIONS_H
#define WD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct options {
  uint32_t small_quarantine; /* cap on each small quarantine array */
  uint32_t medium_quarantine; /* cap on each medium quarantine array */
  uint32_t large_quarantine; /* cap on each large quarantine array */
  bool randomize;
  bool zero_on_free;
  /* log2 of each small class's address range (WD_SMALL_CLASS_SHIFT, or
   * less, down to SMALL_MIN_CLASS_SHIFT): a smaller range caps how much one
   * class can hold. */
  uint32_t small_range_shift;
} options_t;

/* The compiled defaults, lowered by WARDEN_OPTIONS when allowed. Reads the
 * environment with getenv (which does not allocate); unknown keys and bad
 * values are ignored so that a typo cannot stop a service from starting. */
void options_load(options_t *out);

/* The policy itself: the compiled defaults lowered by `text` (NULL: no
 * options), unless `secure`, when text is ignored. */
void options_parse(options_t *out, const char *text, bool secure);

#endif /* WD_OPTIONS_H */
