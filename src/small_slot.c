#include "small_slot.h"

#include <string.h>

#include "report.h"

uint32_t small_high_water[SMALL_CLASS_COUNT];

void small_fail(misuse_t kind, const void *p, unsigned c) {
  report_fatal(kind, p, REPORT_SMALL(small_class_size(c)));
}

void small_zero_long(char *p, size_t size) { memset(p, 0, size); }
