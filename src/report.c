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

void report_fatal(const char *what, const void *addr, report_where_t where) {
  line_t l = {.len = 0};
  put_str(&l, "warden: ");
  put_str(&l, what);
  put_str(&l, ": ");
  put_hex(&l, (uintptr_t)addr);
  put_where(&l, where);
  emit(&l);
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
