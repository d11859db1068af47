#include "options.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "config.h"

static bool key_is(const char *s, size_t len, const char *key) {
  return strlen(key) == len && memcmp(s, key, len) == 0;
}

/* Parses a decimal value of at most 9 digits; false if there is none. */
static bool parse_count(const char *s, size_t len, uint32_t *out) {
  if (len == 0 || len > 9) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint32_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

static void lower(uint32_t *field, uint32_t v) {
  if (v < *field) *field = v;
}

static void apply(options_t *o, const char *key, size_t key_len, const char *val, size_t val_len) {
  uint32_t v;
  if (!parse_count(val, val_len, &v)) return;
  if (key_is(key, key_len, "small_quarantine")) lower(&o->small_quarantine, v);
  else if (key_is(key, key_len, "medium_quarantine")) lower(&o->medium_quarantine, v);
  else if (key_is(key, key_len, "large_quarantine")) lower(&o->large_quarantine, v);
  else if (key_is(key, key_len, "randomize") && v == 0) o->randomize = false;
  else if (key_is(key, key_len, "zero_on_free") && v == 0) o->zero_on_free = false;
  else if (key_is(key, key_len, "small_range_shift") && v >= SMALL_MIN_CLASS_SHIFT) lower(&o->small_range_shift, v);
}

void options_load(options_t *out) {
  options_parse(out, getenv("WARDEN_OPTIONS"), getauxval(AT_SECURE) != 0);
}

void options_parse(options_t *out, const char *s, bool secure) {
  uint32_t small_q = WD_SMALL_QUARANTINE_RANDOM > WD_SMALL_QUARANTINE_FIFO ? WD_SMALL_QUARANTINE_RANDOM
                                                                         : WD_SMALL_QUARANTINE_FIFO;
  uint32_t large_q = WD_LARGE_QUARANTINE_RANDOM > WD_LARGE_QUARANTINE_FIFO ? WD_LARGE_QUARANTINE_RANDOM
                                                                         : WD_LARGE_QUARANTINE_FIFO;
  uint32_t medium_q = WD_MEDIUM_QUARANTINE_RANDOM > WD_MEDIUM_QUARANTINE_FIFO ? WD_MEDIUM_QUARANTINE_RANDOM
                                                                           : WD_MEDIUM_QUARANTINE_FIFO;
  *out = (options_t){small_q, medium_q, large_q, WD_RANDOMIZE != 0, WD_ZERO_ON_FREE != 0, WD_SMALL_CLASS_SHIFT};
  if (secure || s == NULL) return;
  while (*s != '\0') {
    const char *end = strchr(s, ':');
    size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
    const char *eq = memchr(s, '=', len);
    if (eq != NULL) apply(out, s, (size_t)(eq - s), eq + 1, len - (size_t)(eq - s) - 1);
    s += len;
    if (*s == ':') s++;
  }
}
