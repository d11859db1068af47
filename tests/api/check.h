/*
 * The test harness shared by tests/api, tests/unit and tests/threads.
 *
 *   CHECK(cond)               counts a pass, or prints file:line and the
 *                             condition and counts a failure
 *   CHECKF(cond, fmt, ...)    the same, with the values that explain a failure
 *   return check_done();      prints "N passed, M failed", exits 1 on failure
 *   heap_check();             walks the heap; a broken invariant aborts
 *
 * A failed check does not stop the test: one run shows every broken
 * property, not only the first. Only the first failures are printed, so a
 * property broken for 70000 sizes does not bury the others.
 *
 * Helpers for what allocator tests need beyond that: values the compiler
 * cannot see through (so an allocation is never folded away), byte patterns
 * that tell one block from another, and running code in a child process to
 * observe a fault or an abort without ending the test.
 *
 * Valid C and C++, so the C++ operator tests share it.
 */
#ifndef WARDEN_TESTS_CHECK_H
#define WARDEN_TESTS_CHECK_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "warden.h"

#define CHECK_MAX_PRINTED 40

typedef struct check_state {
  unsigned long passed;
  unsigned long failed;
} check_state_t;

static inline check_state_t *check_state(void) {
  static check_state_t state;
  return &state;
}

__attribute__((format(printf, 4, 5))) static inline int check_record(int ok, const char *file,
                                                                      int line, const char *fmt,
                                                                      ...) {
  check_state_t *s = check_state();
  if (ok) {
    s->passed++;
    return 1;
  }
  if (s->failed++ < CHECK_MAX_PRINTED) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stdout, "%s:%d: FAILED: ", file, line);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
  }
  return 0;
}

#define CHECK(cond) check_record((cond) != 0, __FILE__, __LINE__, "%s", #cond)
#define CHECKF(cond, fmt, ...) \
  check_record((cond) != 0, __FILE__, __LINE__, "%s: " fmt, #cond, __VA_ARGS__)

static inline int check_done(void) {
  check_state_t *s = check_state();
  if (s->failed > CHECK_MAX_PRINTED) {
    printf("(%lu more failures not printed)\n", s->failed - CHECK_MAX_PRINTED);
  }
  printf("%lu passed, %lu failed\n", s->passed, s->failed);
  fflush(stdout);
  return s->failed == 0 ? 0 : 1;
}

/* Walks every heap invariant. wd_heap_check returns only when they all
 * hold: a broken one ends the process with "warden: heap check failed: ..."
 * and abort(), which fails the test. Its result is always 0, so a test
 * calls this rather than checking the result. */
static inline void heap_check(void) { (void)wd_heap_check(); }

/* The compiler knows what malloc and free mean and may drop a pair whose
 * result is unused, or fold a size it can see; passing values through these
 * keeps every call in the program. */
static inline size_t hide_size(size_t n) {
  __asm__ volatile("" : "+r"(n));
  return n;
}

static inline void *hide_ptr(void *p) {
  __asm__ volatile("" : "+r"(p));
  return p;
}

/* A byte pattern that differs between seeds and along a block, so a block
 * that lost, shifted or swapped contents does not verify. */
static inline unsigned char pattern_byte(uint64_t seed, size_t i) {
  uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL + (uint64_t)i * 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 29;
  return (unsigned char)(x ^ (x >> 8) ^ (x >> 17));
}

static inline void pattern_fill(void *p, size_t n, uint64_t seed) {
  unsigned char *b = (unsigned char *)p;
  for (size_t i = 0; i < n; i++) b[i] = pattern_byte(seed, i);
}

/* Index of the first byte that differs from the pattern, or SIZE_MAX. */
static inline size_t pattern_mismatch(const void *p, size_t n, uint64_t seed) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) {
    if (b[i] != pattern_byte(seed, i)) return i;
  }
  return SIZE_MAX;
}

/* Index of the first non-zero byte, or SIZE_MAX. */
static inline size_t first_nonzero(const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) {
    if (b[i] != 0) return i;
  }
  return SIZE_MAX;
}

/* A deterministic generator, so a failing random test replays exactly. */
typedef struct rng {
  uint64_t s;
} rng_t;

static inline uint64_t rng_next(rng_t *r) {
  r->s += 0x9e3779b97f4a7c15ULL;
  uint64_t z = r->s;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for test workloads; n > 0. */
static inline size_t rng_below(rng_t *r, size_t n) { return (size_t)(rng_next(r) % n); }

/* The result of running a function in a child process. */
typedef struct child_result {
  int exited;      /* 1: exit code in `code`; 0: killed by `signal` */
  int code;
  int signal;
  char err[512];   /* the start of what the child wrote to stderr */
} child_result_t;

/* Runs fn(arg) in a forked child that exits 0 when fn returns, and reports
 * how the child ended. A deliberate fault must not leave a core file. */
static inline child_result_t run_in_child(void (*fn)(void *), void *arg) {
  child_result_t r;
  memset(&r, 0, sizeof r);
  int fds[2];
  if (pipe(fds) != 0) {
    r.code = -1;
    return r;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    fn(arg);
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  for (;;) {
    ssize_t n = read(fds[0], r.err + got, sizeof r.err - 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
    if (got == sizeof r.err - 1) {
      char sink[256];
      while (read(fds[0], sink, sizeof sink) > 0) {
      }
      break;
    }
  }
  r.err[got] = '\0';
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    r.exited = 1;
    r.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

/* A read the compiler must perform: the point is whether it faults. */
static inline void touch_read(const void *p) {
  unsigned char v = *(const volatile unsigned char *)p;
  __asm__ volatile("" : : "r"(v));
}

static inline void touch_read_fn(void *p) { touch_read(p); }

/* True when reading the byte at p kills a child with SIGSEGV (or SIGBUS). */
static inline int read_faults(const void *p) {
  child_result_t r = run_in_child(touch_read_fn, (void *)(uintptr_t)p);
  return !r.exited && (r.signal == SIGSEGV || r.signal == SIGBUS);
}

/* The resident set in bytes, as the kernel counts it (0 if unknown). */
static inline size_t resident_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return 0;
  unsigned long total = 0, pages = 0;
  int got = fscanf(f, "%lu %lu", &total, &pages);
  fclose(f);
  return got == 2 ? (size_t)pages * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

/* Whether the page holding p is in memory: 1 resident, 0 mapped but not
 * resident (never touched, or given back to the kernel), -1 not mapped at
 * all, -2 any other mincore error. */
static inline int page_residency(const void *p) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  unsigned char v = 0;
  if (mincore((void *)((uintptr_t)p & ~(uintptr_t)(page - 1)), page, &v) != 0) return errno == ENOMEM ? -1 : -2;
  return v & 1;
}

#endif /* WARDEN_TESTS_CHECK_H */
