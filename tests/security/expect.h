/*
 * Death and survival checks for the security tests.
 *
 * Every bug runs in a forked child, so one program can check many bugs and a
 * heap that a bug has corrupted never leaks into the next check. Addresses
 * that the expected line names are taken in the parent before the fork: the
 * child has the same address space, so they are the same in both.
 */
#ifndef WARDEN_TESTS_SECURITY_EXPECT_H
#define WARDEN_TESTS_SECURITY_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set to 1 by `--config=light` (through //src:config); the expectations of
 * the two variants differ where the light build drops a protection. */
#ifndef WD_LIGHT
#define WD_LIGHT 0
#endif

/* C23 functions that this C library does not declare yet; Warden defines
 * them. */
void free_sized(void *ptr, size_t size);
void free_aligned_sized(void *ptr, size_t alignment, size_t size);

/*
 * Runs bug(ctx) in a child and checks that the child is killed by `signal`
 * and that its stderr is exactly the line printf(line_fmt, ...) followed by
 * "\n"; a NULL line_fmt means that stderr must stay empty. On any mismatch
 * prints what was expected and what happened, and exits 1.
 */
void expect_death(void (*bug)(void *ctx), void *ctx, int signal, const char *line_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Runs body(ctx) in a child and checks that it returns 0, exits normally
 * and writes nothing to stderr. The body reports its own failed checks on
 * stderr (CHECK below) and returns nonzero. Exits 1 on a mismatch.
 */
void expect_survives(const char *what, int (*body)(void *ctx), void *ctx);

/*
 * Ends the program (exit 1) unless malloc, free and malloc_usable_size in
 * this binary are Warden's. Every test calls it first: a test whose calls
 * did not reach Warden would check nothing.
 */
void expect_warden(void);

/*
 * Runs this program again as a new process, `<program> mode`: exec gives it
 * secrets and a layout of its own, where a forked child would share the
 * parent's. prepare(ctx), unless NULL, runs in the child just before the
 * exec, to set a limit, a personality or the environment. Up to size - 1
 * bytes of its stdout go to out, NUL-terminated; its stderr is the
 * caller's. True when it exited 0.
 */
bool rerun_self(const char *mode, void (*prepare)(void *ctx), void *ctx, char *out, size_t size);

/* For bodies run by expect_survives. */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      expect_check_failed(__FILE__, __LINE__, #cond);                          \
      return 1;                                                                \
    }                                                                          \
  } while (0)

void expect_check_failed(const char *file, int line, const char *cond);

/* Pushes every medium block freed so far out of the medium quarantine
 * (merged, its write-after-free check run), whatever order the quarantine's
 * random array draws: by freeing MEDIUM_FLUSH blocks of the calling thread's
 * arena, reserved beforehand (so that they cannot take over the memory of
 * the blocks under test). Both do nothing where the build has no medium
 * quarantine. */
#define MEDIUM_FLUSH 300
typedef struct medium_flush {
  void *blocks[MEDIUM_FLUSH];
} medium_flush_t;
void medium_flush_reserve(medium_flush_t *f);
void medium_flush(medium_flush_t *f);

/*
 * Hides where a pointer came from. The compiler may otherwise delete a
 * malloc/free pair, merge a double free, or reason about an out-of-bounds
 * or after-free access, which is exactly what these tests perform on
 * purpose.
 */
static inline void *launder(void *p) {
  __asm__ volatile("" : "+r"(p) : : "memory");
  return p;
}

static inline size_t launder_size(size_t n) {
  __asm__ volatile("" : "+r"(n));
  return n;
}

#ifdef __cplusplus
}
#endif

#endif /* WARDEN_TESTS_SECURITY_EXPECT_H */
