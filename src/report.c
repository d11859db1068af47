#include "report.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* A fixed buffer: the failure path must not allocate. 256 bytes hold the
 * longest line (every message here is a short literal). */
typedef struct line {
  char buf[256];
  size_t len;
} line_t;

static void put_str(line_t *l, const char *s) {
  while (*s != '\0' && l->len < sizeof l->buf - 1) l->buf[l->len++] = *s++;
}

static void put_hex(line_t *l, uintptr_t v) {
  char digits[2 * sizeof v];
  size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v != 0);
  put_str(l, "0x");
  while (n > 0 && l->len < sizeof l->buf - 1) l->buf[l->len++] = digits[--n];
}

static void put_dec(line_t *l, size_t v) {
  char digits[24];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && l->len < sizeof l->buf - 1) l->buf[l->len++] = digits[--n];
}

static void put_where(line_t *l, report_where_t where) {
  put_str(l, " (");
  if (where.tier == NULL) {
    put_str(l, "outside heap");
  } else if (where.unit == NULL) {
    put_str(l, where.tier);
    put_str(l, ", unknown block");
  } else {
    put_str(l, where.tier);
    put_str(l, ", ");
    put_str(l, where.unit);
    put_str(l, " ");
    put_dec(l, where.value);
  }
  put_str(l, ")");
}

_Noreturn static void emit(line_t *l) {
  l->buf[l->len++] = '\n';
  size_t done = 0;
  while (done < l->len) {
    ssize_t n = write(STDERR_FILENO, l->buf + done, l->len - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  abort();
}

/* The words of each kind: tests and log scanners match them exactly
 * (tests/security/README.md), so they never change. */
static const char *const misuse_words[MISUSE_KINDS] = {
    [MISUSE_INVALID_FREE] = "invalid free",
    [MISUSE_DOUBLE_FREE] = "double free",
    [MISUSE_INVALID_POINTER] = "invalid pointer",
    [MISUSE_FREED_POINTER] = "pointer to freed memory",
    [MISUSE_SIZE_MISMATCH] = "size mismatch",
    [MISUSE_CANARY_OVERWRITTEN] = "canary overwritten",
    [MISUSE_BOUNDARY_TAG_CORRUPTED] = "boundary tag corrupted",
    [MISUSE_FREE_LIST_CORRUPTED] = "free list corrupted",
    [MISUSE_WRITE_AFTER_FREE] = "write after free",
    [MISUSE_SLOT_STATE_CORRUPTED] = "slot state corrupted",
};

void report_failure(const char *what, const void *addr, report_where_t where) {
  line_t l = {.len = 0};
  put_str(&l, "warden: ");
  put_str(&l, what);
  put_str(&l, ": ");
  put_hex(&l, (uintptr_t)addr);
  put_where(&l, where);
  emit(&l);
}

void report_fatal(misuse_t kind, const void *addr, report_where_t where) {
  const char *words = (unsigned)kind < MISUSE_KINDS ? misuse_words[kind] : NULL;
  report_failure(words != NULL ? words : "heap misuse", addr, where);
}

void report_check_failed(const char *invariant, const void *addr, report_where_t where) {
  line_t l = {.len = 0};
  put_str(&l, "warden: heap check failed: ");
  put_str(&l, invariant);
  put_str(&l, ": ");
  put_hex(&l, (uintptr_t)addr);
  put_where(&l, where);
  emit(&l);
}

void report_os_failure(const char *call, const void *addr, int err) {
  line_t l = {.len = 0};
  put_str(&l, "warden: ");
  put_str(&l, call);
  put_str(&l, " failed: ");
  put_hex(&l, (uintptr_t)addr);
  put_str(&l, " (errno ");
  put_dec(&l, (size_t)err);
  put_str(&l, ")");
  emit(&l);
}
