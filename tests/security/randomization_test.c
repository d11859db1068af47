/*
 * Slot choice within a slab and the order of fresh slabs are random, so the
 * distance between two objects cannot be known in advance (an overflow
 * cannot aim at a chosen neighbour). The choices come from generators keyed
 * by the kernel: they differ between runs of the same program, and between
 * a parent and its forked children and among those children, which draw
 * new keys. Layouts are compared by where each slot lies relative to the
 * first, so that runs whose ranges lie at different addresses compare. The
 * light build hands slots out in address order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expect.h"

#define COUNT 64
#define REQUEST 100 /* class 112: 36 slots per slab */
#define CHILD "layout"

static void layout(uintptr_t out[COUNT]) {
  for (int i = 0; i < COUNT; i++) out[i] = (uintptr_t)launder(malloc(REQUEST));
}

static int ascending(const uintptr_t a[COUNT]) {
  for (int i = 1; i < COUNT; i++) {
    if (a[i] < a[i - 1]) return 0;
  }
  return 1;
}

#if !WD_LIGHT
/* How many slots lie at the same distance from the first in both. */
static int shared_positions(const uintptr_t a[COUNT], const uintptr_t b[COUNT]) {
  int same = 0;
  for (int i = 1; i < COUNT; i++) same += a[i] - a[0] == b[i] - b[0];
  return same;
}

/* The layout that a forked child lays out next. */
static int child_layout(uintptr_t out[COUNT]) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    uintptr_t mine[COUNT];
    layout(mine);
    _exit(write(fds[1], mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
  }
  close(fds[1]);
  int got = read(fds[0], out, COUNT * sizeof out[0]) == (ssize_t)(COUNT * sizeof out[0]);
  close(fds[0]);
  int status;
  return got && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int print_layout(void) {
  uintptr_t a[COUNT];
  layout(a);
  for (int i = 0; i < COUNT; i++) printf("%zx\n", (size_t)a[i]);
  return 0;
}

/* The first layout of a fresh run of this program. */
static int run_layout(uintptr_t out[COUNT]) {
  char text[COUNT * 20];
  if (!rerun_self(CHILD, NULL, NULL, text, sizeof text)) return 0;
  char *at = text;
  for (int i = 0; i < COUNT; i++) {
    char *end;
    out[i] = (uintptr_t)strtoull(at, &end, 16);
    if (end == at) return 0;
    at = end;
  }
  return 1;
}

static int random_layout(void *ctx) {
  (void)ctx;
  uintptr_t first[COUNT];
  layout(first);
  CHECK(!ascending(first));
  uintptr_t child[COUNT], sibling[COUNT], parent[COUNT];
  CHECK(child_layout(child) && child_layout(sibling));
  layout(parent);
  CHECK(shared_positions(parent, child) < COUNT / 2);
  CHECK(shared_positions(child, sibling) < COUNT / 2);
  uintptr_t run_a[COUNT], run_b[COUNT];
  CHECK(run_layout(run_a) && run_layout(run_b));
  CHECK(shared_positions(run_a, run_b) < COUNT / 2);
  return 0;
}
#else
static int ordered_layout(void *ctx) {
  (void)ctx;
  uintptr_t a[COUNT];
  layout(a);
  CHECK(ascending(a));
  return 0;
}
#endif

int main(int argc, char **argv) {
#if WD_LIGHT
  (void)argc;
  (void)argv;
  expect_warden();
  expect_survives("light: slots in address order", ordered_layout, NULL);
#else
  if (argc > 1 && strcmp(argv[1], CHILD) == 0) return print_layout();
  expect_warden();
  expect_survives("random slots, keyed anew per run and per fork", random_layout, NULL);
#endif
  return 0;
}
